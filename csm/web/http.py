"""Small request helpers every page family uses."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from csm.models import Role


def wants_partial(request: HttpRequest) -> bool:
    """An htmx request that wants a fragment; a history restore (back button after a cache miss) wants the page."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def next_url(request: HttpRequest, default: str) -> str:
    """The posted `next` when it is a page of this site, else `default` (no open redirects)."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


def csm_defaults(request: HttpRequest, defaults: dict[str, str]) -> HttpResponse | None:
    """A CSM who opens a list without any filter gets their own view (`defaults`, such as their accounts, not
    churned), by a redirect, so the address always says what the page shows (and bulk actions, exports and saved
    segments read the same filters). Managers and admins see everything; anyone may choose "Anyone" (`any`)."""
    membership = getattr(request, "membership", None)
    if request.GET or membership is None or membership.has_role(Role.MANAGER):
        return None
    return redirect(f"{request.path}?{urlencode(defaults)}")
