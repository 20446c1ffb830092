"""Note write services: appending a note to a case."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tracker.cases.services.common import require_editor, tracked_save
from tracker.models import Case, Note, User


@transaction.atomic
def note_add(
    *,
    case: Case,
    by: User,
    text: str,
    kind: str = Note.Kind.NOTE,
    expected_date: datetime.date | None = None,
) -> Note:
    """Append a note to a case; notes are never edited or deleted."""
    require_editor(by, case.jurisdiction)
    if not (text or "").strip():
        raise ValidationError(_("备注内容不能为空。"))
    note = Note(case=case, kind=kind, text=text.strip(), expected_date=expected_date, author=by)
    tracked_save(note, by=by, reason=_("添加备注"))
    return note
