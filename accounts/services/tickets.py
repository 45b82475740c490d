"""Support tickets: opened by hand, by email or through the API; assigned, moved through their statuses, resolved.

Resolution time is `resolved_at - opened_at`; the first change away from `new` by a person counts as the first
response. Reopening a solved ticket clears its resolution. Every change is one activity-log row targeting the
ticket (its history) and about its account (the account's timeline): `ticket.opened`, `ticket.updated`,
`ticket.resolved`, `ticket.closed` (a solved ticket closed), `ticket.reopened` and `ticket.noted` (an internal note).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.timezone import now

from accounts.models import (
    RESOLVED_TICKET_STATUSES,
    Account,
    Contact,
    Ticket,
    TicketChannel,
    TicketNote,
    TicketPriority,
    TicketStatus,
)
from csm.activity import Actor, as_actor, diff, record
from csm.models import ActorKind, Organization, User
from csm.selectors import is_active_member
from csm.tenancy import current_organization


def _next_number(organization: Organization) -> int:
    # Numbers are allocated under a lock on the organization's row: two tickets opened at once get two numbers.
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    return (Ticket.objects.aggregate(top=Max("number"))["top"] or 0) + 1


def _check_assignee(assignee: User | None) -> None:
    if assignee is not None and not is_active_member(assignee):
        raise ValidationError({"assignee": "The assignee must be an active member of the organization."})


def open_ticket(
    *,
    actor: Actor | User,
    subject: str,
    body: str = "",
    account: Account | None = None,
    contact: Contact | None = None,
    priority: TicketPriority | str = TicketPriority.NORMAL,
    channel: TicketChannel | str = TicketChannel.MANUAL,
    assignee: User | None = None,
) -> Ticket:
    """Open a ticket with the organization's next number; a contact alone implies its account."""
    if not subject.strip():
        raise ValidationError({"subject": "Give the ticket a subject."})
    if contact is not None and account is not None and contact.account_id != account.pk:
        raise ValidationError({"contact": "Choose a contact of this account."})
    if contact is not None and account is None:
        account = contact.account
    _check_assignee(assignee)
    organization = current_organization()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            organization=organization,
            number=_next_number(organization),
            subject=subject.strip(),
            body=body,
            account=account,
            contact=contact,
            priority=TicketPriority(priority),
            channel=TicketChannel(channel),
            assignee=assignee,
        )
        record(organization=organization, actor=actor, verb="ticket.opened", target=ticket, about=account)
    return ticket


def _verb(status_change: list[Any] | None) -> str:
    """The log's verb for a change: resolving, closing and reopening are their own events on the timeline."""
    if status_change is None:
        return "ticket.updated"
    old, new = status_change
    if new in RESOLVED_TICKET_STATUSES and old not in RESOLVED_TICKET_STATUSES:
        return "ticket.resolved"
    if new == TicketStatus.CLOSED:
        return "ticket.closed"
    if old in RESOLVED_TICKET_STATUSES and new not in RESOLVED_TICKET_STATUSES:
        return "ticket.reopened"
    return "ticket.updated"


def update_ticket(*, actor: Actor | User, ticket: Ticket, **values: Any) -> Ticket:
    """Change status, priority, assignee or subject; keeps first response and resolution times right."""
    allowed = {"status", "priority", "assignee", "subject", "body", "account", "contact"}
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"Unknown ticket fields: {sorted(unknown)}")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("account", "assignee").get(pk=ticket.pk)
        if "assignee" in values:
            _check_assignee(values["assignee"])
        changes = diff(ticket, values)
        for field in changes:
            setattr(ticket, field, values[field])
        if not changes:
            return ticket
        moment = now()
        if "status" in changes:
            new_status = values["status"]
            if (
                ticket.first_response_at is None
                and new_status != TicketStatus.NEW
                and as_actor(actor).kind == ActorKind.USER
            ):
                ticket.first_response_at = moment
            if new_status in RESOLVED_TICKET_STATUSES and ticket.resolved_at is None:
                ticket.resolved_at = moment
            elif new_status not in RESOLVED_TICKET_STATUSES:
                ticket.resolved_at = None
        ticket.updated_at = moment
        ticket.full_clean()
        ticket.save()
        verb = _verb(changes.get("status"))
        record(
            organization=ticket.organization,
            actor=actor,
            verb=verb,
            target=ticket,
            about=ticket.account,
            changes=changes,
        )
    return ticket


def add_note(*, actor: Actor | User, ticket: Ticket, body: str) -> TicketNote:
    """An internal note on the ticket (never sent to the customer); it lands in the ticket's history."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write the note first."})
    author = as_actor(actor).user
    with transaction.atomic():
        note = TicketNote.objects.create(organization=ticket.organization, ticket=ticket, author=author, body=body)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=note.created_at)
        record(
            organization=ticket.organization,
            actor=actor,
            verb="ticket.noted",
            target=ticket,
            about=ticket.account,
            data={"note": note.pk},
        )
    return note
