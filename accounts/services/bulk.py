"""Bulk actions on the accounts list: assign an owner (managers), set a stage, add a tag, on many accounts at once.

A bulk action is planned before it is applied (`plan`): the person sees how many accounts it changes, which it
skips and why, and answers the question the 360 would ask one account at a time (moving a churned account to another
stage un-churns it: only when asked to, `unchurn`). `apply` then changes the planned accounts as they are at that
moment, and keeps a BulkChange, so that its author can undo it (`undo`) for UNDO_HOURS: the accounts still as the
action left them go back; those changed since are left alone and counted.

Each is one UPDATE (or INSERT) for the accounts and one INSERT for their timeline rows, whatever their number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.timezone import now

from accounts.models import Account, AccountTag, BulkAction, BulkChange, LifecycleStage, Tag
from accounts.services import sort_keys
from accounts.services.accounts import check_owner, tags_named
from csm.activity import Actor, as_actor, build, plain
from csm.models import ActivityLog, User
from csm.tenancy import current_organization

UNDO_HOURS = 24
NAMES_SHOWN = 5


@dataclass
class Skipped:
    reason: str
    accounts: list[Account]

    @property
    def names(self) -> str:
        names = ", ".join(account.name for account in self.accounts[:NAMES_SHOWN])
        more = len(self.accounts) - NAMES_SHOWN
        return names + (f" and {more} more" if more > 0 else "")


@dataclass
class Plan:
    """What a bulk action would do: the accounts it changes, those it skips (by reason), and for "set stage" the
    churned accounts it un-churns only when asked to."""

    action: str
    changed: list[Account]
    skipped: list[Skipped] = field(default_factory=list)
    churned: list[Account] = field(default_factory=list)
    missing: int = 0

    @property
    def skipped_count(self) -> int:
        return sum(len(group.accounts) for group in self.skipped) + self.missing


@dataclass
class Outcome:
    change: BulkChange | None
    changed: int
    skipped: list[tuple[str, int]]


def _accounts(account_ids: list[int], *, lock: bool) -> list[Account]:
    accounts = Account.objects.filter(pk__in=account_ids).select_related("owner", "stage").order_by("pk")
    if lock:
        accounts = accounts.select_for_update(of=("self",))
    return list(accounts)


def _check_value(action: str, *, owner: User | None, stage: LifecycleStage | None, tag: str) -> None:
    if action == BulkAction.ASSIGN_OWNER:
        check_owner(owner)
    elif action == BulkAction.SET_STAGE:
        if stage is None:
            raise ValidationError("Choose the stage.")
        if stage.is_churned:
            raise ValidationError("Churn accounts one at a time: each churn needs its own reason.")
    elif action == BulkAction.ADD_TAG:
        if not tag.strip():
            raise ValidationError("Name the tag to add.")
    else:
        raise ValidationError("Choose an action.")


def plan(
    action: str,
    account_ids: list[int],
    *,
    owner: User | None = None,
    stage: LifecycleStage | None = None,
    tag: str = "",
    unchurn: bool = False,
    lock: bool = False,
) -> Plan:
    """What the action would do to these accounts now. Ids that are not accounts of this organization are only
    counted (`missing`); nothing is written."""
    _check_value(action, owner=owner, stage=stage, tag=tag)
    accounts = _accounts(account_ids, lock=lock)
    found = Plan(action=action, changed=[], missing=len(set(account_ids)) - len(accounts))
    same: list[Account] = []
    if action == BulkAction.ASSIGN_OWNER:
        wanted = owner.pk if owner else None
        for account in accounts:
            (same if account.owner_id == wanted else found.changed).append(account)
        reason = f"already owned by {owner.display_name}" if owner else "already without an owner"
    elif action == BulkAction.SET_STAGE:
        assert stage is not None
        for account in accounts:
            if account.stage_id == stage.pk:
                same.append(account)
            elif account.stage is not None and account.stage.is_churned:
                found.churned.append(account)
            else:
                found.changed.append(account)
        reason = f"already in {stage.name}"
        if unchurn:
            found.changed += found.churned
        elif found.churned:
            found.skipped.append(Skipped("churned: moving them would un-churn them", found.churned))
    else:
        name = tag.strip()
        tagged = set(
            AccountTag.objects.filter(tag__name__iexact=name, account__in=accounts).values_list("account_id", flat=True)
        )
        for account in accounts:
            (same if account.pk in tagged else found.changed).append(account)
        reason = f"already tagged “{name}”"
    if same:
        found.skipped.insert(0, Skipped(reason, same))
    return found


def apply(
    *,
    actor: Actor | User,
    action: str,
    account_ids: list[int],
    owner: User | None = None,
    stage: LifecycleStage | None = None,
    tag: str = "",
    unchurn: bool = False,
) -> Outcome:
    """Do the action on the accounts as they are now, and keep it to be undone. Accounts of another organization
    (or deleted meanwhile) are skipped: with none left, nothing at all is written (not even a new tag)."""
    author = as_actor(actor).user
    with transaction.atomic():
        if not account_ids:
            raise ValidationError("Select at least one account.")
        found = plan(action, account_ids, owner=owner, stage=stage, tag=tag, unchurn=unchurn, lock=True)
        if not found.changed and not found.skipped:
            raise ValidationError("None of the selected accounts is in this organization: nothing was changed.")
        skipped = [(group.reason, len(group.accounts)) for group in found.skipped]
        if found.missing:
            skipped.append(("no longer in this organization", found.missing))
        if not found.changed:
            return Outcome(change=None, changed=0, skipped=skipped)
        if action == BulkAction.ASSIGN_OWNER:
            applied, previous = _assign_owner(actor, found.changed, owner)
        elif action == BulkAction.SET_STAGE:
            assert stage is not None
            applied, previous = _set_stage(actor, found.changed, stage)
        else:
            applied, previous = _add_tag(actor, found.changed, tag)
        change = None
        if author is not None:
            change = BulkChange.objects.create(
                organization=current_organization(),
                created_by=author,
                action=action,
                applied=applied,
                previous=previous,
            )
    return Outcome(change=change, changed=len(found.changed), skipped=skipped)


def _log(actor: Actor | User, verb: str, accounts: list[Account], changes: Any = None, data: Any = None) -> None:
    organization = current_organization()
    ActivityLog.objects.bulk_create(
        build(
            organization=organization,
            actor=actor,
            verb=verb,
            target=account,
            about=account,
            changes=changes(account) if callable(changes) else changes,
            data=data,
        )
        for account in accounts
    )


def _assign_owner(
    actor: Actor | User, accounts: list[Account], owner: User | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = Account.objects.filter(pk__in=[a.pk for a in accounts])
    changed.update(owner=owner, updated_at=now())
    sort_keys.refresh(changed)
    _log(actor, "account.owner_changed", accounts, lambda a: {"owner": [plain(a.owner), plain(owner)]})
    return {"owner": owner.pk if owner else None}, {str(a.pk): a.owner_id for a in accounts}


def _set_stage(
    actor: Actor | User, accounts: list[Account], stage: LifecycleStage
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Leaving the churned stage clears the churn date and reason, as `change_stage` does."""
    changed = Account.objects.filter(pk__in=[a.pk for a in accounts])
    changed.update(stage=stage, churn_date=None, churn_reason="", updated_at=now())
    sort_keys.refresh(changed)

    def changes(account: Account) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {"stage": [plain(account.stage), stage.name]}
        if account.churn_date is not None:
            found["churn_date"] = [account.churn_date, None]
        return found

    _log(actor, "account.stage_changed", accounts, changes)
    previous = {
        str(a.pk): [a.stage_id, a.churn_date.isoformat() if a.churn_date else None, a.churn_reason] for a in accounts
    }
    return {"stage": stage.pk}, previous


def _add_tag(actor: Actor | User, accounts: list[Account], name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    organization = current_organization()
    [tag] = tags_named([name])
    AccountTag.objects.bulk_create(AccountTag(organization=organization, account=a, tag=tag) for a in accounts)
    _log(actor, "account.tags_changed", accounts, data={"added": tag.name})
    return {"tag": tag.pk}, {str(a.pk): True for a in accounts}


# -- Undo --------------------------------------------------------------------------------------------------------


def undoable(change: BulkChange, user: User) -> bool:
    return (
        change.undone_at is None
        and change.created_by_id == user.pk
        and change.created_at > now() - timedelta(hours=UNDO_HOURS)
    )


def undo(*, actor: User, change: BulkChange) -> tuple[int, int]:
    """Put back the accounts a bulk action changed, those still as it left them. Only its author, once, within
    UNDO_HOURS. Returns (accounts put back, accounts left alone because they changed since)."""
    with transaction.atomic():
        change = BulkChange.objects.select_for_update().get(pk=change.pk)
        if change.created_by_id != actor.pk:
            raise PermissionDenied("Only the person who made a bulk change can undo it.")
        if change.undone_at is not None:
            raise ValidationError("This change was already undone.")
        if change.created_at <= now() - timedelta(hours=UNDO_HOURS):
            raise ValidationError(f"A bulk change can be undone for {UNDO_HOURS} hours; this one is older.")
        ids = [int(pk) for pk in change.previous]
        accounts = _accounts(ids, lock=True)
        if change.action == BulkAction.ASSIGN_OWNER:
            back = _undo_owner(actor, change, accounts)
        elif change.action == BulkAction.SET_STAGE:
            back = _undo_stage(actor, change, accounts)
        else:
            back = _undo_tag(actor, change, accounts)
        change.undone_at = now()
        change.save(update_fields=["undone_at"])
    return back, len(ids) - back


def forget_expired() -> int:
    """Delete the bulk changes that can no longer be undone (the daily sweep, `accounts.tasks`): the timeline keeps
    what each did. Returns how many."""
    deleted, _ = BulkChange.objects.filter(created_at__lt=now() - timedelta(hours=UNDO_HOURS)).delete()
    return deleted


def _undo_owner(actor: User, change: BulkChange, accounts: list[Account]) -> int:
    still = [a for a in accounts if a.owner_id == change.applied.get("owner")]
    by_owner: dict[int | None, list[Account]] = defaultdict(list)
    for account in still:
        by_owner[change.previous[str(account.pk)]].append(account)
    owners = {user.pk: user for user in User.objects.filter(pk__in=[pk for pk in by_owner if pk is not None])}
    for owner_id, group in by_owner.items():
        owner = owners.get(owner_id) if owner_id is not None else None
        if owner_id is not None and owner is None:
            continue  # the earlier owner is gone: left as it is
        changed = Account.objects.filter(pk__in=[a.pk for a in group])
        changed.update(owner=owner, updated_at=now())
        sort_keys.refresh(changed)
        _log(actor, "account.owner_changed", group, lambda a, o=owner: {"owner": [plain(a.owner), plain(o)]})
    return sum(len(group) for owner_id, group in by_owner.items() if owner_id is None or owner_id in owners)


def _undo_stage(actor: User, change: BulkChange, accounts: list[Account]) -> int:
    still = [a for a in accounts if a.stage_id == change.applied.get("stage")]
    stages = {stage.pk: stage for stage in LifecycleStage.objects.all()}
    back = []
    for account in still:
        stage_id, churn_date, churn_reason = change.previous[str(account.pk)]
        if stage_id is not None and stage_id not in stages:
            continue  # the earlier stage was deleted
        before = plain(account.stage)
        account.stage = stages.get(stage_id) if stage_id is not None else None
        account.churn_date = date.fromisoformat(churn_date) if churn_date else None
        account.churn_reason = churn_reason
        account.updated_at = now()
        account.before = before  # type: ignore[attr-defined]
        back.append(account)
    Account.objects.bulk_update(back, ["stage", "churn_date", "churn_reason", "updated_at"])
    sort_keys.refresh(Account.objects.filter(pk__in=[a.pk for a in back]))
    _log(actor, "account.stage_changed", back, lambda a: {"stage": [a.before, plain(a.stage)]})
    return len(back)


def _undo_tag(actor: User, change: BulkChange, accounts: list[Account]) -> int:
    tag = Tag.objects.filter(pk=change.applied.get("tag")).first()
    if tag is None:
        return 0
    links = AccountTag.objects.filter(tag=tag, account__in=accounts)
    untagged = set(links.values_list("account_id", flat=True))
    links.delete()
    back = [a for a in accounts if a.pk in untagged]
    _log(actor, "account.tags_changed", back, data={"removed": tag.name})
    return len(back)
