"""API representations. Request serializers only shape and type the body (unknown fields are
refused); the rules are the pages' forms and the services, which the views call."""

from __future__ import annotations

import datetime

from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tracker.cases.workflow import Status
from tracker.models import Case, Evidence, Milestone, Note


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know (a typo must not be silently ignored)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("请求内容须为 JSON 对象。")]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: [_("未知字段。")] for name in unknown})
        return super().to_internal_value(data)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message_zh = serializers.CharField()
    message_en = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def subject_data(case: Case) -> dict:
    """The subject's form fields as plain JSON values (ids for relations)."""
    subject = case.subject
    form_class = case.kind_spec.form_class
    if subject is None or form_class is None:
        return {}
    data = model_to_dict(subject, fields=list(form_class._meta.fields))
    out = {}
    for name, value in data.items():
        if isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        elif hasattr(value, "pk"):
            value = value.pk
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        out[name] = value
    return out


class CaseSerializer(serializers.ModelSerializer):
    """One case as the list shows it."""

    jurisdiction = serializers.CharField(source="jurisdiction.code", read_only=True)
    jurisdiction_name = serializers.CharField(source="jurisdiction.name", read_only=True)
    department = serializers.IntegerField(source="department_id", read_only=True, allow_null=True)
    department_name = serializers.SerializerMethodField()
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    owner_username = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    disposition = serializers.CharField(read_only=True, help_text="处理决定（未决定时为空）")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "reference",
            "kind",
            "title",
            "jurisdiction",
            "jurisdiction_name",
            "department",
            "department_name",
            "owner",
            "owner_username",
            "status",
            "status_label",
            "disposition",
            "registered_on",
            "deadline",
            "decision_doc_no",
            "decision_date",
            "version",
            "overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_department_name(self, case: Case) -> str:
        return case.department.name if case.department_id else ""

    def get_owner_username(self, case: Case) -> str:
        return case.owner.username if case.owner_id else ""

    def get_status_label(self, case: Case) -> str:
        return str(Status(case.status).label)

    def get_overdue(self, case: Case) -> bool:
        return case.is_overdue(timezone.localdate())


class MilestoneSerializer(serializers.ModelSerializer):
    evidence = serializers.IntegerField(source="evidence_id", read_only=True, allow_null=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "code",
            "name",
            "order",
            "required",
            "due_date",
            "done",
            "effective_date",
            "doc_no",
            "evidence",
            "comment",
            "recorded_at",
        ]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    milestone = serializers.IntegerField(source="milestone_id", read_only=True, allow_null=True)
    superseded_by = serializers.IntegerField(
        source="superseded_by_id", read_only=True, allow_null=True
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "title",
            "doc_no",
            "issuing_body",
            "effective_date",
            "milestone",
            "original_name",
            "size",
            "sha256",
            "uploaded_at",
            "superseded_by",
        ]
        read_only_fields = fields


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = Note
        fields = ["id", "kind", "text", "expected_date", "author", "created_at"]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    """One case with its subject, milestones and evidence."""

    subject = serializers.SerializerMethodField()
    milestones = MilestoneSerializer(many=True, read_only=True, source="api_milestones")
    evidence = EvidenceSerializer(many=True, read_only=True, source="api_evidence")

    class Meta(CaseSerializer.Meta):
        fields = CaseSerializer.Meta.fields + ["subject", "milestones", "evidence"]
        read_only_fields = fields

    def get_subject(self, case: Case) -> dict:
        return subject_data(case)


class CaseCreateSerializer(StrictSerializer):
    kind = serializers.CharField(max_length=10)
    jurisdiction = serializers.CharField(max_length=6, help_text="行政区划代码 / division code")
    department = serializers.IntegerField()
    owner = serializers.IntegerField(required=False, allow_null=True)
    registered_on = serializers.DateField(required=False)
    deadline = serializers.DateField(required=False)
    subject = serializers.DictField(help_text="该类别登记表的字段 / the kind's subject fields")
    reason = serializers.CharField(max_length=500)


class CaseUpdateSerializer(StrictSerializer):
    department = serializers.IntegerField(required=False)
    owner = serializers.IntegerField(required=False, allow_null=True)
    deadline = serializers.DateField(required=False)
    subject = serializers.DictField(required=False)
    reason = serializers.CharField(max_length=500)


class TransitionSerializer(StrictSerializer):
    to = serializers.ChoiceField(choices=Status.choices)
    reason = serializers.CharField(max_length=2000)
    disposition = serializers.CharField(max_length=40, required=False)
    decision_doc_no = serializers.CharField(max_length=100, required=False)
    decision_date = serializers.DateField(required=False)


class MilestoneCompleteSerializer(StrictSerializer):
    effective_date = serializers.DateField()
    doc_no = serializers.CharField(max_length=100, required=False, allow_blank=True)
    evidence = serializers.IntegerField(required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(max_length=500)


class EvidenceUploadSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    doc_no = serializers.CharField(max_length=100, required=False, allow_blank=True)
    issuing_body = serializers.CharField(max_length=100, required=False, allow_blank=True)
    effective_date = serializers.DateField(required=False)
    milestone = serializers.IntegerField(required=False)
    file = serializers.FileField(required=False)
    reason = serializers.CharField(max_length=500)


class NoteCreateSerializer(StrictSerializer):
    text = serializers.CharField(max_length=5000)


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    source = serializers.CharField()
    history_id = serializers.IntegerField()
    when = serializers.DateTimeField()
    user = serializers.SerializerMethodField()
    reason = serializers.CharField(allow_null=True)
    action = serializers.CharField()
    action_label = serializers.CharField()
    object_label = serializers.CharField()
    effective_date = serializers.DateField(allow_null=True)
    changes = ChangeSerializer(many=True)
    case = serializers.SerializerMethodField()

    def get_user(self, entry) -> str:
        return getattr(entry.user, "username", "") if entry.user else ""

    def get_case(self, entry) -> str:
        return entry.case.reference if entry.case is not None else ""


class TimelinePageSerializer(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True)
    page = serializers.IntegerField()
    next_page = serializers.IntegerField(allow_null=True)
    results = TimelineEntrySerializer(many=True)


class SubjectValueSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class CaseStateSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    case = CaseSerializer()
    subject = SubjectValueSerializer(many=True)
    milestones = MilestoneSerializer(many=True)
    evidence = EvidenceSerializer(many=True)


class RedFlagSerializer(serializers.Serializer):
    reference = serializers.CharField(source="case.reference")
    kind = serializers.CharField(source="case.kind")
    rule = serializers.CharField()
    label = serializers.CharField()
    until = serializers.DateField(allow_null=True)


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    jurisdiction_name = serializers.CharField(source="jurisdiction.name")
    month = serializers.DateField()
    issued_at = serializers.DateTimeField(allow_null=True)
    sha256 = serializers.CharField()
    chain_head = serializers.CharField()


class ReportDetailSerializer(ReportSerializer):
    figures = serializers.JSONField()
    narrative_progress = serializers.CharField()
    narrative_problems = serializers.CharField()
    narrative_next = serializers.CharField()


class CatalogueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    jurisdiction_name = serializers.CharField(source="jurisdiction.name")
    number = serializers.IntegerField()
    title = serializers.CharField()
    effective_date = serializers.DateField()
    published_at = serializers.DateTimeField()
    sha256 = serializers.CharField()
    change_note = serializers.CharField()


class CatalogueDetailSerializer(CatalogueSerializer):
    entries = serializers.JSONField()


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    active = serializers.BooleanField()
    description = serializers.CharField()
    created_at = serializers.DateTimeField()


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="签名密钥，仅显示这一次 / shown once")


class WebhookCreateSerializer(StrictSerializer):
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(child=serializers.CharField(max_length=50), min_length=1)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=500)


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uuid = serializers.UUIDField()
    event = serializers.CharField()
    state = serializers.CharField()
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    last_status = serializers.SerializerMethodField()

    def get_last_status(self, delivery) -> str:
        log = list(delivery.log.all())
        if not log:
            return ""
        last = log[-1]
        return str(last.status_code) if last.status_code else last.error[:200]
