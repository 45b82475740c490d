"""Notes, calls and meetings logged on an account; their authors may rewrite or delete them (the timeline records
both: `note.edited` with what changed, `note.deleted` with the note's name)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.timezone import now

from accounts import markdown
from accounts.models import Account, Contact, Note, NoteKind
from csm.activity import Actor, as_actor, diff, record
from csm.models import User
from csm.web.html import day_and_time

VERBS = {NoteKind.NOTE: "note.added", NoteKind.CALL: "call.logged", NoteKind.MEETING: "meeting.logged"}


def add_note(
    *,
    actor: Actor | User,
    account: Account,
    body: str,
    kind: NoteKind | str = NoteKind.NOTE,
    contact: Contact | None = None,
    occurred_at: datetime | None = None,
    duration_minutes: int | None = None,
) -> Note:
    """Log a note (Markdown, stored with its sanitized rendering), a call or a meeting."""
    kind = NoteKind(kind)
    if not body.strip():
        raise ValidationError({"body": "Write something first."})
    if contact is not None and contact.account_id != account.pk:
        raise ValidationError({"contact": "Choose a contact of this account."})
    with transaction.atomic():
        note = Note.objects.create(
            organization=account.organization,
            account=account,
            kind=kind,
            author=as_actor(actor).user,
            contact=contact,
            body=body.strip(),
            body_html=markdown.render(body.strip()),
            occurred_at=occurred_at or now(),
            duration_minutes=duration_minutes,
        )
        if contact is not None and kind != NoteKind.NOTE:
            contact.last_contacted_at = note.occurred_at
            contact.save(update_fields=["last_contacted_at"])
        record(organization=account.organization, actor=actor, verb=VERBS[kind], target=note, about=account)
    return note


def _check_author(actor: Actor | User, note: Note) -> None:
    user = as_actor(actor).user
    if user is None or note.author_id != user.pk:
        raise PermissionDenied("Only the person who wrote a note may change or delete it.")


def edit_note(
    *,
    actor: Actor | User,
    note: Note,
    body: str,
    kind: NoteKind | str | None = None,
    contact: Contact | None = None,
    occurred_at: datetime | None = None,
    duration_minutes: int | None = None,
) -> Note:
    """Rewrite one's own note (its kind, text, contact, time and length); the timeline records what changed."""
    _check_author(actor, note)
    if not body.strip():
        raise ValidationError({"body": "Write something first, or delete the note."})
    if contact is not None and contact.account_id != note.account_id:
        raise ValidationError({"contact": "Choose a contact of this account."})
    with transaction.atomic():
        note = Note.objects.select_for_update(of=("self",)).select_related("account", "contact").get(pk=note.pk)
        new_kind, new_body, new_time = NoteKind(kind or note.kind), body.strip(), occurred_at or note.occurred_at
        values: dict[str, Any] = {
            "kind": new_kind,
            "body": new_body,
            "contact": contact,
            "occurred_at": new_time,
            "duration_minutes": duration_minutes,
        }
        changes = diff(note, values)
        if not changes:
            return note
        if "body" in changes:
            changes["body"] = [markdown.summary(note.body), markdown.summary(new_body)]
        if "kind" in changes:
            changes["kind"] = [NoteKind(note.kind).label, new_kind.label]
        if "occurred_at" in changes:
            changes["occurred_at"] = [day_and_time(note.occurred_at), day_and_time(new_time)]
        for name, value in values.items():
            setattr(note, name, value)
        note.body_html = markdown.render(note.body)
        note.save()
        record(
            organization=note.organization,
            actor=actor,
            verb="note.edited",
            target=note,
            about=note.account,
            changes=changes,
        )
    return note


def delete_note(*, actor: Actor | User, note: Note) -> None:
    """Delete one's own note; the timeline keeps a line saying it was deleted, and by whom."""
    _check_author(actor, note)
    with transaction.atomic():
        note = Note.objects.select_for_update(of=("self",)).select_related("account").get(pk=note.pk)
        record(organization=note.organization, actor=actor, verb="note.deleted", target=note, about=note.account)
        note.delete()
