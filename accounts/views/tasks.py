"""My tasks: overdue, today, upcoming; complete, snooze and reopen inline; add a task.

Everyone sees their own tasks; managers and admins pick whose tasks to see: the whole team's (`?assignee=team`, their
default, every task assigned to someone, each row naming its assignee; the team has no snoozed and done lists, which
are each person's), a member's (`?assignee=<user id>`) or the unassigned ones (`?assignee=unassigned`). A CSM's
`?assignee=` is ignored: the page always shows their own list, under a heading that says so. Acting on a task is for
its assignee, managers and admins; a CSM may also act on an unassigned task (taking up work nobody owns), and gets
403 on another person's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.timezone import localdate
from django.views.decorators.http import require_GET, require_POST

from accounts import rows as html_rows
from accounts.forms.tasks import (
    TEAM,
    UNASSIGNED,
    AccountField,
    TaskCreateForm,
    TaskListForm,
    TaskSnoozeForm,
    TaskUndoSnoozeForm,
    account_label,
    member_by_id,
)
from accounts.models import Account, Task
from accounts.selectors import tasks as selectors
from accounts.services import tasks as services
from csm.models import Membership, Role
from csm.tenancy.access import OrgRequest, role_required
from csm.web.actions import errors_text, submit
from csm.web.http import next_url, wants_partial
from csm.web.reverse import org_reverse
from csm.web.undo import offer_undo

PAGE = "accounts/tasks/task_list.html"
ACTION = "accounts/tasks/task_action.html"


def _can_manage(request: OrgRequest) -> bool:
    return request.membership.has_role(Role.MANAGER)


def _whose(request: OrgRequest, form: TaskListForm, members: list[Membership]) -> selectors.Whose:
    if "assignee" not in form.fields:
        return selectors.Whose(request.user)
    form.is_valid()  # a bad group size does not spoil the choice of whose tasks
    value = "" if "assignee" in form.errors else form.cleaned_data.get("assignee") or ""
    if value == UNASSIGNED:
        return selectors.Whose(None)
    member = member_by_id(members, value)
    # The whole team: asked for, or what a value that is no member's falls back to (the default).
    return selectors.Whose(member) if member is not None else selectors.Whose.whole_team()


def _team_rows(request: OrgRequest, whose: selectors.Whose, groups: dict[str, list[Task]]) -> dict[str, str]:
    """The rows of the team's groups, each naming its assignee (the manager's own too); nothing for one person's
    list, whose rows the template builds (`{% task_rows %}`)."""
    if not whose.team:
        return {}
    return {key: html_rows.task_rows(tasks, request, show_assignee=True) for key, tasks in groups.items()}


def _create_form(request: OrgRequest, members: list[Membership], whose: selectors.Whose) -> TaskCreateForm:
    initial: dict[str, Any] = {"due_date": localdate()}
    if whose.user is not None:
        initial["assignee"] = str(whose.user.pk)
    account_id = request.GET.get("account", "")
    if account_id.isdigit() and len(account_id) < 19:
        account = Account.objects.filter(pk=int(account_id)).first()
        if account is not None:
            initial["account"] = account_label(account)
    return _with_suggestions(request, TaskCreateForm(initial=initial, members=members, user=request.user))


def _with_suggestions(request: OrgRequest, form: TaskCreateForm) -> TaskCreateForm:
    account_field = form.fields["account"]
    assert isinstance(account_field, AccountField)
    account_field.suggest_from(org_reverse(request, "accounts:task_account_options"), "task-account-options")
    return form


def _page(
    request: OrgRequest, *, create_form: TaskCreateForm | None = None, back_to: str = "", status: int = 200
) -> HttpResponse:
    members = selectors.active_members()
    can_manage = _can_manage(request)
    query = request.GET.copy()
    query.setdefault("assignee", TEAM if can_manage else str(request.user.pk))  # the picker shows whose list this is
    list_form = TaskListForm(query, members=members, can_choose=can_manage)
    whose = _whose(request, list_form, members)
    today = localdate()
    limits = list_form.limits()
    htmx_target = request.htmx.target if wants_partial(request) else None
    key = htmx_target.removeprefix("more-") if htmx_target and htmx_target.startswith("more-") else ""
    if key in selectors.GROUP_KEYS:
        # "Show more" of one group: only the rows it adds.
        group = selectors.open_group(whose, today=today, group=key, limit=limits[key])
        rows = group.tasks[max(0, group.shown - selectors.GROUP_PAGE) :]
        context = {"group": group, "rows": rows, "team_rows": _team_rows(request, whose, {key: rows})}
        return render(request, f"{PAGE}#group-rows", context)
    if htmx_target == "task-counts":
        # After an action: the counts alone, out of band (the rows stay as the person left them).
        # The snoozed and recently completed tasks come whole: a task done or snoozed joins them.
        later = {
            "snoozed": [] if whose.team else selectors.snoozed(whose, today=today),
            "done": [] if whose.team else selectors.recently_done(whose),
        }
        return render(request, f"{PAGE}#counts", {"counts": selectors.open_counts(whose, today=today), **later})
    groups = selectors.open_groups(whose, today=today, limits=limits)
    context = {
        "whose": whose,
        "today": today,
        "can_manage": can_manage,
        "list_form": list_form,
        "groups": groups,
        "team_rows": _team_rows(request, whose, {group.key: group.tasks for group in groups}),
        "snoozed": [] if whose.team else selectors.snoozed(whose, today=today),
        "done": [] if whose.team else selectors.recently_done(whose),
        "create_form": create_form or _create_form(request, members, whose),
        # Where the add form returns to: this page, or the page a refused form came from.
        "back_to": back_to or request.get_full_path(),
    }
    if htmx_target == "tasks-body":
        return render(request, f"{PAGE}#body", context, status=status)
    return render(request, PAGE, context, status=status)


@require_GET
@role_required(Role.CSM)
def task_list(request: OrgRequest) -> HttpResponse:
    return _page(request)


@require_POST
@role_required(Role.CSM)
def task_create(request: OrgRequest) -> HttpResponse:
    members = selectors.active_members()
    form = TaskCreateForm(request.POST, members=members, user=request.user)
    task = submit(form, lambda: services.create_task(actor=request.user, **form.task_values()))
    if task is not None:
        whom = "" if task.assignee_id == request.user.pk else f" for {task.assignee or 'nobody yet'}"
        messages.success(request, f"Task “{task.title}” added{whom}.")
        return redirect(next_url(request, org_reverse(request, "accounts:tasks")))
    back_to = next_url(request, org_reverse(request, "accounts:tasks"))
    return _page(request, create_form=_with_suggestions(request, form), back_to=back_to, status=400)


@require_GET
@role_required(Role.CSM)
def task_account_options(request: OrgRequest) -> HttpResponse:
    """Suggestions for the account field: `<option>`s for its `<datalist>`, as the person types."""
    text = request.GET.get("account", "")[:100]
    accounts = selectors.account_suggestions(text)
    return render(request, "accounts/tasks/account_options.html", {"accounts": accounts})


def _task_for_action(request: OrgRequest, pk: int) -> Task:
    """The task, if this person may act on it: 404 outside the organization, 403 for a CSM on someone else's."""
    task = get_object_or_404(Task.objects.select_related("account", "assignee"), pk=pk)
    if not _can_manage(request) and task.assignee_id not in (None, request.user.pk):
        raise PermissionDenied("Only the assignee, managers and admins may change this task.")
    return task


def _after_action(request: OrgRequest, task: Task | None, *, status: int = 200) -> HttpResponse:
    """htmx: the row again (or nothing, which removes it) and the messages (the page's counts follow the
    `csm:changed` event every successful action sends, csm.web.undo); otherwise back where the person was."""
    if request.htmx:
        return render(request, ACTION, {"task": task}, status=status)
    return redirect(next_url(request, org_reverse(request, "accounts:tasks")))


@require_POST
@role_required(Role.CSM)
def task_complete(request: OrgRequest, pk: int) -> HttpResponse:
    task = services.complete_task(actor=request.user, task=_task_for_action(request, pk))
    offer_undo(request, f"Done: {task.title}.", url=org_reverse(request, "accounts:task_reopen", task.pk))
    return _after_action(request, None)


@require_POST
@role_required(Role.CSM)
def task_snooze(request: OrgRequest, pk: int) -> HttpResponse:
    task = _task_for_action(request, pk)
    due_before = task.due_date
    form = TaskSnoozeForm(request.POST)
    snoozed = submit(
        form, lambda: services.snooze_task(actor=request.user, task=task, until=form.cleaned_data["until"])
    )
    if snoozed is not None:
        until = date_format(form.cleaned_data["until"], "D j M")
        offer_undo(
            request,
            f"Snoozed until {until}: {snoozed.title}.",
            url=org_reverse(request, "accounts:task_unsnooze", task.pk),
            fields={"due_date": due_before.isoformat() if due_before else ""},
        )
        return _after_action(request, None)
    messages.error(request, errors_text(form))
    return _after_action(request, task, status=400)


@require_POST
@role_required(Role.CSM)
def task_unsnooze(request: OrgRequest, pk: int) -> HttpResponse:
    """Undo a snooze: open again and due when it was before (the snooze's message posts the earlier date)."""
    task = _task_for_action(request, pk)
    form = TaskUndoSnoozeForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return _after_action(request, task, status=400)
    task = services.undo_snooze(actor=request.user, task=task, due_date=form.cleaned_data["due_date"])
    messages.success(request, f"Snooze undone: {task.title}.")
    return _after_action(request, task)


@require_POST
@role_required(Role.CSM)
def task_reopen(request: OrgRequest, pk: int) -> HttpResponse:
    task = services.reopen_task(actor=request.user, task=_task_for_action(request, pk))
    messages.success(request, f"Reopened: {task.title}.")
    return _after_action(request, task)
