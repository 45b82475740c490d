"""Who may do what: the one decorator that enforces roles on organization pages, and the typed request.

Outsiders never reach a view (the tenant middleware answers 404). Inside, every organization view declares the
least role it needs; a member below it gets 403. A test walks the URLconf and fails on an organization view that
does not declare one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from csm.models import Membership, Organization, Role, User

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails


class OrgRequest(HttpRequest):
    """The request of an organization page, as the tenant middleware leaves it."""

    user: User
    organization: Organization
    membership: Membership
    role: Role
    htmx: HtmxDetails


V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def role_required(minimum: Role) -> Callable[[V], V]:
    """Allow members whose role is `minimum` or above (csm < manager < admin); 403 for the others."""

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership: Membership | None = getattr(request, "membership", None)
            if membership is None:
                raise Http404("Not an organization page.")
            if not membership.has_role(minimum):
                raise PermissionDenied(f"This page needs the {Role(minimum).label} role.")
            return view(request, *args, **kwargs)

        wrapped.minimum_role = minimum  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def can(request: HttpRequest, minimum: Role) -> bool:
    membership: Membership | None = getattr(request, "membership", None)
    return membership is not None and membership.has_role(minimum)
