"""Role matrix of the pipeline board: every member reads it, shows more of a column and moves cards; another
organization's ids (in the posted form, or a column's stage) answer 404 and change nothing."""

from __future__ import annotations

import pytest

from accounts.models import Account
from csm.tenancy import activate
from tests.conftest import client_for
from tests.matrix import Case, check

HTMX = {"HX-Request": "true"}

CASES = [
    # Opened without filters, a CSM is sent to their own book (csm.web.http.csm_defaults).
    Case("accounts:board", "get", "/{org}/board/", 302, 200, 200),
    Case("accounts:board", "get", "/{org}/board/?owner=any", 200, 200, 200),
    Case("accounts:board_move", "post", "/{org}/board/move/", 302, 302, 302,
         (("account", "{account}"), ("stage", "{stage}"))),
    # A column's next cards: htmx gets them (below); opened without htmx, the board with that column longer.
    Case("accounts:board_column", "get", "/{org}/board/columns/{stage}/", 302, 302, 302,
         (("owner", "any"), ("cards", "24"))),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_role_matrix(case, world, admin, manager, csm, outsider):
    check(case, world["alpha"], csm=csm, manager=manager, admin=admin, outsider=outsider)


@pytest.mark.django_db
@pytest.mark.parametrize("mix", ["their account", "their stage", "both theirs"])
def test_another_organizations_ids_in_a_move_answer_404_and_change_nothing(world, admin, csm, org_a, org_b, mix):
    account = world["beta" if mix != "their stage" else "alpha"]["account"]
    stage = world["beta" if mix != "their account" else "alpha"]["stage"]
    with activate(org_a):
        ours = Account.objects.get(pk=world["alpha"]["account"]).stage_id
    with activate(org_b):
        theirs = Account.objects.get(pk=world["beta"]["account"]).stage_id
    for persona in (admin, csm):
        response = client_for(persona).post("/alpha/board/move/", {"account": account, "stage": stage})
        assert response.status_code == 404
    with activate(org_a):
        assert Account.objects.get(pk=world["alpha"]["account"]).stage_id == ours
    with activate(org_b):
        assert Account.objects.get(pk=world["beta"]["account"]).stage_id == theirs


@pytest.mark.django_db
def test_every_member_gets_a_columns_next_cards_with_htmx_and_the_outsider_404(world, admin, manager, csm, outsider):
    for column in (world["alpha"]["stage"], "none"):
        path = f"/alpha/board/columns/{column}/?owner=any&cards=24"
        for persona in (csm, manager, admin):
            assert client_for(persona).get(path, headers=HTMX).status_code == 200
        assert client_for(outsider).get(path, headers=HTMX).status_code == 404


@pytest.mark.django_db
def test_another_organizations_stage_as_a_column_answers_404(world, admin, csm):
    path = f"/alpha/board/columns/{world['beta']['stage']}/?owner=any&cards=24"
    for persona in (admin, csm):
        assert client_for(persona).get(path, headers=HTMX).status_code == 404
        assert client_for(persona).get(path).status_code == 404
