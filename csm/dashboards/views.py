"""The dashboards' page: the panels of `csm.dashboards.panels` for a period and a book (everyone's, or one
person's), both in the query string so a view can be shared."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.timezone import localdate
from django.views.decorators.http import require_GET

from csm.dashboards.panels import panels
from csm.metrics import EVERYTHING, Filters, Period
from csm.models import Membership, Role
from csm.tenancy.access import OrgRequest, role_required
from csm.web.forms import set_choices
from csm.web.http import wants_partial

DAY = timedelta(days=1)
PERIODS: dict[str, tuple[str, Callable[[date], Period]]] = {
    "this_month": ("This month", Period.month),
    "last_month": ("Last month", lambda today: Period.month(Period.month(today).start - DAY)),
    "last_30_days": ("Last 30 days", lambda today: Period.last_days(30, until=today)),
    "this_quarter": ("This quarter", Period.quarter),
    "last_quarter": ("Last quarter", lambda today: Period.quarter(Period.quarter(today).start - DAY)),
    "this_year": ("This year", Period.year),
}
DEFAULT_PERIOD = "this_month"


class DashboardForm(forms.Form):
    period = forms.ChoiceField(choices=[(key, label) for key, (label, _) in PERIODS.items()], required=False)
    owner = forms.ChoiceField(label="Book", required=False)

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self, "owner", [("", "Everyone's accounts"), *[(str(m.user_id), m.user.display_name) for m in members]]
        )

    def period_key(self) -> str:
        return (self.cleaned_data.get("period") if self.is_valid() else "") or DEFAULT_PERIOD

    def filters(self) -> Filters:
        owner = self.cleaned_data.get("owner") if self.is_valid() else ""
        return Filters(owner=int(owner)) if owner else EVERYTHING


@require_GET
@role_required(Role.MANAGER)
def index(request: OrgRequest) -> HttpResponse:
    members = list(Membership.objects.filter(is_active=True).select_related("user").order_by("user__full_name"))
    form = DashboardForm(request.GET or None, members=members)
    today = localdate()
    label, make_period = PERIODS[form.period_key()]
    period = make_period(today)
    context = {
        "form": form,
        "period": period,
        "period_label": label,
        "panels": panels(request.organization, period, form.filters(), today=today),
    }
    if wants_partial(request):
        return render(request, "csm/dashboards/index.html#panels", context)
    return render(request, "csm/dashboards/index.html", context)
