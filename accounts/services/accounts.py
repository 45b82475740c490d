"""Creating and changing accounts: fields, stage (a churn needs its reason), owner, tags; one at a time or in bulk.

Revenue facts (MRR, plan, renewal date, trial end, seats) a person enters here go through the rules of
`accounts.services.revenue` (MRR is read-only while a revenue source owns it) and send its `revenue_changed` signal;
the health fields are written by `accounts.services.health` alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.timezone import localdate, now

from accounts.models import Account, AccountTag, LifecycleStage, Tag
from accounts.services import revenue, sort_keys
from accounts.signals import AccountChange
from csm.activity import Actor, diff, plain, record
from csm.models import User
from csm.selectors import is_active_member
from csm.tenancy import current_organization

# Fields whose change is its own kind of timeline entry, with its own service.
STAGE_FIELDS = {"stage", "churn_date", "churn_reason"}
ACCOUNT_FIELDS = {
    "name",
    "domains",
    "external_id",
    "owner",
    "tier",
    "stage",
    "plan",
    "start_date",
    "renewal_date",
    "trial_ends_on",
    "seats",
    "churn_date",
    "churn_reason",
    "mrr",
    "custom_fields",
}


def check_owner(owner: User | None) -> None:
    if owner is not None and not is_active_member(owner):
        raise ValidationError({"owner": "The owner must be an active member of the organization."})


def create_account(*, actor: Actor | User, **values: Any) -> Account:
    unknown = set(values) - ACCOUNT_FIELDS - {"tags"}
    if unknown:
        raise TypeError(f"Unknown account fields: {sorted(unknown)}")
    tags = values.pop("tags", None)
    with transaction.atomic():
        check_owner(values.get("owner"))
        revenue.check_manual(actor, None, values)
        account = Account(organization=current_organization(), **values)
        account.domains = Account.normalize_domains(account.domains)
        account.external_id = account.external_id or None
        account.full_clean()
        account.save()
        sort_keys.refresh(Account.objects.filter(pk=account.pk))
        record(organization=account.organization, actor=actor, verb="account.created", target=account, about=account)
        entered = {name: [None, values[name]] for name in revenue.REVENUE_FIELDS & values.keys() if values[name]}
        revenue.send_changed(actor=actor, changes=[AccountChange(account.pk, entered)])
        if tags:
            set_tags(actor=actor, account=account, names=tags)
    return account


def update_account(*, actor: Actor | User, account: Account, **values: Any) -> Account:
    """Change any fields; a stage change goes through `change_stage` so that a churn keeps its reason."""
    unknown = set(values) - ACCOUNT_FIELDS
    if unknown:
        raise TypeError(f"Unknown account fields: {sorted(unknown)}")
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if "stage" in values and values["stage"] != account.stage:
            change_stage(
                actor=actor,
                account=account,
                stage=values.pop("stage"),
                churn_reason=values.pop("churn_reason", ""),
                churn_date=values.pop("churn_date", None),
            )
            account.refresh_from_db()
        values.pop("stage", None)
        if "domains" in values:
            values["domains"] = Account.normalize_domains(values["domains"])
        if "external_id" in values:
            values["external_id"] = values["external_id"] or None
        if "owner" in values and values["owner"] != account.owner:
            assign_owner(actor=actor, account=account, owner=values.pop("owner"))
            account.refresh_from_db()
        values.pop("owner", None)
        changes = diff(account, values)
        if not changes:
            return account
        revenue.check_manual(actor, account, values)
        for field, value in values.items():
            setattr(account, field, value)
        account.updated_at = now()
        account.full_clean()
        account.save(update_fields=[*changes, "updated_at"])
        if "tier" in changes:
            sort_keys.refresh(Account.objects.filter(pk=account.pk))
        record(
            organization=account.organization,
            actor=actor,
            verb="account.updated",
            target=account,
            about=account,
            changes=changes,
        )
        revenue.send_changed(actor=actor, changes=[AccountChange(account.pk, changes)])
    return account


def change_stage(
    *,
    actor: Actor | User,
    account: Account,
    stage: LifecycleStage,
    churn_reason: str = "",
    churn_date: date | None = None,
) -> Account:
    """Move an account to a lifecycle stage. Churning needs a reason and a churn date that is not in the future
    (today when none is given); leaving the churned stage clears both."""
    if churn_date is not None and churn_date > localdate():
        raise ValidationError({"churn_date": "The churn date cannot be in the future."})
    with transaction.atomic():
        account = Account.objects.select_for_update(of=("self",)).select_related("stage").get(pk=account.pk)
        if account.stage_id == stage.pk:
            return account
        changes: dict[str, list[Any]] = {"stage": [plain(account.stage), stage.name]}
        if stage.is_churned:
            if not churn_reason.strip():
                raise ValidationError({"churn_reason": "Say why the account churned."})
            churn_date = churn_date or localdate()
            changes["churn_reason"] = [account.churn_reason, churn_reason.strip()]
            changes["churn_date"] = [account.churn_date, churn_date]
            account.churn_reason, account.churn_date = churn_reason.strip(), churn_date
        elif account.stage is not None and account.stage.is_churned:
            changes["churn_date"] = [account.churn_date, None]
            account.churn_reason, account.churn_date = "", None
        account.stage = stage
        account.updated_at = now()
        account.save(update_fields=["stage", "churn_reason", "churn_date", "updated_at"])
        sort_keys.refresh(Account.objects.filter(pk=account.pk))
        record(
            organization=account.organization,
            actor=actor,
            verb="account.stage_changed",
            target=account,
            about=account,
            changes=changes,
        )
    return account


def assign_owner(*, actor: Actor | User, account: Account, owner: User | None) -> Account:
    with transaction.atomic():
        account = Account.objects.select_for_update(of=("self",)).select_related("owner").get(pk=account.pk)
        if account.owner_id == (owner.pk if owner else None):
            return account
        check_owner(owner)
        changes = {"owner": [plain(account.owner), plain(owner)]}
        account.owner = owner
        account.updated_at = now()
        account.save(update_fields=["owner", "updated_at"])
        sort_keys.refresh(Account.objects.filter(pk=account.pk))
        record(
            organization=account.organization,
            actor=actor,
            verb="account.owner_changed",
            target=account,
            about=account,
            changes=changes,
        )
    return account


def tags_named(names: Iterable[str]) -> list[Tag]:
    """The organization's tags with these names (any case), created when missing. Two requests creating the same
    tag at once both succeed: the insert ignores the conflict and the tag is read back."""
    organization = current_organization()
    wanted = list({name.strip()[:40].lower(): name.strip()[:40] for name in names if name.strip()}.values())
    if not wanted:
        return []
    Tag.objects.bulk_create([Tag(organization=organization, name=name) for name in wanted], ignore_conflicts=True)
    existing = {tag.name.lower(): tag for tag in Tag.objects.filter(name__iregex=_any_of(wanted))}
    return [existing[name.lower()] for name in wanted]


def _any_of(names: list[str]) -> str:
    return "^(" + "|".join(re.escape(name) for name in names) + ")$"


def set_tags(*, actor: Actor | User, account: Account, names: Iterable[str]) -> Account:
    """Make the account's tags exactly `names` (new tags are created)."""
    with transaction.atomic():
        tags = tags_named(names)
        current = {link.tag_id: link.tag for link in AccountTag.objects.filter(account=account).select_related("tag")}
        wanted = {tag.pk: tag for tag in tags}
        removed = [current[pk] for pk in current.keys() - wanted.keys()]
        added = [wanted[pk] for pk in wanted.keys() - current.keys()]
        if not removed and not added:
            return account
        AccountTag.objects.filter(account=account, tag__in=removed).delete()
        AccountTag.objects.bulk_create(
            AccountTag(organization=account.organization, account=account, tag=tag) for tag in added
        )
        record(
            organization=account.organization,
            actor=actor,
            verb="account.tags_changed",
            target=account,
            about=account,
            changes={"tags": [sorted(t.name for t in current.values()), sorted(t.name for t in tags)]},
        )
    return account
