"""The list filter's widgets rendered in Python write the same HTML as Django's (and
django-filter's) templates for the same name, value and attributes (the same elements,
attributes, values and text; compared as Django's assertHTMLEqual compares)."""

from __future__ import annotations

import django_filters
import pytest
from django import forms
from django.test.html import parse_html

from tracker.cases.filters import FastRangeWidget, FastSelect, FastSelectMultiple, FastTextInput

CHOICES = [("", "---------"), ("a", "甲 <区>"), ("b", 'B "quoted"'), (3, "三")]


@pytest.mark.parametrize("value", [None, "", "a", "b", 3, "missing"])
def test_select(value):
    attrs = {"id": "id_x", "class": "wide", "required": True, "disabled": False}
    ours = FastSelect(choices=CHOICES).render("x", value, attrs)
    django = forms.Select(choices=CHOICES).render("x", value, attrs)
    assert parse_html(str(ours)) == parse_html(str(django))


@pytest.mark.parametrize("value", [None, [], ["a"], ["a", 3]])
def test_select_multiple(value):
    attrs = {"id": "id_s", "size": 4}
    ours = FastSelectMultiple(choices=CHOICES).render("s", value, attrs)
    django = forms.SelectMultiple(choices=CHOICES).render("s", value, attrs)
    assert parse_html(str(ours)) == parse_html(str(django))


@pytest.mark.parametrize("value", [None, "", "收费 <b>", 'a "b" & c', 12])
def test_text_input(value):
    attrs = {"id": "id_q", "placeholder": "编号或名称", "autofocus": True, "readonly": False}
    ours = FastTextInput().render("q", value, attrs)
    django = forms.TextInput().render("q", value, attrs)
    assert parse_html(str(ours)) == parse_html(str(django))


@pytest.mark.parametrize("value", [None, ["2026-01-01", None], ["2026-01-01", "2026-12-31"]])
def test_range(value):
    attrs = {"id": "id_deadline"}
    ours = FastRangeWidget(attrs={"type": "date"}).render("deadline", value, attrs)
    django = django_filters.widgets.RangeWidget(attrs={"type": "date"}).render(
        "deadline", value, attrs
    )
    assert parse_html(str(ours)) == parse_html(str(django))
