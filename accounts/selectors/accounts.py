"""Reads of the accounts list and the account's 360 view.

The list's filters and sort live in the query string (`AccountFilterForm`), so a filtered list is a URL that can
be reloaded, shared and saved as a segment. Every filter and sort is served by an index that leads with
`organization_id` (accounts/models.py and the trigram indexes of migration 0003).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.http import Http404
from django.utils.timezone import localdate

from accounts.forms.filters import AccountFilterForm
from accounts.models import (
    Account,
    AccountTag,
    Contact,
    ContactRole,
    ContactStatus,
    CustomField,
    HealthBand,
    LifecycleStage,
    Milestone,
    MilestoneStatus,
    Note,
    PlanStatus,
    PlanTemplate,
    Segment,
    StageCategory,
    SuccessPlan,
    Tag,
    Task,
    TaskStatus,
    Ticket,
    Tier,
)
from accounts.selectors.tasks import ROW_FIELDS as TASK_ROW_FIELDS
from accounts.selectors.tasks import active_members
from accounts.templatetags.accounts_tags import money
from csm.models import ActivityLog, User
from csm.prepared import prepared
from csm.timeline import attach, filter_by_kind
from csm.web import cursors

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
    # Owner, stage and tier sort on keys copied onto the account (accounts.services.sort_keys), so an index serves
    # them instead of a join.
    "owner": ("owner_name", "id"),
    "-owner": ("-owner_name", "-id"),
    "stage": ("stage_position", "id"),
    "-stage": ("-stage_position", "-id"),
    "tier": ("tier_position", "id"),
    "-tier": ("-tier_position", "-id"),
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
    saved = AccountFilterForm(segment.query, user=user, members=active_members())
    if not saved.is_valid():
        raise StaleSegmentError(
            f"The segment “{segment.name}” refers to something that no longer exists "
            f"({', '.join(saved.errors)}); save it again from the current filters."
        )
    filters = dict(saved.cleaned_data)
    filters.pop("segment", None)
    return filters


def not_churned(accounts: QuerySet[Account]) -> QuerySet[Account]:
    """The accounts whose stage is not a churned one (an account without a stage included)."""
    return accounts.exclude(stage__category=StageCategory.CHURNED)


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


def search(accounts: QuerySet[Account], q: str) -> QuerySet[Account]:
    """The accounts a search box's text finds: by name, domain or external id, or, when the text holds an "@", by
    a contact's email. The list's search and the header's quick search share it, so "See all results" lists what
    the quick search found."""
    q = q.strip()
    if not q:
        return accounts
    # ilike_contains, not icontains: it can use the trigram indexes under row-level security (csm.lookups).
    if "@" in q:
        # An address: the accounts one of whose contacts uses it.
        return accounts.filter(pk__in=Contact.objects.filter(email__ilike_contains=q).values("account_id"))
    # An external id (the CRM's) matches exactly: people paste it whole.
    return accounts.filter(Q(name__ilike_contains=q) | Q(domains__ilike_contains=q) | Q(external_id=q))


def _apply(accounts: QuerySet[Account], filters: dict[str, Any], user: User) -> QuerySet[Account]:
    accounts = search(accounts, filters.get("q") or "")
    owner = filters.get("owner")
    if owner == "any":
        pass
    elif owner == "me":
        accounts = accounts.filter(owner=user)
    elif owner == "none":
        accounts = accounts.filter(owner__isnull=True)
    elif owner:
        accounts = accounts.filter(owner_id=owner)
    if filters.get("tier"):
        accounts = accounts.filter(tier=filters["tier"])
    if filters.get("stage"):
        accounts = accounts.filter(stage=filters["stage"])
    churned = filters.get("churned")
    if churned == "no":
        accounts = not_churned(accounts)
    elif churned == "only":
        accounts = accounts.filter(stage__category=StageCategory.CHURNED)
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
        # The tag's id first (a small query): the database estimates how many accounts bear one tag id well, and
        # badly for a join on the tag's name, which led it to plans ten times slower on large organizations.
        tag_id = Tag.objects.filter(name__iexact=tag).values_list("pk", flat=True).first()
        if tag_id is None:
            return accounts.none()
        accounts = accounts.filter(pk__in=AccountTag.objects.filter(tag_id=tag_id).values("account_id"))
    return accounts


def sort_accounts(accounts: QuerySet[Account], sort: str) -> QuerySet[Account]:
    return accounts.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


# -- The header's quick search ------------------------------------------------------------------------------

QUICK_SEARCH_MIN_LENGTH = 2
QUICK_SEARCH_LIMIT = 8


@dataclass(frozen=True)
class QuickHit:
    """An account the quick search found, with what tells it apart: the contact address that matched, else its
    external id when that matched, else its first domain."""

    pk: int
    name: str
    detail: str
    churned: bool


@dataclass(frozen=True)
class QuickSearch:
    q: str
    hits: list[QuickHit]
    more: bool  # more accounts match than the hits shown: "See all results" lists them


def quick_search(q: str, *, limit: int = QUICK_SEARCH_LIMIT) -> QuickSearch:
    """The first `limit` accounts the search box's text finds (the list's `search`), in one query whatever the
    number of accounts: an exact external id first, then names that start with the text, then the rest by name.
    Shorter than QUICK_SEARCH_MIN_LENGTH, the text finds nothing: one letter matches half the book."""
    q = q.strip()
    if len(q) < QUICK_SEARCH_MIN_LENGTH:
        return QuickSearch(q=q, hits=[], more=False)
    by_email = "@" in q
    accounts = search(Account.objects.all(), q)
    if by_email:
        accounts = accounts.annotate(
            matched_email=Subquery(
                Contact.objects.filter(account=OuterRef("pk"), email__ilike_contains=q)
                .order_by("pk")
                .values("email")[:1]
            )
        )
    rank = Case(When(external_id=q, then=Value(0)), When(name__istartswith=q, then=Value(1)), default=Value(2))
    fields = ["pk", "name", "domains", "external_id", "stage__category", *(["matched_email"] if by_email else [])]
    found = list(accounts.order_by(rank, Lower("name"), "pk").values(*fields)[: limit + 1])
    hits = []
    for values in found[:limit]:
        if by_email:
            detail = values["matched_email"] or ""
        elif values["external_id"] == q:
            detail = f"ID {q}"
        else:
            detail = values["domains"].split(" ", 1)[0]
        hits.append(
            QuickHit(
                pk=values["pk"],
                name=values["name"],
                detail=detail,
                churned=values["stage__category"] == StageCategory.CHURNED,
            )
        )
    return QuickSearch(q=q, hits=hits, more=len(found) > limit)


# The list pages through the first COUNT_CAP matches and says "10,000+" beyond: counting 50,000 accounts exactly
# costs more than the rest of the page, and nobody pages that deep (the export has them all).
COUNT_CAP = 10_000
# Up to this many matches, a page sorts them all (a few milliseconds at most) rather than walk the sort's index.
SORT_MATCHES_UP_TO = 1_000
_SAME_FOR_EVERY_ROW = ExpressionWrapper(F("organization_id") + 0, output_field=BigIntegerField())


class CappedPaginator(Paginator[Any]):
    @cached_property
    def _counted(self) -> int:
        # Counting needs no order: without it the database reads the matching rows in whatever order is cheapest.
        return int(self.object_list.order_by()[: COUNT_CAP + 1].count())  # type: ignore[attr-defined]

    @cached_property
    def count(self) -> int:
        return min(self._counted, COUNT_CAP)

    def page(self, number: Any) -> Page[Any]:
        # Few matches are fetched and sorted; many are read in the order of the sort's index, stopping at the page.
        # Left to itself, the database may walk the index for a few matches too, misled by where they fall in that
        # order (a search for a word starting with P walked 30,000 names): a first sort key that no index provides,
        # with the same value on every row, rules that plan out.
        queryset = self.object_list
        if self._counted <= SORT_MATCHES_UP_TO:
            order = queryset.query.order_by or queryset.model._meta.ordering  # type: ignore[attr-defined]
            self.object_list = queryset.order_by(_SAME_FOR_EVERY_ROW, *order)  # type: ignore[attr-defined]
        return super().page(number)

    @property
    def is_capped(self) -> bool:
        return self._counted > COUNT_CAP


@dataclass
class ListRow:
    """What a row of the list shows, ready to print (see accounts_tags.account_rows)."""

    pk: int
    name: str
    domain: str
    owner: str
    tier: str
    stage: str
    stage_category: str
    mrr: str
    renewal_iso: str
    renewal: str
    renewal_class: str
    band: str
    band_label: str
    score: str
    tags: list[str]


ROW_FIELDS = (
    "pk",
    "name",
    "domains",
    "mrr",
    "renewal_date",
    "health_band",
    "health_score",
    "owner__full_name",
    "owner__email",
    "tier__name",
    "stage__name",
    "stage__category",
)


@prepared
def _list_rows(ids: list[int]) -> QuerySet[Any]:
    return Account.objects.filter(pk__in=ids).values(*ROW_FIELDS)


@prepared
def _list_tags(ids: list[int]) -> QuerySet[Any]:
    return AccountTag.objects.filter(account_id__in=ids).order_by("tag__name").values_list("account_id", "tag__name")


@prepared
def _stages() -> QuerySet[LifecycleStage]:
    return LifecycleStage.objects.all()


def stages() -> list[LifecycleStage]:
    """The organization's lifecycle stages, in their order (for the pages' pickers)."""
    return _stages()


@prepared
def _plan_templates() -> QuerySet[PlanTemplate]:
    return PlanTemplate.objects.all()


def plan_templates() -> list[PlanTemplate]:
    """The organization's success-plan templates, by name (the 360's "start a plan")."""
    return _plan_templates()


@prepared
def _tiers() -> QuerySet[Tier]:
    return Tier.objects.all()


def tiers() -> list[Tier]:
    """The organization's tiers, in their order."""
    return _tiers()


@prepared
def _segment_choices(user_id: int) -> QuerySet[Segment]:
    return Segment.objects.filter(Q(owner_id=user_id) | Q(is_shared=True))


def segment_choices(user: User) -> list[Segment]:
    """The segments the filter offers a person, in the filter's order: their own and the shared ones."""
    return _segment_choices(user.pk)


def page_of(accounts: QuerySet[Account], number: Any) -> Page[ListRow]:
    """One page of the list. The ids come first, from the sort's index alone (a deep page walks that narrow index,
    not the table); then the page's 50 rows as plain values, and their tags."""
    page: Page[Any] = CappedPaginator(accounts.values_list("pk", flat=True), PAGE_SIZE).get_page(number)
    ids: list[int] = list(page.object_list)
    found = {values["pk"]: values for values in _list_rows(ids)}
    tags: dict[int, list[str]] = {}
    for account_id, tag in _list_tags(ids):
        tags.setdefault(account_id, []).append(tag)
    today = localdate()
    page.object_list = [_row(found[pk], tags.get(pk, []), today) for pk in ids if pk in found]
    return page


def _renewal_class(days: int | None) -> str:
    if days is None:
        return ""
    if days < 0:
        return "overdue"
    if days <= 30:
        return "soon"
    return "upcoming" if days <= 90 else ""


def _row(values: dict[str, Any], tags: list[str], today: date) -> ListRow:
    renewal: date | None = values["renewal_date"]
    band: str = values["health_band"]
    return ListRow(
        pk=values["pk"],
        name=values["name"],
        domain=values["domains"].split(" ", 1)[0],
        owner=values["owner__full_name"] or values["owner__email"] or "—",
        tier=values["tier__name"] or "—",
        stage=values["stage__name"] or "",
        stage_category=values["stage__category"] or "",
        mrr=money(values["mrr"]),
        renewal_iso=renewal.isoformat() if renewal else "",
        renewal=f"{renewal.day} {renewal:%b %Y}" if renewal else "—",
        renewal_class=_renewal_class((renewal - today).days if renewal else None),
        band=band,
        band_label=HealthBand(band).label if band else "",
        score="" if values["health_score"] is None else str(values["health_score"]),
        tags=tags,
    )


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
    more_tasks: bool
    plans: list[SuccessPlan]
    tickets: list[Ticket]
    more_tickets: bool


MAX_CONTACTS = 200
MAX_TASKS = 10
MAX_TICKETS = 10
MAX_PLANS = 3


@prepared
def _account_for_360(pk: int) -> QuerySet[Account]:
    return (
        Account.objects.select_related("owner", "tier", "stage")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .filter(pk=pk)
    )


def account_for_360(pk: int) -> Account:
    """The account of a 360 page, with what its header shows; 404 when the organization has none with this id."""
    found = _account_for_360(pk)
    if not found:
        raise Http404("No such account.")
    return found[0]


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


def _open_tasks_of(account: Account) -> QuerySet[Task]:
    """The account's tasks on someone's list today: open, or snoozed until today or earlier."""
    return Task.objects.filter(account=account).filter(
        Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.SNOOZED, snoozed_until__lte=localdate())
    )


def open_task_count(account: Account) -> tuple[int, bool]:
    """The 360's "Open tasks" figure, counted again after an action: up to MAX_TASKS, and whether there are more
    (one query, however many tasks)."""
    counted = _open_tasks_of(account).values("id")[: MAX_TASKS + 1].count()
    return min(counted, MAX_TASKS), counted > MAX_TASKS


# The 360's reads, each built and compiled once (csm.prepared): the page runs a dozen of them on every request.


@prepared
def _contacts_360(account_id: int) -> QuerySet[Contact]:
    return Contact.objects.filter(account_id=account_id).select_related("reports_to").order_by("name")[:MAX_CONTACTS]


@prepared
def _plans_360(account_id: int) -> QuerySet[SuccessPlan]:
    plans = SuccessPlan.objects.filter(account_id=account_id).exclude(status=PlanStatus.ABANDONED)
    return plans_with_progress(plans).order_by("-status", "-created_at")[:MAX_PLANS]


@prepared
def _open_tasks_360(account_id: int, today: date) -> QuerySet[Task]:
    # One more than shown tells whether there are more, without a COUNT. The columns the page shows: a task's row.
    return (
        Task.objects.filter(account_id=account_id)
        .filter(Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.SNOOZED, snoozed_until__lte=today))
        .select_related("assignee", "account")
        .only(*TASK_ROW_FIELDS)
        .order_by(F("due_date").asc(nulls_last=True), "id")[: MAX_TASKS + 1]
    )


@prepared
def _tickets_360(account_id: int) -> QuerySet[Ticket]:
    # A ticket's line, not its description and body.
    return (
        Ticket.objects.filter(account_id=account_id)
        .only("number", "subject", "status", "opened_at", "resolved_at")
        .order_by("-opened_at")[: MAX_TICKETS + 1]
    )


def account_360(account: Account) -> Account360:
    contacts = _contacts_360(account.pk)
    plans = _plans_360(account.pk)
    open_tasks = _open_tasks_360(account.pk, localdate())
    tickets = _tickets_360(account.pk)
    return Account360(
        account=account,
        contacts=contacts,
        stakeholder_tree=stakeholder_tree(contacts),
        champion_warning=champion_warning(contacts),
        open_tasks=open_tasks[:MAX_TASKS],
        more_tasks=len(open_tasks) > MAX_TASKS,
        plans=plans,
        tickets=tickets[:MAX_TICKETS],
        more_tickets=len(tickets) > MAX_TICKETS,
    )


TIMELINE_PAGE_SIZE = 25


@dataclass
class TimelinePage:
    entries: list[ActivityLog]
    older: str | None  # the cursor of the next (older) page, when there is one


@prepared
def _notes(ids: list[int]) -> QuerySet[Note]:
    return Note.objects.select_related("contact").filter(pk__in=ids)


def notes_by_id(ids: list[int]) -> dict[int, Note]:
    """The notes a page of the timeline shows, by id, with their contacts (the timeline's loader of notes)."""
    return {note.pk: note for note in _notes(sorted(set(ids)))}


@prepared
def _custom_fields() -> QuerySet[CustomField]:
    return CustomField.objects.all()


def custom_fields() -> list[CustomField]:
    """The organization's custom fields, in their order."""
    return _custom_fields()


def _timeline_entries(account_id: int, account_type: int, kind: str) -> QuerySet[ActivityLog]:
    entries = ActivityLog.objects.filter(about_type_id=account_type, about_id=account_id)
    return filter_by_kind(entries, kind) if kind else entries


@prepared
def _timeline_page(account_id: int, account_type: int, *, kind: str) -> QuerySet[ActivityLog]:
    """The first page of a timeline (and one entry more, which says whether there are older ones)."""
    entries = _timeline_entries(account_id, account_type, kind)
    return entries.order_by("-created_at", "-id")[: TIMELINE_PAGE_SIZE + 1]


@prepared
def _timeline_page_before(
    account_id: int, account_type: int, moment: datetime, pk: int, *, kind: str
) -> QuerySet[ActivityLog]:
    entries = _timeline_entries(account_id, account_type, kind)
    entries = entries.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    return entries.order_by("-created_at", "-id")[: TIMELINE_PAGE_SIZE + 1]


def timeline(account: Account, *, kind: str = "", before: tuple[Any, int] | None = None) -> TimelinePage:
    """One page of the account's timeline, newest first."""
    from django.contrib.contenttypes.models import ContentType

    account_type = ContentType.objects.get_for_model(Account).pk
    if before is None:
        page = _timeline_page(account.pk, account_type, kind=kind)
    else:
        page = _timeline_page_before(account.pk, account_type, *before, kind=kind)
    shown = attach(page[:TIMELINE_PAGE_SIZE])
    older = cursors.encode(shown[-1].created_at, shown[-1].pk) if len(page) > TIMELINE_PAGE_SIZE else None
    return TimelinePage(shown, older)


def accounts_for_api(*, external_id: str | None = None, domain: str | None = None, after: int = 0) -> QuerySet[Account]:
    """The accounts the API reads, in id order: by external id, by one of their domains, after an id."""
    accounts = Account.objects.select_related("owner", "tier", "stage").order_by("pk")
    if after:
        accounts = accounts.filter(pk__gt=after)
    if external_id is not None:
        accounts = accounts.filter(external_id=external_id)
    if domain is not None:
        wanted = Account.normalize_domains(domain)
        if " " in wanted or not wanted:
            return accounts.none()
        accounts = accounts.filter(
            Q(domains=wanted)
            | Q(domains__startswith=f"{wanted} ")
            | Q(domains__endswith=f" {wanted}")
            | Q(domains__contains=f" {wanted} ")
        )
    return accounts
