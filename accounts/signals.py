"""Signals the accounts app sends; the apps above it (health, billing, playbooks) listen instead of being imported.

Each is sent inside the writing service's transaction, after the rows and their timeline entries are written, with
a batch (a service that writes many accounts at once sends one signal): a receiver that starts work elsewhere
enqueues it with `csm.tenancy.jobs.enqueue`, which waits for the commit.

- `revenue_changed(sender=Account, organization=..., actor=Actor, changes=[AccountChange, ...])`: an account's
  revenue facts changed (`REVENUE_FIELDS`: MRR, plan, renewal date, trial end, seats), whoever changed them: a
  person on the edit form or an import (`actor.kind == "user"`), or an integration (`accounts.services.revenue`).
- `health_band_changed(sender=Account, organization=..., actor=Actor, changes=[AccountChange, ...])`: an account's
  health band changed (`accounts.services.health`); `changes` holds `health_band` and `health_score` as
  `[old, new]`, and `reason` says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.dispatch import Signal

revenue_changed = Signal()
health_band_changed = Signal()


@dataclass(frozen=True)
class AccountChange:
    """What changed on one account: `{field: [old, new]}`, and why when the writer said so."""

    account_id: int
    changes: dict[str, list[Any]]
    reason: str = field(default="")
