"""The organization's start page."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from csm.access import OrgRequest, role_required
from csm.models import Membership, Role


@require_GET
@role_required(Role.CSM)
def org_home(request: OrgRequest) -> HttpResponse:
    team_size = Membership.objects.filter(is_active=True).count()
    return render(request, "csm/org_home.html", {"team_size": team_size})
