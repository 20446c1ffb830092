"""Core models: jurisdictions, departments, users, cases, milestones, evidence and notes.

The case queryset lives in ``tracker.cases.querysets`` and is re-exported here."""

from __future__ import annotations

import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.cases.querysets import CaseQuerySet
from tracker.cases.registry import all_disposition_choices, get_kind, kind_choices
from tracker.cases.validators import validate_division_code
from tracker.cases.workflow import OPEN_STATUSES, Role, Status


class Jurisdiction(models.Model):
    """One administrative division (GB/T 2260): the province, a city, or a county/district."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县")
        DISTRICT = "district", _("区")

    code = models.CharField(
        _("行政区划代码"), max_length=6, unique=True, validators=[validate_division_code]
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes ("/330000/330100/330102/") for subtree scoping.
    path = models.CharField(_("路径"), max_length=200, db_index=True, editable=False, blank=True)
    valid_from = models.DateField(_("启用日期"), null=True, blank=True)
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)
    predecessor_code = models.CharField(_("原代码"), max_length=6, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.path = (self.parent.path if self.parent else "/") + f"{self.code}/"
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("上级不能是自己。")})
        if self.parent and self.pk and f"/{self.code}/" in (self.parent.path or ""):
            raise ValidationError({"parent": _("上级不能是自己的下级。")})


class Department(models.Model):
    """One government department (approving or supervising agency) in a jurisdiction."""

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    name = models.CharField(_("部门名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    code = models.CharField(_("部门代码"), max_length=30, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["jurisdiction__code", "name"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in, with one role and a home jurisdiction that bounds their scope."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("所属行政区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    email_reminders = models.BooleanField(_("接收邮件提醒"), default=True)
    can_sign_reports = models.BooleanField(
        _("可签发月报"),
        default=False,
        help_text=_("领导（查看角色）或改革办管理员可被授予签发月报；工作人员不能签发。"),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    @property
    def is_editor(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_reform_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_inspector(self) -> bool:
        return self.role == Role.INSPECTOR


def end_of_year(day: datetime.date | None = None) -> datetime.date:
    day = day or timezone.localdate()
    return datetime.date(day.year, 12, 31)


class Case(models.Model):
    """One piece of clean-up work on one register entry (item, firm, official's post or fee)."""

    reference = models.CharField(_("编号"), max_length=40, unique=True, editable=False)
    kind = models.CharField(_("类别"), max_length=10, choices=kind_choices, db_index=True)
    title = models.CharField(_("名称"), max_length=300)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="cases"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    disposition = models.CharField(
        _("处理决定"), max_length=40, blank=True, choices=all_disposition_choices
    )
    registered_on = models.DateField(_("登记日期"), default=timezone.localdate)
    deadline = models.DateField(_("完成时限"), default=end_of_year)
    decision_doc_no = models.CharField(_("决定文号"), max_length=100, blank=True)
    decision_date = models.DateField(_("决定日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("台账事项")
        verbose_name_plural = _("台账事项")
        indexes = [
            models.Index(fields=["jurisdiction", "status"], name="case_juris_status"),
            models.Index(fields=["status", "deadline"], name="case_status_deadline"),
            models.Index(fields=["department"], name="case_department"),
            models.Index(
                fields=["kind", "status", "jurisdiction", "deadline"], name="case_kind_status_scope"
            ),
            # Covers the dashboard's counts per jurisdiction x kind x status x disposition (and
            # overdue): read from the index alone, already in GROUP BY order.
            models.Index(
                fields=["jurisdiction", "kind", "status", "disposition", "deadline"],
                name="case_chart_index",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def kind_spec(self):
        return get_kind(self.kind)

    @property
    def subject(self):
        return getattr(self, self.kind_spec.subject_related_name, None)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.deadline < today

    def days_overdue(self, today: datetime.date | None = None) -> int:
        today = today or timezone.localdate()
        return max(0, (today - self.deadline).days) if self.is_open else 0

    def disposition_label(self) -> str:
        return self.kind_spec.disposition_label(self.disposition)

    def clean(self) -> None:
        errors = {}
        if self.deadline and self.registered_on and self.deadline < self.registered_on:
            errors["deadline"] = _("完成时限不能早于登记日期。")
        if self.decision_date and self.decision_date > timezone.localdate():
            errors["decision_date"] = _("决定日期不能晚于今天。")
        if self.disposition and self.kind:
            allowed = {v for v, _label in get_kind(self.kind).dispositions}
            if self.disposition not in allowed:
                errors["disposition"] = _("该类别不适用此处理决定。")
        if self.department_id and self.jurisdiction_id:
            if self.department.jurisdiction_id != self.jurisdiction_id:
                errors["department"] = _("责任部门必须属于本行政区划。")
        if errors:
            raise ValidationError(errors)


class ReferenceCounter(models.Model):
    """The last sequence number issued for one reference prefix (jurisdiction-kind-year)."""

    prefix = models.CharField(max_length=30, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class Milestone(models.Model):
    """One step of a case's milestone template, with when it really happened and on what basis."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="milestones")
    code = models.CharField(_("代码"), max_length=40)
    name = models.CharField(_("节点"), max_length=100)
    order = models.PositiveSmallIntegerField(_("顺序"))
    required = models.BooleanField(_("必需"), default=True)
    due_date = models.DateField(_("计划完成日期"), null=True, blank=True)
    done = models.BooleanField(_("已完成"), default=False)
    effective_date = models.DateField(_("实际完成日期"), null=True, blank=True)
    doc_no = models.CharField(_("文号"), max_length=100, blank=True)
    evidence = models.ForeignKey(
        "Evidence",
        verbose_name=_("佐证材料"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "order"]
        verbose_name = _("进度节点")
        verbose_name_plural = _("进度节点")
        constraints = [
            models.UniqueConstraint(fields=["case", "code"], name="milestone_unique_code"),
            models.CheckConstraint(
                condition=Q(done=False) | Q(effective_date__isnull=False),
                name="milestone_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return not self.done and self.due_date is not None and self.due_date < today


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    """Generated storage names: never the uploader's file name."""
    suffix = PurePath(filename).suffix.lower()[:10]
    today = timezone.localdate()
    return f"evidence/{today:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """One supporting document (佐证材料) for a case or milestone; superseded, never deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("进度节点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence_files",
    )
    title = models.CharField(_("材料名称"), max_length=200)
    doc_no = models.CharField(_("文号"), max_length=100, blank=True)
    issuing_body = models.CharField(_("发文单位"), max_length=100, blank=True)
    effective_date = models.DateField(_("成文/生效日期"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to=evidence_upload_to, max_length=200, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("被替换为"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    superseded_reason = models.TextField(_("替换原因"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return self.title


class Note(models.Model):
    """One append-only remark on a case (a working note or an overdue explanation)."""

    class Kind(models.TextChoices):
        NOTE = "note", _("备注")
        OVERDUE = "overdue", _("逾期说明")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField(_("内容"))
    expected_date = models.DateField(_("预计完成日期"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填写人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("填写时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("备注")
        verbose_name_plural = _("备注")

    def __str__(self) -> str:
        return self.text[:50]
