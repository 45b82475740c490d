"""The accounts list and the header's quick search in a real browser (issue 8, item 12): a quick search from another
page lands on the account's 360, and at 1280x800 the list's first screen shows accounts, not filters."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import HealthBand
from accounts.services import accounts as account_services
from csm.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in, stored
from tests.factories import AccountFactory, ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The rows a laptop's first screen must show (it showed 4 when the filters took 45% of it).
ROWS_ABOVE_THE_FOLD = 12


@pytest.fixture
def book(org_a, csm, manager):
    """A page of accounts as a real book has them: long names, several domains, tags, every health band."""

    def make():
        bands = [HealthBand.HEALTHY, HealthBand.NEUTRAL, HealthBand.AT_RISK, ""]
        for i in range(30):
            account = AccountFactory(
                name=f"Northwind Logistics and Freight Forwarding International {i:02d}",
                domains=f"northwind-logistics-{i:02d}.example nw{i:02d}.example",
                owner=csm if i % 2 else manager,
                mrr=Decimal(100 * (i + 1)),
                health_band=bands[i % 4],
                health_score=None if not bands[i % 4] else 40 + i,
            )
            account_services.set_tags(
                actor=manager, account=account, names=["enterprise", "upsell-candidate", "renewal-risk", "emea"]
            )
        target = AccountFactory(name="Zephyr Freight", domains="zephyr.example", owner=manager)
        ContactFactory(account=target, name="Pat Long", email="pat.long@zephyr.example")
        return target

    return stored(org_a, make)


def test_the_header_search_finds_an_account_from_the_tasks_page(live_server, page: Page, watch_console, csm, book):
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/tasks/")
    box = page.get_by_label("Find an account")
    box.fill("pat.long@zeph")
    results = page.locator("#quick-search-results")
    link = results.get_by_role("link", name="Zephyr Freight")
    expect(link).to_be_visible()
    expect(page.locator("#quick-search-status")).to_have_text("1 account found")
    expect(results.get_by_role("link", name="See all results")).to_have_attribute(
        "href", "/alpha/accounts/?q=pat.long%40zeph&owner=any"
    )
    # Escape closes the dropdown; typing brings it back.
    box.press("Escape")
    expect(link).to_be_hidden()
    box.fill("zephyr")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(f"{live_server.url}/alpha/accounts/{book.pk}/")
    expect(page.get_by_role("heading", name="Zephyr Freight", level=1)).to_be_visible()


def test_enter_in_the_header_search_shows_every_result_in_the_list(live_server, page: Page, watch_console, csm, book):
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/tasks/")
    box = page.get_by_label("Find an account")
    box.fill("northwind")
    expect(page.locator("#quick-search-status")).to_have_text("More than 8 accounts found")
    box.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/alpha/accounts/?q=northwind&owner=any")
    expect(page.locator("#results").get_by_role("status")).to_contain_text("30 accounts")


def _rows_above_the_fold(page: Page, height: int) -> int:
    bottoms = page.locator(".accounts-table tbody tr").evaluate_all(
        "rows => rows.map(row => row.getBoundingClientRect().bottom)"
    )
    return sum(1 for bottom in bottoms if bottom <= height)


@pytest.mark.django_db(transaction=True, databases=["default", "ops"])
@pytest.mark.parametrize(
    ("email", "path"),
    [("admin@demo.test", "/demo/accounts/?owner=any"), ("csm@demo.test", "/demo/accounts/")],
    ids=["admin, everyone's accounts", "CSM, their book"],
)
def test_a_laptop_screen_shows_a_dozen_demo_accounts(live_server, page: Page, watch_console, email, path):
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}{path}")
    expect(page.locator(".accounts-table")).to_be_visible()
    # The top bar (the admin's whole navigation, the organization, the quick search) stays one line.
    assert page.locator(".topbar").evaluate("el => el.getBoundingClientRect().height") < 60
    # The rare filters wait behind "More filters".
    expect(page.get_by_label("Tier")).to_be_hidden()
    expect(page.locator("form.account-filters").get_by_label("Owner")).to_be_visible()
    visible = _rows_above_the_fold(page, 800)
    assert visible >= ROWS_ABOVE_THE_FOLD, f"{visible} rows above the fold"
    # At 1280 px the whole table fits: neither the page nor the table's own box scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.locator(".table-wrap").evaluate("el => el.scrollWidth <= el.clientWidth")


def test_long_names_and_many_tags_keep_each_row_on_one_line(live_server, page: Page, watch_console, manager, book):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server.url, manager.email)
    page.goto(f"{live_server.url}/alpha/accounts/?owner=any&sort=name")
    expect(page.locator("#results").get_by_role("status")).to_contain_text("31 accounts")
    heights = page.locator(".accounts-table tbody tr").evaluate_all(
        "rows => rows.map(row => row.getBoundingClientRect().height)"
    )
    # One line each: every row as tall as the shortest (a wrapped name or tag list would double one).
    assert max(heights) - min(heights) < 2, heights
    assert _rows_above_the_fold(page, 800) >= ROWS_ABOVE_THE_FOLD
    # A long name is cut with an ellipsis; its whole text is in the title.
    name = page.locator(".accounts-table .clip.name").first
    assert name.evaluate("el => el.scrollWidth > el.clientWidth")
    expect(name.get_by_role("link")).to_have_attribute(
        "title", "Northwind Logistics and Freight Forwarding International 00"
    )
    assert page.locator(".table-wrap").evaluate("el => el.scrollWidth <= el.clientWidth")


def test_a_rare_filter_in_use_opens_more_filters_and_counts_it(live_server, page: Page, watch_console, manager, book):
    log_in(page, live_server.url, manager.email)
    page.goto(f"{live_server.url}/alpha/accounts/?owner=any")
    summary = page.locator("details.more-filters > summary")
    expect(summary).to_have_text("More filters")
    summary.click()
    page.get_by_label("Health").select_option("at_risk")
    expect(page.locator("#results").get_by_role("status")).to_contain_text("7 accounts")
    expect(summary).to_have_text("More filters (1 active)")
    page.reload()
    expect(page.get_by_label("Health")).to_be_visible()
    expect(summary).to_have_text("More filters (1 active)")
