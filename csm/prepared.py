"""Prepared queries: a hot read's queryset is built and compiled once per shape, and each call binds its values.

Django builds and compiles every queryset anew on every request: on the workspace's pages that costs more Python
than the queries cost PostgreSQL (about 0.6-0.9 ms of building, compiling and hydrating against 0.3-0.5 ms of SQL
for an indexed read). A `PreparedQuery` wraps a function that builds a queryset from a few plain values:

    @prepared
    def _open_tasks(account_id: int, today: date, *, limit: int) -> QuerySet[Task]:
        return Task.objects.filter(account_id=account_id, due_date__lte=today).order_by("due_date")[:limit]

    tasks = _open_tasks(account.pk, localdate(), limit=10)   # a list of Task

The first call of each shape (the keyword arguments, which may change the SQL itself, such as a LIMIT, and which
positional values are None) builds the queryset with stand-in values, under a stand-in organization, compiles it,
and notes where each stand-in landed among the SQL's parameters. Each call then puts its own values, and the
current organization's id, in those places and runs the SQL through Django's own iterable, so rows come back as
model instances with their select_related objects, and prefetch_related runs as usual. Nothing else is cached: no
rows, no organization.

What keeps tenants apart:
- The organization's id is bound like the other values, from the active tenant (`current_organization()`): a call
  outside `activate()` raises. The stand-in organization must reach the SQL (the scoped manager's filter): a query
  without it is refused when it is prepared, so only tenant models' reads are prepared, and while it is built no
  organization is active (`current_organization()` raises), so no real organization's id can be baked into it.
- Row-level security still holds under any SQL.

Measured (`make bench PYTEST_ARGS="-k 360"`, the 360's five reads prepared): p50 26-28 ms before, 18-22 ms after.

What a build function must be: a pure function of its arguments (no `current_organization()` attributes, no
`localdate()` inside: pass them in), with positional values that Django passes to PostgreSQL as they are (ints,
strings compared for equality, dates, datetimes, Decimals). A value that Django transforms (a `__icontains`
string, a list for `__in`) cannot be found among the parameters: preparing refuses it, loudly, in the tests.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django_scopes.state import state as scope_state

from csm.tenancy import context as tenancy

# Stand-ins no real value takes: ints above any id, dates in year 1, strings with a marker.
_ORGANIZATION = 2_100_000_001
_INT_BASE = 2_110_000_000
# Ints no id or number of this application reaches, inside PostgreSQL's (positive) integer: a lookup on a 32-bit or
# positive column with a value out of its range is an empty result to Django, which would say nothing of the shape.
_STAND_IN_INTS = range(2_000_000_000, 2_147_483_648)


MAX_SHAPES = 200


class PreparingError(TypeError):
    """A build function that cannot be prepared (see the module's docstring)."""


def _stand_in(value: Any, index: int) -> Any:
    if isinstance(value, bool) or value is None:
        return value  # part of the shape: True/False and None change the SQL, not a parameter
    if isinstance(value, int):
        return _INT_BASE + index
    if isinstance(value, datetime):
        return datetime(1, 1, 2, tzinfo=UTC) + timedelta(seconds=index)
    if isinstance(value, date):
        return date(1, 1, 2) + timedelta(days=index)
    if isinstance(value, Decimal):
        return Decimal(_INT_BASE + index)
    if isinstance(value, str):
        return f"\x01prepared-{index}\x01"
    raise PreparingError(f"A prepared query cannot take a {type(value).__name__} ({value!r}) as a value.")


def _shape_of(value: Any) -> Any:
    """What of a value is part of its query's shape: its type, the value itself for None and booleans, the length
    and item types of a list."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, list | tuple):
        return ("list", tuple(_shape_of(item) for item in value))
    return type(value)


def _flat(values: Any) -> list[Any]:
    """The values, lists spread out, in the order of their stand-ins."""
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list | tuple):
            flat.extend(value)
        else:
            flat.append(value)
    return flat


def _derived(constant: Any) -> bool:
    """Whether a constant of the compiled SQL looks computed from a stand-in: near the stand-ins' numbers, a date
    of their first centuries, a text with their mark."""
    if isinstance(constant, bool) or constant is None:
        return False
    if isinstance(constant, int | Decimal):
        return _STAND_IN_INTS[0] <= constant <= _STAND_IN_INTS[-1]
    if isinstance(constant, date):  # datetimes too
        return constant.year < 100
    if isinstance(constant, str):
        return "\x01prepared-" in constant
    if isinstance(constant, list | tuple):
        return any(_derived(item) for item in constant)
    return False


@dataclass(frozen=True)
class _Prepared:
    queryset: QuerySet[Any]
    compiler: SQLCompiler
    sql: str
    # For each SQL parameter: the index of the value it takes (0 is the organization), or None for a constant.
    slots: tuple[int | None, ...]
    constants: tuple[Any, ...]
    wrappers: tuple[type | None, ...]  # how a value is passed in its place (psycopg's Int8 for a bigint), if at all


class PreparedQuery[M: Model]:
    """See the module's docstring."""

    def __init__(self, build: Callable[..., QuerySet[M]], *, tenant: bool = True) -> None:
        self.build = build
        self.tenant = tenant
        self.__name__ = getattr(build, "__name__", "prepared")
        self.__doc__ = build.__doc__
        self._shapes: dict[tuple[Any, ...], _Prepared] = {}
        self._lock = threading.Lock()

    def __call__(self, *values: Any, **shape: Any) -> list[M]:
        # The organization's id is bound from the active tenant (raises outside one); a query of no organization
        # (`prepared_global`) has none.
        organization_id = tenancy.current_organization().pk if self.tenant else None
        key = (tuple(_shape_of(value) for value in values), tuple(sorted(shape.items())))
        found = self._shapes.get(key)
        if found is None:
            with self._lock:
                found = self._shapes.get(key) or self._prepare(values, shape)
                # Shapes are few (a page's lengths, a board's column sizes); past MAX_SHAPES a new one is prepared
                # for this call only, so that no run of odd requests can grow a process's memory without end.
                if len(self._shapes) < MAX_SHAPES:
                    self._shapes[key] = found
        if not found.sql:
            return []
        bound_values = (organization_id, *_flat(values))
        params = tuple(
            constant if slot is None else wrapper(bound_values[slot]) if wrapper else bound_values[slot]
            for slot, constant, wrapper in zip(found.slots, found.constants, found.wrappers, strict=True)
        )
        return self._run(found, params)

    def _prepare(self, values: tuple[Any, ...], shape: dict[str, Any]) -> _Prepared:
        # Each value, or each item of a list of values, gets its own stand-in, numbered as `_flat` numbers them.
        counter = iter(range(1, 1_000_000))
        stand_ins = [
            [_stand_in(item, next(counter)) for item in value]
            if isinstance(value, list | tuple)
            else _stand_in(value, next(counter))
            for value in values
        ]
        organization_token = tenancy._current_organization.set(None)
        scope_token = scope_state.set({"_enabled": True, "organization": _ORGANIZATION})
        try:
            queryset = self.build(*stand_ins, **shape)
            compiler = queryset.query.get_compiler(using=queryset.db)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                empty = True
            else:
                empty = False
        finally:
            scope_state.reset(scope_token)
            tenancy._current_organization.reset(organization_token)
        if empty:
            # `pk__in=[]` and the like: the shape finds nothing, whatever its values. Unless it is the stand-ins
            # that Django found impossible: then the real values must say so too.
            real = self.build(*values, **shape)
            try:
                real.query.get_compiler(using=real.db).as_sql()
            except EmptyResultSet:
                return _Prepared(queryset, compiler, "", (), (), ())
            raise PreparingError(f"{self.__name__}: a stand-in made the query empty; the real values do not.")
        wanted = dict(enumerate([_ORGANIZATION, *_flat(stand_ins)]))
        slots: list[int | None] = []
        constants: list[Any] = []
        wrappers: list[type | None] = []
        found = set()
        for param in params:
            # psycopg's Int8 (Django's binding of a big integer column) is an int: compared as one, and the value
            # bound in its place is wrapped the same way.
            slot = next(
                (
                    index
                    for index, stand_in in wanted.items()
                    if stand_in is not None
                    and not isinstance(stand_in, bool)
                    and isinstance(param, type(stand_in))
                    and param == stand_in
                ),
                None,
            )
            slots.append(slot)
            constants.append(None if slot is not None else param)
            wrappers.append(type(param) if slot is not None and type(param) is not type(wanted[slot]) else None)
            if slot is not None:
                found.add(slot)
        if not self.tenant:
            if 0 in found:
                raise PreparingError(f"{self.__name__}: a query prepared as of no organization reads a tenant's rows.")
            wanted[0] = None  # not wanted: it is not bound
        missing = [i for i, v in wanted.items() if i not in found and v is not None and not isinstance(v, bool)]
        if missing:
            raise PreparingError(
                f"{self.__name__}: the value(s) at {missing} (0 is the organization) do not reach the SQL as they "
                "are; pass them as keyword arguments (part of the shape) or change the query."
            )
        if any(_derived(constant) for constant in constants):
            # A value computed from a stand-in (`today + timedelta(days=90)`, a "%...%" around a string) would be
            # kept as a constant: the stand-in's, for every call. Pass such values in, computed by the caller.
            raise PreparingError(
                f"{self.__name__}: a value reaches the SQL computed from another one; pass it in as a value."
            )
        return _Prepared(queryset, compiler, sql, tuple(slots), tuple(constants), tuple(wrappers))

    @staticmethod
    def _run(found: _Prepared, params: tuple[Any, ...]) -> list[M]:
        queryset = found.queryset.all()  # a clone: the prepared queryset itself is never run
        bound = copy.copy(found.compiler)
        bound.connection = connections[queryset.db]
        sql = found.sql
        bound.as_sql = lambda *args, **kwargs: (sql, params)  # type: ignore[method-assign]
        queryset.query.get_compiler = lambda *args, **kwargs: bound  # type: ignore[method-assign]
        return list(queryset)


def prepared[M: Model](build: Callable[..., QuerySet[M]]) -> PreparedQuery[M]:
    """A tenant model's read, prepared (see the module's docstring)."""
    return PreparedQuery(build)


def prepared_global[M: Model](build: Callable[..., QuerySet[M]]) -> PreparedQuery[M]:
    """A read of no organization's rows (an organization by its address, a person's memberships everywhere under
    row-level security's own policy), prepared: refused if the scope's organization reaches its SQL."""
    return PreparedQuery(build, tenant=False)
