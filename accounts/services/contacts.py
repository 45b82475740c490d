"""The people at an account: adding and editing contacts, marking that someone left the company."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.timezone import localdate, now

from accounts.models import Account, Contact, ContactStatus
from csm.activity import Actor, diff, record
from csm.models import User

CONTACT_FIELDS = {"name", "email", "phone", "title", "role", "reports_to", "is_primary", "status", "left_on"}


def _check_reports_to(contact: Contact) -> None:
    manager = contact.reports_to
    if manager is None:
        return
    if manager.account_id != contact.account_id:
        raise ValidationError({"reports_to": "Choose someone at the same account."})
    seen = {contact.pk}
    while manager is not None:
        if manager.pk in seen:
            raise ValidationError({"reports_to": "That would make a reporting loop."})
        seen.add(manager.pk)
        manager = manager.reports_to


def _unique_email(contact: Contact) -> None:
    if contact.email and Contact.objects.filter(email__iexact=contact.email).exclude(pk=contact.pk).exists():
        raise ValidationError({"email": f"Another contact already uses {contact.email}."})


def _only_one_primary(contact: Contact) -> None:
    if contact.is_primary:
        Contact.objects.filter(account_id=contact.account_id, is_primary=True).exclude(pk=contact.pk).update(
            is_primary=False
        )


def create_contact(*, actor: Actor | User, account: Account, **values: Any) -> Contact:
    unknown = set(values) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"Unknown contact fields: {sorted(unknown)}")
    with transaction.atomic():
        contact = Contact(organization=account.organization, account=account, **values)
        contact.email = contact.email.strip().lower()
        contact.full_clean()
        _unique_email(contact)
        _check_reports_to(contact)
        contact.save()
        _only_one_primary(contact)
        record(
            organization=account.organization,
            actor=actor,
            verb="contact.added",
            target=contact,
            about=account,
            data={"role": contact.get_role_display(), "email": contact.email},
        )
    return contact


def update_contact(*, actor: Actor | User, contact: Contact, **values: Any) -> Contact:
    unknown = set(values) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"Unknown contact fields: {sorted(unknown)}")
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update(of=("self",)).select_related("account", "reports_to").get(pk=contact.pk)
        )
        if "email" in values:
            values["email"] = values["email"].strip().lower()
        if values.get("status") == ContactStatus.LEFT and contact.status != ContactStatus.LEFT:
            values.setdefault("left_on", None)
            values["left_on"] = values["left_on"] or localdate()
        if values.get("status") == ContactStatus.ACTIVE:
            values["left_on"] = None
        changes = diff(contact, values)
        for field in changes:
            setattr(contact, field, values[field])
        if not changes:
            return contact
        contact.updated_at = now()
        contact.full_clean()
        _unique_email(contact)
        _check_reports_to(contact)
        contact.save()
        _only_one_primary(contact)
        verb = "contact.left" if changes.get("status", [None, None])[1] == ContactStatus.LEFT else "contact.updated"
        record(
            organization=contact.organization,
            actor=actor,
            verb=verb,
            target=contact,
            about=contact.account,
            changes=changes,
        )
    return contact
