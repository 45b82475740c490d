"""The list's sort keys (Account.owner_name, stage_position, tier_position), refreshed in one UPDATE for any set of
accounts. Every write that changes an account's owner, stage or tier, or a stage's or tier's position, or a
person's name, calls `refresh`."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from accounts.models import NO_POSITION, Account, LifecycleStage, Tier
from csm.models import User
from csm.selectors import memberships_of
from csm.tenancy import activate


def refresh(accounts: QuerySet[Account]) -> int:
    """Copy the owners' names and the stages' and tiers' positions onto these accounts."""
    owner_name = User.objects.filter(pk=OuterRef("owner_id")).values(
        name=Coalesce(NullIf("full_name", Value("")), "email", output_field=CharField())
    )[:1]
    return accounts.update(
        owner_name=Coalesce(Subquery(owner_name), Value("")),
        stage_position=Coalesce(
            Subquery(LifecycleStage.objects.filter(pk=OuterRef("stage_id")).values("position")[:1]),
            Value(NO_POSITION),
        ),
        tier_position=Coalesce(
            Subquery(Tier.objects.filter(pk=OuterRef("tier_id")).values("position")[:1]), Value(NO_POSITION)
        ),
    )


def on_person_renamed(sender: Any, user: User, **kwargs: Any) -> None:
    """A person's new name, on the accounts they own in each of their organizations."""
    for membership in memberships_of(user):
        with activate(membership.organization, user=user):
            refresh(Account.objects.filter(owner=user))
