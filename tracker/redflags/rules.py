"""Red flags (红旗预警): patterns that suggest a clean-up was sham or a fee came back.

Each rule is a selector over cases (SQL ``Exists`` where the rule allows it, so lists can be
filtered by it) and has a per-case check that explains itself in Chinese. Withdrawn cases
(registered in error) are never flagged.

Rules:

1. fee_reintroduced — a fee item, not itself cancelled, whose name closely resembles a fee
   cancelled (disposition 取消) in the same jurisdiction and registered no later than it
   (``difflib`` ratio of the normalised names ≥ ``FEE_SIMILARITY_THRESHOLD``).
2. item_retain_no_basis — an intermediary item kept (保留) without a legal basis;
   item_provider_affiliated — a kept item whose provider firm is affiliated with the case's
   department or with the department of one of its approval items.
3. post_kept_serving — an official's post kept with approval (按规定审批保留) for a serving
   official; post_kept_paid — a kept post that is paid.
4. decoupling_still_tied — a decoupling completed or closed while the firm (or the firm it became)
   still shares staff or premises with the agency; decoupling_official_in_post — … while an
   official is still recorded in a post there (post case open, or no end date, or an end date
   still ahead).
5. milestone_out_of_order — a milestone done while an earlier required one is not, or done on an
   earlier date than an earlier milestone; milestone_future_date — done with a future date.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db import models, transaction
from django.db.models import Case as Case_
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fees.models import FeeDisposition
from intermediaries.models import (
    DecouplingCase,
    IntermediaryItem,
    ItemDisposition,
    OfficialPost,
    PersonStatus,
    PostDisposition,
)
from tracker.audit.chain import history_models
from tracker.cases.scoping import jurisdiction_filter, user_role
from tracker.cases.workflow import OPEN_STATUSES, Role, Status
from tracker.models import (
    AuditChainEntry,
    AuditChainHead,
    Case,
    Milestone,
    RedFlagHit,
    RedFlagState,
    User,
)

FEE_SIMILARITY_THRESHOLD = 0.75
CLOSED_DECOUPLING = (Status.COMPLETED, Status.CLOSED)
SUMMARY_ROLES = (Role.ADMIN, Role.INSPECTOR)


@dataclass(frozen=True)
class RedFlag:
    """One red flag raised on one case: which rule and, in Chinese, why."""

    code: str
    label: str
    message: str


@dataclass(frozen=True)
class Rule:
    code: str
    label: object  # lazy translation
    group: int  # the rule number (1-5)


RULES: tuple[Rule, ...] = (
    Rule("fee_reintroduced", gettext_lazy("疑似变换名称恢复已取消收费"), 1),
    Rule("item_retain_no_basis", gettext_lazy("保留中介事项无设定依据"), 2),
    Rule("item_provider_affiliated", gettext_lazy("保留事项由审批部门所属机构实施"), 2),
    Rule("post_kept_serving", gettext_lazy("在职干部兼职被审批保留"), 3),
    Rule("post_kept_paid", gettext_lazy("保留的兼职仍取酬"), 3),
    Rule("decoupling_still_tied", gettext_lazy("脱钩后仍人员混用或合署办公"), 4),
    Rule("decoupling_official_in_post", gettext_lazy("脱钩后仍有干部在机构任职"), 4),
    Rule("milestone_out_of_order", gettext_lazy("节点完成顺序异常"), 5),
    Rule("milestone_future_date", gettext_lazy("节点完成日期晚于今天"), 5),
)
RULE_LABELS = {r.code: r.label for r in RULES}


def filter_choices() -> list[tuple[str, object]]:
    """Choices for a list filter: any flag, or one rule."""
    return [("any", gettext_lazy("任一红旗")), *((r.code, r.label) for r in RULES)]


# --- rule 1: fee names --------------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_name(name: str) -> str:
    """Drop spaces and punctuation (full-width too) and fold case before comparing names."""
    return _NOT_WORD.sub("", name or "").lower()


def name_similarity(a: str, b: str) -> float:
    """How alike two fee names are, 0..1 (difflib ratio of the normalised names)."""
    a, b = normalise_name(a), normalise_name(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class _FeeRow:
    case_id: int
    reference: str
    jurisdiction_id: int
    registered_on: datetime.date
    name: str


def _fee_rows(queryset: models.QuerySet[Case]) -> list[_FeeRow]:
    return [
        _FeeRow(*row)
        for row in queryset.values_list(
            "pk", "reference", "jurisdiction_id", "registered_on", "fee_item__name"
        )
        if row[4] is not None
    ]


def _cancelled_fee_rows(jurisdiction_ids: set[int]) -> dict[int, list[_FeeRow]]:
    cancelled = (
        Case.objects.filter(
            kind="fee",
            disposition=FeeDisposition.FEE_CANCEL,
            jurisdiction_id__in=jurisdiction_ids,
        )
        .exclude(status=Status.WITHDRAWN)
        .order_by("registered_on", "id")
    )
    by_place: dict[int, list[_FeeRow]] = defaultdict(list)
    for row in _fee_rows(cancelled):
        by_place[row.jurisdiction_id].append(row)
    return by_place


def _fee_candidates(queryset: models.QuerySet[Case]) -> models.QuerySet[Case]:
    return (
        queryset.filter(kind="fee")
        .exclude(status=Status.WITHDRAWN)
        .exclude(disposition=FeeDisposition.FEE_CANCEL)
    )


def _fee_matches(
    candidates: list[_FeeRow], cancelled: dict[int, list[_FeeRow]]
) -> dict[int, list[tuple[_FeeRow, float]]]:
    """For each candidate fee, the cancelled fees of its jurisdiction its name resembles.

    Same score as ``name_similarity``; cheap upper bounds (length, then difflib's quick
    ratios) skip most pairs before the full ratio is computed.
    """
    threshold = FEE_SIMILARITY_THRESHOLD
    matchers: dict[int, list[tuple[_FeeRow, str, SequenceMatcher]]] = {}
    for place, olds in cancelled.items():
        for old in olds:
            norm = normalise_name(old.name)
            if norm:
                matcher = SequenceMatcher(None, autojunk=False)
                matcher.set_seq2(norm)
                matchers.setdefault(place, []).append((old, norm, matcher))
    found: dict[int, list[tuple[_FeeRow, float]]] = {}
    for fee in candidates:
        name = normalise_name(fee.name)
        if not name:
            continue
        for old, old_name, matcher in matchers.get(fee.jurisdiction_id, ()):
            if old.case_id == fee.case_id or fee.registered_on < old.registered_on:
                continue
            if 2 * min(len(name), len(old_name)) < threshold * (len(name) + len(old_name)):
                continue
            if name == old_name:
                score = 1.0
            else:
                matcher.set_seq1(name)
                if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                    continue
                score = matcher.ratio()
            if score >= threshold:
                found.setdefault(fee.case_id, []).append((old, score))
    return found


def fee_reintroduced_ids(queryset: models.QuerySet[Case]) -> list[int]:
    """Ids of the fee cases in ``queryset`` that resemble a cancelled fee (Python matching)."""
    candidates = _fee_rows(_fee_candidates(queryset))
    if not candidates:
        return []
    cancelled = _cancelled_fee_rows({c.jurisdiction_id for c in candidates})
    return sorted(_fee_matches(candidates, cancelled))


# --- rules 2-5 as SQL conditions ----------------------------------------------------------


def _q_item_retain_no_basis(today: datetime.date) -> Q:
    no_basis = IntermediaryItem.objects.filter(case=OuterRef("pk"), legal_basis__regex=r"^\s*$")
    return Q(kind="item", disposition=ItemDisposition.RETAIN) & Q(Exists(no_basis))


def _q_item_provider_affiliated(today: datetime.date) -> Q:
    affiliated = IntermediaryItem.objects.filter(
        case=OuterRef("pk"), provider_firm__supervising_agency__isnull=False
    ).filter(
        Q(provider_firm__supervising_agency=OuterRef("department"))
        | Q(approval_items__department=F("provider_firm__supervising_agency"))
    )
    return Q(kind="item", disposition=ItemDisposition.RETAIN) & Q(Exists(affiliated))


def _q_post_kept(**subject: object) -> Q:
    kept = OfficialPost.objects.filter(case=OuterRef("pk"), **subject)
    return Q(kind="post", disposition=PostDisposition.KEEP_APPROVED) & Q(Exists(kept))


def _q_post_kept_serving(today: datetime.date) -> Q:
    return _q_post_kept(person_status=PersonStatus.SERVING)


def _q_post_kept_paid(today: datetime.date) -> Q:
    return _q_post_kept(paid=True)


def _tied_firm_q(prefix: str) -> Q:
    return Q(**{f"{prefix}__shares_staff_with_agency": True}) | Q(
        **{f"{prefix}__shares_premises_with_agency": True}
    )


def _q_decoupling_still_tied(today: datetime.date) -> Q:
    tied = DecouplingCase.objects.filter(case=OuterRef("pk")).filter(
        _tied_firm_q("firm") | _tied_firm_q("new_firm")
    )
    return Q(kind="firm", status__in=CLOSED_DECOUPLING) & Q(Exists(tied))


def posts_still_held_q(today: datetime.date, prefix: str = "") -> Q:
    """An official's post still on record: its case open, or no end date, or one still ahead."""
    p = f"{prefix}__" if prefix else ""
    return ~Q(**{f"{p}case__status": Status.WITHDRAWN}) & (
        Q(**{f"{p}case__status__in": OPEN_STATUSES})
        | Q(**{f"{p}held_to__isnull": True})
        | Q(**{f"{p}held_to__gt": today})
    )


def _q_decoupling_official_in_post(today: datetime.date) -> Q:
    held = OfficialPost.objects.filter(posts_still_held_q(today)).filter(
        Q(firm=OuterRef("firm")) | Q(firm=OuterRef("new_firm"))
    )
    with_official = DecouplingCase.objects.filter(case=OuterRef("pk")).filter(Exists(held))
    return Q(kind="firm", status__in=CLOSED_DECOUPLING) & Q(Exists(with_official))


def _q_milestone_out_of_order(today: datetime.date) -> Q:
    earlier_problem = Milestone.objects.filter(
        case=OuterRef("case"), order__lt=OuterRef("order")
    ).filter(
        Q(required=True, done=False) | Q(done=True, effective_date__gt=OuterRef("effective_date"))
    )
    done_too_early = Milestone.objects.filter(case=OuterRef("pk"), done=True).filter(
        Exists(earlier_problem)
    )
    return Q(Exists(done_too_early))


def _q_milestone_future_date(today: datetime.date) -> Q:
    return Q(
        Exists(Milestone.objects.filter(case=OuterRef("pk"), done=True, effective_date__gt=today))
    )


SQL_RULES: dict[str, Callable[[datetime.date], Q]] = {
    "item_retain_no_basis": _q_item_retain_no_basis,
    "item_provider_affiliated": _q_item_provider_affiliated,
    "post_kept_serving": _q_post_kept_serving,
    "post_kept_paid": _q_post_kept_paid,
    "decoupling_still_tied": _q_decoupling_still_tied,
    "decoupling_official_in_post": _q_decoupling_official_in_post,
    "milestone_out_of_order": _q_milestone_out_of_order,
    "milestone_future_date": _q_milestone_future_date,
}


def rule_q(code: str, queryset: models.QuerySet[Case], today: datetime.date | None = None) -> Q:
    """The condition of one rule as a Q on Case (fee names are matched in Python first)."""
    today = today or timezone.localdate()
    if code == "fee_reintroduced":
        return Q(pk__in=fee_reintroduced_ids(queryset))
    return SQL_RULES[code](today)


def any_flag_q(queryset: models.QuerySet[Case], today: datetime.date | None = None) -> Q:
    today = today or timezone.localdate()
    q = Q(pk__in=fee_reintroduced_ids(queryset))
    for build in SQL_RULES.values():
        q |= build(today)
    return q


def cases_with_red_flags_live(
    queryset: models.QuerySet[Case], code: str | None = "any", today: datetime.date | None = None
) -> models.QuerySet[Case]:
    """The rules evaluated now over ``queryset`` (what the maintained rows must agree with)."""
    if not code:
        return queryset
    live = queryset.exclude(status=Status.WITHDRAWN)
    if code == "any":
        return live.filter(any_flag_q(live, today))
    if code not in RULE_LABELS:
        return queryset.none()
    return live.filter(rule_q(code, live, today))


def cases_with_red_flags(
    queryset: models.QuerySet[Case], code: str | None = "any", today: datetime.date | None = None
) -> models.QuerySet[Case]:
    """The cases of ``queryset`` raising any red flag (or the one rule ``code``).

    For a list filter: ``cases_with_red_flags(qs, value)`` with ``value`` from
    ``filter_choices()``; an empty value returns ``queryset`` unchanged. Answered from the
    maintained rows, brought up to date with the audit chain first.
    """
    if not code:
        return queryset
    if code != "any" and code not in RULE_LABELS:
        return queryset.none()
    if today is not None and today != timezone.localdate():
        return cases_with_red_flags_live(queryset, code, today)  # rows are kept for today
    sync()
    hits = live_hits(today)
    if code != "any":
        hits = hits.filter(rule=code)
    return queryset.exclude(status=Status.WITHDRAWN).filter(pk__in=hits.values("case_id"))


# --- one case, explained ------------------------------------------------------------------


def _flag(code: str, message: str) -> RedFlag:
    return RedFlag(code=code, label=str(RULE_LABELS[code]), message=message)


def _fee_flags(case: Case, today: datetime.date) -> list[RedFlag]:
    if case.disposition == FeeDisposition.FEE_CANCEL:
        return []
    candidates = _fee_rows(Case.objects.filter(pk=case.pk))
    if not candidates:
        return []
    cancelled = _cancelled_fee_rows({case.jurisdiction_id})
    matches = _fee_matches(candidates, cancelled).get(case.pk, [])
    return [
        _flag(
            "fee_reintroduced",
            _(
                "收费项目“%(name)s”与本地区已取消的收费“%(old)s”（%(ref)s）名称相似度 %(pct)d%%，"
                "疑似变换名称恢复收费。"
            )
            % {
                "name": candidates[0].name,
                "old": old.name,
                "ref": old.reference,
                "pct": round(score * 100),
            },
        )
        for old, score in matches
    ]


def _item_flags(case: Case, today: datetime.date) -> list[RedFlag]:
    item = (
        IntermediaryItem.objects.filter(case=case)
        .select_related("provider_firm__supervising_agency")
        .first()
    )
    if item is None or case.disposition != ItemDisposition.RETAIN:
        return []
    flags = []
    if not item.legal_basis_list():
        flags.append(
            _flag(
                "item_retain_no_basis",
                _("中介服务事项“%(name)s”决定保留，但未填写设定依据。") % {"name": item.name},
            )
        )
    firm = item.provider_firm
    if firm is not None and firm.supervising_agency_id:
        departments = {case.department_id} | set(
            item.approval_items.exclude(department=None).values_list("department_id", flat=True)
        )
        if firm.supervising_agency_id in departments:
            flags.append(
                _flag(
                    "item_provider_affiliated",
                    _(
                        "保留的中介服务事项由“%(firm)s”实施，该机构挂靠于审批部门“%(agency)s”"
                        "（%(type)s）。"
                    )
                    % {
                        "firm": firm.name,
                        "agency": firm.supervising_agency,
                        "type": firm.get_affiliation_type_display(),
                    },
                )
            )
    return flags


def _post_flags(case: Case, today: datetime.date) -> list[RedFlag]:
    post = OfficialPost.objects.filter(case=case).first()
    if post is None or case.disposition != PostDisposition.KEEP_APPROVED:
        return []
    flags = []
    if post.person_status == PersonStatus.SERVING:
        flags.append(
            _flag(
                "post_kept_serving",
                _("在职干部不得在企业兼职，但本事项处理决定为“按规定审批保留”。"),
            )
        )
    if post.paid:
        flags.append(_flag("post_kept_paid", _("经审批保留的兼职不得取酬，但登记为取酬。")))
    return flags


def _decoupling_flags(case: Case, today: datetime.date) -> list[RedFlag]:
    if case.status not in CLOSED_DECOUPLING:
        return []
    dc = DecouplingCase.objects.filter(case=case).select_related("firm", "new_firm").first()
    if dc is None:
        return []
    flags = []
    status = case.get_status_display()
    for firm in filter(None, (dc.firm, dc.new_firm)):
        shared = []
        if firm.shares_staff_with_agency:
            shared.append(_("与机关人员混用"))
        if firm.shares_premises_with_agency:
            shared.append(_("与机关合署办公"))
        if shared:
            flags.append(
                _flag(
                    "decoupling_still_tied",
                    _("脱钩改制已%(status)s，但“%(firm)s”仍登记为%(what)s。")
                    % {"status": status, "firm": firm.name, "what": "、".join(shared)},
                )
            )
    firm_ids = [f for f in (dc.firm_id, dc.new_firm_id) if f]
    posts = list(
        OfficialPost.objects.filter(posts_still_held_q(today), firm_id__in=firm_ids)
        .select_related("case", "firm")
        .order_by("case__reference")
    )
    if posts:
        refs = "、".join(p.case.reference for p in posts[:10])
        flags.append(
            _flag(
                "decoupling_official_in_post",
                _("脱钩改制已%(status)s，但仍有 %(n)d 名干部登记在该机构任职（%(refs)s）。")
                % {"status": status, "n": len(posts), "refs": refs},
            )
        )
    return flags


def _milestone_flags(
    case: Case, today: datetime.date, milestones: list[Milestone] | None = None
) -> list[RedFlag]:
    if milestones is None:
        milestones = list(case.milestones.order_by("order"))
    milestones = sorted(milestones, key=lambda m: m.order)
    flags = []
    for m in milestones:
        if not m.done:
            continue
        earlier = [e for e in milestones if e.order < m.order]
        pending = [e.name for e in earlier if e.required and not e.done]
        later_dated = [
            e.name
            for e in earlier
            if e.done and e.effective_date and e.effective_date > m.effective_date
        ]
        if pending:
            flags.append(
                _flag(
                    "milestone_out_of_order",
                    _("节点“%(name)s”已完成，但此前的必需节点“%(pending)s”尚未完成。")
                    % {"name": m.name, "pending": "、".join(pending)},
                )
            )
        if later_dated:
            flags.append(
                _flag(
                    "milestone_out_of_order",
                    _("节点“%(name)s”的完成日期（%(d)s）早于此前节点“%(earlier)s”的完成日期。")
                    % {
                        "name": m.name,
                        "d": m.effective_date.isoformat(),
                        "earlier": "、".join(later_dated),
                    },
                )
            )
        if m.effective_date and m.effective_date > today:
            flags.append(
                _flag(
                    "milestone_future_date",
                    _("节点“%(name)s”的完成日期 %(d)s 晚于今天。")
                    % {"name": m.name, "d": m.effective_date.isoformat()},
                )
            )
    return flags


KIND_CHECKS: dict[str, Callable[[Case, datetime.date], list[RedFlag]]] = {
    "fee": _fee_flags,
    "item": _item_flags,
    "post": _post_flags,
    "firm": _decoupling_flags,
}


def flags_for_case(
    case: Case, today: datetime.date | None = None, milestones: list[Milestone] | None = None
) -> list[RedFlag]:
    """Every red flag the case raises now, each with a Chinese explanation (``milestones``:
    the case's milestones if the caller has them already)."""
    today = today or timezone.localdate()
    if case.status == Status.WITHDRAWN:
        return []
    check = KIND_CHECKS.get(case.kind)
    flags = check(case, today) if check else []
    return flags + _milestone_flags(case, today, milestones)


# --- dashboard ----------------------------------------------------------------------------


def red_flag_summary(
    user: User, today: datetime.date | None = None, limit: int = 10
) -> dict | None:
    """Flag counts per rule in the user's scope and the first flagged cases (admins, inspectors).

    ``None`` for other roles. Counted from the maintained rows (brought up to date with the
    audit chain first): at most five queries whatever the size of the scope.
    """
    if user_role(user) not in SUMMARY_ROLES:
        return None
    scoped = Case.objects.for_user(user).exclude(status=Status.WITHDRAWN)
    if today is not None and today != timezone.localdate():
        return _live_summary(scoped, today, limit)  # the rows are kept for today
    sync()
    hits = live_hits().filter(jurisdiction_filter(user, "jurisdiction"))
    per_rule = dict(hits.order_by().values_list("rule").annotate(n=Count("id")))
    total = hits.order_by().values("case_id").distinct().count() if per_rule else 0
    cases = []
    if total:
        # The first flagged cases by deadline, from the rows' own copy of it (one case may
        # have a row per rule, so read enough rows for ``limit`` distinct cases).
        first: list[int] = []
        for case_id in hits.order_by("deadline", "case_id").values_list("case_id", flat=True)[
            : limit * len(RULES)
        ]:
            if case_id not in first:
                first.append(case_id)
        by_id = scoped.select_related("jurisdiction", "department", "owner").in_bulk(first[:limit])
        cases = [by_id[c] for c in first[:limit] if c in by_id]
    return {
        "total": total,
        "rules": [
            {"code": r.code, "label": r.label, "count": per_rule.get(r.code, 0)} for r in RULES
        ],
        "cases": cases,
    }


def _live_summary(scoped: models.QuerySet[Case], today: datetime.date, limit: int) -> dict:
    """The summary evaluated now for another day (every rule over the whole scope)."""
    conditions = {"fee_reintroduced": Q(pk__in=fee_reintroduced_ids(scoped))}
    conditions.update({code: build(today) for code, build in SQL_RULES.items()})
    any_q = Q()
    for q in conditions.values():
        any_q |= q
    counts = scoped.aggregate(
        total=Count("pk", filter=any_q),
        **{code: Count("pk", filter=q) for code, q in conditions.items()},
    )
    cases = list(
        scoped.filter(any_q)
        .select_related("jurisdiction", "department", "owner")
        .order_by("deadline", "id")[:limit]
        if counts["total"]
        else []
    )
    return {
        "total": counts["total"],
        "rules": [{"code": r.code, "label": r.label, "count": counts[r.code]} for r in RULES],
        "cases": cases,
    }


# --- the maintained rows ------------------------------------------------------------------
#
# Every change to tracked data writes a history row, and every history row is a link of the
# audit chain, in the same transaction. ``sync`` reads the links added since it last ran,
# works out which cases they can affect (a firm's change affects the items it provides and
# the decouplings it is part of, a fee's change every fee of its jurisdiction, ...) and
# recomputes those cases' flags with the same rules as above. Readers call it first, so the
# counts are never older than the data; rules about dates still ahead store the date after
# which they lapse.

DATE_RULES = ("milestone_future_date", "decoupling_official_in_post")
FULL_REBUILD_LINKS = 50_000  # past this many new links, recompute every case instead
CHUNK = 2000


def live_hits(today: datetime.date | None = None) -> models.QuerySet[RedFlagHit]:
    today = today or timezone.localdate()
    return RedFlagHit.objects.filter(Q(until__isnull=True) | Q(until__gt=today))


def _history(label: str):
    return next(m for m in history_models() if m._meta.label_lower == label)


def _values(label: str, ids: list[int], *fields: str) -> list[tuple]:
    model = _history(label)
    pk = model._meta.pk.attname
    out: list[tuple] = []
    for start in range(0, len(ids), CHUNK):
        out += model.objects.filter(**{f"{pk}__in": ids[start : start + CHUNK]}).values_list(
            *fields
        )
    return out


def _affected(links: dict[str, list[int]]) -> tuple[set[int], set[int]]:
    """Cases whose flags the given history rows can change, and jurisdictions whose fee-name
    matches must be recomputed."""
    cases: set[int] = set()
    places: set[int] = set()
    firms: set[int] = set()
    post_cases: set[int] = set()
    for label, ids in links.items():
        if label == "tracker.historicalcase":
            fee_cases = set()
            for case_id, kind, place in _values(label, ids, "id", "kind", "jurisdiction_id"):
                cases.add(case_id)
                if kind == "fee":
                    fee_cases.add(case_id)
                    places.add(place)
                elif kind == "post":
                    post_cases.add(case_id)
            if fee_cases:  # every place the fee has been in: a cancelled fee that moved
                places |= set(
                    _history(label)
                    .objects.filter(id__in=fee_cases)
                    .values_list("jurisdiction_id", flat=True)
                    .distinct()
                )
        elif label == "fees.historicalfeeitem":
            fee_cases = {c for (c,) in _values(label, ids, "case_id")}
            cases |= fee_cases
            places |= set(
                Case.objects.filter(pk__in=fee_cases).values_list("jurisdiction_id", flat=True)
            )
        elif label == "intermediaries.historicalofficialpost":
            for case_id, firm in _values(label, ids, "case_id", "firm_id"):
                cases.add(case_id)
                firms.add(firm)
        elif label == "intermediaries.historicalintermediaryfirm":
            changed = {f for (f,) in _values(label, ids, "id")}
            firms |= changed
            cases |= set(
                IntermediaryItem.objects.filter(provider_firm__in=changed).values_list(
                    "case_id", flat=True
                )
            )
        elif label == "intermediaries.historicalintermediaryitem_approval_items":
            items = {i for (i,) in _values(label, ids, "intermediaryitem_id")}
            cases |= set(
                IntermediaryItem.objects.filter(pk__in=items).values_list("case_id", flat=True)
            )
        elif label == "intermediaries.historicalapprovalitem":
            approvals = {a for (a,) in _values(label, ids, "id")}
            cases |= set(
                IntermediaryItem.objects.filter(approval_items__in=approvals).values_list(
                    "case_id", flat=True
                )
            )
        elif label in (
            "tracker.historicalmilestone",
            "intermediaries.historicalintermediaryitem",
            "intermediaries.historicaldecouplingcase",
        ):
            cases |= {c for (c,) in _values(label, ids, "case_id")}
    if post_cases:  # a post case closed or withdrawn: the decouplings of its firm
        firms |= set(
            OfficialPost.objects.filter(case__in=post_cases).values_list("firm_id", flat=True)
        )
    firms.discard(None)
    if firms:
        cases |= set(
            DecouplingCase.objects.filter(Q(firm__in=firms) | Q(new_firm__in=firms)).values_list(
                "case_id", flat=True
            )
        )
    return cases, places


def _rule_flags(case_ids: list[int], today: datetime.date) -> list[RedFlagHit]:
    """Every rule but the fee-name match, for these cases, as rows."""
    hits: list[RedFlagHit] = []
    static = {c: b for c, b in SQL_RULES.items() if c not in DATE_RULES}
    live = Case.objects.filter(pk__in=case_ids).exclude(status=Status.WITHDRAWN)
    rows = live.annotate(
        **{
            f"r_{code}": Case_(When(build(today), then=Value(True)), default=Value(False))
            for code, build in static.items()
        }
    ).values_list("pk", "jurisdiction_id", "deadline", *(f"r_{code}" for code in static))
    place_of: dict[int, int] = {}
    deadline_of: dict[int, datetime.date | None] = {}
    for pk, place, deadline, *flags in rows:
        place_of[pk], deadline_of[pk] = place, deadline
        hits += [
            RedFlagHit(case_id=pk, jurisdiction_id=place, deadline=deadline, rule=c)
            for c, f in zip(static, flags, strict=True)
            if f
        ]
    # A milestone done with a date still ahead: until that date.
    future = (
        Milestone.objects.filter(case__in=live, done=True, effective_date__gt=today)
        .values("case_id")
        .annotate(until=Max("effective_date"))
        .values_list("case_id", "until")
    )
    hits += [
        RedFlagHit(
            case_id=c,
            jurisdiction_id=place_of[c],
            deadline=deadline_of[c],
            rule="milestone_future_date",
            until=u,
        )
        for c, u in future
    ]
    # A decoupling done while an official still holds a post there: until the last post ends.
    decouplings = list(
        DecouplingCase.objects.filter(
            case__in=live, case__status__in=CLOSED_DECOUPLING
        ).values_list("case_id", "firm_id", "new_firm_id")
    )
    firm_ids = {f for _c, *fs in decouplings for f in fs if f}
    held: dict[int, list] = {}
    for firm, status, held_to in (
        OfficialPost.objects.filter(firm__in=firm_ids)
        .exclude(case__status=Status.WITHDRAWN)
        .values_list("firm_id", "case__status", "held_to")
    ):
        open_ended = status in OPEN_STATUSES or held_to is None
        held.setdefault(firm, []).append(None if open_ended else held_to)
    for case_id, *firms in decouplings:
        ends = [end for f in firms if f for end in held.get(f, ())]
        if not ends:
            continue
        until = None if None in ends else max(ends)
        if until is None or until > today:
            hits.append(
                RedFlagHit(
                    case_id=case_id,
                    jurisdiction_id=place_of[case_id],
                    deadline=deadline_of[case_id],
                    rule="decoupling_official_in_post",
                    until=until,
                )
            )
    return hits


def _fee_flags_in(places: set[int]) -> list[RedFlagHit]:
    candidates = _fee_rows(
        _fee_candidates(Case.objects.filter(jurisdiction_id__in=places)).order_by("id")
    )
    if not candidates:
        return []
    matches = _fee_matches(candidates, _cancelled_fee_rows(places))
    place_of = {c.case_id: c.jurisdiction_id for c in candidates}
    deadline_of = dict(Case.objects.filter(pk__in=list(matches)).values_list("pk", "deadline"))
    return [
        RedFlagHit(
            case_id=case_id,
            jurisdiction_id=place_of[case_id],
            deadline=deadline_of.get(case_id),
            rule="fee_reintroduced",
        )
        for case_id in matches
    ]


def _recompute(cases: set[int] | None, places: set[int] | None, today: datetime.date) -> None:
    """Replace the rows of these cases (all cases: None) and the fee rows of these places."""
    if cases is None:
        RedFlagHit.objects.all().delete()
        ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
        places = set(Case.objects.filter(kind="fee").values_list("jurisdiction_id", flat=True))
        cases_done = True
    else:
        ids = sorted(cases)
        cases_done = False
    new: list[RedFlagHit] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if not cases_done:
            RedFlagHit.objects.filter(case__in=chunk).exclude(rule="fee_reintroduced").delete()
        new += _rule_flags(chunk, today)
    if places:
        if not cases_done:
            # Rows carry the jurisdiction they were computed in; the places include every
            # jurisdiction a changed fee has been in, so a moved fee's old rows go too.
            RedFlagHit.objects.filter(rule="fee_reintroduced", jurisdiction__in=places).delete()
        new += _fee_flags_in(places)
    RedFlagHit.objects.bulk_create(new, batch_size=1000)


def sync(today: datetime.date | None = None, *, rebuild: bool = False) -> int:
    """Bring the red-flag rows up to date with the audit chain; returns the links read.

    Cheap when nothing changed (one query). Serialised on the state row, so concurrent
    readers never recompute the same links twice."""
    today = today or timezone.localdate()
    head = AuditChainHead.objects.filter(pk=1).values("seq")
    state = (
        RedFlagState.objects.filter(pk=1)
        .annotate(top=Subquery(head[:1]))
        .values_list("seq", "day", "top")
        .first()
    )
    if not rebuild and state is not None:
        seq, day, top = state
        if seq >= (top or 0) and day is not None and day <= today:
            return 0
    with transaction.atomic():
        RedFlagState.objects.get_or_create(pk=1)
        state = RedFlagState.objects.select_for_update().get(pk=1)
        top = AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
        if not rebuild and state.seq >= top and state.day is not None and state.day <= today:
            return 0
        new_links = top - state.seq
        rebuild = rebuild or state.day is None or state.day > today
        if rebuild or new_links > FULL_REBUILD_LINKS:
            _recompute(None, None, today)
        else:
            links: dict[str, list[int]] = {}
            for label, row_id in AuditChainEntry.objects.filter(
                seq__gt=state.seq, seq__lte=top
            ).values_list("model", "row_id"):
                links.setdefault(label, []).append(row_id)
            cases, places = _affected(links)
            _recompute(cases, places, today)
        state.seq, state.synced_at, state.day = top, timezone.now(), today
        state.save(update_fields=["seq", "synced_at", "day"])
    return new_links
