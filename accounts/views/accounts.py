"""The book of accounts and the account's 360 view."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from csm.access import OrgRequest, role_required
from csm.models import Role


@require_GET
@role_required(Role.CSM)
def account_list(request: OrgRequest) -> HttpResponse:
    return render(request, "accounts/account_list.html")
