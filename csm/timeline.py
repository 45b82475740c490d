"""The timeline: the activity log read as a story about one object (an account's 360 view).

Every service that changes something about an account records an activity-log row `about` it; the timeline is
those rows, newest first. Apps register the *kinds* of entry they write (notes, tickets, emails, health changes,
billing events...), each a set of verb prefixes with a label and, optionally, a loader that fetches the entries'
targets in one query per loader, and how an entry is shown: a `render` function (Python, for the kinds a page shows
by the dozen), or a `template` (given `entry`); without either, `entry_html` shows the actor, the verb, the target
and the changes. A later app adds a kind by registering it in its `AppConfig.ready()`; the timeline code does not
change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.template.loader import get_template
from django.utils.safestring import SafeString

from csm.models import ActivityLog
from csm.web.html import clip, day_and_time, esc, safe

Loader = Callable[[list[int]], dict[int, Any]]
Renderer = Callable[[ActivityLog], str]


@dataclass(frozen=True)
class TimelineKind:
    key: str
    label: str
    verb_prefixes: tuple[str, ...]
    template: str = ""
    loader: Loader | None = field(default=None, compare=False)
    render: Renderer | None = field(default=None, compare=False)
    # One entry on one plain line (the start page's digest), when `entry_line` alone does not say it well.
    line: Renderer | None = field(default=None, compare=False)
    # False for a kind that refines another's verbs (its entries are shown under the other's filter).
    listed: bool = True

    def matches(self, verb: str) -> bool:
        return verb.startswith(self.verb_prefixes)

    def q(self) -> Q:
        query = Q()
        for prefix in self.verb_prefixes:
            query |= Q(verb__startswith=prefix)
        return query


_kinds: dict[str, TimelineKind] = {}


def register(kind: TimelineKind) -> None:
    _kinds[kind.key] = kind


def kinds() -> list[TimelineKind]:
    """The kinds a timeline can be filtered by."""
    return [kind for kind in _kinds.values() if kind.listed]


def kind_for(verb: str) -> TimelineKind | None:
    # The longest matching prefix wins ("task.completed" may be its own kind beside "task.").
    best: tuple[int, TimelineKind] | None = None
    for kind in _kinds.values():
        for prefix in kind.verb_prefixes:
            if verb.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), kind)
    return best[1] if best else None


def filter_by_kind(entries: Any, key: str) -> Any:
    kind = _kinds.get(key)
    return entries.filter(kind.q()) if kind else entries


def attach(entries: Iterable[ActivityLog], *, load_targets: bool = True) -> list[ActivityLog]:
    """Give each entry its `kind`, and its loaded target as `obj` for kinds with a loader: one query per loader,
    so kinds that share one (notes, calls and meetings are all notes) share its query. `load_targets=False` skips
    the loaders, for a page that shows every entry on one line (`obj` stays None)."""
    entries = list(entries)
    by_loader: dict[Loader, list[ActivityLog]] = {}
    for entry in entries:
        kind = kind_for(entry.verb)
        entry.kind = kind  # type: ignore[attr-defined]
        entry.obj = None  # type: ignore[attr-defined]
        if load_targets and kind is not None and kind.loader is not None and entry.target_id is not None:
            by_loader.setdefault(kind.loader, []).append(entry)
    for loader, group in by_loader.items():
        objects = loader([entry.target_id for entry in group if entry.target_id is not None])
        for entry in group:
            entry.obj = objects.get(entry.target_id or 0)  # type: ignore[attr-defined]
    return entries


# -- Showing entries ---------------------------------------------------------------------------------------------

FIELD_LABELS = {"mrr": "MRR", "arr": "ARR", "external_id": "External id", "owner": "Owner"}


def verb_label(verb: str) -> str:
    """`member.role_changed` → `Member role changed`."""
    subject, _, action = verb.partition(".")
    words = f"{subject} {action}".replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def field_label(name: str) -> str:
    """`renewal_date` → `Renewal date`; `mrr` → `MRR`."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


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


def changes_html(entry: ActivityLog) -> str:
    """The entry's changes as a list (`Stage: Onboarding → Adoption`), or nothing."""
    if not entry.changes:
        return ""
    items = "".join(
        f"<li>{esc(field_label(name))}: {esc(change_value(pair[0]))} → {esc(change_value(pair[1]))}</li>"
        for name, pair in entry.changes.items()
    )
    return f'<ul class="changes">{items}</ul>'


def entry_time(entry: ActivityLog) -> str:
    return f'<time datetime="{entry.created_at.isoformat()}">{day_and_time(entry.created_at)}</time>'


def entry_html(entry: ActivityLog) -> str:
    """An entry on one line: its kind, who did what to what, when, why, and what changed."""
    kind: TimelineKind | None = getattr(entry, "kind", None)
    key = esc(kind.key) if kind is not None and kind.key else "other"
    label = esc(kind.label) if kind is not None and kind.label else "Activity"
    target = f": <em>{esc(entry.target_repr)}</em>" if entry.target_repr else ""
    reason = entry.data.get("reason") if isinstance(entry.data, dict) else None
    reason_html = f'<p class="entry-reason">{esc(reason)}</p>' if reason else ""
    return (
        f'<li class="entry entry-{key}">\n'
        '  <div class="entry-head">\n'
        f'    <span class="badge kind-{key}">{label}</span>\n'
        f"    <strong>{esc(entry.actor_label)}</strong> {esc(verb_label(entry.verb).lower())}{target}\n"
        f"    {entry_time(entry)}\n"
        "  </div>\n"
        f"  {reason_html}\n"
        f"  {changes_html(entry)}\n"
        "</li>\n"
    )


LINE_LIMIT = 90  # characters of what an entry's line says after who did what


def entry_line(entry: ActivityLog, text: str | None = None, *, label: str = "") -> str:
    """An entry on one plain line: its kind, who did what, to what (`text`, else the target's name) and the first
    of its changes, cut at a word with an ellipsis, and when."""
    kind: TimelineKind | None = getattr(entry, "kind", None)
    key = esc(kind.key) if kind is not None and kind.key else "other"
    badge = label or (kind.label if kind is not None and kind.label else "Activity")
    what = entry.target_repr if text is None else text
    if entry.changes:
        name, pair = next(iter(entry.changes.items()))
        change = f"{field_label(name)}: {change_value(pair[0])} → {change_value(pair[1])}"
        more = len(entry.changes) - 1
        change += f" (and {more} more)" if more else ""
        what = f"{what} · {change}" if what else change
    said = f": {esc(clip(what, LINE_LIMIT))}" if what else ""
    return (
        f'<li class="entry entry-{key} entry-line"><span class="badge kind-{key}">{esc(badge)}</span> '
        f"<strong>{esc(entry.actor_label)}</strong> {esc(verb_label(entry.verb).lower())}{said} "
        f"{entry_time(entry)}</li>\n"
    )


def render_entries(entries: Iterable[ActivityLog], *, one_line: bool = False) -> SafeString:
    """The entries as the timeline shows them: each by its kind's `render`, else its `template`, else
    `entry_html`; `one_line=True` shows every entry on one plain line, by its kind's `line`, else `entry_line`
    (the start page's digest)."""
    html = []
    for entry in entries:
        kind: TimelineKind | None = getattr(entry, "kind", None)
        if one_line:
            html.append(kind.line(entry) if kind is not None and kind.line is not None else entry_line(entry))
        elif kind is None:
            html.append(entry_html(entry))
        elif kind.render is not None:
            html.append(kind.render(entry))
        elif kind.template:
            html.append(get_template(kind.template).render({"entry": entry}))
        else:
            html.append(entry_html(entry))
    return safe("".join(html))
