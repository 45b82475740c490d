"""Outbound email (csm.mail): recorded with what is sent, claimed before the email service is called, sent at most
once whatever happens to the worker, retried only when it was surely not sent, and visible to admins."""

from __future__ import annotations

import smtplib
import threading
from datetime import timedelta
from typing import Any

import pytest
import requests
import time_machine
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail as django_mail
from django.db import connections
from django.utils import timezone

from csm import mail, services
from csm.models import ActivityLog, EmailStatus, Invitation, OutboundEmail, Role
from csm.signals import email_sent
from csm.tenancy import activate
from tests.conftest import count_queries


def queue_one(organization, key: str = "test:1", **overrides: Any) -> OutboundEmail:
    values = {"kind": "test", "to": "customer@example.com", "subject": "Hello", "text": "Hi there", **overrides}
    with activate(organization):
        return mail.queue(organization=organization, key=key, **values)


def status_of(organization, email: OutboundEmail) -> OutboundEmail:
    with activate(organization):
        return OutboundEmail.objects.get(pk=email.pk)


@pytest.mark.django_db
def test_an_email_is_recorded_then_sent_once(org_a, service, django_capture_on_commit_callbacks):
    received = []
    email_sent.connect(lambda sender, email, **kw: received.append(email.key), dispatch_uid="test.sent", weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            email = queue_one(org_a, html="<p>Hi there</p>", reply_to="csm@alpha.test")
        stored = status_of(org_a, email)
        assert stored.status == EmailStatus.SENT and stored.attempts == 1 and stored.sent_at is not None
        [message] = service.sent
        assert message.to == ["customer@example.com"] and message.reply_to == ["csm@alpha.test"]
        assert message.alternatives[0].content == "<p>Hi there</p>"
        assert received == ["test:1"]
        # Delivering it again, or queueing the same key again, sends nothing more.
        assert mail.deliver(org_a, email.pk) == ""
        with django_capture_on_commit_callbacks(execute=True):
            again = queue_one(org_a, subject="Something else")
        assert again.pk == email.pk and len(service.sent) == 1
    finally:
        email_sent.disconnect(dispatch_uid="test.sent")


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_email_send_it_once(org_a, service):
    email = queue_one(org_a)  # no test transaction: committed, and the on-commit dispatch ran eagerly
    assert status_of(org_a, email).status == EmailStatus.SENT
    with activate(org_a):
        OutboundEmail.objects.filter(pk=email.pk).update(status=EmailStatus.QUEUED, attempts=0)
    service.sent.clear()
    barrier = threading.Barrier(4)
    outcomes = []

    def worker() -> None:
        barrier.wait()
        outcomes.append(mail.deliver(org_a, email.pk))
        connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["", "", "", EmailStatus.SENT]
    assert len(service.sent) == 1


@pytest.mark.django_db
def test_a_worker_that_dies_after_its_claim_never_leads_to_a_second_send(org_a, service):
    email = queue_one(org_a)  # the dispatch waits for a commit that the test transaction never makes
    assert mail._claim(org_a, email.pk) is not None  # a worker claims it, then dies before the service answers
    assert mail.deliver(org_a, email.pk) == ""  # another worker (a redelivered task) does not send it
    assert mail.sweep(org_a) == {"uncertain": 0, "dispatched": 0}
    with time_machine.travel(timezone.now() + mail.STALE_AFTER + timedelta(minutes=1)):
        assert mail.sweep(org_a)["uncertain"] == 1
    stored = status_of(org_a, email)
    assert stored.status == EmailStatus.UNCERTAIN and "stopped" in stored.last_error
    assert mail.deliver(org_a, email.pk) == "" and service.sent == []


@pytest.mark.django_db
def test_a_lost_dispatch_is_sent_by_the_sweep(org_a, service, django_capture_on_commit_callbacks):
    email = queue_one(org_a)  # its message to the worker is lost (the dispatch never ran)
    assert status_of(org_a, email).status == EmailStatus.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        assert mail.sweep(org_a)["dispatched"] == 0  # too fresh: its own dispatch may still be on its way
    with time_machine.travel(timezone.now() + timedelta(minutes=2)), django_capture_on_commit_callbacks(execute=True):
        assert mail.sweep(org_a)["dispatched"] == 1
    assert status_of(org_a, email).status == EmailStatus.SENT and len(service.sent) == 1


@pytest.mark.django_db
def test_a_failure_that_may_pass_is_retried_after_a_delay_then_fails(org_a, service):
    service.errors = [ConnectionRefusedError("no route")] * (len(mail.RETRY_DELAYS) + 1)
    email = queue_one(org_a)
    assert mail.deliver(org_a, email.pk) == EmailStatus.QUEUED
    stored = status_of(org_a, email)
    assert stored.attempts == 1 and "ConnectionRefusedError" in stored.last_error
    assert stored.next_attempt_at > timezone.now() + mail.RETRY_DELAYS[0] - timedelta(seconds=5)
    assert mail.deliver(org_a, email.pk) == ""  # not due yet
    moment = timezone.now()
    for attempt, waited in enumerate(mail.RETRY_DELAYS[:-1], start=2):
        moment += waited + timedelta(seconds=1)
        with time_machine.travel(moment):
            assert mail.deliver(org_a, email.pk) == EmailStatus.QUEUED
        assert status_of(org_a, email).attempts == attempt
    with time_machine.travel(moment + mail.RETRY_DELAYS[-1] + timedelta(seconds=1)):
        assert mail.deliver(org_a, email.pk) == EmailStatus.FAILED
    assert status_of(org_a, email).attempts == len(mail.RETRY_DELAYS) + 1
    assert service.sent == []


@pytest.mark.django_db
def test_a_retry_that_goes_through_is_sent_once(org_a, service):
    service.errors = [AnymailAPIError("busy", status_code=503)]
    email = queue_one(org_a)
    assert mail.deliver(org_a, email.pk) == EmailStatus.QUEUED
    with time_machine.travel(timezone.now() + mail.RETRY_DELAYS[0] + timedelta(seconds=1)):
        assert mail.deliver(org_a, email.pk) == EmailStatus.SENT
    assert status_of(org_a, email).attempts == 2 and len(service.sent) == 1


def _requests_error(cause: BaseException) -> AnymailAPIError:
    try:
        raise AnymailAPIError("request failed") from cause
    except AnymailAPIError as error:
        return error


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (AnymailRecipientsRefused("bounced before"), mail.FAILED),
        (AnymailAPIError("bad request", status_code=422), mail.FAILED),
        (AnymailAPIError("slow down", status_code=429), mail.RETRY),
        (AnymailAPIError("down", status_code=502), mail.RETRY),
        (_requests_error(requests.ConnectTimeout()), mail.RETRY),
        (_requests_error(requests.ConnectionError()), mail.RETRY),
        (_requests_error(requests.ReadTimeout()), mail.UNCERTAIN),
        (smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"no such user")}), mail.FAILED),
        (smtplib.SMTPDataError(451, b"try later"), mail.RETRY),
        (smtplib.SMTPDataError(554, b"rejected"), mail.FAILED),
        (smtplib.SMTPServerDisconnected(), mail.RETRY),
        (ConnectionRefusedError(), mail.RETRY),
        (TimeoutError(), mail.UNCERTAIN),
        (RuntimeError("who knows"), mail.UNCERTAIN),
    ],
)
def test_what_a_failed_send_means(error, outcome):
    assert mail.classify(error) == outcome


@pytest.mark.django_db
def test_an_answer_that_may_have_come_too_late_is_never_retried(org_a, service):
    service.errors = [TimeoutError("read timed out")]
    email = queue_one(org_a)
    assert mail.deliver(org_a, email.pk) == EmailStatus.UNCERTAIN
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert mail.deliver(org_a, email.pk) == ""
        assert mail.sweep(org_a) == {"uncertain": 0, "dispatched": 0}
    assert service.sent == []


@pytest.mark.django_db(databases=["default", "ops"], transaction=True)
def test_another_organizations_email_cannot_be_delivered_from_here(org_a, org_b, service):
    service.errors = [ConnectionRefusedError("down")]
    email = queue_one(org_b)  # committed: the eager dispatch tried once, and it waits for its next attempt
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert mail.deliver(org_a, email.pk) == ""
    assert status_of(org_b, email).status == EmailStatus.QUEUED
    # The sweep's cross-tenant read (the ops role) finds the organization with an unfinished email.
    assert mail.organizations_to_sweep() == [org_b.pk]


# -- Invitations take this path ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_invitation_is_recorded_before_it_is_sent_and_counted_after(
    org_a, admin, django_capture_on_commit_callbacks
):
    with activate(org_a), django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = services.invite_member(actor=admin, organization=org_a, email="new@alpha.test", role=Role.CSM)
        email = OutboundEmail.objects.get(kind="invitation")
    assert email.status == EmailStatus.QUEUED and email.data == {"invitation_id": invitation.pk}
    assert "/invitations/" in email.text and django_mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(django_mail.outbox) == 1
    with activate(org_a):
        assert OutboundEmail.objects.get(pk=email.pk).status == EmailStatus.SENT
        assert Invitation.objects.get(pk=invitation.pk).send_count == 1
        assert ActivityLog.objects.filter(verb="invitation.sent").count() == 1


@pytest.mark.django_db
def test_resending_or_revoking_withdraws_the_earlier_link_not_yet_sent(org_a, admin):
    with activate(org_a):
        invitation = services.invite_member(actor=admin, organization=org_a, email="new@alpha.test", role=Role.CSM)
        services.resend_invitation(actor=admin, invitation=invitation)
        statuses = list(OutboundEmail.objects.order_by("pk").values_list("status", flat=True))
        assert statuses == [EmailStatus.CANCELLED, EmailStatus.QUEUED]
        services.revoke_invitation(actor=admin, invitation=invitation)
        assert not OutboundEmail.objects.filter(status=EmailStatus.QUEUED).exists()


# -- The admins' page ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admins_see_every_email_with_its_outcome(org_a, org_b, admin_client, service):
    service.errors = [AnymailAPIError("bad address", status_code=422)]
    failed = queue_one(org_a, key="a", subject="Welcome aboard")
    mail.deliver(org_a, failed.pk)
    queue_one(org_a, key="b", subject="Your QBR")
    queue_one(org_b, key="c", subject="Beta's secret")
    page = admin_client.get("/alpha/settings/emails/").content.decode()
    assert "Welcome aboard" in page and "bad address" in page and "Failed" in page
    assert "Your QBR" in page and "Beta&#x27;s secret" not in page and "Beta's secret" not in page
    only_failed = admin_client.get("/alpha/settings/emails/?status=failed").content.decode()
    assert "Welcome aboard" in only_failed and "Your QBR" not in only_failed
    assert admin_client.get("/alpha/settings/emails/?status=nonsense&before=99999999999999999999_1").status_code == 200


@pytest.mark.django_db
def test_the_emails_page_costs_the_same_queries_whatever_the_number(org_a, admin_client):
    queue_one(org_a, key="first")
    count_queries(admin_client, "/alpha/settings/emails/")
    few = count_queries(admin_client, "/alpha/settings/emails/")
    for index in range(60):
        queue_one(org_a, key=f"more-{index}")
    assert count_queries(admin_client, "/alpha/settings/emails/") == few
