"""Tasks and the servicedesk in a real browser: a CSM works their tasks (overdue, today, upcoming), completes one
and snoozes another without a reload; a manager reads the whole team's overdue tasks, then one person's; a CSM opens
a ticket, drags it across the board, resolves it and reads its resolution time; both pages fit a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.timezone import localdate
from playwright.sync_api import Page, expect

from accounts.models import Task, TaskPriority, TaskStatus, Ticket, TicketStatus
from csm.models import Role
from csm.tenancy import activate
from tests.conftest import make_member
from tests.e2e.conftest import answered, log_in, stored
from tests.factories import AccountFactory, ContactFactory, TaskFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workload(org_a, csm, manager) -> dict[str, int]:
    today = localdate()
    with activate(org_a):
        acme = AccountFactory(name="Acme", owner=csm)
        ContactFactory(account=acme, name="Bob Buyer")
        return {
            "acme": acme.pk,
            "late": TaskFactory(title="Chase the invoice", account=acme, assignee=csm,
                                due_date=today - timedelta(days=2), priority=TaskPriority.HIGH).pk,
            "today": TaskFactory(title="Call Bob", account=acme, assignee=csm, due_date=today).pk,
            "soon": TaskFactory(title="Prepare the QBR", account=acme, assignee=csm,
                                due_date=today + timedelta(days=4)).pk,
            "other": TaskFactory(title="Manager's own", assignee=manager, due_date=today).pk,
        }  # fmt: skip


def test_a_csm_completes_and_snoozes_tasks_inline(live_server, page: Page, watch_console, csm, org_a, workload):
    base = live_server.url
    log_in(page, base, csm.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
    expect(page.get_by_role("heading", name="Tasks", level=1)).to_be_visible()

    overdue = page.locator("section.task-group-overdue")
    today = page.locator("section.task-group-today")
    upcoming = page.locator("section.task-group-upcoming")
    expect(overdue.get_by_text("Chase the invoice", exact=True)).to_be_visible()
    expect(overdue.get_by_text("High")).to_be_visible()
    expect(today.get_by_text("Call Bob", exact=True)).to_be_visible()
    expect(upcoming.get_by_text("Prepare the QBR", exact=True)).to_be_visible()
    expect(page.get_by_text("Manager's own", exact=True)).to_have_count(0)

    # Complete inline: the row goes, a message comes, the page is not reloaded.
    page.evaluate("window.__marker = 'still here'")
    with answered(page, "/complete/"):
        today.get_by_role("button", name="Complete: Call Bob").click()
    expect(page.get_by_text("Done: Call Bob.")).to_be_visible()
    expect(page.locator(f"#task-{workload['today']}")).to_have_count(0)
    assert page.evaluate("window.__marker") == "still here"
    assert stored(org_a, lambda: Task.objects.get(pk=workload["today"]).status) == TaskStatus.DONE

    # Snooze the overdue one until tomorrow.
    row = page.locator(f"#task-{workload['late']}")
    row.get_by_label("Snooze: Chase the invoice").click()
    with answered(page, "/snooze/"):
        row.get_by_role("button", name="Until tomorrow").click()
    expect(page.get_by_text("Snoozed until")).to_be_visible()
    expect(page.locator(f"#task-{workload['late']}")).to_have_count(0)
    assert page.evaluate("window.__marker") == "still here"
    tomorrow = localdate() + timedelta(days=1)
    snoozed = stored(org_a, lambda: Task.objects.values_list("status", "snoozed_until").get(pk=workload["late"]))
    assert snoozed == (TaskStatus.SNOOZED, tomorrow)

    # After a reload the snoozed task waits in its own section and the done one is in "Recently completed".
    page.reload()
    page.get_by_text("Recently completed").click()
    expect(page.locator(f"#task-{workload['today']}").get_by_role("button", name="Reopen: Call Bob")).to_be_visible()
    page.get_by_text("Snoozed", exact=False).first.click()
    expect(page.locator(f"#task-{workload['late']}")).to_contain_text("Snoozed until")


def test_a_manager_sees_the_whole_teams_overdue_tasks_then_one_persons(
    live_server, page: Page, watch_console, manager, csm, org_a, workload
):
    with activate(org_a):
        dora = make_member(org_a, "dora@alpha.test", Role.CSM, "Dora Csm")
        doras = TaskFactory(
            title="Send Dora's renewal quote", assignee=dora, due_date=localdate() - timedelta(days=5)
        ).pk
    base = live_server.url
    log_in(page, base, manager.email)
    page.goto(f"{base}/alpha/tasks/")
    picker = page.get_by_label("Whose tasks")
    expect(picker).to_have_value("team")
    expect(page.get_by_text("Open tasks of the whole team")).to_be_visible()

    # Every member's overdue tasks in one group, oldest first, each naming its assignee.
    overdue = page.locator("section.task-group-overdue")
    expect(overdue.locator("li.task .task-title")).to_have_text(["Send Dora's renewal quote", "Chase the invoice"])
    expect(page.locator(f"#task-{doras}")).to_contain_text("Dora Csm")
    expect(page.locator(f"#task-{workload['late']}")).to_contain_text("Carol Csm")
    expect(page.locator(f"#task-{workload['other']}")).to_contain_text("Mark Manager")

    # The manager completes a CSM's task from the team's list, without a reload.
    page.evaluate("window.__marker = 'still here'")
    with answered(page, "/complete/"):
        page.get_by_role("button", name="Complete: Send Dora's renewal quote").click()
    expect(page.get_by_text("Done: Send Dora's renewal quote.")).to_be_visible()
    expect(page.locator(f"#task-{doras}")).to_have_count(0)
    assert stored(org_a, lambda: Task.objects.get(pk=doras).status) == TaskStatus.DONE

    # One person at a time is still a choice: the picker swaps the groups in.
    with answered(page, "/alpha/tasks/", method="GET"):
        picker.select_option(label="Carol Csm")
    expect(page.get_by_text("Open tasks of Carol Csm")).to_be_visible()
    expect(page.locator(f"#task-{workload['other']}")).to_have_count(0)
    expect(overdue.locator("li.task .task-title")).to_have_text(["Chase the invoice"])
    expect(page).to_have_url(f"{base}/alpha/tasks/?assignee={csm.pk}")
    assert page.evaluate("window.__marker") == "still here"


def test_a_csm_adds_a_task_with_an_account_suggestion(live_server, page: Page, watch_console, csm, org_a, workload):
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/tasks/")
    page.get_by_text("Add a task").click()
    page.get_by_label("Title").fill("Send the renewal quote")
    page.get_by_label("Account", exact=True).press_sequentially("Acm", delay=50)
    expect(page.locator("#task-account-options option")).to_have_count(1)
    suggestion = page.locator("#task-account-options option").first.get_attribute("value")
    assert suggestion == f"Acme (#{workload['acme']})"
    page.get_by_label("Account", exact=True).fill(suggestion)
    with answered(page, "/tasks/new/"):
        page.get_by_role("button", name="Add task").click()
    expect(page.get_by_text("Task “Send the renewal quote” added.")).to_be_visible()
    expect(page.locator("section.task-group-today").get_by_text("Send the renewal quote", exact=True)).to_be_visible()
    assert stored(
        org_a, lambda: Task.objects.filter(title="Send the renewal quote", account_id=workload["acme"]).exists()
    )


def test_a_csm_opens_a_ticket_moves_it_on_the_board_and_resolves_it(
    live_server,
    page: Page,
    watch_console,
    csm,
    org_a,
    workload,
):
    with activate(org_a):
        TicketFactory(number=7, subject="Older question", status=TicketStatus.OPEN)
    base = live_server.url
    log_in(page, base, csm.email)
    page.goto(f"{base}/alpha/tickets/")
    page.get_by_role("link", name="New ticket").click()

    page.get_by_label("Subject").fill("Export to CSV fails")
    page.get_by_label("Description").fill("Since the update on Monday.")
    page.get_by_label("Account", exact=True).press_sequentially("Acm", delay=50)
    expect(page.locator("#ticket-account-options option")).to_have_count(1)
    page.get_by_label("Account", exact=True).fill(f"Acme (#{workload['acme']})")
    page.get_by_label("Priority").focus()  # leaving the field refreshes the contacts of the account
    expect(page.get_by_label("Contact").locator("option", has_text="Bob Buyer")).to_have_count(1)
    page.get_by_label("Contact").select_option(label="Bob Buyer")
    page.get_by_label("Priority").select_option("high")
    page.get_by_role("button", name="Open ticket").click()

    expect(page.get_by_text("Ticket #8 opened.")).to_be_visible()
    expect(page.get_by_role("heading", name="#8 Export to CSV fails")).to_be_visible()
    ticket_id = int(page.url.rstrip("/").rsplit("/", 1)[1])  # its number: /tickets/8/ is #8
    assert ticket_id == 8

    # Drag the card from "New" to "Pending" on the board.
    page.get_by_role("main").get_by_role("link", name="Board", exact=True).first.click()
    card = page.locator(f"#ticket-card-{ticket_id}")
    expect(page.locator('[data-drop-status="new"]').locator(card)).to_have_count(1)
    page.evaluate("window.__marker = 'still here'")
    with answered(page, f"/tickets/{ticket_id}/update/"):
        card.locator(".ticket-card-title").drag_to(page.locator('section[data-drop-status="pending"]'))
    expect(page.locator('section[data-drop-status="pending"]').locator(f"#ticket-card-{ticket_id}")).to_be_visible()
    expect(page.get_by_text("#8 moved to Pending.")).to_be_visible()
    expect(page.locator('section[data-drop-status="pending"] .count')).to_have_text("1")
    assert page.evaluate("window.__marker") == "still here"
    assert stored(org_a, lambda: Ticket.objects.get(number=ticket_id).status) == TicketStatus.PENDING

    # Without dragging: the card's own form moves it too.
    card = page.locator(f"#ticket-card-{ticket_id}")
    card.get_by_label("Status of #8").select_option("open")
    card.get_by_role("button", name="Move #8").click()
    expect(page.locator('section[data-drop-status="open"]').locator(f"#ticket-card-{ticket_id}")).to_be_visible()

    # Resolve it on its page and read how long it took.
    page.locator(f"#ticket-card-{ticket_id}").get_by_role("link").click()
    with answered(page, f"/tickets/{ticket_id}/update/"):
        page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("#8 solved, resolved in")).to_be_visible()
    expect(page.locator(".resolution-time")).to_have_text("Resolved in under a minute")
    expect(page.get_by_text("Ticket resolved")).to_be_visible()
    assert stored(org_a, lambda: Ticket.objects.get(number=ticket_id).resolved_at) is not None

    # The list shows the resolution time too.
    page.goto(f"{base}/alpha/tickets/?status=solved")
    expect(page.locator(f"#ticket-{ticket_id}")).to_contain_text("under a minute")


def test_tasks_and_tickets_fit_a_phone(live_server, browser, csm, org_a, workload):
    with activate(org_a):
        for number in range(1, 6):
            TicketFactory(number=number, subject=f"A rather long subject line for ticket number {number}",
                          status=TicketStatus.values[number - 1])  # fmt: skip
        ticket = Ticket.objects.first()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    base = live_server.url
    log_in(page, base, csm.email)
    for path in ("/alpha/tasks/", "/alpha/tickets/", "/alpha/tickets/board/", "/alpha/tickets/new/",
                 f"/alpha/tickets/{ticket.number}/"):  # fmt: skip
        page.goto(f"{base}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.goto(f"{base}/alpha/tasks/")
    page.get_by_label("Snooze: Prepare the QBR").tap()
    panel = page.locator(f"#task-{workload['soon']} .snooze-panel").bounding_box()
    assert panel is not None and panel["x"] >= 0 and panel["x"] + panel["width"] <= 390, panel
    page.locator(f"#task-{workload['today']}").get_by_role("button", name="Complete: Call Bob").tap()
    expect(page.get_by_text("Done: Call Bob.")).to_be_visible()
    context.close()
