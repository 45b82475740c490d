"""The accounts app registers what the core runs for it: its timeline kinds, its demo-data step, its periodic
task and its API router (the core never imports an app; shared/DESIGN.md, "Layout")."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab
from django.apps import AppConfig


def _load_notes(ids: list[int]) -> dict[int, Any]:
    from accounts.selectors.accounts import notes_by_id

    return notes_by_id(ids)


def _note_entry(entry: Any) -> str:
    from accounts.rows import note_entry

    return note_entry(entry)


def _note_line(entry: Any) -> str:
    from accounts.rows import note_line

    return note_line(entry)


def _seed_demo(*args: Any) -> None:
    from accounts.demo import seed_demo_step

    seed_demo_step(*args)


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.api import router
        from accounts.services.defaults import on_organization_created
        from accounts.services.sort_keys import on_person_renamed
        from csm import api, demo, timeline
        from csm.celery import periodic
        from csm.signals import organization_created, person_renamed

        organization_created.connect(on_organization_created, dispatch_uid="accounts.install_defaults")
        person_renamed.connect(on_person_renamed, dispatch_uid="accounts.owner_names")

        for kind in (
            timeline.TimelineKind("note", "Notes", ("note.",), loader=_load_notes, render=_note_entry, line=_note_line),
            timeline.TimelineKind("call", "Calls", ("call.",), loader=_load_notes, render=_note_entry, line=_note_line),
            timeline.TimelineKind(
                "meeting", "Meetings", ("meeting.",), loader=_load_notes, render=_note_entry, line=_note_line
            ),
            # A note rewritten or deleted: one line saying so (under the Notes filter), not the note again.
            timeline.TimelineKind("note_change", "Notes", ("note.edited", "note.deleted"), listed=False),
            timeline.TimelineKind("task", "Tasks", ("task.",)),
            timeline.TimelineKind("ticket", "Tickets", ("ticket.",)),
            timeline.TimelineKind("contact", "Contacts", ("contact.",)),
            timeline.TimelineKind("plan", "Success plans", ("plan.", "milestone.")),
            timeline.TimelineKind("revenue", "Revenue", ("account.revenue_changed",)),
            timeline.TimelineKind("health", "Health", ("account.health_changed",)),
            timeline.TimelineKind("change", "Changes", ("account.",)),
        ):
            timeline.register(kind)

        demo.register_step(demo.DemoStep("accounts", _seed_demo))
        periodic(
            "discard-stale-imports", task="accounts.tasks.discard_stale_imports_everywhere", schedule=crontab(37, 3)
        )
        api.register_router("/accounts", router)
