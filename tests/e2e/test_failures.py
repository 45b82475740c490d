"""When an htmx request fails, the page says so (static/js/app.js): a server shedding load (503 with Retry-After,
csm/overload.py), an error, or no answer at all. The failures are made at the network's edge (Playwright's routing
answers for the server); the last request reaches the real one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from accounts.models import Note
from tests.e2e.conftest import answered, log_in, stored
from tests.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_failed_htmx_request_says_what_happened_and_changes_nothing(live_server, page: Page, csm, org_a):
    account = stored(org_a, lambda: AccountFactory(organization=org_a, name="Zephyr Freight", owner=csm))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    base = live_server.url
    log_in(page, base, csm.email)
    page.goto(f"{base}/alpha/accounts/{account.pk}/")
    page.evaluate("window.__marker = 'no reload'")
    note_url = f"**/alpha/accounts/{account.pk}/notes/"
    messages = page.locator("#messages")
    add = page.get_by_role("button", name="Add to timeline")
    page.get_by_label("Text", exact=True).fill("Renewal call booked.")

    def shed(route: Route) -> None:
        route.fulfill(status=503, headers={"Retry-After": "5", "Content-Type": "text/plain"}, body="Overloaded")

    page.route(note_url, shed)
    add.click()
    expect(messages.get_by_role("alert")).to_have_text(
        "The server is busy and did not take this request; nothing was changed. Try again in 5 seconds."
    )
    page.unroute(note_url)

    page.route(note_url, lambda route: route.fulfill(status=500, body="<h1>Server error</h1>"))
    add.click()
    expect(messages.get_by_role("alert")).to_contain_text("Something went wrong on our side (error 500)")
    page.unroute(note_url)

    page.route(note_url, lambda route: route.abort("connectionrefused"))
    add.click()
    expect(messages.get_by_role("alert")).to_have_text(
        "The server did not answer: check the connection, then try again."
    )
    page.unroute(note_url)

    # The form kept what was typed, and the page was never replaced by an error page.
    expect(page.get_by_label("Text", exact=True)).to_have_value("Renewal call booked.")
    assert page.evaluate("window.__marker") == "no reload"
    assert stored(org_a, lambda: Note.objects.filter(account_id=account.pk).count()) == 0

    with answered(page, f"/alpha/accounts/{account.pk}/notes/"):
        add.click()
    expect(page.locator("#timeline-entries > li").first).to_contain_text("Renewal call booked.")
    assert stored(org_a, lambda: Note.objects.filter(account_id=account.pk).count()) == 1
    assert errors == []
