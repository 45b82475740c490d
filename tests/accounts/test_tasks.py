"""The tasks page: my tasks overdue, today and upcoming; a manager's picker (the whole team by default, a CSM, the
unassigned tasks); adding, completing, snoozing and reopening tasks, with and without htmx; who may act on a task; a
page cost that does not grow with the data, and index walks that do not either."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localdate, now

from accounts.forms.tasks import next_monday
from accounts.models import Task, TaskPriority, TaskSource, TaskStatus
from accounts.selectors import tasks as selectors
from accounts.selectors.tasks import GROUP_PAGE, ORDERING, Whose
from accounts.services import tasks as services
from csm.activity import Actor
from csm.models import ActivityLog, Role
from tests.conftest import count_queries, make_member
from tests.factories import AccountFactory, TaskFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def days(n: int):
    return localdate() + timedelta(days=n)


def group_titles(response, key: str) -> list[str]:
    [group] = [g for g in response.context["groups"] if g.key == key]
    return [task.title for task in group.tasks]


# -- The page ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_open_tasks_come_in_three_groups_ordered_by_due_date_then_priority(csm_client, csm, in_org_a):
    account = AccountFactory(name="Acme")
    TaskFactory(title="Late low", assignee=csm, due_date=days(-3), priority=TaskPriority.LOW, account=account)
    TaskFactory(title="Late urgent", assignee=csm, due_date=days(-3), priority=TaskPriority.URGENT)
    TaskFactory(title="Later late", assignee=csm, due_date=days(-1))
    TaskFactory(title="Today", assignee=csm, due_date=days(0))
    TaskFactory(title="Next week", assignee=csm, due_date=days(7))
    TaskFactory(title="Tomorrow", assignee=csm, due_date=days(1))
    TaskFactory(title="Someday", assignee=csm, due_date=None)
    TaskFactory(title="Done", assignee=csm, due_date=days(-1), status=TaskStatus.DONE, completed_at=now())

    response = csm_client.get("/alpha/tasks/")

    assert response.status_code == 200
    assert group_titles(response, "overdue") == ["Late urgent", "Late low", "Later late"]
    assert group_titles(response, "today") == ["Today"]
    assert group_titles(response, "upcoming") == ["Tomorrow", "Next week", "Someday"]
    assert [g.total for g in response.context["groups"]] == [3, 1, 3]
    page = response.content.decode()
    assert f'href="/alpha/accounts/{account.pk}/"' in page
    assert "Overdue since" in page and "Due today" in page


@pytest.mark.django_db
def test_a_snoozed_task_is_open_again_from_its_snooze_day(csm_client, csm, in_org_a):
    TaskFactory(title="Asleep", assignee=csm, status=TaskStatus.SNOOZED, snoozed_until=days(2), due_date=days(2))
    TaskFactory(title="Awake", assignee=csm, status=TaskStatus.SNOOZED, snoozed_until=days(0), due_date=days(0))
    TaskFactory(title="Overslept", assignee=csm, status=TaskStatus.SNOOZED, snoozed_until=days(-1), due_date=days(-1))

    response = csm_client.get("/alpha/tasks/")

    assert group_titles(response, "today") == ["Awake"]
    assert group_titles(response, "overdue") == ["Overslept"]
    assert group_titles(response, "upcoming") == []
    assert [task.title for task in response.context["snoozed"]] == ["Asleep"]


@pytest.mark.django_db
def test_recently_completed_tasks_are_listed_apart(csm_client, csm, in_org_a):
    TaskFactory(title="Finished", assignee=csm, status=TaskStatus.DONE, completed_at=now() - timedelta(days=1))
    TaskFactory(title="Long ago", assignee=csm, status=TaskStatus.DONE, completed_at=now() - timedelta(days=60))

    response = csm_client.get("/alpha/tasks/")

    assert [task.title for task in response.context["done"]] == ["Finished"]
    assert "Recently completed" in response.content.decode()


@pytest.mark.django_db
def test_a_csm_sees_only_their_own_tasks_even_when_asking_for_someone_elses(csm_client, csm, manager, in_org_a):
    TaskFactory(title="Mine", assignee=csm)
    TaskFactory(title="The manager's", assignee=manager)
    TaskFactory(title="Nobody's", assignee=None)

    for query in ({}, {"assignee": manager.pk}, {"assignee": "unassigned"}, {"assignee": "team"}):
        response = csm_client.get("/alpha/tasks/", query)
        assert response.status_code == 200
        assert response.context["whose"] == Whose(csm)
        assert group_titles(response, "today") == ["Mine"]
        assert 'name="assignee"' not in response.content.decode().split("Add a task")[0]


@pytest.mark.django_db
def test_a_manager_picks_a_csm_or_the_unassigned_tasks(manager_client, manager, csm, in_org_a):
    TaskFactory(title="Carol's", assignee=csm)
    TaskFactory(title="Mark's", assignee=manager)
    TaskFactory(title="Nobody's", assignee=None)

    own = manager_client.get("/alpha/tasks/", {"assignee": manager.pk})
    assert group_titles(own, "today") == ["Mark's"]
    assert f'<option value="{manager.pk}" selected>Mark Manager</option>' in own.content.decode()
    response = manager_client.get("/alpha/tasks/", {"assignee": csm.pk})
    assert group_titles(response, "today") == ["Carol's"]
    assert "Open tasks of Carol Csm" in response.content.decode()
    assert group_titles(manager_client.get("/alpha/tasks/", {"assignee": "unassigned"}), "today") == ["Nobody's"]
    # Someone who is not a member falls back to the default, the whole team.
    fallback = manager_client.get("/alpha/tasks/", {"assignee": 999999})
    assert fallback.context["whose"] == Whose.whole_team()
    assert group_titles(fallback, "today") == ["Carol's", "Mark's"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{}, {"assignee": "team"}], ids=["default", "asked"])
def test_a_manager_and_an_admin_see_the_whole_teams_open_tasks_by_default(
    manager_client, admin_client, manager, csm, org_a, in_org_a, query
):
    dora = make_member(org_a, "dora@alpha.test", Role.CSM, "Dora Csm")
    TaskFactory(title="Dora late", assignee=dora, due_date=days(-5))
    TaskFactory(title="Carol late urgent", assignee=csm, due_date=days(-2), priority=TaskPriority.URGENT)
    TaskFactory(title="Mark late", assignee=manager, due_date=days(-2))
    TaskFactory(title="Carol woken", assignee=csm, status=TaskStatus.SNOOZED, snoozed_until=days(-1),
                due_date=days(-1))  # fmt: skip
    TaskFactory(title="Dora today", assignee=dora, due_date=days(0))
    TaskFactory(title="Mark soon", assignee=manager, due_date=days(3))
    TaskFactory(title="Carol someday", assignee=csm, due_date=None)
    TaskFactory(title="Nobody's late", assignee=None, due_date=days(-3))
    TaskFactory(title="Carol done", assignee=csm, due_date=days(-1), status=TaskStatus.DONE, completed_at=now())
    TaskFactory(title="Dora asleep", assignee=dora, status=TaskStatus.SNOOZED, snoozed_until=days(2),
                due_date=days(2))  # fmt: skip

    for client in (manager_client, admin_client):
        response = client.get("/alpha/tasks/", query)
        assert response.status_code == 200
        assert response.context["whose"] == Whose.whole_team()
        assert group_titles(response, "overdue") == ["Dora late", "Carol late urgent", "Mark late", "Carol woken"]
        assert group_titles(response, "today") == ["Dora today"]
        assert group_titles(response, "upcoming") == ["Mark soon", "Carol someday"]
        assert [g.total for g in response.context["groups"]] == [4, 1, 2]
        # The team has no snoozed or done lists: those are each person's own.
        assert response.context["snoozed"] == [] and response.context["done"] == []
        page = response.content.decode()
        assert "Open tasks of the whole team" in page
        assert '<option value="team" selected>Whole team</option>' in page
        # Every row names its assignee, the manager's own rows too.
        for title, who in [("Dora late", "Dora Csm"), ("Carol woken", "Carol Csm"), ("Mark late", "Mark Manager")]:
            row = page.split(f'<span class="task-title">{title}</span>')[1].split("</li>")[0]
            assert f'<span class="muted">{who}</span>' in row, title


@pytest.mark.django_db
def test_the_teams_groups_show_more_on_demand_with_their_assignees(manager_client, manager, csm, org_a, in_org_a):
    people = [csm, manager]
    Task.objects.bulk_create(
        Task(organization=org_a, title=f"Late {i:03d}", assignee=people[i % 2], due_date=days(-100 + i))
        for i in range(GROUP_PAGE + 3)
    )
    response = manager_client.get("/alpha/tasks/")
    assert group_titles(response, "overdue") == [f"Late {i:03d}" for i in range(GROUP_PAGE)]
    assert "Show more (3 left)" in response.content.decode()

    more = manager_client.get("/alpha/tasks/", {"overdue": 2 * GROUP_PAGE}, HTTP_HX_TARGET="more-overdue", **HTMX)
    rows = more.content.decode()
    assert rows.count('class="task ') == 3 and "<html" not in rows and "Show more" not in rows
    assert f"Late {GROUP_PAGE:03d}" in rows and f"Late {GROUP_PAGE - 1:03d}" not in rows
    assert (
        rows.count('<span class="muted">Mark Manager</span>') + rows.count('<span class="muted">Carol Csm</span>') == 3
    )


@pytest.mark.django_db
def test_the_teams_walks_read_the_team_index_in_order(in_org_a):
    """Each group's first rows are a bounded walk of the team's index, already in the page's order (no sort of
    every open task of the organization), and the counts read that index alone."""
    today = localdate()
    team = Whose.whole_team().filter(Task.objects.filter(status=TaskStatus.OPEN))
    with connection.cursor() as cursor:
        # On a handful of rows a sequential scan costs least: plan as on a large organization.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    for due in ({"due_date__lt": today}, {"due_date": today}, {"due_date__gt": today}, {"due_date__isnull": True}):
        plan = team.filter(**due).order_by(*ORDERING)[:GROUP_PAGE].explain()
        assert "task_org_team_due" in plan and "Sort" not in plan, plan
    with CaptureQueriesContext(connection) as counted:
        selectors.open_counts(Whose.whole_team(), today=today)
    open_count = counted.captured_queries[0]["sql"]  # the open tasks' (the woken ones' read the snoozed index)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {open_count}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "using task_org_team_due" in plan and "Seq Scan" not in plan, plan


@pytest.mark.django_db
def test_the_picker_swaps_the_task_groups_with_htmx(manager_client, csm, in_org_a):
    TaskFactory(title="Carol's", assignee=csm)
    response = manager_client.get("/alpha/tasks/", {"assignee": csm.pk}, HTTP_HX_TARGET="tasks-body", **HTMX)
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="tasks-body">')
    assert "Carol&#x27;s" in page and "<html" not in page


@pytest.mark.django_db
def test_each_group_is_bounded_and_shows_more_on_demand(csm_client, csm, in_org_a):
    Task.objects.bulk_create(
        Task(organization=in_org_a, title=f"Later {i:03d}", assignee=csm, due_date=days(1 + i))
        for i in range(GROUP_PAGE + 5)
    )

    response = csm_client.get("/alpha/tasks/")
    titles = group_titles(response, "upcoming")
    assert len(titles) == GROUP_PAGE
    assert "Show more (5 left)" in response.content.decode()
    assert f"upcoming={2 * GROUP_PAGE}" in response.content.decode()

    more = csm_client.get("/alpha/tasks/", {"upcoming": 2 * GROUP_PAGE}, HTTP_HX_TARGET="more-upcoming", **HTMX)
    rows = more.content.decode()
    assert rows.count('class="task ') == 5
    assert f"Later {GROUP_PAGE:03d}" in rows and f"Later {GROUP_PAGE - 1:03d}" not in rows and "Show more" not in rows

    full = csm_client.get("/alpha/tasks/", {"upcoming": 2 * GROUP_PAGE})
    assert len(group_titles(full, "upcoming")) == GROUP_PAGE + 5
    # Whatever is asked, a group never shows more than its maximum.
    assert len(group_titles(csm_client.get("/alpha/tasks/", {"upcoming": 10**9}), "upcoming")) == GROUP_PAGE + 5
    assert csm_client.get("/alpha/tasks/", {"upcoming": "lots", "today": -4}).status_code == 200


@pytest.mark.django_db
def test_woken_snoozed_tasks_land_in_their_groups_however_many_there_are(csm, in_org_a, django_assert_num_queries):
    """Woken-up snoozed tasks are read in one walk for all the groups; when there are more than the groups show, each
    group reads its own, so an upcoming one is not crowded out by many overdue ones."""
    limits = {"overdue": 2, "today": 2, "upcoming": 2}
    for i in range(7):
        TaskFactory(title=f"Woken late {i}", assignee=csm, status=TaskStatus.SNOOZED, snoozed_until=days(-1),
                    due_date=days(-10 + i))  # fmt: skip
    TaskFactory(
        title="Woken upcoming", assignee=csm, status=TaskStatus.SNOOZED, snoozed_until=days(0), due_date=days(5)
    )
    TaskFactory(title="Open undated", assignee=csm, due_date=None)
    TaskFactory(title="Open tomorrow", assignee=csm, due_date=days(1))
    TaskFactory(title="Open today", assignee=csm, due_date=days(0), priority=TaskPriority.LOW)
    TaskFactory(title="Woken today", assignee=csm, status=TaskStatus.SNOOZED, snoozed_until=days(0), due_date=days(0))

    with django_assert_num_queries(4):  # two counts, the walks, and each group's woken tasks (more than 6 of them)
        groups = {g.key: g for g in selectors.open_groups(Whose(csm), today=localdate(), limits=limits)}
    assert [t.title for t in groups["overdue"].tasks] == ["Woken late 0", "Woken late 1"]
    assert [t.title for t in groups["today"].tasks] == ["Woken today", "Open today"]
    assert [t.title for t in groups["upcoming"].tasks] == ["Open tomorrow", "Woken upcoming"]
    assert [g.total for g in groups.values()] == [7, 2, 3]

    Task.objects.filter(title__startswith="Woken late").exclude(title="Woken late 0").delete()
    with django_assert_num_queries(3):  # few woken tasks: one walk took them all
        groups = {g.key: g for g in selectors.open_groups(Whose(csm), today=localdate(), limits=limits)}
    assert [t.title for t in groups["overdue"].tasks] == ["Woken late 0"]
    assert [t.title for t in groups["upcoming"].tasks] == ["Open tomorrow", "Woken upcoming"]
    limits["upcoming"] = 3
    groups = {g.key: g for g in selectors.open_groups(Whose(csm), today=localdate(), limits=limits)}
    assert [t.title for t in groups["upcoming"].tasks] == ["Open tomorrow", "Woken upcoming", "Open undated"]


def grow(organization, people, n: int) -> None:
    for person in people:
        for i in range(n):
            account = AccountFactory()
            TaskFactory(assignee=person, account=account, due_date=days(-1 - i), priority=TaskPriority.HIGH)
            TaskFactory(assignee=person, account=account, due_date=days(0), source=TaskSource.AUTOMATION)
            TaskFactory(assignee=person, account=None, due_date=days(i + 1))
            TaskFactory(assignee=person, due_date=None)
            TaskFactory(assignee=person, status=TaskStatus.SNOOZED, snoozed_until=days(3), due_date=days(3))
            TaskFactory(assignee=person, status=TaskStatus.DONE, completed_at=now(), completed_by=person)


@pytest.mark.django_db
def test_the_tasks_page_costs_the_same_number_of_queries_whatever_the_number_of_tasks(
    csm_client, manager_client, csm, manager, org_a, in_org_a
):
    paths = [
        (csm_client, "/alpha/tasks/"),
        (manager_client, f"/alpha/tasks/?assignee={manager.pk}"),
        (manager_client, "/alpha/tasks/?assignee=unassigned"),
        (manager_client, "/alpha/tasks/"),  # the whole team
        (manager_client, "/alpha/tasks/?assignee=team&overdue=50"),
    ]
    grow(org_a, [csm, manager, None], 2)
    for client, path in paths:
        client.get(path)
    small = [count_queries(client, path) for client, path in paths]
    grow(org_a, [csm, manager, None], 6)
    large = [count_queries(client, path) for client, path in paths]
    assert large == small
    # Session, user, tenant and the switcher are 11; the page adds its task queries and the people (whom a task
    # may be assigned to). The team's page has no snoozed and done lists: two queries fewer.
    assert small[0] <= 16 and small[1] <= 16 and small[3] <= 14, small


# -- Completing, snoozing, reopening ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_completing_with_htmx_removes_the_row_and_says_so(csm_client, csm, in_org_a):
    task = TaskFactory(title="Send the deck", assignee=csm)

    response = csm_client.post(f"/alpha/tasks/{task.pk}/complete/", {"next": "/alpha/tasks/"}, **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="task-{task.pk}"' not in body  # nothing for the row: htmx removes it
    assert 'id="messages"' in body and 'hx-swap-oob="true"' in body and "Done: Send the deck." in body
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_by == csm and task.completed_at is not None
    entry = ActivityLog.objects.get(verb="task.completed")
    assert entry.target_id == task.pk and entry.about_id == task.account_id and entry.actor_user == csm


@pytest.mark.django_db
def test_completing_without_htmx_goes_back_to_the_page_it_came_from(csm_client, csm, in_org_a):
    task = TaskFactory(assignee=csm)
    back = f"/alpha/accounts/{task.account_id}/"

    response = csm_client.post(f"/alpha/tasks/{task.pk}/complete/", {"next": back})

    assert response.status_code == 302 and response["Location"] == back
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


@pytest.mark.django_db
def test_a_foreign_next_address_is_refused(csm_client, csm, in_org_a):
    task = TaskFactory(assignee=csm)
    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = csm_client.post(f"/alpha/tasks/{task.pk}/reopen/", {"next": bad})
        assert response["Location"] == "/alpha/tasks/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"preset": "tomorrow"}, lambda: days(1)),
        ({"preset": "next_week"}, lambda: next_monday(localdate())),
        ({"until": "DAY"}, lambda: days(10)),
    ],
    ids=["tomorrow", "next week", "a day"],
)
def test_snoozing_puts_the_task_aside_until_a_day(csm_client, csm, in_org_a, data, expected):
    task = TaskFactory(title="Chase the invoice", assignee=csm, due_date=days(-2))
    data = {key: (days(10).isoformat() if value == "DAY" else value) for key, value in data.items()}

    response = csm_client.post(f"/alpha/tasks/{task.pk}/snooze/", data, **HTMX)

    assert response.status_code == 200
    assert "Snoozed until" in response.content.decode() and f'id="task-{task.pk}"' not in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.SNOOZED and task.snoozed_until == expected() and task.due_date == expected()
    assert ActivityLog.objects.filter(verb="task.snoozed", target_id=task.pk).exists()


@pytest.mark.django_db
def test_next_week_is_the_coming_monday():
    from datetime import date

    assert next_monday(date(2026, 5, 6)) == date(2026, 5, 11)  # a Wednesday
    assert next_monday(date(2026, 5, 11)) == date(2026, 5, 18)  # a Monday: the one after


@pytest.mark.django_db
@pytest.mark.parametrize("data", [{}, {"until": "2001-01-01"}, {"until": "soon"}, {"preset": "never"}])
def test_a_bad_snooze_is_refused_with_the_row_and_an_error(csm_client, csm, in_org_a, data):
    task = TaskFactory(assignee=csm, due_date=days(0))

    response = csm_client.post(f"/alpha/tasks/{task.pk}/snooze/", data, **HTMX)

    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="task-{task.pk}"' in body and "message-error" in body
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.due_date == days(0)
    assert not ActivityLog.objects.filter(verb="task.snoozed").exists()


@pytest.mark.django_db
def test_reopening_a_done_task_answers_with_its_row(csm_client, csm, in_org_a):
    task = TaskFactory(title="Book the QBR", assignee=csm, status=TaskStatus.DONE, completed_at=now())

    response = csm_client.post(f"/alpha/tasks/{task.pk}/reopen/", **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert f'<li class="task priority-normal" id="task-{task.pk}">' in body
    assert "Reopened: Book the QBR." in body and "/complete/" in body
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.completed_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["complete", "snooze", "reopen"])
def test_a_csm_may_not_act_on_someone_elses_task(csm_client, manager, in_org_a, action):
    task = TaskFactory(assignee=manager)
    response = csm_client.post(f"/alpha/tasks/{task.pk}/{action}/", {"preset": "tomorrow"}, **HTMX)
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert not ActivityLog.objects.filter(verb__startswith="task.").exclude(verb="task.created").exists()


@pytest.mark.django_db
def test_managers_and_admins_act_on_anyones_task_and_a_csm_on_unassigned_ones(
    manager_client, admin_client, csm_client, csm, in_org_a
):
    carols = TaskFactory(assignee=csm)
    assert manager_client.post(f"/alpha/tasks/{carols.pk}/snooze/", {"preset": "tomorrow"}).status_code == 302
    assert admin_client.post(f"/alpha/tasks/{carols.pk}/complete/").status_code == 302
    nobodys = TaskFactory(assignee=None)
    assert csm_client.post(f"/alpha/tasks/{nobodys.pk}/complete/").status_code == 302
    carols.refresh_from_db()
    nobodys.refresh_from_db()
    assert carols.status == nobodys.status == TaskStatus.DONE


@pytest.mark.django_db
def test_task_actions_refuse_get(csm_client, csm, in_org_a):
    task = TaskFactory(assignee=csm)
    for action in ("complete", "snooze", "reopen"):
        assert csm_client.get(f"/alpha/tasks/{task.pk}/{action}/").status_code == 405
    assert csm_client.get("/alpha/tasks/new/").status_code == 405
    assert csm_client.post("/alpha/tasks/").status_code == 405


@pytest.mark.django_db
def test_completing_twice_logs_once(csm, in_org_a):
    task = TaskFactory(assignee=csm)
    services.complete_task(actor=csm, task=task)
    services.complete_task(actor=Actor.automation("Playbook"), task=task)
    assert ActivityLog.objects.filter(verb="task.completed").count() == 1


# -- Adding a task ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_csm_adds_a_task_on_an_account_picked_from_the_suggestions(csm_client, csm, in_org_a):
    account = AccountFactory(name="Globex")
    response = csm_client.post(
        "/alpha/tasks/new/",
        {
            "title": "Prepare the renewal",
            "due_date": days(3).isoformat(),
            "priority": "high",
            "account": f"Globex (#{account.pk})",
            "assignee": str(csm.pk),
            "next": "/alpha/tasks/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/alpha/tasks/"
    task = Task.objects.get(title="Prepare the renewal")
    assert (task.assignee, task.account, task.due_date, task.priority) == (csm, account, days(3), "high")
    assert task.source == TaskSource.MANUAL and task.created_by == csm
    assert ActivityLog.objects.filter(verb="task.created", about_id=account.pk).exists()


@pytest.mark.django_db
def test_a_csm_leaves_a_task_to_a_colleague_or_to_nobody_and_only_to_a_member(
    csm_client, csm, manager, outsider, in_org_a
):
    page = csm_client.get("/alpha/tasks/").content.decode()
    assert f'<option value="{csm.pk}" selected>' in page.split("Add a task")[1]  # their own by default
    csm_client.post("/alpha/tasks/new/", {"title": "For Mark", "priority": "normal", "assignee": str(manager.pk)})
    csm_client.post("/alpha/tasks/new/", {"title": "For later", "priority": "normal", "assignee": ""})
    assert Task.objects.get(title="For Mark").assignee == manager
    assert Task.objects.get(title="For later").assignee is None
    refused = csm_client.post("/alpha/tasks/new/", {"title": "Nope", "priority": "normal", "assignee": outsider.pk})
    assert refused.status_code == 400 and not Task.objects.filter(title="Nope").exists()


@pytest.mark.django_db
def test_a_manager_assigns_a_new_task_to_a_csm_or_to_nobody(manager_client, csm, in_org_a):
    manager_client.post("/alpha/tasks/new/", {"title": "For Carol", "priority": "normal", "assignee": str(csm.pk)})
    manager_client.post("/alpha/tasks/new/", {"title": "For later", "priority": "normal", "assignee": ""})
    assert Task.objects.get(title="For Carol").assignee == csm
    assert Task.objects.get(title="For later").assignee is None


@pytest.mark.django_db
def test_an_account_is_found_by_id_or_by_its_exact_name(csm_client, in_org_a):
    account = AccountFactory(name="Initech")
    csm_client.post("/alpha/tasks/new/", {"title": "By id", "priority": "normal", "account": str(account.pk)})
    csm_client.post("/alpha/tasks/new/", {"title": "By name", "priority": "normal", "account": "initech"})
    assert Task.objects.get(title="By id").account == account
    assert Task.objects.get(title="By name").account == account


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"title": "", "priority": "normal"}, "This field is required."),
        ({"title": "X", "priority": "normal", "account": "Nobody Inc"}, "No account is called"),
        ({"title": "X", "priority": "normal", "account": "Twins"}, "Several accounts are called"),
        ({"title": "X", "priority": "normal", "account": "Lost (#987654)"}, "No account has the id 987654"),
        ({"title": "X", "priority": "whenever"}, "Select a valid choice"),
        ({"title": "X", "priority": "normal", "due_date": "soon"}, "Enter a valid date."),
    ],
    ids=["no title", "unknown account", "two accounts", "missing id", "bad priority", "bad date"],
)
def test_bad_input_re_renders_the_page_with_the_error_and_adds_nothing(csm_client, in_org_a, data, error):
    AccountFactory(name="Twins")
    AccountFactory(name="twins")
    response = csm_client.post("/alpha/tasks/new/", {**data, "next": "/alpha/tasks/?upcoming=100"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'name="next" value="/alpha/tasks/?upcoming=100"' in page
    assert error in page.replace("&#x27;", "'").replace("“", "").replace("”", "")
    assert '<details class="card task-add" open>' in page
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_the_account_field_suggests_accounts_as_one_types(csm_client, in_org_a):
    for name in ("Acme", "Acme Labs", "Umbrella"):
        AccountFactory(name=name)
    for i in range(15):
        AccountFactory(name=f"Acmeco {i:02d}")

    response = csm_client.get("/alpha/tasks/account-options/", {"account": "acme"})

    options = response.content.decode().count("<option")
    assert options == 10
    assert "Acme (#" in response.content.decode() and "Umbrella" not in response.content.decode()
    assert csm_client.get("/alpha/tasks/account-options/", {"account": " "}).content.decode().strip() == ""


@pytest.mark.django_db
def test_the_tasks_page_preselects_the_account_of_the_360_page(csm_client, in_org_a):
    account = AccountFactory(name="Hooli")
    response = csm_client.get("/alpha/tasks/", {"account": account.pk})
    assert f'value="Hooli (#{account.pk})"' in response.content.decode()


# -- The shared row ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_task_row_renders_on_its_own_for_the_account_page(csm, org_a, in_org_a):
    other = make_member(org_a, "dora@alpha.test", Role.CSM, "Dora Csm")
    task = TaskFactory(title="Call Bob", assignee=other, priority=TaskPriority.URGENT, source=TaskSource.AUTOMATION)
    task = Task.objects.select_related("account", "assignee").get(pk=task.pk)
    request = RequestFactory().get(f"/alpha/accounts/{task.account_id}/?tab=tasks")
    request.user = csm
    request.organization = org_a
    request.htmx = False

    html = render_to_string("accounts/tasks/task_row.html", {"task": task, "hide_account": True}, request=request)

    assert html.strip().startswith(f'<li class="task priority-urgent" id="task-{task.pk}">')
    assert f'hx-post="/alpha/tasks/{task.pk}/complete/"' in html and f'hx-target="#task-{task.pk}"' in html
    assert 'hx-swap="outerHTML"' in html
    assert f'name="next" value="/alpha/accounts/{task.account_id}/?tab=tasks"' in html
    assert "Urgent" in html and "Automation" in html and "Dora Csm" in html
    assert f'href="/alpha/accounts/{task.account_id}/"' not in html  # hide_account
