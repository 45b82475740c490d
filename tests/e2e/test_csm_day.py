"""A CSM's day in a real browser, as a new user would try it: filter the book, open an account, add a note that
appears in the timeline without a reload, complete a task, move a board card, and import a CSV that has an error
(told the row and the reason, nothing written), fix it and import it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Account, HealthBand, Note, Task
from accounts.services import tasks as task_services
from csm.tenancy import activate
from tests.e2e.conftest import log_in
from tests.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(org_a, csm, manager):
    with activate(org_a):
        for i in range(8):
            AccountFactory(name=f"Mine {i}", owner=csm, mrr=Decimal(100 * (i + 1)))
        for i in range(5):
            AccountFactory(name=f"Theirs {i}", owner=manager)
        risky = AccountFactory(name="Zephyr Freight", owner=csm, mrr=Decimal(4200), health_band=HealthBand.AT_RISK)
        task_services.create_task(actor=csm, account=risky, title="Send the renewal quote", assignee=csm)
    return risky


def test_filter_open_note_and_complete_a_task(live_server, page: Page, csm, book):
    base = live_server.url
    log_in(page, base, csm.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    # A CSM's list opens on their own book, not churned; "Anyone" shows the whole organization's.
    expect(page).to_have_url(f"{base}/alpha/accounts/?owner=me&churned=no")
    page.wait_for_load_state()
    expect(page.locator("#results").get_by_role("status")).to_contain_text("9 accounts")
    page.get_by_label("Owner").select_option("any")
    expect(page.locator("#results").get_by_role("status")).to_contain_text("14 accounts")

    # Filter: mine, then at risk; the URL follows, so the state can be shared and reloaded.
    page.get_by_label("Owner").select_option("me")
    expect(page).to_have_url(f"{base}/alpha/accounts/?owner=me&churned=no&sort=name")
    expect(page.locator("#results").get_by_role("status")).to_contain_text("9 accounts")
    page.get_by_text("More filters").click()  # health is one of the rare filters, folded away until used
    page.get_by_label("Health").select_option("at_risk")
    expect(page.locator("#results").get_by_role("status")).to_contain_text("1 account")
    page.reload()
    expect(page.get_by_role("link", name="Zephyr Freight")).to_be_visible()
    expect(page.get_by_role("link", name="Mine 1")).to_have_count(0)

    page.get_by_role("link", name="Zephyr Freight").click()
    expect(page.get_by_role("heading", name="Zephyr Freight", level=1)).to_be_visible()

    # A note, in Markdown, lands at the top of the timeline without a reload.
    page.evaluate("window.__marker = 'no reload'")
    page.get_by_label("Text", exact=True).fill("Renewal call booked for **Tuesday**.")
    page.get_by_role("button", name="Add to timeline").click()
    first_entry = page.locator("#timeline-entries > li").first
    expect(first_entry).to_contain_text("Renewal call booked for Tuesday.")
    expect(first_entry.locator("strong", has_text="Tuesday")).to_be_visible()
    assert page.evaluate("window.__marker") == "no reload"
    with activate(book.organization):
        assert Note.objects.filter(account=book, body__contains="Tuesday").exists()

    # Complete the task inline.
    page.get_by_role("button", name=re.compile(r"Complete\W+Send the renewal quote")).click()
    expect(page.locator("li.task", has_text="Send the renewal quote")).to_have_count(0)
    assert page.evaluate("window.__marker") == "no reload"
    with activate(book.organization):
        assert Task.objects.get(title="Send the renewal quote").status == "done"
        assert Account.objects.get(pk=book.pk).name == "Zephyr Freight"
