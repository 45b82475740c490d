"""Role matrix of the accounts list and the 360 view; another organization's ids answer 404."""

from __future__ import annotations

import pytest

from accounts.models import Account, Contact, Milestone, Segment
from csm.tenancy import activate
from tests.conftest import client_for
from tests.matrix import Case, check, path_of, request

CASES = [
    # Opened without filters, a CSM is sent to their own book (csm.web.http.csm_defaults).
    Case("accounts:list", "get", "/{org}/accounts/", 302, 200, 200),
    Case("accounts:list", "get", "/{org}/accounts/?owner=any", 200, 200, 200),
    Case("accounts:export", "get", "/{org}/accounts/export.csv", 200, 200, 200),
    # The header's quick search answers htmx; a whole-page visit is sent to the list (tests/accounts/
    # test_quick_search.py).
    Case("accounts:quick_search", "get", "/{org}/accounts/quick-search/?q=acme", 302, 302, 302),
    Case("accounts:bulk", "post", "/{org}/accounts/bulk/", 302, 302, 302,
         (("action", "add_tag"), ("account_ids", "{account}"), ("tag", "vip"), ("confirmed", "on"))),
    # Only its author (the world's CSM) may undo a bulk change.
    Case("accounts:bulk_undo", "post", "/{org}/accounts/bulk/{bulk_change}/undo/", 302, 403, 403),
    Case("accounts:segment_save", "post", "/{org}/accounts/segments/", 302, 302, 302,
         (("name", "Mine"), ("query", "owner=me"))),
    # A personal segment: only its owner (the CSM) sees it.
    Case("accounts:segment_delete", "post", "/{org}/accounts/segments/{segment}/delete/", 302, 404, 404),
    Case("accounts:create", "get", "/{org}/accounts/new/", 200, 200, 200),
    Case("accounts:detail", "get", "/{org}/accounts/{account}/", 200, 200, 200),
    Case("accounts:edit", "get", "/{org}/accounts/{account}/edit/", 200, 200, 200),
    Case("accounts:timeline", "get", "/{org}/accounts/{account}/timeline/", 302, 302, 302),
    Case("accounts:note", "post", "/{org}/accounts/{account}/notes/", 302, 302, 302,
         (("kind", "note"), ("body", "Called about the renewal."))),
    # The world's note is the CSM's: only its author may change it (403 for the others).
    Case("accounts:note_edit", "get", "/{org}/accounts/{account}/notes/{note}/edit/", 200, 403, 403),
    Case("accounts:note_edit", "post", "/{org}/accounts/{account}/notes/{note}/edit/", 302, 403, 403,
         (("kind", "call"), ("body", "Called back."))),
    # The CSM deletes it first, so the others find it gone (test_notes.py shows their 403 on a note that is there).
    Case("accounts:note_delete", "post", "/{org}/accounts/{account}/notes/{note}/delete/", 302, 404, 404),
    Case("accounts:stage", "post", "/{org}/accounts/{account}/stage/", 302, 302, 302, (("stage", "{stage}"),)),
    Case("accounts:owner", "post", "/{org}/accounts/{account}/owner/", 403, 302, 302, (("owner_id", ""),)),
    Case("accounts:task_add", "post", "/{org}/accounts/{account}/tasks/", 302, 302, 302,
         (("title", "Send the QBR deck"), ("priority", "normal"))),
    # Only a churned account's tasks are closed at once: the world's account is not churned (400 after a refusal
    # message, shown by the redirect).
    Case("accounts:close_tasks", "post", "/{org}/accounts/{account}/tasks/close/", 302, 302, 302),
    Case("accounts:plan_start", "post", "/{org}/accounts/{account}/plans/", 302, 302, 302,
         (("template", "{template}"),)),
    Case("accounts:contact_create", "get", "/{org}/accounts/{account}/contacts/new/", 200, 200, 200),
    Case("accounts:contact_edit", "get", "/{org}/accounts/{account}/contacts/{contact}/edit/", 200, 200, 200),
    Case("accounts:milestone_toggle", "post", "/{org}/milestones/{milestone}/toggle/", 302, 302, 302),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_role_matrix(case, world, admin, manager, csm, outsider):
    check(case, world["alpha"], csm=csm, manager=manager, admin=admin, outsider=outsider)


ID_CASES = [case for case in CASES if case.has_ids]


@pytest.mark.django_db
@pytest.mark.parametrize("case", ID_CASES, ids=lambda c: c.name)
def test_another_organizations_ids_answer_404_and_change_nothing(case, world, admin, manager, org_b):
    for persona in (admin, manager):
        response = request(client_for(persona), case, path_of(case, "alpha", world["beta"]), ids=world["beta"])
        assert response.status_code == 404
    with activate(org_b):
        account = Account.objects.get(pk=world["beta"]["account"])
        assert account.owner is not None and not account.tags.exists()
        assert Segment.objects.filter(pk=world["beta"]["segment"]).exists()
        assert Milestone.objects.get(pk=world["beta"]["milestone"]).status == "open"


@pytest.mark.django_db
def test_a_contact_of_another_account_is_404_under_this_account(world, admin, in_org_a):
    from tests.factories import AccountFactory

    other = AccountFactory()
    path = f"/alpha/accounts/{other.pk}/contacts/{world['alpha']['contact']}/edit/"
    assert client_for(admin).get(path).status_code == 404
    assert Contact.objects.get(pk=world["alpha"]["contact"]).account_id == world["alpha"]["account"]
