"""The demo organizations that `make run` seeds (demo data only; never run against a real database).

Idempotent: running it again finds what exists and adds only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from csm import activity, services
from csm.models import Membership, Organization, Role, User
from csm.tenancy import activate

DEMO_PASSWORD = "demo1234"


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    timezone: str
    currency: str
    people: list[tuple[str, str, Role]]  # email, name, role; the first person creates the organization


ORGANIZATIONS = [
    DemoOrganization(
        slug="demo",
        name="Demo Software Inc.",
        timezone="Europe/Amsterdam",
        currency="EUR",
        people=[
            ("admin@demo.test", "Ada Admin", Role.ADMIN),
            ("manager@demo.test", "Maya Manager", Role.MANAGER),
            ("csm@demo.test", "Chris Success", Role.CSM),
            ("csm2@demo.test", "Sam Success", Role.CSM),
        ],
    ),
    DemoOrganization(
        slug="acme",
        name="Acme Analytics",
        timezone="America/New_York",
        currency="USD",
        people=[("admin@acme.test", "Alex Acme", Role.ADMIN)],
    ),
]


def _user(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name, sender_name=full_name)
    return user


@transaction.atomic
def seed_people() -> list[Organization]:
    """The demo organizations, their people and roles."""
    organizations = []
    for spec in ORGANIZATIONS:
        first_email, first_name, _ = spec.people[0]
        first = _user(first_email, first_name)
        organization = Organization.objects.filter(slug=spec.slug).first()
        if organization is None:
            organization = services.create_organization(
                actor=first, name=spec.name, slug=spec.slug, timezone_name=spec.timezone, currency=spec.currency
            )
        with activate(organization):
            for email, full_name, role in spec.people:
                user = _user(email, full_name)
                membership, created = Membership.objects.get_or_create(
                    organization=organization, user=user, defaults={"role": role}
                )
                if created:
                    activity.record(
                        organization=organization,
                        actor=activity.SYSTEM,
                        verb="member.added",
                        target=membership,
                        data={"role": role.value, "email": email},
                    )
        organizations.append(organization)
    return organizations
