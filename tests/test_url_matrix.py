"""Every URL pattern × every persona × GET and POST, against an explicit table.

A new view without an entry in EXPECTED fails ``test_every_url_has_an_entry``. Answers:
"ok" = 200/302/400 (served, or a form redisplayed with errors), "login" = redirect to the
login page, and 403 / 404 / 405 as such. POSTs carry no data: nothing valid is submitted.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.credit.matrix import PK_FOR as CREDIT_PK_FOR
from tests.credit.matrix import credit_objects
from tests.factories import IntermediaryFirmFactory, make_case
from tracker.cases import services
from tracker.models import CaseFlag, ImportBatch, MonthlyReport, Notification

PERSONAS = ("anon", "own", "other", "carol", "ivan", "vera")
PDF = b"%PDF-1.4\n% matrix\n%%EOF\n"

# The explicit table: url name -> "GET answers | POST answers", one answer per persona in the
# order of PERSONAS. "own" is county staff on their own county's objects, "other" the same
# staff on another county's objects; carol (city admin), ivan (inspector) and vera (viewer) use
# county A's objects. ok = 200/302/400 (served, or a form redisplayed with its errors),
# login = redirect to the login page; 403 / 404 / 405 as such. POSTs carry no data.
TABLE = """
api:case_list                        | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:case_detail                      | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:case_transition                  | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:milestone_complete               | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:evidence                         | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:notes                            | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:timeline                         | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:as_of                            | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:audit_log                        | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:red_flags                        | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:report_list                      | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:report_detail                    | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:report_pdf                       | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:catalogue_list                   | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
api:catalogue_detail                 | 404   404   404   404   404   404 | 405   405   405   405   405   405
api:webhook_list                     | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:webhook_deactivate               | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:webhook_deliveries               | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:firm_list                        | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:firm_detail                      | 401   401   401   401   401   401 | 401   401   401   401   401   401
api:schema                           | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
api:docs                             | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
api:redoc                            | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
api:tokens                           | login ok    ok    ok    ok    ok | login ok    ok    ok    ok    ok
api:token_revoke                     | login 405   405   405   405   405 | login 404   404   404   404   404
login                                | ok    ok    ok    ok    ok    ok | ok    ok    ok    ok    ok    ok
logout                               | 405   405   405   405   405   405 | login login login login login login
set_language                         | ok    ok    ok    ok    ok    ok | ok    ok    ok    ok    ok    ok
intermediaries:firm_list             | login ok    ok    ok    ok    403 | login 405   405   405   405   403
intermediaries:firm_create           | login ok    ok    ok    403   403 | login ok    ok    ok    403   403
intermediaries:firm_detail           | login ok    404   ok    ok    403 | login 405   405   405   405   403
intermediaries:firm_edit             | login ok    404   ok    403   403 | login ok    404   ok    403   403
intermediaries:supervision_index     | login 403   403   ok    ok    403 | login 403   403   405   405   403
intermediaries:firm_supervision      | login 403   403   ok    ok    403 | login 403   403   405   405   403
intermediaries:agency_supervision    | login 403   403   ok    ok    403 | login 403   403   405   405   403
audit:log                            | login 403   403   ok    ok    403 | login 403   403   405   405   403
audit:export                         | login 403   403   ok    ok    403 | login 403   403   405   405   403
audit:access_log                     | login 403   403   ok    ok    403 | login 403   403   405   405   403
audit:review_list                    | login 403   403   403   ok    403 | login 403   403   403   405   403
audit:flag_list                      | login 403   403   ok    ok    403 | login 403   403   405   405   403
audit:flag_resolve                   | login 403   403   403   405   403 | login 403   403   403   ok    403
audit:case_compare                   | login ok    404   ok    ok    403 | login 405   405   405   405   403
audit:inspection_note_add            | login 403   403   403   405   403 | login 403   403   403   ok    403
audit:flag_raise                     | login 403   403   403   405   403 | login 403   403   403   ok    403
audit:review_mark                    | login 403   403   403   405   403 | login 403   403   403   ok    403
reports:list                         | login ok    ok    ok    ok    ok | login 405   405   405   405   405
reports:new                          | login 403   403   ok    403   403 | login 403   403   ok    403   403
reports:detail                       | login 404   404   ok    404   404 | login 405   405   405   405   405
reports:narrative                    | login 403   403   405   403   403 | login 403   403   ok    403   403
reports:refresh                      | login 403   403   405   403   403 | login 403   403   ok    403   403
reports:issue                        | login 403   403   ok    403   403 | login 403   403   ok    403   403
reports:sign                         | login 403   403   405   403   405 | login 403   403   ok    403   404
reports:pdf                          | login 404   404   ok    404   404 | login 405   405   405   405   405
reports:export                       | login 404   404   ok    404   404 | login 405   405   405   405   405
imports:index                        | login ok    ok    ok    403   403 | login ok    ok    ok    403   403
imports:template                     | login ok    ok    ok    403   403 | login 405   405   405   403   403
imports:batch                        | login ok    404   ok    403   403 | login 405   405   405   403   403
imports:commit                       | login 405   405   405   403   403 | login ok    404   ok    403   403
imports:accept                       | login 405   405   405   403   403 | login ok    404   ok    403   403
imports:resolve                      | login 405   405   405   403   403 | login ok    404   ok    403   403
imports:errors                       | login ok    404   ok    403   403 | login 405   405   405   403   403
imports:file                         | login ok    404   ok    403   403 | login 405   405   405   403   403
catalogue:index                      | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
catalogue:items                      | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
catalogue:items_download             | 404   404   404   404   404   404 | 405   405   405   405   405   405
catalogue:fees                       | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
catalogue:fees_download              | 404   404   404   404   404   404 | 405   405   405   405   405   405
catalogue:publish                    | login 403   403   ok    403   403 | login 403   403   ok    403   403
notifications:list                   | login ok    ok    ok    ok    ok | login 405   405   405   405   405
notifications:read_all               | login 405   405   405   405   405 | login ok    ok    ok    ok    ok
notifications:email_preference       | login 405   405   405   405   405 | login ok    ok    ok    ok    ok
notifications:read                   | login 405   405   405   405   405 | login ok    404   404   404   404
notifications:overdue_explanation    | login ok    404   ok    403   403 | login ok    404   ok    403   403
notifications:extend_deadline        | login 403   403   ok    403   403 | login 403   403   ok    403   403
tracker:dashboard                    | login ok    ok    ok    ok    ok | login 405   405   405   405   405
tracker:case_list                    | login ok    ok    ok    ok    403 | login 405   405   405   405   403
tracker:case_new                     | login ok    ok    ok    403   403 | login 405   405   405   403   403
tracker:case_create                  | login ok    ok    ok    403   403 | login ok    ok    ok    403   403
tracker:case_detail                  | login ok    404   ok    ok    403 | login 405   405   405   405   403
tracker:case_edit                    | login ok    404   ok    403   403 | login ok    404   ok    403   403
tracker:case_history                 | login ok    404   ok    ok    403 | login 405   405   405   405   403
tracker:case_transition              | login ok    404   ok    403   403 | login ok    404   ok    403   403
tracker:milestone_complete           | login ok    404   ok    403   403 | login ok    404   ok    403   403
tracker:evidence_add                 | login ok    404   ok    403   403 | login ok    404   ok    403   403
tracker:note_add                     | login 405   405   405   403   403 | login ok    404   ok    403   403
tracker:evidence_download            | login ok    404   ok    ok    403 | login 405   405   405   405   403
tracker:evidence_supersede           | login ok    404   ok    403   403 | login ok    404   ok    403   403
tracker:withdrawal_request           | login 405   405   405   403   403 | login ok    404   ok    403   403
tracker:withdrawal_list              | login 403   403   ok    403   403 | login 403   403   405   403   403
tracker:withdrawal_decide            | login 403   403   405   403   403 | login 403   403   ok    403   403
credit:index                         | login ok    ok    ok    ok    403 | login 405   405   405   405   403
credit:firm                          | login ok    404   ok    ok    403 | login 405   405   405   405   403
credit:record_add                    | login ok    404   ok    403   403 | login ok    404   ok    403   403
credit:list_enter                    | login ok    404   ok    403   403 | login ok    404   ok    403   403
credit:record_correct                | login ok    404   ok    403   403 | login ok    404   ok    403   403
credit:list_notice                   | login ok    404   ok    403   403 | login ok    404   ok    403   403
credit:list_exit                     | login ok    404   ok    403   403 | login ok    404   ok    403   403
credit:rules                         | login ok    ok    ok    ok    403 | login 405   405   405   405   403
credit:rule_new                      | login 403   403   ok    403   403 | login 403   403   ok    403   403
credit:plans                         | login ok    ok    ok    ok    403 | login 405   405   405   405   403
credit:plan_new                      | login 403   403   ok    403   403 | login 403   403   ok    403   403
credit:plan_detail                   | login ok    404   ok    ok    403 | login 405   405   405   405   403
credit:plan_commit                   | login 403   403   405   403   403 | login 403   403   ok    403   403
credit:plan_draw                     | login 403   403   405   403   403 | login 403   403   ok    403   403
credit:draw_result                   | login ok    404   ok    403   403 | login ok    404   ok    403   403
credit:complaints                    | login ok    ok    ok    ok    403 | login 405   405   405   405   403
credit:complaint_detail              | login ok    404   ok    ok    403 | login ok    404   ok    403   403
credit:public_firms                  | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
credit:public_firms_download         | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
credit:public_lists                  | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
credit:joint_export                  | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
credit:public_plan                   | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
credit:complaint_new                 | ok    ok    ok    ok    ok    ok | ok    ok    ok    ok    ok    ok
credit:complaint_status              | ok    ok    ok    ok    ok    ok | 405   405   405   405   405   405
"""


def _parse_table() -> dict[str, tuple[list[str], list[str]]]:
    out = {}
    for line in TABLE.strip().splitlines():
        name, get, post = (part.strip() for part in line.split("|"))
        out[name] = (get.split(), post.split())
    return out


def url_names() -> list[tuple[str, list[str]]]:
    """(name, parameter names) for every named pattern; the admin site is left out (it has
    its own permission checks: reform admins only, history read-only; see test_security)."""
    found = []

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                found.append((namespace + p.name, list(p.pattern.regex.groupindex)))

    walk(get_resolver().url_patterns)
    return found


def test_every_url_has_an_entry():
    table = _parse_table()
    missing = [name for name, _params in url_names() if name not in table]
    assert not missing, f"add these views to TABLE in {__file__}: {missing}"
    stale = sorted(set(table) - {name for name, _ in url_names()})
    assert not stale, f"TABLE lists views that no longer exist: {stale}"


@pytest.fixture
def world(settings, tmp_path, city, county_a, county_b, dept_a, dept_b, alice, bob, carol, ivan):
    """One of everything in county A and in county B."""
    settings.MEDIA_ROOT = tmp_path
    objects = {}
    for key, county, dept, staff in (("a", county_a, dept_a, alice), ("b", county_b, dept_b, bob)):
        case = make_case("item", county, staff, department=dept)
        evidence = services.evidence_add(
            case=case,
            by=staff,
            title="材料",
            upload=SimpleUploadedFile("a.pdf", PDF),
            max_bytes=10_000,
        )
        objects[key] = {
            "case": case,
            "milestone": case.milestones.first(),
            "evidence": evidence,
            "firm": IntermediaryFirmFactory(jurisdiction=county),
            "dept": dept,
            "report": MonthlyReport.objects.create(
                jurisdiction=county, month=datetime.date(2026, 10, 1), created_by=carol
            ),
            "batch": ImportBatch.objects.create(
                kind="item",
                jurisdiction=county,
                user=staff,
                file=ContentFile(b"x", name="a.csv"),
                file_name="a.csv",
                sha256="0" * 64,
            ),
            "notification": Notification.objects.create(
                user=staff, kind="other", subject="提醒", dedupe_key=f"matrix-{key}"
            ),
            "flag": CaseFlag.objects.create(
                case=case, flag_type="other", description="核查", raised_by=ivan
            ),
            "withdrawal": services.withdrawal_request(
                case=case, by=staff, category="error", reason="登记错误"
            ),
        }
        objects[key].update(credit_objects(county, staff, objects[key]["firm"]))
    return objects


PK_FOR = {
    "tracker:milestone_complete": "milestone",
    "tracker:evidence_download": "evidence",
    "tracker:evidence_supersede": "evidence",
    "intermediaries:firm_detail": "firm",
    "intermediaries:firm_edit": "firm",
    "intermediaries:firm_supervision": "firm",
    "intermediaries:agency_supervision": "dept",
    "api:firm_detail": "firm",
    "api:report_detail": "report",
    "api:report_pdf": "report",
    "api:catalogue_detail": "report",
    "api:webhook_deactivate": "report",
    "api:webhook_deliveries": "report",
    "api:token_revoke": "report",
    "audit:flag_resolve": "flag",
    "notifications:read": "notification",
    "tracker:withdrawal_decide": "withdrawal",
    **CREDIT_PK_FOR,
}


def build_kwargs(name: str, params: list[str], objs: dict) -> dict:
    kwargs = {}
    for param in params:
        if param == "reference":
            kwargs[param] = objs["case"].reference
        elif param == "pk":
            key = PK_FOR.get(name) or name.split(":")[0].rstrip("s")
            key = {"import": "batch", "report": "report", "notification": "notification"}.get(
                key, key
            )
            kwargs[param] = objs[key].pk
        elif param == "kind":
            kwargs[param] = "item"
        elif param == "target":
            kwargs[param] = "under_review"
        elif param == "fmt":
            kwargs[param] = "xlsx"
        elif param == "code":
            kwargs[param] = "self_report"
        elif param == "key":
            kwargs[param] = "jurisdictions"
        else:
            raise AssertionError(f"no value for URL parameter {param!r} of {name}")
    return kwargs


def answer(response) -> str:
    code = response.status_code
    if code == 302 and "/accounts/login/" in response.get("Location", ""):
        return "login"
    if code in (200, 302, 400):
        return "ok"
    return str(code)


def persona_client(persona: str, users: dict) -> tuple[Client, str]:
    client = Client()
    if persona == "anon":
        return client, "a"
    user = users["alice" if persona in ("own", "other") else persona]
    client.force_login(user)
    return client, "b" if persona == "other" else "a"


def test_permission_matrix(world, alice, carol, ivan, vera):
    users = {"alice": alice, "carol": carol, "ivan": ivan, "vera": vera}
    table = _parse_table()
    mismatches = []
    for name, params in url_names():
        expected_get, expected_post = table[name]
        for i, persona in enumerate(PERSONAS):
            client, side = persona_client(persona, users)
            url = reverse(name, kwargs=build_kwargs(name, params, world[side]))
            got = answer(client.get(url))
            if got != expected_get[i]:
                mismatches.append(f"GET {name} as {persona}: expected {expected_get[i]}, got {got}")
            got = answer(client.post(url, {}))
            if got != expected_post[i]:
                mismatches.append(
                    f"POST {name} as {persona}: expected {expected_post[i]}, got {got}"
                )
    assert not mismatches, "\n".join(mismatches)
