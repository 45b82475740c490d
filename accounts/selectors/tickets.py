"""Reads of the servicedesk: the filtered ticket list, the board's columns, a ticket's history, and how long a ticket
took (resolution time = resolved - opened, the definition of the product brief).

Sorting: "newest" and "oldest" sort on the ticket number, which grows with the opening time and is served by the
(organization, number) unique index; the board's columns walk the (organization, status, -opened_at) index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Value
from django.utils.timezone import now

from accounts.models import Account, Contact, Ticket, TicketNote, TicketStatus, priority_rank
from csm.models import ActivityLog, User
from csm.prepared import prepared
from csm.selectors import first_of_each

UNRESOLVED = "unresolved"
UNRESOLVED_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)
BOARD_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED)
CARDS_PER_COLUMN = 12
CLOSED_CARDS = 10
# What a card shows (accounts/rows.py): the board reads these columns only.
CARD_FIELDS = (
    "number", "subject", "status", "priority", "account_id", "assignee_id", "opened_at", "first_response_at",
    "resolved_at", "account__name", "assignee__full_name", "assignee__email",
)  # fmt: skip
# What a row of the ticket list shows (accounts/rows.py ticket_rows): a page of 50 reads these columns only, not
# every column of the ticket (its body), its account, its contact and its assignee.
ROW_FIELDS = (*CARD_FIELDS, "contact_id", "contact__name")
HISTORY_SHOWN = 50
MINE = "mine"
UNASSIGNED = "unassigned"

PRIORITY_RANK = priority_rank()
SORTS = {
    "newest": ("-number",),
    "oldest": ("number",),
    "priority": (PRIORITY_RANK.asc(), "-number"),
}


@dataclass(frozen=True)
class TicketFilters:
    """The list's and the board's filters, as the query string gives them (already validated)."""

    status: str = ""  # "", "unresolved" or a status
    priority: str = ""
    assignee: str = ""  # "", "mine", "unassigned" or a user id
    account: Account | None = None
    q: str = ""
    sort: str = "newest"


def duration_label(value: timedelta | None) -> str:
    """`2 h 15 min`, `3 d 4 h`, `45 min`: a duration short enough for a card."""
    if value is None:
        return ""
    minutes = max(0, round(value.total_seconds() / 60))
    if minutes < 1:
        return "under a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def with_durations(tickets: list[Ticket]) -> list[Ticket]:
    """Give each ticket `resolved_in` and `first_response_in` as words (empty when not there yet), and `open_for`,
    how long it has been open, in the same words."""
    moment = now()
    for ticket in tickets:
        ticket.resolved_in = duration_label(ticket.resolution_time)  # type: ignore[attr-defined]
        ticket.open_for = duration_label(moment - ticket.opened_at)  # type: ignore[attr-defined]
        first = ticket.first_response_at - ticket.opened_at if ticket.first_response_at else None
        ticket.first_response_in = duration_label(first)  # type: ignore[attr-defined]
    return tickets


def _search(tickets: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    text = text.strip()
    digits = text.removeprefix("#").strip()
    is_number = digits.isdigit() and len(digits) <= 9
    if text.startswith("#") and is_number:
        return tickets.filter(number=int(digits))
    if is_number:
        return tickets.filter(Q(number=int(digits)) | Q(subject__ilike_contains=text))
    return tickets.filter(subject__ilike_contains=text)


def _plain(filters: TicketFilters, *, user: User, statuses: bool = True) -> tuple[tuple[Any, ...], str]:
    """The filters as plain values (status, priority, assignee id, account id) and the letters of those in use, for
    `_prepared_filters`. `statuses=False` leaves the status filter out (the board's columns)."""
    which = ""
    status = priority = None
    assignee_id = account_id = None
    if statuses and filters.status == UNRESOLVED:
        which += "u"
    elif statuses and filters.status:
        which, status = which + "s", filters.status
    if filters.priority:
        which, priority = which + "p", filters.priority
    if filters.assignee == MINE:
        which, assignee_id = which + "a", user.pk
    elif filters.assignee == UNASSIGNED:
        which += "n"
    elif filters.assignee:
        which, assignee_id = which + "a", int(filters.assignee)
    if filters.account is not None:
        which, account_id = which + "c", filters.account.pk
    return (status, priority, assignee_id, account_id), which


def filtered(filters: TicketFilters, *, user: User, statuses: bool = True) -> QuerySet[Ticket]:
    """Tickets matching the filters; with `statuses=False` the status filter is left out (the board's columns)."""
    values, which = _plain(filters, user=user, statuses=statuses)
    tickets = _prepared_filters(*values, which=which)
    if filters.q:
        tickets = _search(tickets, filters.q)
    return tickets


def ticket_list(filters: TicketFilters, *, user: User) -> QuerySet[Ticket]:
    """The ticket list's rows, with the columns a row shows."""
    return filtered(filters, user=user).only(*ROW_FIELDS).order_by(*SORTS.get(filters.sort, SORTS["newest"]))


# The list's count and page as prepared queries (csm.prepared), for filters without a search: the filters' values
# are bound, which of them are set (and the sort, the page) make the shape.


def _prepared_filters(
    status: str | None, priority: str | None, assignee_id: int | None, account_id: int | None, *, which: str
) -> QuerySet[Ticket]:
    """The tickets the filters pick, from plain values (`_plain`): `which` names the filters in use (s: a status,
    u: the unresolved ones, p: a priority, a: an assignee, n: no assignee, c: an account)."""
    tickets = Ticket.objects.select_related("account", "contact", "assignee")
    if "u" in which:
        tickets = tickets.filter(status__in=UNRESOLVED_STATUSES)
    elif "s" in which:
        tickets = tickets.filter(status=status)
    if "p" in which:
        tickets = tickets.filter(priority=priority)
    if "a" in which:
        tickets = tickets.filter(assignee_id=assignee_id)
    elif "n" in which:
        tickets = tickets.filter(assignee__isnull=True)
    if "c" in which:
        tickets = tickets.filter(account=account_id)
    return tickets


@prepared
def _count(
    status: str | None, priority: str | None, assignee_id: int | None, account_id: int | None, *, which: str
) -> QuerySet[Any]:
    tickets = _prepared_filters(status, priority, assignee_id, account_id, which=which)
    # One row (none without tickets), grouped by a constant: a values() query a prepared query can run.
    return tickets.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("*")).values("n")


@prepared
def _rows(
    status: str | None,
    priority: str | None,
    assignee_id: int | None,
    account_id: int | None,
    *,
    which: str,
    sort: str,
    start: int,
    stop: int,
) -> QuerySet[Ticket]:
    tickets = _prepared_filters(status, priority, assignee_id, account_id, which=which)
    return tickets.only(*ROW_FIELDS).order_by(*SORTS.get(sort, SORTS["newest"]))[start:stop]


class _Rows:
    """A page's rows for Django's Paginator: slicing reads that slice through the prepared query."""

    def __init__(self, values: tuple[Any, ...], which: str, sort: str) -> None:
        self.values, self.which, self.sort = values, which, sort

    def __getitem__(self, wanted: slice) -> list[Ticket]:
        return _rows(*self.values, which=self.which, sort=self.sort, start=wanted.start or 0, stop=wanted.stop)


def ticket_page(filters: TicketFilters, *, user: User, per_page: int, number: Any) -> Page[Ticket]:
    """A page of the ticket list: two prepared queries (the count, the page's rows) when no search is typed."""
    if filters.q:
        return Paginator(ticket_list(filters, user=user), per_page).get_page(number)
    values, which = _plain(filters, user=user)
    counted = _count(*values, which=which)
    paginator: Paginator[Ticket] = Paginator(_Rows(values, which, filters.sort), per_page)  # type: ignore[arg-type]
    paginator.count = counted[0]["n"] if counted else 0
    return paginator.get_page(number)


@dataclass
class Column:
    status: str
    label: str
    count: int = 0
    tickets: list[Ticket] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.count > len(self.tickets)


def board(filters: TicketFilters, *, user: User) -> tuple[list[Column], Column]:
    """The board's columns (new, open, pending, solved) and the closed column, each with its count and its newest
    cards. Two queries whatever the number of tickets: the counts, and the cards as a UNION ALL of one bounded query
    per column (each walks the (organization, status, -opened_at) index and stops at its limit)."""
    tickets = filtered(filters, user=user, statuses=False)
    # Counting the status (in the (organization, status, opened) index) rather than the id: read from the index alone.
    counts = {row["status"]: row["n"] for row in tickets.order_by().values("status").annotate(n=Count("status"))}
    columns: dict[str, Column] = {
        status: Column(status, TicketStatus(status).label, counts.get(status, 0))
        for status in (*BOARD_STATUSES, TicketStatus.CLOSED)
    }
    cards_of = tickets.select_related(None).select_related("account", "assignee").only(*CARD_FIELDS)
    per_column = [
        cards_of.filter(status=status).order_by("-opened_at", "-id")[
            : CLOSED_CARDS if status == TicketStatus.CLOSED else CARDS_PER_COLUMN
        ]
        for status in columns
    ]
    cards = sorted(first_of_each(per_column), key=lambda ticket: (ticket.opened_at, ticket.pk), reverse=True)
    for ticket in with_durations(cards):
        columns[ticket.status].tickets.append(ticket)
    closed = columns.pop(TicketStatus.CLOSED)
    return list(columns.values()), closed


def ticket_for_detail(number: int) -> QuerySet[Ticket]:
    """The ticket numbered `number` in the organization (its address uses the number people say: #238)."""
    if not 0 < number < 2**31:  # a PositiveIntegerField: no ticket has a number past it
        return Ticket.objects.none()
    return Ticket.objects.select_related("account", "contact", "assignee").filter(number=number)


def notes(ticket: Ticket) -> list[TicketNote]:
    """The ticket's internal notes, oldest first, with their authors."""
    return list(TicketNote.objects.filter(ticket=ticket).select_related("author").order_by("created_at", "id"))


def history(ticket: Ticket) -> list[ActivityLog]:
    """The ticket's activity-log rows, newest first."""
    return list(
        ActivityLog.objects.filter(target_type=ContentType.objects.get_for_model(Ticket), target_id=ticket.pk)
        .select_related("actor_user")
        .order_by("-created_at", "-id")[:HISTORY_SHOWN]
    )


def contacts_of(account: Account | None) -> QuerySet[Contact]:
    if account is None:
        return Contact.objects.none()
    return Contact.objects.filter(account=account).order_by("name", "id")
