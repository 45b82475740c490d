"""What a new team must be able to trust on the page (issue: the first hour): a refused form shows its errors in
its place, in development (DEBUG, as `make run` serves) as in production."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Note
from csm.models import Membership, Role
from tests.e2e.conftest import answered, log_in, stored
from tests.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def debug(settings):
    """The settings of `make run`: DEBUG on."""
    settings.DEBUG = True


def test_under_debug_an_empty_note_shows_its_error_in_the_note_form(debug, live_server, page: Page, csm, org_a):
    account = stored(org_a, lambda: AccountFactory(organization=org_a, name="Zephyr Freight", owner=csm))
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/accounts/{account.pk}/")
    page.evaluate("window.__marker = 'no reload'")
    with answered(page, f"/alpha/accounts/{account.pk}/notes/"):
        page.get_by_role("button", name="Add to timeline").click()
    note_form = page.locator("form.note-form")
    expect(note_form.get_by_role("alert")).to_be_visible()
    # The page is still the styled 360 around it: its heading, its header, the stylesheet.
    expect(page.get_by_role("heading", name="Zephyr Freight", level=1)).to_be_visible()
    assert page.evaluate("window.__marker") == "no reload"
    assert page.evaluate("document.styleSheets.length") >= 1
    assert stored(org_a, lambda: Note.objects.filter(account_id=account.pk).count()) == 0


def test_under_debug_demoting_the_last_admin_shows_why_in_the_members_row(debug, live_server, page: Page, admin, org_a):
    membership = stored(org_a, lambda: Membership.objects.get(user=admin))
    log_in(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}/alpha/settings/members/")
    page.evaluate("window.__marker = 'no reload'")
    row = page.locator(f"#member-{membership.pk}")
    row.get_by_label(f"Role of {admin.display_name}").select_option("csm")
    with answered(page, f"/alpha/settings/members/{membership.pk}/role/"):
        row.get_by_role("button", name="Change").click()
    expect(page.locator(f"#member-{membership.pk} form").get_by_role("alert")).to_contain_text(
        "at least one active admin"
    )
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    assert page.evaluate("window.__marker") == "no reload"
    assert stored(org_a, lambda: Membership.objects.get(pk=membership.pk).role) == Role.ADMIN


def test_a_long_email_stays_inside_the_360s_column(live_server, page: Page, csm, org_a):
    from tests.factories import ContactFactory

    email = "procurement.and.vendor.management.department.team@" + "subsidiary-of-a-long-name" * 2 + ".example.com"

    def make():
        account = AccountFactory(organization=org_a, name="Long Mail Ltd", owner=csm)
        ContactFactory(organization=org_a, account=account, name="Pat Long", email=email)
        return account

    account = stored(org_a, make)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/accounts/{account.pk}/")
    expect(page.get_by_role("link", name=email)).to_be_visible()
    overflow = page.evaluate(
        "() => { const side = document.querySelector('.account-side'); return side.scrollWidth - side.clientWidth; }"
    )
    assert overflow <= 0


def test_the_favicon_is_served(live_server, page: Page):
    response = page.goto(f"{live_server.url}/favicon.ico")
    assert response is not None and response.status == 200
    assert response.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
