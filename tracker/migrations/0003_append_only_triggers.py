"""Database triggers that refuse UPDATE and DELETE on every history table and the audit chain.

The core's migrations never depend on the domain apps' (a new kind touches one app): this one
protects the history tables that exist when it runs, and the ``post_migrate`` handler
(``tracker.audit.signals.install_audit_triggers``) protects every history table after each
``migrate``, the domain apps' included."""

from django.db import migrations

from tracker.migrations import _triggers


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0002_audit_chain"),
    ]

    operations = [migrations.RunPython(_triggers.forwards, _triggers.backwards)]
