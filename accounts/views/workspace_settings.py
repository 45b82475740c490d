"""The workspace settings, for admins: tiers, lifecycle stages, custom fields and success-plan templates.

Each list is one page. Rows edit inline: with htmx the Edit link swaps the list body for the same body with that
row as a form (a display partial and a form partial per row), and Save, Cancel, Up, Down and Delete answer with the
list body again. Without JavaScript the same links and forms load the page with the row in edit mode, post, and
redirect back. Managers and CSMs get 403 on every URL here, reading included: these pages exist to edit.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
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
from csm.web.http import wants_partial
from csm.web.reverse import org_reverse

TIERS = "accounts/settings/tiers.html"
STAGES = "accounts/settings/stages.html"
FIELDS = "accounts/settings/fields.html"
FIELD_DELETE = "accounts/settings/field_delete.html"
TEMPLATES = "accounts/settings/plan_templates.html"
TEMPLATE = "accounts/settings/plan_template.html"
EDIT_IDS = "edit-%s"  # the inline form's ids differ from the add form's on the same page


def _page(request: OrgRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """The list's body for htmx, the whole page otherwise."""
    return render(request, f"{template}#rows" if wants_partial(request) else template, context, status=status)


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


def _refuse(request: OrgRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _moved(request: OrgRequest, form: MoveForm) -> Direction | None:
    if form.is_valid():
        return cast(Direction, form.cleaned_data["direction"])
    messages.error(request, "Move it up or down.")
    return None


# -- Tiers -------------------------------------------------------------------------------------------------------


def _tiers(
    *, add_form: TierForm | None = None, editing: Tier | None = None, edit_form: TierForm | None = None
) -> dict[str, Any]:
    return {
        "section": "tiers",
        "tiers": selectors.tiers(),
        "add_form": add_form or TierForm(),
        "editing": editing,
        "edit_form": edit_form,
    }


@require_GET
@role_required(Role.ADMIN)
def tiers(request: OrgRequest) -> HttpResponse:
    return _page(request, TIERS, _tiers())


@require_POST
@role_required(Role.ADMIN)
def tier_add(request: OrgRequest) -> HttpResponse:
    form = TierForm(request.POST)
    if form.is_valid():
        try:
            tier = configuration.create_tier(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Tier “{tier.name}” added.")
            return redirect(org_reverse(request, "accounts:settings_tiers"))
    return render(request, TIERS, _tiers(add_form=form), status=400)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def tier_edit(request: OrgRequest, pk: int) -> HttpResponse:
    tier = get_object_or_404(Tier, pk=pk)
    data = request.POST if request.method == "POST" else None
    form = _editing(TierForm(data, initial={"name": tier.name}, auto_id=EDIT_IDS))
    if request.method == "POST":
        if form.is_valid():
            try:
                tier = configuration.rename_tier(actor=request.user, tier=tier, name=form.cleaned_data["name"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Tier renamed to “{tier.name}”.")
                return _after_write(request, TIERS, _tiers(), org_reverse(request, "accounts:settings_tiers"))
        return _page(request, TIERS, _tiers(editing=tier, edit_form=form), status=400)
    return _page(request, TIERS, _tiers(editing=tier, edit_form=form))


@require_POST
@role_required(Role.ADMIN)
def tier_move(request: OrgRequest, pk: int) -> HttpResponse:
    tier = get_object_or_404(Tier, pk=pk)
    direction = _moved(request, MoveForm(request.POST))
    if direction is not None:
        configuration.move_tier(actor=request.user, tier=tier, direction=direction)
    status = 200 if direction is not None else 400
    return _after_write(request, TIERS, _tiers(), org_reverse(request, "accounts:settings_tiers"), status)


@require_POST
@role_required(Role.ADMIN)
def tier_delete(request: OrgRequest, pk: int) -> HttpResponse:
    tier = get_object_or_404(Tier, pk=pk)
    status = 200
    try:
        configuration.delete_tier(actor=request.user, tier=tier)
    except ValidationError as error:
        _refuse(request, error)
        status = 400
    else:
        messages.success(request, f"Tier “{tier.name}” deleted.")
    return _after_write(request, TIERS, _tiers(), org_reverse(request, "accounts:settings_tiers"), status)


# -- Lifecycle stages --------------------------------------------------------------------------------------------


def _stages(
    *, add_form: StageForm | None = None, editing: LifecycleStage | None = None, edit_form: StageForm | None = None
) -> dict[str, Any]:
    return {
        "section": "stages",
        "stages": selectors.stages(),
        "add_form": add_form or StageForm(),
        "editing": editing,
        "edit_form": edit_form,
    }


@require_GET
@role_required(Role.ADMIN)
def stages(request: OrgRequest) -> HttpResponse:
    return _page(request, STAGES, _stages())


@require_POST
@role_required(Role.ADMIN)
def stage_add(request: OrgRequest) -> HttpResponse:
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            stage = configuration.create_stage(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Stage “{stage.name}” added at the end of the pipeline.")
            return redirect(org_reverse(request, "accounts:settings_stages"))
    return render(request, STAGES, _stages(add_form=form), status=400)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def stage_edit(request: OrgRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(LifecycleStage, pk=pk)
    data = request.POST if request.method == "POST" else None
    form = _editing(StageForm(data, initial={"name": stage.name, "category": stage.category}, auto_id=EDIT_IDS))
    if request.method == "POST":
        if form.is_valid():
            try:
                stage = configuration.update_stage(actor=request.user, stage=stage, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Stage “{stage.name}” saved.")
                return _after_write(request, STAGES, _stages(), org_reverse(request, "accounts:settings_stages"))
        return _page(request, STAGES, _stages(editing=stage, edit_form=form), status=400)
    return _page(request, STAGES, _stages(editing=stage, edit_form=form))


@require_POST
@role_required(Role.ADMIN)
def stage_move(request: OrgRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(LifecycleStage, pk=pk)
    direction = _moved(request, MoveForm(request.POST))
    if direction is not None:
        configuration.move_stage(actor=request.user, stage=stage, direction=direction)
    status = 200 if direction is not None else 400
    return _after_write(request, STAGES, _stages(), org_reverse(request, "accounts:settings_stages"), status)


@require_POST
@role_required(Role.ADMIN)
def stage_delete(request: OrgRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(LifecycleStage, pk=pk)
    status = 200
    try:
        configuration.delete_stage(actor=request.user, stage=stage)
    except ValidationError as error:
        _refuse(request, error)
        status = 400
    else:
        messages.success(request, f"Stage “{stage.name}” deleted.")
    return _after_write(request, STAGES, _stages(), org_reverse(request, "accounts:settings_stages"), status)


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
    if form.is_valid():
        try:
            field = configuration.add_custom_field(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
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
        if form.is_valid():
            try:
                field = configuration.update_custom_field(actor=request.user, field=field, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Field “{field.label}” saved.")
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
    if form.is_valid():
        try:
            template = configuration.create_plan_template(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
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
    if form.is_valid():
        try:
            template = configuration.update_plan_template(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Template “{template.name}” saved.")
            return redirect(org_reverse(request, "accounts:settings_template", template.pk))
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
    if form.is_valid():
        try:
            item = configuration.add_template_item(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
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
        if form.is_valid():
            try:
                item = configuration.update_template_item(actor=request.user, item=item, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Milestone “{item.title}” saved.")
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
