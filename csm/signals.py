"""Signals the tenancy core sends; other apps listen to them instead of being imported by it.

- `organization_created(sender=Organization, organization=..., actor=...)`: sent inside the new organization's
  tenant context and transaction, so a receiver can install its defaults (the accounts app adds its tiers, stages
  and success-plan template).
- `email_sent(sender=OutboundEmail, email=...)`: the email service accepted an email (`csm.mail`); sent in the
  organization's tenant context, with the record as sent (its `kind`, `key` and `data` say what it was).
- `person_renamed(sender=User, user=...)`: a person's name changed (their profile); sent in their request, with no
  organization active. The accounts app copies the name onto the accounts they own (the list sorts by it).
"""

from __future__ import annotations

from django.dispatch import Signal

organization_created = Signal()
email_sent = Signal()
person_renamed = Signal()
