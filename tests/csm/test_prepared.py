"""Prepared queries (csm.prepared): the same rows as the queryset they come from, for the active organization only,
in one query, and a build function that cannot be prepared is refused when it is first called."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F, QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localdate

from accounts.models import Account, Task
from csm.prepared import PreparingError, prepared
from csm.tenancy import NoActiveOrganizationError, activate
from tests.factories import AccountFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _tasks(account_id: int, due_by, *, limit: int) -> QuerySet[Task]:
    return (
        Task.objects.filter(account_id=account_id, due_date__lte=due_by)
        .select_related("account", "assignee")
        .order_by(F("due_date").asc(nulls_last=True), "id")[:limit]
    )


tasks_of = prepared(_tasks)


@prepared
def accounts_named(name: str, owner_id: int | None) -> QuerySet[Account]:
    return Account.objects.filter(name=name, owner_id=owner_id).order_by("id")


def test_the_rows_are_the_querysets_in_one_query_with_their_related_objects(org_a, csm):
    today = localdate()
    with activate(org_a):
        account = AccountFactory(name="Acme")
        made = [TaskFactory(account=account, assignee=csm, due_date=today - timedelta(days=n)) for n in range(4)]
        TaskFactory(account=account, due_date=today + timedelta(days=3))  # not due yet
        for limit in (2, 10, 2):  # the second shape, then the first again from the cache
            expected = list(_tasks(account.pk, today, limit=limit))
            with CaptureQueriesContext(connection) as queries:
                found = tasks_of(account.pk, today, limit=limit)
                names = [(task.account.name, task.assignee.email if task.assignee else None) for task in found]
            assert found == expected and len(found) == min(limit, 4)
            assert len(queries) == 1 and names == [("Acme", csm.email)] * len(found)
        assert {task.pk for task in tasks_of(account.pk, today, limit=10)} == {task.pk for task in made}


def test_each_call_reads_the_active_organization_only(org_a, org_b):
    with activate(org_a):
        mine = AccountFactory(name="Same name")
    with activate(org_b):
        theirs = AccountFactory(name="Same name")
    with activate(org_a):
        assert accounts_named("Same name", None) == [mine]
    with activate(org_b):
        assert accounts_named("Same name", None) == [theirs]
        # An id of the other organization finds nothing, as with any queryset.
        assert tasks_of(mine.pk, localdate(), limit=5) == []


def test_none_is_part_of_the_shape(org_a, csm):
    with activate(org_a):
        owned = AccountFactory(name="Acme", owner=csm)
        orphan = AccountFactory(name="Acme", owner=None)
        assert accounts_named("Acme", csm.pk) == [owned]
        assert accounts_named("Acme", None) == [orphan]  # IS NULL, not = NULL


def test_outside_a_tenant_it_raises():
    with pytest.raises(NoActiveOrganizationError):
        accounts_named("Acme", None)


def test_values_that_do_not_reach_the_sql_as_they_are_are_refused(org_a):
    contains = prepared(lambda text: Account.objects.filter(name__icontains=text))
    with activate(org_a):
        with pytest.raises(PreparingError, match="do not reach the SQL"):
            contains("acme")
        with pytest.raises(PreparingError, match="cannot take a dict"):
            prepared(lambda found: Account.objects.filter(custom_fields=found))({"a": 1})


def test_a_value_computed_from_another_inside_the_build_is_refused(org_a):
    # `due_by + 7 days` would be computed once, from the stand-in, and kept for every call.
    week = prepared(lambda due_by: Task.objects.filter(due_date__gte=due_by, due_date__lte=due_by + timedelta(days=7)))
    with activate(org_a), pytest.raises(PreparingError, match="computed from another one"):
        week(localdate())


def test_a_list_of_values_is_a_shape_by_its_length(org_a, org_b):
    within = prepared(lambda ids, name: Account.objects.filter(pk__in=ids).exclude(name=name).order_by("id"))
    with activate(org_b):
        foreign = AccountFactory()
    with activate(org_a):
        a, b, c = (AccountFactory(name=f"A{n}") for n in range(3))
        assert within([a.pk, b.pk], "A1") == [a]
        assert within([c.pk, b.pk], "A0") == [b, c]  # the same shape, other values
        assert within([a.pk, b.pk, c.pk, foreign.pk], "") == [a, b, c]  # another length; never another organization's
        assert within([], "") == []


def test_a_query_of_no_organization_binds_none_and_refuses_a_tenants_rows(org_a, org_b):
    from csm.models import Organization
    from csm.prepared import prepared_global

    by_slug = prepared_global(lambda slug: Organization.objects.filter(slug=slug).order_by("pk")[:1])
    assert by_slug("alpha") == [org_a] and by_slug("beta") == [org_b] and by_slug("nobody") == []
    scoped = prepared_global(lambda name: Account.objects.filter(name=name))
    with activate(org_a), pytest.raises(PreparingError, match="reads a tenant's rows"):
        scoped("Acme")


def test_shapes_past_the_limit_are_prepared_for_the_call_only(org_a, monkeypatch):
    from csm import prepared as module

    monkeypatch.setattr(module, "MAX_SHAPES", 2)
    within = prepared(lambda ids: Account.objects.filter(pk__in=ids).order_by("id"))
    with activate(org_a):
        accounts = [AccountFactory() for _ in range(4)]
        for n in range(1, 5):
            assert within([a.pk for a in accounts[:n]]) == accounts[:n]
    assert len(within._shapes) == 2


def test_stand_ins_fit_an_integer_column(org_a):
    # A 32-bit column (a ticket's number) with an id far out of its range would be "empty" at compile time, and the
    # shape kept as finding nothing: the stand-ins stay inside PostgreSQL's integer.
    from accounts.models import Ticket
    from tests.factories import TicketFactory

    numbered = prepared(lambda number: Ticket.objects.filter(number=number))
    with activate(org_a):
        ticket = TicketFactory()
        assert numbered(ticket.number) == [ticket]


def test_many_values_of_one_type_each_get_their_own_stand_in(org_a, csm):
    days = [localdate() - timedelta(days=n) for n in range(40)]
    on_days = prepared(lambda due: Task.objects.filter(due_date__in=due).order_by("due_date"))
    with activate(org_a):
        account = AccountFactory()
        tasks = [TaskFactory(account=account, assignee=csm, due_date=day) for day in days[::10]]
        assert on_days(days) == sorted(tasks, key=lambda task: task.due_date)
