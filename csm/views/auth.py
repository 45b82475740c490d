"""Pages outside any organization: sign-up and the confirmation of its address, the start page, choosing and
creating organizations, the profile and accepting an invitation. Logout and password change are Django's own views
(see `csm.urls`); login and the password reset are Django's too, behind the limits of `csm.auth_limits`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from csm import services
from csm.auth import lockout_username
from csm.auth_limits import services as auth_limits
from csm.forms import (
    InvitationSignUpForm,
    LoginForm,
    OrganizationCreateForm,
    ProfileForm,
    SignUpConfirmForm,
    SignUpForm,
)
from csm.models import Invitation, InvitationStatus, Organization, SignUp, User
from csm.selectors import memberships_of
from csm.tenancy import activate
from csm.web.actions import attempt

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


class LoginView(auth_views.LoginView):
    """Django's login page behind the limits of `csm.auth_limits`: an attempt they refuse is answered with a page
    that says which limit, until when, and how to reset the password, and its password is never checked."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Judging, checking and counting the attempt in one transaction: `login_refusal` holds the email's lock until
        # a failure is counted, so parallel attempts cannot all pass the moment a pause ends.
        with transaction.atomic():
            refusal = auth_limits.login_refusal(request, lockout_username(request, None))
            if refusal is None:
                return super().post(request, *args, **kwargs)
        response = render(request, "registration/login_limited.html", {"refusal": refusal}, status=429)
        response["Retry-After"] = str(refusal.retry_after)
        return response

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        assert isinstance(user, User)
        auth_limits.remember_browser(response, user)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's page to ask for a reset link, with two changes: the link is built from SITE_URL, never from the
    request's Host header (which the client chooses: an attacker could have the owner's link point at their own
    host), and the emails are limited (`csm.auth_limits`). The answer is the same whether an email was sent, held
    back by a limit, or names no account."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        if auth_limits.may_send_password_reset(self.request, form.cleaned_data["email"]):
            site = urlsplit(settings.SITE_URL)
            form.save(
                domain_override=site.netloc,
                use_https=site.scheme == "https",
                token_generator=self.token_generator,
                from_email=self.from_email,
                email_template_name=self.email_template_name,
                subject_template_name=self.subject_template_name,
                request=self.request,
                html_email_template_name=self.html_email_template_name,
            )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's page to choose the new password; once chosen, the login limits on the account are lifted and this
    browser is known to it (`csm.auth_limits.services.lift_after_password_reset`)."""

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        assert isinstance(form.user, User)
        auth_limits.lift_after_password_reset(response, form.user)
        return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send a person to their organization: the last one they used, their only one, or a choice."""
    if not request.user.is_authenticated:
        return redirect("login")
    assert isinstance(request.user, User)
    memberships = memberships_of(request.user)
    for membership in memberships:
        if membership.organization_id == request.user.last_organization_id:
            return redirect("org_home", org_slug=membership.organization.slug)
    if len(memberships) == 1:
        return redirect("org_home", org_slug=memberships[0].organization.slug)
    return redirect("org_chooser")


@login_required
@require_GET
def org_chooser(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    return render(
        request,
        "csm/org_chooser.html",
        {"memberships": memberships_of(request.user), "can_create": settings.SIGNUP_ENABLED},
    )


@login_required
@require_http_methods(["GET", "POST"])
def org_create(request: HttpRequest) -> HttpResponse:
    if not settings.SIGNUP_ENABLED:
        raise Http404("Creating organizations is switched off on this site.")
    assert isinstance(request.user, User)
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = services.create_organization(
            actor=request.user,
            name=form.cleaned_data["name"],
            slug=form.cleaned_data["slug"],
            timezone_name=form.cleaned_data["timezone"],
            currency=form.cleaned_data["currency"],
        )
        messages.success(request, f"{organization.name} is ready. You are its admin.")
        return redirect("org_home", org_slug=organization.slug)
    return render(request, "csm/org_create.html", {"form": form})


# The sign-up "check your inbox" page's email, and the proof that this browser typed the pending sign-up's password
# (csm.services.sign_up_browser_proof): both in the session, which the visitor cannot read.
SIGN_UP_EMAIL_KEY = "csm.sign_up.email"
SIGN_UP_PROOF_KEY = "csm.sign_up.proof"


def _signup_enabled() -> None:
    if not settings.SIGNUP_ENABLED:
        raise Http404("Sign-up is switched off on this site.")


def _remember_sign_up(request: HttpRequest, email: str, pending: SignUp | None) -> None:
    request.session[SIGN_UP_EMAIL_KEY] = email
    if pending is not None:
        request.session[SIGN_UP_PROOF_KEY] = services.sign_up_browser_proof(pending)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Ask for a new organization. Every valid form gets the same answer, "check your inbox", whether or not an
    account has the email; nothing is created until the emailed link is opened (csm.services.request_sign_up)."""
    _signup_enabled()
    if request.user.is_authenticated:
        return redirect("org_create")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pending = None
        if auth_limits.may_send_sign_up(request, data["email"]):
            pending = services.request_sign_up(
                email=data["email"],
                password=data["password1"],
                full_name=data["full_name"],
                organization_name=data["organization_name"],
                organization_slug=data["organization_slug"],
            )
        _remember_sign_up(request, data["email"], pending)
        return redirect("signup_sent")
    return render(request, "registration/signup.html", {"form": form})


@require_GET
def signup_sent(request: HttpRequest) -> HttpResponse:
    _signup_enabled()
    email = request.session.get(SIGN_UP_EMAIL_KEY)
    if not email:
        return redirect("signup")
    context = {"email": email, "valid_days": settings.SIGNUP_CONFIRMATION_DAYS}
    return render(request, "registration/signup_sent.html", context)


@require_POST
def signup_resend(request: HttpRequest) -> HttpResponse:
    """The login page's "send the link again" (offered only to whoever typed the pending sign-up's password)."""
    _signup_enabled()
    email = services.read_sign_up_resend_token(request.POST.get("token", ""))
    if email is None:
        messages.error(request, "That button is too old: log in again to have the link sent again.")
        return redirect("login")
    sent = services.resend_sign_up_link(email=email) if auth_limits.may_send_sign_up(request, email) else None
    _remember_sign_up(request, email, sent)
    return redirect("signup_sent")


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: creates the person and the organization, logs them in and opens it. Opened in the browser
    that signed up, it does so at once; elsewhere it first asks for the sign-up's password. (An email scanner that
    fetches the link changes nothing: it has neither.)"""
    _signup_enabled()
    sign_up = services.pending_sign_up(token)
    if sign_up is None:
        return render(request, "registration/signup_invalid.html", status=404)
    proof = request.session.get(SIGN_UP_PROOF_KEY, "")
    same_browser = constant_time_compare(proof, services.sign_up_browser_proof(sign_up))
    form = SignUpConfirmForm(request.POST or None, sign_up=sign_up)
    if not (same_browser or (request.method == "POST" and form.is_valid())):
        return render(request, "registration/signup_confirm.html", {"form": form, "sign_up": sign_up})
    created = services.confirm_sign_up(sign_up=sign_up)
    if created is None:
        # Used a moment ago (a second click), or an account has the address by now: said only to the mailbox's owner.
        account_exists = User.objects.filter(email=sign_up.email).exists()
        return render(request, "registration/signup_invalid.html", {"account_exists": account_exists}, status=404)
    user, organization = created
    login(request, user, backend=AUTH_BACKEND)
    for key in (SIGN_UP_EMAIL_KEY, SIGN_UP_PROOF_KEY):
        request.session.pop(key, None)
    messages.success(request, f"Your address is confirmed and {organization.name} is ready. Invite your team next.")
    if organization.slug != sign_up.organization_slug:
        messages.info(
            request,
            f"The address /{sign_up.organization_slug}/ was taken meanwhile, so yours is /{organization.slug}/; "
            "an admin can change it in Settings.",
        )
    response = redirect("org_home", org_slug=organization.slug)
    auth_limits.remember_browser(response, user)  # as after logging in with the password (csm.auth_limits)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(user=request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields})
        messages.success(request, "Your profile is saved.")
        return redirect("profile")
    return render(request, "csm/profile.html", {"form": form})


def _invitation_from_token(token: str) -> tuple[Organization, Invitation] | None:
    payload = services.read_invitation_token(token)
    if payload is None:
        return None
    organization = Organization.objects.filter(pk=payload["o"]).first()
    if organization is None:
        return None
    with activate(organization):
        invitation = Invitation.objects.select_related("organization", "invited_by").filter(pk=payload["i"]).first()
    if invitation is None or invitation.nonce != payload["n"]:
        return None
    return organization, invitation


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation: log in (or create an account) with the invited address, then join."""
    found = _invitation_from_token(token)
    if found is None:
        return render(request, "csm/invitation_invalid.html", {"reason": "invalid"}, status=404)
    organization, invitation = found
    if invitation.status != InvitationStatus.PENDING or invitation.is_expired:
        reason = invitation.status if invitation.status != InvitationStatus.PENDING else "expired"
        return render(request, "csm/invitation_invalid.html", {"reason": reason, "invitation": invitation}, status=410)
    user = request.user if request.user.is_authenticated else None
    existing = User.objects.filter(email=invitation.email.lower()).first()
    context: dict[str, object] = {"invitation": invitation, "organization": organization, "token": token}

    if user is not None:
        assert isinstance(user, User)
        if user.email.lower() != invitation.email.lower():
            context["wrong_user"] = user
            return render(request, "csm/invitation_accept.html", context, status=403)
        if request.method == "POST":
            with activate(organization, user=user):
                if not attempt(request, lambda: services.accept_invitation(invitation=invitation, user=user)):
                    return redirect("home")
            messages.success(request, f"You joined {organization.name}.")
            return redirect("org_home", org_slug=organization.slug)
        return render(request, "csm/invitation_accept.html", context)

    if existing is not None:
        context["needs_login"] = True
        return render(request, "csm/invitation_accept.html", context)

    form = InvitationSignUpForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        with activate(organization):
            new_user = services.register_and_accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        login(request, new_user, backend=AUTH_BACKEND)
        messages.success(request, f"Welcome to {organization.name}!")
        response = redirect("org_home", org_slug=organization.slug)
        auth_limits.remember_browser(response, new_user)  # as after logging in with the password (csm.auth_limits)
        return response
    context["form"] = form
    return render(request, "csm/invitation_accept.html", context)
