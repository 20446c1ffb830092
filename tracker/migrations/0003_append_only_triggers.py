"""Database triggers that refuse UPDATE and DELETE on every history table and the audit chain."""

from django.db import migrations

from tracker.migrations import _triggers


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0002_audit_chain"),
        ("intermediaries", "0002_initial"),
        ("fees", "0002_initial"),
    ]

    operations = [migrations.RunPython(_triggers.forwards, _triggers.backwards)]
