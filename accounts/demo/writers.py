"""Writing a batch of rows: `bulk_create` inside the tenant context, or COPY through the ops connection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction
from psycopg import sql

from accounts.demo.base import WRITE_ORDER
from csm.models import Organization
from csm.tenancy import activate


class OrmWriter:
    """bulk_create inside the organization's tenant context: row-level security checks every row."""

    method = "bulk_create"

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        self.connection = connections["default"]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with activate(self.organization):
            yield

    def reserve(self, model: type[models.Model], count: int) -> list[int]:
        return reserve_ids(self.connection, model, count)

    def write(self, model: type[models.Model], rows: list[dict[str, Any]]) -> None:
        if rows:
            model._default_manager.bulk_create([model(**row) for row in rows], batch_size=2000)


class CopyWriter:
    """COPY through the ops connection, which bypasses row-level security: every row names its organization."""

    method = "copy"

    def __init__(self) -> None:
        self.connection = connections["ops"]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with transaction.atomic(using="ops"):
            with self.connection.cursor() as cursor:
                # Checked at the end of each COPY instead of at commit: the queue of deferred checks for a million
                # rows would otherwise pile up in the server's memory.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            yield

    def reserve(self, model: type[models.Model], count: int) -> list[int]:
        return reserve_ids(self.connection, model, count)

    def write(self, model: type[models.Model], rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
        values_of = itemgetter(*(f.attname for f in fields))
        json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        columns: list[sql.Composable] = [sql.Identifier(f.column or f.attname) for f in fields]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(model._meta.db_table), sql.SQL(", ").join(columns)
        )
        with self.connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = list(values_of(row))
                for i in json_at:
                    values[i] = json.dumps(values[i], cls=DjangoJSONEncoder)
                copy.write_row(values)


def reserve_ids(connection: Any, model: type[models.Model], count: int) -> list[int]:
    """`count` ids from the table's sequence, for rows that refer to each other before they are written."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]


def can_copy() -> bool:
    """Whether COPY through the ops connection works here: a role that bypasses row-level security, and no
    transaction open on the default connection (the ops connection could not see its uncommitted rows)."""
    if connections["default"].in_atomic_block:
        return False
    with connections["ops"].cursor() as cursor:
        cursor.execute("SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def analyze() -> None:
    """Fresh statistics for the planner after a large load. Only a table's owner may ANALYZE it; without the owner's
    connection, autovacuum does it within a minute or two."""
    if "owner" not in settings.DATABASES:
        return
    tables = ", ".join(connections["owner"].ops.quote_name(model._meta.db_table) for model in WRITE_ORDER)
    with connections["owner"].cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
