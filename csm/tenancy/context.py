"""The tenant context: the one place that activates an organization.

Three walls keep tenants apart (shared/DESIGN.md, "Tenancy"):

1. URLs are `/<org_slug>/...` and `csm.tenancy.middleware.TenantMiddleware` answers 404 to anyone who is not a member.
2. Every tenant model's default manager is a django-scopes `ScopedManager`; a query outside a scope raises.
3. PostgreSQL row-level security on every tenant table, keyed to the transaction-local setting
   `app.organization_id`.

`activate()` raises walls 2 and 3 together and nothing else sets them. The setting is made with
`set_config(..., true)` inside a transaction that `activate()` opens itself, so it can never leak into another
request or task that reuses the connection (a session-level `SET` would). When contexts nest, the outer value is
restored on exit, because releasing a savepoint keeps the inner value.

`app.user_id` is set the same way; one extra policy lets a person read their own memberships in every organization
(the organization switcher), and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.db import connections, transaction
from django_scopes.state import state as scope_state

if TYPE_CHECKING:
    from csm.models import Organization, User

_current_organization: ContextVar[Organization | None] = ContextVar("current_organization", default=None)

ORGANIZATION_SETTING = "app.organization_id"
USER_SETTING = "app.user_id"


class NoActiveOrganizationError(RuntimeError):
    """Raised when code that needs a tenant runs outside `activate()`."""


def current_organization() -> Organization:
    organization = _current_organization.get()
    if organization is None:
        raise NoActiveOrganizationError(
            "No organization is active; wrap the code in csm.tenancy.activate(organization)."
        )
    return organization


def current_organization_or_none() -> Organization | None:
    return _current_organization.get()


def _swap_settings(using: str, values: dict[str, str]) -> dict[str, str]:
    """Set transaction-local settings and return their previous values ('' when unset)."""
    names = list(values)
    sql = "SELECT " + ", ".join("coalesce(current_setting(%s, true), ''), set_config(%s, %s, true)" for _ in names)
    params: list[str] = []
    for name in names:
        params += [name, name, values[name]]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    assert row is not None
    return {name: row[i * 2] for i, name in enumerate(names)}


@contextmanager
def activate(
    organization: Organization | None, *, user: User | None = None, using: str = "default"
) -> Iterator[Organization | None]:
    """Run the block as `organization` (and `user`, when given): scope, row-level security and a transaction.

    With `organization=None` no tenant is active: scoped queries raise and row-level security shows no tenant rows,
    except a user's own memberships when `user` is given.
    """
    organization_id = organization.pk if organization is not None else None
    connection = connections[using]
    nested = connection.in_atomic_block
    # The scope is replaced, not merged with an outer one: with no organization, no organization is in scope.
    new_scope: dict[str, object] = {"_enabled": True}
    if organization is not None:
        new_scope["organization"] = organization_id
    scope_token = scope_state.set(new_scope)
    organization_token = _current_organization.set(organization)
    try:
        with transaction.atomic(using=using):
            outer = _swap_settings(
                using,
                {
                    ORGANIZATION_SETTING: str(organization_id or ""),
                    USER_SETTING: str(user.pk if user is not None and user.pk else ""),
                },
            )
            yield organization
            # Reached only when the block succeeded; after an exception the savepoint's rollback restores the
            # outer values by itself.
            if nested and not connection.needs_rollback:
                _swap_settings(using, outer)
    finally:
        _current_organization.reset(organization_token)
        scope_state.reset(scope_token)
