"""Forms of the pipeline board: its filters (query string) and moving a card."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.timezone import localdate

from accounts.forms.tasks import member_choices
from accounts.models import Tier
from accounts.selectors.board import NO_OWNER
from accounts.selectors.tasks import active_members
from csm.models import User
from csm.web.forms import TenantModelChoiceField, set_choices


class BoardFilterForm(forms.Form):
    """Whose accounts and which tier. A value that does not parse is ignored: the board shows everything."""

    owner = forms.ChoiceField(label="Owner", required=False)
    tier = TenantModelChoiceField(
        Tier,
        rows=lambda tiers: tiers.order_by("position", "name"),
        label="Tier",
        required=False,
        empty_label="Any tier",
    )

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.user = user
        members = active_members()
        set_choices(
            self,
            "owner",
            [
                ("any", "Anyone"),
                ("me", "Mine"),
                (NO_OWNER, "No owner"),
                *member_choices(members),
            ],
        )

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `selectors_board.board_columns`, from the fields that parsed."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        owner: int | str | None = None
        if "owner" not in self.errors:
            value = data.get("owner") or ""
            if value == "me":
                owner = self.user.pk
            elif value == NO_OWNER:
                owner = NO_OWNER
            elif value.isdigit():
                owner = int(value)
        tier = data.get("tier") if "tier" not in self.errors else None
        return {"owner": owner, "tier_id": tier.pk if tier is not None else None}

    def query(self) -> dict[str, str]:
        """The filters that parsed, as query-string values (to keep them across a move)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        query: dict[str, str] = {}
        if data.get("owner") and "owner" not in self.errors:
            query["owner"] = data["owner"]
        if data.get("tier") is not None and "tier" not in self.errors:
            query["tier"] = str(data["tier"].pk)
        return query


class BoardMoveForm(forms.Form):
    """Move one account to a stage; a churned stage also takes the reason (and the day, today when empty)."""

    account = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    stage = forms.IntegerField(label="Stage", min_value=1)
    churn_reason = forms.CharField(
        label="Why did they churn?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept on the account and its timeline; the churn analysis groups by it.",
    )
    churn_date = forms.DateField(
        label="Churn date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for today.",
    )

    def clean_churn_date(self) -> date | None:
        value: date | None = self.cleaned_data.get("churn_date")
        if value is not None and value > localdate():
            raise forms.ValidationError("The churn date cannot be in the future.")
        return value
