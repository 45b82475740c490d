"""`manage.py provision_db` on a real, throw-away database: it creates the app role (row-level security applies to
it) and the ops role (bypasses it) from DATABASE_URL and DATABASE_OPS_URL, migrates as DATABASE_OWNER_URL, grants
the tables (the activity log append-only for the app), marks the LEAKPROOF comparison functions, and can run again.

Each run is `manage.py` in a subprocess with its own environment, as a deploy runs it. The databases and roles are
named with a random suffix, made as `postgres` on localhost, and dropped at the end of the module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from csm.tenancy.dbroles import LEAKPROOF_FUNCTIONS, ensure_roles

ROOT = Path(__file__).resolve().parents[2]
HOST, PORT, SUPERUSER = "localhost", 5432, "postgres"
RANDOM_PAGE_COST = "1.7"  # not the default (1.1): seeing it on the roles means the command set it
RANGE_MESSAGE = "DATABASE_RANDOM_PAGE_COST must be a number above 0 and below 1000 (1.1 for SSDs)."


def connect(database: str, user: str = SUPERUSER) -> psycopg.Connection[Any]:
    # Local connections use trust authentication: a role's password is checked against its SCRAM verifier instead.
    return psycopg.connect(host=HOST, port=PORT, dbname=database, user=user, autocommit=True)


def url(user: str, database: str, password: str = "") -> str:
    return f"postgres://{user}{':' + password if password else ''}@{HOST}:{PORT}/{database}"


def manage_env(data_dir: Path, **variables: str) -> dict[str, str]:
    """This process's environment without the suite's database and app settings, then `variables`."""
    prefixes = ("DATABASE_", "TEST_DATABASE", "DJANGO_SETTINGS_MODULE", "CSM_", "REDIS_", "CELERY_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    return env | {"DJANGO_SETTINGS_MODULE": "csm.settings", "DEBUG": "true", "CSM_DATA_DIR": str(data_dir)} | variables


def provision_db(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "provision_db"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def password_matches(verifier: str, password: str) -> bool:
    """Whether a `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` verifier (pg_authid) is `password`'s."""
    method, params, keys = verifier.split("$")
    iterations, salt = params.split(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = base64.b64encode(hashlib.sha256(client_key).digest()).decode()
    return method == "SCRAM-SHA-256" and hmac.compare_digest(stored_key, keys.split(":")[0])


def roles(*names: str) -> dict[str, dict[str, Any]]:
    """What the cluster says of each role: its flags, its settings and its password verifier."""
    with connect("postgres") as connection:
        rows = connection.execute(
            "SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcanlogin, r.rolcreatedb, r.rolcreaterole, r.rolconfig, "
            "a.rolpassword FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid WHERE r.rolname = ANY(%s)",
            [list(names)],
        ).fetchall()
    keys = ("superuser", "bypassrls", "login", "createdb", "createrole", "config", "password")
    return {name: dict(zip(keys, values, strict=True)) for name, *values in rows}


def leakproof(database: str) -> dict[str, bool]:
    with connect(database) as connection:
        return {
            function: connection.execute(
                "SELECT proleakproof FROM pg_proc WHERE oid = %s::regprocedure", [function]
            ).fetchone()[0]
            for function in LEAKPROOF_FUNCTIONS
        }


def table_grants(database: str, *grantees: str) -> list[tuple[str, str, str]]:
    with connect(database) as connection:
        return connection.execute(
            "SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = ANY(%s) ORDER BY 1, 2, 3",
            [list(grantees)],
        ).fetchall()


@dataclass
class Scratch:
    """Databases and roles made for this module, dropped at its end whatever happened."""

    suffix: str = field(default_factory=lambda: secrets.token_hex(4))
    databases: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)

    def database(self, purpose: str) -> str:
        name = f"csm_provision_{purpose}_{self.suffix}"
        self.databases.append(name)
        with connect("postgres") as connection:
            # template0: a pristine catalog, so nothing (LEAKPROOF marks...) comes from template1.
            connection.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        return name

    def role(self, purpose: str) -> str:
        name = f"prov_{purpose}_{self.suffix}"
        self.roles.append(name)
        return name

    def drop(self) -> None:
        with connect("postgres") as connection:
            for name in self.databases:
                connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            # A role can be dropped once no database holds grants to it.
            for name in self.roles:
                connection.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def scratch() -> Iterator[Scratch]:
    made = Scratch()
    try:
        yield made
    finally:
        made.drop()


@dataclass
class Provisioned:
    database: str
    app: str
    ops: str
    env: dict[str, str]
    run: subprocess.CompletedProcess[str]
    roles: dict[str, dict[str, Any]]  # as the first run left them
    leakproof_before: dict[str, bool]
    organization_id: int


@pytest.fixture(scope="module")
def provisioned(scratch: Scratch, tmp_path_factory: pytest.TempPathFactory) -> Provisioned:
    """One fresh database provisioned once for the module's tests (a run migrates it from nothing: seconds)."""
    database, app, ops = scratch.database("main"), scratch.role("app"), scratch.role("ops")
    leakproof_before = leakproof(database)
    env = manage_env(
        tmp_path_factory.mktemp("provision"),
        DATABASE_URL=url(app, database, "app-password-1"),
        DATABASE_OPS_URL=url(ops, database, "ops-password-1"),
        DATABASE_OWNER_URL=url(SUPERUSER, database),
        DATABASE_RANDOM_PAGE_COST=RANDOM_PAGE_COST,
    )
    run = provision_db(env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with connect(database) as connection:
        organization_id = connection.execute(
            "INSERT INTO csm_organization (name, slug, timezone, currency, created_at) "
            "VALUES ('Alpha Corp', 'alpha', 'UTC', 'USD', now()) RETURNING id"
        ).fetchone()[0]
    return Provisioned(database, app, ops, env, run, roles(app, ops), leakproof_before, organization_id)


def as_tenant(connection: psycopg.Connection[Any], organization_id: int | None, query: str, *params: Any) -> Any:
    """Run `query` in its own transaction with `app.organization_id` set for it, as `csm.tenancy.activate` sets it
    (or not at all with None); the first column of its first row."""
    with connection.transaction():
        if organization_id is not None:
            connection.execute("SELECT set_config('app.organization_id', %s, true)", [str(organization_id)])
        cursor = connection.execute(query, params)
        row = cursor.fetchone() if cursor.description else None
    return row[0] if row else None


# -- The first run -----------------------------------------------------------------------------------------------


def test_provision_db_creates_the_app_and_ops_roles(provisioned):
    app, ops = provisioned.app, provisioned.ops
    lines = provisioned.run.stdout.splitlines()
    assert f"created role {app} (NOBYPASSRLS, random_page_cost 1.7)" in lines
    assert f"created role {ops} (BYPASSRLS, random_page_cost 1.7)" in lines
    assert lines[-1] == "Database provisioned."
    flags = {
        name: {key: value for key, value in role.items() if key != "password"}
        for name, role in provisioned.roles.items()
    }
    neither = {"superuser": False, "login": True, "createdb": False, "createrole": False}
    assert flags == {
        app: {**neither, "bypassrls": False, "config": [f"random_page_cost={RANDOM_PAGE_COST}"]},
        ops: {**neither, "bypassrls": True, "config": [f"random_page_cost={RANDOM_PAGE_COST}"]},
    }
    assert password_matches(provisioned.roles[app]["password"], "app-password-1")
    assert password_matches(provisioned.roles[ops]["password"], "ops-password-1")
    assert not password_matches(provisioned.roles[app]["password"], "ops-password-1")


def test_provision_db_migrates_as_the_owner(provisioned):
    assert "Applying csm.0001_initial... OK" in provisioned.run.stdout
    with connect(provisioned.database) as connection:
        owners = connection.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S')"
        ).fetchall()
        applied = connection.execute("SELECT count(*) FROM django_migrations WHERE app = 'accounts'").fetchone()[0]
    # Neither the app nor the ops role owns a table: owning one would let it turn row-level security off.
    assert owners == [(SUPERUSER,)]
    assert applied == len(list((ROOT / "accounts" / "migrations").glob("0*.py")))


def test_the_app_role_may_read_and_append_to_the_activity_log_but_not_change_it(provisioned):
    organization_id = provisioned.organization_id
    with connect(provisioned.database, provisioned.app) as connection:
        entry = as_tenant(
            connection,
            organization_id,
            "INSERT INTO csm_activitylog (organization_id, created_at, actor_kind, actor_label, verb, target_repr, "
            "changes, data) VALUES (%s, now(), 'system', 'Provisioning test', 'test.appended', '', '{}', '{}') "
            "RETURNING id",
            organization_id,
        )
        read = "SELECT verb FROM csm_activitylog WHERE id = %s"
        assert as_tenant(connection, organization_id, read, entry) == "test.appended"
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            as_tenant(
                connection, organization_id, "UPDATE csm_activitylog SET verb = 'test.rewritten' WHERE id = %s", entry
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            as_tenant(connection, organization_id, "DELETE FROM csm_activitylog WHERE id = %s", entry)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            as_tenant(connection, organization_id, "TRUNCATE csm_activitylog")
        assert as_tenant(connection, organization_id, read, entry) == "test.appended"
    # The ops role may (platform administration): the refusal is the app role's alone.
    with connect(provisioned.database, provisioned.ops) as connection:
        as_tenant(connection, None, "UPDATE csm_activitylog SET actor_label = 'Changed by ops' WHERE id = %s", entry)
    with connect(provisioned.database) as connection:
        assert as_tenant(connection, None, "SELECT actor_label FROM csm_activitylog WHERE id = %s", entry) == (
            "Changed by ops"
        )


def test_row_level_security_applies_to_the_app_role_and_not_to_the_ops_role(provisioned):
    organization_id, other_id = provisioned.organization_id, provisioned.organization_id + 1
    insert = "INSERT INTO accounts_tag (organization_id, name) VALUES (%s, %s)"
    count = "SELECT count(*) FROM accounts_tag WHERE name = 'rls-probe'"
    with connect(provisioned.database, provisioned.app) as connection:
        as_tenant(connection, organization_id, insert, organization_id, "rls-probe")
        assert as_tenant(connection, organization_id, count) == 1
        # No organization set: no rows, and no error. Another organization's: none either.
        assert as_tenant(connection, None, count) == 0
        assert as_tenant(connection, other_id, count) == 0
        # Nor may it write a row of another organization than the one set.
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            as_tenant(connection, other_id, insert, organization_id, "intruder")
    with connect(provisioned.database, provisioned.ops) as connection:
        assert as_tenant(connection, None, count) == 1
    with connect(provisioned.database) as connection:
        unforced = connection.execute(
            "SELECT DISTINCT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
            "WHERE NOT (c.relrowsecurity AND c.relforcerowsecurity)"
        ).fetchall()
        forced = connection.execute(
            "SELECT relname FROM pg_class WHERE relname IN ('accounts_account', 'accounts_tag', 'csm_activitylog') "
            "AND relrowsecurity AND relforcerowsecurity ORDER BY 1"
        ).fetchall()
    assert unforced == []
    assert forced == [("accounts_account",), ("accounts_tag",), ("csm_activitylog",)]


def test_provision_db_marks_the_comparison_functions_leakproof_when_the_owner_is_a_superuser(provisioned):
    assert provisioned.leakproof_before == dict.fromkeys(LEAKPROOF_FUNCTIONS, False)
    assert leakproof(provisioned.database) == dict.fromkeys(LEAKPROOF_FUNCTIONS, True)


# -- Running it again --------------------------------------------------------------------------------------------


def test_provisioning_again_updates_the_roles_and_keeps_the_rest(provisioned):
    app, ops, database = provisioned.app, provisioned.ops, provisioned.database
    grants = table_grants(database, app, ops)
    assert (app, "csm_activitylog", "INSERT") in grants and (app, "csm_activitylog", "UPDATE") not in grants
    # A deploy with a rotated app password and another page cost.
    env = provisioned.env | {"DATABASE_URL": url(app, database, "app-password-2"), "DATABASE_RANDOM_PAGE_COST": "2.5"}
    again = provision_db(env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    lines = again.stdout.splitlines()
    # The roles exist: altered, not created (the wording: test_ensure_roles_says_it_created_then_altered_a_role).
    assert [line.partition(" ")[2] for line in lines[:2]] == [
        f"role {app} (NOBYPASSRLS, random_page_cost 2.5)",
        f"role {ops} (BYPASSRLS, random_page_cost 2.5)",
    ]
    assert all(line.startswith("alter") for line in lines[:2])
    assert "  No migrations to apply." in lines and lines[-1] == "Database provisioned."
    after = roles(app, ops)
    for name in (app, ops):
        assert after[name]["config"] == ["random_page_cost=2.5"]
        unchanged = ("superuser", "bypassrls", "login", "createdb", "createrole")
        assert {key: after[name][key] for key in unchanged} == {key: provisioned.roles[name][key] for key in unchanged}
    assert password_matches(after[app]["password"], "app-password-2")
    assert password_matches(after[ops]["password"], "ops-password-1")
    assert table_grants(database, app, ops) == grants
    assert leakproof(database) == dict.fromkeys(LEAKPROOF_FUNCTIONS, True)
    with connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM csm_organization").fetchone()[0] == 1


def test_ensure_roles_says_it_created_then_altered_a_role(scratch):
    app, ops = scratch.role("words_app"), scratch.role("words_ops")
    settings = [{"USER": app, "PASSWORD": "one"}, {"USER": ops, "PASSWORD": "two"}]
    with connect("postgres") as connection, connection.cursor() as cursor:
        first, second = ensure_roles(cursor, *settings), ensure_roles(cursor, *settings)
    assert [line.partition(" (")[0] for line in first] == [f"created role {app}", f"created role {ops}"]
    assert [line.partition(" (")[0] for line in second] == [f"altered role {app}", f"altered role {ops}"]


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "1000",
        "abc",
    ],
)
def test_an_invalid_random_page_cost_stops_the_command_with_a_clear_message(provisioned, value):
    before = roles(provisioned.app, provisioned.ops)
    run = provision_db(provisioned.env | {"DATABASE_RANDOM_PAGE_COST": value})
    assert run.returncode != 0
    assert RANGE_MESSAGE in run.stderr
    assert "Database provisioned." not in run.stdout
    assert roles(provisioned.app, provisioned.ops) == before


# -- Without an owner --------------------------------------------------------------------------------------------


def test_without_an_owner_url_provision_db_only_migrates_as_database_url(scratch, tmp_path):
    database, ops = scratch.database("noowner"), scratch.role("noowner_ops")
    env = manage_env(tmp_path, DATABASE_URL=url(SUPERUSER, database), DATABASE_OPS_URL=url(ops, database, "unused"))
    run = provision_db(env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert lines[0] == "DATABASE_OWNER_URL is not set: migrating as DATABASE_URL."
    assert "Applying csm.0001_initial... OK" in run.stdout
    assert not any(line.startswith(("created role", "altered role", "Database provisioned")) for line in lines)
    # No role was made from DATABASE_OPS_URL.
    assert roles(ops) == {}
    with connect(database) as connection:
        assert connection.execute(
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'accounts_account'"
        ).fetchone() == (SUPERUSER,)
