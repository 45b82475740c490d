"""The accounts app's KPIs (accounts/metrics.py): functions of (organization, period, filters) returning plain
values, the same figures the start page shows, and the dashboards' page that composes them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils.timezone import localdate, now

from accounts import metrics
from accounts.models import HealthBand, LifecycleStage, Tier
from csm.metrics import EVERYTHING, Filters, Period, within
from csm.tenancy import activate, current_organization_or_none
from tests.conftest import count_queries
from tests.factories import AccountFactory, SegmentFactory, TicketFactory


def stage(category: str) -> LifecycleStage:
    found = LifecycleStage.objects.filter(category=category).first()
    assert found is not None
    return found


# -- Periods -------------------------------------------------------------------------------------------------------


def test_periods_are_half_open_calendar_ranges():
    assert Period.month(date(2026, 2, 14)) == Period(date(2026, 2, 1), date(2026, 3, 1))
    assert Period.month(date(2026, 12, 31)) == Period(date(2026, 12, 1), date(2027, 1, 1))
    assert Period.quarter(date(2026, 11, 30)) == Period(date(2026, 10, 1), date(2027, 1, 1))
    assert Period.quarter(date(2026, 5, 1)) == Period(date(2026, 4, 1), date(2026, 7, 1))
    assert Period.year(date(2026, 6, 1)) == Period(date(2026, 1, 1), date(2027, 1, 1))
    assert Period.last_days(30, until=date(2026, 11, 30)) == Period(date(2026, 11, 1), date(2026, 12, 1))
    assert Period.day(date(2026, 11, 30)).days == 1
    assert Period.month(date(2026, 3, 10)).previous() == Period(date(2026, 2, 1), date(2026, 3, 1))
    assert Period.last_days(7, until=date(2026, 11, 30)).previous() == Period(date(2026, 11, 17), date(2026, 11, 24))
    with pytest.raises(ValueError, match="ends after it starts"):
        Period(date(2026, 1, 2), date(2026, 1, 2))


def test_a_metric_enters_its_organization(org_a, org_b):
    with activate(org_b):
        AccountFactory()
    with activate(org_a):
        AccountFactory.create_batch(2)
    assert current_organization_or_none() is None
    assert metrics.book(org_a, Period.day(localdate()), EVERYTHING).accounts == 2
    with activate(org_b), within(org_a) as active:
        assert active == org_a and metrics.book(org_a, Period.day(localdate()), EVERYTHING).accounts == 2


# -- The book --------------------------------------------------------------------------------------------------------


def test_the_book_counts_what_the_filters_pick_and_leaves_churned_accounts_out(in_org_a, csm, manager):
    today = localdate()
    enterprise = Tier.objects.get(name="Enterprise")
    AccountFactory(owner=csm, mrr=Decimal("100"), health_band=HealthBand.AT_RISK, renewal_date=today + timedelta(30))
    AccountFactory(owner=csm, mrr=Decimal("50"), tier=enterprise, renewal_date=today + timedelta(120))
    AccountFactory(owner=manager, mrr=Decimal("1000"), renewal_date=today + timedelta(90))
    AccountFactory(owner=csm, mrr=Decimal("700"), stage=stage("churned"))  # churned: out of every book
    period = Period.day(today)

    everyone = metrics.book(in_org_a, period, EVERYTHING)
    assert (everyone.accounts, everyone.mrr, everyone.arr) == (3, Decimal("1150.00"), Decimal("13800.00"))
    assert (everyone.at_risk, everyone.renewing, everyone.renewing_mrr) == (1, 2, Decimal("1100.00"))
    mine = metrics.book(in_org_a, period, Filters(owner=csm.pk))
    assert (mine.accounts, mine.mrr, mine.renewing) == (2, Decimal("150.00"), 1)
    assert metrics.book(in_org_a, period, Filters(tiers=(enterprise.pk,))).accounts == 1


def test_the_book_of_a_segment_is_its_owners_view(in_org_a, csm, manager):
    AccountFactory(name="Northwind", owner=csm)
    AccountFactory(name="Northstar", owner=manager)
    AccountFactory(name="Other", owner=csm)
    segment = SegmentFactory(owner=csm, query={"q": "North", "owner": "me"})
    assert metrics.book(in_org_a, Period.day(localdate()), Filters(segment=segment.pk)).accounts == 1
    assert metrics.book(in_org_a, Period.day(localdate()), Filters(segment=999_999)).accounts == 0


# -- Support -------------------------------------------------------------------------------------------------------


def test_ticket_resolution_time_is_the_median_and_mean_of_resolved_minus_opened_in_the_period(in_org_a, csm):
    start = now().replace(day=1, hour=9, minute=0, second=0, microsecond=0) - timedelta(days=40)
    with time_machine.travel(start + timedelta(days=35), tick=False):
        month = Period.month(localdate())
        for hours in (1, 2, 9):  # resolved this month
            opened = now() - timedelta(days=1)
            TicketFactory(assignee=csm, opened_at=opened, resolved_at=opened + timedelta(hours=hours), status="solved")
        TicketFactory(opened_at=now() - timedelta(days=50), resolved_at=now() - timedelta(days=45), status="closed")
        TicketFactory(opened_at=now() - timedelta(hours=3), status="open")

        found = metrics.ticket_resolution_time(in_org_a, month, EVERYTHING)
        assert (found.resolved, found.median, found.mean) == (3, timedelta(hours=2), timedelta(hours=4))
        assert metrics.ticket_resolution_time(in_org_a, month, Filters(owner=csm.pk)).resolved == 3
        assert metrics.tickets_opened(in_org_a, month, EVERYTHING) >= 1
        assert metrics.unresolved_tickets(in_org_a, Period.day(localdate()), EVERYTHING) == 1
        nothing = metrics.ticket_resolution_time(in_org_a, Period(date(2001, 1, 1), date(2001, 2, 1)), EVERYTHING)
        assert (nothing.resolved, nothing.median, nothing.mean) == (0, None, None)


def test_another_organizations_tickets_do_not_count(org_a, org_b):
    with activate(org_b):
        TicketFactory(status="open")
        TicketFactory(opened_at=now() - timedelta(hours=5), resolved_at=now(), status="solved")
    today = Period.day(localdate())
    assert metrics.unresolved_tickets(org_a, today, EVERYTHING) == 0
    assert metrics.ticket_resolution_time(org_a, Period.month(localdate()), EVERYTHING).resolved == 0


# -- The dashboards' page ----------------------------------------------------------------------------------------


@time_machine.travel(datetime(2026, 6, 15, 12, tzinfo=UTC), tick=False)
def test_the_dashboards_show_the_book_and_support_for_a_period(in_org_a, manager_client, csm):
    account = AccountFactory(owner=csm, mrr=Decimal("1234"), health_band=HealthBand.AT_RISK)
    opened = now() - timedelta(hours=30)
    TicketFactory(
        account=account, assignee=csm, opened_at=opened, resolved_at=opened + timedelta(hours=3), status="solved"
    )
    page = manager_client.get("/alpha/dashboards/").content.decode()
    assert "The book today" in page and "1,234" in page and "At risk" in page
    assert "Median resolution time" in page and "3 h" in page
    mine = manager_client.get(f"/alpha/dashboards/?period=last_30_days&owner={csm.pk}")
    assert mine.status_code == 200 and "Last 30 days" in mine.content.decode()
    partial = manager_client.get("/alpha/dashboards/?period=this_year", headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b'id="dashboard-panels"' in partial.content


def test_the_dashboards_ignore_a_bad_period_or_owner(in_org_a, manager_client, outsider):
    response = manager_client.get(f"/alpha/dashboards/?period=forever&owner={outsider.pk}")
    assert response.status_code == 200 and "This month" in response.content.decode()


def test_the_dashboards_cost_the_same_queries_whatever_the_data(in_org_a, manager_client, csm):
    AccountFactory(owner=csm)
    count_queries(manager_client, "/alpha/dashboards/")  # the first visit records the person's last organization
    few = count_queries(manager_client, "/alpha/dashboards/")
    AccountFactory.create_batch(20, owner=csm)
    for _ in range(10):
        TicketFactory(assignee=csm, opened_at=now() - timedelta(hours=2), resolved_at=now(), status="solved")
    assert count_queries(manager_client, "/alpha/dashboards/") == few
