"""What the dashboards show: panels of figures, each figure read from an app's `metrics.py` for the chosen period
and filters, with what it is measured against (a target of shared/PRODUCT.md, or the period before).

A panel is plain data for one template (csm/dashboards/index.html); an app's KPIs join the page as a function here
that builds its panel, listed in `panels()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from accounts import metrics as accounts_metrics
from accounts.selectors.tickets import duration_label
from accounts.templatetags.accounts_tags import money
from csm.metrics import Filters, Period
from csm.models import Organization


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    note: str = ""  # what it is read against, or how it is counted
    tone: str = ""  # "good", "bad" or "" when there is nothing to judge by


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    subtitle: str
    figures: list[Figure] = field(default_factory=list)


def _book(organization: Organization, today: date, filters: Filters) -> Panel:
    """The book as it is today: there is no history of a book yet (billing's MRR movements will bring it)."""
    figures = accounts_metrics.book(organization, Period.day(today), filters)
    currency = organization.currency
    at_risk_share = f"{figures.at_risk / figures.accounts:.0%} of the book" if figures.accounts else ""
    return Panel(
        key="book",
        title="The book today",
        subtitle="Accounts that have not churned, as they stand today.",
        figures=[
            Figure("Accounts", f"{figures.accounts:,}"),
            Figure("MRR", money(figures.mrr, currency), f"ARR {money(figures.arr, currency)}"),
            Figure("At risk", f"{figures.at_risk:,}", at_risk_share, "bad" if figures.at_risk else ""),
            Figure(
                f"Renewing within {accounts_metrics.RENEWAL_WINDOW_DAYS} days",
                f"{figures.renewing:,}",
                f"ARR {money(figures.renewing_arr, currency)}",
            ),
        ],
    )


def _change(now: timedelta | None, before: timedelta | None) -> tuple[str, str]:
    """How a resolution time compares with the period before; shorter is better (the target: hold steady)."""
    if now is None or before is None or not before.total_seconds():
        return "no resolved tickets to compare with in the period before", ""
    ratio = now / before - 1
    if abs(ratio) < 0.05:
        return f"steady (the period before: {duration_label(before)})", "good"
    direction = "longer" if ratio > 0 else "shorter"
    return f"{abs(ratio):.0%} {direction} than the period before ({duration_label(before)})", (
        "bad" if ratio > 0 else "good"
    )


def _support(organization: Organization, period: Period, filters: Filters) -> Panel:
    now = accounts_metrics.ticket_resolution_time(organization, period, filters)
    before = accounts_metrics.ticket_resolution_time(organization, period.previous(), filters)
    opened = accounts_metrics.tickets_opened(organization, period, filters)
    opened_before = accounts_metrics.tickets_opened(organization, period.previous(), filters)
    median_note, median_tone = _change(now.median, before.median)
    mean_note, mean_tone = _change(now.mean, before.mean)
    return Panel(
        key="support",
        title="Support",
        subtitle="Target: ticket resolution time holds steady as the volume grows. Resolution time is resolved - "
        "opened, over the tickets resolved in the period.",
        figures=[
            Figure("Tickets opened", f"{opened:,}", f"{opened_before:,} in the period before"),
            Figure("Tickets resolved", f"{now.resolved:,}", f"{before.resolved:,} in the period before"),
            Figure("Median resolution time", duration_label(now.median) or "—", median_note, median_tone),
            Figure("Mean resolution time", duration_label(now.mean) or "—", mean_note, mean_tone),
            Figure(
                "Unresolved now",
                f"{accounts_metrics.unresolved_tickets(organization, Period.day(period.last_day), filters):,}",
            ),
        ],
    )


def panels(organization: Organization, period: Period, filters: Filters, *, today: date) -> list[Panel]:
    return [_book(organization, today, filters), _support(organization, period, filters)]
