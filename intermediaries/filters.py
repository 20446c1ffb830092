"""The firm register's filters (the list page's form; the view only binds it)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from intermediaries.models import AffiliationType, IntermediaryFirm
from tracker.cases.scoping import jurisdictions_for

LegalForm = IntermediaryFirm.LegalForm

YES_NO = [("", "---------"), ("true", _("是")), ("false", _("否"))]


class FirmFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（名称或信用代码）"), method="filter_q")
    legal_form = django_filters.ChoiceFilter(label=_("机构类型"), choices=LegalForm.choices)
    affiliation_type = django_filters.ChoiceFilter(
        label=_("挂靠关系"), choices=AffiliationType.choices
    )
    jurisdiction = django_filters.ModelChoiceFilter(label=_("行政区划"), queryset=None)
    on_dishonesty_list = django_filters.BooleanFilter(
        label=_("列入失信名单"), widget=django_filters.widgets.BooleanWidget()
    )

    class Meta:
        model = IntermediaryFirm
        fields = ["q", "legal_form", "affiliation_type", "jurisdiction", "on_dishonesty_list"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset=queryset, request=request, prefix=prefix)
        # Only the places the user sees are offered (the queryset is scoped already).
        self.filters["jurisdiction"].queryset = jurisdictions_for(user).order_by("path")
        self.form.fields["on_dishonesty_list"].widget.choices = YES_NO

    def filter_q(self, queryset, name, value: str):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__icontains=value.upper()))
