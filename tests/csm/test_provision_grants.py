"""`manage.py provision_db` on a database that older provisioning granted more (security audit, issue 8 item 18):
the app and ops roles end with USAGE alone on every sequence, and the app role changes only the active organization's
row of `csm_organization`.

Like tests/csm/test_provision_db.py (whose helpers these are), each run is `manage.py` in a subprocess on a throw-away
database and roles, dropped at the end of the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql

from csm.tenancy.dbroles import ensure_roles
from tests.csm.test_provision_db import SUPERUSER, Scratch, as_tenant, connect, manage_env, provision_db, url


@dataclass
class Database:
    name: str
    app: str
    ops: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    made = Scratch()
    try:
        name, app, ops = made.database("grants"), made.role("grants_app"), made.role("grants_ops")
        env = manage_env(
            tmp_path_factory.mktemp("grants"),
            DATABASE_URL=url(app, name, "app-password"),
            DATABASE_OPS_URL=url(ops, name, "ops-password"),
            DATABASE_OWNER_URL=url(SUPERUSER, name),
        )
        # The roles exist already, as on a database that an earlier release provisioned. (It also keeps
        # `provision_db`'s system checks, which open a connection as DATABASE_URL, from failing on a missing role.)
        with connect("postgres") as connection, connection.cursor() as cursor:
            ensure_roles(cursor, {"USER": app, "PASSWORD": "app-password"}, {"USER": ops, "PASSWORD": "ops-password"})
        run = provision_db(env)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        yield Database(name, app, ops, env)
    finally:
        made.drop()


def sequence_privileges(database: str, role: str) -> set[tuple[bool, bool, bool]]:
    """The distinct (USAGE, SELECT, UPDATE) that `role` holds on the schema's sequences."""
    with connect(database) as connection:
        rows = connection.execute(
            "SELECT has_sequence_privilege(%s, c.oid, 'USAGE'), has_sequence_privilege(%s, c.oid, 'SELECT'), "
            "has_sequence_privilege(%s, c.oid, 'UPDATE') FROM pg_class c "
            "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace",
            [role, role, role],
        ).fetchall()
    assert len(rows) > 10
    return set(rows)


def test_provisioning_takes_back_what_older_provisioning_granted_on_sequences(database):
    with connect(database.name) as connection:
        for role in (database.app, database.ops):
            connection.execute(
                sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(
                    sql.Identifier(role)
                )
            )
    assert sequence_privileges(database.name, database.app) == {(True, True, True)}
    run = provision_db(database.env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # nextval needs USAGE only; nothing in the app moves (setval) or reads a sequence.
    assert sequence_privileges(database.name, database.app) == {(True, False, False)}
    assert sequence_privileges(database.name, database.ops) == {(True, False, False)}


def test_the_app_role_draws_from_a_sequence_but_cannot_set_it(database):
    with connect(database.name, database.app) as connection:
        organization_id = as_tenant(
            connection,
            None,
            "INSERT INTO csm_organization (name, slug, timezone, currency, created_at) "
            "VALUES ('Gamma', 'gamma-seq', 'UTC', 'USD', now()) RETURNING id",
        )
        tag_id = as_tenant(
            connection,
            organization_id,
            "INSERT INTO accounts_tag (organization_id, name) VALUES (%s, 'sequence-probe') RETURNING id",
            organization_id,
        )
        assert organization_id and tag_id
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            as_tenant(connection, organization_id, "SELECT setval(pg_get_serial_sequence('accounts_tag', 'id'), 1)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            as_tenant(connection, organization_id, "SELECT setval(pg_get_serial_sequence('csm_organization', 'id'), 1)")


def test_the_app_role_changes_only_the_active_organizations_row(database):
    with connect(database.name) as connection:
        ids = [
            connection.execute(
                "INSERT INTO csm_organization (name, slug, timezone, currency, created_at) "
                "VALUES (%s, %s, 'UTC', 'USD', now()) RETURNING id",
                [name, name.lower()],
            ).fetchone()[0]
            for name in ("Alpha", "Beta")
        ]
    alpha, beta = ids
    names = "SELECT string_agg(name, ',' ORDER BY id) FROM csm_organization WHERE id = ANY(%s)"
    with connect(database.name, database.app) as connection:
        update = (
            "WITH changed AS (UPDATE csm_organization SET name = name || ' (changed)' WHERE id = ANY(%s) RETURNING id) "
            "SELECT array_agg(id ORDER BY id) FROM changed"
        )
        assert as_tenant(connection, alpha, update, ids) == [alpha]
        assert as_tenant(connection, alpha, "DELETE FROM csm_organization WHERE id = %s RETURNING id", beta) is None
        assert as_tenant(connection, None, update, ids) is None
        # Every row stays readable, with or without an organization set.
        assert as_tenant(connection, None, names, ids) == "Alpha (changed),Beta"
        assert as_tenant(connection, beta, names, ids) == "Alpha (changed),Beta"
