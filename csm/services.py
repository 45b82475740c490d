"""Writes of the tenancy core. Each function is one transaction and writes its activity-log row in it.

Functions that act inside an organization expect to run within `csm.tenancy.activate(organization)` (the web
request and the tenant tasks provide it); sign-up and organization creation open it themselves.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from csm import apikeys, mail
from csm.activity import Actor, as_actor, diff, record
from csm.models import (
    ApiKey,
    Invitation,
    InvitationStatus,
    Membership,
    Organization,
    OutboundEmail,
    Role,
    SignUp,
    User,
)
from csm.signals import organization_created, person_renamed
from csm.tenancy import activate
from csm.tenancy.jobs import enqueue

INVITATION_SALT = "csm.invitation"


# -- Organizations ----------------------------------------------------------------------------------------------


def create_organization(
    *, actor: User, name: str, slug: str, timezone_name: str = "UTC", currency: str = "USD"
) -> Organization:
    """A new organization with `actor` as its first admin."""
    with transaction.atomic():
        organization = Organization(name=name, slug=slug, timezone=timezone_name, currency=currency)
        organization.full_clean()
        organization.save()
        with activate(organization, user=actor):
            membership = Membership.objects.create(organization=organization, user=actor, role=Role.ADMIN)
            record(organization=organization, actor=actor, verb="organization.created", target=organization)
            organization_created.send(sender=Organization, organization=organization, actor=actor)
            record(
                organization=organization,
                actor=actor,
                verb="member.added",
                target=membership,
                data={"role": Role.ADMIN, "email": actor.email},
            )
    return organization


# -- Sign-up ------------------------------------------------------------------------------------------------------
# Nothing is created until the address is proved. Whether or not an account has the email, a sign-up goes through
# the same steps (the password hashed, the details kept as the email's one pending `SignUp`, one email asked of a
# worker), so that neither the answer, nor its timing, nor anything a visitor can observe afterwards (the login
# page, an organization address being taken) tells whether it had one. Only the worker looks: it emails the link
# to confirm the address, or tells the account's owner that someone tried to sign up with it.

SIGN_UP_SALT = "csm.sign_up"
SIGN_UP_RESEND_SALT = "csm.sign_up.resend"
SIGN_UP_BROWSER_SALT = "csm.sign_up.browser"
RESEND_TOKEN_MAX_AGE = timedelta(hours=1)


def request_sign_up(
    *, email: str, password: str, full_name: str, organization_name: str, organization_slug: str
) -> SignUp | None:
    """Ask for a new person and their organization; they are created once the emailed link is opened
    (`confirm_sign_up`). A new sign-up of the same email replaces the details of the pending one, and only the
    latest link works. The pending sign-up holding these details, or None when the email limit held the sign-up back
    (then nothing changed and nothing is sent)."""
    email = email.strip().lower()
    password_hash = make_password(password)  # slow on purpose: before any lock is taken
    with transaction.atomic():
        sign_up = SignUp.objects.select_for_update().filter(email=email).first() or SignUp(email=email)
        sign_up.password = password_hash
        sign_up.full_name = full_name
        sign_up.organization_name = organization_name
        sign_up.organization_slug = organization_slug
        return sign_up if _send_sign_up_link(sign_up) else None


def resend_sign_up_link(*, email: str) -> SignUp | None:
    """A new link for the pending sign-up of `email`, its details unchanged (the earlier links stop working); None
    when there is none or the email limit holds it back."""
    with transaction.atomic():
        sign_up = SignUp.objects.select_for_update().filter(email=email.strip().lower()).first()
        if sign_up is None:
            return None
        return sign_up if _send_sign_up_link(sign_up) else None


def _send_sign_up_link(sign_up: SignUp) -> bool:
    """Give the (locked or new) pending sign-up a new link and have a worker email it, within the email limit."""
    from csm.tasks import send_sign_up_email

    moment = timezone.now()
    recent = sign_up.sends_since(moment - timedelta(minutes=settings.SIGNUP_EMAIL_LIMIT_MINUTES))
    if len(recent) >= settings.SIGNUP_EMAIL_LIMIT:
        return False
    sign_up.sent_times = [at.isoformat() for at in [*recent, moment]]
    sign_up.rotate_nonce()
    try:
        with transaction.atomic():
            sign_up.save()
    except IntegrityError:  # a parallel first sign-up of the same email was saved first: it sends the link
        return False
    enqueue(send_sign_up_email, sign_up.pk, sign_up.nonce)
    return True


def mail_sign_up(*, sign_up_id: int, nonce: str) -> str:
    """Send the email of one link of a pending sign-up, at most once: the link is claimed (a committed
    compare-and-swap on the row) before the email service is called, and released only when the failure surely
    sent nothing. When an account has the address by now, its owner gets a note instead of the link (nothing is
    created; here is how to log in or reset the password). The outcome, "" when there was nothing to send."""
    claimed = SignUp.objects.filter(pk=sign_up_id, nonce=nonce).exclude(mailed_nonce=nonce).update(mailed_nonce=nonce)
    sign_up = SignUp.objects.filter(pk=sign_up_id, nonce=nonce).first() if claimed else None
    if sign_up is None:
        return ""
    account = User.objects.filter(email=sign_up.email).first()
    if account is not None:
        template = "registration/signup_existing_email"
        subject = "Someone tried to sign up with your email address"
        context: dict[str, object] = {
            "user": account,
            "login_url": settings.SITE_URL + reverse("login"),
            "reset_url": settings.SITE_URL + reverse("password_reset"),
            "create_url": settings.SITE_URL + reverse("org_create") if settings.SIGNUP_ENABLED else "",
        }
    else:
        template = "registration/signup_confirm_email"
        subject = "Confirm your email address"
        context = {
            "sign_up": sign_up,
            "url": settings.SITE_URL + reverse("signup_confirm", args=[sign_up_token(sign_up)]),
            "valid_days": settings.SIGNUP_CONFIRMATION_DAYS,
        }
    outcome = mail.send_account_email(
        to=sign_up.email,
        subject=subject,
        text=render_to_string(f"{template}.txt", context),
        html=render_to_string(f"{template}.html", context),
    )
    if outcome == mail.RETRY:
        SignUp.objects.filter(pk=sign_up.pk, mailed_nonce=nonce).update(mailed_nonce="")
    return outcome


def sign_up_token(sign_up: SignUp) -> str:
    """The link's token: signed with its time (it expires after SIGNUP_CONFIRMATION_DAYS) and naming the current
    nonce (a newer link, or the confirmation, ends it)."""
    return signing.dumps({"s": sign_up.pk, "n": sign_up.nonce}, salt=SIGN_UP_SALT)


def pending_sign_up(token: str) -> SignUp | None:
    """The pending sign-up a link names, while the link works; None otherwise."""
    try:
        payload = signing.loads(token, salt=SIGN_UP_SALT, max_age=timedelta(days=settings.SIGNUP_CONFIRMATION_DAYS))
    except signing.BadSignature:  # an expired link too
        return None
    if not isinstance(payload, dict) or not {"s", "n"} <= payload.keys():
        return None
    sign_up = SignUp.objects.filter(pk=payload["s"]).first()
    if sign_up is None or not constant_time_compare(sign_up.nonce, str(payload["n"])):
        return None
    return sign_up


def sign_up_browser_proof(sign_up: SignUp) -> str:
    """What the browser that typed a pending sign-up's password keeps in its session, so that the emailed link
    opened there needs no password again. It is void once another sign-up of the email changes the password: the
    link of a sign-up somebody else made, opened by the address's owner, asks for that sign-up's password, so
    nobody can have an owner confirm an account whose password the impostor knows."""
    return salted_hmac(
        SIGN_UP_BROWSER_SALT, f"{sign_up.pk}:{sign_up.email}:{sign_up.password}", algorithm="sha256"
    ).hexdigest()


def unconfirmed_sign_up(email: str, password: str) -> SignUp | None:
    """The pending sign-up of `email` when `password` is the one it was made with and its link can still work
    (for the login page, after the account's own password did not match). The hasher runs once either way."""
    sign_up = SignUp.objects.filter(email=email.strip().lower()).first()
    if sign_up is None or sign_up.is_expired:
        make_password(password)
        return None
    return sign_up if check_password(password, sign_up.password) else None


def sign_up_resend_token(sign_up: SignUp) -> str:
    """The login page's "send the link again" button carries it: proof, for an hour, that its sender knew the
    sign-up's password (so the button cannot be pressed for any address)."""
    return signing.dumps(sign_up.email, salt=SIGN_UP_RESEND_SALT)


def read_sign_up_resend_token(token: str) -> str | None:
    try:
        email = signing.loads(token, salt=SIGN_UP_RESEND_SALT, max_age=RESEND_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    return email if isinstance(email, str) else None


def confirm_sign_up(*, sign_up: SignUp) -> tuple[User, Organization] | None:
    """The address is proved: create the person (with the password chosen at sign-up), verified, and their
    organization, of which they are the first admin, and forget the pending sign-up (its link works once). The
    wanted organization address if it is still free, otherwise the first free `<wanted>-2`, `-3`...

    None when the link no longer works (used or replaced meanwhile) or an account has the email by now (an
    invitation created it since); the pending sign-up is then dropped."""
    with transaction.atomic():
        pending = SignUp.objects.select_for_update().filter(pk=sign_up.pk, nonce=sign_up.nonce).first()
        if pending is None:
            return None
        pending.delete()
        if User.objects.filter(email=pending.email).exists():
            return None
        user = User(email=pending.email, full_name=pending.full_name)
        user.password = pending.password
        user.save()
        organization = create_organization(
            actor=user, name=pending.organization_name, slug=_free_slug(pending.organization_slug)
        )
    return user, organization


def _free_slug(wanted: str) -> str:
    """`wanted`, or the first of `<wanted>-2`, `-3`... that no organization has (pending sign-ups reserve none)."""
    taken = set(Organization.objects.filter(slug__startswith=wanted).values_list("slug", flat=True))
    candidate, number = wanted, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = wanted[: 50 - len(suffix)].rstrip("-") + suffix
    return candidate


def delete_expired_sign_ups() -> int:
    """Forget the pending sign-ups whose link no longer works (housekeeping, from beat)."""
    cutoff = timezone.now() - timedelta(days=settings.SIGNUP_CONFIRMATION_DAYS)
    deleted, _ = SignUp.objects.filter(link_sent_at__lt=cutoff).delete()
    return deleted


def update_organization(*, actor: Actor | User, organization: Organization, **values: str) -> Organization:
    with transaction.atomic():
        changes = diff(organization, values)
        if not changes:
            return organization
        for field, value in values.items():
            setattr(organization, field, value)
        organization.full_clean()
        organization.save(update_fields=list(changes))
        record(
            organization=organization, actor=actor, verb="organization.updated", target=organization, changes=changes
        )
    return organization


# -- Members ----------------------------------------------------------------------------------------------------


def _other_active_admins(membership: Membership) -> bool:
    return Membership.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=membership.pk).exists()


def change_role(*, actor: Actor | User, membership: Membership, role: Role | str) -> Membership:
    role = Role(role)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.role == role:
            return membership
        if membership.role == Role.ADMIN and membership.is_active and not _other_active_admins(membership):
            raise ValidationError("The organization needs at least one active admin.")
        changes = {"role": [membership.role, role.value]}
        membership.role = role
        membership.save(update_fields=["role"])
        record(
            organization=membership.organization,
            actor=actor,
            verb="member.role_changed",
            target=membership,
            changes=changes,
        )
    return membership


def deactivate_member(*, actor: Actor | User, membership: Membership) -> Membership:
    """Close the organization to the member at once (their next request is refused); their data stays."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if not membership.is_active:
            return membership
        if membership.role == Role.ADMIN and not _other_active_admins(membership):
            raise ValidationError("The organization needs at least one active admin.")
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        membership.save(update_fields=["is_active", "deactivated_at"])
        record(
            organization=membership.organization,
            actor=actor,
            verb="member.deactivated",
            target=membership,
            changes={"is_active": [True, False]},
        )
    return membership


def reactivate_member(*, actor: Actor | User, membership: Membership) -> Membership:
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.is_active:
            return membership
        membership.is_active = True
        membership.deactivated_at = None
        membership.save(update_fields=["is_active", "deactivated_at"])
        record(
            organization=membership.organization,
            actor=actor,
            verb="member.reactivated",
            target=membership,
            changes={"is_active": [False, True]},
        )
    return membership


# -- Invitations ------------------------------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(
        {"o": invitation.organization_id, "i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT
    )


def read_invitation_token(token: str) -> dict[str, int | str] | None:
    """The payload of a link we signed, or None. Expiry and reuse are checked against the row, not the token."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not {"o", "i", "n"} <= payload.keys():
        return None
    return payload


def invite_member(*, actor: User, organization: Organization, email: str, role: Role | str) -> Invitation:
    """Invite `email` with `role`; the email goes out once the invitation is committed."""
    email = email.strip().lower()
    role = Role(role)
    with transaction.atomic():
        if Membership.objects.filter(user__email=email, is_active=True).exists():
            raise ValidationError(f"{email} is already a member of {organization.name}.")
        pending = Invitation.objects.filter(email__iexact=email, status=InvitationStatus.PENDING).first()
        if pending is not None:
            raise ValidationError(f"{email} already has a pending invitation; resend it from the list instead.")
        invitation = Invitation(organization=organization, email=email, role=role, invited_by=actor)
        invitation.rotate_nonce()
        invitation.save()
        record(
            organization=organization,
            actor=actor,
            verb="invitation.created",
            target=invitation,
            data={"email": email, "role": role.value},
        )
        _send_invitation(invitation)
    return invitation


INVITATION_EMAIL = "invitation"


def _send_invitation(invitation: Invitation) -> None:
    """Queue the invitation's email (csm.mail) with the current link; a queued email of an earlier link goes."""
    mail.cancel(key_prefix=f"{INVITATION_EMAIL}:{invitation.pk}:")
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter": invitation.invited_by,
        "url": invitation_url(invitation),
    }
    mail.queue(
        organization=invitation.organization,
        key=f"{INVITATION_EMAIL}:{invitation.pk}:{invitation.nonce}",
        kind=INVITATION_EMAIL,
        to=invitation.email,
        subject=f"Join {invitation.organization.name} on Customer Success",
        text=render_to_string("csm/email/invitation.txt", context),
        html=render_to_string("csm/email/invitation.html", context),
        data={"invitation_id": invitation.pk},
    )


def on_email_sent(sender: type[OutboundEmail], email: OutboundEmail, **kwargs: object) -> None:
    """An invitation's email went out: count it and say so in the activity log."""
    if email.kind != INVITATION_EMAIL:
        return
    invitation = Invitation.objects.filter(pk=email.data.get("invitation_id")).first()
    if invitation is not None:
        mark_invitation_sent(invitation=invitation)


def resend_invitation(*, actor: Actor | User, invitation: Invitation) -> Invitation:
    """Send a new link (valid for another `INVITATION_VALID_DAYS`); the earlier links stop working."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != InvitationStatus.PENDING:
            raise ValidationError(f"This invitation is {invitation.get_status_display().lower()}; it cannot be resent.")
        invitation.rotate_nonce()
        invitation.save(update_fields=["nonce", "expires_at"])
        record(organization=invitation.organization, actor=actor, verb="invitation.resent", target=invitation)
        _send_invitation(invitation)
    return invitation


def revoke_invitation(*, actor: Actor | User, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != InvitationStatus.PENDING:
            raise ValidationError(f"This invitation is already {invitation.get_status_display().lower()}.")
        invitation.status = InvitationStatus.REVOKED
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["status", "revoked_at"])
        mail.cancel(key_prefix=f"{INVITATION_EMAIL}:{invitation.pk}:")
        record(organization=invitation.organization, actor=actor, verb="invitation.revoked", target=invitation)
    return invitation


def mark_invitation_sent(*, invitation: Invitation) -> None:
    with transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(last_sent_at=timezone.now(), send_count=F("send_count") + 1)
        record(
            organization=invitation.organization,
            actor=Actor.automation("Invitation mailer"),
            verb="invitation.sent",
            target=invitation,
            data={"email": invitation.email},
        )


def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    """Make `user` a member with the invitation's role (reactivating an earlier membership), once."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_usable:
            raise ValidationError("This invitation can no longer be used.")
        if invitation.email.lower() != user.email.lower():
            raise ValidationError(f"This invitation is for {invitation.email}.")
        membership, created = Membership.objects.get_or_create(
            organization=invitation.organization, user=user, defaults={"role": invitation.role}
        )
        if not created:
            membership.role = invitation.role
            membership.is_active = True
            membership.deactivated_at = None
            membership.save(update_fields=["role", "is_active", "deactivated_at"])
        invitation.status = InvitationStatus.ACCEPTED
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
        record(
            organization=invitation.organization,
            actor=user,
            verb="invitation.accepted",
            target=invitation,
        )
        record(
            organization=invitation.organization,
            actor=user,
            verb="member.added" if created else "member.reactivated",
            target=membership,
            data={"role": invitation.role, "email": user.email},
        )
    return membership


def register_and_accept(*, invitation: Invitation, full_name: str, password: str) -> User:
    """A new person, from an invitation to their address, who joins at once."""
    with transaction.atomic():
        user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
        accept_invitation(invitation=invitation, user=user)
    return user


# -- API keys ---------------------------------------------------------------------------------------------------


def create_api_key(*, actor: User, organization: Organization, name: str) -> tuple[ApiKey, str]:
    """A new key; the returned full key is shown once and never stored."""
    with transaction.atomic():
        while True:
            secret = apikeys.generate_secret()
            prefix = secret[: apikeys.PREFIX_LENGTH]
            if not ApiKey.objects.filter(prefix=prefix).exists():
                break
        api_key = ApiKey.objects.create(
            organization=organization,
            name=name.strip(),
            prefix=prefix,
            key_hash=ApiKey.hash_secret(secret),
            created_by=actor,
        )
        record(organization=organization, actor=actor, verb="api_key.created", target=api_key)
    return api_key, apikeys.format_key(organization.pk, secret)


def revoke_api_key(*, actor: Actor | User, api_key: ApiKey) -> ApiKey:
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if api_key.revoked_at is not None:
            return api_key
        api_key.revoked_at = timezone.now()
        who = as_actor(actor)
        api_key.revoked_by = who.user
        api_key.save(update_fields=["revoked_at", "revoked_by"])
        record(organization=api_key.organization, actor=actor, verb="api_key.revoked", target=api_key)
    return api_key


# -- People -----------------------------------------------------------------------------------------------------


def update_profile(*, user: User, **values: str) -> User:
    with transaction.atomic():
        renamed = "full_name" in values and values["full_name"] != user.full_name
        for field, value in values.items():
            setattr(user, field, value)
        user.full_clean(exclude=["password", "last_organization"])
        user.save(update_fields=list(values))
        if renamed:
            person_renamed.send(sender=User, user=user)
    return user


def invitation_url(invitation: Invitation) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse("invitation_accept", args=[invitation_token(invitation)])
