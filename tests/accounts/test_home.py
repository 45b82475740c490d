"""The start page (/<org>/): a book of accounts in figures that match the list they link to, the tasks due, the
accounts at risk, the next renewals, the accounts without an active champion and what changed; "mine" or "all";
nothing of another organization; a cost in queries that does not grow with the data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils.timezone import localdate, now

from accounts.models import (
    ContactRole,
    ContactStatus,
    HealthBand,
    LifecycleStage,
    TaskPriority,
    TaskStatus,
    TicketStatus,
)
from accounts.services import notes
from csm.activity import Actor
from csm.tenancy import activate
from tests.conftest import count_queries
from tests.factories import AccountFactory, ContactFactory, TaskFactory, TicketFactory

AUTOMATION = Actor.automation("Welcome playbook")


def days(n: int):
    return localdate() + timedelta(days=n)


def names(accounts) -> list[str]:
    return [account.name for account in accounts]


def churned_stage():
    return LifecycleStage.objects.get(category="churned")


@pytest.fixture
def book(csm, manager, in_org_a):
    """The CSM's accounts, a colleague's, and a churned one of the CSM's."""
    mine = {
        "Big risk": AccountFactory(name="Big risk", owner=csm, mrr=Decimal(900), health_band=HealthBand.AT_RISK),
        "Small risk": AccountFactory(name="Small risk", owner=csm, mrr=Decimal(100), health_band=HealthBand.AT_RISK),
        "Renews soon": AccountFactory(name="Renews soon", owner=csm, mrr=Decimal(50), renewal_date=days(3)),
        "Renews later": AccountFactory(name="Renews later", owner=csm, mrr=Decimal(60), renewal_date=days(80)),
        "Renewed long ago": AccountFactory(name="Renewed long ago", owner=csm, renewal_date=days(-2)),
        "Gone": AccountFactory(
            name="Gone", owner=csm, stage=churned_stage(), mrr=Decimal(700), renewal_date=days(10),
            health_band=HealthBand.AT_RISK,
        ),
    }  # fmt: skip
    theirs = AccountFactory(name="Colleague's", owner=manager, mrr=Decimal(5000), health_band=HealthBand.AT_RISK)
    return {"mine": mine, "theirs": theirs}


@pytest.mark.django_db
def test_a_csm_sees_their_own_book_in_figures_that_match_the_list(csm_client, book):
    response = csm_client.get("/alpha/")

    assert response.status_code == 200
    morning = response.context["morning"]
    assert morning.book == "mine"
    figures = morning.figures
    # The churned account keeps its last MRR, band and renewal date: none of it counts.
    assert figures.accounts == 5
    assert figures.mrr == Decimal(900 + 100 + 50 + 60 + 500)
    assert figures.arr == figures.mrr * 12
    assert figures.at_risk == 2
    assert figures.renewing == 2  # Renews soon, Renews later; not the renewal already passed
    assert figures.renewing_mrr == Decimal(50 + 60)
    # Each figure links to the list filtered the same way, which counts the same accounts.
    page = response.content.decode()
    for filters, count in [
        ("owner=me&churned=no", figures.accounts),
        ("owner=me&churned=no&band=at_risk&sort=-mrr", figures.at_risk),
        ("owner=me&churned=no&renewal_days=90&sort=renewal", figures.renewing),
    ]:
        assert f'href="/alpha/accounts/?{filters.replace("&", "&amp;")}"' in page
        assert csm_client.get(f"/alpha/accounts/?{filters}").context["page"].paginator.count == count


@pytest.mark.django_db
def test_the_short_lists_leave_churned_accounts_out_and_put_the_most_urgent_first(csm_client, book):
    morning = csm_client.get("/alpha/").context["morning"]

    assert names(morning.at_risk) == ["Big risk", "Small risk"]
    assert names(morning.renewals) == ["Renews soon", "Renews later"]


@pytest.mark.django_db
def test_a_manager_sees_everyones_book_by_default_and_their_own_on_request(manager_client, book):
    everyone = manager_client.get("/alpha/").context["morning"]
    assert everyone.book == "all"
    assert everyone.figures.accounts == 6
    assert names(everyone.at_risk) == ["Colleague's", "Big risk", "Small risk"]

    own = manager_client.get("/alpha/?book=mine").context["morning"]
    assert own.book == "mine"
    assert own.figures.accounts == 1
    assert names(own.at_risk) == ["Colleague's"]


@pytest.mark.django_db
def test_a_csm_may_look_at_everyones_book_and_a_bad_book_falls_back_to_the_default(csm_client, book):
    assert csm_client.get("/alpha/?book=all").context["morning"].figures.accounts == 6
    response = csm_client.get("/alpha/?book=<script>")
    assert response.status_code == 200
    assert response.context["morning"].book == "mine"


@pytest.mark.django_db
def test_accounts_without_an_active_champion_are_listed_largest_first(csm_client, csm, in_org_a):
    with_champion = AccountFactory(name="Has one", owner=csm, mrr=Decimal(3000))
    ContactFactory(account=with_champion, role=ContactRole.CHAMPION)
    champion_left = AccountFactory(name="Champion left", owner=csm, mrr=Decimal(2000))
    ContactFactory(account=champion_left, role=ContactRole.CHAMPION, status=ContactStatus.LEFT, left_on=days(-5))
    ContactFactory(account=champion_left, role=ContactRole.USER)
    AccountFactory(name="Nobody named", owner=csm, mrr=Decimal(1000))
    AccountFactory(name="Churned, nobody", owner=csm, mrr=Decimal(9000), stage=churned_stage())

    morning = csm_client.get("/alpha/").context["morning"]

    assert names(morning.without_champion) == ["Champion left", "Nobody named"]


@pytest.mark.django_db
def test_my_overdue_and_due_today_tasks_are_listed_and_counted(csm_client, csm, manager, in_org_a):
    TaskFactory(title="Late", assignee=csm, due_date=days(-2))
    TaskFactory(title="Today", assignee=csm, due_date=days(0))
    TaskFactory(title="Tomorrow", assignee=csm, due_date=days(1))
    TaskFactory(title="Done late", assignee=csm, due_date=days(-1), status=TaskStatus.DONE, completed_at=now())
    TaskFactory(title="Someone else's", assignee=manager, due_date=days(-1))

    response = csm_client.get("/alpha/?book=all")

    morning = response.context["morning"]
    assert [task.title for task in morning.due_tasks] == ["Late", "Today"]
    assert (morning.overdue, morning.due_today) == (1, 1)
    page = response.content.decode()
    assert "Late" in page and "Tomorrow" not in page and "Someone else" not in page
    assert 'action="/alpha/tasks/' in page  # completed and snoozed from here, as on the tasks page


@pytest.mark.django_db
def test_the_most_urgent_due_tasks_come_first_and_the_rest_are_counted(csm_client, csm, in_org_a):
    for n in range(9):
        TaskFactory(title=f"Late {n}", assignee=csm, due_date=days(-10 + n))
    TaskFactory(title="Woke up", assignee=csm, due_date=days(-20), status=TaskStatus.SNOOZED, snoozed_until=days(0))
    TaskFactory(
        title="Still asleep", assignee=csm, due_date=days(-30), status=TaskStatus.SNOOZED, snoozed_until=days(2)
    )
    TaskFactory(title="Urgent today", assignee=csm, due_date=days(0), priority=TaskPriority.URGENT)

    response = csm_client.get("/alpha/")

    morning = response.context["morning"]
    assert [task.title for task in morning.due_tasks] == ["Woke up", *[f"Late {n}" for n in range(7)]]
    assert (morning.overdue, morning.due_today) == (10, 1)
    assert "11 in all: see them on the tasks page" in response.content.decode()


@pytest.mark.django_db
def test_completing_a_task_here_refreshes_the_figures(csm_client, csm, in_org_a):
    late = TaskFactory(title="Late", assignee=csm, due_date=days(-2))
    TaskFactory(title="Later", assignee=csm, due_date=days(-1))
    htmx = {"HTTP_HX_REQUEST": "true"}

    done = csm_client.post(f"/alpha/tasks/{late.pk}/complete/", {"next": "/alpha/"}, **htmx)

    assert done.status_code == 200
    assert "csm:changed" in done["HX-Trigger"]
    page = csm_client.get("/alpha/").content.decode()
    assert 'hx-trigger="csm:changed from:body"' in page and 'id="home-figures"' in page
    figures = csm_client.get("/alpha/?book=mine", HTTP_HX_TARGET="home-figures", **htmx)
    assert figures.status_code == 200
    text = figures.content.decode()
    assert text.lstrip().startswith("<ul") and "<html" not in text and 'id="home-figures"' in text
    assert '<span class="figure">1</span><span class="muted">of my tasks overdue' in text
    assert 'href="/alpha/accounts/?owner=me&amp;churned=no"' in text


@pytest.mark.django_db
def test_unresolved_tickets_are_mine_or_everyones(csm_client, csm, manager, in_org_a):
    TicketFactory(assignee=csm, status=TicketStatus.OPEN)
    TicketFactory(assignee=csm, status=TicketStatus.PENDING)
    TicketFactory(assignee=csm, status=TicketStatus.SOLVED)
    TicketFactory(assignee=manager, status=TicketStatus.NEW)

    assert csm_client.get("/alpha/").context["morning"].unresolved_tickets == 2
    assert csm_client.get("/alpha/?book=all").context["morning"].unresolved_tickets == 3
    # The figures link to the tickets list filtered the same way.
    for query, count in [("status=unresolved&assignee=mine", 2), ("status=unresolved", 3)]:
        assert (
            f'href="/alpha/tickets/?{query.replace("&", "&amp;")}"'
            in csm_client.get("/alpha/" if "mine" in query else "/alpha/?book=all").content.decode()
        )
        assert csm_client.get(f"/alpha/tickets/?{query}").context["page"].paginator.count == count


@pytest.mark.django_db
def test_what_changed_shows_the_newest_entries_of_the_books_accounts(csm_client, csm, manager, in_org_a):
    mine = AccountFactory(name="Mine", owner=csm)
    theirs = AccountFactory(name="Theirs", owner=manager)
    notes.add_note(actor=manager, account=mine, body="Saw their **exec** at the conference")
    notes.add_note(actor=AUTOMATION, account=mine, body="Playbook sent the welcome email")
    notes.add_note(actor=manager, account=theirs, body="Not on my book")

    response = csm_client.get("/alpha/")

    changes = response.context["morning"].changes
    assert [entry.account.name for entry in changes] == ["Mine", "Mine"]
    page = response.content.decode()
    assert "Playbook sent the welcome email" in page
    assert "Saw their exec at the conference" in page and "**" not in page  # one plain line per note
    assert "Not on my book" not in page
    everyone = csm_client.get("/alpha/?book=all").context["morning"].changes
    assert [entry.account.name for entry in everyone] == ["Theirs", "Mine", "Mine"]


@pytest.mark.django_db
def test_what_changed_looks_back_thirty_days(csm_client, csm, in_org_a):
    quiet = AccountFactory(name="Quiet", owner=csm)
    busy = AccountFactory(name="Busy", owner=csm)
    with time_machine.travel(now() - timedelta(days=31), tick=False):
        notes.add_note(actor=csm, account=quiet, body="Long ago")
    notes.add_note(actor=csm, account=busy, body="Yesterday's call")

    changes = csm_client.get("/alpha/").context["morning"].changes

    assert [entry.account.name for entry in changes] == ["Busy"]


@pytest.mark.django_db
def test_an_account_name_with_a_script_renders_inert(csm_client, csm, in_org_a):
    account = AccountFactory(name="<script>alert(1)</script>", owner=csm, health_band=HealthBand.AT_RISK)
    notes.add_note(actor=csm, account=account, body="<script>alert(2)</script>")

    page = csm_client.get("/alpha/").content.decode()

    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.django_db
def test_nothing_of_another_organization_shows(manager_client, org_b, outsider, in_org_a):
    with activate(org_b):
        other = AccountFactory(
            name="Beta's giant", owner=outsider, mrr=Decimal(99999), health_band=HealthBand.AT_RISK,
            renewal_date=days(5),
        )  # fmt: skip
        notes.add_note(actor=outsider, account=other, body="Beta's secret")
        TicketFactory(account=other, status=TicketStatus.NEW)

    response = manager_client.get("/alpha/?book=all")

    morning = response.context["morning"]
    assert morning.figures.accounts == 0 and morning.unresolved_tickets == 0
    assert morning.at_risk == [] and morning.renewals == [] and morning.changes == []
    page = response.content.decode()
    assert "Beta" not in page
    assert "No account is at risk." in page


@pytest.mark.django_db
def test_an_empty_organization_has_a_calm_start_page(csm_client):
    page = csm_client.get("/alpha/").content.decode()

    assert "Nothing overdue and nothing due today." in page
    assert "Nothing has happened on your accounts in the last 30 days." in page
    assert "Every account has an active champion." in page


def _grow(csm, manager, n: int) -> None:
    for i in range(n):
        for owner in (csm, manager):
            account = AccountFactory(
                owner=owner, health_band=HealthBand.AT_RISK, renewal_date=days(i + 1), mrr=Decimal(100 + i)
            )
            ContactFactory(account=account, role=ContactRole.CHAMPION, status=ContactStatus.LEFT)
            TaskFactory(account=account, assignee=owner, due_date=days(-i))
            TicketFactory(account=account, assignee=owner)
            notes.add_note(actor=owner, account=account, body=f"Note {i}")
            notes.add_note(actor=AUTOMATION, account=account, body=f"Automation {i}")


@pytest.mark.django_db
def test_the_start_page_costs_the_same_number_of_queries_whatever_the_data(
    csm_client, manager_client, csm, manager, in_org_a
):
    paths = [(csm_client, "/alpha/"), (manager_client, "/alpha/"), (csm_client, "/alpha/?book=all")]
    _grow(csm, manager, 2)
    for client, path in paths:
        client.get(path)
    small = [count_queries(client, path) for client, path in paths]
    _grow(csm, manager, 8)
    large = [count_queries(client, path) for client, path in paths]

    assert large == small
    # Session, user, tenant and the switcher; then the figures, the tasks (counts and rows), the tickets, the three
    # short lists, and what changed (entries, their notes, their accounts).
    assert max(small) <= 21, small
