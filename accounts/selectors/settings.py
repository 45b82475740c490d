"""Reads of the workspace settings pages: the settings lists with how many accounts use each entry.

Each list is one query whatever the number of accounts: the usage counts are correlated subqueries that read the
`(organization, tier|stage, id)` indexes of accounts.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import Account, CustomField, LifecycleStage, PlanTemplate, PlanTemplateItem, Tier
from csm.models import ActivityLog

HISTORY_LENGTH = 10


def _usage(field: str) -> Coalesce:
    counted = (
        Account.objects.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("id")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def tiers() -> QuerySet[Tier]:
    return Tier.objects.annotate(account_count=_usage("tier")).order_by("position", "name", "id")


def stages() -> QuerySet[LifecycleStage]:
    return LifecycleStage.objects.annotate(account_count=_usage("stage")).order_by("position", "name", "id")


def custom_fields() -> QuerySet[CustomField]:
    return CustomField.objects.order_by("position", "label", "id")


def plan_templates() -> QuerySet[PlanTemplate]:
    items = (
        PlanTemplateItem.objects.filter(template=OuterRef("pk"))
        .order_by()
        .values("template")
        .annotate(n=Count("id"))
        .values("n")
    )
    return PlanTemplate.objects.annotate(
        item_count=Coalesce(Subquery(items, output_field=IntegerField()), Value(0))
    ).order_by("name", "id")


def template_items(template: PlanTemplate) -> QuerySet[PlanTemplateItem]:
    return PlanTemplateItem.objects.filter(template=template).order_by("position", "offset_days", "id")


def template_history(template: PlanTemplate) -> list[ActivityLog]:
    """The template's latest changes, its milestones' included (they are logged against the template)."""
    return list(
        ActivityLog.objects.filter(
            target_type=ContentType.objects.get_for_model(PlanTemplate), target_id=template.pk
        ).order_by("-created_at", "-id")[:HISTORY_LENGTH]
    )
