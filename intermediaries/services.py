"""Writes for the firm register."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from intermediaries.models import IntermediaryFirm
from tracker.cases.services import require_editor, require_reason, tracked_save
from tracker.models import Jurisdiction, User


@transaction.atomic
def firm_save(
    *,
    firm: IntermediaryFirm,
    jurisdiction: Jurisdiction,
    by: User,
    reason: str,
    expected_version: int | None = None,
) -> IntermediaryFirm:
    """Create or update a firm in the register; a stale edit is refused."""
    reason = require_reason(reason)
    require_editor(by, jurisdiction)
    firm.jurisdiction = jurisdiction
    if firm.pk:
        current = IntermediaryFirm.objects.select_for_update().get(pk=firm.pk)
        if expected_version is not None and current.version != expected_version:
            raise ValidationError(
                _("保存失败：该机构在您打开表单后已被他人修改。请刷新后重新填写。")
            )
        firm.version = current.version + 1
    tracked_save(firm, by=by, reason=reason)
    return firm
