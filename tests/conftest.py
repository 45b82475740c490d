"""Shared fixtures: the test database (created by the owner, used as the app role), the personas, the browser.

Personas (healthchecks' alice/bob/charlie habit): an admin, a manager and two CSMs of organization A, and the
outsider, an admin of organization B.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from csm.models import Membership, Organization, Role, User
from csm.signals import organization_created
from csm.tenancy import activate

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"
CREDENTIAL_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


def _use_credentials(alias: str, credentials: dict[str, Any]) -> None:
    """Point `alias` at other credentials, for this thread's connection and for every thread opened later."""
    connection = connections[alias]
    connection.close()
    for target in {
        id(connection.settings_dict): connection.settings_dict,
        id(connections.settings[alias]): connections.settings[alias],
    }.values():
        for key in CREDENTIAL_KEYS:
            target[key] = credentials.get(key, target.get(key))


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_keepdb: bool,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """Create the test database as the owner, then connect as the app role (RLS applies) and the ops role."""
    from django.test.utils import setup_databases, teardown_databases

    from csm.tenancy.dbroles import ensure_roles

    owner = settings.TEST_DATABASE_OWNER
    roles = {
        alias: {key: connections[alias].settings_dict.get(key) for key in CREDENTIAL_KEYS}
        for alias in ("default", "ops")
    }
    with django_db_blocker.unblock():
        for alias in roles:
            _use_credentials(alias, owner)
        with connections["default"]._nodb_cursor() as cursor:
            ensure_roles(cursor, roles["default"], roles["ops"])
        # No test uses serialized_rollback: without serialized_aliases, Django would read the whole database into
        # a string in memory (two gigabytes and over a minute on the benchmark database).
        db_config = setup_databases(verbosity=0, interactive=False, keepdb=django_db_keepdb, serialized_aliases=set())
        # Test-only: transactional tests empty the tables with TRUNCATE between tests.
        with connections["default"].cursor() as cursor:
            for credentials in roles.values():
                cursor.execute(f'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "{credentials["USER"]}"')
        # The mirror alias got a copy of the owner's settings: make every alias name the test database.
        test_name = connections["default"].settings_dict["NAME"]
        for alias, credentials in roles.items():
            connections.settings[alias]["NAME"] = test_name
            connections[alias].settings_dict["NAME"] = test_name
            _use_credentials(alias, credentials)
    yield
    with django_db_blocker.unblock():
        for alias in roles:
            _use_credentials(alias, owner)
        teardown_databases(db_config, verbosity=0, keepdb=django_db_keepdb)


# -- Personas ---------------------------------------------------------------------------------------------------
# Function-scoped by default: each test builds its own. Modules that only read a shared world (the role matrices)
# take the module-scoped ones of `tests/matrix.py`, built once inside a transaction around the whole module.


def make_member(organization: Organization, email: str, role: Role, full_name: str = "") -> User:
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=PASSWORD, full_name=full_name or email.split("@")[0].title()
    )
    with activate(organization):
        Membership.objects.create(organization=organization, user=user, role=role)
    return user


def make_organization(name: str, slug: str) -> Organization:
    """An organization as sign-up makes it: the apps install their defaults (tiers, stages...) on the signal."""
    organization = Organization.objects.create(name=name, slug=slug)
    with activate(organization):
        organization_created.send(sender=Organization, organization=organization, actor=None)
    return organization


@pytest.fixture(scope="module")
def module_transaction(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """A transaction around a module's tests: what a module-scoped fixture writes in it is there for every test of
    the module (each test runs in a savepoint of it, as pytest-django nests its atomic blocks) and is rolled back
    after the last one."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def org_a(db: None) -> Organization:
    return make_organization("Alpha Corp", "alpha")


@pytest.fixture
def org_b(db: None) -> Organization:
    return make_organization("Beta Ltd", "beta")


@pytest.fixture
def admin(org_a: Organization) -> User:
    return make_member(org_a, "alice@alpha.test", Role.ADMIN, "Alice Admin")


@pytest.fixture
def manager(org_a: Organization) -> User:
    return make_member(org_a, "mark@alpha.test", Role.MANAGER, "Mark Manager")


@pytest.fixture
def csm(org_a: Organization) -> User:
    return make_member(org_a, "carol@alpha.test", Role.CSM, "Carol Csm")


@pytest.fixture
def outsider(org_b: Organization) -> User:
    return make_member(org_b, "oscar@beta.test", Role.ADMIN, "Oscar Outsider")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def count_queries(client: Client, path: str, **extra: Any) -> int:
    """The number of queries of one GET of `path`, which must answer 200 (for the constant-query-count tests)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, **extra)
    assert response.status_code == 200, path
    return len(context.captured_queries)


@pytest.fixture
def admin_client(admin: User) -> Client:
    return client_for(admin)


@pytest.fixture
def manager_client(manager: User) -> Client:
    return client_for(manager)


@pytest.fixture
def csm_client(csm: User) -> Client:
    return client_for(csm)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    return client_for(outsider)


@pytest.fixture
def in_org_a(org_a: Organization) -> Iterator[Organization]:
    """Run the test body inside organization A's tenant context."""
    with activate(org_a):
        yield org_a


# -- Browser ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """Replaces pytest-base-url's fixture (deprecated form); browser tests use the live server's own URL."""
    return None
