"""The whole walk of a case in a real browser — create, review, decide, evidence, milestones,
complete, close — done on the case page itself (inline forms sent by htmx), counting full page
loads; and the same walk with JavaScript off, through the plain forms."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import login
from tracker.cases.workflow import Status
from tracker.models import Case, Evidence

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n% e2e evidence\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"

# Full page loads of the walk from the dashboard on (logins not counted). Before the case page
# had inline forms every transition and milestone was a form page and a redirect: 28 loads
# (counted with this walk's steps on commit 58d4d23: new-case page, kind form, case page, then
# two per evidence upload, transition and milestone, plus the admin's case page).
PAGE_LOADS_BEFORE = 28
PAGE_LOADS_NOW = 4  # new-case page, kind form, the created case page, the admin's case page


def swapped(page, button) -> None:
    """Click a button of an htmx form and wait until htmx has swapped the answer in."""
    page.evaluate(
        "window.__swapped = false;"
        "document.addEventListener('htmx:afterSettle', () => { window.__swapped = true; },"
        " {once: true});"
    )
    button.click()
    page.wait_for_function("() => window.__swapped === true")


def act(page, label: str, reason: str, **fields) -> None:
    """Open an action's inline form on the case page, fill it and send it."""
    action = page.locator(
        "#case-actions details.action", has=page.locator(f"summary:text-is('{label}')")
    )
    action.locator("summary").click()
    form = action.locator("form")
    form.locator("textarea[name=reason]").fill(reason)
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if name == "disposition":
            field.select_option(value)
        else:
            field.fill(value)
    swapped(page, form.locator("button[type=submit]"))


def status_shown(page) -> str:
    return page.locator("#case-status").inner_text()


def test_whole_walk_on_the_case_page_with_few_page_loads(
    page, server, alice, carol, dept_a, county_a, tmp_path
):
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    login(page, server, alice)
    start = len(loads)

    page.goto(f"{server.url}/cases/new/")
    page.click("#newcase button:text-is('中介服务事项')")
    page.fill("#id_s-name", "建设工程消防设计技术审查")
    page.fill("#id_s-legal_basis", "《建设工程消防设计审查验收管理暂行规定》")
    page.select_option("#id_department", str(dept_a.pk))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases/330102-ITEM-\d{4}-\d{4}/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    case = Case.objects.get(reference=reference)
    assert page.locator("#case-steps [aria-current=step]").inner_text().startswith("1")

    act(page, "开始核查", "材料齐全，开始核查")
    assert status_shown(page) == "核查中"
    act(
        page,
        "作出决定",
        "经审改办审核论证",
        disposition="retain",
        decision_doc_no="上政办〔2026〕12号",
        decision_date="2026-10-15",
    )
    assert status_shown(page) == "已决定"
    act(page, "开始整改", "按决定整改")
    assert status_shown(page) == "整改中"

    # Evidence, in its tab, uploaded without leaving the page.
    page.click("nav.tabs a[href='#evidence']")
    pdf = tmp_path / "审查意见.pdf"
    pdf.write_bytes(PDF)
    page.click("#evidence-upload summary")
    page.fill("#ev-title", "审查意见书")
    page.fill("#ev-doc", "上审改〔2026〕8号")
    page.set_input_files("#ev-file", str(pdf))
    swapped(page, page.locator("#evidence-form button[type=submit]"))
    assert "审查意见书" in page.locator("#evidence").inner_text()
    assert Evidence.objects.filter(case=case, title="审查意见书").exclude(sha256="").exists()

    # Every required milestone, each in its row's inline form, the first with the evidence.
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
        row = todo[0]
        row.locator("summary").click()
        done += 1
        row.locator("input[name=doc_no]").fill(f"上审改〔2026〕{20 + done}号")
        swapped(page, row.locator("button[type=submit]"))
        assert page.locator("#tab-milestones").is_visible()  # still on the milestones tab
    assert done == 6
    act(page, "标记完成", "全部节点已完成")
    assert status_shown(page) == "已完成"
    # Staff sees who closes it and no 销号 action.
    assert "由改革办管理员办理" in page.locator("#step-next").inner_text()
    assert page.locator("#case-actions summary", has_text="销号").count() == 0

    counted = len(loads) - start
    login(page, server, carol)
    start = len(loads)
    page.goto(f"{server.url}/cases/{reference}/")
    act(page, "销号", "验收合格，销号")
    assert status_shown(page) == "已销号"
    case.refresh_from_db()
    assert case.status == Status.CLOSED

    counted += len(loads) - start
    assert counted == PAGE_LOADS_NOW, loads
    assert counted < PAGE_LOADS_BEFORE


def test_walk_without_javascript_uses_the_same_forms(browser, server, alice, dept_a, county_a):
    context = browser.new_context(
        java_script_enabled=False, locale="zh-CN", viewport={"width": 390, "height": 800}
    )
    page = context.new_page()
    try:
        login(page, server, alice)
        page.goto(f"{server.url}/cases/new/item/")
        page.fill("#id_s-name", "无脚本登记的事项")
        page.select_option("#id_department", str(dept_a.pk))
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(r".*/cases/330102-ITEM-\d{4}-\d{4}/$"))
        # Without JS every section is on the page; the details/summary forms still open.
        assert page.locator("#milestones").is_visible() and page.locator("#timeline").is_visible()
        act_plain = page.locator("#case-actions details.action", has_text="开始核查")
        act_plain.locator("summary").click()
        act_plain.locator("textarea[name=reason]").fill("材料齐全")
        act_plain.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/cases/330102-ITEM-\d{4}-\d{4}/$"))
        assert page.locator("#case-status").inner_text() == "核查中"
        assert "状态已变更为“核查中”" in page.locator(".messages").inner_text()
    finally:
        context.close()
