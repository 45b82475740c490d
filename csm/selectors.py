"""Reads of the tenancy core used by views and templates, and the query helpers every app shares."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Model, QuerySet
from django_scopes import scopes_disabled

from csm.models import ActivityLog, ApiKey, Invitation, InvitationStatus, Membership, OutboundEmail, Role, User
from csm.prepared import prepared_global


@prepared_global
def _memberships_of(user_id: int) -> QuerySet[Membership]:
    with scopes_disabled():
        return (
            Membership.objects.filter(user_id=user_id, is_active=True)
            .select_related("organization")
            .order_by("organization__name")
        )


def memberships_of(user: User) -> list[Membership]:
    """A person's active memberships in every organization, for the switcher (on every page: prepared once).

    Cross-tenant on purpose: row-level security lets a person read their own memberships (`app.user_id`) and
    nothing else of another organization.
    """
    return _memberships_of(user.pk)


def is_active_member(user: User) -> bool:
    """Whether the person is an active member of the active organization (the one thing owners, assignees and
    authors must be)."""
    return Membership.objects.filter(user=user, is_active=True).exists()


def has_role(user: User | None, minimum: Role) -> bool:
    """Whether the person is an active member of the active organization with at least that role."""
    if user is None:
        return False
    membership = Membership.objects.filter(user=user, is_active=True).first()
    return membership is not None and membership.has_role(minimum)


def members() -> QuerySet[Membership]:
    return Membership.objects.select_related("user").order_by("-is_active", "user__full_name", "user__email")


def pending_invitations() -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(status=InvitationStatus.PENDING).select_related("invited_by").order_by("-created_at")
    )


def api_keys() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("created_by").order_by("revoked_at", "-created_at")


def outbound_emails(*, status: str = "") -> QuerySet[OutboundEmail]:
    """The organization's emails, newest first (their bodies left out), all or of one status."""
    emails = OutboundEmail.objects.defer("text", "html", "headers").order_by("-created_at", "-id")
    return emails.filter(status=status) if status else emails


def activity(*, actor_kind: str = "", user_id: int | None = None, verb: str = "") -> QuerySet[ActivityLog]:
    entries = ActivityLog.objects.select_related("actor_user", "target_type")
    if actor_kind:
        entries = entries.filter(actor_kind=actor_kind)
    if user_id:
        entries = entries.filter(actor_user_id=user_id)
    if verb:
        entries = entries.filter(verb__startswith=verb)
    return entries.order_by("-created_at", "-id")


# -- Query helpers shared by the apps ---------------------------------------------------------------------------


def first_of_each[M: Model](parts: Sequence[QuerySet[M]]) -> list[M]:
    """The rows of several sliced querysets (the first N of each column of a board) in one UNION ALL query, whatever
    the number of parts."""
    if not parts:
        return []
    combined: QuerySet[M] = parts[0].union(*parts[1:], all=True)
    return list(combined)
