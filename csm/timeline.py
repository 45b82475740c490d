"""The timeline: the activity log read as a story about one object (an account's 360 view).

Every service that changes something about an account records an activity-log row `about` it; the timeline is
those rows, newest first. Apps register the *kinds* of entry they write (notes, tickets, emails, health changes,
billing events...), each a set of verb prefixes with a label and, optionally, a template and a loader that fetches
the entries' targets in one query per kind. A later app adds a kind by registering it in its `AppConfig.ready()`;
the timeline code does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from csm.models import ActivityLog

Loader = Callable[[list[int]], dict[int, Any]]


@dataclass(frozen=True)
class TimelineKind:
    key: str
    label: str
    verb_prefixes: tuple[str, ...]
    template: str = "components/timeline_entry.html"
    loader: Loader | None = field(default=None, compare=False)

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
    return list(_kinds.values())


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
