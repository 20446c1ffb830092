"""The credit objects of one county for the permission matrix (tests/test_url_matrix.py)."""

from __future__ import annotations

import datetime
import hashlib

from intermediaries.credit import services
from intermediaries.credit.models import (
    EntryBasis,
    ListType,
    PlanStatus,
    SpotCheckDraw,
    SpotCheckPlan,
)

PK_FOR = {
    "credit:firm": "firm",
    "credit:record_add": "firm",
    "credit:list_enter": "firm",
    "credit:record_correct": "credit_record",
    "credit:list_notice": "list_entry",
    "credit:list_exit": "list_entry",
    "credit:plan_detail": "plan",
    "credit:plan_commit": "plan",
    "credit:plan_draw": "plan",
    "credit:public_plan": "plan",
    "credit:draw_result": "draw",
    "credit:complaint_detail": "complaint",
}


def credit_objects(county, staff, firm) -> dict:
    today = datetime.date.today()
    record = services.record_add(
        firm=firm, kind=services.record_kind("penalty", by=staff), effective_date=today, by=staff,
        reason="矩阵", doc_no="矩阵〔2026〕1号", evidence="决定书",
    )  # fmt: skip
    entry = services.list_enter(
        firm=firm, list_type=ListType.ABNORMAL, basis=EntryBasis.DECISION, decision_no="矩阵〔2026〕2号",
        decision_date=today, reason="矩阵", evidence="决定书", by=staff,
    )  # fmt: skip
    plan = SpotCheckPlan.objects.create(
        jurisdiction=county, name="矩阵计划", scope="all", firm_count=1, period_start=today,
        period_end=today, status=PlanStatus.COMMITTED, seed_sha256=hashlib.sha256(b"x").hexdigest(),
        seed="x", candidates={"firms": [], "inspectors": []},
    )  # fmt: skip
    draw = SpotCheckDraw.objects.create(
        plan=plan, position=1, firm=firm, jurisdiction=county, inspector_ids=[]
    )
    complaint = services.complaint_submit(
        jurisdiction=county, subject_type="other", subject_text="窗口", description="矩阵"
    )
    return {
        "credit_record": record,
        "list_entry": entry,
        "plan": plan,
        "draw": draw,
        "complaint": complaint,
    }
