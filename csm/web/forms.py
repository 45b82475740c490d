"""Form plumbing every page family shares: the project's form renderer, and the choice field for tenant rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.forms.renderers import TemplatesSetting

from csm.web.widgets import LAYOUTS, RENDERERS


class FormRenderer(TemplatesSetting):
    """Every form renders its fields with the project's accessible field layout (templates/components/); that
    layout and the common widgets render in Python (csm.web.widgets), the other widgets from Django's templates."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        fast = RENDERERS.get(template_name)
        if fast is not None and "widget" in context:
            return fast(context["widget"])
        layout = LAYOUTS.get(template_name)
        if layout is not None:
            return layout(context)
        return super().render(template_name, context, request)


class RowsOnce(forms.models.ModelChoiceIterator[Any]):
    """A model choice field's choices, read once however often they are walked: a <select> walks them twice (once to
    see whether the first choice is empty, once to write the options), and Django's iterator queries each time.
    The rows are the form's, for the request that made it; a page that already has them (the stages of two forms)
    hands them over with `share_rows`."""

    def __init__(self, field: forms.ModelChoiceField[Any]) -> None:
        super().__init__(field)
        self.rows: list[Any] | None = None

    def _rows(self) -> list[Any]:
        if self.rows is None:
            self.rows = list(self.queryset)
        return self.rows

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._rows():
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self._rows()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self._rows())


class TenantModelChoiceField[M: Model](forms.ModelChoiceField[M]):
    """A choice among the active organization's rows (tiers, stages, templates, contacts...).

    The rows are read when a form is made, inside the request's tenant context, never when the form class is
    defined (no organization is active then, and a tenant manager refuses to query). `rows` narrows or orders
    them: `TenantModelChoiceField(LifecycleStage, rows=lambda stages: stages.exclude(category="churned"))`. A
    form whose rows depend on its own arguments (an account's contacts) narrows them with `choices_of(...)`.
    """

    iterator = RowsOnce

    def __init__(
        self, model: type[M], *, rows: Callable[[QuerySet[M]], QuerySet[M]] | None = None, **kwargs: Any
    ) -> None:
        self.tenant_model = model
        self.rows = rows
        super().__init__(queryset=model._default_manager.none(), **kwargs)

    def __deepcopy__(self, memo: dict[int, Any]) -> TenantModelChoiceField[M]:
        # Django copies a form class's fields into every form it makes: this is the moment a form is made.
        copied: TenantModelChoiceField[M] = super().__deepcopy__(memo)
        every = self.tenant_model._default_manager.all()
        copied.queryset = self.rows(every) if self.rows is not None else every
        return copied


def set_choices(form: forms.BaseForm, name: str, choices: list[tuple[str, str]]) -> None:
    """Give the form's choice field `name` its choices (members, an organization's options) when the form is made."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), f"{name} is not a ChoiceField"
    field.choices = choices


def choices_of(form: forms.BaseForm, name: str) -> TenantModelChoiceField[Any]:
    """The form's tenant choice field `name`, typed, to narrow its rows:
    `choices_of(self, "contact").queryset = Contact.objects.filter(account=account)`."""
    field = form.fields[name]
    assert isinstance(field, TenantModelChoiceField), f"{name} is not a TenantModelChoiceField"
    return field


def share_rows(form: forms.BaseForm, name: str, rows: Sequence[Model]) -> None:
    """Show `rows` (already read by the page, in the field's order) as the choices of the form's tenant choice field
    `name`, instead of reading them again. Validation still reads the field's queryset."""
    field = choices_of(form, name)
    choices = RowsOnce(field)
    choices.rows = list(rows)
    field.widget.choices = choices
