"""Every page renders, in a number of queries that does not grow with the data; the activity log reads well."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import engines

from csm import activity, services
from csm.models import Role
from csm.tenancy import activate
from tests.conftest import count_queries, make_member

ROOT = Path(__file__).resolve().parents[2]

ADMIN_PAGES = [
    "/alpha/",
    "/alpha/accounts/",
    "/alpha/tasks/",
    "/alpha/tickets/",
    "/alpha/tickets/board/",
    "/alpha/board/",
    "/alpha/settings/workspace/tiers/",
    "/alpha/dashboards/",
    "/alpha/playbooks/",
    "/alpha/settings/organization/",
    "/alpha/settings/members/",
    "/alpha/settings/api-keys/",
    "/alpha/settings/activity/",
    "/profile/",
    "/profile/password/",
    "/orgs/",
    "/orgs/new/",
]


def grow(organization, admin, n: int) -> None:
    """n more members, invitations, keys and log entries."""
    for i in range(n):
        suffix = f"{organization.slug}-{i}-{id(object())}"
        make_member(organization, f"member-{suffix}@x.test", Role.CSM)
        with activate(organization):
            services.invite_member(actor=admin, organization=organization, email=f"inv-{suffix}@x.test", role=Role.CSM)
            services.create_api_key(actor=admin, organization=organization, name=f"key {i}")
            activity.record(organization=organization, actor=admin, verb="test.entry", changes={"a": [1, 2]})


@pytest.mark.django_db
def test_every_page_renders_in_a_constant_number_of_queries(admin_client, admin, org_a):
    grow(org_a, admin, 2)
    for path in ADMIN_PAGES:  # the first visit of an organization remembers it as the person's last one
        admin_client.get(path)
    small = {path: count_queries(admin_client, path) for path in ADMIN_PAGES}
    grow(org_a, admin, 12)
    large = {path: count_queries(admin_client, path) for path in ADMIN_PAGES}
    assert large == small
    # Session, user, tenant setup and savepoints included; the list's filter form lists owners, tiers, stages
    # and segments.
    assert max(small.values()) <= 20, small


def test_every_template_compiles():
    engine = engines["django"]
    templates = [
        p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts and "node_modules" not in p.parts
    ]
    assert len(templates) > 20
    for path in templates:
        name = str(path).split("/templates/", 1)[1]
        engine.get_template(name)


@pytest.mark.django_db
def test_the_activity_log_filters_and_pages_by_cursor(admin_client, admin, csm, org_a):
    with activate(org_a):
        for i in range(60):
            activity.record(organization=org_a, actor=admin, verb="test.entry", data={"i": i})
        activity.record(organization=org_a, actor=csm, verb="member.role_changed", changes={"role": ["csm", "manager"]})
        activity.record(organization=org_a, actor=activity.Actor.integration("Stripe"), verb="billing.synced")
    page = admin_client.get("/alpha/settings/activity/")
    content = page.content.decode()
    assert content.count("<li>\n      <time") == 50
    assert "Billing synced" in content and "Member role changed" in content
    older = page.context["older"]
    assert older
    second = admin_client.get(f"/alpha/settings/activity/?before={older}", headers={"HX-Request": "true"})
    assert second.status_code == 200 and "<html" not in second.content.decode()
    assert second.content.decode().count("<time") == 12  # 63 entries, 50 on the first page

    only_integrations = admin_client.get("/alpha/settings/activity/?actor_kind=integration").content.decode()
    assert "Stripe" in only_integrations and "Test entry" not in only_integrations
    with activate(org_a):
        from csm.models import Membership

        carol = Membership.objects.get(user=csm)
    by_person = admin_client.get(f"/alpha/settings/activity/?person={carol.pk}").content.decode()
    assert "Member role changed" in by_person and "Test entry" not in by_person
    by_verb = admin_client.get("/alpha/settings/activity/?verb=member.").content.decode()
    assert "Member role changed" in by_verb and "Billing synced" not in by_verb


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", ["garbage", "123", "_", "99999999999999999999_1", "1_x"])
def test_a_malformed_activity_cursor_shows_the_newest_page(admin_client, cursor):
    assert admin_client.get(f"/alpha/settings/activity/?before={cursor}").status_code == 200


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(csm_client):
    response = csm_client.get("/alpha/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    content = response.content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in content
    assert "/static/django_htmx/htmx-2" in content or "htmx" in content
    assert "http://" not in content.replace("http://www.w3.org", "") and "https://" not in content


@pytest.mark.django_db
def test_error_pages(csm_client, manager_client):
    not_found = csm_client.get("/alpha/nothing/")
    assert not_found.status_code == 404 and b"This page does not exist" in not_found.content
    forbidden = csm_client.get("/alpha/settings/members/")
    assert forbidden.status_code == 403 and b"Your role does not allow this" in forbidden.content
    assert b"Admin role" in forbidden.content


def test_the_500_page_stands_alone():
    content = (ROOT / "templates" / "500.html").read_text()
    assert "{%" not in content and "{{" not in content
