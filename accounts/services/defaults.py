"""What a new organization starts with: the default tiers, lifecycle stages and the 30/60/90-day onboarding plan."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import LifecycleStage, OwnerSide, PlanTemplate, PlanTemplateItem, StageCategory, Tier
from csm.models import Organization

DEFAULT_TIERS = ["Tech-touch", "SMB", "Enterprise"]
DEFAULT_STAGES = [
    ("Trial", StageCategory.TRIAL),
    ("Onboarding", StageCategory.ONBOARDING),
    ("Adoption", StageCategory.ADOPTION),
    ("Mature", StageCategory.MATURE),
    ("Renewal", StageCategory.RENEWAL),
    ("Churned", StageCategory.CHURNED),
]
ONBOARDING_TEMPLATE = "30/60/90-day onboarding"
ONBOARDING_ITEMS = [
    # objective, milestone, days after start, who delivers it
    ("Get set up", "Kick-off call held and success criteria agreed", 7, OwnerSide.US),
    ("Get set up", "Product installed and first data flowing", 14, OwnerSide.CUSTOMER),
    ("Get set up", "Admins trained", 30, OwnerSide.US),
    ("Reach first value", "First team actively using the product", 45, OwnerSide.CUSTOMER),
    ("Reach first value", "First success milestone reviewed together", 60, OwnerSide.US),
    ("Grow adoption", "Second team onboarded", 75, OwnerSide.CUSTOMER),
    ("Grow adoption", "90-day review: value delivered, next goals, expansion and advocacy", 90, OwnerSide.US),
]


def install_defaults(organization: Organization) -> None:
    """Idempotent: adds only what the organization does not have yet. Runs inside its tenant context."""
    with transaction.atomic():
        if not Tier.objects.exists():
            Tier.objects.bulk_create(
                Tier(organization=organization, name=name, position=i) for i, name in enumerate(DEFAULT_TIERS)
            )
        if not LifecycleStage.objects.exists():
            LifecycleStage.objects.bulk_create(
                LifecycleStage(organization=organization, name=name, category=category, position=i)
                for i, (name, category) in enumerate(DEFAULT_STAGES)
            )
        if not PlanTemplate.objects.exists():
            template = PlanTemplate.objects.create(
                organization=organization,
                name=ONBOARDING_TEMPLATE,
                description="Tell the customer what to expect in the first 30, 60 and 90 days, and who does what.",
            )
            PlanTemplateItem.objects.bulk_create(
                PlanTemplateItem(
                    organization=organization,
                    template=template,
                    objective=objective,
                    title=title,
                    offset_days=days,
                    owner_side=side,
                    position=i,
                )
                for i, (objective, title, days, side) in enumerate(ONBOARDING_ITEMS)
            )


def on_organization_created(sender: Any, organization: Organization, **kwargs: Any) -> None:
    install_defaults(organization)
