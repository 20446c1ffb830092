"""Schemathesis against /api/schema/, in-process on the WSGI app (SQLite or PostgreSQL, as the
suite runs): no 5xx anywhere, and every answer matches the schema (status code, content type,
body, documented headers). Five generated examples per operation keep it to seconds."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks

from tests.api_support import token_for
from tests.factories import make_case

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def _load_schema():
    from tracker.config.wsgi import application

    # Loaded while collecting (schemathesis' pytest fixture loader does not run on pytest 9):
    # generating the schema reads no database.
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = _load_schema()


@pytest.fixture
def in_test_transaction(db):
    """As Django's test client does: a request's start and end must not close the test's
    connection (it is inside the test's transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def tokens(in_test_transaction, settings, tmp_path, alice, carol, case_a):
    settings.MEDIA_ROOT = tmp_path
    settings.API_THROTTLE_RATE = "100000/minute"
    settings.API_ANON_THROTTLE_RATE = "100000/minute"
    cache.clear()
    make_case("post", case_a.jurisdiction, alice)
    return {"staff": token_for(alice, name="schema"), "admin": token_for(carol, name="schema")}


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_api_answers_conform(case, tokens, case_a):
    if "reference" in (case.path_parameters or {}):
        case.path_parameters["reference"] = case_a.reference
    who = "admin" if "/webhooks/" in case.path or "/audit/" in case.path else "staff"
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[who]}"}, checks=CHECKS)


def test_schema_and_offline_docs_are_served(client):
    schema_response = client.get("/api/schema/")
    assert schema_response.status_code == 200
    assert b"/api/v1/cases/" in schema_response.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "unpkg" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "/static/drf_spectacular_sidecar/" in client.get("/api/redoc/").content.decode()
