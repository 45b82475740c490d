"""The demo organizations that `make run` seeds (demo data only; never run against a real database), and the
generated organizations of `seed_demo --org NAME` for benchmarks: their people and roles, and the registry of the
apps' demo-data steps.

The core knows no app: each app registers what it adds to a demo organization from its `AppConfig.ready()`,

    demo.register_step(demo.DemoStep("accounts", seed_accounts))
    demo.register_step(demo.DemoStep("health", seed_usage, after=("accounts",)))

and `seed_demo` runs the steps in dependency order for the organization it fills. Each step must be idempotent
(running it again adds only what is missing), like the people here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from csm import activity, services
from csm.models import Membership, Organization, Role, User
from csm.tenancy import activate

DEMO_PASSWORD = "demo1234"
DEFAULT_SEED = 20240601  # the random seed of the demo's generated data


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


# The people of a generated organization: an admin and a few CSMs who own its accounts.
GENERATED_STAFF = [
    ("Robin Hale", Role.ADMIN), ("Jordan Reyes", Role.CSM), ("Taylor Okafor", Role.CSM),
    ("Morgan Lindqvist", Role.CSM), ("Casey Novak", Role.CSM), ("Avery Tanaka", Role.CSM),
]  # fmt: skip


def spec_for(slug: str) -> DemoOrganization:
    """The demo organization with this slug, or a generated one: admin@<slug>.test and csm1..5@<slug>.test."""
    for spec in ORGANIZATIONS:
        if spec.slug == slug:
            return spec
    people: list[tuple[str, str, Role]] = []
    for full_name, role in GENERATED_STAFF:
        local = "admin" if role == Role.ADMIN else f"csm{sum(1 for *_, r in people if r == Role.CSM) + 1}"
        people.append((f"{local}@{slug}.test", full_name, role))
    return DemoOrganization(
        slug=slug, name=slug.replace("-", " ").title(), timezone="UTC", currency="USD", people=people
    )


def members(spec: DemoOrganization) -> list[tuple[User, Role]]:
    """The spec's people (who must exist) with their roles, in the spec's order."""
    users = {user.email: user for user in User.objects.filter(email__in=[email for email, _, _ in spec.people])}
    return [(users[email], role) for email, _, role in spec.people]


@transaction.atomic
def seed_people(specs: list[DemoOrganization] | None = None) -> list[Organization]:
    """The demo organizations (or the given ones), their people and roles."""
    organizations = []
    for spec in specs if specs is not None else ORGANIZATIONS:
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


# -- The apps' demo-data steps ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOptions:
    """What `seed_demo` was asked for: `accounts` to generate (None: each step's own demo size), the random `seed`,
    the write `method` ("auto", "copy" or "bulk_create"), and `say` to report a line (progress, a summary)."""

    accounts: int | None
    seed: int
    method: str
    say: Callable[[str], None]

    @property
    def large(self) -> bool:
        return self.accounts is not None and self.accounts >= 10_000


Members = list[tuple[User, Role]]


@dataclass(frozen=True)
class DemoStep:
    """An app's part of a demo organization: `run(organization, members, options)`, after the steps it names."""

    name: str
    run: Callable[[Organization, Members, DemoOptions], None]
    after: tuple[str, ...] = ()


_steps: dict[str, DemoStep] = {}


def register_step(step: DemoStep) -> None:
    _steps[step.name] = step


def steps() -> list[DemoStep]:
    """The registered steps, each after the steps it names (in registration order otherwise)."""
    ordered: list[DemoStep] = []
    placing: set[str] = set()

    def place(step: DemoStep) -> None:
        if step in ordered:
            return
        if step.name in placing:
            raise ValueError(f"Demo steps depend on each other in a circle: {step.name}")
        placing.add(step.name)
        for name in step.after:
            if name not in _steps:
                raise ValueError(f"Demo step {step.name} runs after {name}, which no app registered")
            place(_steps[name])
        ordered.append(step)

    for step in _steps.values():
        place(step)
    return ordered
