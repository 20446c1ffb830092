"""The app's own error pages, with DEBUG on as in the demo, each saying what to do next."""

from __future__ import annotations

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from tracker.web.errors import AppErrorPagesMiddleware

NEXT = "接下来可以"


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True
    settings.TRACKER_APP_ERROR_PAGES = True
    return settings


def body(response) -> str:
    return response.content.decode()


def test_unknown_url_with_debug_is_the_apps_404(debug_on, client_as, alice):
    response = client_as(alice).get("/no/such/page/")

    assert response.status_code == 404
    page = body(response)
    assert "页面不存在" in page and NEXT in page and 'id="error-page"' in page
    assert "URLconf" not in page and "Using the URLconf" not in page


def test_another_countys_case_with_debug_is_the_apps_404(debug_on, client_as, bob, case_a):
    response = client_as(bob).get(reverse("tracker:case_detail", args=[case_a.reference]))

    assert response.status_code == 404
    page = body(response)
    assert "页面不存在" in page and "联系改革办管理员" in page
    assert "Traceback" not in page and "Raised by" not in page


def test_forbidden_page_says_whom_to_ask(debug_on, client_as, ivan, case_a):
    url = reverse("tracker:case_edit", args=[case_a.reference])

    response = client_as(ivan).get(url)

    assert response.status_code == 403
    assert "无权访问" in body(response) and "联系改革办管理员" in body(response)


@pytest.mark.parametrize(
    "exception, status, text",
    [
        (Http404("x"), 404, "页面不存在"),
        (
            PermissionDenied("只有改革办管理员可以执行“销号”。"),
            403,
            "只有改革办管理员可以执行“销号”。",
        ),
        (BadRequest("bad"), 400, "请求的参数有误"),
        (RuntimeError("boom"), 500, "系统错误"),
    ],
)
def test_each_error_answers_with_the_apps_page(debug_on, db, exception, status, text):
    from django.contrib.auth.models import AnonymousUser

    def view(request):
        raise exception

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    middleware = AppErrorPagesMiddleware(view)

    response = middleware.process_exception(request, exception)

    assert response.status_code == status
    assert text in body(response) and NEXT in body(response)
    assert "Traceback" not in body(response)


def test_switched_off_debug_shows_djangos_technical_404(settings, client_as, alice):
    settings.DEBUG = True
    settings.TRACKER_APP_ERROR_PAGES = False

    response = client_as(alice).get("/no/such/page/")

    assert response.status_code == 404
    assert "URLconf" in body(response)


def test_without_debug_the_handlers_answer(client_as, alice):
    response = client_as(alice).get("/no/such/page/")

    assert response.status_code == 404 and NEXT in body(response)


def test_favicon_answers(client, settings):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("tracker/favicon.ico")
    from django.contrib.staticfiles import finders

    assert finders.find("tracker/favicon.ico")
    page = body(client.get(reverse("login")))
    assert 'rel="icon"' in page and "favicon" in page
