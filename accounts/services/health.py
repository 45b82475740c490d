"""Who writes an account's health: its score (0-100) and band. Only this module does (the health app computes the
scores and hands them here; shared/DESIGN.md, "Who writes what on an account").

`record_health_scores` writes many accounts at once, as a scoring pass produces them: a few statements per thousand
accounts whatever their number. A band change writes an `account.health_changed` timeline entry that says why,
and the `health_band_changed` signal (accounts/signals.py) carries every band change of the call; a score that
moves within its band is stored without an entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account, HealthBand
from accounts.signals import AccountChange, health_band_changed
from csm.activity import Actor, as_actor, build
from csm.models import ActivityLog
from csm.tenancy import current_organization

BULK_BATCH = 1000


@dataclass(frozen=True)
class Health:
    """A score (None: not enough data to score) and its band ("" without a score), and why it is what it is."""

    score: int | None
    band: str
    reason: str = ""

    def __post_init__(self) -> None:
        if self.score is not None and not 0 <= self.score <= 100:
            raise ValidationError(f"A health score is between 0 and 100, not {self.score}.")
        if self.band not in HealthBand.values and self.band != "":
            raise ValidationError(f"{self.band!r} is not a health band.")
        if (self.score is None) != (self.band == ""):
            raise ValidationError("A health score and its band come together.")


def record_health_scores(*, actor: Actor | Any, scores: Mapping[int, Health]) -> int:
    """Store each account's score and band (accounts of another organization or gone are skipped); returns how many
    accounts changed."""
    organization = current_organization()
    changed_count = 0
    with transaction.atomic():
        ids = sorted(scores)
        for start in range(0, len(ids), BULK_BATCH):
            batch = ids[start : start + BULK_BATCH]
            accounts = list(
                Account.objects.filter(pk__in=batch)
                .select_for_update()
                .only("pk", "name", "health_score", "health_band")
                .order_by("pk")
            )
            changed: list[Account] = []
            entries: list[ActivityLog] = []
            band_changes: list[AccountChange] = []
            for account in accounts:
                health = scores[account.pk]
                if (account.health_score, account.health_band) == (health.score, health.band):
                    continue
                changes: dict[str, list[Any]] = {
                    "health_band": [account.health_band, health.band],
                    "health_score": [account.health_score, health.score],
                }
                account.health_score, account.health_band = health.score, health.band
                changed.append(account)
                if changes["health_band"][0] != changes["health_band"][1]:
                    band_changes.append(AccountChange(account.pk, changes, health.reason))
                    entries.append(
                        build(
                            organization=organization,
                            actor=actor,
                            verb="account.health_changed",
                            target=account,
                            about=account,
                            changes=changes,
                            data={"reason": health.reason} if health.reason else None,
                        )
                    )
            if changed:
                # Not `updated_at`: a nightly rescore is not an edit, and would reorder the list's "last update".
                Account.objects.bulk_update(changed, ["health_score", "health_band"])
                ActivityLog.objects.bulk_create(entries)
                changed_count += len(changed)
            if band_changes:
                health_band_changed.send(
                    sender=Account, organization=organization, actor=as_actor(actor), changes=band_changes
                )
    return changed_count


def record_health(*, actor: Actor | Any, account: Account, health: Health) -> bool:
    """One account's score and band; True when it changed."""
    return record_health_scores(actor=actor, scores={account.pk: health}) > 0
