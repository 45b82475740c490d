"""The role matrices of every app (tests/matrix.py), on one world per module.

The matrices only read a shared world, so it is built once per module: the personas here replace the
function-scoped ones of tests/conftest.py for the modules of this folder, and they and the world are written inside
one transaction around the module (`module_transaction`), rolled back after its last test. Every test still runs in
a savepoint of its own, so what one test's requests change is gone for the next.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import BulkChange, CustomField, ImportJob, LifecycleStage, PlanTemplate, PlanTemplateItem, Tier
from csm.models import Organization, Role, User
from csm.tenancy import activate
from tests.conftest import make_member, make_organization
from tests.factories import (
    AccountFactory,
    ContactFactory,
    MilestoneFactory,
    NoteFactory,
    SegmentFactory,
    TagFactory,
    TaskFactory,
    TicketFactory,
)


def built[T](django_db_blocker: Any, build: Callable[[], T]) -> T:
    """Write module-scoped data (the module's transaction is open; pytest-django blocks the database outside
    tests)."""
    with django_db_blocker.unblock():
        return build()


@pytest.fixture(scope="module")
def org_a(module_transaction: None, django_db_blocker: Any) -> Organization:
    return built(django_db_blocker, lambda: make_organization("Alpha Corp", "alpha"))


@pytest.fixture(scope="module")
def org_b(module_transaction: None, django_db_blocker: Any) -> Organization:
    return built(django_db_blocker, lambda: make_organization("Beta Ltd", "beta"))


@pytest.fixture(scope="module")
def admin(org_a: Organization, django_db_blocker: Any) -> User:
    return built(django_db_blocker, lambda: make_member(org_a, "alice@alpha.test", Role.ADMIN, "Alice Admin"))


@pytest.fixture(scope="module")
def manager(org_a: Organization, django_db_blocker: Any) -> User:
    return built(django_db_blocker, lambda: make_member(org_a, "mark@alpha.test", Role.MANAGER, "Mark Manager"))


@pytest.fixture(scope="module")
def csm(org_a: Organization, django_db_blocker: Any) -> User:
    return built(django_db_blocker, lambda: make_member(org_a, "carol@alpha.test", Role.CSM, "Carol Csm"))


@pytest.fixture(scope="module")
def outsider(org_b: Organization, django_db_blocker: Any) -> User:
    return built(django_db_blocker, lambda: make_member(org_b, "oscar@beta.test", Role.ADMIN, "Oscar Outsider"))


def _one_of_everything(organization: Any, owner: Any) -> dict[str, int]:
    with activate(organization):
        account = AccountFactory(owner=owner)
        contact = ContactFactory(account=account)
        milestone = MilestoneFactory(plan__account=account)
        template = PlanTemplate.objects.first()
        assert template is not None
        job = ImportJob.objects.create(
            organization=organization, filename="accounts.csv", content="name\nAcme\n", encoding="utf-8",
            delimiter=",", header=["name"], created_by=owner,
        )  # fmt: skip
        field = CustomField.objects.create(organization=organization, label="Region", key="region")
        change = BulkChange.objects.create(
            organization=organization, created_by=owner, action="assign_owner", applied={"owner": owner.pk},
            previous={str(account.pk): None},
        )  # fmt: skip
        return {
            "bulk_change": change.pk,
            "account": account.pk,
            "contact": contact.pk,
            "note": NoteFactory(account=account, author=owner).pk,
            "task": TaskFactory(account=account, assignee=owner).pk,
            "ticket": TicketFactory(account=account).number,  # tickets are addressed by number
            "plan": milestone.plan_id,
            "milestone": milestone.pk,
            "segment": SegmentFactory(owner=owner).pk,
            "tag": TagFactory().pk,
            "import": job.pk,
            "tier": Tier.objects.first().pk,  # type: ignore[union-attr]
            "stage": LifecycleStage.objects.first().pk,  # type: ignore[union-attr]
            "field": field.pk,
            "template": template.pk,
            "template_item": PlanTemplateItem.objects.filter(template=template).first().pk,  # type: ignore[union-attr]
        }


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
    """{"alpha": ids in organization A (owned by the CSM), "beta": ids in organization B}."""
    return built(
        django_db_blocker,
        lambda: {"alpha": _one_of_everything(org_a, csm), "beta": _one_of_everything(org_b, outsider)},
    )
