"""The shell in a real browser (Playwright driving the system Chromium): log in, walk the navigation, switch
organizations, hit another organization's address, manage members inline, on a laptop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from csm.models import ApiKey, Membership, Role
from csm.tenancy import activate
from tests.conftest import make_member
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_csm_logs_in_and_walks_the_shell(live_server, page: Page, watch_console, csm, org_a, org_b, outsider):
    base = live_server.url
    log_in(page, base, csm.email)
    expect(page).to_have_url(f"{base}/alpha/")
    expect(page.get_by_role("heading", name="Alpha Corp")).to_be_visible()

    nav = page.get_by_role("navigation", name="Main")
    for label, path, heading in (
        ("Accounts", "/alpha/accounts/?owner=me&churned=no", "Accounts"),  # a CSM's own book first
        ("Tasks", "/alpha/tasks/", "Tasks"),
        ("Tickets", "/alpha/tickets/", "Tickets"),
        ("Board", "/alpha/board/?owner=me", "Pipeline board"),
        ("Playbooks", "/alpha/playbooks/", "Playbooks"),
    ):
        nav.get_by_role("link", name=label).click()
        expect(page).to_have_url(f"{base}{path}")
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        expect(nav.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")
    # A feature of a later version says so honestly.
    expect(page.get_by_text("Nothing is hidden from you")).to_be_visible()
    # A CSM sees neither the dashboards nor the settings.
    expect(nav.get_by_role("link", name="Dashboards")).to_have_count(0)
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)

    # Another organization's address is a plain 404.
    response = page.goto(f"{base}/beta/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="This page does not exist")).to_be_visible()

    # The profile page, then log out.
    page.goto(f"{base}/alpha/")
    page.get_by_label("Your account").click()
    page.get_by_role("menuitem", name="Profile").click()
    page.get_by_label("Sender name").fill("Carol from Alpha")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    page.get_by_label("Your account").click()
    page.get_by_role("menuitem", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_a_person_in_two_organizations_switches_with_the_switcher(
    live_server, page: Page, watch_console, csm, org_a, org_b
):
    with activate(org_b):
        Membership.objects.create(organization=org_b, user=csm, role=Role.MANAGER)
    base = live_server.url
    log_in(page, base, csm.email)
    page.get_by_label("Switch organization").click()
    page.get_by_role("menuitem", name=re.compile("Beta Ltd")).click()
    expect(page).to_have_url(f"{base}/beta/")
    expect(page.get_by_role("heading", name="Beta Ltd")).to_be_visible()
    # A manager there sees the dashboards.
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboards")).to_be_visible()


def test_an_admin_invites_changes_a_role_inline_and_makes_an_api_key(
    live_server, page: Page, watch_console, admin, csm, org_a
):
    base = live_server.url
    log_in(page, base, admin.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Organization", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Members").click()

    page.get_by_label("Email").fill("newcomer@alpha.test")
    page.get_by_label("Role", exact=True).select_option("manager")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to newcomer@alpha.test.")).to_be_visible()
    expect(page.get_by_role("cell", name="newcomer@alpha.test")).to_be_visible()

    # Inline role change: the row is swapped by htmx, the page is not reloaded.
    page.evaluate("window.__marker = 'still here'")
    row = page.locator("tr", has_text=csm.email)
    row.get_by_label(f"Role of {csm.full_name}").select_option("manager")
    row.get_by_role("button", name="Change").click()
    expect(page.get_by_text(f"{csm.full_name} is now Manager.")).to_be_visible()
    assert page.evaluate("window.__marker") == "still here"
    with activate(org_a):
        assert Membership.objects.get(user=csm).role == Role.MANAGER

    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("Product events")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_label("New API key").input_value()
    assert re.fullmatch(r"csm_\d+_[A-Za-z0-9_-]{40,}", key)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key
    page.reload()  # the page the creation redirected to: a reload neither shows the key again nor makes another
    expect(page.get_by_label("New API key")).to_have_count(0)
    with activate(org_a):
        assert ApiKey.objects.filter(name="Product events").count() == 1

    page.get_by_role("link", name="Activity log").click()
    expect(page.get_by_text("Api key created")).to_be_visible()
    expect(page.get_by_text("Member role changed")).to_be_visible()


def test_the_shell_works_on_a_phone(live_server, browser, admin, csm, manager, org_a):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    base = live_server.url
    log_in(page, base, admin.email)
    expect(page).to_have_url(f"{base}/alpha/")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Tasks").tap()
    expect(page).to_have_url(f"{base}/alpha/tasks/")
    # Nothing overflows the screen sideways, even the tables of the settings (they scroll in their own box).
    for path in ("/alpha/tasks/", "/alpha/settings/members/", "/alpha/settings/api-keys/", "/alpha/settings/activity/"):
        page.goto(f"{base}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.get_by_label("Your account").tap()
    expect(page.get_by_role("menuitem", name="Log out")).to_be_visible()
    context.close()


def test_an_outsider_never_sees_the_organization(live_server, page: Page, outsider, org_a, csm):
    make_member(org_a, "second@alpha.test", Role.CSM)
    log_in(page, live_server.url, outsider.email)
    for path in ("/alpha/", "/alpha/settings/members/", "/alpha/accounts/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 404
    page.get_by_label("Switch organization").click()
    expect(page.get_by_role("menuitem", name=re.compile("Alpha Corp"))).to_have_count(0)
