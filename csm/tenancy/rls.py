"""Row-level security for tenant tables, as one migration operation.

    operations = [
        migrations.CreateModel(name="Account", ...),
        TenantRLS("Account"),
    ]

enables and forces row-level security on the model's table and adds the tenant policy: a row is visible and
writable only while `app.organization_id` (set by `csm.tenancy.activate`) names its organization. With no
organization set a query sees no rows: never an error, never every row.

The organizations table itself uses the same operation with `column="id"`: its row is the tenant. Every organization
stays readable (`select_also="true"`: sign-in and the switcher list a person's organizations, an invitation link
names its organization, sign-up checks that a slug is free) and anyone may add one (`insert_also="true"`: sign-up,
whose new row takes a fresh id from the sequence, so it cannot be another tenant's), but only the active
organization's row can be updated or deleted.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState


def tenant_predicate(column: str = "organization_id") -> str:
    return f"{column} = NULLIF(current_setting('app.organization_id', true), '')::bigint"


TENANT_PREDICATE = tenant_predicate()
POLICY_NAME = "tenant_isolation"


class TenantRLS(migrations.operations.base.Operation):
    """Enable, force and add the tenant policy on `model_name`'s table.

    `select_also` is an extra SQL predicate that opens reading (never writing) of more rows, such as a person's own
    memberships in other organizations; keep it rare and narrow. `insert_also` opens inserting (never updating or
    deleting) rows that it accepts. `column` names the column that holds the organization's id.
    """

    reversible = True
    reduces_to_sql = True

    def __init__(
        self,
        model_name: str,
        select_also: str | None = None,
        *,
        insert_also: str | None = None,
        column: str = "organization_id",
    ) -> None:
        self.model_name = model_name
        self.select_also = select_also
        self.insert_also = insert_also
        self.column = column

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {"select_also": self.select_also} if self.select_also else {}
        if self.insert_also:
            kwargs["insert_also"] = self.insert_also
        if self.column != "organization_id":
            kwargs["column"] = self.column
        return (self.__class__.__qualname__, [self.model_name], kwargs)

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def describe(self) -> str:
        return f"Row-level security for {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"rls_{self.model_name.lower()}"

    def _table(self, app_label: str, state: ProjectState) -> str:
        return str(state.apps.get_model(app_label, self.model_name)._meta.db_table)

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        table = schema_editor.quote_name(self._table(app_label, to_state))
        column = schema_editor.quote_name(self.column)
        for statement in enable_statements(table, self.select_also, insert_also=self.insert_also, column=column):
            schema_editor.execute(statement)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        table = schema_editor.quote_name(self._table(app_label, from_state))
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME}_insert_also ON {table}")
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME}_select_also ON {table}")
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def enable_statements(
    quoted_table: str,
    select_also: str | None = None,
    *,
    insert_also: str | None = None,
    column: str = "organization_id",
) -> list[str]:
    # Permissive policies add up per command: the `_also` ones widen only SELECT or INSERT. An UPDATE or DELETE is
    # checked against the tenant policy alone (and the rows it reads against SELECT's too), so it reaches only the
    # active organization's rows.
    predicate = tenant_predicate(column)
    statements = [
        f"ALTER TABLE {quoted_table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {quoted_table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY_NAME} ON {quoted_table}",
        f"CREATE POLICY {POLICY_NAME} ON {quoted_table} USING ({predicate}) WITH CHECK ({predicate})",
    ]
    if select_also:
        statements += [
            f"DROP POLICY IF EXISTS {POLICY_NAME}_select_also ON {quoted_table}",
            f"CREATE POLICY {POLICY_NAME}_select_also ON {quoted_table} FOR SELECT USING ({select_also})",
        ]
    if insert_also:
        statements += [
            f"DROP POLICY IF EXISTS {POLICY_NAME}_insert_also ON {quoted_table}",
            f"CREATE POLICY {POLICY_NAME}_insert_also ON {quoted_table} FOR INSERT WITH CHECK ({insert_also})",
        ]
    return statements
