"""Writing the activity log: who (a person, an automation, an integration or the system) did what to which object.

Services call `record()` inside their own transaction, so a change and its log row commit or roll back together.
Later apps add their own verbs (an account's timeline is the log rows that target it or its children); the log does
not need to know them in advance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from csm.models import ActivityLog, ActorKind, Organization, User


@dataclass(frozen=True)
class Actor:
    """Who is acting. Services take it as their keyword-only `actor=` (a `User` is accepted too)."""

    kind: ActorKind
    label: str
    user: User | None = None

    @classmethod
    def person(cls, user: User) -> Actor:
        return cls(kind=ActorKind.USER, label=user.display_name, user=user)

    @classmethod
    def automation(cls, label: str) -> Actor:
        return cls(kind=ActorKind.AUTOMATION, label=label)

    @classmethod
    def integration(cls, label: str) -> Actor:
        return cls(kind=ActorKind.INTEGRATION, label=label)


SYSTEM = Actor(kind=ActorKind.SYSTEM, label="System")


def as_actor(actor: Actor | User) -> Actor:
    return actor if isinstance(actor, Actor) else Actor.person(actor)


def plain(value: Any) -> Any:
    """A value as the log keeps it: a related object by its name, anything else as it is."""
    if isinstance(value, models.Model):
        return str(value)
    return value


def diff(instance: models.Model, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields of `new_values` that differ from `instance`, as {field: [old, new]}."""
    changes: dict[str, list[Any]] = {}
    for field, new in new_values.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = [plain(old), plain(new)]
    return changes


def build(
    *,
    organization: Organization,
    actor: Actor | User,
    verb: str,
    target: models.Model | None = None,
    about: models.Model | None = None,
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> ActivityLog:
    """An unsaved row, for services that write many at once with `ActivityLog.objects.bulk_create`."""
    who = as_actor(actor)
    entry = ActivityLog(
        organization=organization,
        actor_kind=who.kind,
        actor_user=who.user,
        actor_label=who.label[:200],
        verb=verb,
        changes=changes or {},
        data=data or {},
    )
    if target is not None:
        entry.target_type = ContentType.objects.get_for_model(target)
        entry.target_id = target.pk
        entry.target_repr = str(target)[:200]
    if about is not None:
        entry.about_type = ContentType.objects.get_for_model(about)
        entry.about_id = about.pk
    return entry


def record(
    *,
    organization: Organization,
    actor: Actor | User,
    verb: str,
    target: models.Model | None = None,
    about: models.Model | None = None,
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> ActivityLog:
    """Append one row to the organization's activity log.

    `target` is the object changed; `about` what the change belongs to (an account, for its timeline; pass it even
    when the account is the target).
    """
    entry = build(
        organization=organization, actor=actor, verb=verb, target=target, about=about, changes=changes, data=data
    )
    entry.save()
    return entry
