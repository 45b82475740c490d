"""Authentication helpers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The address a login attempt is counted against, normalized the way accounts store it, so that changing its
    case does not buy more attempts."""
    value = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(value).strip().lower()
