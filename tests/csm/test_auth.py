"""Logging in and out, lock-out, password reset and change, sign-up, the profile, deactivated members."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from csm import services
from csm.models import ActivityLog, Membership, Organization, Role, User
from csm.tenancy import activate
from tests.conftest import PASSWORD, client_for

NEW_PASSWORD = "a-long-and-unusual-passphrase"


def login(client: Client, email: str, password: str, **extra):
    return client.post("/login/", {"username": email, "password": password}, **extra)


@pytest.mark.django_db
def test_login_with_email_then_logout(csm):
    client = Client()
    response = login(client, "Carol@Alpha.test", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").url == "/alpha/"
    assert client.get("/alpha/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/alpha/").status_code == 302


@pytest.mark.django_db
def test_a_wrong_password_says_so_and_logs_nobody_in(csm):
    client = Client()
    response = login(client, csm.email, "wrong")
    assert response.status_code == 200
    assert b"do not match" in response.content
    assert client.get("/alpha/").status_code == 302


@pytest.mark.django_db
def test_repeated_failures_lock_the_attempt_out_for_a_while(csm, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, csm.email, "wrong")
    locked = login(client, csm.email, PASSWORD)
    assert locked.status_code == 429
    assert b"Too many failed attempts" in locked.content
    assert client.get("/alpha/").status_code == 302
    # Another address from the same place is not locked: the lock is per (username, IP address).
    assert login(Client(), "nobody@alpha.test", "wrong").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.AXES_COOLOFF_TIME * 60 + 1)):
        assert login(client, csm.email, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_lock_out_ignores_the_case_of_the_address(csm, settings):
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, csm.email.upper() if attempt % 2 else csm.email, "wrong")
    assert login(client, csm.email, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_password_reset_by_email(csm):
    client = Client()
    response = client.post("/password/reset/", {"email": csm.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    csm.refresh_from_db()
    assert csm.check_password(NEW_PASSWORD)
    # The link works once.
    assert b"no longer works" in Client().get(link, follow=True).content


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(db):
    response = Client().post("/password/reset/", {"email": "nobody@nowhere.test"})
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.django_db
def test_password_change_needs_the_old_password(csm):
    client = client_for(csm)
    wrong = client.post(
        "/profile/password/", {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert wrong.status_code == 200
    right = client.post(
        "/profile/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert right.status_code == 302
    csm.refresh_from_db()
    assert csm.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_sign_up_creates_an_organization_and_its_first_admin_once_the_address_is_confirmed(
    db, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/signup/",
            {
                "full_name": "Fiona Founder",
                "email": "Fiona@Gamma.test",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
                "organization_name": "Gamma Robotics",
                "organization_slug": "",
            },
        )
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    assert not Organization.objects.exists()
    link = re.search(r"http://testserver(/signup/confirm/\S+/)", mail.outbox[0].body).group(1)
    assert client.get(link)["Location"] == "/gamma-robotics/"
    organization = Organization.objects.get(slug="gamma-robotics")
    user = User.objects.get(email="fiona@gamma.test")
    with activate(organization):
        assert Membership.objects.get(user=user).role == Role.ADMIN
        assert ActivityLog.objects.filter(verb="organization.created", actor_user=user).exists()
    assert client.get("/gamma-robotics/settings/members/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["login", "api", "static", "signup", "healthz", "orgs", "Admin"])
def test_sign_up_refuses_slugs_that_clash_with_top_level_paths(db, slug):
    response = Client().post(
        "/signup/",
        {
            "full_name": "X",
            "email": "x@x.test",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "organization_name": "Clash",
            "organization_slug": slug,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="x@x.test").exists()
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_sign_up_refuses_a_taken_address_but_does_not_tell_that_an_email_has_an_account(csm, org_a):
    response = Client().post(
        "/signup/",
        {
            "full_name": "X",
            "email": csm.email,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "organization_name": "Other",
            "organization_slug": "alpha",
        },
    )
    # The email field has no error: whether an account has it is not said (tests/csm/test_signup_verification.py).
    assert b'id="id_email_error"' not in response.content and b"already exists" not in response.content
    assert b"is taken" in response.content
    assert Organization.objects.count() == 1


@pytest.mark.django_db
@override_settings(SIGNUP_ENABLED=False)
def test_sign_up_can_be_switched_off(csm):
    assert Client().get("/signup/").status_code == 404
    assert client_for(csm).get("/orgs/new/").status_code == 404
    assert b"Create an organization" not in Client().get("/login/").content


@pytest.mark.django_db
def test_a_deactivated_member_can_no_longer_open_the_organization_and_their_data_stays(admin, csm, org_a):
    client = client_for(csm)
    assert client.get("/alpha/").status_code == 200
    with activate(org_a):
        membership = Membership.objects.get(user=csm)
        services.deactivate_member(actor=admin, membership=membership)
    assert client.get("/alpha/").status_code == 404
    assert login(Client(), csm.email, PASSWORD).status_code == 302  # they may still log in elsewhere
    with activate(org_a):
        assert Membership.objects.filter(user=csm, is_active=False).exists()


@pytest.mark.django_db
def test_the_last_admin_cannot_be_demoted_or_deactivated(admin_client, admin, org_a):
    with activate(org_a):
        membership = Membership.objects.get(user=admin)
    response = admin_client.post(f"/alpha/settings/members/{membership.pk}/role/", {"role": "csm"})
    assert response.status_code == 302
    response = admin_client.post(f"/alpha/settings/members/{membership.pk}/deactivate/")
    with activate(org_a):
        membership.refresh_from_db()
    assert membership.role == Role.ADMIN and membership.is_active
    assert b"at least one active admin" in admin_client.get("/alpha/settings/members/").content


@pytest.mark.django_db
def test_changing_a_role_inline_returns_the_row_and_logs_the_change(admin_client, csm, org_a):
    with activate(org_a):
        membership = Membership.objects.get(user=csm)
    response = admin_client.post(
        f"/alpha/settings/members/{membership.pk}/role/", {"role": "manager"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert f'id="member-{membership.pk}"'.encode() in response.content
    assert b"<html" not in response.content
    with activate(org_a):
        membership.refresh_from_db()
        entry = ActivityLog.objects.get(verb="member.role_changed")
    assert membership.role == Role.MANAGER
    assert entry.changes == {"role": ["csm", "manager"]}


@pytest.mark.django_db
def test_profile_saves_name_sender_signature_and_timezone(csm):
    client = client_for(csm)
    response = client.post(
        "/profile/",
        {
            "full_name": "Carol C.",
            "sender_name": "Carol from Alpha",
            "email_signature": "— Carol",
            "timezone": "Europe/Paris",
        },
    )
    assert response.status_code == 302
    csm.refresh_from_db()
    assert (csm.full_name, csm.sender_name, csm.email_signature, csm.timezone) == (
        "Carol C.",
        "Carol from Alpha",
        "— Carol",
        "Europe/Paris",
    )
    bad = client.post("/profile/", {"full_name": "x", "timezone": "Mars/Olympus"})
    assert bad.status_code == 200
    csm.refresh_from_db()
    assert csm.timezone == "Europe/Paris"


@pytest.mark.django_db
def test_a_person_in_two_organizations_switches_between_them(csm, org_a, org_b):
    with activate(org_b):
        Membership.objects.create(organization=org_b, user=csm, role=Role.MANAGER)
    client = client_for(csm)
    page = client.get("/alpha/")
    assert b'href="/beta/"' in page.content and b'href="/alpha/"' in page.content
    assert client.get("/beta/").status_code == 200
    # The start page remembers the last organization.
    assert client.get("/").url == "/beta/"
    client.get("/alpha/")
    assert client.get("/").url == "/alpha/"


@pytest.mark.django_db
def test_the_switcher_does_not_show_other_peoples_organizations(csm, outsider):
    content = client_for(csm).get("/alpha/").content
    assert b"Beta Ltd" not in content


@pytest.mark.django_db
def test_an_admin_edits_the_organization_and_a_reserved_slug_is_refused(admin_client, org_a):
    response = admin_client.post(
        "/alpha/settings/organization/",
        {"name": "Alpha Corporation", "slug": "alpha", "timezone": "Europe/Berlin", "currency": "EUR"},
    )
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert (org_a.name, org_a.timezone, org_a.currency) == ("Alpha Corporation", "Europe/Berlin", "EUR")
    refused = admin_client.post(
        "/alpha/settings/organization/", {"name": "X", "slug": "login", "timezone": "UTC", "currency": "EUR"}
    )
    assert refused.status_code == 200
    assert b"reserved" in refused.content
    org_a.refresh_from_db()
    assert org_a.slug == "alpha" and org_a.name == "Alpha Corporation"
    with activate(org_a):
        entry = ActivityLog.objects.get(verb="organization.updated")
    assert entry.changes["currency"] == ["USD", "EUR"]


@pytest.mark.django_db
def test_behind_a_proxy_the_lock_out_counts_per_forwarded_client(csm, settings):
    settings.AXES_CLIENT_IP_CALLABLE = "csm.auth.forwarded_client_ip"
    attacker = {"HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.9", "REMOTE_ADDR": "172.18.0.1"}
    colleague = {"HTTP_X_FORWARDED_FOR": "203.0.113.77", "REMOTE_ADDR": "172.18.0.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), csm.email, "wrong", **attacker)
    assert login(Client(), csm.email, PASSWORD, **attacker).status_code == 429
    # Same proxy address, another client: still welcome.
    assert login(Client(), csm.email, PASSWORD, **colleague).status_code == 302
    # Forging the first entry does not help: the proxy's last entry is what counts.
    forged = {"HTTP_X_FORWARDED_FOR": "10.9.9.9, 203.0.113.9", "REMOTE_ADDR": "172.18.0.1"}
    assert login(Client(), csm.email, PASSWORD, **forged).status_code == 429
