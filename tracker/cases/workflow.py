"""The case workflow: one graph, one table, one function that changes status.

Views, forms, imports and signals never set ``Case.status`` directly; they call
``tracker.cases.services.case_transition`` which consults this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # pragma: no cover
    from tracker.models import Case


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    UNDER_REVIEW = "under_review", _("核查中")
    DECIDED = "decided", _("已决定")
    IN_PROGRESS = "in_progress", _("整改中")
    COMPLETED = "completed", _("已完成")
    CLOSED = "closed", _("已销号")
    WITHDRAWN = "withdrawn", _("已撤回")


class Role(models.TextChoices):
    STAFF = "staff", _("改革办工作人员")
    ADMIN = "admin", _("改革办管理员")
    INSPECTOR = "inspector", _("纪检监察")
    VIEWER = "viewer", _("领导/查看")


OPEN_STATUSES = frozenset(
    {Status.REGISTERED, Status.UNDER_REVIEW, Status.DECIDED, Status.IN_PROGRESS}
)
READ_ONLY_STATUSES = frozenset({Status.CLOSED, Status.WITHDRAWN})
DONE_STATUSES = frozenset({Status.COMPLETED, Status.CLOSED})  # the clean-up is done
# A decision has been taken and stands (what catalogues publish and the report counts reviewed).
DECIDED_STATUSES = frozenset({Status.DECIDED, Status.IN_PROGRESS}) | DONE_STATUSES
# Role sets, defined here once (views, services, selectors and the API import them).
EDITORS = frozenset({Role.STAFF, Role.ADMIN})  # register and change cases
ADMINS = frozenset({Role.ADMIN})
READERS = frozenset({Role.STAFF, Role.ADMIN, Role.INSPECTOR})  # case pages and history
AUDITORS = frozenset({Role.ADMIN, Role.INSPECTOR})  # audit log, red flags, supervision
SIGNERS = frozenset({Role.VIEWER, Role.ADMIN})  # sign the monthly report
ALL_ROLES = frozenset({Role.STAFF, Role.ADMIN, Role.INSPECTOR, Role.VIEWER})


def is_editable(status: str) -> bool:
    """Closed (销号) and withdrawn cases are read-only: no edit, milestone or evidence change."""
    return status not in READ_ONLY_STATUSES


def edit_refusal(status: str) -> str | None:
    """Why a case in ``status`` may not be edited now, or None if it may."""
    if is_editable(status):
        return None
    return str(_("已销号或已撤回的事项不能修改（如需重新整改，请由管理员执行“回头看”）。"))


def guard_decision(case: Case) -> str | None:
    """Deciding needs a disposition, a decision document number and its date."""
    missing = []
    if not case.disposition:
        missing.append(str(_("处理决定")))
    if not case.decision_doc_no:
        missing.append(str(_("决定文号")))
    if not case.decision_date:
        missing.append(str(_("决定日期")))
    if missing:
        return str(_("不能标记为已决定：缺少%(fields)s。")) % {"fields": "、".join(missing)}
    return None


# The decision (处理决定, 决定文号, 决定日期). Once taken it stands: no edit, import or other
# path changes it; only a re-decision (回头看：重新决定) replaces it with a new one, and the old
# one is kept as superseded (tracker.cases.decisions).
DECISION_FIELDS = ("disposition", "decision_doc_no", "decision_date")


def decision_change_refusal(case: Case, changed: set[str] | list[str] | dict) -> str | None:
    """Why the decision fields named in ``changed`` may not be changed on ``case`` directly."""
    if case.status in DECIDED_STATUSES and set(changed) & set(DECISION_FIELDS):
        return str(
            _(
                "决定已作出：处理决定、决定文号和决定日期不能直接修改，"
                "请由管理员走“回头看：重新决定”（新的文号、日期和原因）。"
            )
        )
    return None


def is_redecision(source: str, target: str) -> bool:
    """Moving to "decided" from a status where a decision already stands replaces it."""
    return target == Status.DECIDED and source in DECIDED_STATUSES


def redecision_refusal(case: Case, doc_no: str, date) -> str | None:
    """A re-decision needs its own document: a new number, dated on or after the one it
    replaces (and, like every decision, not in the future: the model checks that)."""
    if (doc_no or "").strip() == (case.decision_doc_no or "").strip():
        return str(_("重新决定须使用新的决定文号（原文号：%(no)s）。")) % {
            "no": case.decision_doc_no
        }
    if date and case.decision_date and date < case.decision_date:
        return str(_("重新决定的日期不能早于原决定日期（%(date)s）。")) % {
            "date": case.decision_date.isoformat()
        }
    return None


def guard_milestones_done(case: Case) -> str | None:
    """Completing needs every required milestone done."""
    pending = [m.name for m in case.milestones.all() if m.required and not m.done]
    if pending:
        return str(_("不能标记为已完成：以下必需节点尚未完成：%(names)s。")) % {
            "names": "、".join(pending)
        }
    return None


@dataclass(frozen=True)
class Edge:
    """One allowed status change: who may take it and what must hold first."""

    source: str
    target: str
    label: object
    roles: frozenset
    guard: Callable[[Case], str | None] | None = None
    danger: bool = False
    # The guard reads what the transition's own form supplies (the decision), so it can only be
    # judged on submit, not before the form is shown.
    guard_on_submit: bool = False
    # Taken only by approving a request (a withdrawal: staff ask, an admin approves), never
    # directly: no transition form offers it.
    by_request: bool = False


EDGES: tuple[Edge, ...] = (
    Edge(Status.REGISTERED, Status.UNDER_REVIEW, _("开始核查"), EDITORS),
    Edge(
        Status.UNDER_REVIEW,
        Status.DECIDED,
        _("作出决定"),
        EDITORS,
        guard_decision,
        guard_on_submit=True,
    ),
    Edge(Status.DECIDED, Status.IN_PROGRESS, _("开始整改"), EDITORS),
    Edge(Status.IN_PROGRESS, Status.COMPLETED, _("标记完成"), EDITORS, guard_milestones_done),
    Edge(Status.COMPLETED, Status.CLOSED, _("销号"), ADMINS),
    # A decision that must change is replaced, not edited: the admin records a new decision
    # (new number, date, reason); the case returns to "decided" and the old one is superseded.
    *(
        Edge(
            source,
            Status.DECIDED,
            _("回头看：重新决定"),
            ADMINS,
            guard_decision,
            danger=True,
            guard_on_submit=True,
        )
        for source in (Status.DECIDED, Status.IN_PROGRESS, Status.COMPLETED, Status.CLOSED)
    ),
    Edge(Status.COMPLETED, Status.IN_PROGRESS, _("回头看：重新整改"), ADMINS),
    Edge(Status.CLOSED, Status.IN_PROGRESS, _("回头看：重新整改"), ADMINS),
    *(
        Edge(source, Status.WITHDRAWN, _("撤回"), ADMINS, danger=True, by_request=True)
        for source in (
            Status.REGISTERED,
            Status.UNDER_REVIEW,
            Status.DECIDED,
            Status.IN_PROGRESS,
        )
    ),
)
EDGE_MAP: dict[tuple[str, str], Edge] = {(e.source, e.target): e for e in EDGES}


def edge_for(source: str, target: str) -> Edge | None:
    return EDGE_MAP.get((str(source), str(target)))


def edges_from(source: str) -> list[Edge]:
    """The edges a transition form may offer from ``source`` (not those taken by request)."""
    return [e for e in EDGES if e.source == source and not e.by_request]


def may_request_withdrawal(status: str) -> bool:
    """A withdrawal may be requested from every status that has a withdrawal edge."""
    return edge_for(status, Status.WITHDRAWN) is not None


WITHDRAWAL_BY_REQUEST = _(
    "撤回须由工作人员提出撤回申请（写明类别和原因），经改革办管理员批准后生效。"
)


def refusal(
    case: Case, target: str, role: str | None, *, approved_request: bool = False
) -> str | None:
    """Why ``role`` may not move ``case`` to ``target`` now, or None if it may
    (``approved_request``: the move carries out a request an admin approved)."""
    edge = edge_for(case.status, target)
    if edge is None:
        return str(_("不允许从“%(src)s”变更为“%(dst)s”。")) % {
            "src": Status(case.status).label,
            "dst": Status(target).label if target in Status.values else target,
        }
    if edge.by_request and not approved_request:
        return str(WITHDRAWAL_BY_REQUEST)
    if role not in edge.roles:
        if edge.roles == ADMINS:
            return str(_("只有改革办管理员可以执行“%(action)s”。")) % {"action": edge.label}
        return str(_("您的角色不能执行“%(action)s”。")) % {"action": edge.label}
    if edge.guard is not None:
        return edge.guard(case)
    return None


# The path a case normally walks, for the step indicator (withdrawn and reopen are off it).
MAIN_PATH: tuple[Status, ...] = (
    Status.REGISTERED,
    Status.UNDER_REVIEW,
    Status.DECIDED,
    Status.IN_PROGRESS,
    Status.COMPLETED,
    Status.CLOSED,
)


def next_on_path(status: str) -> Edge | None:
    """The edge that moves a case one step along ``MAIN_PATH`` (None at its end or off it)."""
    if status not in MAIN_PATH:
        return None
    position = MAIN_PATH.index(status)
    if position + 1 == len(MAIN_PATH):
        return None
    return edge_for(status, MAIN_PATH[position + 1])


def refusal_to_open(case: Case, target: str, role: str | None) -> str | None:
    """Why ``role`` may not even start moving ``case`` to ``target`` now (before any form input).

    The same rule as :func:`refusal`, except for guards the transition's own form answers.
    """
    edge = edge_for(case.status, target)
    if edge is not None and edge.guard_on_submit and role in edge.roles:
        return None
    return refusal(case, target, role)
