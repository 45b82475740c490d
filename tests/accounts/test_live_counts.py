"""Counts stay true after actions, and "done" and "snoozed" offer Undo (issue 8, finding 2).

One mechanism: every successful htmx action answers with the `csm:changed` event (csm.web.undo), and each figure an
action can change fetches itself again on it: the start page's figures, the 360's open tasks, the task groups'
counts, the import's status badge (which follows the progress it polls)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils.timezone import localdate

from accounts.models import ImportJob, ImportStatus, LifecycleStage, TaskStatus
from csm.tenancy import activate
from tests.conftest import client_for, count_queries
from tests.factories import AccountFactory, TaskFactory

HTMX = {"HX-Request": "true"}


def days(n: int):
    return localdate() + timedelta(days=n)


def undo_form(html: str) -> tuple[str, dict[str, str]]:
    """The Undo button's form in a page or an htmx answer: where it posts, and its hidden fields."""
    found = re.search(r'<form method="post" action="([^"]+)" class="undo-form">(.*?)</form>', html, re.S)
    assert found, "no Undo in the messages"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', found.group(2)))
    fields.pop("csrfmiddlewaretoken", None)
    return found.group(1), fields


@pytest.mark.django_db
def test_every_successful_htmx_action_fires_the_changed_event(csm_client, csm, in_org_a):
    task = TaskFactory(title="Call Ann", assignee=csm, due_date=days(-1))
    done = csm_client.post(f"/alpha/tasks/{task.pk}/complete/", headers=HTMX)
    assert done.status_code == 200 and "csm:changed" in done["HX-Trigger"]
    # A refused action changes nothing, and says so: no event.
    refused = csm_client.post(f"/alpha/tasks/{task.pk}/snooze/", {"until": "2000-01-01"}, headers=HTMX)
    assert refused.status_code == 400 and "HX-Trigger" not in refused
    # Reading is no action.
    assert "HX-Trigger" not in csm_client.get("/alpha/tasks/", headers=HTMX)


@pytest.mark.django_db
def test_done_offers_undo_which_reopens_the_task(csm_client, csm, in_org_a):
    task = TaskFactory(title="Call Ann", assignee=csm, due_date=days(-1))
    answer = csm_client.post(
        f"/alpha/tasks/{task.pk}/complete/",
        headers={**HTMX, "HX-Current-URL": "http://testserver/alpha/tasks/?assignee=me"},
    )
    url, fields = undo_form(answer.content.decode())
    assert url == f"/alpha/tasks/{task.pk}/reopen/" and fields == {"next": "/alpha/tasks/?assignee=me"}
    back = csm_client.post(url, fields)
    assert back.status_code == 302 and back["Location"] == "/alpha/tasks/?assignee=me"
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.completed_at is None and task.due_date == days(-1)


@pytest.mark.django_db
def test_snoozed_offers_undo_which_restores_the_due_date(csm_client, csm, in_org_a):
    task = TaskFactory(title="Send the QBR deck", assignee=csm, due_date=days(-3))
    csm_client.post(f"/alpha/tasks/{task.pk}/snooze/", {"preset": "tomorrow", "next": "/alpha/tasks/"})
    page = csm_client.get("/alpha/tasks/").content.decode()
    assert "Snoozed until" in page
    url, fields = undo_form(page)
    assert url == f"/alpha/tasks/{task.pk}/unsnooze/" and fields["due_date"] == days(-3).isoformat()
    task.refresh_from_db()
    assert task.status == TaskStatus.SNOOZED and task.due_date == days(1)
    assert csm_client.post(url, fields).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.due_date, task.snoozed_until) == (TaskStatus.OPEN, days(-3), None)
    # Undoing twice (or after the task was done) changes nothing more.
    csm_client.post(f"/alpha/tasks/{task.pk}/complete/")
    csm_client.post(url, {"due_date": days(-9).isoformat()})
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.due_date == days(-3)


@pytest.mark.django_db
def test_undo_of_a_snooze_refuses_what_is_no_date_and_other_peoples_tasks(csm_client, csm, manager, in_org_a):
    mine = TaskFactory(assignee=csm, due_date=days(2), status=TaskStatus.SNOOZED, snoozed_until=days(2))
    assert csm_client.post(f"/alpha/tasks/{mine.pk}/unsnooze/", {"due_date": "not a date"}).status_code == 302
    mine.refresh_from_db()
    assert mine.status == TaskStatus.SNOOZED
    theirs = TaskFactory(assignee=manager, due_date=days(2), status=TaskStatus.SNOOZED, snoozed_until=days(2))
    assert csm_client.post(f"/alpha/tasks/{theirs.pk}/unsnooze/", {"due_date": ""}).status_code == 403


@pytest.mark.django_db
def test_undo_of_a_snooze_is_404_for_another_organizations_task(csm_client, org_b, outsider):
    with activate(org_b):
        other = TaskFactory(assignee=outsider, status=TaskStatus.SNOOZED, snoozed_until=days(2))
    assert csm_client.post(f"/alpha/tasks/{other.pk}/unsnooze/", {"due_date": ""}).status_code == 404


@pytest.mark.django_db
def test_the_360s_open_tasks_count_follows_the_actions(csm_client, csm, in_org_a):
    account = AccountFactory(name="Acme", owner=csm)
    first, _ = (TaskFactory(account=account, assignee=csm, due_date=days(n)) for n in (0, 1))
    page = csm_client.get(f"/alpha/accounts/{account.pk}/").content.decode()
    listener = re.search(
        r'<span class="count" id="open-task-count" hx-get="([^"]+)" hx-trigger="csm:changed from:body"', page
    )
    assert listener and re.search(r'id="open-task-count"[^>]*>2</span>', page)
    csm_client.post(f"/alpha/tasks/{first.pk}/complete/", headers=HTMX)
    figures = csm_client.get(listener.group(1).replace("&amp;", "&"), headers=HTMX).content.decode()
    assert re.fullmatch(r'\s*<span class="count" id="open-task-count"[^>]*>1</span>\s*', figures)


@pytest.mark.django_db
def test_a_churned_accounts_close_offer_follows_the_actions(csm_client, csm, in_org_a):
    churned = LifecycleStage.objects.filter(category="churned").first()
    account = AccountFactory(name="Gone", owner=csm, stage=churned, churn_date=days(-1), churn_reason="Budget")
    first, _ = (TaskFactory(account=account, assignee=csm, due_date=days(n)) for n in (0, 1))
    csm_client.post(f"/alpha/tasks/{first.pk}/complete/", headers=HTMX)
    figures = csm_client.get(f"/alpha/accounts/{account.pk}/?figures=tasks", headers=HTMX).content.decode()
    assert '<div id="close-tasks" hx-swap-oob="true">' in figures and "1 open task still on its assignee" in figures


@pytest.mark.django_db
def test_the_figures_are_404_for_another_organizations_account(csm_client, org_b):
    with activate(org_b):
        other = AccountFactory()
    assert csm_client.get(f"/alpha/accounts/{other.pk}/?figures=tasks", headers=HTMX).status_code == 404


@pytest.mark.django_db
def test_the_task_groups_counts_follow_the_actions_in_constant_queries(csm_client, csm, in_org_a):
    tasks = [TaskFactory(assignee=csm, due_date=days(-1)) for _ in range(3)]
    page = csm_client.get("/alpha/tasks/").content.decode()
    assert 'id="task-counts" hidden hx-get="/alpha/tasks/" hx-trigger="csm:changed from:body" hx-swap="none"' in page
    assert re.search(r'id="count-overdue">3<', page)
    csm_client.post(f"/alpha/tasks/{tasks[0].pk}/complete/", headers=HTMX)
    csm_client.post(f"/alpha/tasks/{tasks[1].pk}/snooze/", {"preset": "tomorrow"}, headers=HTMX)
    counts = csm_client.get("/alpha/tasks/", headers={**HTMX, "HX-Target": "task-counts"}).content.decode()
    assert '<span class="count" id="count-overdue" hx-swap-oob="true">1</span>' in counts
    # The open groups' counts alone (their rows stay as the person left them); the snoozed and recently completed
    # tasks whole, the one just done and the one just snoozed in them.
    later = counts[counts.index('<div id="tasks-later" hx-swap-oob="true">') :]
    assert (
        'Snoozed <span class="count">1</span>' in later and 'Recently completed <span class="count">1</span>' in later
    )
    assert f'id="task-{tasks[0].pk}"' in later and f'id="task-{tasks[1].pk}"' in later
    assert f'id="task-{tasks[2].pk}"' not in counts
    few = count_queries(csm_client, "/alpha/tasks/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-counts")
    TaskFactory.create_batch(20, assignee=csm, due_date=days(-2))
    assert count_queries(csm_client, "/alpha/tasks/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-counts") == few


@pytest.mark.django_db
def test_the_import_badge_follows_the_progress(csm, org_a):
    with activate(org_a):
        job = ImportJob.objects.create(
            organization=org_a, created_by=csm, filename="book.csv", encoding="utf-8", delimiter=",",
            status=ImportStatus.DONE, total_rows=2, processed_rows=2, summary={"result": {}},
        )  # fmt: skip
    polled = client_for(csm).get(f"/alpha/accounts/import/{job.pk}/progress/", headers=HTMX).content.decode()
    assert '<span class="badge import-status-done" id="import-status" hx-swap-oob="true">Done</span>' in polled
    assert "Import done" in polled


@pytest.mark.django_db
def test_the_360s_task_figures_cost_the_same_queries_whatever_the_tasks(csm_client, csm, in_org_a):
    account = AccountFactory(name="Acme", owner=csm)
    TaskFactory(account=account, assignee=csm, due_date=days(0))
    path = f"/alpha/accounts/{account.pk}/?figures=tasks"
    count_queries(csm_client, path, HTTP_HX_REQUEST="true")  # warm up: the first visit remembers the organization
    few = count_queries(csm_client, path, HTTP_HX_REQUEST="true")
    TaskFactory.create_batch(30, account=account, assignee=csm, due_date=days(1))
    assert count_queries(csm_client, path, HTTP_HX_REQUEST="true") == few
