"""A tenant choice field reads its rows once per form, inside the request's organization, and takes rows a page
already read (csm.web.forms)."""

from __future__ import annotations

from django import forms

from accounts.models import LifecycleStage
from csm.web.forms import FormRenderer, TenantModelChoiceField, share_rows


class StageForm(forms.Form):
    stage = TenantModelChoiceField(LifecycleStage, empty_label=None)
    maybe = TenantModelChoiceField(
        LifecycleStage, rows=lambda stages: stages.exclude(category="churned"), required=False
    )


def test_a_select_reads_its_rows_once(in_org_a, django_assert_num_queries):
    form = StageForm()
    form.renderer = FormRenderer()
    with django_assert_num_queries(2):  # one per field, though a <select> walks its choices twice
        html = str(form)
    stages = list(LifecycleStage.objects.order_by("position", "name"))
    assert len(stages) >= 3
    for stage in stages:
        assert html.count(f'value="{stage.pk}"') == (1 if stage.is_churned else 2)


def test_rows_a_page_already_read_are_not_read_again(in_org_a, django_assert_num_queries):
    stages = list(LifecycleStage.objects.all())
    form = StageForm()
    share_rows(form, "stage", stages)
    share_rows(form, "maybe", stages[:1])
    form.renderer = FormRenderer()
    with django_assert_num_queries(0):
        html = str(form["stage"]) + str(form["maybe"])
    assert html.count("<option") == len(stages) + 2  # the second: one stage and the empty choice
    # Validation still reads the field's own rows: a stage the page did not share is still a valid choice.
    bound = StageForm(data={"stage": str(stages[-1].pk), "maybe": str(stages[-1].pk)})
    share_rows(bound, "stage", stages[:1])
    with django_assert_num_queries(2):
        assert bound.is_valid() == (not stages[-1].is_churned)
    assert bound.cleaned_data["stage"] == stages[-1]


def test_each_form_reads_its_own_rows(in_org_a):
    first = StageForm()
    list(first.fields["stage"].widget.choices)
    LifecycleStage.objects.create(organization=in_org_a, name="Expansion <new>", position=99)
    second = StageForm()
    second.renderer = FormRenderer()
    assert "Expansion &lt;new&gt;" in str(second["stage"])
