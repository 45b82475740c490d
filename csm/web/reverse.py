"""Reversing URLs inside the current organization."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=16384)
def _reverse(urlconf: str | None, prefix: str, name: str, args: tuple[Any, ...], kwargs: tuple[Any, ...]) -> str:
    # The URLconf and the script prefix are part of the key: the same name and arguments always give the same path.
    return reverse(name, args=list(args) or None, kwargs=dict(kwargs) or None)


def org_reverse(request: HttpRequest, name: str, *args: Any, **kwargs: Any) -> str:
    """`reverse()` with the organization's slug first, remembered: pages reverse the same few dozen paths (task
    actions, milestone toggles, contact links) on every request."""
    slug = request.organization.slug  # type: ignore[attr-defined]
    urlconf = get_urlconf()
    prefix = get_script_prefix()
    if args:
        return _reverse(urlconf, prefix, name, (slug, *args), ())
    return _reverse(urlconf, prefix, name, (), tuple(sorted({"org_slug": slug, **kwargs}.items())))


def org_prefix(request: HttpRequest, name: str) -> str:
    """The address of the object page `name` (its pattern ends with `<int:pk>/`) without its id: a page of rows writes
    `f"{prefix}{pk}/"` for each instead of reversing once per row."""
    path = org_reverse(request, name, 0)
    assert path.endswith("/0/"), f"{name} does not end with its id"
    return path.removesuffix("0/")
