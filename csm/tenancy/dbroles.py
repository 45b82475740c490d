"""The three PostgreSQL roles and what each may do.

- The **owner** (`DATABASE_OWNER_URL`) owns the schema and runs migrations; it bypasses row-level security.
- The **app** role (`DATABASE_URL`) serves the web and the tenant tasks. It is not a superuser, does not own the
  tables and has no BYPASSRLS, so every tenant table's policy applies to it (tables force RLS even on their owner).
  It may only read and append to the activity log, and holds only USAGE on the sequences: inserts draw ids with
  `nextval`, but it can neither move a sequence (`setval`, which would make other tenants' inserts collide) nor read
  one. Row-level security also lets it change only the active organization's row of `csm_organization`
  (migration csm 0004).
- The **ops** role (`DATABASE_OPS_URL`) bypasses row-level security for the rare cross-tenant job (the play
  scheduler's claim, bulk `COPY`, platform administration) and says so by using the `ops` connection. It holds
  only USAGE on the sequences too: its bulk loads take their ids from `nextval` (`accounts.demo.writers.reserve_ids`)
  and nothing it runs sets or reads a sequence. Repairing a sequence is the owner's job.

`ensure_roles()` creates or updates the app and ops roles (run as the owner by `manage.py provision_db`, and by the
test setup), with the planner's `random_page_cost` (`DATABASE_RANDOM_PAGE_COST`);
`grant_privileges()` runs after every `migrate` on PostgreSQL so new tables are granted too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections
from psycopg import sql

APPEND_ONLY_TABLES = ("csm_activitylog",)


def _role_exists(cursor: Any, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def ensure_roles(cursor: Any, app: dict[str, Any], ops: dict[str, Any]) -> list[str]:
    """Create or update the app and ops roles from their connection settings (run as the owner)."""
    done: list[str] = []
    cursor.execute("SELECT current_user")
    owner = cursor.fetchone()[0]
    for config, rls in [(app, "NOBYPASSRLS"), (ops, "BYPASSRLS")]:
        role = config.get("USER") or ""
        if not role or role == owner:
            continue
        password = config.get("PASSWORD") or None
        verb = "ALTER" if _role_exists(cursor, role) else "CREATE"
        statement = sql.SQL(
            "{verb} ROLE {role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE {rls} PASSWORD {password}"
        ).format(verb=sql.SQL(verb), role=sql.Identifier(role), rls=sql.SQL(rls), password=sql.Literal(password))
        cursor.execute(statement.as_string(cursor.connection))
        # A role's settings apply to every session it opens, through a transaction-pooling PgBouncer too (which
        # refuses the `options` startup parameter).
        planner = sql.SQL("ALTER ROLE {role} SET random_page_cost = {cost}").format(
            role=sql.Identifier(role), cost=sql.Literal(float(settings.DATABASE_RANDOM_PAGE_COST))
        )
        cursor.execute(planner.as_string(cursor.connection))
        did = {"CREATE": "created", "ALTER": "altered"}[verb]
        done.append(f"{did} role {role} ({rls}, random_page_cost {settings.DATABASE_RANDOM_PAGE_COST:g})")
    return done


def grant_privileges(using: str) -> None:
    """Let the app and ops roles use every table of the schema; the activity log stays append-only for the app.

    It runs on databases that earlier releases provisioned, so it takes away what they granted and is no longer
    wanted (SELECT and UPDATE on the sequences) rather than only granting less.
    """
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, current_database(), "
            "rolsuper OR pg_has_role(current_user, c.relowner, 'MEMBER') "
            "FROM pg_roles LEFT JOIN pg_class c ON c.oid = to_regclass('django_migrations') "
            "WHERE rolname = current_user"
        )
        owner, database, may_grant = cursor.fetchone()
        if not may_grant:
            # Only the tables' owner (or a superuser) grants. `flush` sends post_migrate too, and the test suite's
            # transactional tests flush as the app and ops roles: a REVOKE from a role that holds no grant option
            # on a table is an error, not a no-op.
            return
        for role in {settings.DATABASE_APP_ROLE, settings.DATABASE_OPS_ROLE} - {owner, ""}:
            if not _role_exists(cursor, role):
                continue
            ident = sql.Identifier(role)
            statements = [
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), ident),
                sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident),
                sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(ident),
                # USAGE is all that nextval (every insert into an identity column) needs.
                sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident),
                sql.SQL("REVOKE SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public FROM {}").format(ident),
            ]
            if role == settings.DATABASE_APP_ROLE:
                for table in APPEND_ONLY_TABLES:
                    statements.append(
                        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(sql.Identifier(table), ident)
                    )
            for statement in statements:
                cursor.execute(statement.as_string(cursor.connection))


# Comparison functions that row-level security would otherwise keep out of index scans. Each returns a boolean for
# any input and never raises because of a row's value (ILIKE raises only for a malformed pattern, which is the
# searcher's own text), so they cannot leak another tenant's data: marking them LEAKPROOF is safe.
LEAKPROOF_FUNCTIONS = [
    "texticlike(text, text)",
    "numeric_eq(numeric, numeric)",
    "numeric_ne(numeric, numeric)",
    "numeric_lt(numeric, numeric)",
    "numeric_le(numeric, numeric)",
    "numeric_gt(numeric, numeric)",
    "numeric_ge(numeric, numeric)",
]


def mark_leakproof(using: str) -> bool:
    """Mark LEAKPROOF_FUNCTIONS, when the connection may (only a superuser can). Without it everything works the
    same, but searches and money ranges scan the organization's rows instead of using their indexes."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not row or not row[0]:
            return False
        for function in LEAKPROOF_FUNCTIONS:
            cursor.execute(f"ALTER FUNCTION {function} LEAKPROOF")
    return True
