"""The servicedesk: the ticket list, the board by status, opening a ticket, a ticket's page; assign, move, resolve.

The servicedesk is shared work: every member (CSM, manager or admin) may see, open and change every ticket of the
organization. Filters live in the query string; the list and the board swap their results with htmx and work as
plain pages without it. A card moves by drag and drop (static/js/tickets.js submits the card's own move form) or,
without JavaScript, with that form's status select and Move button.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms.tasks import AccountField
from accounts.forms.tickets import TicketCreateForm, TicketFilterForm, TicketNoteForm, TicketUpdateForm
from accounts.models import RESOLVED_TICKET_STATUSES, Account, Ticket, TicketStatus
from accounts.selectors import tickets as selectors
from accounts.selectors.tasks import active_members
from accounts.services import tickets as services
from csm.models import Membership, Role
from csm.tenancy.access import OrgRequest, role_required
from csm.web.actions import errors_text, submit
from csm.web.http import next_url, wants_partial
from csm.web.reverse import org_reverse

LIST = "accounts/tickets/ticket_list.html"
BOARD = "accounts/tickets/ticket_board.html"
DETAIL = "accounts/tickets/ticket_detail.html"
FORM = "accounts/tickets/ticket_form.html"
PAGE_SIZE = 50


def _htmx_target(request: OrgRequest) -> str | None:
    if wants_partial(request):
        return request.htmx.target
    return None


@require_GET
@role_required(Role.CSM)
def ticket_list(request: OrgRequest) -> HttpResponse:
    form = TicketFilterForm(request.GET or None, members=active_members())
    filters = form.filters()
    page = selectors.ticket_page(filters, user=request.user, per_page=PAGE_SIZE, number=request.GET.get("page"))
    page.object_list = selectors.with_durations(list(page.object_list))
    context = {"form": form, "filters": filters, "page": page}
    if _htmx_target(request) == "ticket-results":
        return render(request, f"{LIST}#results", context)
    return render(request, LIST, context)


def _board_context(request: OrgRequest, query: QueryDict, members: list[Membership]) -> dict[str, Any]:
    form = TicketFilterForm(query or None, members=members, board=True)
    filters = form.filters()
    columns, closed = selectors.board(filters, user=request.user)
    return {
        "form": form,
        "filters": filters,
        "columns": columns,
        "closed": closed,
        "board_query": query,
        "statuses": TicketStatus.choices,
    }


@require_GET
@role_required(Role.CSM)
def ticket_board(request: OrgRequest) -> HttpResponse:
    context = _board_context(request, request.GET, active_members())
    if _htmx_target(request) == "ticket-board":
        return render(request, f"{BOARD}#board", context)
    return render(request, BOARD, context)


def _account_in(text: str) -> Account | None:
    """The account the form names, if it names one (errors are the form's to report)."""
    try:
        return AccountField().clean(text)
    except ValidationError:
        return None


@require_http_methods(["GET", "POST"])
@role_required(Role.CSM)
def ticket_create(request: OrgRequest) -> HttpResponse:
    members = active_members()
    status = 200
    if request.method == "POST":
        account = _account_in(request.POST.get("account", ""))
        form = TicketCreateForm(request.POST, members=members, account=account)
        ticket = submit(form, lambda: services.open_ticket(actor=request.user, **form.cleaned_data))
        if ticket is not None:
            messages.success(request, f"Ticket #{ticket.number} opened.")
            return redirect(org_reverse(request, "accounts:ticket_detail", ticket.number))
        status = 400
    else:
        # ?account= is an id from the account's page, or the account field's text when htmx refreshes the contacts.
        account = _account_in(request.GET.get("account", ""))
        form = TicketCreateForm(initial={"account": account}, members=members, account=account)
    account_field = form.fields["account"]
    assert isinstance(account_field, AccountField)
    account_field.suggest_from(org_reverse(request, "accounts:task_account_options"), "ticket-account-options")
    context = {"form": form, "account": account}
    if _htmx_target(request) == "contact-field":
        return render(request, f"{FORM}#contact-field", context, status=status)
    return render(request, FORM, context, status=status)


def _detail(
    request: OrgRequest,
    ticket: Ticket,
    *,
    form: TicketUpdateForm | None = None,
    note_form: TicketNoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    selectors.with_durations([ticket])
    if form is None:
        initial = {"status": ticket.status, "priority": ticket.priority, "assignee": str(ticket.assignee_id or "")}
        form = TicketUpdateForm(initial=initial, members=active_members())
    history = selectors.history(ticket)
    context = {
        "ticket": ticket,
        "form": form,
        "note_form": note_form or TicketNoteForm(),
        "notes": selectors.notes(ticket),
        "history": history,
        "is_resolved": ticket.status in RESOLVED_TICKET_STATUSES,
        # The last time it was reopened, if it was: an open ticket says so rather than look never resolved.
        "reopened_at": next((entry.created_at for entry in history if entry.verb == "ticket.reopened"), None),
    }
    return render(request, DETAIL, context, status=status)


@require_GET
@role_required(Role.CSM)
def ticket_detail(request: OrgRequest, number: int) -> HttpResponse:
    """A ticket by its number in the organization (#238 is /tickets/238/)."""
    return _detail(request, get_object_or_404(selectors.ticket_for_detail(number)))


@require_POST
@role_required(Role.CSM)
def ticket_note(request: OrgRequest, number: int) -> HttpResponse:
    """Add an internal note, then back to the ticket (a reload adds nothing)."""
    ticket = get_object_or_404(selectors.ticket_for_detail(number))
    form = TicketNoteForm(request.POST)
    note = submit(form, lambda: services.add_note(actor=request.user, ticket=ticket, body=form.cleaned_data["body"]))
    if note is None:
        return _detail(request, ticket, note_form=form, status=400)
    messages.success(request, f"Note added to #{ticket.number}.")
    return redirect(org_reverse(request, "accounts:ticket_detail", ticket.number) + "#notes")


def _summary(before: Ticket, after: Ticket) -> str:
    """What changed, in words: "#12 moved to Pending, assigned to Carol."."""
    parts = []
    if after.status != before.status:
        if after.status in RESOLVED_TICKET_STATUSES and after.resolved_at is not None:
            took = selectors.duration_label(after.resolution_time)
            parts.append(f"{after.get_status_display().lower()}, resolved in {took}")
        else:
            parts.append(f"moved to {after.get_status_display()}")
    if after.assignee_id != before.assignee_id:
        parts.append(f"assigned to {after.assignee.display_name}" if after.assignee else "unassigned")
    if after.priority != before.priority:
        parts.append(f"priority {after.get_priority_display().lower()}")
    return f"#{after.number} " + (", ".join(parts) if parts else "unchanged") + "."


def _next_query(request: OrgRequest) -> QueryDict:
    """The query string of the page the request came from (the board's filters, to render the board again)."""
    return QueryDict(urlsplit(next_url(request, "")).query)


@require_POST
@role_required(Role.CSM)
def ticket_update(request: OrgRequest, number: int) -> HttpResponse:
    ticket = get_object_or_404(selectors.ticket_for_detail(number))
    members = active_members()
    form = TicketUpdateForm(request.POST, members=members)
    updated = submit(form, lambda: services.update_ticket(actor=request.user, ticket=ticket, **form.changes()))
    saved = updated is not None
    if updated is not None:
        messages.success(request, _summary(ticket, updated))
    if _htmx_target(request) == "ticket-board":
        if not saved:
            messages.error(request, errors_text(form))
        context = _board_context(request, _next_query(request), members)
        return render(request, f"{BOARD}#board", context, status=200 if saved else 400)
    if not saved:
        return _detail(request, ticket, form=form, status=400)
    return redirect(next_url(request, org_reverse(request, "accounts:ticket_detail", ticket.number)))
