"""Forms of the servicedesk: the list's and board's filters, opening a ticket, changing one (assign, move,
resolve)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html

from accounts.forms.tasks import AccountField, member_by_id, member_choices
from accounts.models import Account, Contact, TicketChannel, TicketPriority, TicketStatus
from accounts.selectors.tickets import MINE, SORTS, UNASSIGNED, UNRESOLVED, TicketFilters
from csm.models import Membership, User
from csm.web.forms import TenantModelChoiceField, choices_of, set_choices


class TicketFilterForm(forms.Form):
    """The query string of the list (and, without status and sort, of the board)."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Subject or #number"}),
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), (UNRESOLVED, "Unresolved (new, open, pending)"), *TicketStatus.choices],
    )
    priority = forms.ChoiceField(required=False, choices=[("", "Any priority"), *TicketPriority.choices])
    assignee = forms.ChoiceField(required=False)
    account = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        required=False,
        choices=[("newest", "Newest first"), ("oldest", "Oldest first"), ("priority", "Priority, urgent first")],
    )

    def __init__(self, *args: Any, members: list[Membership], board: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "assignee",
            [("", "Anyone"), (MINE, "Me"), (UNASSIGNED, "Nobody (unassigned)"), *member_choices(members)],
        )
        if board:
            del self.fields["status"]
            del self.fields["sort"]

    def filters(self) -> TicketFilters:
        """The valid filters; a bad parameter is dropped without spoiling the others."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # keeps the valid fields in cleaned_data even when another one is not
            data = self.cleaned_data
        account = None
        if data.get("account"):
            account = Account.objects.filter(pk=data["account"]).first()
        sort = data.get("sort") or "newest"
        return TicketFilters(
            status=data.get("status", ""),
            priority=data.get("priority", ""),
            assignee=data.get("assignee", ""),
            account=account,
            q=data.get("q", ""),
            sort=sort if sort in SORTS else "newest",
        )


class TicketCreateForm(forms.Form):
    subject = forms.CharField(max_length=200)
    body = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    account = AccountField()
    contact = TenantModelChoiceField(Contact, required=False, empty_label="Nobody in particular")
    priority = forms.ChoiceField(choices=TicketPriority.choices, initial=TicketPriority.NORMAL)
    channel = forms.ChoiceField(
        label="Came in by",
        choices=[(TicketChannel.MANUAL, "Phone, chat or in person"), (TicketChannel.EMAIL, "Email")],
        initial=TicketChannel.MANUAL,
    )
    assignee = forms.ChoiceField(label="Assign to", required=False)

    def __init__(self, *args: Any, members: list[Membership], account: Account | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        set_choices(self, "assignee", [("", "Nobody yet"), *member_choices(members)])
        contact = choices_of(self, "contact")
        if account is None:
            contact.help_text = "Choose an account first: its people are listed here."
            contact.widget.attrs["disabled"] = True
        else:
            contact.queryset = Contact.objects.filter(account=account).order_by("name", "id")
            contact.help_text = format_html("People at {}.", account.name)

    def clean_assignee(self) -> User | None:
        value = self.cleaned_data.get("assignee", "")
        return member_by_id(self.members, value) if value else None


class TicketUpdateForm(forms.Form):
    """Any of status, priority and assignee; only the fields present in the request change (a board move sends the
    status alone). An empty assignee unassigns."""

    status = forms.ChoiceField(choices=TicketStatus.choices, required=False)
    priority = forms.ChoiceField(choices=TicketPriority.choices, required=False)
    assignee = forms.ChoiceField(label="Assignee", required=False)

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        set_choices(self, "assignee", [("", "Nobody"), *member_choices(members)])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not self.changes():
            raise forms.ValidationError("Nothing to change: choose a status, a priority or an assignee.")
        return cleaned

    def changes(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in ("status", "priority"):
            if self.cleaned_data.get(name):
                values[name] = self.cleaned_data[name]
        if "assignee" in self.data and "assignee" in self.cleaned_data:
            value = self.cleaned_data["assignee"]
            values["assignee"] = member_by_id(self.members, value) if value else None
        return values


class TicketNoteForm(forms.Form):
    body = forms.CharField(
        label="Internal note",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What the team should know: only members see it."}),
        help_text="Only your team sees internal notes; the customer never does.",
        error_messages={"required": "Write the note first."},
    )
