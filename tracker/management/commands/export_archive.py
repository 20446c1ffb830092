"""manage.py export_archive --jurisdiction <code> --output archive.zip"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.audit.archive import export_archive
from tracker.models import Jurisdiction


class Command(BaseCommand):
    help = "Write a verifiable records-transfer archive of a jurisdiction subtree."

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", required=True, help="GB/T 2260 code, e.g. 330100")
        parser.add_argument("--output", required=True, help="the .zip file to write")
        parser.add_argument("--by", default="", help="who generates it (for the manifest)")

    def handle(self, *args, **options):
        try:
            jurisdiction = Jurisdiction.objects.get(code=options["jurisdiction"])
        except Jurisdiction.DoesNotExist:
            raise CommandError(
                f"行政区划代码不存在 / unknown jurisdiction: {options['jurisdiction']}"
            )
        output = Path(options["output"])
        if not output.parent.exists():
            raise CommandError(f"目录不存在 / folder does not exist: {output.parent}")
        manifest = export_archive(
            jurisdiction=jurisdiction, output=output, generated_by=options["by"]
        )
        self.stdout.write(
            f"archive: {output}\ncases: {manifest['cases']}\nfiles: {len(manifest['files'])}\n"
            f"audit chain head: {manifest['audit_chain']['head']} (seq {manifest['audit_chain']['seq']})\n"
            f"manifest sha256: {manifest['manifest_sha256']}"
        )
