"""Template helpers of the shell."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.template.context import Context

from csm.web.reverse import org_reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def org_url(context: Context, name: str, *args: Any, **kwargs: Any) -> str:
    """`{% org_url "settings:members" %}`: a URL inside the current organization."""
    return org_reverse(context["request"], name, *args, **kwargs)


@register.filter
def verb_label(verb: str) -> str:
    """`member.role_changed` → `Member role changed`."""
    subject, _, action = verb.partition(".")
    words = f"{subject} {action}".replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@register.filter
def duration_words(value: timedelta | None) -> str:
    """A duration for people: `15 minutes`, `2 hours`."""
    if not value:
        return ""
    minutes = max(1, round(value.total_seconds() / 60))
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(minutes / 60)
    return f"{hours} hours"


FIELD_LABELS = {"mrr": "MRR", "arr": "ARR", "external_id": "External id", "owner": "Owner"}


@register.filter
def field_label(name: str) -> str:
    """`renewal_date` → `Renewal date`; `mrr` → `MRR`."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@register.filter
def change_value(value: Any) -> str:
    """A value of an activity-log change, for people: lists joined, booleans in words, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    return str(value)
