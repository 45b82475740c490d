"""The limits on guessing passwords beyond axes' (email, address) lock-out (csm.auth_limits): one email over every
address (a pause that grows), one address over every email (a cool-off), and what keeps the owner able to log in."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.backends import ModelBackend
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD

NEW_PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture(autouse=True)
def limits(settings):
    """The thresholds these tests are written for, whatever the environment says. The counters live in PostgreSQL
    (csm.auth_limits), so each test starts from none: its transaction is rolled back after it."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_EMAIL_FAILURE_LIMIT = 10
    settings.LOGIN_EMAIL_FAILURE_HOURS = 24
    settings.LOGIN_EMAIL_FIRST_PAUSE_SECONDS = 60
    settings.LOGIN_EMAIL_PAUSE_MAX_MINUTES = 60
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 30
    settings.LOGIN_ADDRESS_LOCKOUT_MINUTES = 60
    return settings


@pytest.fixture(autouse=True)
def clock():
    """Time stands still unless a test moves it: pauses and blocks are computed to the second."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def login(client: Client, email: str, password: str, address: str = "127.0.0.1"):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def guess_from_many_addresses(email: str, count: int, per_address: int = 4) -> list[int]:
    """`count` wrong passwords for `email`, `per_address` from each address (under axes' own limit of 5)."""
    return [
        login(Client(), email, "wrong", f"203.0.113.{attempt // per_address + 1}").status_code
        for attempt in range(count)
    ]


def logged_in(client: Client) -> bool:
    return client.get("/alpha/").status_code == 200


@pytest.mark.django_db
def test_guesses_spread_over_many_addresses_pause_the_account(csm):
    # The audit's attack: 80 guesses from 20 addresses, 4 each, which axes alone never slowed down.
    statuses = guess_from_many_addresses(csm.email, 80)
    assert statuses[:10] == [200] * 10  # checked, and refused as wrong
    assert statuses[10:] == [429] * 70  # not even checked
    # The right password from yet another address waits too, and the page says why and what to do.
    client = Client()
    paused = login(client, csm.email, PASSWORD, "198.51.100.1")
    assert paused.status_code == 429
    assert not logged_in(client)
    text = paused.content.decode()
    assert "Too many failed attempts" in text
    assert csm.email in text
    assert "1 minute" in text
    assert 'href="/password/reset/"' in text
    assert int(paused["Retry-After"]) == 60


@pytest.mark.django_db
def test_each_further_failure_doubles_the_pause_up_to_its_cap_and_the_right_password_works_after_it(
    csm, settings, clock
):
    settings.LOGIN_EMAIL_FAILURE_LIMIT = 3
    settings.LOGIN_EMAIL_PAUSE_MAX_MINUTES = 2
    assert guess_from_many_addresses(csm.email, 3, per_address=1) == [200] * 3
    assert login(Client(), csm.email, PASSWORD, "198.51.100.1").status_code == 429  # 1 minute
    clock.shift(timedelta(seconds=61))
    assert login(Client(), csm.email, "wrong", "198.51.100.2").status_code == 200  # checked: now 2 minutes
    clock.shift(timedelta(seconds=61))
    assert login(Client(), csm.email, PASSWORD, "198.51.100.3").status_code == 429
    clock.shift(timedelta(seconds=60))
    assert login(Client(), csm.email, "wrong", "198.51.100.4").status_code == 200  # 4 minutes, capped at 2
    clock.shift(timedelta(seconds=119))
    assert login(Client(), csm.email, PASSWORD, "198.51.100.5").status_code == 429
    clock.shift(timedelta(seconds=2))
    client = Client()
    assert login(client, csm.email, PASSWORD, "198.51.100.6").status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_attempts_refused_during_a_pause_do_not_make_it_longer(csm, clock):
    guess_from_many_addresses(csm.email, 10)
    for _ in range(20):
        assert login(Client(), csm.email, "wrong", "198.51.100.1").status_code == 429
    clock.shift(timedelta(seconds=61))
    assert login(Client(), csm.email, PASSWORD, "198.51.100.1").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_the_moment_a_pause_ends_get_one_check_between_them(csm, monkeypatch, clock):
    slow_check = ModelBackend.authenticate

    def authenticate(self, request, **credentials):
        time.sleep(0.3)  # a real hasher's time, so that the requests overlap
        return slow_check(self, request, **credentials)

    guess_from_many_addresses(csm.email, 10)
    clock.shift(timedelta(seconds=61))
    monkeypatch.setattr(ModelBackend, "authenticate", authenticate)
    start = threading.Barrier(4)
    statuses: list[int] = []

    def guess(number: int) -> None:
        try:
            start.wait()
            statuses.append(login(Client(), csm.email, "wrong", f"198.51.100.{number}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(number,)) for number in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 429, 429, 429]


@pytest.mark.django_db
def test_the_owners_browser_is_not_paused_by_failures_elsewhere(csm, outsider):
    owner = Client()
    assert login(owner, csm.email, PASSWORD, "198.51.100.7").status_code == 302
    owner.post("/logout/")
    # The attacker's browser has logged in before too, but to the attacker's own account.
    attacker = Client()
    assert login(attacker, outsider.email, PASSWORD, "203.0.113.99").status_code == 302
    attacker.post("/logout/")

    guess_from_many_addresses(csm.email, 40)

    assert login(attacker, csm.email, PASSWORD, "203.0.113.99").status_code == 429
    assert login(Client(), csm.email, PASSWORD, "198.51.100.7").status_code == 429  # a new browser waits
    # The browser that logged in to this account before is let in, from home or from anywhere else.
    assert login(owner, csm.email, PASSWORD, "198.51.100.7").status_code == 302
    assert logged_in(owner)
    owner.post("/logout/")
    assert login(owner, csm.email, PASSWORD, "192.0.2.200").status_code == 302


@pytest.mark.django_db
def test_a_password_change_retires_the_browsers_that_knew_the_old_one(csm):
    client = Client()
    assert login(client, csm.email, PASSWORD, "198.51.100.7").status_code == 302
    client.post("/logout/")
    csm.set_password(NEW_PASSWORD)
    csm.save()
    guess_from_many_addresses(csm.email, 10)
    assert login(client, csm.email, NEW_PASSWORD, "198.51.100.7").status_code == 429


@pytest.mark.django_db
def test_a_password_reset_lifts_the_pause_and_the_owners_own_lock_out(csm):
    # The owner fumbled five times at home (axes' lock-out), an attacker paused the account from elsewhere.
    home = "198.51.100.7"
    for _ in range(5):
        login(Client(), csm.email, "wrong", home)
    guess_from_many_addresses(csm.email, 20)
    assert login(Client(), csm.email, PASSWORD, home).status_code == 429
    assert login(Client(), csm.email, PASSWORD, "192.0.2.200").status_code == 429

    phone = Client()
    phone.post("/password/reset/", {"email": csm.email}, REMOTE_ADDR=home)
    link = re.search(r"http://testserver(/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form = phone.get(link, follow=True)
    phone.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    # The browser that chose the new password, and any other with it, log in at once.
    assert login(phone, csm.email, NEW_PASSWORD, home).status_code == 302
    laptop = Client()
    assert login(laptop, csm.email, NEW_PASSWORD, home).status_code == 302
    assert logged_in(laptop)


@pytest.mark.django_db
def test_an_unknown_email_is_paused_exactly_like_an_account(csm):
    guess_from_many_addresses(csm.email, 10)
    guess_from_many_addresses("nobody@alpha.test", 10)
    known = login(Client(), csm.email, "wrong", "198.51.100.1")
    unknown = login(Client(), "nobody@alpha.test", "wrong", "198.51.100.1")
    assert known.status_code == unknown.status_code == 429
    assert known["Retry-After"] == unknown["Retry-After"]
    assert "Too many failed attempts" in unknown.content.decode()


@pytest.mark.django_db
def test_many_emails_from_one_address_lock_the_address_out_for_a_cool_off(csm, clock):
    address = "192.0.2.50"
    # Credential stuffing: a few guesses for each of many emails, never enough for axes or the per-email pause.
    for number in range(30):
        assert login(Client(), f"person{number // 3}@example.test", "wrong", address).status_code == 200
    refused = login(Client(), csm.email, PASSWORD, address)
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "from your network" in text
    assert 'href="/password/reset/"' in text
    assert int(refused["Retry-After"]) == 60 * 60
    # Nobody else is affected, the account included.
    assert login(Client(), csm.email, PASSWORD, "192.0.2.51").status_code == 302
    clock.shift(timedelta(minutes=61))
    assert login(Client(), csm.email, PASSWORD, address).status_code == 302


@pytest.mark.django_db
def test_an_ipv6_client_is_counted_by_its_64_network(csm, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    # One network hands its host any of 2**64 addresses: changing the last half buys nothing.
    for number in range(6):
        login(Client(), f"person{number}@example.test", "wrong", f"2001:db8:1:2::{number + 1:x}")
    assert login(Client(), csm.email, PASSWORD, "2001:db8:1:2:ffff::1").status_code == 429
    assert login(Client(), csm.email, PASSWORD, "2001:db8:1:3::1").status_code == 302


def test_the_thresholds_are_settings_with_the_documented_defaults():
    from csm import settings as defaults

    assert (defaults.LOGIN_EMAIL_FAILURE_LIMIT, defaults.LOGIN_EMAIL_PAUSE_MAX_MINUTES) == (10, 60)
    assert (defaults.LOGIN_ADDRESS_FAILURE_LIMIT, defaults.LOGIN_ADDRESS_LOCKOUT_MINUTES) == (30, 60)
