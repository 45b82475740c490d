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
    kind = forms.ChoiceField(choices=[("note", "Note"), ("call", "Call & <talk>")], widget=forms.RadioSelect)
    grouped = forms.ChoiceField(
        choices=[("Group <1>", [("a", "A"), ("b", "B")]), ("c", "C")],
        widget=forms.RadioSelect(attrs={"class": "chips"}),
        required=False,
    )
    boxes = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple, required=False
    )


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
    "kind": "call",
    "grouped": "b",
    "boxes": ["y"],
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
    # A template may lay out a choice's buttons itself: `{% for radio in form.kind %}{{ radio }}{% endfor %}`.
    for name in ("kind", "grouped", "boxes"):
        assert [str(button) for button in ours[name]] == [str(button) for button in django[name]], name


class TemplatesOnly(TemplatesSetting):
    """The project's form and field templates, rendered by the template engine: what the Python layout replaces."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"


class WithOwnErrors(Everything):
    def clean(self):
        raise forms.ValidationError(["The form <as a whole> is wrong.", "And a second reason."])


@pytest.mark.parametrize("form_class", [Everything, WithOwnErrors])
@pytest.mark.parametrize("bound", [True, False])
def test_python_form_layout_matches_the_templates(form_class, bound):
    """Labels, help text, required marks, the checkbox's label, a field's errors and the form's own errors, hidden
    fields first: the whole form as the templates write it."""
    data = {**DATA, "text": "", "number": "-1"} if bound else None
    ours = form_class(data, auto_id="id_%s")
    ours.renderer = FormRenderer()
    templates = form_class(data, auto_id="id_%s")
    templates.renderer = TemplatesOnly()
    if bound:
        assert not ours.is_valid()
        templates.is_valid()
    assert str(ours) == str(templates)
    if bound:
        assert "has-error" in str(ours)
        assert "&lt;as a whole&gt;" in str(ours) or form_class is Everything


def test_a_field_without_an_id_still_renders_its_label():
    ours = Everything(auto_id=False)
    ours.renderer = FormRenderer()
    templates = Everything(auto_id=False)
    templates.renderer = TemplatesOnly()
    assert str(ours) == str(templates)
