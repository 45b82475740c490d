"""Template helpers of the shell."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.template.context import Context
from django.utils.safestring import SafeString

from csm import timeline
from csm.web import undo
from csm.web.reverse import org_reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def org_url(context: Context, name: str, *args: Any, **kwargs: Any) -> str:
    """`{% org_url "settings:members" %}`: a URL inside the current organization."""
    return org_reverse(context["request"], name, *args, **kwargs)


@register.filter
def undo_of(message: Any) -> dict[str, Any] | None:
    """The undo a message offers (csm.web.undo.offer_undo): {"url", "fields"}, or None."""
    return undo.undo_of(message)


@register.filter
def verb_label(value: Any) -> str:
    """`member.role_changed` → `Member role changed` (csm.timeline)."""
    return timeline.verb_label(value)


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


@register.filter
def field_label(value: Any) -> str:
    """`renewal_date` → `Renewal date` (csm.timeline)."""
    return timeline.field_label(value)


@register.filter
def change_value(value: Any) -> str:
    """A value of an activity-log change, for people (csm.timeline)."""
    return timeline.change_value(value)


@register.simple_tag
def timeline_entries(entries: Any, one_line: bool = False) -> SafeString:
    """`{% timeline_entries entries %}`: the entries, each as its kind shows it (csm.timeline.render_entries)."""
    return timeline.render_entries(list(entries), one_line=one_line)


@register.simple_tag
def timeline_line(entry: Any) -> SafeString:
    """`{% timeline_line entry %}`: one entry on one line, whatever its kind (csm.timeline.entry_html)."""
    return timeline.render_entries([entry], one_line=True)
