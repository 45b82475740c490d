"""The workspace settings, for admins: tiers, lifecycle stages, custom fields and success-plan templates.

Each list is one page. Rows edit inline: with htmx the Edit link swaps the list body for the same body with that
row as a form (a display partial and a form partial per row), and Save, Cancel, Up, Down and Delete answer with the
list body again. Without JavaScript the same links and forms load the page with the row in edit mode, post, and
redirect back. Managers and CSMs get 403 on every URL here, reading included: these pages exist to edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms.workspace_settings import (
    CustomFieldForm,
    MoveForm,
    PlanTemplateForm,
    PlanTemplateItemForm,
    StageForm,
    TierForm,
)
from accounts.models import CustomField, LifecycleStage, PlanTemplate, PlanTemplateItem, Tier
from accounts.selectors import settings as selectors
from accounts.services import configuration
from accounts.services.configuration import Direction
from csm.models import Role
from csm.tenancy.access import OrgRequest, role_required
from csm.web.actions import answer, attempt, form_status, submit
from csm.web.reverse import org_reverse

ORDERED = "accounts/settings/ordered_list.html"
FIELDS = "accounts/settings/fields.html"
FIELD_DELETE = "accounts/settings/field_delete.html"
TEMPLATES = "accounts/settings/plan_templates.html"
TEMPLATE = "accounts/settings/plan_template.html"
EDIT_IDS = "edit-%s"  # the inline form's ids differ from the add form's on the same page


def _page(request: OrgRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """The list's body for htmx, the whole page otherwise."""
    return answer(request, template, context, partial="rows", status=status)


def _after_write(
    request: OrgRequest, template: str, context: dict[str, Any], url: str, status: int = 200
) -> HttpResponse:
    """After a row action: the fresh list body for htmx; a redirect to the list without JavaScript."""
    if request.htmx:
        return render(request, f"{template}#rows", context, status=status)
    return redirect(url)


def _editing[F: Form](form: F) -> F:
    """The inline form takes the focus when htmx swaps it in (and when the page loads in edit mode)."""
    first = next(iter(form.fields.values()))
    first.widget.attrs["autofocus"] = True
    return form


def _moved(request: OrgRequest, form: MoveForm) -> Direction | None:
    if form.is_valid():
        return cast(Direction, form.cleaned_data["direction"])
    messages.error(request, "Move it up or down.")
    return None


# -- Ordered lists: tiers and lifecycle stages -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OrderedList:
    """An admin-ordered list edited inline (one page, one template): what differs between tiers and stages."""

    key: str  # the URL names' stem (accounts:settings_<key>s) and the settings section
    noun: str
    title: str
    intro: str
    add_heading: str
    edit_label: str
    model: type[Tier] | type[LifecycleStage]
    form: type[TierForm] | type[StageForm]
    rows: Callable[[], QuerySet[Any]]
    initial: Callable[[Any], dict[str, Any]]
    create: Callable[..., Any]
    update: Callable[..., Any]
    move: Callable[..., bool]
    delete: Callable[..., None]
    added: str  # the message after adding, with {name}
    saved: str
    extra_column: str = ""  # a column between the name and the usage count, shown by `cell_template`
    cell_template: str = ""


def _ordered_list(request: OrgRequest, kind: OrderedList, **parts: Any) -> dict[str, Any]:
    items = kind.rows()
    return {
        "section": kind.key + "s",
        "ordered": kind,
        "items": items,
        kind.key + "s": items,  # by its own name too: "tiers", "stages"
        "add_form": parts.get("add_form") or kind.form(),
        "editing": parts.get("editing"),
        "edit_form": parts.get("edit_form"),
        "list_url": org_reverse(request, f"accounts:settings_{kind.key}s"),
    }


def _list_url(request: OrgRequest, kind: OrderedList) -> str:
    return org_reverse(request, f"accounts:settings_{kind.key}s")


@require_GET
@role_required(Role.ADMIN)
def ordered_list(request: OrgRequest, kind: OrderedList) -> HttpResponse:
    return _page(request, ORDERED, _ordered_list(request, kind))


@require_POST
@role_required(Role.ADMIN)
def ordered_add(request: OrgRequest, kind: OrderedList) -> HttpResponse:
    form = kind.form(request.POST)
    item = submit(form, lambda: kind.create(actor=request.user, **form.cleaned_data))
    if item is not None:
        messages.success(request, kind.added.format(name=item.name))
        return redirect(_list_url(request, kind))
    return render(request, ORDERED, _ordered_list(request, kind, add_form=form), status=400)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def ordered_edit(request: OrgRequest, kind: OrderedList, pk: int) -> HttpResponse:
    item = get_object_or_404(kind.model, pk=pk)
    data = request.POST if request.method == "POST" else None
    form = _editing(kind.form(data, initial=kind.initial(item), auto_id=EDIT_IDS))
    if request.method == "POST":
        saved = submit(form, lambda: kind.update(request.user, item, form.cleaned_data))
        if saved is not None:
            messages.success(request, kind.saved.format(name=saved.name))
            return _after_write(request, ORDERED, _ordered_list(request, kind), _list_url(request, kind))
    context = _ordered_list(request, kind, editing=item, edit_form=form)
    return _page(request, ORDERED, context, status=form_status(form))


@require_POST
@role_required(Role.ADMIN)
def ordered_move(request: OrgRequest, kind: OrderedList, pk: int) -> HttpResponse:
    item = get_object_or_404(kind.model, pk=pk)
    direction = _moved(request, MoveForm(request.POST))
    if direction is not None:
        kind.move(request.user, item, direction)
    status = 200 if direction is not None else 400
    return _after_write(request, ORDERED, _ordered_list(request, kind), _list_url(request, kind), status)


@require_POST
@role_required(Role.ADMIN)
def ordered_delete(request: OrgRequest, kind: OrderedList, pk: int) -> HttpResponse:
    item: Any = get_object_or_404(kind.model, pk=pk)

    def delete() -> bool:
        kind.delete(request.user, item)
        return True

    deleted = attempt(request, delete)
    if deleted:
        messages.success(request, f"{kind.noun.capitalize()} “{item.name}” deleted.")
    status = 200 if deleted else 400
    return _after_write(request, ORDERED, _ordered_list(request, kind), _list_url(request, kind), status)


TIERS = OrderedList(
    key="tier",
    noun="tier",
    title="Tiers",
    intro="How accounts are served: tech-touch (digital, automated), pooled SMB, named enterprise CSMs. The order "
    "here is the order of every list and filter.",
    add_heading="Add a tier",
    edit_label="Rename",
    model=Tier,
    form=TierForm,
    rows=selectors.tiers,
    initial=lambda tier: {"name": tier.name},
    create=configuration.create_tier,
    update=lambda actor, tier, values: configuration.rename_tier(actor=actor, tier=tier, **values),
    move=lambda actor, tier, direction: configuration.move_tier(actor=actor, tier=tier, direction=direction),
    delete=lambda actor, tier: configuration.delete_tier(actor=actor, tier=tier),
    added="Tier “{name}” added.",
    saved="Tier renamed to “{name}”.",
)
STAGES = OrderedList(
    key="stage",
    noun="stage",
    title="Lifecycle stages",
    intro="The columns of the pipeline board, in this order. Each stage means one step of the customer journey "
    "(trial, onboarding, adoption, mature, renewal, churned) whatever you call it: the metrics read that meaning, and "
    "moving an account into a churned stage asks why it churned. Keep at least one churned stage.",
    add_heading="Add a stage",
    edit_label="Edit",
    model=LifecycleStage,
    form=StageForm,
    rows=selectors.stages,
    initial=lambda stage: {"name": stage.name, "category": stage.category},
    create=configuration.create_stage,
    update=lambda actor, stage, values: configuration.update_stage(actor=actor, stage=stage, **values),
    move=lambda actor, stage, direction: configuration.move_stage(actor=actor, stage=stage, direction=direction),
    delete=lambda actor, stage: configuration.delete_stage(actor=actor, stage=stage),
    added="Stage “{name}” added at the end of the pipeline.",
    saved="Stage “{name}” saved.",
    extra_column="Means",
    cell_template="accounts/settings/stage_cell.html",
)


# -- Custom fields -----------------------------------------------------------------------------------------------


def _fields(
    *,
    add_form: CustomFieldForm | None = None,
    editing: CustomField | None = None,
    edit_form: CustomFieldForm | None = None,
) -> dict[str, Any]:
    return {
        "section": "fields",
        "fields": selectors.custom_fields(),
        "add_form": add_form or CustomFieldForm(),
        "editing": editing,
        "edit_form": edit_form,
    }


@require_GET
@role_required(Role.ADMIN)
def fields(request: OrgRequest) -> HttpResponse:
    return _page(request, FIELDS, _fields())


@require_POST
@role_required(Role.ADMIN)
def field_add(request: OrgRequest) -> HttpResponse:
    form = CustomFieldForm(request.POST)
    field = submit(form, lambda: configuration.add_custom_field(actor=request.user, **form.cleaned_data))
    if field is not None:
        messages.success(request, f"Field “{field.label}” added; accounts show it from now on.")
        return redirect(org_reverse(request, "accounts:settings_fields"))
    return render(request, FIELDS, _fields(add_form=form), status=400)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def field_edit(request: OrgRequest, pk: int) -> HttpResponse:
    field = get_object_or_404(CustomField, pk=pk)
    data = request.POST if request.method == "POST" else None
    initial = {"label": field.label, "field_type": field.field_type, "choices": "\n".join(field.choices)}
    form = _editing(CustomFieldForm(data, initial=initial, auto_id=EDIT_IDS))
    if request.method == "POST":
        saved = submit(
            form, lambda: configuration.update_custom_field(actor=request.user, field=field, **form.cleaned_data)
        )
        if saved is not None:
            messages.success(request, f"Field “{saved.label}” saved.")
            return _after_write(request, FIELDS, _fields(), org_reverse(request, "accounts:settings_fields"))
        return _page(request, FIELDS, _fields(editing=field, edit_form=form), status=400)
    return _page(request, FIELDS, _fields(editing=field, edit_form=form))


@require_POST
@role_required(Role.ADMIN)
def field_move(request: OrgRequest, pk: int) -> HttpResponse:
    field = get_object_or_404(CustomField, pk=pk)
    direction = _moved(request, MoveForm(request.POST))
    if direction is not None:
        configuration.move_custom_field(actor=request.user, field=field, direction=direction)
    status = 200 if direction is not None else 400
    return _after_write(request, FIELDS, _fields(), org_reverse(request, "accounts:settings_fields"), status)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def field_delete(request: OrgRequest, pk: int) -> HttpResponse:
    """Asks first (GET), on a page of its own: the answer says what happens to the values already stored."""
    field = get_object_or_404(CustomField, pk=pk)
    if request.method == "POST":
        configuration.delete_custom_field(actor=request.user, field=field)
        messages.success(
            request, f"Field “{field.label}” deleted. Its values stay in the accounts' data, hidden from the pages."
        )
        return redirect(org_reverse(request, "accounts:settings_fields"))
    context = {
        "section": "fields",
        "field": field,
        "accounts_with_value": configuration.accounts_with_value(field).count(),
    }
    return render(request, FIELD_DELETE, context)


# -- Success-plan templates --------------------------------------------------------------------------------------


def _templates(*, add_form: PlanTemplateForm | None = None) -> dict[str, Any]:
    return {
        "section": "plan_templates",
        "templates": selectors.plan_templates(),
        "add_form": add_form or PlanTemplateForm(),
    }


@require_GET
@role_required(Role.ADMIN)
def plan_templates(request: OrgRequest) -> HttpResponse:
    return render(request, TEMPLATES, _templates())


@require_POST
@role_required(Role.ADMIN)
def plan_template_add(request: OrgRequest) -> HttpResponse:
    form = PlanTemplateForm(request.POST)
    template = submit(form, lambda: configuration.create_plan_template(actor=request.user, **form.cleaned_data))
    if template is not None:
        messages.success(request, f"Template “{template.name}” created: add its milestones.")
        return redirect(org_reverse(request, "accounts:settings_template", template.pk))
    return render(request, TEMPLATES, _templates(add_form=form), status=400)


def _template(
    template: PlanTemplate,
    *,
    form: PlanTemplateForm | None = None,
    item_form: PlanTemplateItemForm | None = None,
    editing: PlanTemplateItem | None = None,
    edit_form: PlanTemplateItemForm | None = None,
) -> dict[str, Any]:
    return {
        "section": "plan_templates",
        "template": template,
        "form": form or PlanTemplateForm(initial={"name": template.name, "description": template.description}),
        "items": selectors.template_items(template),
        "item_form": item_form or PlanTemplateItemForm(auto_id="item-%s"),
        "editing": editing,
        "edit_form": edit_form,
        "history": selectors.template_history(template),
    }


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def plan_template(request: OrgRequest, pk: int) -> HttpResponse:
    """The template's page: its name and description (this URL's POST) and its milestones."""
    template = get_object_or_404(PlanTemplate, pk=pk)
    if request.method == "GET":
        return _page(request, TEMPLATE, _template(template))
    form = PlanTemplateForm(request.POST)
    saved = submit(
        form, lambda: configuration.update_plan_template(actor=request.user, template=template, **form.cleaned_data)
    )
    if saved is not None:
        messages.success(request, f"Template “{saved.name}” saved.")
        return redirect(org_reverse(request, "accounts:settings_template", saved.pk))
    template.refresh_from_db()
    return render(request, TEMPLATE, _template(template, form=form), status=400)


@require_POST
@role_required(Role.ADMIN)
def plan_template_delete(request: OrgRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(PlanTemplate, pk=pk)
    configuration.delete_plan_template(actor=request.user, template=template)
    messages.success(request, f"Template “{template.name}” deleted. Plans started from it keep their milestones.")
    return redirect(org_reverse(request, "accounts:settings_templates"))


@require_POST
@role_required(Role.ADMIN)
def plan_template_item_add(request: OrgRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(PlanTemplate, pk=pk)
    form = PlanTemplateItemForm(request.POST, auto_id="item-%s")
    item = submit(
        form, lambda: configuration.add_template_item(actor=request.user, template=template, **form.cleaned_data)
    )
    if item is not None:
        messages.success(request, f"Milestone “{item.title}” added.")
        return redirect(org_reverse(request, "accounts:settings_template", template.pk) + "#milestones")
    return render(request, TEMPLATE, _template(template, item_form=form), status=400)


def _item_list_url(request: OrgRequest, item: PlanTemplateItem) -> str:
    return org_reverse(request, "accounts:settings_template", item.template_id) + "#milestones"


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def plan_template_item_edit(request: OrgRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(PlanTemplateItem.objects.select_related("template"), pk=pk)
    data = request.POST if request.method == "POST" else None
    initial = {f: getattr(item, f) for f in ("objective", "title", "offset_days", "owner_side")}
    form = _editing(PlanTemplateItemForm(data, initial=initial, auto_id=EDIT_IDS))
    if request.method == "POST":
        saved = submit(
            form, lambda: configuration.update_template_item(actor=request.user, item=item, **form.cleaned_data)
        )
        if saved is not None:
            messages.success(request, f"Milestone “{saved.title}” saved.")
            return _after_write(request, TEMPLATE, _template(item.template), _item_list_url(request, item))
        return _page(request, TEMPLATE, _template(item.template, editing=item, edit_form=form), status=400)
    return _page(request, TEMPLATE, _template(item.template, editing=item, edit_form=form))


@require_POST
@role_required(Role.ADMIN)
def plan_template_item_move(request: OrgRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(PlanTemplateItem.objects.select_related("template"), pk=pk)
    direction = _moved(request, MoveForm(request.POST))
    if direction is not None:
        configuration.move_template_item(actor=request.user, item=item, direction=direction)
    status = 200 if direction is not None else 400
    return _after_write(request, TEMPLATE, _template(item.template), _item_list_url(request, item), status)


@require_POST
@role_required(Role.ADMIN)
def plan_template_item_delete(request: OrgRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(PlanTemplateItem.objects.select_related("template"), pk=pk)
    configuration.remove_template_item(actor=request.user, item=item)
    messages.success(request, f"Milestone “{item.title}” removed.")
    return _after_write(request, TEMPLATE, _template(item.template), _item_list_url(request, item))
