"""Playbooks: the plays that run on accounts."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from csm.models import Role
from csm.tenancy.access import OrgRequest, role_required


@require_GET
@role_required(Role.CSM)
def playbook_list(request: OrgRequest) -> HttpResponse:
    return render(request, "playbooks/playbook_list.html")
