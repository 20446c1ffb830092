"""End to end in a real browser: staff works a case through to completion, the inspector reads
its history and cannot edit, another county gets a not-found page, the public sees catalogues."""

from __future__ import annotations

import datetime
import re

import pytest

from tests.e2e.test_case_walk import act, swapped
from tests.factories import PASSWORD, make_case
from tracker.cases.workflow import Status
from tracker.models import Case, Evidence

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n% e2e evidence\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def login(page, server, user):
    page.context.clear_cookies()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def transition(page, label, reason, **fields):
    act(page, label, reason, **fields)


def test_staff_works_a_case_inspector_reads_it(
    page, server, alice, bob, ivan, carol, dept_a, county_a, tmp_path
):
    login(page, server, alice)
    page.goto(f"{server.url}/cases/new/item/")
    page.fill("#id_s-name", "建设工程消防设计技术审查")
    page.fill("#id_s-legal_basis", "《建设工程消防设计审查验收管理暂行规定》")
    page.select_option("#id_department", str(dept_a.pk))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases/330102-ITEM-\d{4}-\d{4}/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    case = Case.objects.get(reference=reference)

    # Evidence upload (a real PDF through the browser's file input).
    pdf = tmp_path / "审查意见.pdf"
    pdf.write_bytes(PDF)
    page.click("nav.tabs a[href='#evidence']")
    page.click("#evidence-upload summary")
    page.fill("#ev-title", "审查意见书")
    page.fill("#ev-doc", "上审改〔2026〕8号")
    page.set_input_files("#ev-file", str(pdf))
    swapped(page, page.locator("#evidence-form button[type=submit]"))
    assert Evidence.objects.filter(case=case, title="审查意见书").exclude(sha256="").exists()

    transition(page, "开始核查", "材料齐全，开始核查")
    transition(
        page,
        "作出决定",
        "经审改办审核论证",
        disposition="retain",
        decision_doc_no="上政办〔2026〕12号",
        decision_date="2026-10-15",
    )
    transition(page, "开始整改", "按决定整改")

    # Complete every required milestone with a document number.
    page.click("nav.tabs a[href='#milestones']")
    done = 0
    while True:
        rows = page.locator("#milestones tbody tr")
        todo = [
            rows.nth(i)
            for i in range(rows.count())
            if rows.nth(i).locator("summary", has_text="完成").count()
            and "选做" not in rows.nth(i).inner_text()
        ]
        if not todo:
            break
        todo[0].locator("summary").click()
        done += 1
        todo[0].locator("input[name=doc_no]").fill(f"上审改〔2026〕{20 + done}号")
        swapped(page, todo[0].locator("button[type=submit]"))
    assert done == 6
    transition(page, "标记完成", "全部节点已完成")
    assert page.locator("#case-status").inner_text() == "已完成"
    case.refresh_from_db()
    assert case.status == Status.COMPLETED

    # The inspector reads the timeline with its diff and sees no edit controls.
    login(page, server, ivan)
    page.goto(f"{server.url}/cases/{reference}/#timeline")
    history = page.locator("table.history").inner_text()
    assert "已决定" in history and "上政办〔2026〕12号" in history
    assert page.locator("#case-actions").count() == 0
    assert page.locator("a", has_text="上传佐证材料").count() == 0
    assert page.locator("a", has_text="修改").count() == 0
    assert page.locator("#milestones summary", has_text="完成").count() == 0

    # The inspector adds an inspection note; the case itself does not change.
    page.click("nav.tabs a[href='#inspection']")
    version = Case.objects.get(pk=case.pk).version
    page.fill("#id_inspection_text", "抽查：节点佐证齐全，决定文号已核实。")
    page.click("#inspection-note-form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/cases/{reference}/.*"))
    assert "抽查：节点佐证齐全" in page.content()
    assert Case.objects.get(pk=case.pk).version == version

    # Staff of another county gets a not-found page for that case.
    login(page, server, bob)
    response = page.goto(f"{server.url}/cases/{reference}/")
    assert response.status == 404
    assert "页面不存在" in page.content()


def test_admin_publishes_and_the_public_reads_the_catalogue_without_login(
    page, server, alice, carol, dept_a, county_a
):
    from tracker.cases import services as svc
    from tracker.cases.workflow import Status as S

    case = make_case("item", county_a, alice, department=dept_a, name="建筑工程施工图审查")
    for target, extra in (
        (S.UNDER_REVIEW, {}),
        (
            S.DECIDED,
            {"decision": svc.Decision("retain", "上政办〔2026〕30号", datetime.date(2026, 9, 1))},
        ),
    ):
        svc.case_transition(case=case, to=target, by=alice, reason="审核", **extra)

    login(page, server, carol)
    page.goto(f"{server.url}/catalog/publish/")
    page.select_option("#id_kind", "item")
    page.select_option("#id_jurisdiction", str(county_a.pk))
    page.fill("#id_effective_date", "2026-11-01")
    page.click("main form[method=get] button[type=submit]")  # preview first
    assert "建筑工程施工图审查" in page.locator("#draft").inner_text()
    page.click("main form[method=post] button[type=submit]")  # then confirm
    page.wait_for_load_state()

    page.context.clear_cookies()  # the public: no login at all
    response = page.goto(f"{server.url}/catalog/intermediaries/?jurisdiction={county_a.code}")
    assert response.status == 200
    assert "建筑工程施工图审查" in page.content()
    assert "上政办〔2026〕30号" in page.content() or "保留" in page.content()
