"""Forms of the workspace settings (admins): tiers, lifecycle stages, custom fields, success-plan templates."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import CustomFieldType, OwnerSide, StageCategory


class TierForm(forms.Form):
    """Add or rename a tier."""

    name = forms.CharField(label="Name", max_length=60)


class StageForm(forms.Form):
    """Add a lifecycle stage or change its name and category."""

    name = forms.CharField(label="Name", max_length=60)
    category = forms.ChoiceField(
        label="Means",
        choices=StageCategory.choices,
        initial=StageCategory.ADOPTION,
        help_text="What the stage stands for, whatever its name: metrics read it, and a churned stage asks for a "
        "churn reason.",
    )


class MoveForm(forms.Form):
    """Move an item of an ordered list one step."""

    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class CustomFieldForm(forms.Form):
    """Add a custom field, or change its label, type and options (its key never changes)."""

    label = forms.CharField(label="Label", max_length=60)
    field_type = forms.ChoiceField(label="Type", choices=CustomFieldType.choices, initial=CustomFieldType.TEXT)
    choices = forms.CharField(
        label="Options",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For a choice field: one option per line.",
    )

    def clean_choices(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data.get("choices", "").splitlines()]
        options = list(dict.fromkeys(line for line in lines if line))
        if any(len(option) > 100 for option in options):
            raise forms.ValidationError("Keep each option under 100 characters.")
        return options

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("field_type") == CustomFieldType.CHOICE and not cleaned.get("choices"):
            self.add_error("choices", "A choice field needs at least one option.")
        return cleaned


class PlanTemplateForm(forms.Form):
    """Create a success-plan template or change its name and description."""

    name = forms.CharField(label="Name", max_length=100)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What the plan is for; CSMs see it when they start a plan.",
    )


class PlanTemplateItemForm(forms.Form):
    """Add or change a milestone of a template."""

    objective = forms.CharField(label="Objective", max_length=120, help_text="Milestones group under it.")
    title = forms.CharField(label="Milestone", max_length=200)
    offset_days = forms.IntegerField(
        label="Due after (days)",
        min_value=0,
        max_value=3650,
        initial=30,
        help_text="Days after the plan starts.",
    )
    owner_side = forms.ChoiceField(
        label="Delivered by",
        choices=OwnerSide.choices,
        initial=OwnerSide.US,
        help_text="Joint accountabilities: the customer or us.",
    )
