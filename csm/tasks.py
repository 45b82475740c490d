"""Background tasks of the tenancy core: thin wrappers around services and housekeeping."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from csm import services
from csm.celery import app
from csm.models import Invitation, InvitationStatus
from csm.tenancy.jobs import TenantTask

logger = logging.getLogger(__name__)


@app.task(base=TenantTask, autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=5)
def send_invitation_email(organization_id: int, invitation_id: int, nonce: str) -> None:
    """Email the invitation link, unless the invitation was resent, revoked or accepted since it was queued."""
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.status != InvitationStatus.PENDING or invitation.nonce != nonce:
        logger.info("invitation %s: not sent, superseded", invitation_id)
        return
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter": invitation.invited_by,
        "url": services.invitation_url(invitation),
    }
    subject = f"Join {invitation.organization.name} on Customer Success"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("csm/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("csm/email/invitation.html", context), "text/html")
    message.send()
    services.mark_invitation_sent(invitation=invitation)


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
