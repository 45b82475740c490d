"""Who writes an account's revenue facts: MRR, plan, renewal date, trial end and seats.

They change in three places, all in `accounts.services`, each with a timeline entry and the `revenue_changed`
signal (accounts/signals.py):

- a person edits or creates an account (`accounts.update_account`, `create_account`: the entry is the edit's own
  `account.updated`), or imports a file (`importing`: `account.imported` / `account.updated`);
- an integration reports what it knows (`record_revenue`, `record_revenue_in_bulk` here: `account.revenue_changed`,
  with the integration as the actor).

While the organization's revenue comes from a source (billing's Stripe connection calls `connect_source`), the
MRR follows that source alone: people's forms show it read-only and imports leave MRR columns out, both saying why
(`locked_message`), and `check_manual` refuses a person's MRR change that gets past them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.timezone import now

from accounts.models import Account, RevenueSource
from accounts.signals import AccountChange, revenue_changed
from csm.activity import Actor, as_actor, build, plain, record
from csm.models import ActivityLog, ActorKind
from csm.tenancy import current_organization

REVENUE_FIELDS = frozenset({"mrr", "plan", "renewal_date", "trial_ends_on", "seats"})
LOCKED_FIELDS = frozenset({"mrr"})  # what a revenue source owns outright
BULK_BATCH = 1000


# -- The revenue source ------------------------------------------------------------------------------------------


def source() -> RevenueSource | None:
    """The active organization's revenue source, or None while revenue is entered by hand."""
    return RevenueSource.objects.first()


def locked_message(revenue_source: RevenueSource) -> str:
    return (
        f"MRR comes from {revenue_source.name}: it follows the customer's subscriptions there, "
        "so it cannot be changed here."
    )


def connect_source(*, actor: Actor | Any, name: str) -> RevenueSource:
    """From now on the organization's MRR comes from `name` (an integration calls this when it connects)."""
    organization = current_organization()
    with transaction.atomic():
        revenue_source, created = RevenueSource.objects.select_for_update().get_or_create(
            organization=organization, defaults={"name": name}
        )
        if not created and revenue_source.name != name:
            revenue_source.name = name
            revenue_source.save(update_fields=["name"])
        if created:
            record(organization=organization, actor=actor, verb="revenue.source_connected", data={"source": name})
    return revenue_source


def disconnect_source(*, actor: Actor | Any) -> None:
    """Revenue is entered by hand again (the integration was disconnected)."""
    organization = current_organization()
    with transaction.atomic():
        for revenue_source in RevenueSource.objects.select_for_update():
            revenue_source.delete()
            record(
                organization=organization,
                actor=actor,
                verb="revenue.source_disconnected",
                data={"source": revenue_source.name},
            )


def check_manual(actor: Actor | Any, account: Account | None, values: Mapping[str, Any]) -> None:
    """Refuse a person's change of a locked field (MRR) while a revenue source owns it."""
    if as_actor(actor).kind != ActorKind.USER:
        return
    touched = [
        name for name in LOCKED_FIELDS & values.keys() if account is None or getattr(account, name) != values[name]
    ]
    if not touched:
        return
    if account is None and all(not values[name] for name in touched):
        return  # a new account without MRR: the source fills it in
    revenue_source = source()
    if revenue_source is not None:
        raise ValidationError({name: locked_message(revenue_source) for name in touched})


def send_changed(*, actor: Actor | Any, changes: Iterable[AccountChange]) -> None:
    """The `revenue_changed` signal, for the changes that touch revenue fields."""
    touched = []
    for change in changes:
        revenue = {name: pair for name, pair in change.changes.items() if name in REVENUE_FIELDS}
        if revenue:
            touched.append(AccountChange(change.account_id, revenue, change.reason))
    if touched:
        revenue_changed.send(
            sender=Account, organization=current_organization(), actor=as_actor(actor), changes=touched
        )


# -- Integrations ------------------------------------------------------------------------------------------------


def _validated(facts: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(facts) - REVENUE_FIELDS
    if unknown:
        raise TypeError(f"Not revenue facts: {sorted(unknown)}")
    values = dict(facts)
    if "mrr" in values:
        values["mrr"] = Decimal(str(values["mrr"])).quantize(Decimal("0.01"))
        if values["mrr"] < 0:
            raise ValidationError({"mrr": "MRR cannot be negative."})
    if values.get("seats") is not None and values["seats"] < 0:
        raise ValidationError({"seats": "Seats cannot be negative."})
    if "plan" in values:
        values["plan"] = (values["plan"] or "")[:100]
    return values


def record_revenue(*, actor: Actor | Any, account: Account, **facts: Any) -> Account:
    """Set an account's revenue facts as an integration reports them: one `account.revenue_changed` entry, and the
    `revenue_changed` signal when anything changed."""
    values = _validated(facts)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        check_manual(actor, account, values)
        changes = {
            name: [plain(getattr(account, name)), value]
            for name, value in values.items()
            if getattr(account, name) != value
        }
        if not changes:
            return account
        for name in changes:
            setattr(account, name, values[name])
        account.updated_at = now()
        account.save(update_fields=[*changes, "updated_at"])
        record(
            organization=account.organization,
            actor=actor,
            verb="account.revenue_changed",
            target=account,
            about=account,
            changes=changes,
        )
        send_changed(actor=actor, changes=[AccountChange(account.pk, changes)])
    return account


def record_revenue_in_bulk(*, actor: Actor | Any, facts: Mapping[int, Mapping[str, Any]]) -> int:
    """`record_revenue` for many accounts at once (a sync): a few statements per thousand accounts whatever their
    number, one timeline entry per changed account, one signal. Accounts of another organization or that no longer
    exist are skipped. Returns how many accounts changed."""
    wanted = {account_id: _validated(values) for account_id, values in facts.items()}
    organization = current_organization()
    changed_count = 0
    with transaction.atomic():
        ids = sorted(wanted)
        for start in range(0, len(ids), BULK_BATCH):
            batch = ids[start : start + BULK_BATCH]
            accounts = list(Account.objects.filter(pk__in=batch).select_for_update().order_by("pk"))
            moment = now()
            changed: list[Account] = []
            entries: list[ActivityLog] = []
            signalled: list[AccountChange] = []
            fields: set[str] = set()
            for account in accounts:
                values = wanted[account.pk]
                check_manual(actor, account, values)
                changes = {
                    name: [plain(getattr(account, name)), value]
                    for name, value in values.items()
                    if getattr(account, name) != value
                }
                if not changes:
                    continue
                for name in changes:
                    setattr(account, name, values[name])
                account.updated_at = moment
                fields |= changes.keys()
                changed.append(account)
                signalled.append(AccountChange(account.pk, changes))
                entries.append(
                    build(
                        organization=organization,
                        actor=actor,
                        verb="account.revenue_changed",
                        target=account,
                        about=account,
                        changes=changes,
                    )
                )
            if changed:
                Account.objects.bulk_update(changed, sorted(fields | {"updated_at"}))
                ActivityLog.objects.bulk_create(entries)
                send_changed(actor=actor, changes=signalled)
                changed_count += len(changed)
    return changed_count
