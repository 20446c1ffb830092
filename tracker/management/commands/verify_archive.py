"""manage.py verify_archive archive.zip — exit 1 naming any altered, missing or extra file."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from tracker.audit.archive import verify_archive


class Command(BaseCommand):
    help = "Check a records-transfer archive against its manifest."

    def add_arguments(self, parser):
        parser.add_argument("archive")

    def handle(self, *args, **options):
        result = verify_archive(Path(options["archive"]))
        if result.ok:
            self.stdout.write(
                f"OK: {result.files} files match the manifest\n"
                f"manifest sha256: {result.manifest_sha256}\naudit chain head: {result.chain_head}"
            )
            return
        for problem in result.problems:
            self.stderr.write(f"BROKEN: {problem}")
        sys.exit(1)
