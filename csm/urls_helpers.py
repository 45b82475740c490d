"""Reversing URLs inside the current organization."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse


def org_reverse(request: HttpRequest, name: str, *args: Any, **kwargs: Any) -> str:
    slug = request.organization.slug  # type: ignore[attr-defined]
    if args:
        return reverse(name, args=[slug, *args])
    return reverse(name, kwargs={"org_slug": slug, **kwargs})
