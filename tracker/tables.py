"""The case table: the same columns on every list, sortable, exportable."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tracker.models import Case
from tracker.workflow import OPEN_STATUSES


class CaseTable(tables.Table):
    reference = tables.Column(verbose_name=_("编号"), linkify=False)
    title = tables.Column(verbose_name=_("名称"), attrs={"td": {"class": "wrap"}})
    kind = tables.Column(verbose_name=_("类别"))
    jurisdiction = tables.Column(verbose_name=_("行政区划"), order_by=("jurisdiction__code",))
    department = tables.Column(verbose_name=_("责任部门"), order_by=("department__name",))
    status = tables.Column(verbose_name=_("状态"))
    disposition = tables.Column(verbose_name=_("处理决定"), orderable=False)
    deadline = tables.Column(verbose_name=_("完成时限"))
    owner = tables.Column(verbose_name=_("责任人"), order_by=("owner__username",))

    class Meta:
        model = Case
        fields = (
            "reference",
            "title",
            "kind",
            "jurisdiction",
            "department",
            "status",
            "disposition",
            "deadline",
            "owner",
        )
        order_by = ("-id",)
        attrs = {"class": "table cases"}
        empty_text = _("没有符合条件的事项。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()

    def render_reference(self, value, record):
        url = reverse("tracker:case_detail", args=[record.reference])
        return format_html('<a href="{}">{}</a>', url, value)

    def render_status(self, value, record):
        return format_html(
            '<span class="badge status-{}">{}</span>', record.status, record.get_status_display()
        )

    def render_disposition(self, value, record):
        return record.disposition_label()

    def render_deadline(self, value, record):
        if record.status in OPEN_STATUSES and value < self.today:
            days = (self.today - value).days
            return format_html(
                '{} <span class="badge overdue">{}</span>',
                value.isoformat(),
                _("逾期%(d)d天") % {"d": days},
            )
        return value.isoformat()

    def value_disposition(self, value, record):
        return record.disposition_label()

    def value_status(self, value, record):
        return record.get_status_display()

    def value_deadline(self, value, record):
        return value.isoformat()
