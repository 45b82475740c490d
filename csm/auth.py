"""Authentication helpers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The address a login attempt is counted against, normalized the way accounts store it, so that changing its
    case does not buy more attempts."""
    value = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(value).strip().lower()


def forwarded_client_ip(request: HttpRequest) -> str | None:
    """The client's address as the trusted proxy saw it: the last `X-Forwarded-For` entry, the one the proxy
    appended (earlier entries come from the client and can be forged)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    last = forwarded.rsplit(",", 1)[-1].strip()
    return last or request.META.get("REMOTE_ADDR")
