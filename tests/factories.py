"""factory-boy factories for the workspace. Build rows inside a tenant context (`in_org_a`, or
`csm.tenancy.activate`): every factory takes the active organization unless given one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils.timezone import localdate, now

from accounts import markdown
from accounts.models import (
    Account,
    Contact,
    ContactRole,
    LifecycleStage,
    Milestone,
    Note,
    NoteKind,
    PlanTemplate,
    Segment,
    SuccessPlan,
    Tag,
    Task,
    Ticket,
    Tier,
)
from accounts.services.sort_keys import refresh as refresh_sort_keys
from csm.tenancy import current_organization


class TenantFactory(factory.django.DjangoModelFactory):
    organization = factory.LazyFunction(current_organization)

    class Meta:
        abstract = True


class AccountFactory(TenantFactory):
    class Meta:
        model = Account
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Customer {n:04d}")
    domains = factory.LazyAttribute(lambda a: f"{a.name.lower().replace(' ', '')}.example")
    tier = factory.LazyFunction(lambda: Tier.objects.order_by("position").first())
    stage = factory.LazyFunction(lambda: LifecycleStage.objects.filter(category="adoption").first())
    mrr = Decimal("500.00")
    start_date = factory.LazyFunction(lambda: localdate() - timedelta(days=200))
    renewal_date = factory.LazyFunction(lambda: localdate() + timedelta(days=165))

    @factory.post_generation
    def sort_keys(account: Account, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        if create:
            refresh_sort_keys(Account.objects.filter(pk=account.pk))
            account.refresh_from_db(fields=["owner_name", "stage_position", "tier_position"])


class ContactFactory(TenantFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@customer.example")
    title = "Operations lead"
    role = ContactRole.USER


class NoteFactory(TenantFactory):
    class Meta:
        model = Note

    account = factory.SubFactory(AccountFactory)
    kind = NoteKind.NOTE
    body = "Talked about the **rollout**."
    body_html = factory.LazyAttribute(lambda n: markdown.render(n.body))


class TaskFactory(TenantFactory):
    class Meta:
        model = Task

    account = factory.SubFactory(AccountFactory)
    title = factory.Sequence(lambda n: f"Follow up {n}")
    due_date = factory.LazyFunction(localdate)


class TicketFactory(TenantFactory):
    class Meta:
        model = Ticket

    number = factory.Sequence(lambda n: n + 1)
    subject = factory.Sequence(lambda n: f"Export fails {n}")
    account = factory.SubFactory(AccountFactory)
    opened_at = factory.LazyFunction(now)


class TagFactory(TenantFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


class SegmentFactory(TenantFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    query = factory.LazyFunction(lambda: {"q": "Customer"})


class SuccessPlanFactory(TenantFactory):
    class Meta:
        model = SuccessPlan

    account = factory.SubFactory(AccountFactory)
    name = "Onboarding"
    template = factory.LazyFunction(lambda: PlanTemplate.objects.first())


class MilestoneFactory(TenantFactory):
    class Meta:
        model = Milestone

    plan = factory.SubFactory(SuccessPlanFactory)
    account = factory.SelfAttribute("plan.account")
    objective = "Get set up"
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = factory.LazyFunction(lambda: localdate() + timedelta(days=30))
