"""Redirect after POST wherever a POST creates something: the browser's reload (or back, then forward) repeats the
GET of the page it lands on, never the POST, so nothing is created twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Model

from accounts.models import (
    Account,
    Contact,
    CustomField,
    LifecycleStage,
    Note,
    PlanTemplate,
    Segment,
    Task,
    Ticket,
    Tier,
)
from csm.models import ApiKey, Invitation
from csm.tenancy import activate
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

# (what is created, the address, the form, the model that gains a row)
CASES: list[tuple[str, str, Callable[[Account], dict[str, Any]], type[Model]]] = [
    ("an API key", "/alpha/settings/api-keys/", lambda a: {"name": "Warehouse"}, ApiKey),
    ("an invitation", "/alpha/settings/members/invite/", lambda a: {"email": "new@alpha.test", "role": "csm"},
     Invitation),
    ("an account", "/alpha/accounts/new/", lambda a: {"name": "Kilo Ltd", "mrr": "0", "owner_id": ""}, Account),
    ("a task", "/alpha/tasks/new/", lambda a: {"title": "Call", "priority": "normal", "due_date": "2030-01-01"}, Task),
    ("a ticket", "/alpha/tickets/new/",
     lambda a: {"subject": "Login fails", "priority": "normal", "channel": "email", "account": a.name}, Ticket),
    ("a note", "/alpha/accounts/{account}/notes/", lambda a: {"kind": "note", "body": "Met the team."}, Note),
    ("a contact", "/alpha/accounts/{account}/contacts/new/",
     lambda a: {"name": "Ann Lee", "email": "ann@kilo.test", "role": "user", "status": "active"}, Contact),
    ("a segment", "/alpha/accounts/segments/", lambda a: {"name": "Big ones", "query": "mrr_min=1000"}, Segment),
    ("a tier", "/alpha/settings/workspace/tiers/add/", lambda a: {"name": "Platinum"}, Tier),
    ("a stage", "/alpha/settings/workspace/stages/add/", lambda a: {"name": "Pilot", "category": "onboarding"},
     LifecycleStage),
    ("a custom field", "/alpha/settings/workspace/fields/add/", lambda a: {"label": "Region", "field_type": "text"},
     CustomField),
    ("a plan template", "/alpha/settings/workspace/plan-templates/add/", lambda a: {"name": "Onboarding"},
     PlanTemplate),
]  # fmt: skip


@pytest.mark.parametrize(("what", "path", "data", "model"), CASES, ids=[case[0] for case in CASES])
def test_a_post_that_creates_answers_with_a_redirect(org_a, admin, admin_client, what, path, data, model):
    with activate(org_a):
        account = AccountFactory(organization=org_a, name="Juliet Co", owner=admin)
        before = model.objects.count()
    response = admin_client.post(path.format(account=account.pk), data(account))
    assert response.status_code == 302, f"{what}: {response.status_code}"
    with activate(org_a):
        assert model.objects.count() == before + 1, what
    # Reloading the page it lands on creates nothing more.
    assert admin_client.get(response["Location"]).status_code == 200
    with activate(org_a):
        assert model.objects.count() == before + 1, what
