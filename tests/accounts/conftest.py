"""The workspace's world: one of everything in organization A and in organization B, for the role matrices and
the "another organization's id answers 404" checks."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import CustomField, ImportJob, LifecycleStage, PlanTemplate, PlanTemplateItem, Tier
from csm.tenancy import activate
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
        return {
            "account": account.pk,
            "contact": contact.pk,
            "note": NoteFactory(account=account, author=owner).pk,
            "task": TaskFactory(account=account, assignee=owner).pk,
            "ticket": TicketFactory(account=account).pk,
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


@pytest.fixture
def world(org_a, org_b, admin, manager, csm, outsider) -> dict[str, dict[str, int]]:
    """{"alpha": ids in organization A (owned by the CSM), "beta": ids in organization B}."""
    return {"alpha": _one_of_everything(org_a, csm), "beta": _one_of_everything(org_b, outsider)}
