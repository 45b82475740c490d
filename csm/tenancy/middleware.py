"""Request middleware of the tenancy core, one job each (in this order in MIDDLEWARE):

- `TimezoneMiddleware`: dates and "today" are the signed-in person's own (their profile's time zone).
- `ApiKeyMiddleware`: `/api/...`; the `Authorization: Bearer <key>` header picks the organization and opens its
  tenant context around the API's response (see `csm.api`); a missing or bad key leaves no organization active and
  the API answers 401.
- `TenantMiddleware`: every other page, inside `csm.tenancy.activate` around the whole response:
  - `/<org_slug>/...`: anonymous visitors go to the login page (whether or not the organization exists, so the
    redirect tells nothing); a signed-in person who is not an active member gets 404, never 403, so an outsider
    never learns what exists. Members get `request.organization`, `request.membership`, `request.role` and
    `request.memberships` (theirs in every organization, for the switcher: read with the membership, one query).
  - everything else runs with no organization active, as the signed-in user (their own memberships are readable,
    for the organization switcher).
- `LastOrganizationMiddleware`: remembers the organization a person last worked in (where `/` takes them).

A view that fails is rolled back by its ATOMIC_REQUESTS savepoint; a 5xx response also rolls back the request's
transaction. A `StreamingHttpResponse` is consumed after this transaction has ended: its generator must open its
own `activate()`.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils import timezone

from csm import apikeys
from csm.models import ApiKey, Organization, Role, User
from csm.prepared import prepared_global
from csm.selectors import memberships_of
from csm.tenancy.context import activate

Handler = Callable[[HttpRequest], HttpResponseBase]


@prepared_global
def _organization_by_slug(slug: str) -> QuerySet[Organization]:
    return Organization.objects.filter(slug=slug).order_by("pk")[:1]


def organization_by_slug(slug: str) -> Organization | None:
    """The organization of an address (on every page: prepared once, csm.prepared)."""
    found = _organization_by_slug(slug)
    return found[0] if found else None


def _signed_in(request: HttpRequest) -> User | None:
    user = request.user if request.user.is_authenticated else None
    assert user is None or isinstance(user, User)
    return user


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _is_static(request: HttpRequest) -> bool:
    return request.path_info.startswith(settings.STATIC_URL)


def _respond(get_response: Handler, request: HttpRequest) -> HttpResponseBase:
    response = get_response(request)
    if response.status_code >= 500:
        transaction.set_rollback(True)
    return response


class TimezoneMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = _signed_in(request)
        timezone.activate(zoneinfo.ZoneInfo(user.timezone) if user is not None else datetime.UTC)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class ApiKeyMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not _is_api(request):
            return self.get_response(request)
        request.api_key = None  # type: ignore[attr-defined]
        request.organization = None  # type: ignore[attr-defined]
        credentials = apikeys.parse_authorization(request.headers.get("Authorization", ""))
        if isinstance(credentials, apikeys.Credentials):
            organization = Organization.objects.filter(pk=credentials.organization_id).first()
            if organization is not None:
                with activate(organization):
                    found = apikeys.verify(credentials)
                    if isinstance(found, ApiKey):
                        request.api_key = found  # type: ignore[attr-defined]
                        request.organization = organization  # type: ignore[attr-defined]
                        apikeys.touch(found)
                        return _respond(self.get_response, request)
                    credentials = found
            else:
                credentials = apikeys.INVALID_KEY
        request.api_auth_error = credentials  # type: ignore[attr-defined]
        with activate(None):
            return _respond(self.get_response, request)


class TenantMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _is_static(request) or _is_api(request):
            return self.get_response(request)
        try:
            org_slug = resolve(request.path_info).kwargs.get("org_slug")
        except Resolver404:
            org_slug = None
        user = _signed_in(request)
        if org_slug is None:
            with activate(None, user=user):
                return _respond(self.get_response, request)
        if user is None:
            return redirect_to_login(request.get_full_path())
        organization = organization_by_slug(org_slug)
        if organization is None:
            raise Http404("No such organization.")
        with activate(organization, user=user):
            # The person's memberships everywhere, in one query: this one, and the switcher's list.
            memberships = memberships_of(user)
            membership = next((m for m in memberships if m.organization_id == organization.pk), None)
            if membership is None:
                raise Http404("No such organization.")
            request.organization = organization  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            request.memberships = memberships  # type: ignore[attr-defined]
            request.role = Role(membership.role)  # type: ignore[attr-defined]
            return _respond(self.get_response, request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        # The organization is on the request; views do not take the slug as an argument.
        kwargs.pop("org_slug", None)


class LastOrganizationMiddleware:
    """After a member's successful page of an organization, remember it as their last one (one UPDATE, only when it
    changed)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        organization: Organization | None = getattr(request, "organization", None)
        user = _signed_in(request)
        if (
            organization is not None
            and user is not None
            and response.status_code < 400
            and user.last_organization_id != organization.pk
        ):
            User.objects.filter(pk=user.pk).update(last_organization=organization)
        return response
