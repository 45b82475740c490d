"""Invitations: sent by email as a signed link that expires, works once, and dies when revoked or resent."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from csm import services
from csm.auth_limits.services import KNOWN_BROWSER_COOKIE
from csm.models import ActivityLog, Invitation, InvitationStatus, Membership, Role, User
from csm.tenancy import activate
from tests.conftest import client_for, make_member

NEW_PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture
def invite(admin_client: Client, django_capture_on_commit_callbacks):
    """Post the invitation form; the email task runs when the request's transaction commits."""

    def post(email: str = "newbie@alpha.test", role: str = "manager"):
        with django_capture_on_commit_callbacks(execute=True):
            return admin_client.post("/alpha/settings/members/invite/", {"email": email, "role": role})

    return post


def link_in(message: mail.EmailMessage) -> str:
    match = re.search(r"http://testserver(/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.mark.django_db
def test_an_admin_invites_by_email_and_the_link_works_once(admin_client, org_a, invite):
    response = invite()
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newbie@alpha.test"]
    assert "Alpha Corp" in message.subject
    link = link_in(message)

    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200
    assert b"Create account and join" in page.content
    accepted = visitor.post(link, {"full_name": "Nina Newbie", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert accepted.status_code == 302 and accepted["Location"] == "/alpha/"
    # The browser that accepted is known to the account, as after a login (csm.auth_limits: not paused later).
    assert KNOWN_BROWSER_COOKIE in accepted.cookies
    assert visitor.get("/alpha/").status_code == 200

    user = User.objects.get(email="newbie@alpha.test")
    assert user.check_password(NEW_PASSWORD)
    with activate(org_a):
        assert Membership.objects.get(user=user).role == Role.MANAGER
        invitation = Invitation.objects.get()
        assert invitation.status == InvitationStatus.ACCEPTED and invitation.accepted_by == user
        assert set(ActivityLog.objects.values_list("verb", flat=True)) >= {
            "invitation.created",
            "invitation.sent",
            "invitation.accepted",
            "member.added",
        }

    # Reused: refused, and nothing changes.
    again = Client().get(link)
    assert again.status_code == 410
    assert b"already used" in again.content
    assert (
        Client().post(link, {"full_name": "X", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 410
    )
    assert User.objects.filter(email="newbie@alpha.test").count() == 1


@pytest.mark.django_db
def test_an_expired_link_is_refused(admin_client, org_a, invite):
    invite()
    link = link_in(mail.outbox[0])
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = Client().get(link)
        assert response.status_code == 410
        assert b"expired" in response.content
        Client().post(link, {"full_name": "Late", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not User.objects.filter(email="newbie@alpha.test").exists()


@pytest.mark.django_db
def test_a_revoked_link_is_refused(admin_client, org_a, invite):
    invite()
    link = link_in(mail.outbox[0])
    with activate(org_a):
        invitation = Invitation.objects.get()
    assert admin_client.post(f"/alpha/settings/invitations/{invitation.pk}/revoke/").status_code == 302
    response = Client().get(link)
    assert response.status_code == 410
    assert b"withdrawn" in response.content
    Client().post(link, {"full_name": "Rev", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not User.objects.filter(email="newbie@alpha.test").exists()


@pytest.mark.django_db
def test_resending_replaces_the_link(admin_client, org_a, invite, django_capture_on_commit_callbacks):
    invite()
    first = link_in(mail.outbox[0])
    with activate(org_a):
        invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(f"/alpha/settings/invitations/{invitation.pk}/resend/").status_code == 302
    assert len(mail.outbox) == 2
    second = link_in(mail.outbox[1])
    assert first != second
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    with activate(org_a):
        assert Invitation.objects.get().send_count == 2


@pytest.mark.django_db
def test_a_tampered_link_is_refused(admin_client, invite):
    invite()
    link = link_in(mail.outbox[0])
    response = Client().get(link[:-3] + "xx/")
    assert response.status_code == 404
    assert b"not valid" in response.content


@pytest.mark.django_db
def test_an_existing_user_logs_in_then_accepts(admin_client, org_a, org_b, outsider, invite):
    invite(email=outsider.email, role="csm")
    link = link_in(mail.outbox[0])
    page = Client().get(link)
    assert b"Log in to accept" in page.content
    client = client_for(outsider)
    assert b"Join Alpha Corp" in client.get(link).content
    assert client.post(link).status_code == 302
    assert client.get("/alpha/").status_code == 200
    assert client.get("/beta/").status_code == 200


@pytest.mark.django_db
def test_someone_logged_in_with_another_address_cannot_accept(admin_client, csm, invite):
    invite(email="someone-else@alpha.test")
    link = link_in(mail.outbox[0])
    response = client_for(csm).post(link)
    assert response.status_code == 403
    assert not User.objects.filter(email="someone-else@alpha.test").exists()


@pytest.mark.django_db
def test_inviting_a_member_or_a_pending_address_is_refused(admin_client, csm, org_a, invite):
    response = invite(email=csm.email)
    assert response.status_code == 400
    assert b"already a member" in response.content
    invite(email="dup@alpha.test")
    response = invite(email="DUP@alpha.test")
    assert response.status_code == 400
    assert b"pending invitation" in response.content
    with activate(org_a):
        assert Invitation.objects.count() == 1


@pytest.mark.django_db
def test_bad_invitation_input_gets_a_clear_error(admin_client, org_a):
    response = admin_client.post("/alpha/settings/members/invite/", {"email": "not-an-email", "role": "owner"})
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content
    assert b"Select a valid choice" in response.content
    with activate(org_a):
        assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_weak_password_on_acceptance_is_refused(admin_client, invite):
    invite()
    link = link_in(mail.outbox[0])
    response = Client().post(link, {"full_name": "Weak", "password1": "password", "password2": "password"})
    assert response.status_code == 200
    assert b"too common" in response.content
    assert not User.objects.filter(email="newbie@alpha.test").exists()


@pytest.mark.django_db
def test_a_deactivated_member_who_is_invited_again_is_reactivated(admin, org_a):
    returning = make_member(org_a, "back@alpha.test", Role.CSM)
    with activate(org_a):
        membership = Membership.objects.get(user=returning)
        services.deactivate_member(actor=admin, membership=membership)
        invitation = services.invite_member(actor=admin, organization=org_a, email=returning.email, role=Role.MANAGER)
        services.accept_invitation(invitation=invitation, user=returning)
        membership.refresh_from_db()
    assert membership.is_active and membership.role == Role.MANAGER
    assert client_for(returning).get("/alpha/").status_code == 200
