"""Tasks: created by hand or by automations, completed, snoozed and reopened.

Each function is one transaction and writes one activity-log row about the task's account (its timeline). Who may
act on a task is the views' business (the assignee, managers and admins); these functions check the data only.
A snoozed task moves its due date to the snooze day and counts as open again from that day on (see
`accounts.selectors.tasks.open_q`): nothing has to wake it up.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.timezone import localdate, now

from accounts.models import Account, Task, TaskPriority, TaskSource, TaskStatus
from csm.activity import Actor, as_actor, build, record
from csm.models import ActivityLog, ActorKind, User
from csm.selectors import is_active_member
from csm.tenancy import current_organization


def _log(actor: Actor | User, verb: str, task: Task, **extra: Any) -> None:
    record(
        organization=task.organization,
        actor=actor,
        verb=verb,
        target=task,
        about=task.account,
        **extra,
    )


def create_task(
    *,
    actor: Actor | User,
    title: str,
    account: Account | None = None,
    assignee: User | None = None,
    due_date: date | None = None,
    priority: TaskPriority | str = TaskPriority.NORMAL,
    description: str = "",
) -> Task:
    """Add a task; an automation's task is marked as such (`source`), a person's records who created it."""
    who = as_actor(actor)
    if not title.strip():
        raise ValidationError({"title": "Give the task a title."})
    if assignee is not None and not is_active_member(assignee):
        raise ValidationError({"assignee": "The assignee must be an active member of the organization."})
    with transaction.atomic():
        task = Task.objects.create(
            organization=current_organization(),
            account=account,
            title=title.strip(),
            description=description,
            assignee=assignee,
            due_date=due_date,
            priority=TaskPriority(priority),
            source=TaskSource.AUTOMATION if who.kind == ActorKind.AUTOMATION else TaskSource.MANUAL,
            created_by=who.user,
        )
        _log(actor, "task.created", task, data={"due": due_date, "assignee": str(assignee) if assignee else None})
    return task


def complete_task(*, actor: Actor | User, task: Task) -> Task:
    """Mark the task done (a second call changes nothing and logs nothing)."""
    with transaction.atomic():
        task = Task.objects.select_for_update(of=("self",)).select_related("account").get(pk=task.pk)
        if task.status == TaskStatus.DONE:
            return task
        task.status = TaskStatus.DONE
        task.completed_at = now()
        task.completed_by = as_actor(actor).user
        task.snoozed_until = None
        task.save(update_fields=["status", "completed_at", "completed_by", "snoozed_until"])
        _log(actor, "task.completed", task)
    return task


def snooze_task(*, actor: Actor | User, task: Task, until: date) -> Task:
    """Put the task aside until a later day, which becomes its due date."""
    if until <= localdate():
        raise ValidationError({"until": "Snooze to a day after today."})
    with transaction.atomic():
        task = Task.objects.select_for_update(of=("self",)).select_related("account").get(pk=task.pk)
        if task.status == TaskStatus.DONE:
            raise ValidationError("This task is already done.")
        changes = {"due_date": [task.due_date, until]}
        task.status = TaskStatus.SNOOZED
        task.snoozed_until = until
        task.due_date = until
        task.save(update_fields=["status", "snoozed_until", "due_date"])
        _log(actor, "task.snoozed", task, changes=changes)
    return task


def reopen_task(*, actor: Actor | User, task: Task) -> Task:
    """Make a done or snoozed task open again (its due date stays)."""
    with transaction.atomic():
        task = Task.objects.select_for_update(of=("self",)).select_related("account").get(pk=task.pk)
        if task.status == TaskStatus.OPEN:
            return task
        task.status = TaskStatus.OPEN
        task.completed_at = None
        task.completed_by = None
        task.snoozed_until = None
        task.save(update_fields=["status", "completed_at", "completed_by", "snoozed_until"])
        _log(actor, "task.reopened", task)
    return task


def undo_snooze(*, actor: Actor | User, task: Task, due_date: date | None) -> Task:
    """Undo a snooze: the task is open again, due when it was before (`due_date`, as the snooze's message kept it).
    A task that is no longer snoozed (done since, or reopened) is left as it is."""
    with transaction.atomic():
        task = Task.objects.select_for_update(of=("self",)).select_related("account").get(pk=task.pk)
        if task.status != TaskStatus.SNOOZED:
            return task
        changes = {"due_date": [task.due_date, due_date]}
        task.status = TaskStatus.OPEN
        task.snoozed_until = None
        task.due_date = due_date
        task.save(update_fields=["status", "snoozed_until", "due_date"])
        _log(actor, "task.reopened", task, changes=changes)
    return task


def open_tasks_of(account: Account) -> QuerySet[Task]:
    """The account's tasks not done: open, and snoozed (asleep or awake)."""
    return Task.objects.filter(account=account, status__in=[TaskStatus.OPEN, TaskStatus.SNOOZED])


def close_open_tasks(*, actor: Actor | User, account: Account) -> int:
    """Mark every open (or snoozed) task of a churned account done, so they leave their assignees' lists: one UPDATE
    and one INSERT of timeline rows, whatever their number. Only for a churned account."""
    if account.stage is None or not account.stage.is_churned:
        raise ValidationError("Only a churned account's tasks are closed all at once.")
    user = as_actor(actor).user
    with transaction.atomic():
        tasks = list(open_tasks_of(account).select_for_update(of=("self",)).select_related("account").order_by("pk"))
        moment = now()
        Task.objects.filter(pk__in=[task.pk for task in tasks]).update(
            status=TaskStatus.DONE, completed_at=moment, completed_by=user, snoozed_until=None
        )
        ActivityLog.objects.bulk_create(
            build(
                organization=account.organization,
                actor=actor,
                verb="task.completed",
                target=task,
                about=account,
                data={"reason": "The account churned."},
            )
            for task in tasks
        )
    return len(tasks)
