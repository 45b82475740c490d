"""Writes of the workspace settings that admins edit: tiers, lifecycle stages, custom fields and success-plan
templates. Each function is one transaction and records one activity-log row (these rows belong to no account, so
they have no `about` and stay off the timelines).

Rules kept here rather than in the views:
- names are unique per organization whatever their case (tiers, stages, templates);
- a tier or stage that accounts use cannot be deleted (move the accounts first);
- at least one stage of category churned remains, so that churn can always be recorded; a stage in use does not
  change between churned and not churned (its accounts would churn without a reason, or keep one they no longer
  need);
- a custom field's key is derived from its label once and never changes (the values live under it in
  `Account.custom_fields`); deleting a field keeps the stored values, hidden; the type of a field that accounts
  have values for does not change;
- reordering swaps an item with its neighbour and renumbers the list 0..n-1.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.db.models.fields.json import KT
from django.utils.text import slugify

from accounts.models import (
    Account,
    CustomField,
    CustomFieldType,
    LifecycleStage,
    OwnerSide,
    PlanTemplate,
    PlanTemplateItem,
    StageCategory,
    Tier,
)
from accounts.services import sort_keys
from csm.activity import Actor, diff, record
from csm.models import User
from csm.tenancy import current_organization

Direction = Literal["up", "down"]
type Ordered = Tier | LifecycleStage | CustomField | PlanTemplateItem

KEY_MAX_LENGTH = CustomField._meta.get_field("key").max_length or 60


def _next_position(queryset: QuerySet[Any]) -> int:
    top = queryset.aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


def _reorder[T: Ordered](siblings: QuerySet[T], item: T, direction: Direction) -> tuple[int, int] | None:
    """Swap `item` with its neighbour; (old, new) position, or None when it is already at that end."""
    # Locking every sibling serializes two admins reordering the same list.
    ordered = list(siblings.select_for_update())
    index = next(i for i, sibling in enumerate(ordered) if sibling.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return None
    ordered[index], ordered[other] = ordered[other], ordered[index]
    changed = []
    for position, sibling in enumerate(ordered):
        if sibling.position != position:
            sibling.position = position
            changed.append(sibling)
    siblings.bulk_update(changed, ["position"])
    return index, other


def _check_unique_name(queryset: QuerySet[Any], name: str, what: str, *, field: str = "name") -> None:
    if queryset.filter(**{f"{field}__iexact": name}).exists():
        raise ValidationError({field: f"There is already a {what} named “{name}”."})


def _clean_name(name: str, what: str, *, field: str = "name") -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({field: f"Give the {what} a name."})
    return name


# -- Tiers -------------------------------------------------------------------------------------------------------


def create_tier(*, actor: Actor | User, name: str) -> Tier:
    """Add a tier at the end of the list."""
    name = _clean_name(name, "tier")
    with transaction.atomic():
        _check_unique_name(Tier.objects.all(), name, "tier")
        tier = Tier.objects.create(
            organization=current_organization(), name=name, position=_next_position(Tier.objects.all())
        )
        record(organization=tier.organization, actor=actor, verb="tier.created", target=tier)
    return tier


def rename_tier(*, actor: Actor | User, tier: Tier, name: str) -> Tier:
    """Rename a tier; its accounts stay in it."""
    name = _clean_name(name, "tier")
    with transaction.atomic():
        tier = Tier.objects.select_for_update().get(pk=tier.pk)
        if tier.name == name:
            return tier
        _check_unique_name(Tier.objects.exclude(pk=tier.pk), name, "tier")
        changes = diff(tier, {"name": name})
        tier.name = name
        tier.save(update_fields=["name"])
        record(organization=tier.organization, actor=actor, verb="tier.renamed", target=tier, changes=changes)
    return tier


def move_tier(*, actor: Actor | User, tier: Tier, direction: Direction) -> bool:
    """Move a tier up or down the list; False when it is already first (or last)."""
    return _move(actor, tier, direction, verb="tier.moved", accounts_in="tier__in")


def delete_tier(*, actor: Actor | User, tier: Tier) -> None:
    """Delete a tier that no account uses (else ValidationError, and nothing changes)."""
    with transaction.atomic():
        tier = Tier.objects.select_for_update().get(pk=tier.pk)
        used = Account.objects.filter(tier=tier).count()
        if used:
            raise ValidationError(
                f"{used} account{'s are' if used != 1 else ' is'} in the tier “{tier.name}”: move "
                f"{'them' if used != 1 else 'it'} to another tier before deleting it."
            )
        record(organization=tier.organization, actor=actor, verb="tier.deleted", target=tier)
        tier.delete()


# -- Lifecycle stages --------------------------------------------------------------------------------------------


def _churned_stages(excluding: LifecycleStage | None = None) -> QuerySet[LifecycleStage]:
    stages = LifecycleStage.objects.filter(category=StageCategory.CHURNED)
    return stages.exclude(pk=excluding.pk) if excluding is not None else stages


def create_stage(*, actor: Actor | User, name: str, category: StageCategory | str) -> LifecycleStage:
    """Add a stage at the end of the pipeline, meaning `category`."""
    name = _clean_name(name, "stage")
    with transaction.atomic():
        _check_unique_name(LifecycleStage.objects.all(), name, "stage")
        stage = LifecycleStage.objects.create(
            organization=current_organization(),
            name=name,
            category=StageCategory(category),
            position=_next_position(LifecycleStage.objects.all()),
        )
        record(
            organization=stage.organization,
            actor=actor,
            verb="stage.created",
            target=stage,
            data={"category": stage.category},
        )
    return stage


def update_stage(
    *, actor: Actor | User, stage: LifecycleStage, name: str, category: StageCategory | str
) -> LifecycleStage:
    """Rename a stage or change what it means (its category)."""
    name = _clean_name(name, "stage")
    category = StageCategory(category)
    with transaction.atomic():
        # Lock the churned stages too: two admins recategorising the last two at once must not both succeed.
        list(_churned_stages().select_for_update())
        stage = LifecycleStage.objects.select_for_update().get(pk=stage.pk)
        changes = diff(stage, {"name": name, "category": category})
        if not changes:
            return stage
        if "name" in changes:
            _check_unique_name(LifecycleStage.objects.exclude(pk=stage.pk), name, "stage")
        if "category" in changes:
            was_churned, is_churned = stage.is_churned, category == StageCategory.CHURNED
            if was_churned and not _churned_stages(excluding=stage).exists():
                raise ValidationError(
                    {"category": "This is the last churned stage: keep one so that churn can be recorded."}
                )
            if was_churned != is_churned and Account.objects.filter(stage=stage).exists():
                raise ValidationError(
                    {
                        "category": "Accounts are in this stage: a stage in use cannot start or stop meaning "
                        "churned. Create a new stage and move the accounts instead."
                    }
                )
        stage.name, stage.category = name, category
        stage.save(update_fields=["name", "category"])
        verb = "stage.renamed" if set(changes) == {"name"} else "stage.updated"
        record(organization=stage.organization, actor=actor, verb=verb, target=stage, changes=changes)
    return stage


def move_stage(*, actor: Actor | User, stage: LifecycleStage, direction: Direction) -> bool:
    """Move a stage one place along the pipeline (the board's columns follow); False at either end."""
    return _move(actor, stage, direction, verb="stage.moved", accounts_in="stage__in")


def _move(
    actor: Actor | User, item: Tier | LifecycleStage, direction: Direction, *, verb: str, accounts_in: str
) -> bool:
    """Move a tier or a stage one place, and refresh the sort key of the accounts in those whose position changed."""
    items = type(item).objects
    with transaction.atomic():
        before = dict(items.values_list("pk", "position"))
        moved = _reorder(items.order_by("position", "name", "id"), item, direction)
        if moved is None:
            return False
        after = dict(items.values_list("pk", "position"))
        sort_keys.refresh(Account.objects.filter(**{accounts_in: [pk for pk in after if after[pk] != before.get(pk)]}))
        record(organization=item.organization, actor=actor, verb=verb, target=item, changes={"position": list(moved)})
    return True


def delete_stage(*, actor: Actor | User, stage: LifecycleStage) -> None:
    """Delete a stage that no account is in, unless it is the last churned one (else ValidationError)."""
    with transaction.atomic():
        list(_churned_stages().select_for_update())
        stage = LifecycleStage.objects.select_for_update().get(pk=stage.pk)
        if stage.is_churned and not _churned_stages(excluding=stage).exists():
            raise ValidationError("This is the last churned stage: keep one so that churn can be recorded.")
        used = Account.objects.filter(stage=stage).count()
        if used:
            raise ValidationError(
                f"{used} account{'s are' if used != 1 else ' is'} in the stage “{stage.name}”: move "
                f"{'them' if used != 1 else 'it'} to another stage before deleting it."
            )
        record(organization=stage.organization, actor=actor, verb="stage.deleted", target=stage)
        stage.delete()


# -- Custom fields -----------------------------------------------------------------------------------------------


def derive_key(label: str, *, taken: set[str]) -> str:
    """`"Contract value (€)"` → `contract_value`, made unique with `_2`, `_3`... against `taken`."""
    base = slugify(label).replace("-", "_").strip("_")[:KEY_MAX_LENGTH] or "field"
    key, n = base, 1
    while key in taken:
        n += 1
        suffix = f"_{n}"
        key = f"{base[: KEY_MAX_LENGTH - len(suffix)]}{suffix}"
    return key


def _clean_choices(field_type: CustomFieldType, choices: list[str]) -> list[str]:
    if field_type != CustomFieldType.CHOICE:
        return []
    cleaned = list(dict.fromkeys(c.strip() for c in choices if c.strip()))
    if not cleaned:
        raise ValidationError({"choices": "A choice field needs at least one option."})
    return cleaned


def accounts_with_value(field: CustomField) -> QuerySet[Account]:
    """The accounts that hold a value for the field (an empty string or null is no value)."""
    # KT() reads the key as text whatever its name: a key such as "contains" or "in" would otherwise be taken as a
    # lookup of the JSON field.
    return (
        Account.objects.filter(custom_fields__has_key=field.key)
        .alias(value=KT(f"custom_fields__{field.key}"))
        .exclude(Q(value="") | Q(value__isnull=True))
    )


def add_custom_field(
    *, actor: Actor | User, label: str, field_type: CustomFieldType | str, choices: list[str] | None = None
) -> CustomField:
    """Add a field at the end; its key comes from the label (see `derive_key`)."""
    label = _clean_name(label, "field", field="label")
    field_type = CustomFieldType(field_type)
    cleaned_choices = _clean_choices(field_type, choices or [])
    with transaction.atomic():
        _check_unique_name(CustomField.objects.all(), label, "field", field="label")
        field = CustomField.objects.create(
            organization=current_organization(),
            label=label,
            key=derive_key(label, taken=set(CustomField.objects.values_list("key", flat=True))),
            field_type=field_type,
            choices=cleaned_choices,
            position=_next_position(CustomField.objects.all()),
        )
        record(
            organization=field.organization,
            actor=actor,
            verb="custom_field.added",
            target=field,
            data={"key": field.key, "type": field.field_type, "choices": field.choices},
        )
    return field


def update_custom_field(
    *,
    actor: Actor | User,
    field: CustomField,
    label: str,
    field_type: CustomFieldType | str,
    choices: list[str] | None = None,
) -> CustomField:
    """Change a field's label, type or options. The key stays; a field that accounts hold values for keeps its
    type (their values would no longer read as that type)."""
    label = _clean_name(label, "field", field="label")
    field_type = CustomFieldType(field_type)
    cleaned_choices = _clean_choices(field_type, choices or [])
    with transaction.atomic():
        field = CustomField.objects.select_for_update().get(pk=field.pk)
        changes = diff(field, {"label": label, "field_type": field_type, "choices": cleaned_choices})
        if not changes:
            return field
        if "label" in changes:
            _check_unique_name(CustomField.objects.exclude(pk=field.pk), label, "field", field="label")
        if "field_type" in changes and accounts_with_value(field).exists():
            raise ValidationError(
                {
                    "field_type": f"Accounts have values for “{field.label}”: its type stays "
                    f"{field.get_field_type_display().lower()}. Add a new field of the other type instead."
                }
            )
        field.label, field.field_type, field.choices = label, field_type, cleaned_choices
        field.save(update_fields=["label", "field_type", "choices"])
        record(
            organization=field.organization,
            actor=actor,
            verb="custom_field.updated",
            target=field,
            changes=changes,
        )
    return field


def move_custom_field(*, actor: Actor | User, field: CustomField, direction: Direction) -> bool:
    """Move a field one place in the order accounts show them; False at either end."""
    with transaction.atomic():
        moved = _reorder(CustomField.objects.order_by("position", "label", "id"), field, direction)
        if moved is None:
            return False
        record(
            organization=field.organization,
            actor=actor,
            verb="custom_field.moved",
            target=field,
            changes={"position": list(moved)},
        )
    return True


def delete_custom_field(*, actor: Actor | User, field: CustomField) -> None:
    """Remove the field from the accounts' pages. The values stay in the accounts' data, hidden: a field added
    later with the same key shows them again."""
    with transaction.atomic():
        field = CustomField.objects.select_for_update().get(pk=field.pk)
        record(
            organization=field.organization,
            actor=actor,
            verb="custom_field.deleted",
            target=field,
            data={"key": field.key, "accounts_with_a_value": accounts_with_value(field).count()},
        )
        field.delete()


# -- Success-plan templates --------------------------------------------------------------------------------------


def create_plan_template(*, actor: Actor | User, name: str, description: str = "") -> PlanTemplate:
    """Create an empty template; its milestones are added one by one."""
    name = _clean_name(name, "template")
    with transaction.atomic():
        _check_unique_name(PlanTemplate.objects.all(), name, "template")
        template = PlanTemplate.objects.create(
            organization=current_organization(), name=name, description=description.strip()
        )
        record(organization=template.organization, actor=actor, verb="plan_template.created", target=template)
    return template


def update_plan_template(*, actor: Actor | User, template: PlanTemplate, name: str, description: str) -> PlanTemplate:
    """Change the template's name and description."""
    name = _clean_name(name, "template")
    with transaction.atomic():
        template = PlanTemplate.objects.select_for_update().get(pk=template.pk)
        changes = diff(template, {"name": name, "description": description.strip()})
        if not changes:
            return template
        if "name" in changes:
            _check_unique_name(PlanTemplate.objects.exclude(pk=template.pk), name, "template")
        template.name, template.description = name, description.strip()
        template.save(update_fields=["name", "description"])
        record(
            organization=template.organization,
            actor=actor,
            verb="plan_template.updated",
            target=template,
            changes=changes,
        )
    return template


def delete_plan_template(*, actor: Actor | User, template: PlanTemplate) -> None:
    """Plans already started from the template keep their milestones; they only lose the link to it."""
    with transaction.atomic():
        template = PlanTemplate.objects.select_for_update().get(pk=template.pk)
        record(organization=template.organization, actor=actor, verb="plan_template.deleted", target=template)
        template.delete()


def _item_values(objective: str, title: str, offset_days: int, owner_side: OwnerSide | str) -> dict[str, Any]:
    objective, title = " ".join(objective.split()), " ".join(title.split())
    if not objective:
        raise ValidationError({"objective": "Name the objective this milestone serves."})
    if not title:
        raise ValidationError({"title": "Name the milestone."})
    return {"objective": objective, "title": title, "offset_days": offset_days, "owner_side": OwnerSide(owner_side)}


def add_template_item(
    *,
    actor: Actor | User,
    template: PlanTemplate,
    objective: str,
    title: str,
    offset_days: int,
    owner_side: OwnerSide | str,
) -> PlanTemplateItem:
    """Add a milestone at the end of the template."""
    values = _item_values(objective, title, offset_days, owner_side)
    with transaction.atomic():
        template = PlanTemplate.objects.select_for_update().get(pk=template.pk)
        item = PlanTemplateItem.objects.create(
            organization=template.organization,
            template=template,
            position=_next_position(PlanTemplateItem.objects.filter(template=template)),
            **values,
        )
        record(
            organization=template.organization,
            actor=actor,
            verb="plan_template.item_added",
            target=template,
            data={"milestone": item.title, "objective": item.objective},
        )
    return item


def update_template_item(
    *,
    actor: Actor | User,
    item: PlanTemplateItem,
    objective: str,
    title: str,
    offset_days: int,
    owner_side: OwnerSide | str,
) -> PlanTemplateItem:
    """Change a milestone's objective, title, due offset or owner side."""
    values = _item_values(objective, title, offset_days, owner_side)
    with transaction.atomic():
        item = PlanTemplateItem.objects.select_for_update(of=("self",)).select_related("template").get(pk=item.pk)
        changes = diff(item, values)
        if not changes:
            return item
        for name, value in values.items():
            setattr(item, name, value)
        item.save(update_fields=list(values))
        record(
            organization=item.organization,
            actor=actor,
            verb="plan_template.item_updated",
            target=item.template,
            changes=changes,
            data={"milestone": item.title},
        )
    return item


def move_template_item(*, actor: Actor | User, item: PlanTemplateItem, direction: Direction) -> bool:
    """Move a milestone one place within its template; False at either end."""
    with transaction.atomic():
        siblings = PlanTemplateItem.objects.filter(template_id=item.template_id)
        siblings = siblings.order_by("position", "offset_days", "id")
        moved = _reorder(siblings, item, direction)
        if moved is None:
            return False
        record(
            organization=item.organization,
            actor=actor,
            verb="plan_template.item_moved",
            target=PlanTemplate.objects.get(pk=item.template_id),
            changes={"position": list(moved)},
            data={"milestone": item.title},
        )
    return True


def remove_template_item(*, actor: Actor | User, item: PlanTemplateItem) -> None:
    """Remove a milestone from the template; plans already started keep theirs."""
    with transaction.atomic():
        item = PlanTemplateItem.objects.select_for_update(of=("self",)).select_related("template").get(pk=item.pk)
        record(
            organization=item.organization,
            actor=actor,
            verb="plan_template.item_removed",
            target=item.template,
            data={"milestone": item.title, "objective": item.objective},
        )
        item.delete()
        # Close the gap so that "up" and "down" keep moving one step at a time.
        remaining = list(PlanTemplateItem.objects.filter(template_id=item.template_id).order_by("position", "id"))
        for position, sibling in enumerate(remaining):
            sibling.position = position
        PlanTemplateItem.objects.bulk_update(remaining, ["position"])
