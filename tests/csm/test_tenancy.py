"""The tenant walls: scopes and row-level security on every tenant model, and what a forgotten filter can see."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import ForeignKey, Model
from django_scopes import ScopeError, scopes_disabled

from csm import activity
from csm.models import ActivityLog, Membership, Organization, Role, TenantModel
from csm.tenancy import NoActiveOrganizationError, activate, current_organization
from tests.conftest import make_member

# Indexes of tenant tables that may not lead with organization_id, and why.
INDEXES_NOT_LEADING_WITH_ORGANIZATION = {
    # A person's memberships across organizations (the switcher, the sign-in redirect) are found by user.
    ("csm_membership", "user_id"),
}


def tenant_models() -> list[type[Model]]:
    found = []
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "organization"), None)
        if isinstance(field, ForeignKey) and field.related_model is Organization:
            found.append(model)
    return found


def raw(sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def test_the_walk_finds_the_tenant_models():
    names = {model.__name__ for model in tenant_models()}
    assert {"Membership", "Invitation", "ApiKey", "ActivityLog"} <= names
    assert all(issubclass(model, TenantModel) for model in tenant_models())


@pytest.mark.django_db
@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_every_tenant_model_is_scoped(model):
    with pytest.raises(ScopeError):
        list(model.objects.all())
    with pytest.raises(ScopeError):
        model.objects.filter(pk=1).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_every_tenant_table_forces_its_policy(model):
    table = model._meta.db_table
    [(enabled, forced)] = raw("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s", [table])
    assert enabled and forced, f"{table}: row-level security must be enabled and forced"
    policies = raw(
        "SELECT cmd, qual, with_check FROM pg_policies WHERE tablename = %s AND policyname = 'tenant_isolation'",
        [table],
    )
    assert len(policies) == 1, f"{table} has no tenant_isolation policy: add TenantRLS('{model.__name__}')"
    command, using, check = policies[0]
    assert command == "ALL"
    for expression in (using, check):
        assert "organization_id" in expression and "app.organization_id" in expression


@pytest.mark.django_db
@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_every_tenant_index_leads_with_organization(model):
    table = model._meta.db_table
    rows = raw(
        """
        SELECT i.relname, a.attname, ix.indisprimary
        FROM pg_index ix
        JOIN pg_class t ON t.oid = ix.indrelid
        JOIN pg_class i ON i.oid = ix.indexrelid
        LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ix.indkey[0]
        WHERE t.relname = %s
        """,
        [table],
    )
    for index, first_column, primary in rows:
        if primary or (table, first_column) in INDEXES_NOT_LEADING_WITH_ORGANIZATION:
            continue
        assert first_column == "organization_id", f"{table}.{index} leads with {first_column}"


@pytest.mark.django_db
def test_the_suite_connects_as_a_role_that_rls_applies_to():
    [(superuser, bypass)] = raw("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    assert not superuser and not bypass
    [(owner,)] = raw("SELECT tableowner FROM pg_tables WHERE tablename = 'csm_membership'")
    [(me,)] = raw("SELECT current_user")
    assert owner != me


@pytest.mark.django_db(databases=["default", "ops"])
def test_the_app_and_ops_roles_plan_for_fast_random_reads(settings):
    # ensure_roles sets it on both roles: the planner then combines indexes rather than scanning a whole table.
    for alias in ("default", "ops"):
        with connections[alias].cursor() as cursor:
            cursor.execute("SHOW random_page_cost")
            [(cost,)] = cursor.fetchall()
        assert float(cost) == settings.DATABASE_RANDOM_PAGE_COST != 4  # PostgreSQL's own default


@pytest.fixture
def two_orgs_with_rows(org_a, org_b):
    for organization in (org_a, org_b):
        make_member(organization, f"someone@{organization.slug}.test", Role.CSM)
        with activate(organization):
            activity.record(organization=organization, actor=activity.SYSTEM, verb="test.row")
    return org_a, org_b


@pytest.mark.django_db
def test_raw_sql_without_a_filter_returns_only_the_active_organizations_rows(two_orgs_with_rows):
    org_a, org_b = two_orgs_with_rows
    with activate(org_a):
        assert {row[0] for row in raw("SELECT organization_id FROM csm_activitylog")} == {org_a.pk}
        assert {row[0] for row in raw("SELECT organization_id FROM csm_membership")} == {org_a.pk}
        # Even an explicit filter on the other organization finds nothing.
        assert raw("SELECT count(*) FROM csm_activitylog WHERE organization_id = %s", [org_b.pk]) == [(0,)]
        with scopes_disabled():
            assert set(ActivityLog.objects.values_list("organization_id", flat=True)) == {org_a.pk}


@pytest.mark.django_db
def test_with_no_organization_active_raw_sql_sees_nothing(two_orgs_with_rows):
    assert raw("SELECT count(*) FROM csm_activitylog") == [(0,)]
    assert raw("SELECT count(*) FROM csm_membership") == [(0,)]


@pytest.mark.django_db
def test_writing_a_row_of_another_organization_is_refused(two_orgs_with_rows):
    org_a, org_b = two_orgs_with_rows
    with activate(org_a), pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        activity.record(organization=org_b, actor=activity.SYSTEM, verb="test.sneaky")


@pytest.mark.django_db
def test_nested_contexts_restore_the_outer_organization(two_orgs_with_rows):
    org_a, org_b = two_orgs_with_rows
    with activate(org_a):
        with activate(org_b):
            assert current_organization() == org_b
            assert {r[0] for r in raw("SELECT organization_id FROM csm_activitylog")} == {org_b.pk}
        assert current_organization() == org_a
        assert {r[0] for r in raw("SELECT organization_id FROM csm_activitylog")} == {org_a.pk}
        assert raw("SELECT current_setting('app.organization_id', true)") == [(str(org_a.pk),)]
    assert raw("SELECT coalesce(current_setting('app.organization_id', true), '')") == [("",)]
    with pytest.raises(NoActiveOrganizationError):
        current_organization()


@pytest.mark.django_db
def test_a_failed_inner_context_restores_the_outer_one(two_orgs_with_rows):
    org_a, org_b = two_orgs_with_rows
    with activate(org_a):
        with pytest.raises(RuntimeError), activate(org_b):
            raise RuntimeError("boom")
        assert {r[0] for r in raw("SELECT organization_id FROM csm_activitylog")} == {org_a.pk}


@pytest.mark.django_db(transaction=True)
def test_the_setting_dies_with_the_transaction_on_a_reused_connection(org_a):
    with activate(org_a):
        assert raw("SELECT current_setting('app.organization_id', true)") == [(str(org_a.pk),)]
    # Same connection, next unit of work: nothing carried over.
    assert raw("SELECT coalesce(current_setting('app.organization_id', true), '')") == [("",)]


@pytest.mark.django_db
def test_a_person_reads_their_own_memberships_in_every_organization_and_nothing_else(org_a, org_b):
    both = make_member(org_a, "both@x.test", Role.CSM)
    make_member(org_b, "both@x.test", Role.ADMIN)
    make_member(org_b, "other@x.test", Role.ADMIN)
    with activate(None, user=both), scopes_disabled():
        assert {(m.organization_id, m.user_id) for m in Membership.objects.all()} == {
            (org_a.pk, both.pk),
            (org_b.pk, both.pk),
        }
        # Reading, not writing: the extra policy is for SELECT only.
        assert Membership.objects.filter(user=both).update(role=Role.ADMIN) == 0


@pytest.mark.django_db
def test_the_activity_log_is_append_only_for_the_app_role(org_a):
    with activate(org_a):
        entry = activity.record(organization=org_a, actor=activity.SYSTEM, verb="test.row")
        with pytest.raises(ValueError, match="append-only"):
            entry.save()
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            ActivityLog.objects.filter(pk=entry.pk).update(verb="rewritten")
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            raw("DELETE FROM csm_activitylog")


@pytest.mark.django_db(transaction=True, databases=["default", "ops"])
def test_the_ops_role_bypasses_rls_for_cross_tenant_jobs(org_a, org_b):
    for organization in (org_a, org_b):
        with activate(organization):
            activity.record(organization=organization, actor=activity.SYSTEM, verb="test.row")
    with connections["ops"].cursor() as cursor:
        cursor.execute("SELECT DISTINCT organization_id FROM csm_activitylog")
        assert {row[0] for row in cursor.fetchall()} == {org_a.pk, org_b.pk}


@pytest.mark.django_db
def test_a_tenant_task_runs_in_the_organizations_time_zone(org_a):
    from django.utils import timezone

    from csm.celery import app
    from csm.tenancy.jobs import TenantTask

    seen = {}

    @app.task(base=TenantTask, name="tests.where_am_i")
    def where_am_i(organization_id: int) -> None:
        seen["zone"] = str(timezone.get_current_timezone())
        seen["organization"] = current_organization().pk

    org_a.timezone = "Asia/Tokyo"
    # Only the active organization's row may be changed (row-level security on csm_organization).
    with activate(org_a):
        org_a.save()
    where_am_i.apply(args=[org_a.pk])
    assert seen == {"zone": "Asia/Tokyo", "organization": org_a.pk}
