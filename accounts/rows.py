"""The workspace's most repeated markup, built in Python (csm/web/html.py says why): the task row of the tasks page,
the start page and the 360, and the card of the pipeline board.

Each renderer writes what its template wrote before, and takes what a page shares once (`RowContext`: the person,
today, the CSRF field, the address to come back to), so a page of a hundred rows pays for those once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.timezone import localdate, localtime, now

from accounts.markdown import summary
from accounts.models import (
    Account,
    ContactRole,
    HealthBand,
    LifecycleStage,
    NoteKind,
    Task,
    TaskPriority,
    TaskStatus,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from csm.timeline import LINE_LIMIT, entry_line, entry_time
from csm.web.html import day, day_and_time, day_of_month, esc, month_and_year, safe, weekday_and_day
from csm.web.reverse import org_id_path, org_prefix, org_reverse


@dataclass(frozen=True)
class RowContext:
    """What every row of one page shares."""

    request: HttpRequest
    user_id: int | None
    today: date
    csrf_field: str  # the hidden CSRF input, escaped
    next_field: str  # the hidden `next` input (the page to come back to), escaped
    _id_paths: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, request: HttpRequest) -> RowContext:
        htmx = getattr(request, "htmx", None)
        back = htmx.current_url_abs_path if htmx else request.get_full_path()
        return cls(
            request=request,
            user_id=request.user.pk,
            today=localdate(),
            csrf_field=f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(get_token(request))}">',
            next_field=f'<input type="hidden" name="next" value="{esc(back or "")}">',
        )

    def url(self, name: str, *args: Any) -> str:
        return esc(org_reverse(self.request, name, *args))

    def id_url(self, name: str, pk: int) -> str:
        """`url(name, pk)`, escaped, for a page of rows: the path is reversed once per page and name, not per row."""
        parts = self._id_paths.get(name)
        if parts is None:
            head, tail = org_id_path(self.request, name)
            parts = self._id_paths[name] = (esc(head), esc(tail))
        return f"{parts[0]}{pk}{parts[1]}"


# -- The accounts list ------------------------------------------------------------------------------------------


def account_rows(rows: list[Any], detail_base: str) -> SafeString:
    """The list's table rows (accounts.selectors.accounts.ListRow): 50 rows of a dozen cells, the page's hottest
    loop."""
    base = esc(detail_base)
    html = []
    for row in rows:
        name = esc(row.name)
        stage = f'<span class="badge stage-{esc(row.stage_category)}">{esc(row.stage)}</span>' if row.stage else "—"
        renewal = f'<time datetime="{esc(row.renewal_iso)}">{esc(row.renewal)}</time>' if row.renewal_iso else "—"
        if row.band:
            score = f" · {esc(row.score)}" if row.score else ""
            health = f'<span class="badge band-{esc(row.band)}">{esc(row.band_label)}{score}</span>'
        else:
            health = '<span class="muted">—</span>'
        # One line per row: a long name or many tags end in an ellipsis, the whole text in the title.
        tags = " ".join(f'<a class="tag" href="?tag={esc(quote(tag))}">{esc(tag)}</a>' for tag in row.tags)
        if tags:
            tags = f'<span class="clip tags" title="{esc(", ".join(row.tags))}">{tags}</span>'
        domain = f' <span class="muted small">{esc(row.domain)}</span>' if row.domain else ""
        html.append(
            "<tr>"
            f'<td><input type="checkbox" name="account_ids" value="{row.pk}" aria-label="Select {name}"></td>'
            f'<td><span class="clip name"><a href="{base}{row.pk}/" title="{name}"><strong>{name}</strong></a>'
            f"{domain}</span></td>"
            f"<td>{esc(row.owner)}</td>"
            f'<td class="hide-sm">{esc(row.tier)}</td>'
            f"<td>{stage}</td>"
            f'<td class="num">{esc(row.mrr)}</td>'
            f'<td class="renewal {esc(row.renewal_class)}">{renewal}</td>'
            f"<td>{health}</td>"
            f'<td class="hide-sm">{tags}</td>'
            "</tr>"
        )
    return safe("".join(html))


# -- Tasks -------------------------------------------------------------------------------------------------------

# Labels by value, read per row (get_FOO_display() hashes the field's choices on every call).
TASK_PRIORITIES = dict(TaskPriority.choices)
TICKET_STATUSES = dict(TicketStatus.choices)
TICKET_PRIORITIES = dict(TicketPriority.choices)
HEALTH_BANDS = dict(HealthBand.choices)
CONTACT_ROLES = dict(ContactRole.choices)
NOTE_KINDS = dict(NoteKind.choices)


def choice_label(labels: dict[str, str], value: str) -> str:
    """A choice's label, escaped (the value itself when it is not a choice, as get_FOO_display() does)."""
    return esc(labels.get(value, value))


def _task_meta(task: Task, row: RowContext, *, asleep: bool, hide_account: bool, show_assignee: bool) -> str:
    if task.status == TaskStatus.DONE:
        by = ""
        if task.completed_by is not None and task.completed_by_id != row.user_id:
            by = f" by {esc(task.completed_by.display_name)}"
        done_on = day_of_month(task.completed_at) if task.completed_at else ""
        parts = [f"<span>Done {done_on}{by}</span>"]
    elif asleep and task.snoozed_until is not None:
        until = weekday_and_day(task.snoozed_until)
        parts = [f'<span class="badge">Snoozed until {until}</span>']
    elif task.due_date is None:
        parts = ['<span class="muted">No due date</span>']
    elif task.due_date < row.today:
        parts = [f'<span class="due due-overdue">Overdue since {weekday_and_day(task.due_date)}</span>']
    elif task.due_date == row.today:
        parts = ['<span class="due due-today">Due today</span>']
    else:
        parts = [f'<span class="due">Due {weekday_and_day(task.due_date)}</span>']
    if task.account_id is not None and not hide_account:
        account: Account = task.account
        parts.append(f'<a href="{row.id_url("accounts:detail", task.account_id)}">{esc(account.name)}</a>')
    if task.priority != "normal":
        priority = choice_label(TASK_PRIORITIES, task.priority)
        parts.append(f'<span class="badge priority priority-{esc(task.priority)}">{priority}</span>')
    if task.source == "automation":
        parts.append(
            '<span class="badge automation" title="Created by a playbook or another automation">Automation</span>'
        )
    if show_assignee or task.assignee_id != row.user_id:
        who = esc(task.assignee.display_name) if task.assignee is not None else "Unassigned"
        parts.append(f'<span class="muted">{who}</span>')
    return "\n      ".join(parts)


def _task_form(row: RowContext, action: str, task: Task, inner: str, extra: str = "") -> str:
    url = row.id_url(action, task.pk)
    return (
        f'<form method="post" action="{url}" hx-post="{url}" hx-target="#task-{task.pk}" hx-swap="outerHTML"{extra}>\n'
        f"      {row.csrf_field}{row.next_field}\n      {inner}\n    </form>"
    )


def task_row(task: Task, row: RowContext, *, hide_account: bool = False, show_assignee: bool = False) -> str:
    """One task as an <li> with its actions (complete, snooze, reopen), each a form that also works without
    JavaScript. The task needs its account, assignee and (when done) completed_by fetched. The assignee is named
    when it is someone else, or always with `show_assignee` (a list of several people's tasks)."""
    title = esc(task.title)
    asleep = task.status == TaskStatus.SNOOZED and task.snoozed_until is not None and task.snoozed_until > row.today
    classes = f"task priority-{esc(task.priority)}"
    if task.status == TaskStatus.DONE:
        classes += " done"
    elif task.due_date is not None and task.due_date < row.today:
        classes += " overdue"
    actions = []
    if task.status == TaskStatus.DONE or asleep:
        label, word = ("Reopen", "Reopen") if task.status == TaskStatus.DONE else ("Unsnooze", "Unsnooze")
        button = f'<button type="submit" class="button small" aria-label="{label}: {title}">{word}</button>'
        actions.append(_task_form(row, "accounts:task_reopen", task, button))
    if task.status != TaskStatus.DONE:
        button = f'<button type="submit" class="button small primary" aria-label="Complete: {title}">Complete</button>'
        actions.append(_task_form(row, "accounts:task_complete", task, button))
    if task.status == TaskStatus.OPEN or (task.status == TaskStatus.SNOOZED and not asleep):
        snooze = _task_form(
            row,
            "accounts:task_snooze",
            task,
            '<button type="submit" name="preset" value="tomorrow" class="linklike">Until tomorrow</button>\n'
            '      <button type="submit" name="preset" value="next_week" class="linklike">Until next Monday</button>\n'
            f'      <label for="snooze-until-{task.pk}">Or until</label>\n'
            f'      <span class="inline-form"><input type="date" id="snooze-until-{task.pk}" name="until">'
            '<button type="submit" class="button small">Snooze</button></span>',
            ' class="menu-panel menu-right snooze-panel"',
        )
        actions.append(
            '<details class="menu task-snooze" data-menu>\n'
            f'      <summary aria-label="Snooze: {title}">Snooze</summary>\n'
            f"      {snooze}\n    </details>"
        )
    meta = _task_meta(task, row, asleep=asleep, hide_account=hide_account, show_assignee=show_assignee)
    return (
        f'<li class="{classes}" id="task-{task.pk}">\n'
        f'  <div class="task-main">\n    <span class="task-title">{title}</span>\n'
        f'    <span class="task-meta">\n      {meta}\n    </span>\n  </div>\n'
        f'  <div class="task-actions">\n    {"\n    ".join(actions)}\n  </div>\n</li>\n'
    )


def task_rows(
    tasks: list[Task], request: HttpRequest, *, hide_account: bool = False, show_assignee: bool = False
) -> Any:
    row = RowContext.of(request)
    return safe("".join(task_row(task, row, hide_account=hide_account, show_assignee=show_assignee) for task in tasks))


# -- Pipeline board cards ----------------------------------------------------------------------------------------


def _whole_number(value: Decimal) -> str:
    """`floatformat:0|intcomma`: rounded half up, thousands separated by commas."""
    return f"{Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"


def board_cards(
    cards: list[Account],
    *,
    stages: list[LifecycleStage],
    filter_query: dict[str, str],
    currency: str,
    request: HttpRequest,
) -> SafeString:
    """A board column's cards: each with its facts and its Move form (the one that works without JavaScript, which
    static/js/board.js posts through htmx)."""
    row = RowContext.of(request)
    move = row.url("accounts:board_move")
    hidden = "".join(
        f'<input type="hidden" name="{esc(name)}" value="{esc(value)}">' for name, value in filter_query.items()
    )
    options = [
        (
            stage.pk,
            f'<option value="{stage.pk}"',
            f"{' data-churned' if stage.is_churned else ''}>{esc(stage.name)}</option>",
        )
        for stage in stages
    ]
    html = []
    for account in cards:
        pk, name = account.pk, esc(account.name)
        badges = ""
        if account.health_band:
            score = f" · {account.health_score}" if account.health_score is not None else ""
            badges += (
                f'<span class="badge band-{esc(account.health_band)}">{choice_label(HEALTH_BANDS, account.health_band)}'
                f"{score}</span>"
            )
        if account.tier_id is not None:
            badges += f'<span class="badge">{esc(account.tier.name)}</span>'
        owner = esc(account.owner.display_name) if account.owner is not None else '<span class="muted">No owner</span>'
        if account.renewal_date is not None:
            days = (account.renewal_date - row.today).days
            when = ""
            if days < 0:
                when = ' <span class="badge warn">overdue</span>'
            elif days <= 90:
                when = f' <span class="muted">in {days} day{"" if days == 1 else "s"}</span>'
            renewal = f'<time datetime="{account.renewal_date:%Y-%m-%d}">{day(account.renewal_date)}</time>{when}'
        else:
            renewal = '<span class="muted">None</span>'
        stage_options = "".join(
            f"{start}{' selected' if stage_pk == account.stage_id else ''}{end}" for stage_pk, start, end in options
        )
        if account.stage_id is None:
            stage_options = '<option value="" selected disabled>No stage</option>' + stage_options
        html.append(
            f'<li class="board-card" id="card-{pk}" draggable="true" data-account="{pk}">\n'
            f'  <h3 class="board-card-name"><a href="{row.id_url("accounts:detail", pk)}" draggable="false">'
            f"{name}</a></h3>\n"
            f"  {badges}\n"
            f'  <dl class="board-facts">\n'
            f"    <div><dt>Owner</dt><dd>{owner}</dd></div>\n"
            f"    <div><dt>MRR</dt><dd>{_whole_number(account.mrr)} {esc(currency)}</dd></div>\n"
            f"    <div><dt>Renewal</dt><dd>{renewal}</dd></div>\n"
            f"  </dl>\n"
            f'  <details class="board-move">\n'
            f'    <summary>Move<span class="visually-hidden"> {name}</span></summary>\n'
            f'    <form method="post" action="{move}" hx-post="{move}" hx-target="#board-columns" hx-swap="outerHTML" '
            f'class="inline-form" data-board-move>\n'
            f"      {row.csrf_field}\n"
            f'      <input type="hidden" name="account" value="{pk}">\n'
            f"      {hidden}\n"
            f'      <label class="visually-hidden" for="move-{pk}">Stage of {name}</label>\n'
            f'      <select id="move-{pk}" name="stage">{stage_options}</select>\n'
            f'      <button type="submit" class="button small">Move</button>\n'
            f"    </form>\n"
            f"  </details>\n"
            f"</li>\n"
        )
    return safe("".join(html))


# -- The stakeholder map ----------------------------------------------------------------------------------------


def stakeholder_nodes(nodes: list[Any], request: HttpRequest) -> SafeString:
    """The 360's reports-to tree (accounts.selectors.accounts.StakeholderNode): each person with their role, whether
    they are the primary contact or have left, their title and email, and the people who report to them."""
    html: list[str] = []

    def node_html(node: Any) -> None:
        contact = node.contact
        left = contact.has_left
        role = ""
        if contact.role != "user":
            role = f'<span class="badge role-{esc(contact.role)}">{choice_label(CONTACT_ROLES, contact.role)}</span>'
        primary = '<span class="badge">Primary</span>' if contact.is_primary else ""
        gone = ""
        if left:
            since = f" {month_and_year(contact.left_on)}" if contact.left_on else ""
            gone = f'<span class="badge warn">Left{since}</span>'
        title, email = contact.title or "", contact.email
        about = esc(title) + (" · " if title and email else "")
        if email:
            about += f'<a href="mailto:{esc(email)}">{esc(email)}</a>'
        edit = esc(org_reverse(request, "accounts:contact_edit", contact.account_id, contact.pk))
        html.append(
            f'<li class="stakeholder{" left" if left else ""}">\n'
            '  <div class="person">\n'
            f'    <a href="{edit}"><strong>{esc(contact.name)}</strong></a>\n'
            f"    {role}\n    {primary}\n    {gone}\n"
            f'    <br><span class="small muted">{about}</span>\n'
            "  </div>\n  "
        )
        if node.reports:
            html.append("<ul>")
            for child in node.reports:
                node_html(child)
            html.append("</ul>")
        html.append("\n</li>\n")

    for node in nodes:
        node_html(node)
    return safe("".join(html))


# -- Timeline entries -------------------------------------------------------------------------------------------


LOGGED_LATER = timedelta(hours=1)  # a note logged this long after what it tells says when it happened


def note_entry(entry: Any) -> str:
    """A note, a call or a meeting on the timeline: its kind, author, who it was with, how long, and its body (the
    note's stored HTML, sanitized when it was written). `entry.obj` is the note (the kind's loader), or None when it
    is gone."""
    kind = entry.kind
    key = esc(kind.key)
    note = entry.obj
    kind_label = choice_label(NOTE_KINDS, note.kind) if note is not None else ""
    contact = duration = ""
    if note is not None and note.contact:
        contact = f'<span class="muted">with {esc(note.contact.name)}</span>'
    if note is not None and note.duration_minutes:
        duration = f'<span class="muted">· {note.duration_minutes} min</span>'
    if note is not None:
        body = f'<div class="note-body">{note.body_html}</div>'
    else:
        body = f'<p class="muted">{esc(entry.target_repr)}</p>'
    when = entry_time(entry)
    if note is not None and abs(note.occurred_at - entry.created_at) > LOGGED_LATER:
        # Logged after the fact (yesterday's call): when it happened, and when it was written down.
        occurred = localtime(note.occurred_at)
        when = (
            f'<time datetime="{occurred.isoformat()}">{day_and_time(occurred)}</time>'
            f' <span class="muted small">(logged {day_and_time(entry.created_at)})</span>'
        )
    edit_url = getattr(entry, "edit_url", "")
    edit = f'<a class="small" href="{esc(edit_url)}">Edit</a>' if edit_url else ""
    return (
        f'<li class="entry entry-{key}">\n'
        '  <div class="entry-head">\n'
        f'    <span class="badge kind-{key}">{kind_label or esc(kind.label)}</span>\n'
        f"    <strong>{esc(entry.actor_label)}</strong>\n"
        f"    {contact}\n"
        f"    {duration}\n"
        f"    {when}\n"
        f"    {edit}\n"
        "  </div>\n"
        f"  {body}\n"
        "</li>\n"
    )


def note_line(entry: Any) -> str:
    """A note, call or meeting on one plain line (the start page's digest): its first line without Markdown, and
    without the "Call: " its stored name begins with (the badge says it)."""
    kind_label = NOTE_KINDS.get(entry.kind.key, "")
    text = entry.target_repr
    for label in NOTE_KINDS.values():
        text = text.removeprefix(f"{label}: ")
    return entry_line(entry, summary(text, LINE_LIMIT), label=kind_label)


def opened_html(moment: Any, now: Any = None) -> str:
    """When a ticket was opened, the same on the list and the board: the day (the time on hover) and how long ago
    (`now`: the page's clock, read once for all its rows)."""
    local = localtime(moment)
    shown = day(local)  # already local: converted once
    return (
        f'<time datetime="{local.isoformat()}" title="{shown}, {local:%H:%M}">{shown}</time> '
        f'<span class="muted">({timesince(moment, now, depth=1)} ago)</span>'
    )


# -- The ticket list ----------------------------------------------------------------------------------------------


def ticket_rows(tickets: list[Ticket], request: HttpRequest) -> SafeString:
    """The ticket list's table rows; each ticket carries `resolved_in` and `open_for`
    (accounts.selectors.tickets.with_durations)."""
    ticket_base = esc(org_prefix(request, "accounts:ticket_detail"))
    account_base = esc(org_prefix(request, "accounts:detail"))
    moment = now()
    html = []
    for ticket in tickets:
        number = ticket.number
        contact = f'<br><span class="muted">{esc(ticket.contact.name)}</span>' if ticket.contact else ""
        if ticket.account:
            account = f'<a href="{account_base}{ticket.account_id}/">{esc(ticket.account.name)}</a>'
        else:
            account = '<span class="muted">—</span>'
        assignee = esc(ticket.assignee.display_name) if ticket.assignee else '<span class="muted">Unassigned</span>'
        resolved_in = getattr(ticket, "resolved_in", "")
        resolution = (
            esc(resolved_in)
            if resolved_in
            else f'<span class="muted">open {esc(getattr(ticket, "open_for", ""))}</span>'
        )
        status = choice_label(TICKET_STATUSES, ticket.status)
        priority = choice_label(TICKET_PRIORITIES, ticket.priority)
        html.append(
            f'<tr id="ticket-{number}">\n'
            f'  <td class="ticket-subject"><a href="{ticket_base}{number}/"><span class="ticket-number">#{number}'
            f"</span> {esc(ticket.subject)}</a>\n    {contact}</td>\n"
            f"  <td>{account}</td>\n"
            f'  <td><span class="badge status-{esc(ticket.status)}">{status}</span></td>\n'
            f'  <td><span class="badge priority-{esc(ticket.priority)}">{priority}</span></td>\n'
            f"  <td>{assignee}</td>\n"
            f"  <td>{opened_html(ticket.opened_at, moment)}</td>\n"
            f"  <td>{resolution}</td>\n"
            "</tr>\n"
        )
    return safe("".join(html))


# -- Ticket board cards ------------------------------------------------------------------------------------------


def ticket_cards(tickets: list[Ticket], *, statuses: list[tuple[str, str]], request: HttpRequest) -> SafeString:
    """The ticket board's cards; each ticket carries `resolved_in` (accounts.selectors.tickets.with_durations)."""
    row = RowContext.of(request)
    options = [(value, f'<option value="{esc(value)}"', f">{esc(label)}</option>") for value, label in statuses]
    html = []
    for ticket in tickets:
        number = ticket.number
        update = row.id_url("accounts:ticket_update", number)
        meta = []
        if ticket.account_id is not None and ticket.account is not None:
            meta.append(f"<span>{esc(ticket.account.name)}</span>")
        if ticket.priority != "normal":
            priority = choice_label(TICKET_PRIORITIES, ticket.priority)
            meta.append(f'<span class="badge priority-{esc(ticket.priority)}">{priority}</span>')
        meta.append(f"<span>{esc(ticket.assignee.display_name) if ticket.assignee else 'Unassigned'}</span>")
        resolved_in = getattr(ticket, "resolved_in", "")
        when = f"Resolved in {esc(resolved_in)}" if resolved_in else f"Opened {opened_html(ticket.opened_at)}"
        status_options = "".join(
            f"{start}{' selected' if value == ticket.status else ''}{end}" for value, start, end in options
        )
        html.append(
            f'<li class="ticket-card priority-{esc(ticket.priority)}" id="ticket-card-{number}" draggable="true" '
            "data-ticket-card>\n"
            f'  <a class="ticket-card-title" href="{row.id_url("accounts:ticket_detail", number)}" draggable="false">'
            f'<span class="ticket-number">#{number}</span> {esc(ticket.subject)}</a>\n'
            f'  <span class="ticket-card-meta">\n    {"\n    ".join(meta)}\n  </span>\n'
            f'  <span class="ticket-card-time">{when}</span>\n'
            f'  <form method="post" action="{update}" hx-post="{update}" hx-target="#ticket-board" hx-swap="outerHTML" '
            'class="inline-form ticket-move" data-move-form>\n'
            f"    {row.csrf_field}{row.next_field}\n"
            f'    <label class="visually-hidden" for="move-{number}">Status of #{number}</label>\n'
            f'    <select id="move-{number}" name="status">{status_options}</select>\n'
            '    <button type="submit" class="button small">Move'
            f'<span class="visually-hidden"> #{number}</span></button>\n'
            "  </form>\n</li>\n"
        )
    return safe("".join(html))
