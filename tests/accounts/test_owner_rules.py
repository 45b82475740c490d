"""Who may give an account to whom, the same whichever door is used: a CSM cannot reassign an account, so neither can
they create one for someone else; bulk actions check the accounts before they create anything."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Account, Tag
from accounts.services import bulk
from csm.tenancy import activate
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_a_csm_creates_accounts_for_themselves_only(in_org_a, csm, manager, csm_client):
    page = csm_client.get("/alpha/accounts/new/").content.decode()
    owner_select = re.search(r'<select name="owner_id".*?</select>', page, re.S)
    assert owner_select is not None
    assert re.findall(r'<option value="(\d*)"', owner_select.group()) == [str(csm.pk)]
    refused = csm_client.post("/alpha/accounts/new/", {"name": "Golf Labs", "mrr": "0", "owner_id": manager.pk})
    assert refused.status_code == 400
    assert b"Managers and admins can give an account to someone else" in refused.content
    assert not Account.objects.filter(name="Golf Labs").exists()
    created = csm_client.post("/alpha/accounts/new/", {"name": "Golf Labs", "mrr": "0", "owner_id": csm.pk})
    assert created.status_code == 302
    assert Account.objects.get(name="Golf Labs").owner == csm


def test_a_manager_creates_accounts_for_anyone(in_org_a, csm, manager_client):
    response = manager_client.post("/alpha/accounts/new/", {"name": "Hotel Co", "mrr": "0", "owner_id": csm.pk})
    assert response.status_code == 302
    assert Account.objects.get(name="Hotel Co").owner == csm
    unknown = manager_client.post("/alpha/accounts/new/", {"name": "India Inc", "mrr": "0", "owner_id": "99999"})
    assert unknown.status_code == 400 and b"Select a valid choice" in unknown.content


def test_bulk_add_tag_with_only_foreign_ids_creates_no_tag(org_a, org_b, in_org_a, admin, csm_client):
    with activate(org_b):
        foreign = AccountFactory(organization=org_b)
    response = csm_client.post(
        "/alpha/accounts/bulk/",
        {"action": "add_tag", "account_ids": [foreign.pk], "tag": "stolen", "confirmed": "on"},
        follow=True,
    )
    assert "None of the selected accounts is in this organization" in response.content.decode()
    assert not Tag.objects.filter(name="stolen").exists()
    with pytest.raises(ValidationError):
        bulk.apply(actor=admin, action="add_tag", account_ids=[], tag="empty")
    assert not Tag.objects.filter(name="empty").exists()


def test_creating_an_account_with_a_domain_another_has_asks_first(in_org_a, csm, csm_client):
    AccountFactory(name="Acme Robotics", domains="acme.com acme.io", owner=csm)
    data = {"name": "Acme Europe", "mrr": "0", "owner_id": csm.pk, "domains": "https://www.Acme.com/"}
    asked = csm_client.post("/alpha/accounts/new/", data)
    page = asked.content.decode()
    assert asked.status_code == 400
    assert "acme.com is already the domain of Acme Robotics" in page and 'name="create_anyway"' in page
    assert not Account.objects.filter(name="Acme Europe").exists()
    created = csm_client.post("/alpha/accounts/new/", {**data, "create_anyway": "on"})
    assert created.status_code == 302 and Account.objects.get(name="Acme Europe").domains == "acme.com"
    # A domain that only contains another's is not the same domain.
    other = csm_client.post("/alpha/accounts/new/", {**data, "name": "Notacme", "domains": "notacme.com"})
    assert other.status_code == 302
