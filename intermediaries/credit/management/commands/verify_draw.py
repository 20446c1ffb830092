"""Re-run a spot-check plan's draw from its revealed seed and frozen candidate lists."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from intermediaries.credit.models import SpotCheckPlan
from intermediaries.credit.selectors import verify_plan


class Command(BaseCommand):
    help = (
        "Verify a 双随机 draw: seed and candidate hashes as published, same firms and inspectors."
    )

    def add_arguments(self, parser):
        parser.add_argument("plan", type=int, help="the plan's id")

    def handle(self, *args, plan: int, **options):
        found = SpotCheckPlan.objects.filter(pk=plan).first()
        if found is None:
            raise CommandError(f"抽查计划 {plan} 不存在 / no plan {plan}")
        result = verify_plan(found)
        if not result.ok:
            raise CommandError("复核不通过 / draw does not verify: " + " ".join(result.problems))
        self.stdout.write(
            f"复核通过 / verified: plan {found.pk} seed sha256 {found.seed_sha256}, "
            f"{found.draws.count()} firms"
        )
