"""Asking for a password-reset email: the link is built from SITE_URL, and the emails are limited per email and per
client address without the page ever telling whether an email was sent, limited, or has no account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from csm.models import User
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture(autouse=True)
def limits(settings):
    """The thresholds these tests are written for, whatever the environment says (the counts live in PostgreSQL
    and go with each test's rolled-back transaction)."""
    settings.PASSWORD_RESET_EMAIL_LIMIT = 3
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 10
    settings.PASSWORD_RESET_LIMIT_MINUTES = 60
    return settings


def ask(email: str, address: str = "127.0.0.1", **extra):
    return Client().post("/password/reset/", {"email": email}, REMOTE_ADDR=address, **extra)


def assert_same_answer(response) -> None:
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/sent/"


@pytest.mark.django_db
def test_the_link_comes_from_site_url_not_from_the_host_header(csm, settings):
    settings.SITE_URL = "https://cs.example.com"
    response = ask(csm.email, HTTP_HOST="localhost:6666")
    assert_same_answer(response)
    (email,) = mail.outbox
    assert "localhost" not in email.body
    link = re.search(r"https://cs\.example\.com(/password/reset/\S+/)", email.body).group(1)
    # The path is the real one: it opens the form to choose a new password.
    client = Client()
    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    csm.refresh_from_db()
    assert csm.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_at_most_three_emails_per_email_per_hour_and_the_page_never_tells(csm):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for number in range(6):
            # From several addresses, in any case: the email is what is limited.
            assert_same_answer(ask(csm.email.upper() if number % 2 else csm.email, f"198.51.100.{number + 1}"))
        assert len(mail.outbox) == 3
        assert {message.to[0] for message in mail.outbox} == {csm.email}
        clock.shift(timedelta(minutes=61))
        assert_same_answer(ask(csm.email))
        assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_at_most_ten_requests_per_address_per_hour_known_emails_or_not(org_a):
    people = [User.objects.create_user(email=f"person{number}@alpha.test", password=PASSWORD) for number in range(12)]
    address = "192.0.2.50"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for number in range(4):
            assert_same_answer(ask(f"nobody{number}@alpha.test", address))
        for person in people:
            assert_same_answer(ask(person.email, address))
        assert len(mail.outbox) == 6  # 10 requests went through, 4 of them for no account
        # Another address is not held back.
        assert_same_answer(ask(people[-1].email, "192.0.2.51"))
        assert [message.to[0] for message in mail.outbox][-1] == people[-1].email
        clock.shift(timedelta(minutes=61))
        assert_same_answer(ask(people[-2].email, address))
        assert len(mail.outbox) == 8


@pytest.mark.django_db
def test_refused_requests_do_not_hold_back_the_owners_emails(csm):
    """An attacker who keeps asking for the owner's email gets them no further: the refused requests are not
    counted, so the owner's mailbox keeps receiving links (up to the limit) rather than none."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for number in range(20):
            ask(csm.email, f"203.0.113.{number + 1}")
        assert len(mail.outbox) == 3
        clock.shift(timedelta(minutes=61))
        assert_same_answer(ask(csm.email, "198.51.100.7"))
        assert len(mail.outbox) == 4


def test_the_limits_are_settings_with_the_documented_defaults():
    from csm import settings as defaults

    assert (defaults.PASSWORD_RESET_EMAIL_LIMIT, defaults.PASSWORD_RESET_ADDRESS_LIMIT) == (3, 10)
    assert defaults.PASSWORD_RESET_LIMIT_MINUTES == 60
