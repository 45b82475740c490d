"""The accounts list's filters, read from the query string. A value that does not parse is dropped with an error
shown beside the filters; it never turns into a 500 or an empty list."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q

from accounts.forms.tasks import member_choices
from accounts.models import HealthBand, LifecycleStage, Segment, Tier
from csm.models import Membership, User
from csm.web.forms import TenantModelChoiceField, choices_of, set_choices

# "Anyone" / "churned or not" said explicitly: a CSM's list opened without filters shows their book, not churned
# (CSM_DEFAULTS); choosing everyone must then stay in the address. An empty value means the same, as before.
ANY = "any"
CSM_DEFAULTS = {"owner": "me", "churned": "no"}
# The filters people use every day stay on one line with the search; the others wait behind "More filters", open
# only while one of them is in use, so the first screen shows accounts rather than fields.
COMMON_FILTERS = ("q", "owner", "stage", "churned")
RARE_FILTERS = ("tier", "band", "renewal_days", "mrr_min", "mrr_max", "tag", "segment")


class AccountFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    owner = forms.ChoiceField(label="Owner", required=False)
    tier = TenantModelChoiceField(Tier, label="Tier", required=False, empty_label="Any tier")
    stage = TenantModelChoiceField(LifecycleStage, label="Stage", required=False, empty_label="Any stage")
    band = forms.ChoiceField(
        label="Health",
        required=False,
        choices=[("", "Any health"), *HealthBand.choices, ("none", "Not scored")],
    )
    churned = forms.ChoiceField(
        label="Churned",
        required=False,
        choices=[(ANY, "Churned or not"), ("no", "Not churned"), ("only", "Churned only")],
    )
    renewal_days = forms.IntegerField(label="Renews in (days)", required=False, min_value=0, max_value=3650)
    mrr_min = forms.DecimalField(
        label="MRR from", required=False, min_value=Decimal(0), max_digits=12, decimal_places=2
    )
    mrr_max = forms.DecimalField(label="MRR to", required=False, min_value=Decimal(0), max_digits=12, decimal_places=2)
    tag = forms.CharField(label="Tag", required=False, max_length=40)
    segment = TenantModelChoiceField(Segment, label="Segment", required=False, empty_label="No segment")

    def __init__(
        self, data: Any = None, *, user: User, members: Iterable[Membership] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        owners = members
        if owners is None:
            owners = Membership.objects.filter(is_active=True).select_related("user").order_by("user__full_name")
        set_choices(
            self,
            "owner",
            [
                (ANY, "Anyone"),
                ("me", "Mine"),
                ("none", "No owner"),
                *member_choices(owners),
            ],
        )
        choices_of(self, "segment").queryset = Segment.objects.filter(Q(owner=user) | Q(is_shared=True))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("mrr_min"), cleaned.get("mrr_max")
        if low is not None and high is not None and low > high:
            self.add_error("mrr_max", "The upper bound is below the lower one.")
        return cleaned

    def valid_filters(self) -> dict[str, Any]:
        """The filters that parsed; the others are ignored (their errors are shown)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}

    def common_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in COMMON_FILTERS if name != "q"]

    def rare_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in RARE_FILTERS]

    @property
    def rare_in_use(self) -> int:
        """How many of the rare filters have a value, a refused one included: its error must be in view."""
        if not self.is_bound:
            return 0
        return sum(1 for name in RARE_FILTERS if str(self.data.get(name, "")).strip())


class QuickSearchForm(forms.Form):
    """The header's quick search: the same text the list's search takes (and the same limit)."""

    q = forms.CharField(required=False, max_length=200)
