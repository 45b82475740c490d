"""The role matrix: every URL of the foundation, requested as anonymous, each role and an outsider."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from csm import services
from csm.models import ApiKey, Invitation, Membership, Organization, Role, User
from csm.tenancy import activate
from tests.access.conftest import built
from tests.conftest import client_for, make_member
from tests.matrix import LOGIN, Case, all_cases

# Expected status per persona; LOGIN means a redirect to the login page. Outsiders always get 404 inside /{org}/.
CASES = ORGANIZATION_CASES = [
    Case("org_home", "get", "/{org}/", 200, 200, 200),
    Case("dashboards:index", "get", "/{org}/dashboards/", 403, 200, 200),
    Case("playbooks:list", "get", "/{org}/playbooks/", 200, 200, 200),
    Case("settings:index", "get", "/{org}/settings/", 403, 403, 302),
    Case("settings:organization", "get", "/{org}/settings/organization/", 403, 403, 200),
    Case("settings:members", "get", "/{org}/settings/members/", 403, 403, 200),
    Case("settings:invite", "post", "/{org}/settings/members/invite/", 403, 403, 302,
         (("email", "new@alpha.test"), ("role", "csm"))),
    Case("settings:member_role", "post", "/{org}/settings/members/{membership}/role/", 403, 403, 302,
         (("role", "manager"),)),
    Case("settings:member_deactivate", "post", "/{org}/settings/members/{membership}/deactivate/", 403, 403,
         302),
    Case("settings:member_reactivate", "post", "/{org}/settings/members/{membership}/reactivate/", 403, 403,
         302),
    Case("settings:invitation_resend", "post", "/{org}/settings/invitations/{invitation}/resend/", 403, 403,
         302),
    Case("settings:invitation_revoke", "post", "/{org}/settings/invitations/{invitation}/revoke/", 403, 403,
         302),
    Case("settings:api_keys", "get", "/{org}/settings/api-keys/", 403, 403, 200),
    Case("settings:api_key_revoke", "post", "/{org}/settings/api-keys/{api_key}/revoke/", 403, 403, 302),
    Case("settings:activity", "get", "/{org}/settings/activity/", 403, 403, 200),
    Case("settings:emails", "get", "/{org}/settings/emails/", 403, 403, 200),
]  # fmt: skip


def _core_world(org_a: Organization, org_b: Organization, admin: User, outsider: User) -> dict[str, dict[str, int]]:
    target = make_member(org_a, "target@alpha.test", Role.CSM)
    other = make_member(org_b, "target@beta.test", Role.CSM)
    ids = {}
    for organization, person, inviter in ((org_a, target, admin), (org_b, other, outsider)):
        with activate(organization):
            invitation = services.invite_member(
                actor=inviter, organization=organization, email=f"invitee@{organization.slug}.test", role=Role.CSM
            )
            api_key, _ = services.create_api_key(actor=inviter, organization=organization, name="CRM")
            ids[organization.slug] = {
                "membership": Membership.objects.get(user=person).pk,
                "invitation": invitation.pk,
                "api_key": api_key.pk,
            }
    return ids


@pytest.fixture(scope="module")
def world(
    org_a: Organization,
    org_b: Organization,
    admin: User,
    manager: User,
    csm: User,
    outsider: User,
    django_db_blocker: Any,
) -> dict[str, dict[str, int]]:
    """Objects with ids in both organizations: the URLs are tried with A's ids and with B's (once per module)."""
    return built(django_db_blocker, lambda: _core_world(org_a, org_b, admin, outsider))


def _path(case: Case, org: str, ids: dict[str, int]) -> str:
    return case.path.format(org=org, **ids)


def _request(client: Client, case: Case, path: str):
    if case.method == "get":
        return client.get(path)
    return client.post(path, dict(case.data))


@pytest.mark.django_db
@pytest.mark.parametrize("case", ORGANIZATION_CASES, ids=lambda c: c.name)
def test_role_matrix(case: Case, world, admin, manager, csm, outsider):
    path = _path(case, "alpha", world["alpha"])
    anonymous = _request(Client(), case, path)
    if case.anonymous == LOGIN:
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/?next=")
    else:
        assert anonymous.status_code == case.anonymous
    assert _request(client_for(outsider), case, path).status_code == 404
    for persona, expected in ((csm, case.csm), (manager, case.manager), (admin, case.admin)):
        response = _request(client_for(persona), case, path)
        assert response.status_code == expected, f"{persona.email} {case.method.upper()} {path}"


ID_CASES = [case for case in ORGANIZATION_CASES if "{" in case.path.replace("{org}", "")]


@pytest.mark.django_db
@pytest.mark.parametrize("case", ID_CASES, ids=lambda c: c.name)
def test_an_admin_gets_404_for_another_organizations_id(case: Case, world, admin):
    # Alpha's admin, on alpha's pages, with beta's ids: nothing to find, nothing changed.
    path = _path(case, "alpha", world["beta"])
    assert _request(client_for(admin), case, path).status_code == 404


@pytest.mark.django_db
def test_the_matrix_changes_nothing_in_the_other_organization(world, admin, org_b):
    for case in ID_CASES:
        _request(client_for(admin), case, _path(case, "alpha", world["beta"]))
    with activate(org_b):
        assert Membership.objects.get(pk=world["beta"]["membership"]).is_active
        assert Invitation.objects.get(pk=world["beta"]["invitation"]).status == "pending"
        assert ApiKey.objects.get(pk=world["beta"]["api_key"]).revoked_at is None


def _organization_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif pattern.name:
                names.add(f"{namespace}{pattern.name}")

    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and "org_slug" in str(entry.pattern):
            walk(entry.url_patterns, "")
    return names


def test_the_matrix_covers_every_organization_url():
    cases = all_cases()
    assert len(cases) >= len(ORGANIZATION_CASES)
    assert _organization_url_names() == {case.name for case in cases}


def test_every_organization_view_declares_its_role():
    def walk(patterns: list[URLPattern | URLResolver]) -> list[URLPattern]:
        found: list[URLPattern] = []
        for pattern in patterns:
            found += walk(pattern.url_patterns) if isinstance(pattern, URLResolver) else [pattern]
        return found

    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and "org_slug" in str(entry.pattern):
            for pattern in walk(entry.url_patterns):
                assert hasattr(pattern.callback, "minimum_role"), f"{pattern.name} has no @role_required"


GLOBAL_CASES = [
    # path, anonymous, signed in
    ("/", LOGIN, 302),
    ("/login/", 200, 302),
    ("/signup/", 200, 302),
    ("/password/reset/", 200, 200),
    ("/profile/", LOGIN, 200),
    ("/profile/password/", LOGIN, 200),
    ("/orgs/", LOGIN, 200),
    ("/orgs/new/", LOGIN, 200),
    ("/healthz", 200, 200),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "anonymous", "signed_in"), GLOBAL_CASES)
def test_pages_outside_organizations(path, anonymous, signed_in, csm):
    response = Client().get(path)
    if anonymous == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == anonymous
    assert client_for(csm).get(path).status_code == signed_in


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login_whether_or_not_the_organization_exists(org_a):
    for path in ("/alpha/settings/", "/no-such-org/settings/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"] == f"/login/?next={path}"


@pytest.mark.django_db
def test_a_member_gets_404_for_an_organization_that_does_not_exist(csm):
    assert client_for(csm).get("/no-such-org/").status_code == 404


@pytest.mark.django_db
def test_wrong_methods_are_refused(admin, world):
    client = client_for(admin)
    assert client.post("/alpha/settings/activity/").status_code == 405
    assert client.post("/alpha/settings/emails/").status_code == 405
    assert client.get(f"/alpha/settings/api-keys/{world['alpha']['api_key']}/revoke/").status_code == 405
    assert client.get(f"/alpha/settings/members/{world['alpha']['membership']}/deactivate/").status_code == 405
