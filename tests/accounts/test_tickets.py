"""The servicedesk: the list with its filters, sort and pages; the board by status and moving cards; opening a
ticket; a ticket's page with its resolution time and history; assigning, moving and resolving; page costs that do
not grow with the data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.timezone import now

from accounts.models import Ticket, TicketChannel, TicketPriority, TicketStatus
from accounts.selectors.tickets import CARDS_PER_COLUMN, duration_label
from accounts.services import tickets as services
from csm.models import ActivityLog
from tests.conftest import count_queries
from tests.factories import AccountFactory, ContactFactory, TicketFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def numbers(response) -> list[int]:
    return [ticket.number for ticket in response.context["page"].object_list]


@pytest.fixture
def desk(in_org_a, csm, manager):
    """Tickets of two accounts, in every status, some assigned."""
    acme = AccountFactory(name="Acme")
    globex = AccountFactory(name="Globex")
    made = {}
    for number, subject, account, status, priority, assignee in [
        (1, "Export fails", acme, TicketStatus.NEW, TicketPriority.NORMAL, None),
        (2, "Login loop", acme, TicketStatus.OPEN, TicketPriority.URGENT, csm),
        (3, "Invoice wrong", globex, TicketStatus.PENDING, TicketPriority.LOW, manager),
        (4, "Export slow", globex, TicketStatus.SOLVED, TicketPriority.HIGH, csm),
        (5, "Old question", acme, TicketStatus.CLOSED, TicketPriority.NORMAL, None),
    ]:
        opened = now() - timedelta(days=10 - number)
        made[number] = TicketFactory(
            number=number, subject=subject, account=account, status=status, priority=priority, assignee=assignee,
            opened_at=opened, resolved_at=opened + timedelta(hours=2, minutes=15) if number >= 4 else None,
        )  # fmt: skip
    return {"acme": acme, "globex": globex, "tickets": made}


# -- The list ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_the_newest_tickets_first_with_their_resolution_time(csm_client, desk):
    response = csm_client.get("/alpha/tickets/")
    assert response.status_code == 200
    assert numbers(response) == [5, 4, 3, 2, 1]
    page = response.content.decode()
    assert "2 h 15 min" in page
    assert f'href="/alpha/accounts/{desk["acme"].pk}/"' in page and "#2</span> Login loop" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "open"}, [2]),
        ({"status": "unresolved"}, [3, 2, 1]),
        ({"priority": "urgent"}, [2]),
        ({"assignee": "mine"}, [4, 2]),
        ({"assignee": "unassigned"}, [5, 1]),
        ({"assignee": "MANAGER"}, [3]),
        ({"account": "GLOBEX"}, [4, 3]),
        ({"q": "export"}, [4, 1]),
        ({"q": "#3"}, [3]),
        ({"q": "2"}, [2]),
        ({"sort": "oldest"}, [1, 2, 3, 4, 5]),
        ({"sort": "priority"}, [2, 4, 5, 1, 3]),
        ({"status": "unresolved", "assignee": "mine", "sort": "oldest"}, [2]),
        ({"status": "nonsense", "priority": "urgent"}, [2]),
    ],
)
def test_the_list_filters_and_sorts_from_the_query_string(csm_client, desk, manager, query, expected):
    query = {
        key: (str(manager.pk) if value == "MANAGER" else str(desk["globex"].pk) if value == "GLOBEX" else value)
        for key, value in query.items()
    }
    assert numbers(csm_client.get("/alpha/tickets/", query)) == expected


@pytest.mark.django_db
def test_the_list_paginates(csm_client, in_org_a):
    Ticket.objects.bulk_create(Ticket(organization=in_org_a, number=n, subject=f"T{n}") for n in range(1, 56))
    first = csm_client.get("/alpha/tickets/")
    assert len(numbers(first)) == 50 and numbers(first)[0] == 55
    assert "Page 1 of 2" in first.content.decode() and "page=2" in first.content.decode()
    second = csm_client.get("/alpha/tickets/", {"page": 2})
    assert numbers(second) == [5, 4, 3, 2, 1]
    assert numbers(csm_client.get("/alpha/tickets/", {"page": "x"})) == numbers(first)


@pytest.mark.django_db
def test_the_list_swaps_its_results_with_htmx(csm_client, desk):
    response = csm_client.get("/alpha/tickets/", {"status": "open"}, HTTP_HX_TARGET="ticket-results", **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="ticket-results">') and "<html" not in body
    assert "Login loop" in body and "Export fails" not in body


def grow(n: int, people) -> None:
    start = (Ticket.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    for i in range(n):
        account = AccountFactory()
        contact = ContactFactory(account=account)
        for j, status in enumerate(TicketStatus.values):
            TicketFactory(
                number=start + i * 10 + j, account=account, contact=contact, status=status,
                assignee=people[(i + j) % len(people)], resolved_at=now() if status in ("solved", "closed") else None,
            )  # fmt: skip


@pytest.mark.django_db
def test_the_servicedesk_pages_cost_the_same_number_of_queries_whatever_the_number_of_tickets(
    csm_client, csm, manager, in_org_a
):
    grow(2, [csm, manager, None])
    ticket = Ticket.objects.order_by("number").first()
    assert ticket is not None
    for i in range(3):
        services.update_ticket(actor=csm, ticket=ticket, priority=["high", "low", "urgent"][i])
    paths = [
        "/alpha/tickets/",
        "/alpha/tickets/?status=unresolved&assignee=mine&sort=priority&q=export",
        f"/alpha/tickets/?account={ticket.account_id}",
        "/alpha/tickets/board/",
        "/alpha/tickets/board/?assignee=unassigned",
        f"/alpha/tickets/{ticket.number}/",
        f"/alpha/tickets/new/?account={ticket.account_id}",
    ]
    for path in paths:
        csm_client.get(path)
    small = {path: count_queries(csm_client, path) for path in paths}
    grow(6, [csm, manager, None])
    for i in range(6):
        services.update_ticket(actor=csm, ticket=ticket, priority=["high", "low"][i % 2])
    large = {path: count_queries(csm_client, path) for path in paths}
    assert large == small
    assert max(small.values()) <= 15, small  # the budget of every page (tests/csm/test_pages.py)


# -- The board --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_board_has_a_column_per_status_with_counts_and_closed_tucked_away(csm_client, desk):
    response = csm_client.get("/alpha/tickets/board/")
    columns = response.context["columns"]
    assert [(c.status, c.count, [t.number for t in c.tickets]) for c in columns] == [
        ("new", 1, [1]),
        ("open", 1, [2]),
        ("pending", 1, [3]),
        ("solved", 1, [4]),
    ]
    assert response.context["closed"].count == 1
    page = response.content.decode()
    assert '<details class="ticket-column ticket-column-closed status-closed" data-drop-status="closed">' in page
    assert "Resolved in 2 h 15 min" in page
    assert page.count('draggable="true"') == 5 and page.count("data-move-form") == 5


@pytest.mark.django_db
def test_a_board_column_is_bounded_and_links_to_the_whole_list(csm_client, in_org_a):
    Ticket.objects.bulk_create(
        Ticket(organization=in_org_a, number=n, subject=f"T{n}", status=TicketStatus.NEW)
        for n in range(1, CARDS_PER_COLUMN + 8)
    )
    response = csm_client.get("/alpha/tickets/board/", {"priority": "normal"})
    [new] = [c for c in response.context["columns"] if c.status == "new"]
    assert new.count == CARDS_PER_COLUMN + 7 and len(new.tickets) == CARDS_PER_COLUMN
    assert "/alpha/tickets/?priority=normal&amp;status=new" in response.content.decode()


@pytest.mark.django_db
def test_the_board_filters_by_assignee(csm_client, desk):
    response = csm_client.get("/alpha/tickets/board/", {"assignee": "mine"})
    assert {c.status: c.count for c in response.context["columns"]} == {"new": 0, "open": 1, "pending": 0, "solved": 1}


@pytest.mark.django_db
def test_moving_a_card_without_javascript_posts_its_form_and_comes_back_to_the_board(csm_client, csm, desk):
    ticket = desk["tickets"][1]
    response = csm_client.post(
        f"/alpha/tickets/{ticket.number}/update/", {"status": "open", "next": "/alpha/tickets/board/?assignee=mine"}
    )
    assert response.status_code == 302 and response["Location"] == "/alpha/tickets/board/?assignee=mine"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.first_response_at is not None
    assert ActivityLog.objects.get(target_id=ticket.pk, verb="ticket.updated").changes == {"status": ["new", "open"]}


@pytest.mark.django_db
def test_a_drag_and_drop_move_answers_htmx_with_the_board_again(csm_client, desk):
    ticket = desk["tickets"][3]
    response = csm_client.post(
        f"/alpha/tickets/{ticket.number}/update/",
        {"status": "solved", "next": "/alpha/tickets/board/?priority=low"},
        HTTP_HX_TARGET="ticket-board",
        HTTP_HX_CURRENT_URL="http://testserver/alpha/tickets/board/?priority=low",
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="ticket-board"') and "<html" not in body
    assert "#3 solved, resolved in" in body and 'hx-swap-oob="true"' in body
    # The board keeps its filters: only the low-priority ticket, now solved.
    assert {c.status: c.count for c in response.context["columns"]} == {"new": 0, "open": 0, "pending": 0, "solved": 1}
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED and ticket.resolved_at is not None


@pytest.mark.django_db
def test_a_refused_move_answers_400_with_the_board_and_the_error(csm_client, desk):
    ticket = desk["tickets"][1]
    response = csm_client.post(
        f"/alpha/tickets/{ticket.number}/update/", {"status": "lost"}, HTTP_HX_TARGET="ticket-board", **HTMX
    )
    assert response.status_code == 400
    assert "message-error" in response.content.decode() and 'id="ticket-board"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


# -- Opening a ticket -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_opening_a_ticket_for_an_account_and_one_of_its_contacts(csm_client, csm, manager, in_org_a):
    account = AccountFactory(name="Acme")
    contact = ContactFactory(account=account, name="Bob Buyer")
    ContactFactory(name="Someone else")
    TicketFactory(number=41)

    page = csm_client.get("/alpha/tickets/new/", {"account": account.pk})
    body = page.content.decode()
    assert f'value="Acme (#{account.pk})"' in body and "Bob Buyer" in body and "Someone else" not in body

    response = csm_client.post(
        "/alpha/tickets/new/",
        {
            "subject": "Cannot export",
            "body": "Since Monday.",
            "account": f"Acme (#{account.pk})",
            "contact": contact.pk,
            "priority": "high",
            "channel": "email",
            "assignee": str(manager.pk),
        },
    )
    ticket = Ticket.objects.get(subject="Cannot export")
    assert response.status_code == 302 and response["Location"] == f"/alpha/tickets/{ticket.number}/"
    assert (ticket.number, ticket.account, ticket.contact, ticket.assignee) == (42, account, contact, manager)
    assert (ticket.priority, ticket.channel, ticket.status) == ("high", TicketChannel.EMAIL, TicketStatus.NEW)
    assert ActivityLog.objects.filter(verb="ticket.opened", target_id=ticket.pk, about_id=account.pk).exists()


@pytest.mark.django_db
def test_the_contact_select_follows_the_account_with_htmx(csm_client, in_org_a):
    account = AccountFactory(name="Acme")
    ContactFactory(account=account, name="Bob Buyer")
    empty = csm_client.get("/alpha/tickets/new/").content.decode()
    assert "Choose an account first" in empty

    response = csm_client.get(
        "/alpha/tickets/new/", {"account": f"Acme (#{account.pk})"}, HTTP_HX_TARGET="contact-field", **HTMX
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="contact-field"') and "Bob Buyer" in body and "<html" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"subject": ""}, "This field is required."),
        ({"subject": "X", "account": "Nobody Inc"}, "No account is called"),
        ({"subject": "X", "contact": "OTHER"}, "Select a valid choice"),
        ({"subject": "X", "assignee": "999999"}, "Select a valid choice"),
        ({"subject": "X", "priority": "asap"}, "Select a valid choice"),
    ],
    ids=["no subject", "unknown account", "contact of another account", "not a member", "bad priority"],
)
def test_bad_input_re_renders_the_ticket_form_and_opens_nothing(csm_client, in_org_a, data, error):
    account = AccountFactory(name="Acme")
    other = ContactFactory(name="Elsewhere")
    data = {"priority": "normal", "channel": "manual", "account": f"Acme (#{account.pk})", **data}
    data = {key: (str(other.pk) if value == "OTHER" else value) for key, value in data.items()}
    response = csm_client.post("/alpha/tickets/new/", data)
    assert response.status_code == 400
    assert error in response.content.decode().replace("“", "").replace("”", "")
    assert not Ticket.objects.exists()


# -- A ticket's page and its changes -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_ticket_page_shows_its_facts_resolution_time_and_history(csm_client, csm, in_org_a):
    account = AccountFactory(name="Acme")
    contact = ContactFactory(account=account, name="Bob Buyer", email="bob@acme.example")
    ticket = services.open_ticket(actor=csm, subject="Export fails", body="Line one\nLine two", account=account,
                                  contact=contact)  # fmt: skip
    Ticket.objects.filter(pk=ticket.pk).update(opened_at=now() - timedelta(hours=2, minutes=15, seconds=10))
    services.update_ticket(actor=csm, ticket=ticket, status=TicketStatus.SOLVED)

    response = csm_client.get(f"/alpha/tickets/{ticket.number}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Resolved in 2 h 15 min" in page
    assert "Bob Buyer" in page and "bob@acme.example" in page and "Line one<br>Line two" in page
    assert "Ticket opened" in page and "Ticket resolved" in page and "new → solved" in page
    assert "Reopen" in page and ">Resolve<" not in page


@pytest.mark.django_db
def test_assigning_resolving_and_reopening_from_the_ticket_page(csm_client, csm, desk):
    ticket = desk["tickets"][1]
    path = f"/alpha/tickets/{ticket.number}/update/"

    assert csm_client.post(path, {"assignee": str(csm.pk)})["Location"] == f"/alpha/tickets/{ticket.number}/"
    ticket.refresh_from_db()
    assert ticket.assignee == csm and ticket.status == TicketStatus.NEW

    response = csm_client.post(path, {"status": "solved"}, follow=True)
    assert "#1 solved, resolved in" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None and ticket.resolution_time is not None

    csm_client.post(path, {"status": "open"})
    ticket.refresh_from_db()
    assert ticket.resolved_at is None
    assert list(ActivityLog.objects.filter(target_id=ticket.pk).order_by("id").values_list("verb", flat=True)) == [
        "ticket.updated",
        "ticket.resolved",
        "ticket.reopened",
    ]


@pytest.mark.django_db
def test_the_edit_form_changes_status_priority_and_assignee_at_once(manager_client, csm, desk):
    ticket = desk["tickets"][2]
    response = manager_client.post(
        f"/alpha/tickets/{ticket.number}/update/", {"status": "pending", "priority": "low", "assignee": ""}, follow=True
    )
    assert "#2 moved to Pending, unassigned, priority low." in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee) == ("pending", "low", None)


@pytest.mark.django_db
@pytest.mark.parametrize("data", [{}, {"status": "gone"}, {"assignee": "999999"}])
def test_a_bad_update_re_renders_the_ticket_page_with_the_error(csm_client, desk, data):
    ticket = desk["tickets"][2]
    response = csm_client.post(f"/alpha/tickets/{ticket.number}/update/", data)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode() or "Nothing to change" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and not ActivityLog.objects.filter(target_id=ticket.pk).exists()


@pytest.mark.django_db
def test_the_ticket_pages_refuse_wrong_methods(csm_client, desk):
    ticket = desk["tickets"][1]
    assert csm_client.get(f"/alpha/tickets/{ticket.number}/update/").status_code == 405
    assert csm_client.post(f"/alpha/tickets/{ticket.number}/").status_code == 405
    assert csm_client.post("/alpha/tickets/").status_code == 405
    assert csm_client.post("/alpha/tickets/board/").status_code == 405


def test_durations_read_short():
    assert duration_label(None) == ""
    assert duration_label(timedelta(seconds=20)) == "under a minute"
    assert duration_label(timedelta(minutes=45)) == "45 min"
    assert duration_label(timedelta(hours=2)) == "2 h"
    assert duration_label(timedelta(hours=2, minutes=15)) == "2 h 15 min"
    assert duration_label(timedelta(days=3, hours=4, minutes=10)) == "3 d 4 h"
    assert duration_label(timedelta(days=1)) == "1 d"


@pytest.mark.django_db
def test_an_account_name_with_markup_stays_text_on_the_ticket_form(in_org_a, csm_client):
    account = AccountFactory(name='<img src=x onerror="alert(1)"> Evil Corp')
    content = csm_client.get(f"/alpha/tickets/new/?account={account.pk}").content.decode()
    assert "<img src=x" not in content
    assert "&lt;img src=x" in content


# -- Addresses by number, reopened tickets, internal notes, one time format ----------------------------------------


@pytest.mark.django_db
def test_a_ticket_is_addressed_by_its_number(csm_client, in_org_a):
    TicketFactory.create_batch(3)
    ticket = TicketFactory(number=1_000_238, subject="Billing export")  # beyond the factory's sequence
    assert ticket.pk != 1_000_238
    page = csm_client.get("/alpha/tickets/1000238/")
    assert page.status_code == 200 and "#1000238" in page.content.decode() and "Billing export" in page.content.decode()
    assert csm_client.get(f"/alpha/tickets/{ticket.pk}/").status_code == 404
    assert csm_client.get("/alpha/tickets/99999999999999/").status_code == 404
    listing = csm_client.get("/alpha/tickets/").content.decode()
    assert 'href="/alpha/tickets/1000238/"' in listing
    board = csm_client.get("/alpha/tickets/board/").content.decode()
    assert 'href="/alpha/tickets/1000238/"' in board and 'action="/alpha/tickets/1000238/update/"' in board


@pytest.mark.django_db
def test_a_reopened_ticket_says_it_is_open_not_resolved(csm_client, csm, in_org_a):
    ticket = services.open_ticket(actor=csm, subject="Export fails")
    services.update_ticket(actor=csm, ticket=ticket, status=TicketStatus.SOLVED)
    services.update_ticket(actor=csm, ticket=ticket, status=TicketStatus.OPEN)
    page = csm_client.get(f"/alpha/tickets/{ticket.number}/").content.decode()
    facts = page[page.index('<dl class="facts">') : page.index("</dl>")]
    assert "Resolved" not in facts and "Open for" in facts and "Reopened" in facts
    assert "Resolve<" in page and ">Reopen<" not in page
    card = csm_client.get("/alpha/tickets/board/").content.decode()
    assert "Resolved in" not in card


@pytest.mark.django_db
def test_internal_notes_on_a_ticket(csm_client, csm, in_org_a):
    ticket = services.open_ticket(actor=csm, subject="Export fails", account=AccountFactory(name="Acme"))
    path = f"/alpha/tickets/{ticket.number}/notes/"
    refused = csm_client.post(path, {"body": "   "})
    assert refused.status_code == 400 and "Write the note first" in refused.content.decode()
    response = csm_client.post(path, {"body": "Customer uses **Excel 2016**.\nSecond line."})
    assert response.status_code == 302 and response["Location"] == f"/alpha/tickets/{ticket.number}/#notes"
    page = csm_client.get(response["Location"]).content.decode()
    assert "Customer uses **Excel 2016**.<br>Second line." in page and "Only your team sees internal notes" in page
    assert "Ticket noted" in page
    note = ticket.notes.get()
    assert note.author == csm
    entry = ActivityLog.objects.get(verb="ticket.noted")
    assert entry.target_id == ticket.pk and entry.about_id == ticket.account_id and entry.data == {"note": note.pk}


@pytest.mark.django_db
def test_list_and_board_show_when_a_ticket_opened_the_same_way(csm_client, in_org_a):
    TicketFactory(subject="Old one", opened_at=now() - timedelta(days=3, hours=2))
    for path in ("/alpha/tickets/", "/alpha/tickets/board/"):
        page = csm_client.get(path).content.decode()
        assert "(3\xa0days ago)" in page, path
