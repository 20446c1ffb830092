"""The intermediary item, decoupling and official's post kinds' part of ``manage.py seed_demo``.

Everything is fictional (the city 青岚市, code 339900): approval items, intermediary firms
with valid-looking unified social credit codes, and officials' posts with pseudonyms. The core
(``tracker.tooling.demo``, run by ``manage.py seed_demo``) reaches this module only through the
kind registry (``CaseKind.demo`` and a ``DataSetup``); ``ctx`` is its ``DemoSeeder``
(tracker.tooling.kinddata says what of it a hook may use). Every draw is from ``ctx.rng`` in the order the command calls
the hooks, so the demo data stay the same from one run to the next.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from intermediaries.demo_catalogue import (
    FIRM_CATALOGUE,
    GIVEN,
    ITEM_CATALOGUE,
    POST_PROFILES,
    SURNAMES,
    UNREGISTERED_FIRMS,
    credit_code,
    org_code,
)
from intermediaries.models import (
    ApprovalItem,
    DecouplingDisposition,
    IntermediaryFirm,
    ItemDisposition,
    PersonStatus,
    PostDisposition,
    PostType,
    PricingMethod,
    RankBand,
)
from tracker.cases import services
from tracker.tooling.kinddata import DemoKind, DemoSubject

# --- set-up: approval items and firms, before any case ------------------------------------


@dataclass
class DemoFirms:
    """What the set-up built, kept in ``ctx.extra["intermediaries"]`` for the kinds' hooks."""

    approvals: dict[tuple[str, str], ApprovalItem] = field(default_factory=dict)
    firms: list[IntermediaryFirm] = field(default_factory=list)
    successors: dict[int, IntermediaryFirm] = field(default_factory=dict)
    queue: list[IntermediaryFirm] = field(default_factory=list)  # firms not yet given a case


def _state(ctx) -> DemoFirms:
    return ctx.extra["intermediaries"]


def setup(ctx) -> None:
    """Approval items in every jurisdiction whose department exists, then the firms."""
    rng = ctx.rng
    state = ctx.extra["intermediaries"] = DemoFirms()
    # Approval items: every catalogue entry whose department exists in a jurisdiction.
    for code, keys in ctx.department_layout.items():
        seq = 0
        for entry in ITEM_CATALOGUE:
            approval, key = entry[2], entry[1]
            if key not in keys or (code, approval) in state.approvals:
                continue
            seq += 1
            state.approvals[(code, approval)] = ctx.save(
                ApprovalItem(
                    jurisdiction=ctx.jurisdictions[code],
                    department=ctx.departments[key][code],
                    name=approval,
                    code=f"{code}-SP-{seq:03d}",
                )
            )

    # Intermediary firms, with successors for the ones restructured into companies.
    for name, code, form, key, affiliation, services_, quals, grade, succ in FIRM_CATALOGUE:
        j = ctx.jurisdictions[code]
        org = org_code(rng)
        firm = IntermediaryFirm(
            jurisdiction=j,
            name=name,
            credit_code=credit_code(form, code, org),
            legacy_org_code=org,
            legal_form=form,
            supervising_agency=ctx.departments[key][code],
            affiliation_type=affiliation,
            service_categories=services_,
            qualifications=quals,
            credit_grade=grade,
            shares_staff_with_agency=rng.random() < 0.4,
            shares_premises_with_agency=rng.random() < 0.3,
        )
        ctx.save(firm)
        state.firms.append(firm)
        if succ:
            new = IntermediaryFirm(
                jurisdiction=j,
                name=succ,
                former_names=name,
                credit_code=credit_code("enterprise", code, org_code(rng)),
                legal_form="enterprise",
                service_categories=services_,
                qualifications=quals,
                credit_grade="B",
            )
            ctx.save(new)
            state.successors[firm.pk] = new


def summary(ctx) -> str:
    return f"中介机构 {IntermediaryFirm.objects.count()} 家"


# --- intermediary items ------------------------------------------------------------------


def plan_item(ctx, index: int) -> DemoSubject:
    rng = ctx.rng
    state = _state(ctx)
    jurisdiction = ctx.pick_jurisdiction(with_departments=True)
    depts = ctx.departments_in(jurisdiction.code)
    keys = {ctx.dept_key[d.pk] for d in depts}
    entries = [e for e in ITEM_CATALOGUE if e[1] in keys]
    name, key, approval, basis, limit, fee_name, fee_std, pricing, nature = rng.choice(entries)
    department = ctx.departments[key][jurisdiction.code]
    firms = [
        f
        for f in state.firms
        if f.jurisdiction_id == jurisdiction.pk and ctx.dept_key.get(f.supervising_agency_id) == key
    ]
    provider_firm = firms[0] if firms and rng.random() < 0.7 else None
    subject = {
        "name": name,
        "legal_basis": basis if rng.random() < 0.85 else "",
        "provider": provider_firm.name if provider_firm else "具备相应能力的技术服务机构",
        "provider_firm": provider_firm,
        "provider_nature": nature,
        "time_limit": limit,
        "fee_name": fee_name,
        "fee_standard": fee_std,
        "fee_basis": "本市价格主管部门文件" if pricing == PricingMethod.GOVERNMENT else "",
        "pricing": pricing,
    }
    m2m = {"approval_items": [state.approvals[(jurisdiction.code, approval)]]}
    if not subject["legal_basis"]:
        weights = [(ItemDisposition.CANCEL, 5), (ItemDisposition.NOT_INTERMEDIARY, 2)]
    else:
        weights = [
            (ItemDisposition.RETAIN, 30),
            (ItemDisposition.CANCEL, 15),
            (ItemDisposition.COMMISSION, 15),
            (ItemDisposition.APPLICANT_CHOICE, 12),
            (ItemDisposition.CANCEL_WITH_APPROVAL, 6),
            (ItemDisposition.MERGE, 7),
            (ItemDisposition.NOT_INTERMEDIARY, 8),
        ]
    disposition = rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]
    return DemoSubject(jurisdiction, department, subject, m2m, disposition)


# --- decoupling: one case per firm -------------------------------------------------------


def prepare_firms(ctx) -> None:
    """The order the firms get their decoupling case in (drawn after the kinds' order)."""
    state = _state(ctx)
    state.queue = list(state.firms)
    ctx.rng.shuffle(state.queue)


def plan_firm(ctx, index: int) -> DemoSubject:
    firm = _state(ctx).queue.pop()
    department = firm.supervising_agency
    jurisdiction = department.jurisdiction
    disposition = _firm_disposition(ctx, firm)
    subject: dict[str, Any] = {
        "firm": firm,
        "agency": department,
        "affiliation_type": firm.affiliation_type,
    }
    if disposition == DecouplingDisposition.TRANSITION:
        subject["transition_until"] = datetime.date(ctx.today.year + 1, 6, 30)
    return DemoSubject(jurisdiction, department, subject, {}, disposition)


def _firm_disposition(ctx, firm: IntermediaryFirm) -> str:
    if firm.pk in _state(ctx).successors:
        return ctx.rng.choice(
            [DecouplingDisposition.TO_ENTERPRISE, DecouplingDisposition.STAFF_NEW_COMPANY]
        )
    options = {
        "institution": [
            DecouplingDisposition.TO_ENTERPRISE,
            DecouplingDisposition.TRANSFERRED,
            DecouplingDisposition.DISSOLVED,
        ],
        "social_org": [DecouplingDisposition.WITHDRAW_ALL, DecouplingDisposition.TRANSITION],
        "private_nonprofit": [
            DecouplingDisposition.EXIT_MARKET,
            DecouplingDisposition.WITHDRAW_ALL,
        ],
        "enterprise": [DecouplingDisposition.WITHDRAW_ALL, DecouplingDisposition.TRANSFERRED],
    }[firm.legal_form]
    return ctx.rng.choice(options)


def firm_follow_up(ctx, plan, code: str, day: datetime.date) -> tuple[dict[str, Any], str]:
    """On registration, a restructured firm's case names its successor (and the firm too)."""
    if code != "registration":
        return {}, ""
    new_firm = _state(ctx).successors.get(plan.subject["firm"].pk)
    if new_firm is None:
        return {}, ""
    reason = "登记变更完成，关联改制后机构。"
    old_firm = IntermediaryFirm.objects.get(pk=plan.subject["firm"].pk)
    old_firm.successor = new_firm
    services.tracked_save(old_firm, by=plan.actor, reason=reason)
    return {"new_firm": new_firm}, reason


# --- officials' posts --------------------------------------------------------------------


def plan_post(ctx, index: int) -> DemoSubject:
    rng = ctx.rng
    jurisdiction = ctx.pick_jurisdiction(with_departments=False)
    depts = ctx.departments_in(jurisdiction.code)
    department = rng.choice(depts) if depts and rng.random() < 0.8 else None
    subject, disposition = _post_subject(ctx, jurisdiction, department, index)
    return DemoSubject(jurisdiction, department, subject, {}, disposition)


# One table of draws, kept in one piece (and in the order the seed's data depend on).
def _post_subject(ctx, jurisdiction, department, index: int):
    rng = ctx.rng
    state = _state(ctx)
    post, rank, status = rng.choice(POST_PROFILES)
    if department is not None:
        unit = department.name
    else:
        unit = f"{jurisdiction.name}{rng.choice(['人民政府办公室', '农业农村局', '商务局'])}"
    if rng.random() < 0.45:
        firm = rng.choice(state.firms + list(state.successors.values()))
        firm_name = firm.name
    else:
        firm, firm_name = None, rng.choice(UNREGISTERED_FIRMS)
    post_type = rng.choices(
        list(PostType), [10, 12, 8, 4, 10, 14, 6] if status != PersonStatus.SERVING else None
    )[0]
    paid = rng.random() < 0.5
    shares = rng.random() < 0.2
    name = rng.choice(SURNAMES) + "某" + rng.choice(GIVEN + "某")
    start_year = ctx.today.year - rng.randint(1, 8)
    subject = {
        "person_ref": f"P-{ctx.today.year}-{index + 1:04d}",
        "person_name": name,
        "employing_unit": unit,
        "post": post,
        "rank_band": rank,
        "person_status": status,
        "firm": firm,
        "firm_name": firm_name,
        "post_type": post_type,
        "paid": paid,
        "pay_amount": Decimal(rng.randrange(6000, 120000, 500)) if paid else None,
        "shareholding": shares,
        "former_area": status != PersonStatus.SERVING and rng.random() < 0.5,
        "held_from": datetime.date(start_year, rng.randint(1, 12), rng.randint(1, 28)),
    }
    if status == PersonStatus.RETIRED_OVER_3 and not subject["former_area"]:
        options = [PostDisposition.KEEP_APPROVED, PostDisposition.RESIGN_FIRM]
        if paid:
            options.append(PostDisposition.RETURN_PAY)
    elif status == PersonStatus.SERVING:
        options = [PostDisposition.RESIGN_FIRM] * 4 + [PostDisposition.RESIGN_OFFICE]
        if paid:
            options += [PostDisposition.RETURN_PAY, PostDisposition.REFER]
        if shares:
            options.append(PostDisposition.DIVEST)
        if rank == RankBand.SECTION:
            options.append(PostDisposition.REMOVED)
    else:
        options = [PostDisposition.RESIGN_FIRM] * 3
        if shares:
            options.append(PostDisposition.DIVEST)
        if paid:
            options.append(PostDisposition.RETURN_PAY)
    disposition = rng.choice(options)
    if disposition == PostDisposition.KEEP_APPROVED:
        subject["paid"] = False
        subject["pay_amount"] = None
        subject["shareholding"] = False
    return subject, disposition


def post_follow_up(ctx, plan, code: str, day: datetime.date) -> tuple[dict[str, Any], str]:
    """The firm's change of registration ends the post; returned pay is recorded."""
    if code == "firm_change":
        if plan.disposition != PostDisposition.KEEP_APPROVED:
            return {"firm_change_done": True, "held_to": day}, "企业已完成变更登记。"
    elif code == "pay_shares" and plan.subject.get("pay_amount"):
        return {"pay_returned": plan.subject["pay_amount"]}, "报酬已全额退还。"
    return {}, ""


# --- the kinds' hooks --------------------------------------------------------------------

ITEM_DEMO = DemoKind(
    share=0.45,
    done_at_decision=4,
    decision_issuer=("{abbr}政办发", "{name}人民政府办公室"),
    plan=plan_item,
    milestone_issuers={
        "review": "reform",
        "consultation": "reform",
        "meeting": ("{abbr}政纪", "{name}人民政府"),
        "publish": "government",
        "follow_up": "reform",
    },
)
FIRM_DEMO = DemoKind(
    share=0.05,
    limit=lambda ctx: len(_state(ctx).firms),
    prepare=prepare_firms,
    done_at_decision=2,
    decision_issuer=("{abbr}编办", "{name}机构编制委员会办公室"),
    plan=plan_firm,
    milestone_issuers={
        "listed": "reform",
        "plan": ("{abbr}编办", "{name}机构编制委员会办公室"),
        "audit": "finance",
        "staff": ("{abbr}人社", "{name}人力资源和社会保障局"),
        "registration": "registration",
        "acceptance": "reform",
        "follow_up": "reform",
    },
    follow_up=firm_follow_up,
)
POST_DEMO = DemoKind(
    share=0.23,
    done_at_decision=3,
    decision_issuer=("{abbr}组干", "中共{name}委组织部"),
    plan=plan_post,
    milestone_issuers={
        "finding": "organisation",
        "firm_change": "registration",
        "filed": "organisation",
    },
    follow_up=post_follow_up,
)
