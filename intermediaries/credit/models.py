"""Credit and supervision of intermediary firms (中介机构诚信体系和监管体系).

Credit records (append-only, corrections supersede), versioned scoring rules, the abnormal and
black lists, random spot checks (双随机) and public complaints (投诉举报). Every model keeps
history (django-simple-history), so every row joins the audit chain; credit records and rule
versions are append-only in the database as well (see ``apps.CreditConfig.ready``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

BANDS = ("A", "B", "C", "D")


class AppendOnly(models.Model):
    """A row that is written once and never changed (a correction is a new row)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and type(self).objects.filter(pk=self.pk).exists():
            raise ValidationError(_("该记录只能新增，不能修改；如需更正，请新增一条更正记录。"))
        super().save(*args, **kwargs)


class RecordKind(models.Model):
    """One kind of credit record in the catalogue (行政处罚, 表彰, 抽查责令整改 ...) and its
    default score effect and validity."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    score_effect = models.IntegerField(
        _("默认分值影响"), help_text=_("负数扣分，正数加分；评分规则可按版本另行规定。")
    )
    default_validity_days = models.PositiveIntegerField(
        _("默认有效期（天）"), null=True, blank=True, help_text=_("留空表示长期有效。")
    )
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("信用记录类别")
        verbose_name_plural = _("信用记录类别")

    def __str__(self) -> str:
        return self.name


class RecordSource(models.TextChoices):
    DOCUMENT = "document", _("文书")
    CASE = "case", _("台账事项")
    SPOT_CHECK = "spot_check", _("双随机抽查")
    COMPLAINT = "complaint", _("投诉举报")
    RED_FLAG = "red_flag", _("红旗预警核实")


class CreditRecord(AppendOnly):
    """One dated, sourced event bearing on one firm's conduct. Never edited: a correction is a
    new record that supersedes it (``supersedes``), and a superseded record no longer counts."""

    firm = models.ForeignKey(
        "intermediaries.IntermediaryFirm",
        verbose_name=_("中介机构"),
        on_delete=models.PROTECT,
        related_name="credit_records",
    )
    # The firm's jurisdiction when the record was made: the scope it is read in.
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.ForeignKey(
        RecordKind, verbose_name=_("记录类别"), on_delete=models.PROTECT, related_name="records"
    )
    effective_date = models.DateField(_("生效日期"))
    expires_on = models.DateField(
        _("失效日期"), null=True, blank=True, help_text=_("自该日起不再计分；留空表示长期有效。")
    )
    source = models.CharField(_("来源"), max_length=20, choices=RecordSource.choices)
    doc_no = models.CharField(_("文号"), max_length=100, blank=True)
    source_case = models.ForeignKey(
        "tracker.Case",
        verbose_name=_("来源事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_draw = models.ForeignKey(
        "SpotCheckDraw",
        verbose_name=_("来源抽查"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_records",
    )
    source_complaint = models.ForeignKey(
        "Complaint",
        verbose_name=_("来源投诉"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_records",
    )
    evidence = models.TextField(_("证据材料"), blank=True)
    reason = models.TextField(_("录入理由"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_date", "-id"]
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")
        indexes = [models.Index(fields=["firm", "effective_date"], name="credit_record_firm_date")]

    def __str__(self) -> str:
        return f"{self.firm_id}:{self.kind_id}@{self.effective_date}"

    def clean(self) -> None:
        errors = {}
        if self.expires_on and self.effective_date and self.expires_on <= self.effective_date:
            errors["expires_on"] = _("失效日期必须晚于生效日期。")
        needed = {
            RecordSource.DOCUMENT: ("doc_no", "doc_no", _("文书来源的记录必须填写文号。")),
            RecordSource.CASE: ("source_case", "source_case_id", _("请选择来源事项。")),
            RecordSource.RED_FLAG: ("source_case", "source_case_id", _("请选择来源事项。")),
            RecordSource.SPOT_CHECK: ("source_draw", "source_draw_id", _("请选择来源抽查。")),
            RecordSource.COMPLAINT: (
                "source_complaint",
                "source_complaint_id",
                _("请选择来源投诉。"),
            ),
        }.get(self.source)
        if needed and not getattr(self, needed[1]):
            errors[needed[0]] = needed[2]
        if self.supersedes_id and self.supersedes.firm_id != self.firm_id:
            errors["supersedes"] = _("只能更正同一机构的记录。")
        if errors:
            raise ValidationError(errors)


class Decay(models.TextChoices):
    NONE = "none", _("有效期内全额计分")
    LINEAR = "linear", _("有效期内线性递减")


class ScoringRule(AppendOnly):
    """One published version of the scoring rule. Versions are never edited: a change is a new
    version in force from its date, so a grade as of an earlier date keeps the old rule."""

    version = models.PositiveIntegerField(_("版本号"), unique=True)
    name = models.CharField(_("名称"), max_length=200)
    doc_no = models.CharField(_("文号"), max_length=100)
    effective_from = models.DateField(_("施行日期"))
    base_score = models.IntegerField(_("基础分"), default=100)
    # {record kind code: points}; a kind not named counts its catalogue default.
    points = models.JSONField(_("各类记录分值"), default=dict, blank=True)
    decay = models.CharField(
        _("计分方式"), max_length=10, choices=Decay.choices, default=Decay.NONE
    )
    # [{"band": "A", "min": 90, "max": null}, ...]: min inclusive, max exclusive, null unbounded.
    bands = models.JSONField(_("等级区间"))
    abnormal_below = models.IntegerField(
        _("列入经营异常名录分数线"), null=True, blank=True, help_text=_("得分低于此线列入。")
    )
    black_below = models.IntegerField(
        _("列入黑名单分数线"), null=True, blank=True, help_text=_("得分低于此线列入。")
    )
    abnormal_kinds = models.JSONField(_("直接列入经营异常名录的记录类别"), default=list, blank=True)
    black_kinds = models.JSONField(_("直接列入黑名单的记录类别"), default=list, blank=True)
    repair_days = models.PositiveIntegerField(_("信用修复期（天）"), default=365)
    reason = models.TextField(_("修订说明"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("信用评分规则")
        verbose_name_plural = _("信用评分规则")

    def __str__(self) -> str:
        return f"v{self.version} {self.name}（{self.doc_no}）"

    def clean(self) -> None:
        from intermediaries.credit.scoring import band_problems

        errors = {}
        problems = band_problems(self.bands)
        if problems:
            errors["bands"] = problems
        if not (self.doc_no or "").strip():
            errors["doc_no"] = _("修订评分规则必须填写文号。")
        known = set(RecordKind.objects.values_list("code", flat=True))
        unknown = sorted(
            {*(self.points or {}), *(self.abnormal_kinds or []), *(self.black_kinds or [])} - known
        )
        if unknown:
            errors["points"] = _("未知的记录类别：%(codes)s") % {"codes": "、".join(unknown)}
        for value in (self.points or {}).values():
            if not isinstance(value, int):
                errors["points"] = _("分值必须是整数。")
        if (
            self.abnormal_below is not None
            and self.black_below is not None
            and self.black_below > self.abnormal_below
        ):
            errors["black_below"] = _("黑名单分数线不能高于经营异常名录分数线。")
        if errors:
            raise ValidationError(errors)

    def points_for(self, kind: RecordKind) -> int:
        return int((self.points or {}).get(kind.code, kind.score_effect))


class ListType(models.TextChoices):
    ABNORMAL = "abnormal", _("经营异常名录")
    BLACK = "black", _("黑名单")


class EntryBasis(models.TextChoices):
    RULE_SCORE = "rule_score", _("按规则：得分低于分数线")
    RULE_KIND = "rule_kind", _("按规则：存在规定类别的记录")
    DECISION = "decision", _("按决定")


class ExitBasis(models.TextChoices):
    REPAIR = "repair", _("信用修复期满")
    APPEAL = "appeal", _("申诉（复议）成立")
    DECISION = "decision", _("决定移出")


class ListEntry(models.Model):
    """One firm's stay on the abnormal list or the black list: entry with a decision, the notice
    to the firm, and exit (移出) after the repair period or on appeal, again with a decision."""

    firm = models.ForeignKey(
        "intermediaries.IntermediaryFirm",
        verbose_name=_("中介机构"),
        on_delete=models.PROTECT,
        related_name="list_entries",
    )
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    list_type = models.CharField(_("名单"), max_length=10, choices=ListType.choices)
    basis = models.CharField(_("列入依据"), max_length=12, choices=EntryBasis.choices)
    rule = models.ForeignKey(
        ScoringRule,
        verbose_name=_("适用规则版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    trigger_record = models.ForeignKey(
        CreditRecord,
        verbose_name=_("触发记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_no = models.CharField(_("列入决定文号"), max_length=100)
    decision_date = models.DateField(_("列入日期"))
    reason = models.TextField(_("列入事由"))
    evidence = models.TextField(_("证据材料"))
    repair_until = models.DateField(_("信用修复期满日"))
    notice_date = models.DateField(_("告知日期"), null=True, blank=True)
    notice_method = models.CharField(_("告知方式及回执"), max_length=200, blank=True)
    exited_on = models.DateField(_("移出日期"), null=True, blank=True)
    exit_basis = models.CharField(
        _("移出依据"), max_length=10, choices=ExitBasis.choices, blank=True
    )
    exit_decision_no = models.CharField(_("移出决定文号"), max_length=100, blank=True)
    exit_reason = models.TextField(_("移出理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decision_date", "-id"]
        verbose_name = _("名单记录")
        verbose_name_plural = _("名单记录")
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "list_type"],
                condition=models.Q(exited_on__isnull=True),
                name="credit_one_open_entry_per_list",
            )
        ]

    def __str__(self) -> str:
        return f"{self.firm_id} {self.get_list_type_display()} {self.decision_no}"

    def on_list(self, day: datetime.date) -> bool:
        return self.decision_date <= day and (self.exited_on is None or self.exited_on > day)


class InspectorLink(models.Model):
    """Where an inspector works and who they are in the officials' register, so that a draw
    never sends them to a firm they are linked to (same department, an official's post)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检查人员"),
        on_delete=models.PROTECT,
        related_name="credit_link",
    )
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "tracker.Department",
        verbose_name=_("所在部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person_ref = models.CharField(_("人员内部编号"), max_length=40, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("检查人员关联")
        verbose_name_plural = _("检查人员关联")

    def __str__(self) -> str:
        return str(self.user)


class CandidateScope(models.TextChoices):
    ALL = "all", _("全部在册机构")
    CATEGORY = "category", _("按服务类别")
    JURISDICTION = "jurisdiction", _("按行政区划")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    COMMITTED = "committed", _("已公布随机种子摘要")
    DRAWN = "drawn", _("已抽取")


class SpotCheckPlan(models.Model):
    """One 双随机 plan: which firms may be drawn, how many, which inspectors, in what period.

    At commit the candidate lists are frozen and the SHA-256 of a fresh seed is published;
    the draw then reveals the seed, and anyone can re-run it (``verify_draw``)."""

    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("组织单位所在区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("计划名称"), max_length=200)
    doc_no = models.CharField(_("文号"), max_length=100, blank=True)
    scope = models.CharField(_("抽查对象范围"), max_length=15, choices=CandidateScope.choices)
    category = models.CharField(_("服务类别"), max_length=100, blank=True)
    target_jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("抽查区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    firm_count = models.PositiveIntegerField(_("抽取机构数"))
    inspectors_per_firm = models.PositiveIntegerField(_("每户检查人员数"), default=2)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人员库"), related_name="+", blank=True
    )
    period_start = models.DateField(_("检查开始日期"))
    period_end = models.DateField(_("检查截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    seed_sha256 = models.CharField(_("随机种子 SHA-256"), max_length=64, blank=True)
    seed = models.CharField(_("随机种子"), max_length=64, blank=True)
    # {"firms": [ids], "inspectors": [ids], "excluded": {"firm id": [inspector ids]}}
    candidates = models.JSONField(_("冻结的候选名单"), default=dict, blank=True)
    candidates_sha256 = models.CharField(_("候选名单 SHA-256"), max_length=64, blank=True)
    committed_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[inspectors])

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("双随机抽查计划")
        verbose_name_plural = _("双随机抽查计划")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("检查截止日期不能早于开始日期。")
        if self.scope == CandidateScope.CATEGORY and not self.category.strip():
            errors["category"] = _("按服务类别抽查时请填写类别。")
        if self.scope == CandidateScope.JURISDICTION and not self.target_jurisdiction_id:
            errors["target_jurisdiction"] = _("按行政区划抽查时请选择区划。")
        if self.firm_count is not None and self.firm_count < 1:
            errors["firm_count"] = _("抽取机构数至少为 1。")
        if self.inspectors_per_firm is not None and self.inspectors_per_firm < 1:
            errors["inspectors_per_firm"] = _("每户检查人员数至少为 1。")
        if errors:
            raise ValidationError(errors)


class CheckResult(models.TextChoices):
    PASSED = "passed", _("合格")
    RECTIFY = "rectify", _("责令整改")
    REFERRED = "referred", _("移交")


class SpotCheckDraw(models.Model):
    """One firm drawn by a plan, the inspectors drawn for it, and the check's result."""

    plan = models.ForeignKey(SpotCheckPlan, on_delete=models.PROTECT, related_name="draws")
    position = models.PositiveIntegerField(_("抽取顺序"))
    firm = models.ForeignKey(
        "intermediaries.IntermediaryFirm",
        verbose_name=_("中介机构"),
        on_delete=models.PROTECT,
        related_name="spot_checks",
    )
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspector_ids = models.JSONField(_("抽取的检查人员"), default=list)
    result = models.CharField(_("检查结果"), max_length=10, choices=CheckResult.choices, blank=True)
    result_date = models.DateField(_("检查日期"), null=True, blank=True)
    result_doc_no = models.CharField(_("文号"), max_length=100, blank=True)
    evidence = models.TextField(_("证据材料"), blank=True)
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position"]
        verbose_name = _("抽查对象")
        verbose_name_plural = _("抽查对象")
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="credit_draw_position"),
            models.UniqueConstraint(fields=["plan", "firm"], name="credit_draw_firm_once"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}#{self.position}"

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return not self.result and self.plan.period_end < today


class ComplaintSubject(models.TextChoices):
    ITEM = "item", _("中介服务事项")
    FEE = "fee", _("收费项目")
    FIRM = "firm", _("中介机构")
    OTHER = "other", _("其他")


class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已受理，待核查")
    SUBSTANTIATED = "substantiated", _("经核查属实")
    NOT_SUBSTANTIATED = "not_substantiated", _("经核查不属实")
    OUT_OF_SCOPE = "out_of_scope", _("不属于受理范围")


class Complaint(models.Model):
    """One public complaint or report (投诉举报), answered within a deadline. The complainant
    sees it by its tracking code only: status and the published reply, nothing else."""

    tracking_code = models.CharField(_("查询码"), max_length=20, unique=True, editable=False)
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("被投诉地区"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_type = models.CharField(
        _("投诉对象类别"), max_length=10, choices=ComplaintSubject.choices
    )
    subject_text = models.CharField(_("投诉对象名称"), max_length=200)
    item = models.ForeignKey(
        "intermediaries.IntermediaryItem",
        verbose_name=_("中介服务事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fee = models.ForeignKey(
        "fees.FeeItem",
        verbose_name=_("收费项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    firm = models.ForeignKey(
        "intermediaries.IntermediaryFirm",
        verbose_name=_("中介机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    description = models.TextField(_("反映的问题"))
    happened_on = models.DateField(_("发生时间"), null=True, blank=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    due_date = models.DateField(_("答复期限"))
    status = models.CharField(
        _("办理状态"),
        max_length=20,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.SUBMITTED,
    )
    reply = models.TextField(_("答复内容"), blank=True)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    linked_case = models.ForeignKey(
        "tracker.Case",
        verbose_name=_("关联事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        indexes = [models.Index(fields=["jurisdiction", "status"], name="credit_complaint_scope")]

    def __str__(self) -> str:
        return self.tracking_code

    def is_open(self) -> bool:
        return self.status == ComplaintStatus.SUBMITTED

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open() and self.due_date < (today or timezone.localdate())
