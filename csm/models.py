"""The tenancy core: users, sign-ups waiting for their address to be confirmed, organizations (the tenants),
memberships and roles, invitations, API keys and the activity log.

`User`, `SignUp` and `Organization` are global. Every other model here is tenant-owned: it inherits `TenantModel`,
carries a non-null `organization`, is reached through a django-scopes `ScopedManager` and is guarded in PostgreSQL by
a row-level security policy (see `csm.tenancy`).
"""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Lower
from django.urls import Resolver404, resolve
from django.utils.timezone import now
from django_scopes import ScopedManager

from csm.currencies import CURRENCY_CODES


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("%(value)s is not a known time zone.", params={"value": value})


def validate_currency(value: str) -> None:
    if value not in CURRENCY_CODES:
        raise ValidationError("%(value)s is not a supported ISO 4217 currency code.", params={"value": value})


def validate_organization_slug(value: str) -> None:
    """Refuse slugs that would shadow a top-level path (`/login/`, `/api/`, ...)."""
    if value.lower() in settings.RESERVED_SLUGS:
        raise ValidationError("“%(value)s” is reserved; choose another address.", params={"value": value})
    try:
        match = resolve(f"/{value}/")
    except Resolver404:
        return
    if "org_slug" not in match.kwargs:
        raise ValidationError("“%(value)s” is reserved; choose another address.", params={"value": value})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: Any) -> User:
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=(username or "").strip().lower())


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address. Belongs to organizations through `Membership`."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    sender_name = models.CharField(
        max_length=150, blank=True, help_text="The name customers see on emails sent on your behalf."
    )
    email_signature = models.TextField(blank=True, help_text="Added below emails sent on your behalf.")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    last_organization = models.ForeignKey(
        "csm.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def email_sender_name(self) -> str:
        return self.sender_name or self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class SignUp(models.Model):
    """A sign-up waiting for its address to be confirmed (`csm.services.request_sign_up`): what the visitor typed,
    the password only as its hash. The person and their organization are created from it when the emailed link is
    opened; until then nothing exists that the email could use.

    Global, like `User`: there is no organization yet. One per email, whether or not an account already has the
    email (that account's owner is then told instead of sent a link), so that nothing a visitor can observe
    afterwards (the login page, a taken organization address) tells whether it had one.
    """

    email = models.EmailField(unique=True)
    password = models.CharField(max_length=128)
    full_name = models.CharField(max_length=150, blank=True)
    organization_name = models.CharField(max_length=120)
    # Wanted, not reserved: a pending sign-up takes no address (`Organization.slug`) from anyone.
    organization_slug = models.SlugField(max_length=50, db_index=False)
    # The current link's: each email gets a new one, and only the latest link works.
    nonce = models.CharField(max_length=64)
    # The nonce whose email a worker claimed: one email per link, however often its task runs.
    mailed_nonce = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=now)
    link_sent_at = models.DateTimeField(default=now)
    # When the recent emails were asked for, ISO 8601 (at most SIGNUP_EMAIL_LIMIT within SIGNUP_EMAIL_LIMIT_MINUTES).
    sent_times = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["link_sent_at"], name="signup_link_sent")]

    def __str__(self) -> str:
        return f"Sign-up of {self.email}"

    @property
    def is_expired(self) -> bool:
        return self.link_sent_at <= now() - timedelta(days=settings.SIGNUP_CONFIRMATION_DAYS)

    def sends_since(self, moment: datetime) -> list[datetime]:
        return [at for at in map(datetime.fromisoformat, self.sent_times) if at > moment]

    def rotate_nonce(self) -> None:
        """A new link: every earlier one stops working, and its validity counts from now."""
        self.nonce = secrets.token_urlsafe(24)
        self.link_sent_at = now()


class Organization(models.Model):
    """A tenant: a company that runs its customer success here."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=50,
        unique=True,
        validators=[validate_organization_slug],
        help_text="The address of the organization: /<slug>/. Letters, digits and hyphens.",
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    currency = models.CharField("reporting currency", max_length=3, default="USD", validators=[validate_currency])
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


_M = TypeVar("_M", bound=models.Model)

if TYPE_CHECKING:
    _ScopedManagerBase = models.Manager
else:
    # django-scopes builds its manager class inside a function; name it so that it can be subclassed and typed.
    _ScopedManagerBase = type(ScopedManager(organization="organization"))


class TenantManager(_ScopedManagerBase[_M]):
    """The default manager of tenant models: filtered to the active organization, raising outside any scope."""


class TenantModel(models.Model):
    """Base of every tenant-owned model: the organization column, the scoped default manager.

    A concrete subclass also needs its row-level security policy: add `TenantRLS("ModelName")` to its migration.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)

    objects = TenantManager()

    class Meta:
        abstract = True


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    CSM = "csm", "CSM"

    @property
    def rank(self) -> int:
        return {Role.CSM: 1, Role.MANAGER: 2, Role.ADMIN: 3}[self]

    @property
    def description(self) -> str:
        return {
            Role.ADMIN: "Configures everything and manages people.",
            Role.MANAGER: "Sees every account and dashboard, reassigns accounts.",
            Role.CSM: "Works a book of accounts.",
        }[self]


class Membership(TenantModel):
    """A user's place in an organization. Deactivating it keeps the person's history but closes the door."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CSM)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user"),
        ]
        indexes = [models.Index(fields=["organization", "role", "is_active"], name="membership_org_role")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def has_role(self, minimum: Role | str) -> bool:
        return self.is_active and Role(self.role).rank >= Role(minimum).rank


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"


class Invitation(TenantModel):
    """An invitation to join an organization with a role, sent as a signed link.

    The link carries the organization, the invitation and a nonce; resending rotates the nonce, so only the latest
    link works. It expires `INVITATION_VALID_DAYS` after it was last sent and works once.
    """

    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CSM)
    status = models.CharField(max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    nonce = models.CharField(max_length=64, default="", editable=False)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_at = models.DateTimeField(default=now)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=models.Q(status="pending"),
                name="invitation_one_pending_per_email",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "-created_at"], name="invitation_org_status")]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= now()

    @property
    def is_usable(self) -> bool:
        return self.status == InvitationStatus.PENDING and not self.is_expired

    def rotate_nonce(self) -> None:
        """A new nonce and a fresh expiry: every earlier link for this invitation stops working."""
        self.nonce = secrets.token_urlsafe(24)
        self.expires_at = now() + timedelta(days=settings.INVITATION_VALID_DAYS)


API_KEY_PREFIX = "csm"


class ApiKey(TenantModel):
    """A per-organization key for the JSON API. Only a SHA-256 of the secret is stored.

    The full key reads `csm_<organization id>_<secret>`; the organization id routes the lookup to the tenant (so the
    lookup itself runs under the tenant's scope and row-level security) and the first characters of the secret are
    kept as a visible prefix to tell keys apart.
    """

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "prefix"], name="apikey_unique_prefix"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix}…)"

    @property
    def display_prefix(self) -> str:
        return f"{API_KEY_PREFIX}_{self.organization_id}_{self.prefix}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_secret(secret: str) -> str:
        # The secret is 256 random bits, so a fast hash is enough: nothing can be brute-forced from it.
        return hashlib.sha256(secret.encode()).hexdigest()

    def matches(self, secret: str) -> bool:
        return secrets.compare_digest(self.key_hash, self.hash_secret(secret))


class ActorKind(models.TextChoices):
    USER = "user", "Person"
    AUTOMATION = "automation", "Automation"
    INTEGRATION = "integration", "Integration"
    SYSTEM = "system", "System"


class ActivityLog(TenantModel):
    """Append-only: who changed what, when. Written by services in the same transaction as the change.

    The app's database role may only SELECT and INSERT this table (see `csm.tenancy.dbroles`); `save()` refuses
    updates and `delete()` refuses outright, so history cannot be rewritten by the application.
    """

    created_at = models.DateTimeField(default=now)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=200)
    verb = models.CharField(max_length=64)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    target_id = models.BigIntegerField(null=True, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    # What the change is about, when that is not the target itself: a note added to an account is about the
    # account. An account's timeline is every row about it (see csm.timeline).
    about_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    about_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="activity_org_time"),
            models.Index(
                fields=["organization", "target_type", "target_id", "-created_at"], name="activity_org_target"
            ),
            models.Index(fields=["organization", "actor_user", "-created_at"], name="activity_org_actor"),
            models.Index(fields=["organization", "verb", "-created_at"], name="activity_org_verb"),
            models.Index(
                fields=["organization", "about_type", "about_id", "-created_at", "-id"], name="activity_org_about"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.verb} {self.target_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("The activity log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("The activity log is append-only.")


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    UNCERTAIN = "uncertain", "Not known"
    CANCELLED = "cancelled", "Cancelled"


class OutboundEmail(TenantModel):
    """One email to send, at most once (`csm.mail`): the record is written with what is sent, claimed before the
    email service is called, and keeps the outcome. `key` names the email for its sender ("invitation:12:<nonce>"),
    so asking twice for the same email queues it once."""

    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=40, help_text="What sent it: invitation, play, ...")
    to_address = models.EmailField()
    from_address = models.CharField(max_length=254)
    reply_to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255)
    text = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="The sender's context, such as the invitation's id.")
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    esp_message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="outboundemail_unique_key")]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="outboundemail_org_created"),
            models.Index(fields=["organization", "status", "-created_at", "-id"], name="outboundemail_org_status"),
            # The sweep's cross-tenant read: which organizations have unfinished emails.
            models.Index(
                fields=["organization"],
                condition=models.Q(status__in=["queued", "sending"]),
                name="outboundemail_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_address}"
