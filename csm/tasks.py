"""Background tasks of the tenancy core: thin wrappers around services, and housekeeping."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from csm import mail, services
from csm.celery import app
from csm.models import Organization
from csm.tenancy.jobs import enqueue


@app.task
def deliver_email(organization_id: int, email_id: int) -> str:
    """Send one queued email at most once (csm.mail). Not a TenantTask: the claim must commit before the email
    service is called, so `deliver` opens its own short tenant contexts instead of running in one transaction."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return ""
    return mail.deliver(organization, email_id)


@app.task
def sweep_emails(organization_id: int) -> dict[str, int]:
    organization = Organization.objects.filter(pk=organization_id).first()
    return mail.sweep(organization) if organization is not None else {}


@app.task
def sweep_emails_everywhere() -> None:
    """The periodic safety net of outbound email (beat): one task per organization with unfinished emails."""
    for organization_id in mail.organizations_to_sweep():
        enqueue(sweep_emails, organization_id)


@app.task
def send_sign_up_email(sign_up_id: int, nonce: str, attempt: int = 1) -> str:
    """Email one link of a pending sign-up at most once (`csm.services.mail_sign_up`); a failure that surely sent
    nothing is tried again after the delays of `csm.mail.RETRY_DELAYS`."""
    outcome = services.mail_sign_up(sign_up_id=sign_up_id, nonce=nonce)
    if outcome == mail.RETRY and attempt <= len(mail.RETRY_DELAYS):
        delay = mail.RETRY_DELAYS[attempt - 1]
        send_sign_up_email.apply_async((sign_up_id, nonce, attempt + 1), countdown=delay.total_seconds())
    return outcome


@app.task
def clear_expired_sign_ups() -> int:
    return services.delete_expired_sign_ups()


@app.task
def clear_expired_sessions() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@app.task
def clear_expired_login_attempts() -> int:
    from axes.models import AccessAttempt
    from django.conf import settings

    cutoff = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
    return deleted
