"""Forms of the accounts list and the 360 view: one per action."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.timezone import localtime, now

from accounts.models import (
    Account,
    BulkAction,
    Contact,
    ContactRole,
    ContactStatus,
    CustomField,
    CustomFieldType,
    LifecycleStage,
    Note,
    NoteKind,
    PlanTemplate,
    StageCategory,
    Tier,
)
from accounts.selectors.tasks import active_members
from accounts.services import revenue
from csm.models import Membership, User
from csm.web.forms import TenantModelChoiceField, choices_of, set_choices


def member_choices(empty: str = "No owner") -> list[tuple[str, str]]:
    members = Membership.objects.filter(is_active=True).select_related("user").order_by("user__full_name")
    return [("", empty), *[(str(m.user_id), m.user.display_name) for m in members]]


def domains_taken(domains: list[str], *, limit: int = 3) -> list[tuple[str, str]]:
    """(domain, account name) for each of `domains` another account already has (the first few)."""
    query = Q()
    for domain in domains:
        query |= Q(domains__ilike_contains=domain)
    found = []
    for account in Account.objects.filter(query).only("name", "domains").order_by("name")[:50]:
        for domain in domains:
            if domain in account.domain_list:
                found.append((domain, account.name))
    return found[:limit]


def member_by_id(value: str) -> User | None:
    if not value:
        return None
    membership = Membership.objects.filter(user_id=value, is_active=True).select_related("user").first()
    if membership is None:
        raise forms.ValidationError("Choose an active member of the organization.")
    return membership.user


def custom_form_field(field: CustomField) -> forms.Field:
    """The form field for a custom field: its type, never required (admins add fields to existing accounts)."""
    if field.field_type == CustomFieldType.NUMBER:
        return forms.DecimalField(label=field.label, required=False, max_digits=18, decimal_places=4)
    if field.field_type == CustomFieldType.DATE:
        return forms.DateField(label=field.label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
    if field.field_type == CustomFieldType.CHOICE:
        return forms.ChoiceField(
            label=field.label, required=False, choices=[("", "—"), *[(c, c) for c in field.choices]]
        )
    return forms.CharField(label=field.label, required=False, max_length=500)


def stored_custom_value(value: Any) -> Any:
    """A custom value as JSON keeps it: dates as ISO strings, numbers as strings of their decimal."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # A plain decimal without trailing zeros, as the import keeps it: 2400 and 12.5, never 2.4E+3.
        return format(value.normalize(), "f")
    return value


def form_custom_value(field: CustomField, value: Any) -> Any:
    """A stored custom value, back as the form field's initial value."""
    if value in (None, ""):
        return None
    if field.field_type == CustomFieldType.DATE:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return None
    if field.field_type == CustomFieldType.NUMBER:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    return value


class AccountForm(forms.ModelForm[Account]):
    """Create or edit an account, with the organization's custom fields as `custom_<key>` fields."""

    owner_id = forms.ChoiceField(label="Owner", required=False)
    # Relations to tenant models are declared here: a ModelForm's automatic field would query outside any scope
    # when the class is defined.
    tier = TenantModelChoiceField(Tier, required=False, empty_label="No tier")
    stage = TenantModelChoiceField(LifecycleStage, required=False, empty_label="No stage")
    tags = forms.CharField(
        required=False, max_length=500, help_text="Separated by commas: enterprise-pilot, upsell-candidate"
    )

    class Meta:
        model = Account
        fields = [
            "name",
            "domains",
            "external_id",
            "tier",
            "stage",
            "plan",
            "start_date",
            "renewal_date",
            "trial_ends_on",
            "mrr",
            "seats",
        ]
        widgets = {
            "domains": forms.TextInput(attrs={"placeholder": "acme.com acme.io"}),
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "renewal_date": forms.DateInput(attrs={"type": "date"}),
            "trial_ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, creator: User | None = None, **kwargs: Any) -> None:
        """`creator`: a person creating an account who may not assign accounts to others (a CSM): the account can
        only be theirs, as they cannot reassign one either."""
        super().__init__(*args, **kwargs)
        if creator is None:
            set_choices(self, "owner_id", member_choices())
        else:
            set_choices(self, "owner_id", [(str(creator.pk), creator.display_name)])
            only_yours = "Managers and admins can give an account to someone else; yours are yours."
            self.fields["owner_id"].required = True
            self.fields["owner_id"].help_text = only_yours
            self.fields["owner_id"].error_messages.update(required=only_yours, invalid_choice=only_yours)
        revenue_source = revenue.source()
        if revenue_source is not None:
            # The source owns the MRR: shown, not editable, and a posted value is ignored (Django keeps the initial).
            self.fields["mrr"].disabled = True
            self.fields["mrr"].help_text = revenue.locked_message(revenue_source)
        if self.instance.pk:
            self.fields["owner_id"].initial = str(self.instance.owner_id or "")
            self.fields["tags"].initial = ", ".join(t.name for t in self.instance.tags.all())
            # The stage changes on its own form (a churn asks for a reason).
            del self.fields["stage"]
        # Creating with a domain another account has: asked once (a second customer on the same domain happens,
        # subsidiaries; a duplicate more often), with a box to create it anyway.
        self.taken: list[tuple[str, str]] = []
        if not self.instance.pk and self.is_bound:
            self.taken = domains_taken(Account.normalize_domains(str(self.data.get("domains") or "")).split())
            if self.taken:
                self.fields["create_anyway"] = forms.BooleanField(
                    label="Create it anyway: it is another customer", required=False
                )
        self.custom_fields = list(CustomField.objects.all())
        for field in self.custom_fields:
            self.fields[f"custom_{field.key}"] = custom_form_field(field)
            if self.instance.pk:
                self.fields[f"custom_{field.key}"].initial = form_custom_value(
                    field, self.instance.custom_fields.get(field.key)
                )

    def clean_owner_id(self) -> User | None:
        return member_by_id(self.cleaned_data.get("owner_id") or "")

    def clean_domains(self) -> str:
        domains = Account.normalize_domains(self.cleaned_data.get("domains") or "")
        if self.taken and not self.data.get("create_anyway"):
            said = "; ".join(f"{domain} is already the domain of {name}" for domain, name in self.taken)
            raise forms.ValidationError(f"{said}. Open that account, or tick “Create it anyway”.")
        return domains

    def clean_external_id(self) -> str | None:
        value = (self.cleaned_data.get("external_id") or "").strip() or None
        if value and Account.objects.filter(external_id=value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another account already has this external id.")
        return value

    def clean_stage(self) -> LifecycleStage | None:
        stage: LifecycleStage | None = self.cleaned_data.get("stage")
        if stage is not None and stage.is_churned:
            raise forms.ValidationError("Create the account in another stage; churn it from its page with a reason.")
        return stage

    def tag_names(self) -> list[str]:
        return [name.strip() for name in (self.cleaned_data.get("tags") or "").split(",") if name.strip()]

    def values(self) -> dict[str, Any]:
        """The account's fields for the services (custom fields merged into the stored ones)."""
        values = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}
        values["owner"] = self.cleaned_data.get("owner_id")
        custom = dict(self.instance.custom_fields) if self.instance.pk else {}
        for field in self.custom_fields:
            value = stored_custom_value(self.cleaned_data.get(f"custom_{field.key}"))
            if value in (None, ""):
                custom.pop(field.key, None)
            else:
                custom[field.key] = value
        values["custom_fields"] = custom
        return values


class StageForm(forms.Form):
    stage = TenantModelChoiceField(LifecycleStage, empty_label=None)
    churn_reason = forms.CharField(
        label="Churn reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when the account churns.",
    )
    churn_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        stage = cleaned.get("stage")
        if stage is not None and stage.is_churned and not (cleaned.get("churn_reason") or "").strip():
            self.add_error("churn_reason", "Say why the account churned.")
        return cleaned


class OwnerForm(forms.Form):
    owner_id = forms.ChoiceField(label="Owner", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "owner_id", member_choices())

    def clean_owner_id(self) -> User | None:
        return member_by_id(self.cleaned_data.get("owner_id") or "")


class NoteForm(forms.Form):
    kind = forms.ChoiceField(choices=NoteKind.choices, initial=NoteKind.NOTE, widget=forms.RadioSelect)
    body = forms.CharField(
        label="Text",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown: **bold**, _italic_, lists, links.",
    )
    contact = TenantModelChoiceField(Contact, required=False, empty_label="With nobody in particular")
    occurred_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for now; yesterday's call goes in as yesterday.",
    )
    duration_minutes = forms.IntegerField(label="Minutes", required=False, min_value=1, max_value=24 * 60)

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices_of(self, "contact").queryset = Contact.objects.filter(account=account)

    def clean_occurred_at(self) -> datetime | None:
        moment: datetime | None = self.cleaned_data.get("occurred_at")
        if moment is not None and moment > now() + timedelta(minutes=5):
            raise forms.ValidationError("That is in the future: log what has happened.")
        if moment is not None and moment < now() - timedelta(days=3 * 365):
            raise forms.ValidationError("That is more than three years ago: check the year.")
        return moment

    def note_values(self) -> dict[str, Any]:
        """The note's fields for the services (an empty time means now)."""
        values = dict(self.cleaned_data)
        if values.get("occurred_at") is None:
            values.pop("occurred_at", None)
        return values

    @classmethod
    def of(cls, note: Note, data: Any = None) -> NoteForm:
        """The form for rewriting `note`."""
        initial = {
            "kind": note.kind,
            "body": note.body,
            "contact": note.contact_id,
            "occurred_at": localtime(note.occurred_at).replace(second=0, microsecond=0, tzinfo=None),
            "duration_minutes": note.duration_minutes,
        }
        return cls(data, initial=initial, account=note.account)


class ContactForm(forms.ModelForm[Contact]):
    reports_to = TenantModelChoiceField(Contact, required=False, label="Reports to", empty_label="Nobody here")

    class Meta:
        model = Contact
        fields = ["name", "email", "phone", "title", "role", "reports_to", "is_primary", "status", "left_on"]
        widgets = {"left_on": forms.DateInput(attrs={"type": "date"})}
        labels = {"is_primary": "Primary contact", "left_on": "Left on"}

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = Contact.objects.filter(account=account).order_by("name")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        choices_of(self, "reports_to").queryset = others
        # Without the model field's blank choice: a contact always has a role and a status.
        set_choices(self, "role", ContactRole.choices)
        set_choices(self, "status", ContactStatus.choices)

    def clean_email(self) -> str:
        email = (self.cleaned_data.get("email") or "").strip().lower()
        if email and Contact.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another contact already uses this address.")
        return email

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class StartPlanForm(forms.Form):
    template = TenantModelChoiceField(PlanTemplate, empty_label=None)
    starts_on = forms.DateField(label="Starts on", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class BulkForm(forms.Form):
    """A bulk action on the list: nothing is chosen to begin with (no action, no owner), and only what the chosen
    action needs is asked for. The owner "No owner" is a choice of its own (`none`), never the empty default."""

    ACTIONS = [("", "Choose an action…"), *BulkAction.choices]
    NO_OWNER = "none"

    action = forms.ChoiceField(choices=ACTIONS, required=False)
    account_ids = forms.CharField(required=False)
    select_all = forms.BooleanField(required=False)
    owner_id = forms.ChoiceField(label="Owner", required=False)
    stage = TenantModelChoiceField(
        LifecycleStage, rows=lambda stages: stages.exclude(category=StageCategory.CHURNED), required=False
    )
    tag = forms.CharField(max_length=40, required=False)
    unchurn = forms.BooleanField(required=False)
    confirmed = forms.BooleanField(required=False)

    def __init__(self, *args: Any, members: Iterable[Membership] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (str(m.user_id), m.user.display_name) for m in (members if members is not None else active_members())
        ]
        set_choices(self, "owner_id", [("", "Choose the owner…"), (self.NO_OWNER, "No owner"), *choices])

    def clean_owner_id(self) -> User | None:
        value = self.cleaned_data.get("owner_id") or ""
        return None if value in ("", self.NO_OWNER) else member_by_id(value)

    def clean_account_ids(self) -> list[int]:
        raw: list[str] = self.data.getlist("account_ids") if hasattr(self.data, "getlist") else []
        ids = []
        for value in raw:
            if not value.isdigit() or len(value) > 18:
                raise forms.ValidationError("Select accounts from the list.")
            ids.append(int(value))
        return ids

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("account_ids") and not cleaned.get("select_all"):
            raise forms.ValidationError("Select at least one account.")
        action = cleaned.get("action")
        if not action:
            self.add_error("action", "Choose an action.")
        elif action == BulkAction.ASSIGN_OWNER and not self.data.get("owner_id") and "owner_id" not in self.errors:
            self.add_error("owner_id", "Choose the owner (or “No owner”).")
        elif action == BulkAction.SET_STAGE and not cleaned.get("stage"):
            self.add_error("stage", "Choose the stage.")
        elif action == BulkAction.ADD_TAG and not (cleaned.get("tag") or "").strip():
            self.add_error("tag", "Name the tag.")
        return cleaned


class SegmentForm(forms.Form):
    name = forms.CharField(max_length=100, label="Segment name")
    is_shared = forms.BooleanField(required=False, label="Share with the team")
