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


# An id no row has, to find where a pattern's id goes in its path.
_MARK = 987654321987654321


def org_id_path(request: HttpRequest, name: str) -> tuple[str, str]:
    """The address of `name` (a pattern with one id after the organization's slug) cut around its id: a page of rows
    writes `f"{head}{pk}{tail}"` for each row instead of reversing once per row."""
    head, found, tail = org_reverse(request, name, _MARK).partition(str(_MARK))
    assert found, f"{name} does not take an id"
    return head, tail


def org_prefix(request: HttpRequest, name: str) -> str:
    """The address of the object page `name` (its pattern ends with `<int:pk>/`) without its id: a page of rows writes
    `f"{prefix}{pk}/"` for each instead of reversing once per row."""
    head, tail = org_id_path(request, name)
    assert tail == "/", f"{name} does not end with its id"
    return head
