"""Outbound email: the one path every email of an organization takes (invitations now; plays, templates and a CSM's
own emails later), so that nothing is sent twice and nothing is lost silently.

1. `queue()` writes an `OutboundEmail` with exactly what will be sent, in the caller's transaction, and asks a
   worker to deliver it once that transaction commits. Its `key` names the email for the sender: queueing the same
   key again returns the first record and sends nothing more.
2. The worker (`deliver()`) **claims** the record (queued → sending, one committed compare-and-swap UPDATE) before
   it calls the email service, and records the outcome after:
   - sent: the service accepted it (its message id is kept); the `email_sent` signal tells the sender;
   - a refusal that will not change (an invalid address, a 4xx answer): failed, with the reason;
   - a failure that may pass (no connection, the service's 5xx or 429): queued again after the next delay of
     `RETRY_DELAYS`, failed after the last;
   - a failure after the request may have reached the service (a read timeout, an unknown error): "not known".
     It is never retried by itself: sending again could send it twice. People see it and may send anew.
3. A record left "sending" by a worker that died is "not known" after `STALE_AFTER` (the same reason); a queued
   record whose message to the worker was lost (Redis restarted) is sent by the periodic `sweep()`. The state lives
   in PostgreSQL, never only in the broker.

`cancel()` withdraws queued emails that are no longer wanted (a resent invitation's earlier link).

Emails about a person's own account rather than an organization's (sign-up's link, the note to an account's owner
that someone tried to sign up with their address) have no organization's outbox to live in: a sign-up has no
organization yet, and an owner's note would land in the outbox of whichever organization was picked, read by its
admins in Settings. `send_account_email()` sends them from a worker, and the sender keeps the record and claims
the send itself (`csm.services.mail_sign_up`), with the same meaning of failures (`classify`) and delays.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import scopes_disabled

from csm.models import EmailStatus, Organization, OutboundEmail
from csm.signals import email_sent
from csm.tenancy import activate

logger = logging.getLogger(__name__)

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
STALE_AFTER = timedelta(minutes=15)  # far longer than a send takes: the worker that claimed it is gone
SWEEP_BATCH = 500

RETRY, FAILED, UNCERTAIN = "retry", "failed", "uncertain"
UNFINISHED = (EmailStatus.QUEUED, EmailStatus.SENDING)


def queue(
    *,
    organization: Organization,
    key: str,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    from_address: str = "",
    reply_to: str = "",
    headers: dict[str, str] | None = None,
    data: dict[str, Any] | None = None,
) -> OutboundEmail:
    """Record the email and have it delivered after the current transaction commits (once per `key`)."""
    email = OutboundEmail(
        organization=organization,
        key=key[:200],
        kind=kind,
        to_address=to,
        from_address=from_address or settings.DEFAULT_FROM_EMAIL,
        reply_to=reply_to,
        subject=subject[:255],
        text=text,
        html=html,
        headers=headers or {},
        data=data or {},
    )
    try:
        with transaction.atomic():
            email.save()
    except IntegrityError:  # the key was queued before: that record stands
        return OutboundEmail.objects.get(key=email.key)
    _dispatch(organization.pk, email.pk)
    return email


def _dispatch(organization_id: int, email_id: int, *, countdown: float = 0) -> None:
    from csm.tasks import deliver_email

    transaction.on_commit(
        lambda: deliver_email.apply_async((organization_id, email_id), countdown=countdown or 0), robust=True
    )


def cancel(*, key_prefix: str) -> int:
    """Withdraw the active organization's queued emails whose key starts with `key_prefix`; how many were."""
    return OutboundEmail.objects.filter(key__startswith=key_prefix, status=EmailStatus.QUEUED).update(
        status=EmailStatus.CANCELLED, next_attempt_at=None
    )


# -- Delivery (the worker) -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    email: OutboundEmail
    attempt: int


def _claim(organization: Organization, email_id: int) -> Claimed | None:
    """queued → sending, committed before the email service is called; None when another worker has it, it was
    sent or withdrawn, or its next attempt is not due yet."""
    moment = timezone.now()
    with activate(organization):
        claimed = OutboundEmail.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=moment),
            pk=email_id,
            status=EmailStatus.QUEUED,
        ).update(status=EmailStatus.SENDING, claimed_at=moment, attempts=F("attempts") + 1)
        if not claimed:
            return None
        email = OutboundEmail.objects.get(pk=email_id)
    return Claimed(email, email.attempts)


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=email.from_address,
        to=[email.to_address],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers=email.headers or None,
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    return message


def classify(error: BaseException) -> str:
    """What a failed send means: RETRY (it was not sent and may go through later), FAILED (it will not go through),
    or UNCERTAIN (the service may have accepted it)."""
    import requests

    if isinstance(error, AnymailRecipientsRefused | smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused):
        return FAILED
    if isinstance(error, AnymailAPIError):
        cause = error.__cause__
        if isinstance(cause, requests.ConnectTimeout):
            return RETRY
        if isinstance(cause, requests.Timeout):
            return UNCERTAIN
        if isinstance(cause, requests.ConnectionError):
            return RETRY
        status = error.status_code
        if status is None:
            return UNCERTAIN
        return RETRY if status == 429 or status >= 500 else FAILED
    if isinstance(error, smtplib.SMTPResponseException):
        return RETRY if 400 <= error.smtp_code < 500 else FAILED
    if isinstance(error, smtplib.SMTPConnectError | ConnectionRefusedError | smtplib.SMTPServerDisconnected):
        return RETRY
    return UNCERTAIN


def deliver(organization: Organization, email_id: int) -> str:
    """Send one queued email at most once; returns its status afterwards ("" when it was not this worker's)."""
    claimed = _claim(organization, email_id)
    if claimed is None:
        return ""
    email = claimed.email
    message = _message(email)
    try:
        # Outside any transaction: the claim is committed, and a slow service holds no lock.
        message.send()
    except Exception as error:
        return _failed(organization, email, claimed.attempt, error)
    status = getattr(message, "anymail_status", None)
    with activate(organization):
        OutboundEmail.objects.filter(pk=email.pk, status=EmailStatus.SENDING).update(
            status=EmailStatus.SENT,
            sent_at=timezone.now(),
            esp_message_id=(getattr(status, "message_id", None) or "")[:255],
            last_error="",
            next_attempt_at=None,
        )
        email.refresh_from_db()
        email_sent.send(sender=OutboundEmail, email=email)
    return EmailStatus.SENT


def _describe(error: BaseException) -> str:
    try:
        text = str(error)
    except Exception:  # an exception's own __str__ can fail (anymail's, without the response it describes)
        text = " ".join(str(arg) for arg in error.args)
    return f"{type(error).__name__}: {text}"[:2000]


def _failed(organization: Organization, email: OutboundEmail, attempt: int, error: BaseException) -> str:
    outcome = classify(error)
    reason = _describe(error)
    logger.warning("email %s (%s), attempt %s: %s (%s)", email.pk, email.kind, attempt, reason, outcome)
    with activate(organization):
        if outcome == RETRY and attempt <= len(RETRY_DELAYS):
            delay = RETRY_DELAYS[attempt - 1]
            OutboundEmail.objects.filter(pk=email.pk, status=EmailStatus.SENDING).update(
                status=EmailStatus.QUEUED, next_attempt_at=timezone.now() + delay, last_error=reason
            )
            _dispatch(organization.pk, email.pk, countdown=delay.total_seconds())
            return EmailStatus.QUEUED
        final = EmailStatus.UNCERTAIN if outcome == UNCERTAIN else EmailStatus.FAILED
        OutboundEmail.objects.filter(pk=email.pk, status=EmailStatus.SENDING).update(
            status=final, last_error=reason, next_attempt_at=None
        )
    return final


def organizations_to_sweep() -> list[int]:
    """The organizations with emails queued or being sent: the one cross-tenant read of the path, through the ops
    connection, over a partial index of the unfinished emails."""
    with scopes_disabled():
        return list(
            OutboundEmail.objects.using("ops")
            .filter(status__in=UNFINISHED)
            .order_by("organization_id")
            .values_list("organization_id", flat=True)
            .distinct()
        )


def sweep(organization: Organization) -> dict[str, int]:
    """The periodic safety net: emails left "sending" by a dead worker become "not known"; queued emails that are
    due and were not picked up (their message to the worker was lost) are dispatched again."""
    moment = timezone.now()
    with activate(organization):
        stale = OutboundEmail.objects.filter(status=EmailStatus.SENDING, claimed_at__lt=moment - STALE_AFTER).update(
            status=EmailStatus.UNCERTAIN,
            last_error="The worker sending it stopped before it said whether the email service took it.",
        )
        due = list(
            OutboundEmail.objects.filter(status=EmailStatus.QUEUED, created_at__lt=moment - timedelta(minutes=1))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=moment - timedelta(minutes=1)))
            .order_by("pk")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        for email_id in due:
            _dispatch(organization.pk, email_id)
    return {"uncertain": stale, "dispatched": len(due)}


# -- Account emails (no organization) -------------------------------------------------------------------------------


def send_account_email(*, to: str, subject: str, text: str, html: str = "") -> str:
    """Send an email about a person's own account now (from a worker, after the caller claimed it); SENT, or what
    the failure means (RETRY, FAILED or UNCERTAIN, see `classify`)."""
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as error:
        outcome = classify(error)
        logger.warning("account email (%s): %s (%s)", subject, _describe(error), outcome)
        return outcome
    return EmailStatus.SENT
