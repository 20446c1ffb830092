"""Red flags (红旗预警): patterns that suggest a clean-up was sham or a fee came back.

Each rule is declared once (``tracker.redflags.declare``): the kind that owns it lists it in its
``CaseKind.red_flag_rules`` (``intermediaries/redflags.py``, ``fees/redflags.py``); the rules
about milestones, which every kind has, are the core's (``CORE_RULES`` below). This module only
iterates the registry: lists filter by a rule's ``q``, the case page explains with the same
declaration, and the dashboard counts maintained rows (below). Withdrawn cases are not flagged,
except by rules declared ``withdrawn=True``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Case as Case_
from django.db.models import Count, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.cases import workflow
from tracker.cases.registry import get_kind, kinds
from tracker.cases.scoping import jurisdiction_filter, user_role
from tracker.cases.workflow import Status
from tracker.models import Case, Milestone, User
from tracker.redflags.declare import (
    FOREVER,
    TODAY,
    AnyOf,
    Is,
    Not,
    Outer,
    RedFlag,
    Rule,
    Some,
)

SUMMARY_ROLES = workflow.AUDITORS


def _out_of_order_message(case: Case, found: dict[str, list[Any]]) -> str:
    milestones = sorted(case.milestones.all(), key=lambda m: m.order)
    parts = []
    for m in sorted(found.get("done", []), key=lambda m: m.order):
        earlier = [e for e in milestones if e.order < m.order]
        pending = [e.name for e in earlier if e.required and not e.done]
        later = [e.name for e in earlier if e.done and e.effective_date and m.effective_date
                 and e.effective_date > m.effective_date]  # fmt: skip
        if pending:
            parts.append(
                _("节点“%(name)s”已完成，但此前的必需节点“%(pending)s”尚未完成。")
                % {"name": m.name, "pending": "、".join(pending)}
            )
        if later:
            parts.append(
                _("节点“%(name)s”的完成日期（%(d)s）早于此前节点“%(earlier)s”的完成日期。")
                % {"name": m.name, "d": m.effective_date.isoformat(), "earlier": "、".join(later)}
            )
    return "".join(parts)


MILESTONE_OUT_OF_ORDER = Rule(
    "milestone_out_of_order",
    gettext_lazy("节点完成顺序异常"),
    Some(
        "milestones",
        Is("done"),
        Some(
            "case__milestones",
            Is("order", "lt", Outer("order")),
            AnyOf(
                Is("required") & Is("done", value=False),
                Is("done") & Is("effective_date", "gt", Outer("effective_date")),
            ),
        ),
        name="done",
    ),
    _out_of_order_message,
)

MILESTONE_FUTURE_DATE = Rule(
    "milestone_future_date",
    gettext_lazy("节点完成日期晚于今天"),
    Some(
        "milestones",
        Is("done"),
        Is("effective_date", "gt", TODAY),
        name="late",
        until="effective_date",
    ),
    lambda case, found: "".join(
        _("节点“%(name)s”的完成日期 %(d)s 晚于今天。")
        % {"name": m.name, "d": m.effective_date.isoformat()}
        for m in sorted(found["late"], key=lambda m: m.order)
    ),
)

# A decision taken and then withdrawn: the withdrawal hides a decision from the report's
# figures, so an inspector looks at each one (every kind; withdrawn cases are its subject).
WITHDRAWN_AFTER_DECISION = Rule(
    "withdrawn_after_decision",
    gettext_lazy("作出决定后撤回"),
    Is("status", value=Status.WITHDRAWN) & Not(Is("decision_doc_no", "regex", r"^\s*$")),
    lambda case, found: (
        _("本事项已作出处理决定（%(disposition)s，%(doc)s）后被撤回。")
        % {"disposition": case.disposition_label() or "—", "doc": case.decision_doc_no}
    ),
    withdrawn=True,
)

CORE_RULES: tuple[Rule, ...] = (
    MILESTONE_OUT_OF_ORDER,
    MILESTONE_FUTURE_DATE,
    WITHDRAWN_AFTER_DECISION,
)


@dataclass(frozen=True)
class Entry:
    """One rule as applied: to the cases of one kind (``kind``) or, for core rules, to all."""

    rule: Any  # Rule or MatchRule
    kind: str | None

    @property
    def code(self) -> str:
        return self.rule.code

    def scope_q(self) -> Q:
        q = Q(kind=self.kind) if self.kind else Q()
        return q if self.rule.withdrawn else q & ~Q(status=Status.WITHDRAWN)

    def applies(self, case: Case) -> bool:
        if self.kind and case.kind != self.kind:
            return False
        return self.rule.withdrawn or case.status != Status.WITHDRAWN

    def q(self, queryset: models.QuerySet[Case], today: datetime.date) -> Q:
        """The rule as a condition on Case (a match rule is matched in Python first)."""
        if self.rule.matching:
            scoped = queryset.filter(self.scope_q())
            return Q(pk__in=sorted(self.rule.matches(scoped)))
        return self.scope_q() & self.rule.q(today)


def entries() -> list[Entry]:
    """Every rule of every registered kind, then the core's, in the order they are listed."""
    out = [Entry(rule, kind.key) for kind in kinds() for rule in kind.red_flag_rules]
    return out + [Entry(rule, None) for rule in CORE_RULES]


def rule_labels() -> dict[str, Any]:
    return {e.code: e.rule.label for e in entries()}


def filter_choices() -> list[tuple[str, object]]:
    """Choices for a list filter: any flag, or one rule."""
    return [("any", gettext_lazy("任一红旗")), *((e.code, e.rule.label) for e in entries())]


def rule_q(code: str, queryset: models.QuerySet[Case], today: datetime.date | None = None) -> Q:
    """The condition of one rule as a Q on Case."""
    today = today or timezone.localdate()
    return next(e for e in entries() if e.code == code).q(queryset, today)


def any_flag_q(queryset: models.QuerySet[Case], today: datetime.date | None = None) -> Q:
    today = today or timezone.localdate()
    q = Q(pk__in=[])
    for e in entries():
        q |= e.q(queryset, today)
    return q


def cases_with_red_flags_live(
    queryset: models.QuerySet[Case], code: str | None = "any", today: datetime.date | None = None
) -> models.QuerySet[Case]:
    """The rules evaluated now over ``queryset`` (what the maintained rows must agree with)."""
    if not code:
        return queryset
    if code == "any":
        return queryset.filter(any_flag_q(queryset, today))
    if code not in rule_labels():
        return queryset.none()
    return queryset.filter(rule_q(code, queryset, today))


def cases_with_red_flags(
    queryset: models.QuerySet[Case], code: str | None = "any", today: datetime.date | None = None
) -> models.QuerySet[Case]:
    """The cases of ``queryset`` raising any red flag (or the one rule ``code``).

    For a list filter: ``cases_with_red_flags(qs, value)`` with ``value`` from
    ``filter_choices()``; an empty value returns ``queryset`` unchanged. Answered from the
    maintained rows, brought up to date with the audit chain first.
    """
    from tracker.redflags.rows import live_hits

    if not code:
        return queryset
    if code != "any" and code not in rule_labels():
        return queryset.none()
    if today is not None and today != timezone.localdate():
        return cases_with_red_flags_live(queryset, code, today)  # rows are kept for today
    sync()
    hits = live_hits(today)
    if code != "any":
        hits = hits.filter(rule=code)
    return queryset.filter(pk__in=hits.values("case_id"))


def prefetch_milestones(case: Case, milestones: list[Milestone] | None) -> None:
    """Give ``case.milestones.all()`` the milestones the caller has (one query otherwise), each
    pointing back at ``case``, so explaining the milestone rules reads no more rows."""
    if milestones is None:
        milestones = list(Milestone.objects.filter(case=case).order_by("order"))
    for m in milestones:
        m.case = case
    cached = case.milestones.all()
    cached._result_cache = list(milestones)
    cached._prefetch_done = True
    case._prefetched_objects_cache = {**getattr(case, "_prefetched_objects_cache", {})}
    case._prefetched_objects_cache["milestones"] = cached


def flags_for_case(
    case: Case, today: datetime.date | None = None, milestones: list[Milestone] | None = None
) -> list[RedFlag]:
    """Every red flag the case raises now, each with a Chinese explanation (``milestones``:
    the case's milestones if the caller has them already)."""
    today = today or timezone.localdate()
    prefetch_milestones(case, milestones)
    flags: list[RedFlag] = []
    for e in entries():
        if e.applies(case):
            flags += e.rule.explain(case, today)
    return flags


def rules_of_kind(key: str) -> list[Any]:
    """The rules a case of kind ``key`` is checked against (its kind's, then the core's)."""
    return [*get_kind(key).red_flag_rules, *CORE_RULES]


# --- dashboard ----------------------------------------------------------------------------


def red_flag_summary(
    user: User, today: datetime.date | None = None, limit: int = 10
) -> dict | None:
    """Flag counts per rule in the user's scope and the first flagged cases (admins, inspectors).

    ``None`` for other roles. Counted from the maintained rows (brought up to date with the
    audit chain first): at most five queries whatever the size of the scope.
    """
    from tracker.redflags.rows import live_hits

    if user_role(user) not in SUMMARY_ROLES:
        return None
    scoped = Case.objects.for_user(user)
    if today is not None and today != timezone.localdate():
        return _live_summary(scoped, today, limit)  # the rows are kept for today
    sync()
    hits = live_hits().filter(jurisdiction_filter(user, "jurisdiction"))
    per_rule = dict(hits.order_by().values_list("rule").annotate(n=Count("id")))
    total = hits.order_by().values("case_id").distinct().count() if per_rule else 0
    cases = []
    all_entries = entries()
    if total:
        # The first flagged cases by deadline, from the rows' own copy of it (one case may
        # have a row per rule, so read enough rows for ``limit`` distinct cases).
        first: list[int] = []
        for case_id in hits.order_by("deadline", "case_id").values_list("case_id", flat=True)[
            : limit * len(all_entries)
        ]:
            if case_id not in first:
                first.append(case_id)
        by_id = scoped.select_related("jurisdiction", "department", "owner").in_bulk(first[:limit])
        cases = [by_id[c] for c in first[:limit] if c in by_id]
    return {
        "total": total,
        "rules": [
            {"code": e.code, "label": e.rule.label, "count": per_rule.get(e.code, 0)}
            for e in all_entries
        ],
        "cases": cases,
    }


def _live_summary(scoped: models.QuerySet[Case], today: datetime.date, limit: int) -> dict:
    """The summary evaluated now for another day (every rule over the whole scope)."""
    all_entries = entries()
    conditions = {e.code: e.q(scoped, today) for e in all_entries}
    any_q = Q(pk__in=[])
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
        "rules": [
            {"code": e.code, "label": e.rule.label, "count": counts[e.code]} for e in all_entries
        ],
        "cases": cases,
    }


def flag_annotations(today: datetime.date) -> dict[str, Any]:
    """For the maintained rows: per condition rule, whether it holds today (``r_<code>``) and,
    for a rule about dates ahead, whether it holds whatever the day (``f_<code>``) and the
    latest date of each dated part (``u<i>_<code>``)."""
    out: dict[str, Any] = {}
    for e in entries():
        if e.rule.matching:
            continue
        out[f"r_{e.code}"] = Case_(When(e.q(Case.objects.none(), today), then=Value(True)),
                                   default=Value(False))  # fmt: skip
        if e.rule.dated:
            out[f"f_{e.code}"] = Case_(
                When(e.q(Case.objects.none(), FOREVER), then=Value(True)), default=Value(False)
            )
            for i, some in enumerate(e.rule.dated):
                out[f"u{i}_{e.code}"] = some.until_sql(today)
    return out


def sync(today: datetime.date | None = None, *, rebuild: bool = False) -> int:
    """Bring the maintained rows up to date (``tracker.redflags.rows.sync``)."""
    from tracker.redflags.rows import sync as rows_sync

    return rows_sync(today, rebuild=rebuild)
