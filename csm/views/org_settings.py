"""The organization's settings area, for admins: profile, members and invitations, API keys, the emails sent, the
activity log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from csm import selectors, services
from csm.forms import ActivityFilterForm, ApiKeyForm, InviteForm, OrganizationForm, RoleForm
from csm.models import ApiKey, EmailStatus, Invitation, Membership, Role
from csm.tenancy.access import OrgRequest, role_required
from csm.web import cursors
from csm.web.actions import attempt, refusal_text, submit
from csm.web.reverse import org_reverse

ACTIVITY_PAGE_SIZE = 50


@require_GET
@role_required(Role.ADMIN)
def index(request: OrgRequest) -> HttpResponse:
    return redirect(org_reverse(request, "settings:organization"))


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def organization(request: OrgRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None, instance=request.organization)
    if request.method == "POST" and form.is_valid():
        # The form validated on the instance itself; reload so the service sees the stored values as "before".
        current = type(request.organization).objects.get(pk=request.organization.pk)
        organization = services.update_organization(
            actor=request.user, organization=current, **{f: form.cleaned_data[f] for f in form.Meta.fields}
        )
        messages.success(request, "Organization settings saved.")
        return redirect("settings:organization", org_slug=organization.slug)
    if request.method == "POST":
        request.organization.refresh_from_db()
    return render(request, "csm/settings/organization.html", {"form": form, "section": "organization"})


def _members_context(request: OrgRequest, invite_form: InviteForm | None = None) -> dict[str, object]:
    return {
        "section": "members",
        "members": selectors.members(),
        "invitations": selectors.pending_invitations(),
        "invite_form": invite_form or InviteForm(),
        "roles": Role,
    }


@require_GET
@role_required(Role.ADMIN)
def members(request: OrgRequest) -> HttpResponse:
    return render(request, "csm/settings/members.html", _members_context(request))


@require_POST
@role_required(Role.ADMIN)
def invite(request: OrgRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    invitation = submit(
        form,
        lambda: services.invite_member(actor=request.user, organization=request.organization, **form.cleaned_data),
        field="email",
    )
    if invitation is not None:
        messages.success(request, f"Invitation sent to {invitation.email}.")
        return redirect(org_reverse(request, "settings:members"))
    return render(request, "csm/settings/members.html", _members_context(request, form), status=400)


# The session key that carries a new API key's secret from its creation to the one page that shows it.
NEW_KEY = "new_api_key"


def _member_row(request: OrgRequest, membership: Membership, *, refused: str = "") -> HttpResponse:
    """The member's row again (htmx), with the reason a change was refused inside it; otherwise back to the page,
    the reason in a message."""
    membership = selectors.members().get(pk=membership.pk)
    if request.htmx:
        context = {"member": membership, "roles": Role, "refused": refused}
        return render(request, "csm/settings/members.html#member-row", context, status=400 if refused else 200)
    if refused:
        messages.error(request, refused)
    return redirect(org_reverse(request, "settings:members"))


@require_POST
@role_required(Role.ADMIN)
def member_role(request: OrgRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _member_row(request, membership, refused="Choose a role: admin, manager or CSM.")
    try:
        services.change_role(actor=request.user, membership=membership, role=form.cleaned_data["role"])
    except ValidationError as error:
        return _member_row(request, membership, refused=refusal_text(error))
    messages.success(request, f"{membership.user.display_name} is now {Role(form.cleaned_data['role']).label}.")
    return _member_row(request, membership)


@require_POST
@role_required(Role.ADMIN)
def member_deactivate(request: OrgRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=pk)
    try:
        services.deactivate_member(actor=request.user, membership=membership)
    except ValidationError as error:
        return _member_row(request, membership, refused=refusal_text(error))
    messages.success(request, f"{membership.user.display_name} can no longer open {request.organization.name}.")
    if membership.user_id == request.user.pk:
        return redirect("home")
    return _member_row(request, membership)


@require_POST
@role_required(Role.ADMIN)
def member_reactivate(request: OrgRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=pk)
    services.reactivate_member(actor=request.user, membership=membership)
    messages.success(request, f"{membership.user.display_name} is active again.")
    return _member_row(request, membership)


@require_POST
@role_required(Role.ADMIN)
def invitation_resend(request: OrgRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    if attempt(request, lambda: services.resend_invitation(actor=request.user, invitation=invitation)):
        messages.success(request, f"A new link was sent to {invitation.email}; earlier links no longer work.")
    return redirect(org_reverse(request, "settings:members"))


@require_POST
@role_required(Role.ADMIN)
def invitation_revoke(request: OrgRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    if attempt(request, lambda: services.revoke_invitation(actor=request.user, invitation=invitation)):
        messages.success(request, f"The invitation for {invitation.email} is revoked.")
    return redirect(org_reverse(request, "settings:members"))


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def api_keys(request: OrgRequest) -> HttpResponse:
    """Create a key (POST, then back here by redirect, so a reload creates nothing) and list them. The new key's
    secret rides in the session to the next page, which shows it once and drops it."""
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        api_key, secret = services.create_api_key(
            actor=request.user, organization=request.organization, name=form.cleaned_data["name"]
        )
        request.session[NEW_KEY] = {"id": api_key.pk, "secret": secret}
        return redirect(org_reverse(request, "settings:api_keys"))
    new_key = request.session.pop(NEW_KEY, None)
    context = {"section": "api_keys", "form": form, "api_keys": selectors.api_keys(), "new_key": new_key}
    response = render(request, "csm/settings/api_keys.html", context, status=400 if form.errors else 200)
    # The new key is in this page and nowhere else: keep it out of every cache.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(Role.ADMIN)
def api_key_revoke(request: OrgRequest, pk: int) -> HttpResponse:
    api_key = get_object_or_404(ApiKey, pk=pk)
    services.revoke_api_key(actor=request.user, api_key=api_key)
    messages.success(request, f"The key “{api_key.name}” is revoked; requests that use it now get 401.")
    return redirect(org_reverse(request, "settings:api_keys"))


@require_GET
@role_required(Role.ADMIN)
def activity(request: OrgRequest) -> HttpResponse:
    """The log, newest first, filtered in the query string; pages by a (time, id) cursor, so the cost of a page does
    not grow with the log."""
    form = ActivityFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    person = filters.get("person")
    entries = selectors.activity(
        actor_kind=filters.get("actor_kind", ""),
        user_id=person.user_id if person else None,
        verb=filters.get("verb", ""),
    )
    cursor = cursors.decode(request.GET.get("before", ""))
    if cursor is not None:
        moment, pk = cursor
        entries = entries.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    page = list(entries[: ACTIVITY_PAGE_SIZE + 1])
    older = None
    if len(page) > ACTIVITY_PAGE_SIZE:
        page = page[:ACTIVITY_PAGE_SIZE]
        last = page[-1]
        older = cursors.encode(last.created_at, last.pk)
    context = {"section": "activity", "form": form, "entries": page, "older": older, "paged": cursor is not None}
    template = "csm/settings/activity.html#results" if request.htmx else "csm/settings/activity.html"
    return render(request, template, context)


EMAILS_PAGE_SIZE = 50


@require_GET
@role_required(Role.ADMIN)
def emails(request: OrgRequest) -> HttpResponse:
    """Every email the organization sent or is sending (csm.mail), newest first, with its outcome; filtered by status
    in the query string, paged by a (time, id) cursor."""
    status = request.GET.get("status", "")
    found = selectors.outbound_emails(status=status if status in EmailStatus.values else "")
    cursor = cursors.decode(request.GET.get("before", ""))
    if cursor is not None:
        moment, pk = cursor
        found = found.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    page = list(found[: EMAILS_PAGE_SIZE + 1])
    older = None
    if len(page) > EMAILS_PAGE_SIZE:
        page = page[:EMAILS_PAGE_SIZE]
        older = cursors.encode(page[-1].created_at, page[-1].pk)
    context = {
        "section": "emails",
        "emails": page,
        "older": older,
        "paged": cursor is not None,
        "status": status,
        "statuses": EmailStatus.choices,
    }
    template = "csm/settings/emails.html#results" if request.htmx else "csm/settings/emails.html"
    return render(request, template, context)
