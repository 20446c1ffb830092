"""Spot checks (双随机): plans, their commitment, the draw and each check's result."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediaries.credit import draw as draw_algo
from intermediaries.credit.models import (
    CandidateScope,
    InspectorLink,
    PlanStatus,
    RecordSource,
    SpotCheckDraw,
    SpotCheckPlan,
)
from intermediaries.credit.services.records import (
    CHECK_RESULT_KINDS,
    _record_create,
    _require_admin,
    record_kind,
)
from intermediaries.models import IntermediaryFirm, OfficialPost
from tracker.cases.scoping import jurisdictions_for
from tracker.cases.services import require_editor, tracked_save
from tracker.models import Jurisdiction, User

# --- spot checks ---------------------------------------------------------------------------


def _candidate_firms(plan: SpotCheckPlan):
    scope = Jurisdiction.objects.filter(path__startswith=plan.jurisdiction.path)
    firms = IntermediaryFirm.objects.filter(jurisdiction__in=scope)
    if plan.scope == CandidateScope.CATEGORY:
        firms = firms.filter(service_categories__icontains=plan.category.strip())
    elif plan.scope == CandidateScope.JURISDICTION:
        sub = Jurisdiction.objects.filter(path__startswith=plan.target_jurisdiction.path)
        firms = firms.filter(jurisdiction__in=sub)
    return firms


def linked_inspectors(firms: list[IntermediaryFirm], inspector_ids: list[int]) -> dict[int, set]:
    """For each firm, the inspectors linked to it: working in its supervising department, or in
    the department of an official holding a post there, or themselves that official."""
    links = {link.user_id: link for link in InspectorLink.objects.filter(user_id__in=inspector_ids)}
    posts: dict[int, list[OfficialPost]] = {}
    for post in OfficialPost.objects.filter(firm__in=[f.pk for f in firms]):
        posts.setdefault(post.firm_id, []).append(post)
    out: dict[int, set] = {}
    for firm in firms:
        linked = set()
        for uid, link in links.items():
            depts = {firm.supervising_agency_id} | {
                p.employing_department_id for p in posts.get(firm.pk, [])
            }
            depts.discard(None)
            if link.department_id and link.department_id in depts:
                linked.add(uid)
            refs = {p.person_ref for p in posts.get(firm.pk, [])}
            if link.person_ref and link.person_ref in refs:
                linked.add(uid)
        if linked:
            out[firm.pk] = linked
    return out


@transaction.atomic
def plan_create(*, by: User, fields: dict[str, Any], inspectors: list[User]) -> SpotCheckPlan:
    _require_admin(by)
    plan = SpotCheckPlan(created_by=by, jurisdiction=by.jurisdiction, **fields)
    if (
        plan.target_jurisdiction_id
        and not jurisdictions_for(by).filter(pk=plan.target_jurisdiction_id).exists()
    ):
        raise PermissionDenied(_("抽查区划不在您的管辖范围内。"))
    tracked_save(plan, by=by, reason=_("新建抽查计划"))
    plan.inspectors.set(inspectors)
    return plan


@transaction.atomic
def plan_commit(*, plan: SpotCheckPlan, by: User) -> SpotCheckPlan:
    """Freeze the candidate lists and publish the SHA-256 of a fresh seed, before the draw."""
    _require_admin(by)
    plan = SpotCheckPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("该计划已公布随机种子摘要，不能再次公布。"))
    firms = list(_candidate_firms(plan).order_by("pk"))
    inspectors = sorted(plan.inspectors.filter(is_active=True).values_list("pk", flat=True))
    excluded = linked_inspectors(firms, inspectors)
    candidates = {
        "firms": [f.pk for f in firms],
        "inspectors": inspectors,
        "excluded": {str(k): sorted(v) for k, v in excluded.items()},
    }
    problems = draw_algo.problems(candidates, plan.firm_count, plan.inspectors_per_firm)
    if problems:
        raise ValidationError(problems)
    seed = secrets.token_hex(32)
    plan.candidates = candidates
    plan.candidates_sha256 = draw_algo.sha256(draw_algo.canonical(candidates))
    plan.seed = seed
    plan.seed_sha256 = draw_algo.sha256(seed)
    plan.status, plan.committed_at = PlanStatus.COMMITTED, timezone.now()
    tracked_save(plan, by=by, reason=_("冻结候选名单并公布随机种子摘要"))
    return plan


@transaction.atomic
def plan_draw(*, plan: SpotCheckPlan, by: User) -> list[SpotCheckDraw]:
    """Reveal the seed and draw the firms and their inspectors."""
    _require_admin(by)
    plan = SpotCheckPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.COMMITTED:
        raise ValidationError(_("请先公布随机种子摘要，再进行抽取。"))
    try:
        drawn = draw_algo.run(plan.seed, plan.candidates, plan.firm_count, plan.inspectors_per_firm)
    except draw_algo.DrawImpossible as exc:
        raise ValidationError(str(exc)) from exc
    firms = IntermediaryFirm.objects.in_bulk([d.firm_id for d in drawn])
    rows = []
    for position, d in enumerate(drawn, start=1):
        row = SpotCheckDraw(
            plan=plan,
            position=position,
            firm=firms[d.firm_id],
            jurisdiction_id=firms[d.firm_id].jurisdiction_id,
            inspector_ids=list(d.inspector_ids),
        )
        tracked_save(row, by=by, reason=_("双随机抽取"))
        rows.append(row)
    plan.status, plan.drawn_at = PlanStatus.DRAWN, timezone.now()
    tracked_save(plan, by=by, reason=_("公开随机种子并抽取"))
    return rows


@transaction.atomic
def check_result(
    *,
    draw: SpotCheckDraw,
    result: str,
    result_date: datetime.date,
    doc_no: str,
    evidence: str,
    by: User,
) -> SpotCheckDraw:
    """Record a check's result with its evidence; it becomes a credit record of the firm."""
    draw = SpotCheckDraw.objects.select_for_update().select_related("firm", "plan").get(pk=draw.pk)
    if by.pk not in draw.inspector_ids:
        require_editor(by, draw.jurisdiction)
    if draw.result:
        raise ValidationError(_("该抽查结果已录入；如需更正，请更正相应的信用记录。"))
    if result not in CHECK_RESULT_KINDS:
        raise ValidationError({"result": _("请选择检查结果。")})
    if not (evidence or "").strip():
        raise ValidationError({"evidence": _("请填写证据材料。")})
    if result_date < draw.plan.period_start:
        raise ValidationError({"result_date": _("检查日期不能早于计划开始日期。")})
    draw.result, draw.result_date = result, result_date
    draw.result_doc_no, draw.evidence, draw.result_by = doc_no.strip(), evidence.strip(), by
    reason = _("录入抽查结果：%(r)s") % {"r": draw.get_result_display()}
    tracked_save(draw, by=by, reason=reason)
    _record_create(
        firm=draw.firm,
        kind=record_kind(CHECK_RESULT_KINDS[result], by=by),
        effective_date=result_date,
        source=RecordSource.SPOT_CHECK,
        by=by,
        reason=reason,
        doc_no=doc_no,
        evidence=evidence,
        source_draw=draw,
    )
    return draw
