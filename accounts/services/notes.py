"""Notes, calls and meetings logged on an account."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.timezone import now

from accounts import markdown
from accounts.models import Account, Contact, Note, NoteKind
from csm.activity import Actor, as_actor, record
from csm.models import User

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
