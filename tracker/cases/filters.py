"""The case list filter: one `q` search plus the fields the offices filter by.

Two things keep it cheap on every list request (docs/performance.md): the select boxes
render their options in Python (Django's per-option template includes cost more than the
whole case table), and the jurisdiction and department choices are read once per request and
validated from that list, not by one more query for the chosen value.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField, ModelChoiceIterator

from tracker.cases.forms import DateInput
from tracker.cases.registry import all_disposition_choices, get_kind, kind_choices
from tracker.cases.scoping import jurisdictions_for
from tracker.cases.withdrawals import filter_withdrawals, withdrawal_filter_choices
from tracker.cases.workflow import OPEN_STATUSES, Status
from tracker.models import Case, Department, Jurisdiction
from tracker.redflags import rules as redflags


class FastSelectMixin:
    """Render a select box in Python: the same HTML as Django's select templates, without a
    template include (and an attrs dict copy) per option."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        chosen = set(self.format_value(value))
        html = [format_html('<select name="{}"{}>', name, flatatt(final_attrs))]
        found = False
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                html.append(format_html('\n  <optgroup label="{}">', option_value))
                for sub_value, sub_label in option_label:
                    found = self._option(html, sub_value, sub_label, chosen, found)
                html.append("\n  </optgroup>")
            else:
                found = self._option(html, option_value, option_label, chosen, found)
        html.append("\n</select>")
        return mark_safe("".join(html))

    def _option(self, html: list, value, label, chosen: set, found: bool) -> bool:
        value = "" if value is None else str(value)
        selected = value in chosen and (self.allow_multiple_selected or not found)
        mark = " selected" if selected else ""
        html.append(
            f'\n  <option value="{escape(value)}"{mark}>{conditional_escape(label)}</option>'
        )
        return found or selected


class FastSelect(FastSelectMixin, forms.Select):
    pass


def _attrs_html(attrs: dict) -> str:
    """What django/forms/widgets/attrs.html writes, in the same order."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False
    )


def _input_html(widget: dict) -> str:
    """What django/forms/widgets/input.html writes for a widget's context."""
    value = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        value,
        mark_safe(_attrs_html(widget["attrs"])),
    )


class FastTextInput(forms.TextInput):
    """A text input rendered in Python: the same HTML as Django's template."""

    def render(self, name, value, attrs=None, renderer=None):
        return mark_safe(_input_html(self.get_context(name, value, attrs)["widget"]))


class FastRangeWidget(django_filters.widgets.RangeWidget):
    """django-filter's range widget (two inputs joined by "-") rendered in Python."""

    def render(self, name, value, attrs=None, renderer=None):
        subwidgets = self.get_context(name, value, attrs)["widget"]["subwidgets"]
        return mark_safe("-".join(_input_html(w) for w in subwidgets))


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


class _ReadOnceIterator(ModelChoiceIterator):
    """Choices from the field's objects, read with one query per form."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        label = self.field.label_from_instance
        for obj in self.field.objects():
            yield (obj.pk, label(obj))  # the option's value is the pk (rendered as text)

    def __len__(self):
        extra = (self.field.empty_label is not None) + (self.field.null_label is not None)
        return len(self.field.objects()) + extra

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.objects())


class ReadOnceModelChoiceField(ModelChoiceField):
    """A choice field over a short queryset (a jurisdiction subtree, one jurisdiction's
    departments): the options and the validation of the chosen value share one query."""

    iterator = _ReadOnceIterator

    def objects(self) -> list:
        cached = getattr(self, "_objects", None)
        if cached is None or cached[0] is not self.queryset:
            cached = (self.queryset, list(self.queryset))
            self._objects = cached
        return cached[1]

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._objects = None
        return result

    def to_python(self, value):
        if self.null_label is not None and value == self.null_value:
            return value
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        for obj in self.objects():
            if str(obj.pk) == str(value):
                return obj
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class ReadOnceModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ReadOnceModelChoiceField


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q", widget=FastTextInput)
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=kind_choices, widget=FastSelect)
    jurisdiction = ReadOnceModelChoiceFilter(
        label=_("行政区划"),
        queryset=Jurisdiction.objects.none(),
        method="filter_jurisdiction",
        widget=FastSelect,
    )
    department = ReadOnceModelChoiceFilter(
        label=_("责任部门"),
        queryset=Department.objects.none(),
        widget=FastSelect,
        distinct=False,  # a column of the case itself: no duplicates to remove
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("状态"),
        choices=Status.choices,
        widget=FastSelectMultiple(attrs={"size": 4}),
        distinct=False,  # no join here: DISTINCT would only make the count and page slower
    )
    disposition = django_filters.ChoiceFilter(
        label=_("处理决定"), choices=all_disposition_choices, widget=FastSelect
    )
    overdue = django_filters.BooleanFilter(
        label=_("逾期"),
        method="filter_overdue",
        widget=FastSelect(choices=[("", "---------"), ("true", _("是")), ("false", _("否"))]),
    )
    red_flag = django_filters.ChoiceFilter(
        label=_("红旗预警"),
        choices=redflags.filter_choices,
        method="filter_red_flag",
        widget=FastSelect,
    )
    withdrawal = django_filters.ChoiceFilter(
        label=_("撤回"),
        choices=withdrawal_filter_choices,
        method="filter_withdrawal",
        widget=FastSelect,
    )
    deadline = django_filters.DateFromToRangeFilter(
        label=_("完成时限"),
        widget=FastRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Case
        fields = ["q", "kind", "jurisdiction", "department", "status", "disposition", "overdue"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = jurisdictions_for(user)
        self.filters["jurisdiction"].queryset = scope.only("id", "code", "name", "path")
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
        self.filters["department"].queryset = dept_qs.only("id", "name", "jurisdiction_id")
        kind = self.data.get("kind") if self.data else None
        if kind in dict(kind_choices()):
            self.filters["disposition"].extra["choices"] = get_kind(kind).dispositions

    def is_filtering(self) -> bool:
        """Whether any condition narrows the list (valid and not empty)."""
        return (
            self.is_bound
            and self.is_valid()
            and any(v not in (None, "", [], ()) for v in self.form.cleaned_data.values())
        )

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

    def filter_red_flag(self, queryset, name, value: str):
        return redflags.cases_with_red_flags(queryset, value) if value else queryset

    def filter_withdrawal(self, queryset, name, value: str):
        return filter_withdrawals(queryset, value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        if value is True:
            return queryset.filter(status__in=OPEN_STATUSES, deadline__lt=today)
        if value is False:
            return queryset.exclude(status__in=OPEN_STATUSES, deadline__lt=today)
        return queryset


__all__ = ["CaseFilterSet", "DateInput", "FastSelect", "ReadOnceModelChoiceFilter"]
