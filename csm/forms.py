"""Forms of the tenancy core: one per action."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import check_password
from django.utils.text import slugify

from csm import services
from csm.currencies import CURRENCY_CHOICES
from csm.models import ActorKind, Membership, Organization, Role, SignUp, User, validate_organization_slug
from csm.web.forms import TenantModelChoiceField

TIMEZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    error_messages = {
        "invalid_login": "That email and password do not match an account. Both are case-sensitive except the email.",
        "inactive": "This account is disabled.",
    }

    # Set when the email and password are those of a sign-up whose address is not confirmed yet: the page says so
    # and offers to send the link again (this token, see `csm.services.sign_up_resend_token`).
    unconfirmed_resend_token = ""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError as error:
            # Whether or not an account has the email: a sign-up with an email that has one is pending as well
            # (csm.services.request_sign_up), so this page tells a visitor nothing about which emails have accounts.
            email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
            if error.code == "invalid_login" and email and password:
                pending = services.unconfirmed_sign_up(email, password)
                if pending is not None:
                    self.unconfirmed_resend_token = services.sign_up_resend_token(pending)
            raise


class _PasswordPairMixin(forms.Form):
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def _user_for_validation(self) -> User:
        return User(email=self.cleaned_data.get("email", ""), full_name=self.cleaned_data.get("full_name", ""))

    def clean_password2(self) -> str:
        first = self.cleaned_data.get("password1")
        second: str = self.cleaned_data.get("password2", "")
        if first and second and first != second:
            raise forms.ValidationError("The two passwords differ.")
        return second

    def _post_clean_password(self) -> None:
        password = self.cleaned_data.get("password2")
        if password:
            try:
                password_validation.validate_password(password, self._user_for_validation())
            except forms.ValidationError as error:
                self.add_error("password1", error)


class SignUpForm(_PasswordPairMixin):
    full_name = forms.CharField(
        label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(label="Work email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    organization_name = forms.CharField(label="Company name", max_length=120)
    organization_slug = forms.SlugField(
        label="Address",
        max_length=50,
        required=False,
        help_text="Your organization's pages will live at /<address>/. Leave empty to derive it from the name.",
    )

    field_order = ["full_name", "email", "password1", "password2", "organization_name", "organization_slug"]

    def clean_email(self) -> str:
        # Whether an account has the email is not the form's business: the answer must be the same either way
        # (csm.services.request_sign_up).
        email: str = self.cleaned_data["email"].strip().lower()
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._post_clean_password()
        name = cleaned.get("organization_name", "")
        slug = cleaned.get("organization_slug") or slugify(name)[:50].strip("-")
        if name and not slug:
            self.add_error("organization_slug", "Choose an address made of letters, digits and hyphens.")
        elif slug:
            try:
                validate_organization_slug(slug)
            except forms.ValidationError as error:
                self.add_error("organization_slug", error)
            else:
                if Organization.objects.filter(slug=slug).exists():
                    self.add_error("organization_slug", f"The address “{slug}” is taken; choose another.")
            cleaned["organization_slug"] = slug
        return cleaned


class SignUpConfirmForm(forms.Form):
    """Opening a sign-up's link in another browser than the one that signed up: its password proves it is the same
    person (csm.services.sign_up_browser_proof says why that matters)."""

    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args: Any, sign_up: SignUp, **kwargs: Any) -> None:
        self.sign_up = sign_up
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not check_password(password, self.sign_up.password):
            raise forms.ValidationError(
                "That is not the password chosen when signing up with this address. If you signed up more than "
                "once, use the link in the latest email, or sign up again."
            )
        return password


class OrganizationCreateForm(forms.ModelForm[Organization]):
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, initial="UTC")
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, label="Reporting currency", initial="USD")

    class Meta:
        model = Organization
        fields = ["name", "slug", "timezone", "currency"]
        labels = {"slug": "Address"}


class OrganizationForm(OrganizationCreateForm):
    pass


class InvitationSignUpForm(_PasswordPairMixin):
    full_name = forms.CharField(
        label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    field_order = ["full_name", "password1", "password2"]

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        self.email = email
        super().__init__(*args, **kwargs)

    def _user_for_validation(self) -> User:
        return User(email=self.email, full_name=self.cleaned_data.get("full_name", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._post_clean_password()
        return cleaned


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CSM)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the key is for, such as “Product usage events” or “CRM sync”."
    )


class ProfileForm(forms.ModelForm[User]):
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES)

    class Meta:
        model = User
        fields = ["full_name", "sender_name", "email_signature", "timezone"]
        labels = {"full_name": "Name", "sender_name": "Sender name", "email_signature": "Email signature"}
        widgets = {"email_signature": forms.Textarea(attrs={"rows": 4})}


class MemberChoiceField(TenantModelChoiceField[Membership]):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.display_name


class ActivityFilterForm(forms.Form):
    actor_kind = forms.ChoiceField(label="Actor", choices=[("", "Anyone"), *list(ActorKind.choices)], required=False)
    person = MemberChoiceField(
        Membership,
        rows=lambda memberships: memberships.select_related("user").order_by("user__full_name", "user__email"),
        required=False,
        empty_label="Any person",
    )
    verb = forms.CharField(label="Action", required=False, max_length=64)
