"""manage.py send_reminders: the daily deadline reminders and overdue digests (run from cron).

In production (DEBUG off) it refuses to run when the e-mail settings cannot deliver mail,
naming the environment variables to set; ``--in-app-only`` records notifications without
e-mail. Exit status 1 when any e-mail failed (the failed ones are retried on a re-run).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tracker.audit.witness import Source, witness_head
from tracker.deadlines.reminders import reminders_send
from tracker.redflags import rules as redflags

SMTP = "django.core.mail.backends.smtp.EmailBackend"
FILE = "django.core.mail.backends.filebased.EmailBackend"
UNDELIVERABLE = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


def email_settings_problems() -> list[str]:
    """Why the e-mail settings cannot deliver reminders in production (empty when they can)."""
    if getattr(settings, "DEBUG", False):
        return []
    problems = []
    backend = getattr(settings, "EMAIL_BACKEND", "") or ""
    if backend in UNDELIVERABLE:
        problems.append(
            _(
                "EMAIL_BACKEND 为“%(b)s”，邮件不会送达：请设置环境变量 DJANGO_EMAIL_BACKEND=%(smtp)s。"
            )
            % {"b": backend, "smtp": SMTP}
        )
    if backend == SMTP and not (getattr(settings, "EMAIL_HOST", "") or "").strip():
        problems.append(
            _(
                "未设置邮件服务器：请设置环境变量 DJANGO_EMAIL_HOST（及 DJANGO_EMAIL_PORT、DJANGO_EMAIL_HOST_USER、DJANGO_EMAIL_HOST_PASSWORD、DJANGO_EMAIL_USE_TLS）。"
            )
        )
    if getattr(settings, "EMAIL_USE_TLS", False) and getattr(settings, "EMAIL_USE_SSL", False):
        problems.append(
            _("DJANGO_EMAIL_USE_TLS 与 DJANGO_EMAIL_USE_SSL 不能同时开启，请只保留一个。")
        )
    if backend == FILE and not getattr(settings, "EMAIL_FILE_PATH", None):
        problems.append(_("文件邮件后端需要设置环境变量 DJANGO_EMAIL_FILE_PATH（邮件保存目录）。"))
    sender = (getattr(settings, "DEFAULT_FROM_EMAIL", "") or "").strip()
    if not sender or sender.lower().endswith("@localhost"):
        problems.append(
            _("未设置发件地址：请设置环境变量 DJANGO_DEFAULT_FROM_EMAIL（当前为“%(s)s”）。")
            % {"s": sender}
        )
    return problems


class Command(BaseCommand):
    help = (
        "Daily: remind case owners of cases and milestones due within 30/7/1 days, ask owners "
        "of overdue cases for an explanation, and send reform admins an overdue digest. "
        "Idempotent: running it twice on one day sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be sent; write nothing"
        )
        parser.add_argument(
            "--in-app-only",
            action="store_true",
            help="record in-app notifications only; send no e-mail",
        )

    def handle(self, *args, **options):
        email = not options["in_app_only"]
        if email and not options["dry_run"]:
            problems = email_settings_problems()
            if problems:
                raise CommandError(
                    _("邮件设置不完整，未发送任何提醒（生产环境）：")
                    + "\n"
                    + "\n".join(f"- {p}" for p in problems)
                    + "\n"
                    + _("如只需站内通知，可使用 --in-app-only。")
                )
        run = reminders_send(email=email, dry_run=options["dry_run"])
        prefix = "[dry run] " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{run.day}: {run.due} reminders due, {run.created} new notifications, "
            f"{run.emails_sent} e-mails sent ({run.notifications_emailed} notifications), "
            f"{run.opted_out} recipients without e-mail"
        )
        if not options["dry_run"]:
            # The day's first dashboard should not pay for a night's changes (tracker.redflags.rules).
            links = redflags.sync()
            self.stdout.write(f"red flags brought up to date ({links} new audit links read)")
            witness_head(Source.REMINDERS, f"send_reminders {run.day}")
        if run.failures:
            for failure in run.failures:
                self.stderr.write(f"e-mail failed: {failure}")
            raise CommandError(
                _("%(n)d 封邮件发送失败，重新运行本命令将重试。") % {"n": len(run.failures)},
                returncode=1,
            )
