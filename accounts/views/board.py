"""The pipeline board: accounts as cards in one column per lifecycle stage, moved by drag and drop or by a form.

Each column scrolls in its own box and ends with "Show more": with htmx, the column's next cards only
(`board_column`), appended; without JavaScript, the board again with that column a page longer (`?column=&cards=`).
Both keep the board's filters (owner, tier).

Every member may move cards (CSMs work the pipeline). A move goes through `change_stage`, so it lands on the
account's timeline, and a move into a churned stage asks for the reason first: without JavaScript the board answers
with a page that asks for it (400); with JavaScript (static/js/board.js) a dialog asks before htmx posts the card's
form, and the answer is the board's columns with the messages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from accounts.forms.board import BoardFilterForm, BoardMoveForm
from accounts.forms.board_cards import BoardCardsForm
from accounts.models import Account, LifecycleStage
from accounts.selectors.board import NO_STAGE, board_columns, board_stages, column_page
from accounts.services.accounts import change_stage
from csm.models import Role
from csm.tenancy.access import OrgRequest, role_required
from csm.web.actions import answer, errors_text, refusal_text
from csm.web.http import csm_defaults, wants_partial
from csm.web.reverse import org_reverse

TEMPLATE = "accounts/board/board.html"


def _board_context(filter_form: BoardFilterForm, cards_form: BoardCardsForm | None = None) -> dict[str, Any]:
    limits = cards_form.limits() if cards_form is not None else {}
    columns = board_columns(**filter_form.filters(), limits=limits)
    query = filter_form.query()
    return {
        "filter_form": filter_form,
        "filter_query": query,
        "filter_querystring": urlencode(query),
        "columns": columns,
        "stages": [column.stage for column in columns if column.stage is not None],
    }


def _board_url(request: OrgRequest, query: dict[str, str]) -> str:
    url = org_reverse(request, "accounts:board")
    return f"{url}?{urlencode(query)}" if query else url


@require_GET
@role_required(Role.CSM)
def board(request: OrgRequest) -> HttpResponse:
    if (defaults := csm_defaults(request, {"owner": "me"})) is not None:
        return defaults
    filter_form = BoardFilterForm(request.GET or None, user=request.user)
    cards_form = BoardCardsForm(request.GET)
    return answer(request, TEMPLATE, _board_context(filter_form, cards_form), partial="columns")


@require_GET
@role_required(Role.CSM)
def board_column(request: OrgRequest, column: str) -> HttpResponse:
    """A column's "Show more": its next cards, and the column's next "Show more" when it has more (htmx appends
    them in place of the one clicked). Without htmx, the board with that column longer."""
    stages = board_stages()
    stage = None
    if column != NO_STAGE:
        stage = next((found for found in stages if str(found.pk) == column), None)
        if stage is None:
            raise Http404("No such stage.")
    filter_form = BoardFilterForm(request.GET or None, user=request.user)
    cards_form = BoardCardsForm(request.GET)
    if not wants_partial(request):
        query = {**filter_form.query(), "column": column, "cards": str(cards_form.size())}
        return HttpResponseRedirect(_board_url(request, query))
    query = filter_form.query()
    context = {
        "column": column_page(stage, **filter_form.filters(), size=cards_form.size()),
        "stages": stages,
        "filter_query": query,
        "filter_querystring": urlencode(query),
    }
    return render(request, f"{TEMPLATE}#column-cards", context)


def _refused(request: OrgRequest, filter_form: BoardFilterForm, message: str) -> HttpResponse:
    messages.error(request, message)
    return answer(request, TEMPLATE, _board_context(filter_form), partial="columns", status=400)


@require_POST
@role_required(Role.CSM)
def board_move(request: OrgRequest) -> HttpResponse:
    filter_form = BoardFilterForm(request.POST, user=request.user)
    form = BoardMoveForm(request.POST)
    if not form.is_valid() and ("account" in form.errors or "stage" in form.errors):
        return _refused(request, filter_form, "Choose an account and the stage to move it to.")
    account = get_object_or_404(Account.objects.select_related("stage"), pk=form.cleaned_data["account"])
    stage = get_object_or_404(LifecycleStage, pk=form.cleaned_data["stage"])
    if form.errors and stage.is_churned:
        return _ask_churn_reason(request, form, filter_form, account, stage)
    if account.stage_id == stage.pk:
        messages.info(request, f"{account.name} is already in {stage.name}.")
    else:
        try:
            change_stage(
                actor=request.user,
                account=account,
                stage=stage,
                churn_reason=form.cleaned_data.get("churn_reason", ""),
                churn_date=form.cleaned_data.get("churn_date"),
            )
        except ValidationError as error:
            if request.htmx:
                return _refused(request, filter_form, refusal_text(error))
            # A plain form never asked for the reason: ask now, without an error until one was actually sent.
            if "churn_reason" in request.POST:
                form.add_error(None, error)
            return _ask_churn_reason(request, form, filter_form, account, stage)
        messages.success(request, f"{account.name} moved to {stage.name}.")
    if request.htmx:
        return render(request, f"{TEMPLATE}#columns", _board_context(filter_form))
    return HttpResponseRedirect(_board_url(request, filter_form.query()))


def _ask_churn_reason(
    request: OrgRequest,
    form: BoardMoveForm,
    filter_form: BoardFilterForm,
    account: Account,
    stage: LifecycleStage,
) -> HttpResponse:
    if request.htmx:
        return _refused(request, filter_form, errors_text(form))
    context = {
        "form": form,
        "account": account,
        "stage": stage,
        "filter_query": filter_form.query(),
        "board_url": _board_url(request, filter_form.query()),
    }
    return render(request, "accounts/board/churn.html", context, status=400)
