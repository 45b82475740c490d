"""The book of accounts and the account's 360 view.

The list's state is its query string (filters, sort, page), so every view of it has a URL; htmx swaps only the
results. The 360 page is one template whose parts (details, stage, owner, timeline, tasks, plans) are partials
that the actions re-render in place.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.timezone import localdate
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms.accounts import (
    AccountForm,
    BulkForm,
    ContactForm,
    NoteForm,
    OwnerForm,
    SegmentForm,
    StageForm,
    StartPlanForm,
)
from accounts.forms.filters import CSM_DEFAULTS, AccountFilterForm
from accounts.forms.tasks import TaskCreateForm
from accounts.models import (
    Account,
    BulkAction,
    BulkChange,
    Contact,
    CustomField,
    Milestone,
    MilestoneStatus,
    Note,
    NoteKind,
    SuccessPlan,
)
from accounts.selectors import accounts as selectors
from accounts.selectors.tasks import active_members
from accounts.services import accounts as account_services
from accounts.services import bulk
from accounts.services import contacts as contact_services
from accounts.services import notes as note_services
from accounts.services import plans as plan_services
from accounts.services import segments as segment_services
from accounts.services import tasks as task_services
from csm.models import Membership, Role
from csm.tenancy import activate
from csm.tenancy.access import OrgRequest, can, role_required
from csm.timeline import kinds as timeline_kinds
from csm.web import cursors
from csm.web.actions import answer, attempt, errors_text, form_status, refusal_text, submit
from csm.web.forms import share_rows
from csm.web.http import csm_defaults, next_url, wants_partial
from csm.web.reverse import org_prefix, org_reverse
from csm.web.undo import offer_undo

BULK_ALL_LIMIT = 1000
EXPORT_CHUNK = 2000


# -- The list ----------------------------------------------------------------------------------------------------


def _list_state(request: OrgRequest, members: list[Membership]) -> tuple[AccountFilterForm, dict[str, Any], str]:
    form = AccountFilterForm(request.GET or None, user=request.user, members=members)
    filters = form.valid_filters() if request.GET else {}
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT
    return form, filters, sort


@require_GET
@role_required(Role.CSM)
def account_list(request: OrgRequest) -> HttpResponse:
    if (defaults := csm_defaults(request, CSM_DEFAULTS)) is not None:
        return defaults
    # The people and the stages, read once for the page's pickers (the filters, bulk assign and bulk "set stage").
    members = active_members()
    stages = selectors.stages()
    form, filters, sort = _list_state(request, members)
    share_rows(form, "stage", stages)
    share_rows(form, "tier", selectors.tiers())
    share_rows(form, "segment", selectors.segment_choices(request.user))
    bulk_form = BulkForm(members=members)
    share_rows(bulk_form, "stage", [stage for stage in stages if not stage.is_churned])
    accounts = selectors.sort_accounts(selectors.filter_accounts(filters, request.user), sort)
    page = selectors.page_of(accounts, request.GET.get("page"))
    segment_error = ""
    if filters.get("segment") is not None:
        try:
            selectors.segment_filters(filters["segment"], request.user)
        except selectors.StaleSegmentError as error:
            segment_error = str(error)
    context = {
        "segment_error": segment_error,
        "form": form,
        "page": page,
        "sort": sort,
        "filters_active": any(v not in (None, "") for v in filters.values()),
        "bulk_form": bulk_form,
        "segment_form": SegmentForm(),
        "can_reassign": can(request, Role.MANAGER),
        "segment": filters.get("segment"),
        "bulk_all_limit": BULK_ALL_LIMIT,
        "count_cap": f"{selectors.COUNT_CAP:,}",
        "detail_base": org_prefix(request, "accounts:detail"),
    }
    template = "accounts/account_list.html#results" if wants_partial(request) else "accounts/account_list.html"
    return render(request, template, context)


def _back_to_list(request: OrgRequest) -> str:
    query = request.POST.get("query", "")
    return org_reverse(request, "accounts:list") + (f"?{query}" if query else "")


def _bulk_ids(request: OrgRequest, data: dict[str, Any]) -> list[int] | None:
    """The accounts a bulk action is for: those ticked, or every account the list's filters match (None past
    BULK_ALL_LIMIT)."""
    if not data["select_all"]:
        ids: list[int] = data["account_ids"]
        return ids
    filter_form = AccountFilterForm(QueryDict(request.POST.get("query", "")), user=request.user)
    matching = selectors.filter_accounts(filter_form.valid_filters(), request.user)
    ids = list(matching.order_by("id").values_list("id", flat=True)[: BULK_ALL_LIMIT + 1])
    return None if len(ids) > BULK_ALL_LIMIT else ids


def _bulk_refused(request: OrgRequest, text: str) -> HttpResponse:
    """A bulk action refused before anything changed: in the panel above the list (htmx), else as a message."""
    if request.htmx:
        return render(request, "accounts/bulk_confirm.html#refused", {"refusal": text}, status=400)
    messages.error(request, text)
    return redirect(_back_to_list(request))


def _accounts_word(count: int) -> str:
    return f"{count:,} account{'s' if count != 1 else ''}"


def _bulk_words(data: dict[str, Any], count: int) -> tuple[str, str, str]:
    """The question a bulk action asks, its button, and what it says once done, for `count` accounts."""
    accounts = _accounts_word(count)
    action, owner, stage = data["action"], data["owner_id"], data["stage"]
    if action == BulkAction.ASSIGN_OWNER and owner is None:
        return f"Remove the owner from {accounts}?", "Remove the owner", f"Owner removed from {accounts}."
    if action == BulkAction.ASSIGN_OWNER:
        name = owner.display_name
        return f"Assign {accounts} to {name}?", f"Assign to {name}", f"{accounts} assigned to {name}."
    if action == BulkAction.SET_STAGE:
        return f"Move {accounts} to {stage.name}?", f"Move to {stage.name}", f"{accounts} moved to {stage.name}."
    tag = data["tag"].strip()
    return f"Add the tag “{tag}” to {accounts}?", "Add the tag", f"Tag “{tag}” added to {accounts}."


@require_POST
@role_required(Role.CSM)
def account_bulk(request: OrgRequest) -> HttpResponse:
    """Assign an owner (managers), set a stage or add a tag, on the selected accounts or on every account the
    list's filters match (up to BULK_ALL_LIMIT). First what it would do (accounts.services.bulk.plan: the count,
    the accounts skipped and why, and whether to un-churn churned ones), then, confirmed, the change, which its
    author can undo."""
    form = BulkForm(request.POST, members=active_members())
    if not form.is_valid():
        return _bulk_refused(request, errors_text(form))
    data = form.cleaned_data
    if data["action"] == BulkAction.ASSIGN_OWNER and not can(request, Role.MANAGER):
        raise PermissionDenied("Reassigning accounts needs the Manager role.")
    ids = _bulk_ids(request, data)
    if ids is None:
        return _bulk_refused(request, f"That is more than {BULK_ALL_LIMIT:,} accounts: narrow the filters first.")
    values = {"owner": data["owner_id"], "stage": data["stage"], "tag": data["tag"] or "", "unchurn": data["unchurn"]}
    if not data["confirmed"]:
        try:
            found = bulk.plan(data["action"], ids, **values)
        except ValidationError as error:
            return _bulk_refused(request, refusal_text(error))
        question, button, _ = _bulk_words(data, len(found.changed))
        context = {
            "plan": found,
            "question": question,
            "button": button,
            "ids": ids,
            "data": data,
            "owner_value": BulkForm.NO_OWNER if data["owner_id"] is None else data["owner_id"].pk,
            "query": request.POST.get("query", ""),
            "list_url": _back_to_list(request),
        }
        template = "accounts/bulk_confirm.html#panel" if request.htmx else "accounts/bulk_confirm.html"
        return render(request, template, context)
    outcome = attempt(request, lambda: bulk.apply(actor=request.user, action=data["action"], account_ids=ids, **values))
    if outcome is not None:
        skipped = "; ".join(f"{count:,} {reason}" for reason, count in outcome.skipped)
        text = _bulk_words(data, outcome.changed)[2] if outcome.changed else "Nothing was changed."
        text += f" Skipped: {skipped}." if skipped else ""
        if outcome.change is not None:
            offer_undo(request, text, url=org_reverse(request, "accounts:bulk_undo", outcome.change.pk))
        else:
            messages.info(request, text)
    return redirect(_back_to_list(request))


@require_POST
@role_required(Role.CSM)
def account_bulk_undo(request: OrgRequest, pk: int) -> HttpResponse:
    """Undo a bulk change (its author, once, for a day): the accounts still as it left them go back."""
    change = get_object_or_404(BulkChange, pk=pk)
    done = attempt(request, lambda: bulk.undo(actor=request.user, change=change))
    if done is not None:
        back, left = done
        text = f"Undone: {_accounts_word(back)} back as they were."
        if left:
            text += f" {_accounts_word(left)} changed since (or lost what they had before) and stayed as they are."
        messages.success(request, text)
    return redirect(next_url(request, org_reverse(request, "accounts:list")))


@require_POST
@role_required(Role.CSM)
def segment_save(request: OrgRequest) -> HttpResponse:
    form = SegmentForm(request.POST)
    posted = QueryDict(request.POST.get("query", ""))
    query: dict[str, str] = {key: posted.get(key, "") for key in posted}
    # Saving while a segment is applied keeps that segment's filters under the new ones: what is saved is what
    # the person saw.
    requested = query.get("segment", "")
    active = selectors.visible_segments(request.user).filter(pk=int(requested)).first() if requested.isdigit() else None
    if active is not None:
        query = {**active.query, **{key: value for key, value in query.items() if value}}
    if not form.is_valid():
        messages.error(request, "Name the segment to save it.")
        return redirect(_back_to_list(request))
    segment = attempt(
        request,
        lambda: segment_services.save_segment(
            actor=request.user, name=form.cleaned_data["name"], query=query, is_shared=form.cleaned_data["is_shared"]
        ),
    )
    if segment is None:
        return redirect(_back_to_list(request))
    messages.success(request, f"Segment “{segment.name}” saved.")
    return redirect(org_reverse(request, "accounts:list") + f"?segment={segment.pk}")


@require_POST
@role_required(Role.CSM)
def segment_delete(request: OrgRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(selectors.visible_segments(request.user), pk=pk)
    segment_services.delete_segment(actor=request.user, segment=segment, role=request.role)
    messages.success(request, f"Segment “{segment.name}” deleted.")
    return redirect(org_reverse(request, "accounts:list"))


EXPORT_COLUMNS = [
    "name",
    "external_id",
    "domains",
    "owner_email",
    "tier",
    "stage",
    "plan",
    "start_date",
    "renewal_date",
    "trial_ends_on",
    "churn_date",
    "churn_reason",
    "mrr",
    "arr",
    "seats",
    "health_score",
    "health_band",
    "tags",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: Any) -> Any:
    # A text cell starting like a formula would run when the file is opened in a spreadsheet; numbers stay numbers.
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


@require_GET
@role_required(Role.CSM)
def account_export(request: OrgRequest) -> StreamingHttpResponse:
    """Every account the filters match, as CSV, streamed: memory stays flat whatever the size."""
    _, filters, sort = _list_state(request, active_members())
    organization, user = request.organization, request.user
    custom_fields = list(CustomField.objects.all())
    # Built here, while the person's time zone is active ("renews within N days" is their today), and evaluated
    # by the generator.
    accounts = selectors.for_list(selectors.sort_accounts(selectors.filter_accounts(filters, user), sort))

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        # A byte-order mark first: Excel then reads the file as UTF-8 ("Fjällräven", not "FjÃ¤llrÃ¤ven"); the
        # import reads it back (accounts.importer.files).
        yield "\ufeff"
        yield writer.writerow(EXPORT_COLUMNS + [f"custom_{f.key}" for f in custom_fields])
        # The response is consumed after the request's transaction ended: the generator opens its own context.
        with activate(organization, user=user):
            for account in accounts.iterator(chunk_size=EXPORT_CHUNK):
                yield writer.writerow(
                    [_csv_safe(value) for value in _export_row(account)]
                    + [_csv_safe(account.custom_fields.get(f.key, "")) for f in custom_fields]
                )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="accounts-{organization.slug}-{localdate()}.csv"'
    return response


def _export_row(account: Account) -> list[Any]:
    return [
        account.name,
        account.external_id or "",
        account.domains,
        account.owner.email if account.owner else "",
        account.tier.name if account.tier else "",
        account.stage.name if account.stage else "",
        account.plan,
        account.start_date or "",
        account.renewal_date or "",
        account.trial_ends_on or "",
        account.churn_date or "",
        account.churn_reason,
        account.mrr,
        account.arr,
        account.seats if account.seats is not None else "",
        account.health_score if account.health_score is not None else "",
        account.health_band,
        ", ".join(tag.name for tag in account.tags.all()),
    ]


# -- Create and edit ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(Role.CSM)
def account_create(request: OrgRequest) -> HttpResponse:
    creator = None if can(request, Role.MANAGER) else request.user
    form = AccountForm(request.POST or None, initial={"owner_id": str(request.user.pk)}, creator=creator)
    if request.method == "POST":
        account = submit(
            form, lambda: account_services.create_account(actor=request.user, tags=form.tag_names(), **form.values())
        )
        if account is not None:
            messages.success(request, f"{account.name} is created.")
            return redirect(org_reverse(request, "accounts:detail", account.pk))
    return render(request, "accounts/account_form.html", {"form": form}, status=form_status(form))


@require_http_methods(["GET", "POST"])
@role_required(Role.CSM)
def account_edit(request: OrgRequest, pk: int) -> HttpResponse:
    """The details form; on the 360 page it swaps in place of the details card (htmx)."""
    account = selectors.account_for_360(pk)
    form = AccountForm(request.POST or None, instance=account)
    if request.method == "POST" and submit(form, lambda: _save_details(request, pk, form)):
        if wants_partial(request):
            return _render_details(request, pk)
        messages.success(request, "Saved.")
        return redirect(org_reverse(request, "accounts:detail", pk))
    context = {"form": form, "account": Account.objects.get(pk=pk)}
    return answer(request, "accounts/account_form.html", context, partial="details-form", status=form_status(form))


def _save_details(request: OrgRequest, pk: int, form: AccountForm) -> bool:
    values = form.values()
    owner = values.pop("owner")
    # The form wrote onto its instance; the services compare against the stored row.
    stored = Account.objects.get(pk=pk)
    if owner != stored.owner and not can(request, Role.MANAGER):
        raise ValidationError({"owner_id": "Reassigning an account needs the Manager role."})
    account_services.update_account(actor=request.user, account=stored, owner=owner, **values)
    account_services.set_tags(actor=request.user, account=stored, names=form.tag_names())
    return True


def _render_details(request: OrgRequest, pk: int) -> HttpResponse:
    """The details card again, and the page's header out of band: MRR, ARR, tier and owner may have changed."""
    account = selectors.account_for_360(pk)
    context = {"account": account, "custom_values": _custom_values(account), "oob": True}
    details = render_to_string("accounts/account_detail.html#details", context, request=request)
    head = render_to_string("accounts/account_detail.html#head", context, request=request)
    return HttpResponse(details + head)


def _with_rows[F: forms.BaseForm](form: F, name: str, rows: list[Any]) -> F:
    """The form, its choice field `name` showing `rows` (read by a prepared query) rather than reading them again."""
    share_rows(form, name, rows)
    return form


def _custom_values(account: Account) -> list[tuple[str, Any]]:
    return [(f.label, account.custom_fields.get(f.key)) for f in selectors.custom_fields()]


# -- The 360 -----------------------------------------------------------------------------------------------------

NOTE_VERBS = frozenset(note_services.VERBS.values())  # the entries that are a note, a call or a meeting written


def _timeline_context(request: OrgRequest, account: Account, *, first_page: bool = False) -> dict[str, Any]:
    """The timeline's part of a context: ?kind= filters it, ?before= pages it (with or without JavaScript)."""
    kind = "" if first_page else request.GET.get("kind", "")
    before = None if first_page else cursors.decode(request.GET.get("before", ""))
    page = selectors.timeline(account, kind=kind, before=before)
    # The person's own notes offer to be changed (accounts.rows.note_entry writes the link).
    edit_base = org_reverse(request, "accounts:note_edit", account.pk, 0).removesuffix("0/edit/")
    for entry in page.entries:
        note = getattr(entry, "obj", None)
        if isinstance(note, Note) and note.author_id == request.user.pk and entry.verb in NOTE_VERBS:
            entry.edit_url = f"{edit_base}{note.pk}/edit/"  # type: ignore[attr-defined]
    return {"account": account, "entries": page.entries, "older": page.older, "kinds": timeline_kinds(), "kind": kind}


def _note_form(account: Account, view: selectors.Account360) -> NoteForm:
    form = NoteForm(account=account)
    if len(view.contacts) < selectors.MAX_CONTACTS:  # the page has every contact already, in the same order
        share_rows(form, "contact", view.contacts)
    return form


def _detail_context(request: OrgRequest, account: Account, **extra: Any) -> dict[str, Any]:
    view = selectors.account_360(account)
    context = {
        **_timeline_context(request, account),
        "view": view,
        "open_task_count": len(view.open_tasks),
        "more_tasks": view.more_tasks,
        "custom_values": _custom_values(account),
        "note_form": _note_form(account, view),
        "task_form": TaskCreateForm(
            initial={"assignee": str(account.owner_id or request.user.pk)},
            members=active_members(),
            user=request.user,
            account=account,
        ),
        "stage_form": _with_rows(StageForm(initial={"stage": account.stage_id}), "stage", selectors.stages()),
        "plan_form": _with_rows(StartPlanForm(), "template", selectors.plan_templates()),
        "can_reassign": can(request, Role.MANAGER),
    }
    if context["can_reassign"]:
        context["owner_form"] = OwnerForm(initial={"owner_id": str(account.owner_id or "")})
    if account.stage is not None and account.stage.is_churned:
        # What "close them" would close: the open tasks and the snoozed ones, asleep or not.
        context["tasks_to_close"] = task_services.open_tasks_of(account).count()
    context.update(extra)
    return context


@require_GET
@role_required(Role.CSM)
def account_detail(request: OrgRequest, pk: int) -> HttpResponse:
    if request.htmx and request.GET.get("figures") == "tasks":
        return _task_figures(request, pk)
    account = selectors.account_for_360(pk)
    return render(request, "accounts/account_detail.html", _detail_context(request, account))


def _task_figures(request: OrgRequest, pk: int) -> HttpResponse:
    """The 360's task figures after an action (the `csm:changed` event): the open tasks' count, and a churned
    account's "close them" offer, out of band."""
    account = get_object_or_404(Account.objects.select_related("stage"), pk=pk)
    count, more = selectors.open_task_count(account)
    context: dict[str, Any] = {"account": account, "open_task_count": count, "more_tasks": more}
    content = render_to_string("accounts/account_detail.html#task-count", context, request)
    if account.stage is not None and account.stage.is_churned:
        context.update(oob=True, tasks_to_close=task_services.open_tasks_of(account).count())
        content += render_to_string("accounts/account_detail.html#close-tasks", context, request)
    return HttpResponse(content)


@require_GET
@role_required(Role.CSM)
def account_timeline(request: OrgRequest, pk: int) -> HttpResponse:
    """A page of the timeline, filtered by kind; htmx swaps it into the 360 page (or appends older entries)."""
    account = get_object_or_404(Account, pk=pk)
    if not wants_partial(request):
        query = request.GET.urlencode()
        return redirect(org_reverse(request, "accounts:detail", pk) + (f"?{query}" if query else ""))
    context = _timeline_context(request, account)
    paging = bool(request.GET.get("before"))
    template = "accounts/account_detail.html#timeline-entries" if paging else "accounts/account_detail.html#timeline"
    return render(request, template, context)


@require_POST
@role_required(Role.CSM)
def account_note(request: OrgRequest, pk: int) -> HttpResponse:
    """Add a note, or log a call or a meeting; with htmx the new entry appears at the top of the timeline."""
    account = get_object_or_404(Account, pk=pk)
    form = NoteForm(request.POST, account=account)
    submit(form, lambda: note_services.add_note(actor=request.user, account=account, **form.note_values()))
    if wants_partial(request):
        # A fresh form keeps the kind just used: the next of a series of calls is a call too.
        kept = NoteForm(account=account, initial={"kind": form.cleaned_data.get("kind", NoteKind.NOTE)})
        context = {
            **_timeline_context(request, account, first_page=True),
            "note_form": form if form.errors else kept,
        }
        return render(request, "accounts/account_detail.html#timeline-card", context, status=form_status(form))
    if form.errors:
        account = selectors.account_for_360(pk)
        return render(
            request, "accounts/account_detail.html", _detail_context(request, account, note_form=form), status=400
        )
    messages.success(request, "Added to the timeline.")
    return redirect(org_reverse(request, "accounts:detail", pk))


def _own_note(request: OrgRequest, pk: int, note_pk: int) -> Note:
    """The note, if this person wrote it: 404 outside the account or the organization, 403 on someone else's."""
    note = get_object_or_404(Note.objects.select_related("account", "contact"), pk=note_pk, account_id=pk)
    if note.author_id != request.user.pk:
        raise PermissionDenied("Only the person who wrote a note may change or delete it.")
    return note


@require_http_methods(["GET", "POST"])
@role_required(Role.CSM)
def note_edit(request: OrgRequest, pk: int, note_pk: int) -> HttpResponse:
    """Rewrite one's own note, call or meeting; the timeline records the change."""
    note = _own_note(request, pk, note_pk)
    form = NoteForm.of(note, request.POST or None)
    if (
        request.method == "POST"
        and submit(form, lambda: note_services.edit_note(actor=request.user, note=note, **form.note_values()))
        is not None
    ):
        messages.success(request, "The note is changed.")
        return redirect(org_reverse(request, "accounts:detail", pk) + "#timeline")
    context = {"form": form, "note": note, "account": note.account}
    return render(request, "accounts/note_form.html", context, status=form_status(form))


@require_POST
@role_required(Role.CSM)
def note_delete(request: OrgRequest, pk: int, note_pk: int) -> HttpResponse:
    note = _own_note(request, pk, note_pk)
    note_services.delete_note(actor=request.user, note=note)
    messages.success(request, "The note is deleted; the timeline says so.")
    return redirect(org_reverse(request, "accounts:detail", pk) + "#timeline")


@require_POST
@role_required(Role.CSM)
def account_stage(request: OrgRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    form = StageForm(request.POST)
    if submit(form, lambda: account_services.change_stage(actor=request.user, account=account, **form.cleaned_data)):
        messages.success(request, f"{account.name} is now in {form.cleaned_data['stage']}.")
        return redirect(org_reverse(request, "accounts:detail", pk))
    account = selectors.account_for_360(pk)
    return render(
        request, "accounts/account_detail.html", _detail_context(request, account, stage_form=form), status=400
    )


@require_POST
@role_required(Role.CSM)
def account_close_tasks(request: OrgRequest, pk: int) -> HttpResponse:
    """Close every open task of a churned account (offered on its 360 once it churned)."""
    account = get_object_or_404(Account.objects.select_related("stage"), pk=pk)
    closed = attempt(request, lambda: task_services.close_open_tasks(actor=request.user, account=account))
    if closed is not None:
        messages.success(request, f"{closed} open task{'s' if closed != 1 else ''} of {account.name} closed.")
    return redirect(org_reverse(request, "accounts:detail", pk))


@require_POST
@role_required(Role.MANAGER)
def account_owner(request: OrgRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    form = OwnerForm(request.POST)
    if form.is_valid():
        account_services.assign_owner(actor=request.user, account=account, owner=form.cleaned_data["owner_id"])
        owner = form.cleaned_data["owner_id"]
        messages.success(request, f"{account.name} is now owned by {owner.display_name if owner else 'nobody'}.")
        return redirect(org_reverse(request, "accounts:detail", pk))
    account = selectors.account_for_360(pk)
    return render(
        request, "accounts/account_detail.html", _detail_context(request, account, owner_form=form), status=400
    )


@require_POST
@role_required(Role.CSM)
def account_task(request: OrgRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    form = TaskCreateForm(request.POST, members=active_members(), user=request.user, account=account)
    if submit(form, lambda: task_services.create_task(actor=request.user, **form.task_values())):
        messages.success(request, "Task added.")
        return redirect(org_reverse(request, "accounts:detail", pk))
    account = selectors.account_for_360(pk)
    return render(
        request, "accounts/account_detail.html", _detail_context(request, account, task_form=form), status=400
    )


@require_POST
@role_required(Role.CSM)
def account_plan(request: OrgRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    form = StartPlanForm(request.POST)
    plan = submit(form, lambda: plan_services.start_plan(actor=request.user, account=account, **form.cleaned_data))
    if plan is not None:
        messages.success(request, f"Success plan “{plan.name}” started.")
        return redirect(org_reverse(request, "accounts:detail", pk))
    account = selectors.account_for_360(pk)
    return render(
        request, "accounts/account_detail.html", _detail_context(request, account, plan_form=form), status=400
    )


@require_POST
@role_required(Role.CSM)
def milestone_toggle(request: OrgRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("plan"), pk=pk)
    plan_services.set_milestone_done(
        actor=request.user, milestone=milestone, done=milestone.status != MilestoneStatus.DONE
    )
    if wants_partial(request):
        plan = selectors.plans_with_progress(SuccessPlan.objects.filter(pk=milestone.plan_id)).get()
        return render(request, "accounts/account_detail.html#plan", {"plan": plan, "account": milestone.account})
    return redirect(org_reverse(request, "accounts:detail", milestone.account_id))


# -- Contacts ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(Role.CSM)
def contact_create(request: OrgRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    form = ContactForm(request.POST or None, account=account)
    if request.method == "POST":
        contact = submit(
            form, lambda: contact_services.create_contact(actor=request.user, account=account, **form.values())
        )
        if contact is not None:
            messages.success(request, f"{contact.name} is added to {account.name}.")
            return redirect(org_reverse(request, "accounts:detail", account.pk))
    return render(request, "accounts/contact_form.html", {"form": form, "account": account}, status=form_status(form))


@require_http_methods(["GET", "POST"])
@role_required(Role.CSM)
def contact_edit(request: OrgRequest, pk: int, contact_pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    contact = get_object_or_404(Contact, pk=contact_pk, account=account)
    form = ContactForm(request.POST or None, instance=contact, account=account)
    if request.method == "POST":
        stored = Contact.objects.get(pk=contact.pk)  # the form wrote onto `contact`: the service compares with this
        if submit(form, lambda: contact_services.update_contact(actor=request.user, contact=stored, **form.values())):
            messages.success(request, "Contact saved.")
            return redirect(org_reverse(request, "accounts:detail", account.pk))
    context = {"form": form, "account": account, "contact": Contact.objects.get(pk=contact.pk)}
    return render(request, "accounts/contact_form.html", context, status=form_status(form))
