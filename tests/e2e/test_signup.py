"""Signing up in the browser: the form answers "check your inbox", and the emailed link opens the new organization
(security audit, issue 8 item 16)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from csm.models import Membership, Organization, Role, User
from tests.e2e.conftest import answered, stored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-and-unusual-passphrase"


def test_sign_up_then_open_the_emailed_link_and_land_in_the_new_organization(live_server, page: Page, watch_console):
    page.goto(f"{live_server.url}/signup/")
    page.get_by_label("Your name").fill("Fiona Founder")
    page.get_by_label("Work email").fill("fiona@gamma.test")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("Company name").fill("Gamma Robotics")
    with answered(page, "/signup/"):
        page.get_by_role("button", name="Create organization").click()

    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(page.get_by_text("fiona@gamma.test")).to_be_visible()
    assert not Organization.objects.filter(slug="gamma-robotics").exists()
    assert not User.objects.filter(email="fiona@gamma.test").exists()

    [message] = mail.outbox
    assert message.to == ["fiona@gamma.test"]
    link = re.search(r"http://testserver(/signup/confirm/[^/\s]+/)", message.body).group(1)
    page.goto(f"{live_server.url}{link}")

    expect(page).to_have_url(f"{live_server.url}/gamma-robotics/")
    expect(page.get_by_text("Your address is confirmed and Gamma Robotics is ready")).to_be_visible()
    organization = Organization.objects.get(slug="gamma-robotics")
    role = stored(organization, lambda: Membership.objects.get(user__email="fiona@gamma.test").role)
    assert role == Role.ADMIN
