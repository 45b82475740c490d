"""The shape every app's KPIs share. Each app exposes its KPIs in `<app>/metrics.py` (accounts: the book, support;
health: the score distribution, NPS...; billing: MRR, NRR...; playbooks: engagement) as functions of

    (organization, period, filters) → plain values (numbers, Decimals, durations, dataclasses of them)

so the start page and `csm.dashboards` compose them without knowing how each is computed, and a metric reads the
same wherever it is shown. Definitions follow shared/PRODUCT.md, "Metric definitions", word for word.

A metric runs inside its organization's tenant context: `within(organization)` enters it unless it is active.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from csm.models import Organization
from csm.tenancy import activate, current_organization_or_none


@dataclass(frozen=True)
class Period:
    """The days from `start` up to, not including, `end`, in the organization's own days ([start, end))."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"A period ends after it starts: {self.start} to {self.end}.")

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day + timedelta(days=1))

    @classmethod
    def month(cls, day: date) -> Period:
        """The calendar month of `day`."""
        first = day.replace(day=1)
        return cls(first, first + timedelta(days=calendar.monthrange(first.year, first.month)[1]))

    @classmethod
    def quarter(cls, day: date) -> Period:
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        end = date(first.year + 1, 1, 1) if first.month == 10 else date(first.year, first.month + 3, 1)
        return cls(first, end)

    @classmethod
    def year(cls, day: date) -> Period:
        return cls(date(day.year, 1, 1), date(day.year + 1, 1, 1))

    @classmethod
    def last_days(cls, days: int, *, until: date) -> Period:
        """The `days` days that end with `until` (included)."""
        return cls(until - timedelta(days=days - 1), until + timedelta(days=1))

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period of the same length just before this one (a calendar month before a calendar month)."""
        if self.start.day == 1 and self.end.day == 1 and self.days in range(28, 32):
            return Period.month(self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start)


@dataclass(frozen=True)
class Filters:
    """Which accounts (and their work) a metric counts: a person's book (`owner`, a user id: the accounts they own,
    the tickets assigned to them), some tiers, or a saved segment. Empty: the whole organization."""

    owner: int | None = None
    tiers: tuple[int, ...] = ()
    segment: int | None = None


EVERYTHING = Filters()


@contextmanager
def within(organization: Organization) -> Iterator[Organization]:
    """The organization's tenant context: the active one when it is this organization, else a new one."""
    active = current_organization_or_none()
    if active is not None and active.pk == organization.pk:
        yield active
        return
    with activate(organization):
        yield organization
