"""The widgets rendered in Python write exactly what Django's templates write."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting

from csm.web.forms import FormRenderer


class Everything(forms.Form):
    text = forms.CharField(max_length=20, help_text="Help")
    email = forms.EmailField(required=False)
    number = forms.DecimalField(min_value=0, max_digits=6, decimal_places=2)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    secret = forms.CharField(widget=forms.PasswordInput)
    hidden = forms.CharField(widget=forms.HiddenInput)
    agree = forms.BooleanField(required=False)
    choice = forms.ChoiceField(choices=[("", "—"), ("a", "A & B"), ("Group", [("c", "<C>"), ("d", "D")])])
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    disabled = forms.CharField(disabled=True, required=False)


DATA = {
    "text": 'He said "hi" <b>',
    "email": "a@b.c",
    "number": "12.5",
    "day": "2026-01-02",
    "secret": "s3cret",
    "hidden": "h&v",
    "agree": "on",
    "choice": "c",
    "many": ["x", "y"],
    "notes": "line 1\nline <2>",
}


@pytest.mark.parametrize("bound", [True, False])
def test_python_widgets_match_django_templates(bound):
    ours = Everything(DATA if bound else None, initial={"day": datetime.date(2026, 3, 4), "notes": "x"})
    ours.renderer = FormRenderer()
    django = Everything(DATA if bound else None, initial={"day": datetime.date(2026, 3, 4), "notes": "x"})
    django.renderer = TemplatesSetting()
    if bound:
        ours.is_valid()
        django.is_valid()
    for name in ours.fields:
        assert str(ours[name]) == str(django[name]), name
