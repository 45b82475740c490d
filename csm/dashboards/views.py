"""The dashboards' pages."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from csm.models import Role
from csm.tenancy.access import OrgRequest, role_required


@require_GET
@role_required(Role.MANAGER)
def index(request: OrgRequest) -> HttpResponse:
    return render(request, "csm/dashboards/index.html")
