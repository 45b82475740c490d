"""Role matrix of the servicedesk: every member may see, open and change tickets; another organization's ticket
ids answer 404 and change nothing."""

from __future__ import annotations

import pytest

from accounts.models import Ticket, TicketNote, TicketStatus
from csm.tenancy import activate
from tests.conftest import client_for
from tests.matrix import Case, check, path_of, request

CASES = [
    Case("accounts:tickets", "get", "/{org}/tickets/", 200, 200, 200),
    Case("accounts:ticket_board", "get", "/{org}/tickets/board/", 200, 200, 200),
    Case("accounts:ticket_create", "get", "/{org}/tickets/new/", 200, 200, 200),
    Case("accounts:ticket_create", "post", "/{org}/tickets/new/", 302, 302, 302,
         (("subject", "Export fails"), ("priority", "normal"), ("channel", "manual"))),
    Case("accounts:ticket_detail", "get", "/{org}/tickets/{ticket}/", 200, 200, 200),
    Case("accounts:ticket_update", "post", "/{org}/tickets/{ticket}/update/", 302, 302, 302,
         (("status", "pending"),)),
    Case("accounts:ticket_note", "post", "/{org}/tickets/{ticket}/notes/", 302, 302, 302,
         (("body", "Customer called back."),)),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.name}-{c.method}")
def test_role_matrix(case, world, admin, manager, csm, outsider):
    check(case, world["alpha"], csm=csm, manager=manager, admin=admin, outsider=outsider)


ID_CASES = [case for case in CASES if case.has_ids]


@pytest.mark.django_db
@pytest.mark.parametrize("case", ID_CASES, ids=lambda c: c.name)
def test_another_organizations_ticket_answers_404_and_changes_nothing(case, world, admin, csm, org_b):
    for persona in (admin, csm):
        response = request(client_for(persona), case, path_of(case, "alpha", world["beta"]), ids=world["beta"])
        assert response.status_code == 404
    with activate(org_b):
        ticket = Ticket.objects.get(number=world["beta"]["ticket"])
        assert ticket.status == TicketStatus.NEW and ticket.resolved_at is None
        assert not TicketNote.objects.filter(ticket=ticket).exists()


@pytest.mark.django_db
def test_another_organizations_account_cannot_be_named_on_a_ticket(world, admin, org_a):
    client = client_for(admin)
    beta_account = world["beta"]["account"]
    page = client.get("/alpha/tickets/new/", {"account": beta_account})
    assert f"(#{beta_account})" not in page.content.decode()
    response = client.post(
        "/alpha/tickets/new/",
        {"subject": "Sneaky", "account": str(beta_account), "priority": "normal", "channel": "manual"},
    )
    assert response.status_code == 400
    assert "No account has the id" in response.content.decode()
    with activate(org_a):
        assert not Ticket.objects.filter(subject="Sneaky").exists()


@pytest.mark.django_db
def test_the_ticket_list_ignores_another_organizations_account_filter(world, admin):
    response = client_for(admin).get("/alpha/tickets/", {"account": world["beta"]["account"]})
    assert response.status_code == 200
    assert response.context["filters"].account is None
