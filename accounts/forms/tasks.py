"""Forms of the tasks page: whose tasks to show, adding a task, snoozing one; and the account field shared with the
ticket form.

The account field is a text box, not a select (an organization may have 50,000 accounts): as the person types, the
page fills a `<datalist>` with suggestions that read "Name (#id)". The field accepts such a suggestion, a bare id
(what the account's 360 page posts) or an exact name when only one account bears it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models.functions import Lower
from django.utils.timezone import localdate

from accounts.models import Account, TaskPriority
from accounts.selectors.tasks import GROUP_KEYS, GROUP_MAX, GROUP_PAGE
from csm.models import Membership, User
from csm.web.forms import set_choices

UNASSIGNED = "unassigned"
TEAM = "team"
_ACCOUNT_REF = re.compile(r"\(#(\d+)\)\s*$")


def account_label(account: Account) -> str:
    """How an account reads in the account field and its suggestions."""
    return f"{account.name} (#{account.pk})"


class AccountField(forms.CharField):
    """An account typed by name, picked from the suggestions ("Name (#id)") or given by id; empty is no account."""

    default_error_messages = {
        "missing": "No account has the id %(pk)s.",
        "unknown": "No account is called “%(name)s”. Type a few letters and pick one of the suggestions.",
        "ambiguous": "Several accounts are called “%(name)s”; pick one of the suggestions.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 250)
        kwargs.setdefault("help_text", "Type a few letters of the name and pick a suggestion.")
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def suggest_from(self, url: str, datalist_id: str) -> None:
        """Fill the `<datalist>` `datalist_id` from `url` (accounts:task_account_options) as the person types."""
        self.widget.attrs.update(
            {
                "list": datalist_id,
                "hx-get": url,
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{datalist_id}",
                "hx-swap": "innerHTML",
            }
        )

    def prepare_value(self, value: Any) -> Any:
        return account_label(value) if isinstance(value, Account) else value

    def clean(self, value: Any) -> Account | None:
        text: str = super().clean(value)
        if not text:
            return None
        match = _ACCOUNT_REF.search(text)
        pk = match.group(1) if match else (text if text.isdigit() else None)
        if pk is not None:
            account = Account.objects.filter(pk=int(pk)).first() if len(pk) < 19 else None
            if account is None:
                raise forms.ValidationError(self.error_messages["missing"], code="missing", params={"pk": pk})
            return account
        # Matched on lower(name): the (organization, lower(name)) index answers it.
        found = list(Account.objects.alias(lower_name=Lower("name")).filter(lower_name=text.lower())[:2])
        if not found:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"name": text})
        if len(found) > 1:
            raise forms.ValidationError(self.error_messages["ambiguous"], code="ambiguous", params={"name": text})
        return found[0]


def member_choices(members: Iterable[Membership]) -> list[tuple[str, str]]:
    return [(str(m.user_id), m.user.display_name) for m in members]


def member_by_id(members: list[Membership], value: str) -> User | None:
    return next((m.user for m in members if str(m.user_id) == value), None)


class TaskListForm(forms.Form):
    """The tasks page's query string: whose tasks (managers and admins only: the whole team, a member's, or the
    unassigned ones) and how many rows of each group."""

    assignee = forms.ChoiceField(label="Whose tasks", required=False)

    def __init__(self, *args: Any, members: list[Membership], can_choose: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if can_choose:
            set_choices(
                self,
                "assignee",
                [(TEAM, "Whole team"), *member_choices(members), (UNASSIGNED, "Everyone: unassigned tasks")],
            )
        else:
            del self.fields["assignee"]
        for key in GROUP_KEYS:
            self.fields[key] = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def limits(self) -> dict[str, int]:
        """Rows to show per group: a multiple of the page size, at most `GROUP_MAX`. A bad value of one parameter
        falls back to its default without spoiling the others."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # keeps the valid fields in cleaned_data even when another one is not
            data = self.cleaned_data
        limits = {}
        for key in GROUP_KEYS:
            wanted = data.get(key) or GROUP_PAGE
            limits[key] = min(GROUP_MAX, math.ceil(wanted / GROUP_PAGE) * GROUP_PAGE)
        return limits


class TaskCreateForm(forms.Form):
    """Add a task, on the tasks page (the account is typed) or on an account's 360 (the account is that one).

    Every member may assign the task to any active member, or to nobody yet: a CSM covering a colleague's account
    leaves the follow-up to its owner. Acting on a task afterwards is the assignee's (and managers')."""

    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"placeholder": "Call about the renewal"}))
    due_date = forms.DateField(
        label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    priority = forms.ChoiceField(choices=TaskPriority.choices, initial=TaskPriority.NORMAL)
    account = AccountField()
    assignee = forms.ChoiceField(label="Assign to", required=False)

    def __init__(
        self, *args: Any, members: list[Membership], user: User, account: Account | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        self.fixed_account = account
        if account is not None:
            del self.fields["account"]
        set_choices(self, "assignee", [("", "Nobody yet"), *member_choices(members)])
        self.fields["assignee"].initial = self.initial.get("assignee", str(user.pk))

    def clean_assignee(self) -> User | None:
        value = self.cleaned_data.get("assignee", "")
        return member_by_id(self.members, value) if value else None

    def task_values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        if self.fixed_account is not None:
            values["account"] = self.fixed_account
        return values


def next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


class TaskUndoSnoozeForm(forms.Form):
    """Undoing a snooze: the due date the task had before (empty when it had none)."""

    due_date = forms.DateField(required=False)


class TaskSnoozeForm(forms.Form):
    """A preset (tomorrow, next week) or a day."""

    PRESETS = {"tomorrow": "Tomorrow", "next_week": "Next week"}

    preset = forms.ChoiceField(choices=list(PRESETS.items()), required=False)
    until = forms.DateField(
        label="Snooze until", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        today = localdate()
        preset = cleaned.get("preset")
        if preset == "tomorrow":
            cleaned["until"] = today + timedelta(days=1)
        elif preset == "next_week":
            cleaned["until"] = next_monday(today)
        until = cleaned.get("until")
        if until is None:
            if not self.errors:
                self.add_error("until", "Choose a day to snooze until.")
        elif until <= today:
            self.add_error("until", "Snooze to a day after today.")
        return cleaned
