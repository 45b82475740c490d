"""The pipeline board and the workspace settings in a real browser: a CSM drags cards between columns (a churn asks
for its reason in a dialog), the same without JavaScript through the card's form; a long column scrolls in its own
box and shows more on demand, with and without JavaScript; an admin adds a tier and a custom field, and the pages
fit a phone."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils.timezone import localdate
from playwright.sync_api import Page, expect

from accounts.models import Account, CustomField, LifecycleStage, Tier
from accounts.selectors.board import CARD_LIMIT
from csm.tenancy import activate
from tests.e2e.conftest import answered, log_in, stored
from tests.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def stage(category: str) -> LifecycleStage:
    found = LifecycleStage.objects.filter(category=category).first()
    assert found is not None
    return found


@pytest.fixture
def pipeline(org_a, csm) -> dict[str, int]:
    with activate(org_a):
        initech = AccountFactory(name="Initech", owner=csm, stage=stage("onboarding"), mrr=Decimal("400"))
        umbrella = AccountFactory(name="Umbrella", owner=csm, stage=stage("renewal"), mrr=Decimal("900"))
        AccountFactory(name="Globex", stage=stage("adoption"), mrr=Decimal("100"))
        return {
            "initech": initech.pk,
            "umbrella": umbrella.pk,
            "onboarding": stage("onboarding").pk,
            "adoption": stage("adoption").pk,
            "renewal": stage("renewal").pk,
            "churned": stage("churned").pk,
        }


def column(page: Page, stage_id: int):
    return page.locator(f'section.board-column[data-stage="{stage_id}"]')


def test_a_csm_drags_a_card_to_another_column(live_server, page: Page, watch_console, csm, org_a, pipeline):
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/board/?owner=any")
    expect(page.get_by_role("heading", name="Pipeline board", level=1)).to_be_visible()
    page.evaluate("window.__marker = 'still here'")

    card = page.locator(f"#card-{pipeline['initech']}")
    adoption = column(page, pipeline["adoption"])
    with answered(page, "/board/move/"):
        card.drag_to(adoption.locator(".board-cards"))

    expect(page.get_by_text("Initech moved to Adoption.")).to_be_visible()
    expect(adoption.locator(f"#card-{pipeline['initech']}")).to_be_visible()
    expect(adoption.locator("[data-count]")).to_have_text("2")
    expect(adoption.locator("[data-mrr]")).to_have_text("500")
    expect(column(page, pipeline["onboarding"]).locator("[data-count]")).to_have_text("0")
    assert page.evaluate("window.__marker") == "still here"  # no reload
    assert stored(org_a, lambda: Account.objects.get(pk=pipeline["initech"]).stage_id) == pipeline["adoption"]


def test_dropping_on_the_churned_column_asks_why_and_cancelling_puts_the_card_back(
    live_server,
    page: Page,
    watch_console,
    csm,
    org_a,
    pipeline,
):
    page.set_viewport_size({"width": 1440, "height": 900})  # every column on screen
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/board/?owner=any")
    churned = column(page, pipeline["churned"])
    renewal = column(page, pipeline["renewal"])
    card = page.locator(f"#card-{pipeline['umbrella']}")

    card.drag_to(churned.locator(".board-cards"))
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Why did Umbrella churn?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(renewal.locator(f"#card-{pipeline['umbrella']}")).to_be_visible()
    with activate(org_a):
        assert Account.objects.get(pk=pipeline["umbrella"]).stage_id == pipeline["renewal"]

    card.drag_to(churned.locator(".board-cards"))
    dialog.get_by_label("Reason").fill("Moved to a competitor")
    with answered(page, "/board/move/"):
        dialog.get_by_role("button", name="Record churn").click()
    expect(page.get_by_text("Umbrella moved to Churned.")).to_be_visible()
    expect(churned.locator(f"#card-{pipeline['umbrella']}")).to_be_visible()
    assert stored(org_a, lambda: Account.objects.get(pk=pipeline["umbrella"]).churn_reason) == "Moved to a competitor"


def test_a_csm_moves_cards_without_javascript(live_server, browser, csm, org_a, pipeline):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/board/?owner=me")

    card = page.locator(f"#card-{pipeline['initech']}")
    card.locator("summary").click()
    card.get_by_label("Stage of Initech").select_option(label="Adoption")
    card.get_by_role("button", name="Move").click()
    expect(page).to_have_url(re.compile(r"/alpha/board/\?owner=me$"))
    expect(page.get_by_text("Initech moved to Adoption.")).to_be_visible()
    expect(column(page, pipeline["adoption"]).locator(f"#card-{pipeline['initech']}")).to_be_visible()
    with activate(org_a):
        assert Account.objects.get(pk=pipeline["initech"]).stage_id == pipeline["adoption"]

    # A churn asks for the reason on a page of its own.
    card = page.locator(f"#card-{pipeline['umbrella']}")
    card.locator("summary").click()
    card.get_by_label("Stage of Umbrella").select_option(label="Churned")
    card.get_by_role("button", name="Move").click()
    expect(page.get_by_role("heading", name="Move Umbrella to Churned")).to_be_visible()
    page.get_by_label("Why did they churn?").fill("Budget cut")
    page.get_by_role("button", name="Record churn").click()
    expect(page.get_by_text("Umbrella moved to Churned.")).to_be_visible()
    with activate(org_a):
        umbrella = Account.objects.get(pk=pipeline["umbrella"])
        assert (umbrella.stage_id, umbrella.churn_reason) == (pipeline["churned"], "Budget cut")
    context.close()


@pytest.fixture
def long_column(org_a, csm) -> int:
    """Three pages of cards and a few more in Adoption, a page and one more in Onboarding."""
    today = localdate()
    with activate(org_a):
        adoption = stage("adoption")
        for i in range(3 * CARD_LIMIT + 4):
            AccountFactory(name=f"Acct {i:03d}", owner=csm, stage=adoption, renewal_date=today + timedelta(days=i))
        for i in range(CARD_LIMIT + 1):
            AccountFactory(name=f"Onboarding {i:03d}", owner=csm, stage=stage("onboarding"))
        return adoption.pk


def test_a_long_column_scrolls_in_its_own_box_and_shows_more_without_a_reload(
    live_server, page: Page, watch_console, csm, long_column
):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/board/?owner=me")
    page.evaluate("window.__marker = 'still here'")
    adoption = column(page, long_column)
    cards = adoption.locator(".board-card")
    expect(cards).to_have_count(CARD_LIMIT)

    def page_height() -> int:
        return page.evaluate("document.documentElement.scrollHeight")

    assert page_height() <= 1.5 * 800, page_height()
    box = adoption.locator(".board-cards")
    overflow = box.evaluate("list => list.scrollHeight - list.clientHeight")
    assert overflow > 0  # the column scrolls, not the page
    more = adoption.get_by_role("link", name="Show more in Adoption")
    expect(more).to_contain_text(f"({2 * CARD_LIMIT + 4} left)")
    more.scroll_into_view_if_needed()
    assert box.evaluate("list => list.scrollTop") > 0

    with answered(page, f"/board/columns/{long_column}/", method="GET"):
        more.click()
    expect(cards).to_have_count(2 * CARD_LIMIT)
    expect(cards.nth(CARD_LIMIT)).to_contain_text(f"Acct {CARD_LIMIT:03d}")
    expect(cards.nth(CARD_LIMIT).get_by_role("link", name=f"Acct {CARD_LIMIT:03d}")).to_be_focused()
    expect(more).to_contain_text(f"({CARD_LIMIT + 4} left)")
    with answered(page, f"/board/columns/{long_column}/", method="GET"):
        more.click()
    expect(cards).to_have_count(3 * CARD_LIMIT)
    assert page.evaluate("window.__marker") == "still here"  # no reload
    assert page_height() <= 1.5 * 800, page_height()
    # The other columns keep their first page; the count in the head stays the column's whole count.
    expect(adoption.locator("[data-count]")).to_have_text(str(3 * CARD_LIMIT + 4))
    expect(page.locator(".board-column").filter(has_text="Onboarding 000").locator(".board-card")).to_have_count(
        CARD_LIMIT
    )


def test_show_more_without_javascript_opens_the_board_with_the_column_longer(live_server, browser, csm, long_column):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/board/?owner=me")
    adoption = column(page, long_column)
    adoption.get_by_role("link", name="Show more in Adoption").click()
    expect(page).to_have_url(re.compile(rf"/alpha/board/\?owner=me&column={long_column}&cards={2 * CARD_LIMIT}$"))
    expect(adoption.locator(".board-card")).to_have_count(2 * CARD_LIMIT)
    assert page.evaluate("document.documentElement.scrollHeight") <= 1.5 * 800
    context.close()


def test_an_admin_adds_a_tier_and_a_custom_field(live_server, page: Page, watch_console, admin, org_a):
    log_in(page, live_server.url, admin.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    subnav = page.get_by_role("navigation", name="Settings")

    subnav.get_by_role("link", name="Tiers").click()
    expect(page.get_by_role("heading", name="Tiers", level=1)).to_be_visible()
    page.get_by_label("Name").fill("Strategic")
    page.get_by_role("button", name="Add tier").click()
    expect(page.get_by_text("Tier “Strategic” added.")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Strategic")).to_be_visible()

    # Rename inline: htmx swaps the row for a form and back, without a reload.
    page.evaluate("window.__marker = 'still here'")
    page.get_by_role("link", name="Rename Strategic").click()
    edit = page.locator("#edit-name")
    expect(edit).to_be_focused()
    edit.fill("Strategic accounts")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Tier renamed to “Strategic accounts”.")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Strategic accounts")).to_be_visible()
    subnav.get_by_role("link", name="Custom fields").click()
    page.get_by_label("Label").fill("Sales region")
    page.get_by_label("Type").select_option("choice")
    page.get_by_label("Options").fill("EMEA\nAmericas\nAPAC")
    page.get_by_role("button", name="Add field").click()
    expect(page.get_by_text("Field “Sales region” added")).to_be_visible()
    expect(page.get_by_role("cell", name="sales_region")).to_be_visible()
    with activate(org_a):
        assert Tier.objects.filter(name="Strategic accounts").exists()
        field = CustomField.objects.get(label="Sales region")
        assert (field.key, field.field_type, field.choices) == ("sales_region", "choice", ["EMEA", "Americas", "APAC"])


def test_a_refused_rename_shows_its_error_in_the_row(live_server, page: Page, admin, org_a):
    # No console watcher here: the refusal is a 400 on purpose, which htmx is told to swap in.
    log_in(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}/alpha/settings/workspace/tiers/")
    page.evaluate("window.__marker = 'still here'")
    page.get_by_role("link", name="Rename Enterprise").click()
    page.locator("#edit-name").fill("smb")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("There is already a tier named “smb”.")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("#edit-name")).to_have_count(0)
    expect(page.get_by_role("rowheader", name="Enterprise")).to_be_visible()
    assert page.evaluate("window.__marker") == "still here"
    with activate(org_a):
        assert Tier.objects.filter(name="Enterprise").exists()


def test_the_board_and_the_settings_fit_a_phone(live_server, browser, admin, org_a, pipeline):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, live_server.url, admin.email)
    for path in ("board/", "settings/workspace/tiers/", "settings/workspace/stages/", "settings/workspace/fields/",
                 "settings/workspace/plan-templates/"):  # fmt: skip
        page.goto(f"{live_server.url}/alpha/{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    # On a phone the card's Move menu does what dragging does on a desktop.
    page.goto(f"{live_server.url}/alpha/board/?owner=any")
    card = page.locator(f"#card-{pipeline['initech']}")
    card.locator("summary").tap()
    card.get_by_label("Stage of Initech").select_option(label="Mature")
    card.get_by_role("button", name="Move").tap()
    expect(page.get_by_text("Initech moved to Mature.")).to_be_visible()
    context.close()
