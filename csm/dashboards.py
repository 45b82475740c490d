"""The manager dashboards: they compose the metrics each app exposes in its `metrics.py`."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from csm.access import OrgRequest, role_required
from csm.models import Role

app_name = "dashboards"


@require_GET
@role_required(Role.MANAGER)
def index(request: OrgRequest) -> HttpResponse:
    return render(request, "csm/dashboards/index.html")


urlpatterns = [path("", index, name="index")]
