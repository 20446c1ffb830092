"""Import a spreadsheet of cases: a preview unless --commit; non-zero exit on any error."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tracker.cases.registry import kind_choices
from tracker.imports.services import (
    DUPLICATE_POLICIES,
    ImportOptions,
    ImportRefused,
    import_file,
    parse_accepted,
    parse_defaults,
)
from tracker.models import Jurisdiction, User


class Command(BaseCommand):
    help = "导入台账表格（XLSX 或 CSV）。默认只预览；加 --commit 才写入。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="XLSX 或 CSV 文件路径")
        parser.add_argument("--kind", required=True, choices=[k for k, _label in kind_choices()])
        parser.add_argument(
            "--jurisdiction", help="行政区划代码，例如 330102；不填时按文件标题中的行政区划名称"
        )
        parser.add_argument("--user", required=True, help="导入人用户名（改革办工作人员或管理员）")
        parser.add_argument("--commit", action="store_true", help="校验通过后写入数据库")
        parser.add_argument("--on-duplicate", choices=DUPLICATE_POLICIES, default="skip")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="列名=值",
            help="全文件默认值，列为空或表中没有该列时使用，例如 --set 收费类别=行政事业性收费",
        )
        parser.add_argument("--owner", help="全文件的责任人（用户名）")
        parser.add_argument(
            "--accept",
            action="append",
            default=[],
            metavar="行号:代码=理由",
            help="管理员确认一条警告，例如 --accept 5:credit_checksum=经核实为早期代码",
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("文件不存在：%(p)s") % {"p": path})
        jurisdiction = self._jurisdiction(options["jurisdiction"])
        user = self._user(options["user"])
        owner = self._user(options["owner"]) if options["owner"] else None
        try:
            defaults = parse_defaults(options["set"])
            accepted = parse_accepted(options["accept"], by=user)
        except ValueError as exc:
            raise CommandError(str(exc))
        try:
            report = import_file(
                path,
                kind=options["kind"],
                jurisdiction=jurisdiction,
                user=user,
                commit=options["commit"],
                on_duplicate=options["on_duplicate"],
                options=ImportOptions(defaults=defaults, owner=owner, accepted=accepted),
            )
        except (ImportRefused, PermissionDenied) as exc:
            raise CommandError(str(exc) or _("没有导入权限。"))
        self._write_counts(path, report)
        self._refuse_errors(report.errors)
        self._refuse_warnings(report.warnings)
        if report.committed:
            self.stdout.write(
                self.style.SUCCESS(_("已导入（批次 %(pk)d）。") % {"pk": report.batch.pk})
            )
        else:
            self.stdout.write(_("预览完成，没有错误。加 --commit 写入。"))

    def _jurisdiction(self, code: str | None) -> Jurisdiction | None:
        """The --jurisdiction given, or None to take it from the file's title."""
        if not code:
            return None
        jurisdiction = Jurisdiction.objects.filter(code=code).first()
        if jurisdiction is None:
            raise CommandError(_("行政区划代码不存在：%(c)s") % {"c": code})
        return jurisdiction

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("用户不存在：%(u)s") % {"u": username})
        return user

    def _write_counts(self, path: Path, report) -> None:
        counts = report.counts()
        self.stdout.write(
            _(
                "%(name)s：%(total)d 行；新建 %(create)d，更新 %(update)d，无变化 %(unchanged)d，"
                "跳过 %(skip)d，错误 %(error)d；重复 %(duplicates)d（%(policy)s）；%(seconds)s 秒"
            )
            % {**counts, "name": path.name, "policy": report.on_duplicate}
        )

    def _refuse_errors(self, errors: list[dict]) -> None:
        """Each error on stderr, then a refusal: nothing was written."""
        if errors:
            for error in errors:
                where = _("第 %(n)s 行") % {"n": error["row"]} if error["row"] else _("文件")
                column = f"［{error['column']}］" if error["column"] else ""
                self.stderr.write(f"{where}{column}：{error['message']}")
            raise CommandError(_("共 %(n)d 处错误，未写入任何数据。") % {"n": len(errors)})

    def _refuse_warnings(self, warnings: list[dict]) -> None:
        """Each warning awaiting an admin's --accept on stderr, then a refusal."""
        for warning in warnings:
            self.stderr.write(
                _("第 %(n)s 行［%(c)s］警告（%(code)s）：%(m)s")
                % {
                    "n": warning["row"],
                    "c": warning["column"],
                    "code": warning["code"],
                    "m": warning["message"],
                }
            )
        if warnings:
            raise CommandError(
                _("有 %(n)d 条警告待管理员确认（--accept 行号:代码=理由），未写入任何数据。")
                % {"n": len(warnings)}
            )
