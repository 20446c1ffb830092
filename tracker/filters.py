"""The case list filter: one `q` search plus the fields the offices filter by."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.forms import DateInput
from tracker.models import Case, Department, Jurisdiction
from tracker.registry import all_disposition_choices, get_kind, kind_choices
from tracker.scoping import jurisdictions_for
from tracker.workflow import OPEN_STATUSES, Status


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=kind_choices)
    jurisdiction = django_filters.ModelChoiceFilter(
        label=_("行政区划"), queryset=Jurisdiction.objects.none(), method="filter_jurisdiction"
    )
    department = django_filters.ModelChoiceFilter(
        label=_("责任部门"), queryset=Department.objects.none()
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("状态"), choices=Status.choices, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    disposition = django_filters.ChoiceFilter(label=_("处理决定"), choices=all_disposition_choices)
    overdue = django_filters.BooleanFilter(
        label=_("逾期"),
        method="filter_overdue",
        widget=forms.Select(choices=[("", "---------"), ("true", _("是")), ("false", _("否"))]),
    )
    deadline = django_filters.DateFromToRangeFilter(
        label=_("完成时限"),
        widget=django_filters.widgets.RangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Case
        fields = ["q", "kind", "jurisdiction", "department", "status", "disposition", "overdue"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = jurisdictions_for(user)
        self.filters["jurisdiction"].queryset = scope
        # Never render thousands of departments: only those of the chosen (or home) jurisdiction.
        chosen = self.data.get("jurisdiction") if self.data else None
        home = user.jurisdiction_id
        dept_qs = Department.objects.filter(jurisdiction__in=scope)
        if chosen and str(chosen).isdigit():
            dept_qs = dept_qs.filter(jurisdiction_id=int(chosen))
        elif home:
            dept_qs = dept_qs.filter(jurisdiction_id=home)
        else:
            dept_qs = dept_qs.none()
        self.filters["department"].queryset = dept_qs
        kind = self.data.get("kind") if self.data else None
        if kind in dict(kind_choices()):
            self.filters["disposition"].extra["choices"] = get_kind(kind).dispositions

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(reference__icontains=value) | Q(title__icontains=value))

    def filter_jurisdiction(self, queryset, name, value):
        """A jurisdiction filter includes its subtree (a city includes its counties)."""
        if not value:
            return queryset
        subtree = Jurisdiction.objects.filter(path__startswith=value.path).values("pk")
        return queryset.filter(jurisdiction__in=subtree)

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        if value is True:
            return queryset.filter(status__in=OPEN_STATUSES, deadline__lt=today)
        if value is False:
            return queryset.exclude(status__in=OPEN_STATUSES, deadline__lt=today)
        return queryset


__all__ = ["CaseFilterSet", "DateInput"]
