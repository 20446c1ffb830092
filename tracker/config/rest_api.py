"""REST API and webhook settings (tracker.api): Django REST framework, the OpenAPI schema,
throttling, token lifetime and webhook delivery.

Star-imported by ``tracker.config.settings``: every upper-case name here is a setting.
"""

from __future__ import annotations

import os

from tracker.config.env import env_bool

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tracker.api.auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tracker.api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["tracker.api.throttles.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tracker.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "中介服务与收费清理台账 API",
    "DESCRIPTION": "REST API of the intermediary services and fee clean-up tracker (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set: the case status (also a transition's target), the case kind and
    # a note's kind (both fields are called "kind").
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "tracker.cases.workflow.Status",
        "NoteKindEnum": "tracker.cases.models.Note.Kind",
        "CaseKindEnum": "tracker.cases.registry.kind_choices",
    },
}
# Requests per minute per API token (and per client address for the public catalogue).
API_THROTTLE_RATE = os.environ.get("TRACKER_API_THROTTLE_RATE", "600/minute")
API_ANON_THROTTLE_RATE = os.environ.get("TRACKER_API_ANON_THROTTLE_RATE", "120/minute")
# Longest lifetime of an API token, in days.
API_TOKEN_MAX_DAYS = int(os.environ.get("TRACKER_API_TOKEN_MAX_DAYS", "365"))

# Webhooks: signed POSTs delivered after commit by a worker thread (no broker configured).
WEBHOOK_ALLOW_PRIVATE = env_bool("TRACKER_WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("TRACKER_WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("TRACKER_WEBHOOK_MAX_ATTEMPTS", "6"))
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("TRACKER_WEBHOOK_RETRY_BASE_SECONDS", "30"))
# "thread": a worker thread of the app delivers; "off": only `manage.py deliver_webhooks` does.
WEBHOOK_WORKER = os.environ.get("TRACKER_WEBHOOK_WORKER", "thread")
