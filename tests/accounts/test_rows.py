"""The rows built in Python (accounts/rows.py) write what their templates wrote: each is compared, for every state a
row can be in, with the template it replaced (kept in tests/accounts/reference/), whitespace aside."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.middleware.csrf import get_token
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.timezone import localdate, now

from accounts import rows
from accounts.models import (
    Account,
    AccountTag,
    HealthBand,
    LifecycleStage,
    Tag,
    Task,
    TaskPriority,
    TaskSource,
    TaskStatus,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from accounts.selectors.accounts import page_of
from accounts.selectors.tickets import with_durations
from csm.models import Role
from tests.accounts.reference.account_row import _account_row as reference_account_row
from tests.conftest import make_member
from tests.factories import AccountFactory, ContactFactory, TagFactory, TaskFactory, TicketFactory

REFERENCE = Path(__file__).parent / "reference"


def _normal(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="-"', html)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.fixture
def request_as(csm, org_a):
    def build(path: str = "/alpha/tasks/?assignee=2", htmx: bool = False):
        request = RequestFactory().get(path)
        request.user = csm
        request.organization = org_a
        request.htmx = False
        request.META["CSRF_COOKIE"] = "a" * 32
        return request

    return build


def _tasks(csm, org_a):
    other = make_member(org_a, "dora@alpha.test", Role.CSM, "Dora <b>Csm</b>")
    today = localdate()
    made = [
        TaskFactory(title="Call <Bob> & 'co'", assignee=csm, due_date=today),
        TaskFactory(title="Late", assignee=csm, due_date=today - timedelta(days=3), priority=TaskPriority.HIGH),
        TaskFactory(title="Soon", assignee=other, due_date=today + timedelta(days=3), priority=TaskPriority.LOW),
        TaskFactory(title="Whenever", assignee=None, due_date=None, source=TaskSource.AUTOMATION),
        TaskFactory(title="Asleep", assignee=csm, status=TaskStatus.SNOOZED, snoozed_until=today + timedelta(2)),
        TaskFactory(title="Awake", assignee=csm, status=TaskStatus.SNOOZED, snoozed_until=today, due_date=today),
        TaskFactory(title="Done", assignee=csm, status=TaskStatus.DONE, completed_at=now(), completed_by=csm),
        TaskFactory(title="Done by Dora", assignee=csm, status=TaskStatus.DONE, completed_at=now(), completed_by=other),
        TaskFactory(title="No account", assignee=csm, account=None, priority=TaskPriority.URGENT),
    ]
    return list(Task.objects.select_related("account", "assignee", "completed_by").filter(pk__in=[t.pk for t in made]))


@pytest.mark.parametrize("hide_account", [False, True])
def test_task_rows_write_what_the_template_wrote(in_org_a, csm, request_as, hide_account):
    template = Template("{% load csm_tags %}" + (REFERENCE / "task_row.html").read_text())
    tasks = _tasks(csm, in_org_a)
    assert len(tasks) == 9
    for task in tasks:
        request = request_as()
        context = {"task": task, "request": request, "hide_account": hide_account, "csrf_token": get_token(request)}
        expected = template.render(Context(context))
        built = rows.task_rows([task], request, hide_account=hide_account)
        assert _normal(built) == _normal(expected), task.title


def test_a_task_row_escapes_what_people_wrote(in_org_a, csm, request_as):
    [task] = [t for t in _tasks(csm, in_org_a) if t.title.startswith("Call")]
    html = rows.task_rows([task], request_as())
    assert "Call &lt;Bob&gt; &amp; &#x27;co&#x27;" in html and "<Bob>" not in html


def test_a_list_of_several_peoples_tasks_names_every_assignee_the_viewer_too(in_org_a, csm, request_as):
    """The team's list (`show_assignee`): a row names its assignee even when that is the person reading, where a
    person's own list leaves their name out; otherwise the row is the template's."""
    tasks = _tasks(csm, in_org_a)
    mine, doras = (next(t for t in tasks if t.title == title) for title in ("Late", "Soon"))
    own_list = str(rows.task_rows([mine], request_as()))
    team_list = str(rows.task_rows([mine, doras], request_as(), show_assignee=True))
    assert '<span class="muted">Carol Csm</span>' not in own_list
    assert '<span class="muted">Carol Csm</span>' in team_list
    assert '<span class="muted">Dora &lt;b&gt;Csm&lt;/b&gt;</span>' in team_list
    assert _normal(team_list.replace('\n      <span class="muted">Carol Csm</span>', "", 1)) == _normal(
        own_list + str(rows.task_rows([doras], request_as()))
    )


def test_board_cards_write_what_the_template_wrote(in_org_a, csm, request_as):
    stages = list(LifecycleStage.objects.order_by("position"))
    today = localdate()
    made = [
        AccountFactory(name="Umbrella & <Co>", owner=csm, mrr=Decimal("1234.50"), renewal_date=today + timedelta(40),
                       health_score=41, health_band=HealthBand.AT_RISK),
        AccountFactory(name="Initech", owner=None, tier=None, mrr=Decimal("0"), renewal_date=None, stage=None),
        AccountFactory(name="Late", renewal_date=today - timedelta(3), health_band=HealthBand.HEALTHY, health_score=0),
        AccountFactory(name="Soon", renewal_date=today + timedelta(1), mrr=Decimal("999999.49")),
        AccountFactory(name="Far", renewal_date=today + timedelta(400)),
    ]  # fmt: skip
    cards = list(Account.objects.select_related("owner", "tier").filter(pk__in=[a.pk for a in made]).order_by("pk"))
    template = Template((REFERENCE / "board_card.html").read_text())
    query = {"owner": "me", "tier": "<3>"}
    for account in cards:
        request = request_as("/alpha/board/?owner=me")
        context = {
            "account": account, "request": request, "stages": stages, "filter_query": query,
            "organization": in_org_a, "csrf_token": get_token(request),
        }  # fmt: skip
        expected = template.render(Context(context))
        built = rows.board_cards([account], stages=stages, filter_query=query, currency="USD", request=request)
        assert _normal(built) == _normal(expected), account.name


def test_ticket_cards_write_what_the_template_wrote(in_org_a, csm, request_as):
    opened = now() - timedelta(hours=5)
    made = [
        TicketFactory(subject="Export <fails>", assignee=csm, priority=TicketPriority.URGENT, opened_at=opened),
        TicketFactory(subject="Solved one", account=None, status=TicketStatus.SOLVED, opened_at=opened,
                      resolved_at=opened + timedelta(hours=2)),
        TicketFactory(subject="Plain", priority=TicketPriority.NORMAL, opened_at=opened - timedelta(days=3)),
    ]  # fmt: skip
    tickets = with_durations(
        list(Ticket.objects.select_related("account", "assignee").filter(pk__in=[t.pk for t in made]).order_by("pk"))
    )
    template = Template((REFERENCE / "ticket_card.html").read_text())
    for ticket in tickets:
        ticket.opened_ago = timesince(ticket.opened_at, depth=1)  # the relative hint beside the day
        request = request_as("/alpha/tickets/board/?assignee=mine")
        context = {
            "ticket": ticket, "request": request, "statuses": TicketStatus.choices, "csrf_token": get_token(request)
        }  # fmt: skip
        expected = template.render(Context(context))
        built = rows.ticket_cards([ticket], statuses=TicketStatus.choices, request=request)
        assert _normal(built) == _normal(expected), ticket.subject


def test_account_rows_write_what_format_html_wrote(in_org_a, csm):
    AccountFactory(
        name="Umbrella & <Co> 'quoted'",
        owner=csm,
        domains="umbrella.example u.example",
        mrr=Decimal("1234.5"),
        renewal_date=localdate() + timedelta(10),
        health_band=HealthBand.AT_RISK,
        health_score=12,
    )
    AccountFactory(name="Plain", owner=None, tier=None, stage=None, domains="", renewal_date=None, health_band="")
    plain = Account.objects.get(name="Plain")
    for tag in ("vip & co", "<b>", "a/b?c"):
        TagFactory(name=tag)
    AccountTag.objects.bulk_create(AccountTag(organization=in_org_a, account=plain, tag=t) for t in Tag.objects.all())
    page = page_of(Account.objects.order_by("pk"), 1)
    assert len(page.object_list) == 2
    for row in page.object_list:
        assert rows.account_rows([row], "/alpha/accounts/") == reference_account_row(row, "/alpha/accounts/")


def test_ticket_rows_write_what_the_template_wrote(in_org_a, csm, request_as, settings):
    settings.TIME_ZONE = "UTC"
    opened = now() - timedelta(hours=5)
    made = [
        TicketFactory(subject="Export <fails> & 'more'", assignee=csm, priority=TicketPriority.URGENT,
                      opened_at=opened),
        TicketFactory(subject="Solved one", account=None, status=TicketStatus.SOLVED, opened_at=opened,
                      resolved_at=opened + timedelta(hours=2)),
        TicketFactory(subject="Plain", assignee=None, opened_at=opened - timedelta(days=40)),
    ]  # fmt: skip
    made[2].contact = ContactFactory(account=made[2].account, name="Ann <O'Neil>")
    made[2].save()
    tickets = with_durations(
        list(
            Ticket.objects.select_related("account", "contact", "assignee")
            .filter(pk__in=[t.pk for t in made])
            .order_by("pk")
        )
    )
    template = Template((REFERENCE / "ticket_row.html").read_text())
    for ticket in tickets:
        ticket.opened_ago = timesince(ticket.opened_at, depth=1)  # the relative hint beside the day
    request = request_as("/alpha/tickets/")
    for zone in ("UTC", "Pacific/Auckland"):
        with timezone.override(zone):
            for ticket in tickets:
                expected = template.render(Context({"ticket": ticket, "request": request}))
                assert _normal(rows.ticket_rows([ticket], request)) == _normal(expected), ticket.subject


def test_the_stakeholder_tree_writes_what_the_template_wrote(in_org_a, request_as):
    """Every state of a person (a role or none, primary, left with and without a date, a title, an email, both or
    neither, reports at two levels), against the recursive template it replaced."""
    from django.template import Engine

    from accounts.models import Contact, ContactRole, ContactStatus
    from accounts.selectors.accounts import stakeholder_tree

    account = AccountFactory(name="Umbrella")
    boss = ContactFactory(account=account, name="Ann <Boss>", role=ContactRole.EXECUTIVE_SPONSOR, title="CEO & founder",
                          email="ann@umbrella.example", is_primary=True)  # fmt: skip
    champion = ContactFactory(account=account, name="Bob", role=ContactRole.CHAMPION, reports_to=boss, title="",
                              email="bob@umbrella.example")  # fmt: skip
    ContactFactory(account=account, name="Cid", role=ContactRole.USER, reports_to=champion, title="Analyst", email="")
    ContactFactory(account=account, name="Dee 'gone'", role=ContactRole.BILLING, status=ContactStatus.LEFT,
                   left_on=localdate().replace(day=1), title="", email="")  # fmt: skip
    ContactFactory(account=account, name="Eve", role=ContactRole.USER, status=ContactStatus.LEFT, left_on=None)
    tree = stakeholder_tree(list(Contact.objects.filter(account=account).order_by("name")))
    assert [node.contact.name for node in tree] == ["Ann <Boss>", "Dee 'gone'", "Eve"]
    engine = Engine(
        loaders=[("django.template.loaders.locmem.Loader",
                  {"accounts/stakeholder_node.html": (REFERENCE / "stakeholder_node.html").read_text()})],
        libraries={"csm_tags": "csm.templatetags.csm_tags"},
    )  # fmt: skip
    template = engine.from_string(
        '{% for node in nodes %}{% include "accounts/stakeholder_node.html" with node=node %}{% endfor %}'
    )
    request = request_as("/alpha/accounts/")
    expected = template.render(Context({"nodes": tree, "request": request}))
    built = rows.stakeholder_nodes(tree, request)
    assert _normal(built) == _normal(expected)
    assert "Ann &lt;Boss&gt;" in built and "CEO &amp; founder" in built and built.count("<ul>") == 2
