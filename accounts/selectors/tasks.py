"""Reads of the tasks page: a person's open tasks in three groups, their snoozed tasks and the ones done lately;
or the whole team's open tasks in the same three groups (`Whose.whole_team()`, a manager's view).

A task is open when its status is open, or when it is snoozed and its snooze has run out (`snoozed_until <= today`):
no scheduled job has to wake snoozed tasks up. Snoozing moves the due date to the snooze day, so a task that wakes up
sits in today's group on that day and in the overdue group after it.

The three groups' counts come from two aggregates and their first rows from one UNION ALL of bounded index walks
(`open_groups`), so the page costs the same number of queries however many tasks a person has. A person's walks read
the (organization, assignee, status, due date, priority, id) index; the team's read the same without the assignee
(accounts/migrations/0016_task_team_index.py, partial on the tasks assigned to someone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.utils.timezone import now

from accounts.models import PRIORITY_ORDER, Account, Task, TaskStatus
from csm.models import Membership, User
from csm.prepared import prepared
from csm.selectors import first_of_each

GROUPS = (
    ("overdue", "Overdue"),
    ("today", "Today"),
    ("upcoming", "Upcoming"),
)
GROUP_KEYS = tuple(key for key, _label in GROUPS)
GROUP_PAGE = 25  # rows of a group shown at first, and added by each "Show more"
GROUP_MAX = 500
SNOOZED_SHOWN = 20
DONE_SHOWN = 10
DONE_WITHIN_DAYS = 14


def open_q(today: date) -> Q:
    """Open tasks, including snoozed ones whose snooze day has come."""
    return Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.SNOOZED, snoozed_until__lte=today)


def _group_of(today: date) -> Case:
    return Case(
        When(due_date__lt=today, then=Value("overdue")),
        When(due_date=today, then=Value("today")),
        default=Value("upcoming"),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class Whose:
    """Whose tasks a page shows: a member's (`user`), the unassigned ones (`user` is None), or the whole team's
    (`team`: every task assigned to someone, a person who has since left included: their tasks still wait)."""

    user: User | None
    team: bool = False

    @classmethod
    def whole_team(cls) -> Whose:
        return cls(None, team=True)

    @property
    def is_unassigned(self) -> bool:
        return self.user is None and not self.team

    def filter(self, tasks: QuerySet[Task]) -> QuerySet[Task]:
        return tasks.filter(_whose(self.user.pk if self.user is not None else None, team=self.team))


@dataclass
class TaskGroup:
    key: str
    label: str
    total: int = 0
    shown: int = 0
    tasks: list[Task] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.total > len(self.tasks) and self.shown < GROUP_MAX

    @property
    def remaining(self) -> int:
        return self.total - len(self.tasks)

    @property
    def more_params(self) -> dict[str, int]:
        """The query string's change that shows one more page of this group."""
        return {self.key: self.shown + GROUP_PAGE}


# What a task row shows (accounts/rows.py): the rows read these columns only, not every column of the task, its
# account and its assignee (a page of a hundred rows would carry a few hundred kilobytes it never shows).
ROW_FIELDS = (
    "title", "priority", "status", "due_date", "snoozed_until", "source", "account_id", "assignee_id", "completed_at",
    "completed_by_id", "account__name", "assignee__full_name", "assignee__email",
)  # fmt: skip


def _rows(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.select_related("account", "assignee").only(*ROW_FIELDS)


def _tasks() -> QuerySet[Task]:
    return _rows(Task.objects.all())


def _in_group(key: str, today: date) -> Q:
    if key == "overdue":
        return Q(due_date__lt=today)
    if key == "today":
        return Q(due_date=today)
    return Q(due_date__gt=today) | Q(due_date__isnull=True)


def _open_kinds(tasks: QuerySet[Task], today: date) -> list[QuerySet[Task]]:
    """`open_q` as two disjoint sets, open and woken-up snoozed tasks: each has an equality on the status, so the
    (organization, assignee, status, due date) index serves it alone (an OR of the two makes PostgreSQL read every
    task of the person, done ones included, from the table)."""
    return [
        tasks.filter(status=TaskStatus.OPEN),
        tasks.filter(status=TaskStatus.SNOOZED, snoozed_until__lte=today),
    ]


ORDERING = (F("due_date").asc(nulls_last=True), "priority_rank", "id")


def _in_order(task: Task) -> tuple[bool, date, int, int]:
    """ORDERING in Python, for merging the rows of several ordered parts."""
    return (task.due_date is None, task.due_date or date.max, PRIORITY_ORDER[task.priority], task.pk)


@prepared
def _counts(assignee_id: int | None, today: date, *, team: bool, woken: bool) -> QuerySet[Task]:
    """One row (none without tasks): the open (or woken-up snoozed) tasks' count in each group. Counting the status
    (never null, and in the index) rather than the id, which is not in the index: the count reads the index alone.
    A values() query grouped by a constant, which a prepared query can run, rather than an aggregate()."""
    open_tasks, woken_tasks = _open_kinds(_whose_tasks(assignee_id, team=team), today)
    tasks = woken_tasks if woken else open_tasks
    counts = {key: Count("status", filter=_in_group(key, today)) for key in GROUP_KEYS}
    return tasks.order_by().annotate(one=Value(1)).values("one").annotate(**counts).values(*GROUP_KEYS)


def open_counts(whose: Whose, *, today: date) -> dict[str, int]:
    """How many open tasks `whose` has in each group: two counts read from the assignee index (the team's index for
    the whole team) alone, one for the open tasks and one for the woken-up snoozed ones."""
    totals = dict.fromkeys(GROUP_KEYS, 0)
    assignee_id = whose.user.pk if whose.user is not None else None
    for woken in (False, True):
        for row in _counts(assignee_id, today, team=whose.team, woken=woken):
            for key in GROUP_KEYS:
                totals[key] += row[key]  # type: ignore[index]
    return totals


def due_now(whose: Whose, *, today: date, limit: int) -> list[Task]:
    """The first `limit` open tasks of `whose` that are overdue or due today, by due date then priority."""
    parts = [
        _rows(tasks).filter(due_date__lte=today).order_by(*ORDERING)[:limit]
        for tasks in _open_kinds(whose.filter(Task.objects.all()), today)
    ]
    return sorted(first_of_each(parts), key=_in_order)[:limit]


def _walks(key: str, today: date) -> list[Q]:
    """A group's conditions, each a single range of the (organization, assignee, status, due date, ...) index:
    "upcoming" is two, after today and without a due date (which the index keeps last). As one OR, PostgreSQL would
    walk the person's overdue and today's tasks first, to throw them away."""
    if key == "upcoming":
        return [Q(due_date__gt=today), Q(due_date__isnull=True)]
    return [_in_group(key, today)]


def _whose(assignee_id: int | None, *, team: bool) -> Q:
    """Whose tasks, from plain values (`Whose.filter`, and the prepared queries): the whole team's, one person's,
    or, with no `assignee_id`, the unassigned ones."""
    if team:
        # The condition of the team's index (accounts/migrations/0015_task_team_index.py): PostgreSQL uses a partial
        # index only for a query that states its condition.
        return Q(assignee__isnull=False)
    return Q(assignee__isnull=True) if assignee_id is None else Q(assignee_id=assignee_id)


def _whose_tasks(assignee_id: int | None, *, team: bool) -> QuerySet[Task]:
    return Task.objects.filter(_whose(assignee_id, team=team))


@prepared
def _first_rows(
    assignee_id: int | None, today: date, *, team: bool, limits: tuple[tuple[str, int], ...]
) -> QuerySet[Task]:
    """The groups' first rows in one UNION ALL: bounded walks of the open tasks' index, one or two a group, and the
    first woken-up snoozed tasks of all the groups (built and compiled once per shape, csm.prepared)."""
    open_tasks, woken = _open_kinds(_whose_tasks(assignee_id, team=team), today)
    parts = [
        _rows(open_tasks).filter(condition).order_by(*ORDERING)[:limit]
        for key, limit in limits
        for condition in _walks(key, today)
    ]
    in_shown = Q()
    for key, _limit in limits:
        in_shown |= _in_group(key, today)
    parts.append(_rows(woken).filter(in_shown).order_by(*ORDERING)[: sum(limit for _key, limit in limits) + 1])
    return parts[0].union(*parts[1:], all=True)


def open_groups(whose: Whose, *, today: date, limits: dict[str, int]) -> list[TaskGroup]:
    """The open tasks of `whose` in the three groups, each ordered by due date then priority and cut at its limit
    (`limits[group]`), with each group's full count. Three queries whatever the number of tasks: the counts of the
    open tasks (read from the index alone), those of the woken-up snoozed ones, and the groups' first rows (bounded
    walks of the assignee's due-date index, one UNION ALL). Woken-up snoozed tasks are few: one walk takes the first
    of them for all the groups, and only when it fills up (more of them than the groups show) does a fourth query
    take each group's own."""
    _, woken = _open_kinds(whose.filter(Task.objects.all()), today)
    totals = open_counts(whose, today=today)
    shown = [key for key in GROUP_KEYS if limits[key]]
    budget = sum(limits[key] for key in shown)
    rows: list[Task] = []
    if shown:
        assignee_id = whose.user.pk if whose.user is not None else None
        rows = _first_rows(assignee_id, today, team=whose.team, limits=tuple((key, limits[key]) for key in shown))
    if sum(1 for task in rows if task.status == TaskStatus.SNOOZED) > budget:
        rows = [task for task in rows if task.status != TaskStatus.SNOOZED] + first_of_each(
            [_rows(woken).filter(_in_group(key, today)).order_by(*ORDERING)[: limits[key]] for key in shown]
        )
    groups = {key: TaskGroup(key, label, total=totals[key], shown=limits[key]) for key, label in GROUPS}
    for task in rows:
        due = task.due_date
        key = "overdue" if due is not None and due < today else "today" if due == today else "upcoming"
        groups[key].tasks.append(task)
    for found in groups.values():
        found.tasks.sort(key=_in_order)
        del found.tasks[limits[found.key] :]  # each walk gave up to the limit: keep the first of all
    return list(groups.values())


def open_group(whose: Whose, *, today: date, group: str, limit: int) -> TaskGroup:
    """One group alone, its first `limit` rows (the "show more" of the page). Three queries, as `open_groups`."""
    limits = {key: (limit if key == group else 0) for key in GROUP_KEYS}
    return next(found for found in open_groups(whose, today=today, limits=limits) if found.key == group)


@prepared
def _snoozed(assignee_id: int | None, today: date, *, team: bool) -> QuerySet[Task]:
    return (
        _rows(_whose_tasks(assignee_id, team=team))
        .filter(status=TaskStatus.SNOOZED, snoozed_until__gt=today)
        .order_by("snoozed_until", "id")[:SNOOZED_SHOWN]
    )


def snoozed(whose: Whose, *, today: date) -> list[Task]:
    """Tasks still asleep, the next to wake up first."""
    return _snoozed(whose.user.pk if whose.user is not None else None, today, team=whose.team)


@prepared
def _recently_done(assignee_id: int | None, since: datetime, *, team: bool) -> QuerySet[Task]:
    tasks = _rows(_whose_tasks(assignee_id, team=team)).select_related("completed_by")
    return (
        tasks.only(*ROW_FIELDS, "completed_by__full_name", "completed_by__email")
        .filter(status=TaskStatus.DONE, completed_at__gte=since)
        .order_by("-completed_at", "-id")[:DONE_SHOWN]
    )


def recently_done(whose: Whose) -> list[Task]:
    """The last tasks completed in the past two weeks, newest first."""
    since = now() - timedelta(days=DONE_WITHIN_DAYS)
    return _recently_done(whose.user.pk if whose.user is not None else None, since, team=whose.team)


@prepared
def _active_members() -> QuerySet[Membership]:
    return Membership.objects.filter(is_active=True).select_related("user").order_by("user__full_name", "user__email")


def active_members() -> list[Membership]:
    """The people tasks can be assigned to, by name."""
    return _active_members()


def account_suggestions(text: str, *, limit: int = 10) -> list[Account]:
    """Accounts whose name contains `text`, by name, for the account field's suggestions."""
    text = text.strip()
    if not text:
        return []
    # Ordered by the (organization, lower(name), id) index: the scan stops after `limit` matches.
    return list(Account.objects.filter(name__ilike_contains=text).order_by(Lower("name"), "id")[:limit])
