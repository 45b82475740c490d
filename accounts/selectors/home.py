"""Reads of the organization's start page: a CSM's morning, in one screen.

What the CSMs asked for (shared/PRODUCT.md): each morning, who is at risk, what is due, what changed. The page shows
a *book*: the accounts a person owns ("mine"), or every account of the organization ("all", a manager's default).
Churned accounts are out of the book (churning keeps an account's last MRR, which must not count). Each figure links
to the accounts list filtered the same way ("not churned" included) and counts exactly what it shows. Tasks are
always the person's own.

The figures are the accounts app's KPIs (accounts.metrics) for today; the lists are read here. Each part is one
bounded query (an aggregate, or the first few rows along an index), so the page costs the same number of queries
whatever the size of the book.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.timezone import get_current_timezone

from accounts import metrics
from accounts.models import (
    Account,
    Contact,
    ContactRole,
    ContactStatus,
    HealthBand,
    Task,
)
from accounts.selectors import tasks as selectors_tasks
from csm.metrics import EVERYTHING, Filters, Period
from csm.models import ActivityLog, Organization, User
from csm.prepared import prepared
from csm.timeline import attach

MINE = "mine"
ALL = "all"
BOOKS = (MINE, ALL)
RENEWAL_WINDOW_DAYS = metrics.RENEWAL_WINDOW_DAYS
SHOWN = 6  # rows in each short list
TASKS_SHOWN = 8
CHANGES_SHOWN = 10
CHANGES_WITHIN_DAYS = 30


@dataclass
class Morning:
    book: str
    figures: metrics.BookFigures
    overdue: int  # the person's open tasks overdue
    due_today: int  # and due today
    due_tasks: list[Task]  # the first of both, by due date then priority
    unresolved_tickets: int
    at_risk: list[Account]
    renewals: list[Account]
    without_champion: list[Account]
    changes: list[ActivityLog]

    @property
    def is_mine(self) -> bool:
        return self.book == MINE


def default_book(*, is_manager: bool) -> str:
    """Managers look after everyone's accounts; a CSM after their own."""
    return ALL if is_manager else MINE


# What a short list shows (accounts/home_accounts.html): not every column of the account, its owner and its stage.
SHORT_LIST_FIELDS = (
    "name", "mrr", "health_band", "health_score", "renewal_date", "owner_id", "stage_id",
    "owner__full_name", "owner__email", "stage__name", "stage__category",
)  # fmt: skip


def _short(accounts: QuerySet[Account]) -> QuerySet[Account]:
    return accounts.select_related("owner", "stage").only(*SHORT_LIST_FIELDS)


def recent_changes(book: str, user: User, *, today: date) -> list[ActivityLog]:
    """The newest timeline entries of the book's accounts in the last CHANGES_WITHIN_DAYS (anyone's: teammates,
    automations, integrations, the person's own), each with its account as `account`. The window also bounds the
    read when the book's accounts have been quiet: the organization's log is walked back a month at most."""
    since = datetime.combine(today - timedelta(days=CHANGES_WITHIN_DAYS), time.min, tzinfo=get_current_timezone())
    entries = ActivityLog.objects.filter(about_type=ContentType.objects.get_for_model(Account), created_at__gte=since)
    if book == MINE:
        entries = entries.filter(about_id__in=Account.objects.filter(owner=user).values("id"))
    # One line per entry (components/timeline_entry.html): the kinds' loaders would fetch what is not shown.
    shown = attach(entries.order_by("-created_at", "-id")[:CHANGES_SHOWN], load_targets=False)
    names = Account.objects.only("name").in_bulk([entry.about_id for entry in shown if entry.about_id is not None])
    for entry in shown:
        entry.account = names.get(entry.about_id or 0)  # type: ignore[attr-defined]
    return shown


# The start page's short lists, built and compiled once per shape (csm.prepared): of one owner's book, or of
# everyone's (`owner_id` None).


def _book(owner_id: int | None) -> QuerySet[Account]:
    return metrics.book_accounts(Filters(owner=owner_id) if owner_id is not None else EVERYTHING)


@prepared
def _at_risk(owner_id: int | None) -> QuerySet[Account]:
    """The largest accounts at risk first: they are the ones to call this morning."""
    return _short(_book(owner_id).filter(health_band=HealthBand.AT_RISK)).order_by("-mrr", "-id")[:SHOWN]


@prepared
def _renewals(owner_id: int | None, today: date, until: date) -> QuerySet[Account]:
    """The next renewals within the window (today to `until`), soonest first."""
    renewing = _book(owner_id).filter(renewal_date__gte=today, renewal_date__lte=until)
    return _short(renewing).order_by("renewal_date", "id")[:SHOWN]


@prepared
def _without_champion(owner_id: int | None) -> QuerySet[Account]:
    """The largest accounts with nobody active marked as the champion (none named, or the champion has left)."""
    champions = Contact.objects.filter(account=OuterRef("pk"), role=ContactRole.CHAMPION, status=ContactStatus.ACTIVE)
    return _short(_book(owner_id).filter(~Exists(champions))).order_by("-mrr", "-id")[:SHOWN]


def morning(user: User, organization: Organization, *, book: str, today: date) -> Morning:
    owner_id = user.pk if book == MINE else None
    mine = selectors_tasks.Whose(user)
    counts = selectors_tasks.open_counts(mine, today=today)
    filters = Filters(owner=user.pk) if book == MINE else EVERYTHING
    period = Period.day(today)
    return Morning(
        book=book,
        figures=metrics.book(organization, period, filters),
        overdue=counts["overdue"],
        due_today=counts["today"],
        due_tasks=selectors_tasks.due_now(mine, today=today, limit=TASKS_SHOWN),
        unresolved_tickets=metrics.unresolved_tickets(organization, period, filters),
        at_risk=_at_risk(owner_id),
        renewals=_renewals(owner_id, today, today + timedelta(days=RENEWAL_WINDOW_DAYS)),
        without_champion=_without_champion(owner_id),
        changes=recent_changes(book, user, today=today),
    )
