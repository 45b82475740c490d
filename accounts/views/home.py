"""The organization's start page: the morning view of a book of accounts (accounts.selectors.home).

`?book=mine` or `?book=all` picks the book; without it a CSM sees their own and a manager or admin everyone's.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.timezone import localdate
from django.views.decorators.http import require_GET

from accounts.selectors import home as selectors
from csm.models import Role
from csm.tenancy.access import OrgRequest, role_required


@require_GET
@role_required(Role.CSM)
def today(request: OrgRequest) -> HttpResponse:
    book = request.GET.get("book", "")
    if book not in selectors.BOOKS:
        book = selectors.default_book(is_manager=request.membership.has_role(Role.MANAGER))
    day = localdate()
    morning = selectors.morning(request.user, request.organization, book=book, today=day)
    context = {
        "morning": morning,
        "today": day,
        "renewal_window": selectors.RENEWAL_WINDOW_DAYS,
        "changes_within": selectors.CHANGES_WITHIN_DAYS,
    }
    if request.htmx and request.htmx.target == "home-figures":
        return render(request, "accounts/home.html#figures", context)
    return render(request, "accounts/home.html", context)
