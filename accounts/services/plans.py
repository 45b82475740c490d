"""Success plans: started from a template (objectives, milestones due N days after the start, who delivers each)
and worked milestone by milestone."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.timezone import localdate, now

from accounts.models import (
    Account,
    Milestone,
    MilestoneStatus,
    OwnerSide,
    PlanStatus,
    PlanTemplate,
    SuccessPlan,
)
from csm.activity import Actor, as_actor, record
from csm.models import User


def start_plan(
    *,
    actor: Actor | User,
    account: Account,
    template: PlanTemplate,
    starts_on: date | None = None,
    name: str = "",
) -> SuccessPlan:
    starts_on = starts_on or account.start_date or localdate()
    items = list(template.items.all())
    if not items:
        raise ValidationError("This template has no milestones yet.")
    with transaction.atomic():
        plan = SuccessPlan.objects.create(
            organization=account.organization,
            account=account,
            name=name.strip() or template.name,
            template=template,
            starts_on=starts_on,
            created_by=as_actor(actor).user,
        )
        Milestone.objects.bulk_create(
            Milestone(
                organization=account.organization,
                plan=plan,
                account=account,
                objective=item.objective,
                title=item.title,
                due_date=starts_on + timedelta(days=item.offset_days),
                owner_side=item.owner_side,
                position=index,
            )
            for index, item in enumerate(items)
        )
        record(
            organization=account.organization,
            actor=actor,
            verb="plan.started",
            target=plan,
            about=account,
            data={"milestones": len(items), "starts_on": starts_on},
        )
    return plan


def add_milestone(
    *,
    actor: Actor | User,
    plan: SuccessPlan,
    objective: str,
    title: str,
    due_date: date | None,
    owner_side: OwnerSide | str,
) -> Milestone:
    with transaction.atomic():
        position = plan.milestones.count()
        milestone = Milestone.objects.create(
            organization=plan.organization,
            plan=plan,
            account_id=plan.account_id,
            objective=objective.strip(),
            title=title.strip(),
            due_date=due_date,
            owner_side=OwnerSide(owner_side),
            position=position,
        )
        record(
            organization=plan.organization,
            actor=actor,
            verb="milestone.added",
            target=milestone,
            about=plan.account,
        )
    return milestone


def set_milestone_done(*, actor: Actor | User, milestone: Milestone, done: bool = True) -> Milestone:
    """Tick a milestone off (or reopen it); the plan completes when its last milestone is done."""
    with transaction.atomic():
        # The plan first: two last milestones ticked at once must not each see the other still open.
        SuccessPlan.objects.select_for_update().filter(pk=milestone.plan_id).exists()
        milestone = (
            Milestone.objects.select_for_update(of=("self",)).select_related("plan", "account").get(pk=milestone.pk)
        )
        status = MilestoneStatus.DONE if done else MilestoneStatus.OPEN
        if milestone.status == status:
            return milestone
        milestone.status = status
        milestone.completed_at = now() if done else None
        milestone.save(update_fields=["status", "completed_at"])
        record(
            organization=milestone.organization,
            actor=actor,
            verb="milestone.completed" if done else "milestone.reopened",
            target=milestone,
            about=milestone.account,
        )
        plan = milestone.plan
        all_done = not plan.milestones.exclude(status=MilestoneStatus.DONE).exists()
        new_status = PlanStatus.COMPLETED if all_done else PlanStatus.ACTIVE
        if plan.status != PlanStatus.ABANDONED and plan.status != new_status:
            plan.status = new_status
            plan.save(update_fields=["status"])
            if all_done:
                record(
                    organization=plan.organization,
                    actor=actor,
                    verb="plan.completed",
                    target=plan,
                    about=milestone.account,
                )
    return milestone
