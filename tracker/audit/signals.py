"""Signal wiring: the audit chain receivers and the trigger installer after migrations."""

from __future__ import annotations

from tracker.audit import chain as audit


def install_audit_triggers(sender, using="default", **kwargs) -> None:
    """After every migrate, make sure every history table (new ones too) is append-only."""
    from django.db import connections

    audit.install_triggers(connections[using])
