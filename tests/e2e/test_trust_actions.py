"""In a real browser: counts stay true after actions and Done / Snoozed offer Undo (issue 8, finding 2); a bulk action
starts with nothing chosen, shows only the input it needs, asks with its count, reports what it skipped, does not
un-churn silently, and can be undone (finding 3); a churned account shows its churn, not its health and renewal, and
offers to close its open tasks (finding 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.timezone import localdate
from playwright.sync_api import Page, expect

from accounts.models import Account, LifecycleStage, StageCategory, Task, TaskStatus
from tests.e2e.conftest import answered, log_in, stored
from tests.factories import AccountFactory, TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_completing_a_task_on_the_360_updates_its_count_and_undo_brings_it_back(live_server, page: Page, csm, org_a):
    def make():
        account = AccountFactory(organization=org_a, name="Quill Post", owner=csm)
        for title in ("Send the QBR deck", "Call the champion"):
            TaskFactory(organization=org_a, account=account, assignee=csm, title=title, due_date=localdate())
        return account

    account = stored(org_a, make)
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/accounts/{account.pk}/")
    count = page.locator("#open-task-count")
    expect(count).to_have_text("2")
    page.get_by_role("button", name="Complete: Send the QBR deck").click()
    expect(count).to_have_text("1")
    expect(page.locator("#messages")).to_contain_text("Done: Send the QBR deck.")
    page.locator("#messages").get_by_role("button", name="Undo").click()
    expect(page.locator("#open-task-count")).to_have_text("2")
    expect(page.get_by_role("button", name="Complete: Send the QBR deck")).to_be_visible()
    assert stored(org_a, lambda: Task.objects.filter(status=TaskStatus.OPEN).count()) == 2


def test_snoozing_on_the_tasks_page_updates_the_groups_count_and_undo_restores_the_due_date(
    live_server, page: Page, csm, org_a
):
    late = localdate() - timedelta(days=2)
    stored(
        org_a,
        lambda: [TaskFactory(organization=org_a, assignee=csm, title=f"Late {n}", due_date=late) for n in (1, 2, 3)],
    )
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/tasks/")
    overdue = page.locator("#count-overdue")
    expect(overdue).to_have_text("3")
    page.get_by_text("Snooze", exact=True).first.click()
    page.get_by_role("button", name="Until tomorrow").first.click()
    expect(overdue).to_have_text("2")
    expect(page.locator("#messages")).to_contain_text("Snoozed until")
    page.locator("#messages").get_by_role("button", name="Undo").click()
    expect(page.locator("#count-overdue")).to_have_text("3")
    dates = stored(org_a, lambda: set(Task.objects.values_list("due_date", "status")))
    assert dates == {(late, TaskStatus.OPEN)}


def test_a_bulk_owner_removal_asks_with_its_count_reports_the_skipped_and_undoes(
    live_server, page: Page, manager, csm, org_a
):
    def make():
        for name in ("Acme", "Bolt"):
            AccountFactory(organization=org_a, name=name, owner=csm)
        AccountFactory(organization=org_a, name="Cider", owner=None)

    stored(org_a, make)
    log_in(page, live_server.url, manager.email)
    page.goto(f"{live_server.url}/alpha/accounts/?owner=any")
    bar = page.locator("fieldset.bulk-bar")
    # Nothing chosen, and no value input until an action needs one.
    expect(bar.locator("#bulk-action")).to_have_value("")
    expect(bar.locator("#bulk-owner")).to_be_hidden()
    expect(bar.locator("#bulk-tag")).to_be_hidden()
    for name in ("Acme", "Bolt", "Cider"):
        page.get_by_role("checkbox", name=f"Select {name}").check()
    bar.locator("#bulk-action").select_option("assign_owner")
    expect(bar.locator("#bulk-owner")).to_be_visible()
    expect(bar.locator("#bulk-stage")).to_be_hidden()
    expect(bar.locator("#bulk-owner")).to_have_value("")
    bar.locator("#bulk-owner").select_option("none")
    with answered(page, "/alpha/accounts/bulk/"):
        bar.get_by_role("button", name="Review…").click()
    panel = page.locator("#bulk-confirm-panel")
    expect(panel.get_by_role("heading")).to_have_text("Remove the owner from 2 accounts?")
    expect(panel).to_contain_text("1 already without an owner (Cider)")
    assert stored(org_a, lambda: Account.objects.filter(owner__isnull=True).count()) == 1
    panel.get_by_role("button", name="Remove the owner").click()
    expect(page.locator("#messages")).to_contain_text(
        "Owner removed from 2 accounts. Skipped: 1 already without an owner."
    )
    assert stored(org_a, lambda: Account.objects.filter(owner__isnull=True).count()) == 3
    page.locator("#messages").get_by_role("button", name="Undo").click()
    expect(page.locator("#messages")).to_contain_text("Undone: 2 accounts back as they were.")
    assert stored(org_a, lambda: Account.objects.filter(owner=csm).count()) == 2


def test_bulk_set_stage_asks_before_un_churning(live_server, page: Page, csm, org_a):
    def make():
        churned = LifecycleStage.objects.get(organization=org_a, category=StageCategory.CHURNED)
        AccountFactory(organization=org_a, name="Acme", owner=csm)
        AccountFactory(
            organization=org_a, name="Gone", owner=csm, stage=churned, churn_date=localdate(), churn_reason="Budget"
        )
        return LifecycleStage.objects.filter(organization=org_a, category=StageCategory.ONBOARDING).first()

    onboarding = stored(org_a, make)
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/accounts/?owner=any")
    bar = page.locator("fieldset.bulk-bar")
    expect(bar.locator("#bulk-owner")).to_have_count(0)  # a CSM does not reassign
    bar.get_by_role("checkbox", name="All 2 matching").check()
    bar.locator("#bulk-action").select_option("set_stage")
    bar.locator("#bulk-stage").select_option(str(onboarding.pk))
    bar.get_by_role("button", name="Review…").click()
    panel = page.locator("#bulk-confirm-panel")
    expect(panel.get_by_role("heading")).to_have_text(f"Move 1 account to {onboarding.name}?")
    expect(panel).to_contain_text("1 churned: moving them would un-churn them (Gone)")
    panel.get_by_role("button", name=f"Move to {onboarding.name}").click()
    expect(page.locator("#messages")).to_contain_text("Skipped: 1 churned")
    gone = stored(org_a, lambda: Account.objects.select_related("stage").get(name="Gone"))
    assert gone.stage.is_churned and gone.churn_reason == "Budget"


def test_a_churned_account_shows_its_churn_and_offers_to_close_its_tasks(live_server, page: Page, csm, org_a):
    def make():
        churned = LifecycleStage.objects.get(organization=org_a, category=StageCategory.CHURNED)
        account = AccountFactory(
            organization=org_a, name="Gone Ltd", owner=csm, stage=churned, churn_date=localdate() - timedelta(days=5),
            churn_reason="Moved to a competitor", health_score=80, health_band="healthy",
            renewal_date=localdate() + timedelta(days=336),
        )  # fmt: skip
        TaskFactory(organization=org_a, account=account, assignee=csm, title="Renewal call", due_date=localdate())
        return account

    account = stored(org_a, make)
    log_in(page, live_server.url, csm.email)
    page.goto(f"{live_server.url}/alpha/accounts/{account.pk}/")
    head = page.locator("#account-head")
    expect(head).to_contain_text("Churned")
    expect(head).not_to_contain_text("Healthy")
    expect(head).not_to_contain_text("336 days")
    expect(page.locator("#close-tasks")).to_contain_text("1 open task still on its assignee's list")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#close-tasks").get_by_role("button", name="Close it").click()
    expect(page.locator("#messages")).to_contain_text("closed")
    assert stored(org_a, lambda: Task.objects.get(title="Renewal call").status) == TaskStatus.DONE
