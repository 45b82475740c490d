"""Background work: the tenant task base class and the on-commit dispatch helpers.

    @app.task(base=TenantTask)
    def send_invitation_email(organization_id: int, invitation_id: int) -> None:
        ...  # runs inside csm.tenancy.activate(organization)

    enqueue(send_invitation_email, organization.pk, invitation.pk)

Tasks take primary keys and plain JSON, never model instances. `enqueue` waits for the surrounding transaction to
commit (a task must never look for a row that is not there yet, or act on a change that was rolled back);
`enqueue_rollback_unsafe` sends at once and says so in its name.
"""

from __future__ import annotations

import json
import zoneinfo
from typing import Any

from celery import Task
from django.db import transaction
from django.utils import timezone

from csm.models import Organization
from csm.tenancy import activate


class TenantTask(Task):  # type: ignore[type-arg]
    """A task whose first argument is an organization id; it runs inside that organization's tenant context and
    in its time zone (so "today" is the organization's today, not the worker's)."""

    abstract = True

    def __call__(self, organization_id: int, *args: Any, **kwargs: Any) -> Any:
        organization = Organization.objects.get(pk=organization_id)
        with activate(organization), timezone.override(zoneinfo.ZoneInfo(organization.timezone)):
            return super().__call__(organization_id, *args, **kwargs)


def _plain(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    # A round trip through JSON, whatever the transport: an argument that would not survive the broker fails here,
    # in tests that run tasks eagerly as much as in production.
    plain: tuple[list[Any], dict[str, Any]] = json.loads(json.dumps([list(args), kwargs]))
    return plain


def enqueue(task: Task, *args: Any, **kwargs: Any) -> None:  # type: ignore[type-arg]
    """Send `task` once the current transaction commits (at once when there is none)."""
    plain_args, plain_kwargs = _plain(args, kwargs)
    transaction.on_commit(lambda: task.apply_async(tuple(plain_args), plain_kwargs))


def enqueue_rollback_unsafe(task: Task, *args: Any, **kwargs: Any) -> None:  # type: ignore[type-arg]
    """Send `task` now, even if the current transaction later rolls back."""
    plain_args, plain_kwargs = _plain(args, kwargs)
    task.apply_async(tuple(plain_args), plain_kwargs)
