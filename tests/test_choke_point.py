"""One scoping choke-point: ``Case.objects.restrict(user, action)`` and
``selectors.case_for_request``, through which every case-bound page loads its case, and which
writes the personal-information read log (officials' post cases) for every page that reads one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import make_case
from tests.test_import_support import ITEM_HEADER, xlsx_bytes
from tracker.cases import services
from tracker.cases.workflow import Status
from tracker.models import AccessLog, Case, ImportBatch

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def post_case(alice, county_a, dept_a) -> Case:
    return make_case("post", county_a, alice, department=dept_a)


def test_restrict_is_scope_and_role(case_a, alice, bob, carol, ivan, vera):
    def visible(user, action):
        return list(Case.objects.restrict(user, action).values_list("pk", flat=True))

    assert visible(alice, "view") == [case_a.pk] == visible(alice, "change")
    assert visible(carol, "change") == [case_a.pk]  # the city admin sees the county's case
    assert visible(bob, "view") == []  # another county
    assert visible(ivan, "view") == [case_a.pk] and visible(ivan, "change") == []
    assert visible(vera, "view") == []  # leaders read figures, not case pages
    with pytest.raises(ValueError):
        Case.objects.restrict(alice, "delete")


def pages_of(case: Case) -> dict[str, str]:
    ref = case.reference
    return {
        "case": reverse("tracker:case_detail", args=[ref]),
        "case_history": reverse("tracker:case_history", args=[ref]),
        "case_edit": reverse("tracker:case_edit", args=[ref]),
        "case_transition": reverse("tracker:case_transition", args=[ref, Status.UNDER_REVIEW]),
        "evidence_add": reverse("tracker:evidence_add", args=[ref]),
        "case_compare": reverse("audit:case_compare", args=[ref]),
    }


def test_every_case_page_read_of_a_post_case_is_logged(client_as, post_case, alice, carol):
    for target, url in pages_of(post_case).items():
        user = alice
        assert client_as(user).get(url).status_code == 200, target
        log = AccessLog.objects.order_by("-id").first()
        assert (log.user, log.action, log.target, log.reference) == (
            user,
            AccessLog.Action.VIEW,
            target,
            post_case.reference,
        ), target


def test_writes_and_other_kinds_are_not_read_logged(client_as, post_case, case_a, alice):
    client = client_as(alice)
    for url in pages_of(case_a).values():
        client.get(url)
    assert not AccessLog.objects.exists()  # not a personal kind
    url = reverse("tracker:note_add", args=[post_case.reference])
    assert client.post(url, {"text": "已电话核实"}).status_code == 302
    assert not AccessLog.objects.exists()  # a write, not a read of the page


def test_outside_scope_or_role_is_404_and_not_logged(client_as, post_case, bob, ivan):
    for url in pages_of(post_case).values():
        assert client_as(bob).get(url).status_code in (403, 404)
    url = reverse("tracker:case_detail", args=[post_case.reference])
    assert client_as(bob).get(url).status_code == 404  # nothing said about the case
    assert not AccessLog.objects.filter(user=bob).exists()
    assert client_as(ivan).get(url).status_code == 200  # inspectors read it, logged
    assert AccessLog.objects.filter(user=ivan, target="case").count() == 1


def test_evidence_downloads_of_a_post_case_are_logged(
    client_as, post_case, case_a, alice, ivan, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    pdf = b"%PDF-1.4\n%%EOF\n"
    files = {
        case: services.evidence_add(
            case=case,
            by=alice,
            title="任职情况说明",
            upload=SimpleUploadedFile("说明.pdf", pdf),
            max_bytes=10_000,
        )
        for case in (post_case, case_a)
    }
    for evidence in files.values():
        url = reverse("tracker:evidence_download", args=[evidence.pk])
        response = client_as(ivan).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == pdf
    log = AccessLog.objects.get()  # the item case's file is not personal
    assert (log.user, log.action, log.target, log.reference) == (
        ivan,
        AccessLog.Action.DOWNLOAD,
        "evidence",
        post_case.reference,
    )


POST_HEADER = ["人员内部编号", "姓名", "工作单位", "职务", "职级", "人员状态", "任职机构名称"]
POST_HEADER += ["任职类型", "是否取酬", "报酬金额（元）", "责任部门"]


def test_import_batch_pages_of_officials_are_logged(
    client_as, alice, county_a, dept_a, settings, tmp_path
):
    """The batch page, its error list and its stored file of an officials' import are reads of
    personal information: each is in the access log; a batch of another kind is not."""
    settings.MEDIA_ROOT = tmp_path
    client = client_as(alice)
    good = ["P-1", "张某", "甲区自然资源局", "副局长", "副科级", "在职", "某测绘公司", "董事"]
    good += ["是", "12,000.50", dept_a.name]
    bad = ["", "李某", "甲区住建局", "科长", "乡科级", "在职", "某公司", "监事", "否", "", ""]
    batches = {}
    for kind, rows in (("post", [POST_HEADER, good, bad]), ("item", [ITEM_HEADER])):
        response = client.post(
            reverse("imports:index"),
            {
                "kind": kind,
                "jurisdiction": county_a.pk,
                "on_duplicate": "skip",
                "file": SimpleUploadedFile("清单.xlsx", xlsx_bytes(rows)),
            },
        )
        assert response.status_code == 302, kind
        batches[kind] = ImportBatch.objects.get(kind=kind)
    for kind, batch in batches.items():
        for name in ("imports:batch", "imports:errors", "imports:file"):
            assert client.get(reverse(name, args=[batch.pk])).status_code == 200, (kind, name)
    post = str(batches["post"].pk)
    logs = AccessLog.objects.filter(target="import_batch").order_by("id")
    assert [(log.action, log.reference) for log in logs] == [
        ("view", post),
        ("export", post),
        ("download", post),
    ]
    assert {log.user for log in logs} == {alice}
    # the error list is an export, logged for every kind as every export is
    exports = AccessLog.objects.filter(target="import_errors").order_by("id")
    assert [log.reference for log in exports] == [post, str(batches["item"].pk)]


def test_evidence_of_another_county_is_404(client_as, case_a, alice, bob):
    evidence = services.evidence_add(
        case=case_a, by=alice, title="批复", upload=None, doc_no="甲〔2026〕1号", max_bytes=1
    )
    client = client_as(bob)
    assert client.get(reverse("tracker:evidence_supersede", args=[evidence.pk])).status_code == 404
    assert client.get(reverse("tracker:evidence_download", args=[evidence.pk])).status_code == 404


VIEW_MODULES = sorted(
    path
    for app in ("tracker", "intermediaries", "fees")
    for path in ROOT.glob(f"{app}/**/*.py")
    # view modules (views.py, views_*.py) and every module of a views package
    if "views" in path.parts or path.name.startswith("views")
)


def test_the_view_scan_sees_the_view_packages():
    names = {str(p.relative_to(ROOT)) for p in VIEW_MODULES}
    assert {"tracker/cases/views/detail.py", "tracker/api/views/cases.py"} <= names
    assert "intermediaries/credit/views/records.py" in names


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_fetches_a_case_unscoped(path):
    """Pages load cases through the choke-point: no Case.objects.get/filter(pk=…) then a check,
    no get_object_or_404(Case, …), no direct get_case_for_user (it does not log reads)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        text = ast.unparse(node.func)
        assert text != "get_case_for_user", f"{path.name}:{node.lineno} use case_for_request"
        if text == "get_object_or_404" and node.args:
            assert ast.unparse(node.args[0]) not in ("Case", "Case.objects"), (
                f"{path.name}:{node.lineno} fetches a case unscoped"
            )
        if text in ("Case.objects.get", "Case.objects.filter"):
            raise AssertionError(f"{path.name}:{node.lineno} fetches a case unscoped")
