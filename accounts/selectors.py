"""Reads of the accounts list and the account's 360 view.

The list's filters and sort live in the query string (`AccountFilterForm`), so a filtered list is a URL that can
be reloaded, shared and saved as a segment. Every filter and sort is served by an index that leads with
`organization_id` (accounts/models.py and the trigram indexes of migration 0003).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.utils.timezone import localdate

from accounts.forms.filters import AccountFilterForm
from accounts.models import (
    RESOLVED_TICKET_STATUSES,
    Account,
    AccountTag,
    Contact,
    ContactRole,
    ContactStatus,
    Milestone,
    MilestoneStatus,
    PlanStatus,
    Segment,
    SuccessPlan,
    Tag,
    Task,
    TaskStatus,
    Ticket,
)
from csm import cursors
from csm.models import ActivityLog, User
from csm.timeline import attach, filter_by_kind

PAGE_SIZE = 50

# Sort keys of the list: the column, then the id so that pages are stable.
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (Lower("name").asc(), "id"),
    "-name": (Lower("name").desc(), "-id"),
    "mrr": ("mrr", "id"),
    "-mrr": ("-mrr", "-id"),
    "renewal": (F("renewal_date").asc(nulls_last=True), "id"),
    "-renewal": (F("renewal_date").desc(nulls_last=True), "-id"),
    "health": (F("health_score").asc(nulls_last=True), "id"),
    "-health": (F("health_score").desc(nulls_last=True), "-id"),
    "owner": ("owner__full_name", "owner__email", "id"),
    "-owner": ("-owner__full_name", "-owner__email", "-id"),
    "stage": (F("stage__position").asc(nulls_last=True), "id"),
    "-stage": (F("stage__position").desc(nulls_last=True), "-id"),
    "tier": (F("tier__position").asc(nulls_last=True), "id"),
    "-tier": (F("tier__position").desc(nulls_last=True), "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "start": (F("start_date").asc(nulls_last=True), "id"),
    "-start": (F("start_date").desc(nulls_last=True), "-id"),
}
DEFAULT_SORT = "name"


def visible_segments(user: User) -> QuerySet[Segment]:
    """The segments a person may pick: their own and the shared ones."""
    return Segment.objects.filter(Q(owner=user) | Q(is_shared=True)).select_related("owner").order_by(Lower("name"))


class StaleSegmentError(ValueError):
    """A saved segment names an owner, tier or stage that no longer exists."""


def segment_filters(segment: Segment, user: User) -> dict[str, Any]:
    """A segment's saved filters, cleaned. A filter that no longer parses (its owner left, its stage was deleted)
    makes the whole segment stale: dropping that filter alone would silently widen it to more accounts."""
    saved = AccountFilterForm(segment.query, user=user)
    if not saved.is_valid():
        raise StaleSegmentError(
            f"The segment “{segment.name}” refers to something that no longer exists "
            f"({', '.join(saved.errors)}); save it again from the current filters."
        )
    filters = dict(saved.cleaned_data)
    filters.pop("segment", None)
    return filters


def filter_accounts(filters: dict[str, Any], user: User) -> QuerySet[Account]:
    """The accounts matching cleaned filters (see AccountFilterForm); a stale segment matches nothing."""
    accounts = Account.objects.all()
    segment: Segment | None = filters.get("segment")
    if segment is not None:
        try:
            accounts = _apply(accounts, segment_filters(segment, user), user)
        except StaleSegmentError:
            return Account.objects.none()
    return _apply(accounts, filters, user)


def _apply(accounts: QuerySet[Account], filters: dict[str, Any], user: User) -> QuerySet[Account]:
    q = (filters.get("q") or "").strip()
    if q:
        if "@" in q:
            # An address: the accounts one of whose contacts uses it (or whose domain it names).
            domain = q.rsplit("@", 1)[1]
            matches = Contact.objects.filter(email__icontains=q).values("account_id")
            accounts = accounts.filter(Q(pk__in=matches) | (Q(domains__icontains=domain) if domain else Q(pk__in=[])))
        else:
            accounts = accounts.filter(Q(name__icontains=q) | Q(domains__icontains=q))
    owner = filters.get("owner")
    if owner == "me":
        accounts = accounts.filter(owner=user)
    elif owner == "none":
        accounts = accounts.filter(owner__isnull=True)
    elif owner:
        accounts = accounts.filter(owner_id=owner)
    if filters.get("tier"):
        accounts = accounts.filter(tier=filters["tier"])
    if filters.get("stage"):
        accounts = accounts.filter(stage=filters["stage"])
    band = filters.get("band")
    if band == "none":
        accounts = accounts.filter(health_band="")
    elif band:
        accounts = accounts.filter(health_band=band)
    if filters.get("renewal_days") is not None:
        today = localdate()
        accounts = accounts.filter(
            renewal_date__gte=today, renewal_date__lte=today + timedelta(days=filters["renewal_days"])
        )
    if filters.get("mrr_min") is not None:
        accounts = accounts.filter(mrr__gte=filters["mrr_min"])
    if filters.get("mrr_max") is not None:
        accounts = accounts.filter(mrr__lte=filters["mrr_max"])
    tag = (filters.get("tag") or "").strip()
    if tag:
        accounts = accounts.filter(pk__in=AccountTag.objects.filter(tag__name__iexact=tag).values("account_id"))
    return accounts


def sort_accounts(accounts: QuerySet[Account], sort: str) -> QuerySet[Account]:
    return accounts.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def for_list(accounts: QuerySet[Account]) -> QuerySet[Account]:
    """What a row of the list shows, in a constant number of queries."""
    return accounts.select_related("owner", "tier", "stage").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )


# -- The 360 -----------------------------------------------------------------------------------------------------


@dataclass
class StakeholderNode:
    contact: Contact
    reports: list[StakeholderNode]


@dataclass
class Account360:
    account: Account
    contacts: list[Contact]
    stakeholder_tree: list[StakeholderNode]
    champion_warning: str
    open_tasks: list[Task]
    open_task_count: int
    plans: list[SuccessPlan]
    tickets: list[Ticket]
    open_ticket_count: int


MAX_CONTACTS = 200
MAX_TASKS = 10
MAX_TICKETS = 10
MAX_PLANS = 3


def account_for_360(pk: int) -> Account:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        Account.objects.select_related("owner", "tier", "stage").prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("name"))
        ),
        pk=pk,
    )


def stakeholder_tree(contacts: list[Contact]) -> list[StakeholderNode]:
    """The reports-to forest: people whose manager is not a contact here are roots."""
    nodes = {contact.pk: StakeholderNode(contact, []) for contact in contacts}
    roots: list[StakeholderNode] = []
    for contact in contacts:
        parent = nodes.get(contact.reports_to_id) if contact.reports_to_id else None
        (parent.reports if parent else roots).append(nodes[contact.pk])
    return roots


def champion_warning(contacts: list[Contact]) -> str:
    champions = [c for c in contacts if c.role == ContactRole.CHAMPION]
    active = [c for c in champions if c.status == ContactStatus.ACTIVE]
    if active:
        return ""
    if champions:
        names = ", ".join(c.name for c in champions)
        return f"Your champion has left the company ({names}). Find a new one before the renewal."
    return "No champion: nobody at this account is marked as the champion."


def plans_with_progress(plans: QuerySet[SuccessPlan]) -> QuerySet[SuccessPlan]:
    """Plans with `milestone_count`, `done_count` and their milestones in order."""
    return plans.annotate(
        milestone_count=Count("milestones"),
        done_count=Count("milestones", filter=Q(milestones__status=MilestoneStatus.DONE)),
    ).prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("position", "due_date", "id")))


def account_360(account: Account) -> Account360:
    contacts = list(
        Contact.objects.filter(account=account).select_related("reports_to").order_by("name")[:MAX_CONTACTS]
    )
    today = localdate()
    open_tasks_q = Task.objects.filter(account=account).filter(
        Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.SNOOZED, snoozed_until__lte=today)
    )
    plans = list(
        plans_with_progress(SuccessPlan.objects.filter(account=account).exclude(status=PlanStatus.ABANDONED)).order_by(
            "-status", "-created_at"
        )[:MAX_PLANS]
    )
    tickets_q = Ticket.objects.filter(account=account)
    return Account360(
        account=account,
        contacts=contacts,
        stakeholder_tree=stakeholder_tree(contacts),
        champion_warning=champion_warning(contacts),
        open_tasks=list(
            open_tasks_q.select_related("assignee", "account").order_by(F("due_date").asc(nulls_last=True), "id")[
                :MAX_TASKS
            ]
        ),
        open_task_count=open_tasks_q.count(),
        plans=plans,
        tickets=list(tickets_q.select_related("assignee").order_by("-opened_at")[:MAX_TICKETS]),
        open_ticket_count=tickets_q.exclude(status__in=RESOLVED_TICKET_STATUSES).count(),
    )


TIMELINE_PAGE_SIZE = 25


@dataclass
class TimelinePage:
    entries: list[ActivityLog]
    older: str | None  # the cursor of the next (older) page, when there is one


def timeline(account: Account, *, kind: str = "", before: tuple[Any, int] | None = None) -> TimelinePage:
    """One page of the account's timeline, newest first."""
    from django.contrib.contenttypes.models import ContentType

    entries = ActivityLog.objects.filter(
        about_type=ContentType.objects.get_for_model(Account), about_id=account.pk
    ).select_related("actor_user", "target_type")
    if kind:
        entries = filter_by_kind(entries, kind)
    if before is not None:
        moment, pk = before
        entries = entries.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    page = list(entries.order_by("-created_at", "-id")[: TIMELINE_PAGE_SIZE + 1])
    shown = attach(page[:TIMELINE_PAGE_SIZE])
    older = cursors.encode(shown[-1].created_at, shown[-1].pk) if len(page) > TIMELINE_PAGE_SIZE else None
    return TimelinePage(shown, older)
