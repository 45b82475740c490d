"""The KPIs the accounts app owns, as functions of (organization, period, filters) returning plain values
(csm/metrics.py says why): the book in figures and the support figures. The start page shows them for today; the
dashboards for any period.

Churned accounts are out of a book (churning keeps an account's last MRR, which must not count), as on the start
page and the accounts list's "not churned" filter, so each figure counts what the list shows under the same filters.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.timezone import get_current_timezone

from accounts.models import Account, HealthBand, Segment, Ticket
from accounts.selectors.accounts import filter_accounts, not_churned
from accounts.selectors.tickets import UNRESOLVED_STATUSES
from csm.metrics import Filters, Period, within
from csm.models import Organization

RENEWAL_WINDOW_DAYS = 90


@dataclass(frozen=True)
class BookFigures:
    """The book on the last day of the period: its accounts, their MRR, how many are at risk, how many renew within
    RENEWAL_WINDOW_DAYS of that day and their MRR."""

    accounts: int
    mrr: Decimal
    at_risk: int
    renewing: int
    renewing_mrr: Decimal

    @property
    def arr(self) -> Decimal:
        return self.mrr * 12

    @property
    def renewing_arr(self) -> Decimal:
        return self.renewing_mrr * 12


@dataclass(frozen=True)
class ResolutionTime:
    """Tickets resolved in the period, and the median and mean of resolved - opened (shared/PRODUCT.md)."""

    resolved: int
    median: timedelta | None
    mean: timedelta | None


def book_accounts(filters: Filters) -> QuerySet[Account]:
    """The accounts `filters` pick (inside the active organization), churned ones left out."""
    accounts = Account.objects.all()
    if filters.segment is not None:
        segment = Segment.objects.filter(pk=filters.segment).select_related("owner").first()
        if segment is None:
            return accounts.none()
        # A segment's "mine" is its owner's; a stale segment matches nothing (accounts.selectors).
        accounts = filter_accounts({"segment": segment}, segment.owner)
    accounts = not_churned(accounts)
    if filters.owner is not None:
        accounts = accounts.filter(owner_id=filters.owner)
    if filters.tiers:
        accounts = accounts.filter(tier_id__in=filters.tiers)
    return accounts


def _renewing(period: Period) -> Q:
    day = period.last_day
    return Q(renewal_date__gte=day, renewal_date__lte=day + timedelta(days=RENEWAL_WINDOW_DAYS))


def book(organization: Organization, period: Period, filters: Filters) -> BookFigures:
    """The book in numbers: one aggregate."""
    zero = Decimal(0)
    with within(organization):
        # The aggregates' names must not be the names of fields (Django refuses `mrr=Sum("mrr")`).
        found = book_accounts(filters).aggregate(
            n_accounts=Count("id"),
            total_mrr=Coalesce(Sum("mrr"), zero),
            n_at_risk=Count("id", filter=Q(health_band=HealthBand.AT_RISK)),
            n_renewing=Count("id", filter=_renewing(period)),
            renewing_total_mrr=Coalesce(Sum("mrr", filter=_renewing(period)), zero),
        )
    return BookFigures(
        accounts=found["n_accounts"],
        mrr=found["total_mrr"],
        at_risk=found["n_at_risk"],
        renewing=found["n_renewing"],
        renewing_mrr=found["renewing_total_mrr"],
    )


def _tickets(filters: Filters) -> QuerySet[Ticket]:
    """A person's tickets are the ones assigned to them; tiers and segments pick tickets by their account."""
    tickets = Ticket.objects.all()
    if filters.owner is not None:
        tickets = tickets.filter(assignee_id=filters.owner)
    if filters.tiers or filters.segment is not None:
        tickets = tickets.filter(account__in=book_accounts(Filters(tiers=filters.tiers, segment=filters.segment)))
    return tickets


def unresolved_tickets(organization: Organization, period: Period, filters: Filters) -> int:
    """Tickets not solved or closed now (the start page's figure: the period is today)."""
    with within(organization):
        return _tickets(filters).filter(status__in=UNRESOLVED_STATUSES).count()


def tickets_opened(organization: Organization, period: Period, filters: Filters) -> int:
    """Tickets opened in the period (the volume the resolution time is read against)."""
    with within(organization):
        return _tickets(filters).filter(opened_at__gte=_moment(period.start), opened_at__lt=_moment(period.end)).count()


def _moment(day: date) -> datetime:
    """Midnight starting `day`, in the active time zone (the person's, or the organization's in a task)."""
    return datetime.combine(day, time.min, tzinfo=get_current_timezone())


def ticket_resolution_time(organization: Organization, period: Period, filters: Filters) -> ResolutionTime:
    """The tickets resolved in the period: how many, and the median and mean of resolved - opened."""
    with within(organization):
        durations = list(
            _tickets(filters)
            .filter(resolved_at__gte=_moment(period.start), resolved_at__lt=_moment(period.end))
            .annotate(took=F("resolved_at") - F("opened_at"))
            .values_list("took", flat=True)
        )
    if not durations:
        return ResolutionTime(resolved=0, median=None, mean=None)
    seconds = [duration.total_seconds() for duration in durations]
    return ResolutionTime(
        resolved=len(seconds),
        median=timedelta(seconds=round(statistics.median(seconds))),
        mean=timedelta(seconds=round(statistics.fmean(seconds))),
    )
