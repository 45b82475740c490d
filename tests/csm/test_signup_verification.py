"""Sign-up proves the address before anything exists (security audit, issue 8 item 16): the answer is the same
whether or not an account has the email, the person and the organization are created only when the emailed link is
opened, and the owner of an email that has an account is told instead of sent a link."""

from __future__ import annotations

import re
import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from csm import services
from csm.celery import app
from csm.models import ActivityLog, Membership, Organization, Role, SignUp, User
from csm.tasks import send_sign_up_email
from csm.tenancy import activate
from tests.conftest import PASSWORD, make_member, make_organization

CHOSEN = "a-long-and-unusual-passphrase"
IMPOSTOR = "the-impostors-own-passphrase"

pytestmark = pytest.mark.django_db


def form(email: str, **overrides: str) -> dict[str, str]:
    return {
        "full_name": "Fiona Founder",
        "email": email,
        "password1": CHOSEN,
        "password2": CHOSEN,
        "organization_name": "Gamma Robotics",
        "organization_slug": "",
        **overrides,
    }


@pytest.fixture
def sign_up(django_capture_on_commit_callbacks):
    """Post the sign-up form from `client` (a new browser by default); the email task runs once the request's
    transaction commits, as it does in production."""

    def post(email: str, client: Client | None = None, **overrides: str):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or Client()).post("/signup/", form(email, **overrides))

    return post


def login(client: Client, email: str, password: str):
    return client.post("/login/", {"username": email, "password": password})


def confirmation_link(message: mail.EmailMessage) -> str:
    match = re.search(r"http://testserver(/signup/confirm/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def without_per_request_values(content: bytes) -> bytes:
    """A page without what differs on every request anyway: the CSP nonce and the CSRF token."""
    return re.sub(rb'(nonce="|"X-CSRFToken": ")[^"]*"', rb'\1"', content)


def nothing_created() -> bool:
    return (
        not Organization.objects.filter(slug__startswith="gamma").exists()
        and not User.objects.filter(email="fiona@gamma.test").exists()
    )


# -- The same answer whatever the email ---------------------------------------------------------------------------


def test_a_new_email_and_one_with_an_account_get_the_same_answer(csm, sign_up):
    answers = {}
    for email in ("fiona@gamma.test", csm.email):
        client = Client()
        response = sign_up(email, client)
        page = client.get(response["Location"]) if response.status_code == 302 else response
        content = without_per_request_values(page.content)
        answers[email] = (response.status_code, response.get("Location"), page.status_code, content)
    new, existing = answers["fiona@gamma.test"], answers[csm.email]
    assert new[:3] == existing[:3] == (302, "/signup/sent/", 200)
    assert b"Check your inbox" in new[3]
    assert b"fiona@gamma.test" in new[3] and csm.email.encode() in existing[3]
    assert new[3].replace(b"fiona@gamma.test", csm.email.encode()) == existing[3]
    # What is stored is alike too: one pending sign-up for each, no person and no organization for either (the
    # second sign-up could take the wanted address "gamma-robotics": the first one did not reserve it).
    assert set(SignUp.objects.values_list("email", flat=True)) == {"fiona@gamma.test", csm.email}
    assert nothing_created()
    assert list(Organization.objects.values_list("slug", flat=True)) == ["alpha"]


def test_nothing_exists_until_the_emailed_link_is_opened_then_it_logs_in_and_opens_the_organization(db, sign_up):
    client = Client()
    sign_up("Fiona@Gamma.test", client)
    assert nothing_created()
    assert client.get("/").status_code == 302 and client.get("/").url.startswith("/login/")

    [message] = mail.outbox
    assert message.to == ["fiona@gamma.test"]
    assert "Confirm your email address" in message.subject
    assert "Gamma Robotics" in message.body
    link = confirmation_link(message)

    opened = client.get(link)
    assert opened.status_code == 302 and opened["Location"] == "/gamma-robotics/"
    assert client.get("/gamma-robotics/").status_code == 200
    user = User.objects.get(email="fiona@gamma.test")
    assert user.check_password(CHOSEN) and user.full_name == "Fiona Founder"
    organization = Organization.objects.get(slug="gamma-robotics")
    with activate(organization):
        assert Membership.objects.get(user=user).role == Role.ADMIN
        assert ActivityLog.objects.filter(verb="organization.created", actor_user=user).exists()
    assert not SignUp.objects.exists()

    # The link works once.
    again = Client().get(link)
    assert again.status_code == 404 and b"no longer works" in again.content
    assert Organization.objects.filter(slug__startswith="gamma").count() == 1


def test_an_email_with_an_account_gets_a_note_to_its_owner_and_nothing_is_created(csm, org_a, sign_up):
    sign_up(csm.email, organization_slug="alpha-two")
    [message] = mail.outbox
    assert message.to == [csm.email]
    assert "Someone tried to sign up" in message.subject
    assert "http://testserver/login/" in message.body and "http://testserver/password/reset/" in message.body
    assert "/signup/confirm/" not in message.body
    assert list(Organization.objects.values_list("slug", flat=True)) == ["alpha"]
    assert User.objects.filter(email=csm.email).count() == 1
    csm.refresh_from_db()
    assert csm.check_password(PASSWORD)


# -- Logging in before confirming ----------------------------------------------------------------------------------


@pytest.mark.parametrize("has_account", [False, True], ids=["new email", "email with an account"])
def test_logging_in_before_confirming_says_so_and_sends_the_link_again(has_account, csm, sign_up):
    email = csm.email if has_account else "fiona@gamma.test"
    sign_up(email)
    client = Client()
    page = login(client, email, CHOSEN)
    # The same page either way: the password typed at sign-up is the pending sign-up's, not the account's.
    assert page.status_code == 200
    assert b"not confirmed yet" in page.content and b"Send the link again" in page.content
    assert client.get("/orgs/").status_code == 302
    token = re.search(rb'name="token" value="([^"]+)"', page.content).group(1).decode()

    resent = client.post("/signup/resend/", {"token": token})
    assert resent.status_code == 302 and resent["Location"] == "/signup/sent/"
    assert b"Check your inbox" in client.get("/signup/sent/").content


def test_the_link_sent_again_replaces_the_first_and_opens_the_organization(
    db, sign_up, django_capture_on_commit_callbacks
):
    sign_up("fiona@gamma.test")
    first = confirmation_link(mail.outbox[0])
    client = Client()
    page = login(client, "fiona@gamma.test", CHOSEN)
    token = re.search(rb'name="token" value="([^"]+)"', page.content).group(1).decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/signup/resend/", {"token": token})
    assert len(mail.outbox) == 2
    second = confirmation_link(mail.outbox[1])
    assert Client().get(first).status_code == 404
    # This browser typed the password at the login page: the link opens at once.
    assert client.get(second)["Location"] == "/gamma-robotics/"
    # The account exists now: the login page logs in as usual.
    assert login(Client(), "fiona@gamma.test", CHOSEN)["Location"] == "/"


def test_the_send_again_button_works_only_with_the_token_of_a_login_that_knew_the_password(db, sign_up):
    sign_up("fiona@gamma.test")
    assert login(Client(), "fiona@gamma.test", "not-the-password").content.count(b"Send the link again") == 0
    forged = Client().post("/signup/resend/", {"token": "fiona@gamma.test"})
    assert forged.status_code == 302 and forged["Location"] == "/login/"
    assert len(mail.outbox) == 1


def test_at_most_three_sign_up_emails_an_hour_to_one_address_and_the_answer_never_changes(db, sign_up):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        answers = [sign_up("fiona@gamma.test", organization_name=f"Gamma {n}") for n in range(5)]
        assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/signup/sent/")}
        assert len(mail.outbox) == 3
        # Held back: the details of the last email's sign-up stand, and its link works.
        assert SignUp.objects.get().organization_name == "Gamma 2"
        clock.shift(timedelta(minutes=61))
        sign_up("fiona@gamma.test", organization_name="Gamma 5")
        assert len(mail.outbox) == 4


def test_a_second_sign_up_of_a_pending_email_makes_one_organization_and_only_its_link_works(db, sign_up):
    client = Client()
    sign_up("fiona@gamma.test", client, organization_name="Gamma One")
    sign_up("fiona@gamma.test", client, organization_name="Gamma Two", organization_slug="gamma-two")
    assert SignUp.objects.count() == 1
    first, second = (confirmation_link(message) for message in mail.outbox)
    assert Client().get(first).status_code == 404
    assert client.get(second)["Location"] == "/gamma-two/"
    assert list(Organization.objects.values_list("name", flat=True)) == ["Gamma Two"]


# -- The link ------------------------------------------------------------------------------------------------------


def test_the_link_opened_in_another_browser_asks_for_the_sign_up_password(db, sign_up):
    sign_up("fiona@gamma.test")
    link = confirmation_link(mail.outbox[0])
    phone = Client()
    page = phone.get(link)
    assert page.status_code == 200 and b"Enter the password you chose" in page.content
    assert nothing_created()
    wrong = phone.post(link, {"password": "not-the-password"})
    assert wrong.status_code == 200 and b"not the password chosen" in wrong.content
    assert nothing_created()
    right = phone.post(link, {"password": CHOSEN})
    assert right.status_code == 302 and right["Location"] == "/gamma-robotics/"
    assert phone.get("/gamma-robotics/").status_code == 200


def test_an_impostors_sign_up_with_your_address_never_becomes_your_account(db, sign_up):
    """Pre-hijacking: an impostor signs up with the owner's address and a password of theirs. The owner, opening
    the link, does not get an account whose password the impostor knows."""
    owner_browser = Client()
    sign_up("fiona@gamma.test", Client(), password1=IMPOSTOR, password2=IMPOSTOR)
    impostors_link = confirmation_link(mail.outbox[-1])
    assert owner_browser.get(impostors_link).status_code == 200  # asks for the impostor's password
    assert nothing_created()

    # The owner signs up; then the impostor again, replacing the owner's details: the owner's browser no longer
    # confirms the newest link by itself.
    sign_up("fiona@gamma.test", owner_browser)
    sign_up("fiona@gamma.test", Client(), password1=IMPOSTOR, password2=IMPOSTOR)
    newest = confirmation_link(mail.outbox[-1])
    assert owner_browser.get(newest).status_code == 200
    assert owner_browser.post(newest, {"password": CHOSEN}).status_code == 200
    assert nothing_created()


def test_the_link_expires_after_the_configured_days_and_the_pending_sign_up_is_cleared(db, sign_up, settings):
    settings.SIGNUP_CONFIRMATION_DAYS = 3
    client = Client()
    sign_up("fiona@gamma.test", client)
    link = confirmation_link(mail.outbox[0])
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert client.get(link).status_code == 404
        # The login page no longer offers it either.
        assert b"not confirmed yet" not in login(Client(), "fiona@gamma.test", CHOSEN).content
        assert services.delete_expired_sign_ups() == 1
    assert nothing_created() and not SignUp.objects.exists()
    beat = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert "csm.tasks.clear_expired_sign_ups" in beat


def test_an_address_that_gained_an_account_meanwhile_is_not_signed_up_twice(org_a, sign_up):
    client = Client()
    sign_up("fiona@gamma.test", client)
    link = confirmation_link(mail.outbox[0])
    make_member(org_a, "fiona@gamma.test", Role.CSM)  # an invitation came first
    page = client.get(link)
    assert page.status_code == 404 and b"You already have an account" in page.content
    assert list(Organization.objects.values_list("slug", flat=True)) == ["alpha"]
    assert not SignUp.objects.exists()


def test_an_address_taken_before_the_link_is_opened_gets_a_free_one(db, sign_up):
    client = Client()
    sign_up("fiona@gamma.test", client, organization_slug="gamma")
    make_organization("Gamma Labs", "gamma")
    opened = client.get(confirmation_link(mail.outbox[0]))
    assert opened["Location"] == "/gamma-2/"
    assert b"was taken meanwhile" in client.get("/gamma-2/").content


# -- The email -----------------------------------------------------------------------------------------------------


def test_the_email_of_a_link_is_sent_once_and_retried_only_when_surely_not_sent(db, service, sign_up):
    service.errors = [smtplib.SMTPServerDisconnected("gone")]
    sign_up("fiona@gamma.test")
    assert len(service.sent) == 1  # refused once, sent on the retry
    pending = SignUp.objects.get()
    assert send_sign_up_email(pending.pk, pending.nonce) == ""  # asked again: already claimed
    assert len(service.sent) == 1

    service.errors = [TimeoutError("read timed out")]  # the service may have taken it: never sent twice
    sign_up("fiona@gamma.test", organization_name="Gamma Again")
    assert len(service.sent) == 1
    pending.refresh_from_db()
    assert pending.mailed_nonce == pending.nonce


def test_one_client_gets_at_most_ten_sign_up_emails_an_hour_to_any_addresses(db, sign_up, settings):
    # Otherwise the form would mail any number of strangers, 3 each (audit: no per-IP limit on sign-up emails).
    with time_machine.travel(timezone.now(), tick=False) as clock:
        answers = [sign_up(f"person{n}@gamma.test", organization_name=f"Gamma {n}") for n in range(12)]
        assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/signup/sent/")}
        assert len(mail.outbox) == settings.SIGNUP_ADDRESS_LIMIT == 10
        assert not SignUp.objects.filter(email__in=["person10@gamma.test", "person11@gamma.test"]).exists()
        # Another client is not held back by this one.
        sign_up("person12@gamma.test", client=Client(REMOTE_ADDR="203.0.113.9"))
        assert len(mail.outbox) == 11
        clock.shift(timedelta(minutes=61))
        sign_up("person13@gamma.test")
        assert len(mail.outbox) == 12
