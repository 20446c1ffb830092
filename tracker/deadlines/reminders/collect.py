"""The reminders due on a day: case and milestone windows, explanation requests, digests."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tracker.deadlines.reminders.queries import (
    _days_phrase,
    case_url,
    cases_due_within,
    milestones_due_within,
    overdue_cases_needing_explanation,
    overdue_digest_rows,
    reform_admins,
    site_url,
)
from tracker.deadlines.reminders.rules import CHUNK, Kind, Reminder, dedupe_key, reminder_kind
from tracker.models import Case


def _due(today: datetime.date, date: datetime.date) -> tuple[Kind, str] | None:
    """The reminder kind and the "in N days" phrase for a date, or None if none is due."""
    days_left = (date - today).days
    kind = reminder_kind(days_left)
    return None if kind is None else (kind, _days_phrase(days_left))


def _case_reminders(today: datetime.date) -> Iterator[Reminder]:
    for case in cases_due_within(today).iterator(chunk_size=CHUNK):
        due = _due(today, case.deadline)
        if due is None:
            continue
        kind, when = due
        yield Reminder(
            user_id=case.owner_id,
            kind=kind,
            key=dedupe_key(kind, case.owner_id, case.pk, None, case.deadline.isoformat()),
            case_id=case.pk,
            subject=_("【到期提醒】%(ref)s %(title)s：%(when)s（%(date)s）")
            % {
                "ref": case.reference,
                "title": case.title[:60],
                "when": when,
                "date": case.deadline.isoformat(),
            },
            body=_(
                "您负责的事项 %(ref)s“%(title)s”（%(place)s）完成时限为 %(date)s，%(when)s。\n"
                "请及时推进办理并上传佐证材料：%(url)s"
            )
            % {
                "ref": case.reference,
                "title": case.title,
                "place": case.jurisdiction.name,
                "date": case.deadline.isoformat(),
                "when": when,
                "url": case_url(case.reference),
            },
        )


def _milestone_reminders(today: datetime.date) -> Iterator[Reminder]:
    for milestone in milestones_due_within(today).iterator(chunk_size=CHUNK):
        case = milestone.case
        due = _due(today, milestone.due_date)
        if due is None:
            continue
        kind, when = due
        yield Reminder(
            user_id=case.owner_id,
            kind=kind,
            key=dedupe_key(
                kind, case.owner_id, case.pk, milestone.pk, milestone.due_date.isoformat()
            ),
            case_id=case.pk,
            milestone_id=milestone.pk,
            subject=_("【节点提醒】%(ref)s 节点“%(name)s”：%(when)s（%(date)s）")
            % {
                "ref": case.reference,
                "name": milestone.name,
                "when": when,
                "date": milestone.due_date.isoformat(),
            },
            body=_(
                "您负责的事项 %(ref)s“%(title)s”的进度节点“%(name)s”计划于 %(date)s 完成，"
                "%(when)s。\n完成后请记录实际完成日期和文号：%(url)s"
            )
            % {
                "ref": case.reference,
                "title": case.title,
                "name": milestone.name,
                "date": milestone.due_date.isoformat(),
                "when": when,
                "url": case_url(case.reference),
            },
        )


def _explanation_requests(today: datetime.date) -> Iterator[Reminder]:
    for case in overdue_cases_needing_explanation(today).iterator(chunk_size=CHUNK):
        until = case.explained_until.isoformat() if case.explained_until else "none"
        days = (today - case.deadline).days
        if case.explained_until:
            body = _(
                "您负责的事项 %(ref)s“%(title)s”已逾期 %(days)d 天，上次逾期说明中的预计完成日期"
                "（%(until)s）也已过去。请填写新的逾期说明：%(url)s"
            )
        else:
            body = _(
                "您负责的事项 %(ref)s“%(title)s”完成时限为 %(deadline)s，已逾期 %(days)d 天。"
                "请填写逾期说明（原因及预计完成日期）：%(url)s"
            )
        yield Reminder(
            user_id=case.owner_id,
            kind=Kind.OTHER,
            key=dedupe_key(
                "overdue_owner", case.owner_id, case.pk, None, f"{case.deadline}/{until}"
            ),
            case_id=case.pk,
            subject=_("【逾期】%(ref)s %(title)s：请填写逾期说明")
            % {"ref": case.reference, "title": case.title[:60]},
            body=body
            % {
                "ref": case.reference,
                "title": case.title,
                "deadline": case.deadline.isoformat(),
                "days": days,
                "until": until,
                "url": site_url(
                    reverse("notifications:overdue_explanation", args=[case.reference])
                ),
            },
        )


def _digest_line(case: Case, today: datetime.date) -> str:
    explained = (
        _("预计 %(d)s 完成") % {"d": case.explained_until.isoformat()}
        if case.explained_until
        else _("未填写逾期说明")
    )
    return _(
        "%(ref)s %(title)s（%(place)s，时限 %(deadline)s，逾期 %(days)d 天，%(owner)s，%(x)s）"
    ) % {
        "ref": case.reference,
        "title": case.title[:80],
        "place": case.jurisdiction.name,
        "deadline": case.deadline.isoformat(),
        "days": (today - case.deadline).days,
        "owner": case.owner or _("未指定责任人"),
        "x": explained,
    }


def _overdue_digests(today: datetime.date) -> Iterator[Reminder]:
    for admin in reform_admins():
        total, rows = overdue_digest_rows(admin, today)
        if not total:
            continue
        lines = [f"- {_digest_line(case, today)}" for case in rows]
        if total > len(rows):
            lines.append(_("……另有 %(n)d 项，请登录系统查看。") % {"n": total - len(rows)})
        scope = admin.jurisdiction.name if admin.jurisdiction else _("全部")
        list_url = site_url(reverse("tracker:case_list"))
        yield Reminder(
            user_id=admin.pk,
            kind=Kind.OVERDUE_DIGEST,
            key=dedupe_key(Kind.OVERDUE_DIGEST, admin.pk, None, None, today.isoformat()),
            subject=_("【逾期汇总】%(scope)s：%(n)d 项事项已逾期（%(day)s）")
            % {"scope": scope, "n": total, "day": today.isoformat()},
            body=_("截至 %(day)s，%(scope)s共有 %(n)d 项在办事项已超过完成时限：")
            % {"day": today.isoformat(), "scope": scope, "n": total}
            + "\n"
            + "\n".join(lines)
            + "\n"
            + _("全部逾期事项：%(url)s") % {"url": f"{list_url}?overdue=true"},
        )


def reminders_due(today: datetime.date | None = None) -> list[Reminder]:
    """Every reminder that should exist today (new or already sent), in Chinese."""
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        return [
            *_case_reminders(today),
            *_milestone_reminders(today),
            *_explanation_requests(today),
            *_overdue_digests(today),
        ]


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
