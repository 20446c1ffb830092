"""Issue 19, finding 9: authenticated responses are never cached; read-only pages answer 405
to POST; a case's 责任人 (owner) is only ever someone who can see the case — refused by the
service, whatever the caller (form, import, a script)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory, make_case
from tracker.cases import services
from tracker.cases.workflow import Role

pytestmark = pytest.mark.django_db


def test_authenticated_responses_are_private_and_not_stored(client_as, alice, case_a):
    client = client_as(alice)
    for url in ("/", "/cases/", reverse("tracker:case_detail", args=[case_a.reference])):
        response = client.get(url)
        assert response.status_code == 200
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url


def test_anonymous_public_pages_stay_cacheable(db):
    response = Client().get("/catalog/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("name", ["tracker:case_detail", "tracker:case_history"])
def test_read_only_case_pages_refuse_post(client_as, alice, case_a, name):
    response = client_as(alice).post(reverse(name, args=[case_a.reference]), {"x": "1"})
    assert response.status_code == 405


def test_read_only_lists_refuse_post(client_as, carol):
    client = client_as(carol)
    for url in ("/", "/cases/", "/firms/", "/reports/", "/notifications/"):
        assert client.post(url).status_code == 405, url
    assert Client().post("/catalog/").status_code == 405


def test_owner_from_another_county_is_refused_by_case_create(county_a, county_b, carol, alice):
    outsider = UserFactory(username="bert", role=Role.STAFF, jurisdiction=county_b)
    with pytest.raises(ValidationError) as exc:
        make_case("item", county_a, carol, owner=outsider)
    assert "owner" in exc.value.error_dict


def test_owner_from_another_county_is_refused_by_case_update(case_a, county_b, carol):
    outsider = UserFactory(username="bert", role=Role.STAFF, jurisdiction=county_b)
    with pytest.raises(ValidationError) as exc:
        services.case_update(
            case=case_a,
            by=carol,
            expected_version=case_a.version,
            case_fields={"owner": outsider},
            reason="改责任人",
        )
    assert "owner" in exc.value.error_dict
    case_a.refresh_from_db()
    assert case_a.owner_id != outsider.pk


def test_owner_at_the_case_or_above_is_accepted(case_a, carol, alice, ivan):
    updated = services.case_update(
        case=case_a,
        by=carol,
        expected_version=case_a.version,
        case_fields={"owner": carol},
        reason="市级负责",
    )
    assert updated.owner == carol
    # An inspector sees the case but is no editor: not an owner.
    with pytest.raises(ValidationError):
        services.case_update(
            case=updated,
            by=carol,
            expected_version=updated.version,
            case_fields={"owner": ivan},
            reason="改责任人",
        )


def test_edit_form_offers_only_owners_who_see_the_case(client_as, case_a, county_b, carol, alice):
    outsider = UserFactory(username="bert", role=Role.STAFF, jurisdiction=county_b)
    response = client_as(carol).get(reverse("tracker:case_edit", args=[case_a.reference]))
    owners = set(response.context["case_form"].fields["owner"].queryset)
    assert alice in owners and carol in owners
    assert outsider not in owners


def test_case_form_post_with_an_outside_owner_changes_nothing(client_as, case_a, county_b, carol):
    outsider = UserFactory(username="bert", role=Role.STAFF, jurisdiction=county_b)
    response = client_as(carol).post(
        reverse("tracker:case_edit", args=[case_a.reference]),
        {"owner": outsider.pk, "department": case_a.department_id, "reason": "x"},
    )
    assert response.status_code == 200  # the form redisplayed with its error
    case_a.refresh_from_db()
    assert case_a.owner_id != outsider.pk


def test_owner_choices_follow_the_case_scope(case_a, county_a, county_b, city, carol, alice):
    outsider = UserFactory(username="bert", role=Role.STAFF, jurisdiction=county_b)
    gone = UserFactory(username="gone", role=Role.STAFF, jurisdiction=county_a, is_active=False)
    choices = set(services.owner_choices(county_a))
    assert {alice, carol} <= choices
    assert not {outsider, gone} & choices
    assert alice not in set(services.owner_choices(city))  # a county user cannot see the city


# --- 责任人 through the import: only editors who can see the case --------------------------


def test_an_import_row_naming_an_outside_owner_is_refused(alice, bob, county_a, dept_a):
    from tests.test_import_support import ITEM_HEADER, item_row, preview, xlsx_bytes

    rows = [[*ITEM_HEADER, "责任人"], [*item_row(1, "事项一", dept_a.name), "bob"]]
    report = preview(xlsx_bytes(rows), alice, county_a)
    [row] = report.rows
    assert row.outcome == "error"
    assert any("不能作为责任人" in message for _c, message in row.errors), row.errors
    rows[1][-1] = "alice"
    [ok] = preview(xlsx_bytes(rows), alice, county_a).rows
    assert ok.outcome == "create" and ok.owner == alice


def test_a_file_wide_outside_owner_is_refused(alice, bob, county_a, dept_a):
    from tests.test_import_support import ITEM_HEADER, item_row, preview, xlsx_bytes
    from tracker.imports.engine import FileProblem
    from tracker.imports.services.options import ImportOptions
    from tracker.models import Case

    data = xlsx_bytes([ITEM_HEADER, item_row(1, "事项一", dept_a.name)])
    with pytest.raises(FileProblem, match="不能作为责任人"):
        preview(data, alice, county_a, options=ImportOptions(owner=bob))
    assert not Case.objects.exists()
