"""Forms of the history pages, the audit log, the read log and the inspector workspace."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tracker.audit import timeline
from tracker.audit.selectors import AccessFilters, users_in_scope
from tracker.cases.forms import DateInput, IdNumberFreeFormMixin
from tracker.cases.registry import kind_choices
from tracker.cases.scoping import jurisdictions_for
from tracker.models import AccessLog, CaseFlag, Department, Jurisdiction, User

EMPTY = [("", "---------")]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = str(obj)
        return name if name == obj.username else f"{name}（{obj.username}）"


class TimelineFilterForm(forms.Form):
    """Filters of a case timeline: the kind of change and who made it."""

    action = forms.ChoiceField(label=_("变更类型"), required=False)
    user = forms.TypedChoiceField(label=_("操作人"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, users: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = EMPTY + list(timeline.ACTIONS)
        label = UserChoiceField.label_from_instance
        self.fields["user"].choices = EMPTY + [(u.pk, label(None, u)) for u in users]


class DateRangeMixin:
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data


class AuditFilterForm(DateRangeMixin, forms.Form):
    """Filters of the global audit log; every choice is limited to the viewer's scope."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    user = UserChoiceField(label=_("操作人"), queryset=User.objects.none(), required=False)
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())
    kind = forms.ChoiceField(label=_("类别"), required=False)
    jurisdiction = forms.ModelChoiceField(
        label=_("行政区划"), queryset=Jurisdiction.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("责任部门"), queryset=Department.objects.none(), required=False
    )
    action = forms.ChoiceField(label=_("操作"), required=False)

    def __init__(self, *args, viewer: User, **kwargs):
        super().__init__(*args, **kwargs)
        scope = jurisdictions_for(viewer)
        self.fields["user"].queryset = users_in_scope(viewer)
        self.fields["kind"].choices = EMPTY + list(kind_choices())
        self.fields["jurisdiction"].queryset = scope
        self.fields["action"].choices = EMPTY + list(timeline.ACTIONS)
        # Only the departments of the chosen (or home) jurisdiction, never thousands.
        chosen = self.data.get("jurisdiction") if self.is_bound else None
        depts = Department.objects.filter(jurisdiction__in=scope).select_related("jurisdiction")
        if chosen and str(chosen).isdigit():
            depts = depts.filter(jurisdiction_id=int(chosen))
        elif viewer.jurisdiction_id:
            depts = depts.filter(jurisdiction_id=viewer.jurisdiction_id)
        else:
            depts = depts.none()
        self.fields["department"].queryset = depts.order_by("name")

    def filters(self) -> timeline.AuditFilters:
        """The valid filters (call after is_valid(); invalid ones are left out)."""
        data = getattr(self, "cleaned_data", {})
        return timeline.AuditFilters(
            user=data.get("user"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            kind=data.get("kind") or "",
            jurisdiction=data.get("jurisdiction"),
            department=data.get("department"),
            action=data.get("action") or "",
            text=data.get("q") or "",
        )


class AccessLogFilterForm(DateRangeMixin, forms.Form):
    """Filters of the read log."""

    reference = forms.CharField(label=_("编号"), required=False, max_length=60)
    user = UserChoiceField(label=_("用户"), queryset=User.objects.none(), required=False)
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())
    action = forms.ChoiceField(label=_("操作"), required=False)
    target = forms.CharField(label=_("对象"), required=False, max_length=100)

    def __init__(self, *args, viewer: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users_in_scope(viewer)
        self.fields["action"].choices = EMPTY + list(AccessLog.Action.choices)

    def filters(self) -> AccessFilters:
        data = getattr(self, "cleaned_data", {})
        return AccessFilters(
            user=data.get("user"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            action=data.get("action") or "",
            target=data.get("target") or "",
            reference=data.get("reference") or "",
        )


class InspectionNoteForm(IdNumberFreeFormMixin, forms.Form):
    text = forms.CharField(
        label=_("检查意见"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FlagForm(IdNumberFreeFormMixin, forms.Form):
    flag_type = forms.ChoiceField(label=_("标记类型"), choices=CaseFlag.FlagType.choices)
    description = forms.CharField(
        label=_("说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FlagResolveForm(IdNumberFreeFormMixin, forms.Form):
    resolution = forms.CharField(
        label=_("处理说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewMarkForm(forms.Form):
    """ "Reviewed up to here": a timeline point, or nothing for everything so far."""

    point = forms.CharField(required=False, max_length=80)
