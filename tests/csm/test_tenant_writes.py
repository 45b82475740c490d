"""What the app role may write outside the tenant tables' own policy (security audit, issue 8 item 18).

- Sequences: it draws numbers (`nextval`, through every insert) but can neither move a sequence (`setval`) nor read
  one directly.
- Organizations: every row stays readable (sign-in, the organization switcher, invitation links, sign-up's slug
  check) and anyone may create one (sign-up), but only the active organization's row can be changed or deleted.
- Memberships: a person reads their own in every organization, but only the active organization's can be written.

The suite connects as the app role (tests/conftest.py), so each refusal here is PostgreSQL's, not the ORM's.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from csm import services
from csm.models import Membership, Organization, Role, User
from csm.tenancy import activate
from tests.conftest import make_member, make_organization


def execute(query: str | sql.Composable, params: list[object] | None = None) -> int:
    """Run `query` on the app role's connection; the number of rows it touched (or returned)."""
    with connection.cursor() as cursor:
        if isinstance(query, sql.Composable):
            query = query.as_string(cursor.connection)
        cursor.execute(query, params or [])
        return cursor.rowcount


def organization_sequence() -> str:
    """The qualified name of the organizations' id sequence, as `pg_get_serial_sequence` gives it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('csm_organization', 'id')")
        [(name,)] = cursor.fetchall()
    return str(name)


# -- Sequences ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_app_role_cannot_move_or_read_a_sequence():
    sequence = organization_sequence()
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        execute("SELECT setval(%s, 1)", [sequence])
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        execute(sql.SQL("SELECT last_value FROM {}").format(sql.Identifier(*sequence.split("."))))


@pytest.mark.django_db
def test_the_app_role_holds_only_usage_on_every_sequence():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, has_sequence_privilege(c.oid, 'USAGE'), has_sequence_privilege(c.oid, 'SELECT'), "
            "has_sequence_privilege(c.oid, 'UPDATE') FROM pg_class c "
            "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
        )
        privileges = cursor.fetchall()
    assert len(privileges) > 10
    assert [row for row in privileges if row[1:] != (True, False, False)] == []


@pytest.mark.django_db
def test_inserts_as_the_app_role_still_number_their_rows_from_the_sequences():
    # Identity columns draw from their sequence with nextval, which USAGE allows.
    first = make_organization("First Corp", "first")
    second = make_organization("Second Corp", "second")
    assert second.pk > first.pk
    member = make_member(second, "someone@second.test", Role.CSM)
    with activate(second):
        assert Membership.objects.get(user=member).pk is not None


# -- Organizations -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_one_organization_active_another_organizations_row_cannot_be_updated(org_a, org_b):
    with activate(org_a):
        assert execute("UPDATE csm_organization SET name = 'Taken over' WHERE id = %s", [org_b.pk]) == 0
        assert Organization.objects.filter(pk=org_b.pk).update(name="Taken over") == 0
        # A forgotten filter reaches only the active organization's row.
        assert execute("UPDATE csm_organization SET currency = 'EUR'") == 1
    assert dict(Organization.objects.values_list("slug", "name")) == {"alpha": "Alpha Corp", "beta": "Beta Ltd"}
    assert dict(Organization.objects.values_list("slug", "currency")) == {"alpha": "EUR", "beta": "USD"}


@pytest.mark.django_db
def test_with_one_organization_active_another_organizations_row_cannot_be_deleted(org_a, org_b):
    with activate(org_a):
        assert execute("DELETE FROM csm_organization WHERE id = %s", [org_b.pk]) == 0
        assert execute("DELETE FROM csm_organization WHERE id <> %s", [org_a.pk]) == 0
    assert set(Organization.objects.values_list("slug", flat=True)) == {"alpha", "beta"}


@pytest.mark.django_db
def test_with_no_organization_active_no_organization_row_can_be_changed(org_a, org_b):
    # The pages outside any organization (sign-in, the switcher, sign-up) run like this.
    with activate(None):
        assert execute("UPDATE csm_organization SET name = 'Taken over'") == 0
        assert execute("DELETE FROM csm_organization") == 0
        # ... and still read every organization.
        assert Organization.objects.count() == 2


@pytest.mark.django_db
def test_the_settings_service_cannot_save_another_organization(admin, org_a, org_b):
    with activate(org_a), pytest.raises(DatabaseError, match="did not affect any rows"), transaction.atomic():
        services.update_organization(actor=admin, organization=org_b, name="Taken over")
    with activate(org_a):
        services.update_organization(actor=admin, organization=org_a, name="Alpha Renamed")
    assert dict(Organization.objects.values_list("slug", "name")) == {"alpha": "Alpha Renamed", "beta": "Beta Ltd"}


@pytest.mark.django_db
def test_the_active_organization_reads_other_organizations_rows(org_a, org_b):
    with activate(org_a):
        assert Organization.objects.get(pk=org_b.pk).slug == "beta"


@pytest.mark.django_db
def test_sign_up_outside_any_organization_creates_the_organization_and_its_first_admin(org_a):
    with activate(None):
        pending = services.request_sign_up(
            email="new@gamma.test",
            password="correct-horse-battery-staple",
            full_name="New Person",
            organization_name="Gamma",
            organization_slug="gamma",
        )
        assert pending is not None
        created = services.confirm_sign_up(sign_up=pending)
    assert created is not None
    user, organization = created
    assert organization.pk > org_a.pk
    with activate(organization):
        assert list(Membership.objects.values_list("user", "role")) == [(user.pk, Role.ADMIN.value)]


# -- Memberships -------------------------------------------------------------------------------------------------


@pytest.fixture
def two_members(org_a: Organization, org_b: Organization) -> tuple[User, User]:
    return make_member(org_a, "ann@alpha.test", Role.CSM), make_member(org_b, "bob@beta.test", Role.CSM)


@pytest.mark.django_db
def test_with_one_organization_active_another_organizations_memberships_cannot_be_changed(org_a, org_b, two_members):
    ann, bob = two_members
    with activate(org_a, user=bob):
        # Bob reads his own membership of B (the switcher), but it is not A's to write.
        assert execute("SELECT 1 FROM csm_membership WHERE organization_id = %s", [org_b.pk]) == 1
        assert execute("UPDATE csm_membership SET role = 'admin' WHERE organization_id = %s", [org_b.pk]) == 0
        assert execute("DELETE FROM csm_membership WHERE organization_id = %s", [org_b.pk]) == 0
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            execute(
                "INSERT INTO csm_membership (organization_id, user_id, role, is_active, created_at) "
                "VALUES (%s, %s, 'admin', true, now())",
                [org_b.pk, ann.pk],
            )
        # Moving A's membership into B is refused as well.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            execute("UPDATE csm_membership SET organization_id = %s WHERE user_id = %s", [org_b.pk, ann.pk])
        assert execute("UPDATE csm_membership SET role = 'manager'") == 1
    with activate(org_b):
        assert list(Membership.objects.values_list("user", "role")) == [(bob.pk, Role.CSM.value)]
    with activate(org_a):
        assert list(Membership.objects.values_list("user", "role")) == [(ann.pk, Role.MANAGER.value)]
