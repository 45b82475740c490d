"""My tasks: overdue, today, upcoming."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from csm.access import OrgRequest, role_required
from csm.models import Role


@require_GET
@role_required(Role.CSM)
def task_list(request: OrgRequest) -> HttpResponse:
    return render(request, "accounts/task_list.html")
