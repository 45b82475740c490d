"""Creating and changing accounts: fields, stage (a churn needs its reason), owner, tags; one at a time or in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.timezone import localdate, now

from accounts.models import Account, AccountTag, LifecycleStage, Tag
from csm.activity import Actor, record
from csm.models import Membership, User
from csm.tenancy import current_organization

# Fields whose change is its own kind of timeline entry, with its own service.
STAGE_FIELDS = {"stage", "churn_date", "churn_reason"}
ACCOUNT_FIELDS = {
    "name", "domains", "external_id", "owner", "tier", "stage", "plan", "start_date", "renewal_date", "churn_date",
    "churn_reason", "mrr", "custom_fields",
}  # fmt: skip


def _plain(value: Any) -> Any:
    """A value as the activity log keeps it: related objects by name, everything else as is."""
    if hasattr(value, "_meta"):
        return str(value)
    return value


def _diff(account: Account, values: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(account, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
    return changes


def check_owner(owner: User | None) -> None:
    if owner is not None and not Membership.objects.filter(user=owner, is_active=True).exists():
        raise ValidationError({"owner": "The owner must be an active member of the organization."})


def create_account(*, actor: Actor | User, **values: Any) -> Account:
    unknown = set(values) - ACCOUNT_FIELDS - {"tags"}
    if unknown:
        raise TypeError(f"Unknown account fields: {sorted(unknown)}")
    tags = values.pop("tags", None)
    with transaction.atomic():
        check_owner(values.get("owner"))
        account = Account(organization=current_organization(), **values)
        account.domains = Account.normalize_domains(account.domains)
        account.external_id = account.external_id or None
        account.full_clean()
        account.save()
        record(organization=account.organization, actor=actor, verb="account.created", target=account, about=account)
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
        changes = _diff(account, values)
        if not changes:
            return account
        for field, value in values.items():
            setattr(account, field, value)
        account.updated_at = now()
        account.full_clean()
        account.save(update_fields=[*changes, "updated_at"])
        record(
            organization=account.organization,
            actor=actor,
            verb="account.updated",
            target=account,
            about=account,
            changes=changes,
        )
    return account


def change_stage(
    *,
    actor: Actor | User,
    account: Account,
    stage: LifecycleStage,
    churn_reason: str = "",
    churn_date: date | None = None,
) -> Account:
    """Move an account to a lifecycle stage. Churning needs a reason (and takes today as the churn date when none
    is given); leaving the churned stage clears both."""
    with transaction.atomic():
        account = Account.objects.select_for_update(of=("self",)).select_related("stage").get(pk=account.pk)
        if account.stage_id == stage.pk:
            return account
        changes: dict[str, list[Any]] = {"stage": [_plain(account.stage), stage.name]}
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
        changes = {"owner": [_plain(account.owner), _plain(owner)]}
        account.owner = owner
        account.updated_at = now()
        account.save(update_fields=["owner", "updated_at"])
        record(
            organization=account.organization,
            actor=actor,
            verb="account.owner_changed",
            target=account,
            about=account,
            changes=changes,
        )
    return account


def _tags_named(names: Iterable[str]) -> list[Tag]:
    organization = current_organization()
    wanted = {name.strip()[:40]: None for name in names if name.strip()}
    existing = {tag.name.lower(): tag for tag in Tag.objects.all()}
    tags = []
    for name in wanted:
        tag = existing.get(name.lower())
        if tag is None:
            tag = Tag.objects.create(organization=organization, name=name)
            existing[name.lower()] = tag
        tags.append(tag)
    return tags


def set_tags(*, actor: Actor | User, account: Account, names: Iterable[str]) -> Account:
    """Make the account's tags exactly `names` (new tags are created)."""
    with transaction.atomic():
        tags = _tags_named(names)
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


# -- Bulk actions on the list ------------------------------------------------------------------------------------


def _bulk_accounts(account_ids: Iterable[int]) -> list[Account]:
    return list(Account.objects.filter(pk__in=list(account_ids)).select_related("owner", "stage").order_by("pk"))


def bulk_assign_owner(*, actor: Actor | User, account_ids: Iterable[int], owner: User | None) -> int:
    """Reassign many accounts at once: one UPDATE, one timeline entry per account that changed."""
    with transaction.atomic():
        check_owner(owner)
        accounts = [a for a in _bulk_accounts(account_ids) if a.owner_id != (owner.pk if owner else None)]
        Account.objects.filter(pk__in=[a.pk for a in accounts]).update(owner=owner, updated_at=now())
        for account in accounts:
            record(
                organization=account.organization,
                actor=actor,
                verb="account.owner_changed",
                target=account,
                about=account,
                changes={"owner": [_plain(account.owner), _plain(owner)]},
            )
    return len(accounts)


def bulk_set_stage(*, actor: Actor | User, account_ids: Iterable[int], stage: LifecycleStage) -> int:
    if stage.is_churned:
        raise ValidationError("Churn accounts one at a time: each churn needs its own reason.")
    with transaction.atomic():
        accounts = [a for a in _bulk_accounts(account_ids) if a.stage_id != stage.pk]
        for account in accounts:
            change_stage(actor=actor, account=account, stage=stage)
    return len(accounts)


def bulk_add_tag(*, actor: Actor | User, account_ids: Iterable[int], name: str) -> int:
    if not name.strip():
        raise ValidationError("Name the tag to add.")
    with transaction.atomic():
        [tag] = _tags_named([name])
        accounts = _bulk_accounts(account_ids)
        tagged = set(AccountTag.objects.filter(tag=tag, account__in=accounts).values_list("account_id", flat=True))
        new = [a for a in accounts if a.pk not in tagged]
        AccountTag.objects.bulk_create(AccountTag(organization=a.organization, account=a, tag=tag) for a in new)
        for account in new:
            record(
                organization=account.organization,
                actor=actor,
                verb="account.tags_changed",
                target=account,
                about=account,
                data={"added": tag.name},
            )
    return len(new)
