"""Errors answered before (or around) the API's views keep the API's JSON error shape: the
input guard's 400, an unknown URL's 404, the database-busy 503, an unhandled 500."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from tracker.api.errors import error_body

CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "throttled",
    503: "unavailable",
}


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/v1/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code = CODES.get(response.status_code, "server_error")
            answer = JsonResponse(error_body(code), status=response.status_code)
            if "Retry-After" in response:
                answer["Retry-After"] = response["Retry-After"]
            return answer
        return response
