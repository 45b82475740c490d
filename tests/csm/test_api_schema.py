"""The API against its own OpenAPI schema (schemathesis): for every endpoint, generated requests (valid ones, and
ones that break the schema), sent with a real key of organization A, never get a 5xx, and every answer matches what
the schema declares: its status, its content type, its headers, its body. A bounded number of examples per endpoint
keeps it in `make test`; every endpoint a later app registers is covered without a change here.

Unknown query parameters are ignored, as web APIs commonly do (a cache-buster must not break a client), so the
check that schema-breaking requests are refused is left out; the rest all apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection

from csm import services
from csm.api import api
from csm.models import Organization, User
from csm.tenancy import activate
from csm.wsgi import application
from tests.factories import AccountFactory, ContactFactory

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
schema.app = application
EXAMPLES = 30


@pytest.fixture(scope="module")
def api_key(module_transaction: None, django_db_blocker: Any) -> str:
    """Organization A with a key and a few accounts, and organization B with an account of the same external id."""
    with django_db_blocker.unblock():
        org_a = Organization.objects.create(name="Alpha Corp", slug="alpha")
        org_b = Organization.objects.create(name="Beta Ltd", slug="beta")
        admin = User.objects.create_user(email="api-admin@alpha.test", password="x")
        with activate(org_b):
            AccountFactory(external_id="crm-0", domains="shared.example")
        with activate(org_a):
            for index in range(3):
                ContactFactory(account=AccountFactory(external_id=f"crm-{index}", domains=f"c{index}.example"))
            _, key = services.create_api_key(actor=admin, organization=org_a, name="Schema tests")
    return key


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """The WSGI application closes the database connection after each request, as in production; here that
    connection holds the tests' transaction, so keep it (as Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=timedelta(seconds=5),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_endpoint_answers_as_its_schema_says(case, api_key, in_test_transaction):
    # Every request carries the key (a missing or bad key has its own tests in tests/csm/test_api.py).
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, excluded_checks=[negative_data_rejection])


def test_the_schema_covers_the_registered_routers():
    found = [result.ok() for result in schema.get_all_operations()]
    operations = {f"{operation.method.upper()} {operation.path}" for operation in found}
    assert {"GET /api/v1/ping", "GET /api/v1/accounts", "GET /api/v1/accounts/{account_id}"} <= operations
