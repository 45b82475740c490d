"""Counting failed logins and password-reset requests, and deciding which attempts to refuse.

Logging in passes three limits (the thresholds are settings, see csm/settings.py):

1. axes locks one (email, address) pair out after LOGIN_FAILURE_LIMIT failures (unchanged).
2. **One email, from every address together**: once it has LOGIN_EMAIL_FAILURE_LIMIT failures within
   LOGIN_EMAIL_FAILURE_HOURS, every further failure pauses logging in to it, for LOGIN_EMAIL_FIRST_PAUSE_SECONDS
   after the first, then twice as long after each next one, up to LOGIN_EMAIL_PAUSE_MAX_MINUTES. During a pause the
   password is not checked at all (a right guess would otherwise show through), and the refused attempts are not
   counted. Unknown emails are counted and paused exactly like accounts, so the pause tells nothing.
3. **One address, over every email**: an address with LOGIN_ADDRESS_FAILURE_LIMIT failures within
   LOGIN_ADDRESS_LOCKOUT_MINUTES is refused until the oldest of them is that old (a burst of guesses waits out the
   rest of the period). An IPv6 client counts as its /64 network, which one host can hop around in at will.

Why an attacker cannot lock the owner out with failures from other addresses:
- The address limit only ever refuses the attacker's own address (or network).
- The email limit pauses browsers that have never logged in to the account. A browser that has (a signed cookie
  set by each successful login and by a completed password reset, bound to the account's current password) is
  exempt from both limits: the owner's usual browser logs in with the right password at once, however many
  failures there were elsewhere. Only axes' lock-out of the owner's own (email, address) pair still applies to it,
  and only failures from that same address feed it.
- From a new browser, the owner either waits for the pause (at most LOGIN_EMAIL_PAUSE_MAX_MINUTES after the last
  counted failure) or resets the password by email, which an attacker cannot do: completing the reset clears the
  email's failures and axes' lock-outs of that email, and marks the browser that chose the new password as known.

The counts are rows (`Attempt`) written in the transaction of the request that makes them, so a test's rollback
forgets them, and a refusal is decided under a per-email lock (below) so that parallel attempts cannot all slip
through the moment a pause ends.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from axes.helpers import get_client_ip_address
from axes.utils import reset as reset_axes_attempts
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from csm.auth import lockout_username
from csm.auth_limits.models import Attempt, AttemptKind
from csm.models import User

KNOWN_BROWSER_COOKIE = "csm_known_browser"
_KNOWN_BROWSER_SALT = "csm.auth_limits.known_browser"
_PRUNE_BATCH = 500


@dataclass(frozen=True)
class Refusal:
    """Why a login attempt is refused before its password is checked, and until when."""

    reason: Literal["email", "address"]
    email: str
    until: datetime

    @property
    def wait(self) -> timedelta:
        return max(self.until - timezone.now(), timedelta(seconds=1))

    @property
    def retry_after(self) -> int:
        return math.ceil(self.wait.total_seconds())


def client_address(request: HttpRequest) -> str:
    """The address the limits count a request against: the client's IP address as axes sees it (behind a trusted
    proxy, the forwarded one), an IPv6 client's /64 network."""
    raw = get_client_ip_address(request) or ""
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:45]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _normalized(email: str) -> str:
    return email.strip().lower()[:254]


def _lock(scope: str, email: str) -> None:
    """Serialize the attempts on one email until the current transaction ends: the next one is judged only once
    this one is counted."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"csm.auth_limits.{scope}:{email}"])


# -- Logging in ---------------------------------------------------------------------------------------------------


def login_refusal(request: HttpRequest, email: str) -> Refusal | None:
    """Why this login attempt must be refused without checking its password, or None to let it be checked.

    Call it in the transaction that then checks the password: it takes the email's lock, held until that
    transaction ends."""
    email = _normalized(email)
    if email and is_known_browser(request, email):
        return None
    moment = timezone.now()
    until = _address_locked_until(client_address(request), moment)
    if until is not None:
        return Refusal("address", email, until)
    if not email:
        return None
    _lock("login", email)
    until = _email_paused_until(email, moment)
    if until is not None:
        return Refusal("email", email, until)
    return None


def _address_locked_until(address: str, moment: datetime) -> datetime | None:
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    if limit < 1:
        return None
    window = timedelta(minutes=settings.LOGIN_ADDRESS_LOCKOUT_MINUTES)
    # The limit-th most recent failure within the window: the address may try again once it has left the window.
    oldest = list(
        Attempt.objects.filter(kind=AttemptKind.LOGIN_FAILURE, address=address, at__gt=moment - window)
        .order_by("-at")
        .values_list("at", flat=True)[limit - 1 : limit]
    )
    return oldest[0] + window if oldest else None


def pause_after(failures: int) -> timedelta:
    """How long logging in to an email waits after its last failure, given its count of recent failures (at or
    above the limit)."""
    first = timedelta(seconds=settings.LOGIN_EMAIL_FIRST_PAUSE_SECONDS)
    doublings = min(max(failures - settings.LOGIN_EMAIL_FAILURE_LIMIT, 0), 32)
    return min(first * 2**doublings, timedelta(minutes=settings.LOGIN_EMAIL_PAUSE_MAX_MINUTES))


def _email_paused_until(email: str, moment: datetime) -> datetime | None:
    limit = settings.LOGIN_EMAIL_FAILURE_LIMIT
    if limit < 1:
        return None
    recent = Attempt.objects.filter(
        kind=AttemptKind.LOGIN_FAILURE, email=email, at__gt=moment - timedelta(hours=settings.LOGIN_EMAIL_FAILURE_HOURS)
    ).aggregate(count=Count("id"), last=Max("at"))
    if recent["count"] < limit:
        return None
    until: datetime = recent["last"] + pause_after(recent["count"])
    return until if until > moment else None


def record_login_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Count a failed login (the receiver of Django's `user_login_failed`), including one that axes refused: every
    failure Django reports. Attempts that `login_refusal` refused never reach it."""
    if request is None:
        return
    _record(AttemptKind.LOGIN_FAILURE, email=lockout_username(request, credentials), address=client_address(request))


def _record(kind: AttemptKind, *, email: str, address: str) -> None:
    moment = timezone.now()
    with transaction.atomic():
        Attempt.objects.create(kind=kind, email=_normalized(email), address=address, at=moment)
        keep = max(
            timedelta(hours=settings.LOGIN_EMAIL_FAILURE_HOURS),
            timedelta(minutes=settings.LOGIN_ADDRESS_LOCKOUT_MINUTES),
            timedelta(minutes=settings.PASSWORD_RESET_LIMIT_MINUTES),
            timedelta(minutes=settings.SIGNUP_EMAIL_LIMIT_MINUTES),
        )
        # A few stale rows at a time, skipping those a parallel request is deleting rather than waiting for it.
        stale = list(
            Attempt.objects.filter(at__lt=moment - keep)
            .order_by()
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:_PRUNE_BATCH]
        )
        if stale:
            Attempt.objects.filter(pk__in=stale).delete()


# -- Known browsers -----------------------------------------------------------------------------------------------


def _browser_token(user: User) -> str:
    # Bound to the password's hash: choosing a new password (after a compromise, say) retires every browser that
    # logged in with the old one, the attacker's included.
    return salted_hmac(_KNOWN_BROWSER_SALT, f"{user.pk}:{user.password}", algorithm="sha256").hexdigest()


def remember_browser(response: HttpResponseBase, user: User) -> None:
    """Mark the browser that gets `response` as one that logged in to `user`'s account (one account per
    browser: the last one)."""
    response.set_signed_cookie(
        KNOWN_BROWSER_COOKIE,
        _browser_token(user),
        salt=_KNOWN_BROWSER_SALT,
        max_age=settings.LOGIN_KNOWN_BROWSER_DAYS * 24 * 60 * 60,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def is_known_browser(request: HttpRequest, email: str) -> bool:
    token = request.get_signed_cookie(
        KNOWN_BROWSER_COOKIE,
        default=None,
        salt=_KNOWN_BROWSER_SALT,
        max_age=timedelta(days=settings.LOGIN_KNOWN_BROWSER_DAYS),
    )
    if not token:
        return False
    user = User.objects.filter(email=_normalized(email)).only("pk", "password").first()
    return user is not None and constant_time_compare(token, _browser_token(user))


def lift_after_password_reset(response: HttpResponseBase, user: User) -> None:
    """The owner proved they read the account's mailbox and chose a new password: forget the email's failures
    (the pause ends for everyone; the guesses were against the old password anyway) and axes' lock-outs of it, and
    remember the browser that did it."""
    Attempt.objects.filter(kind=AttemptKind.LOGIN_FAILURE, email=_normalized(user.email)).delete()
    reset_axes_attempts(username=_normalized(user.email))
    remember_browser(response, user)


# -- Password-reset emails ----------------------------------------------------------------------------------------


def may_send_password_reset(request: HttpRequest, email: str) -> bool:
    """Whether a password-reset email may be sent to `email` for this request; counts it when it may.

    At most PASSWORD_RESET_EMAIL_LIMIT per email and PASSWORD_RESET_ADDRESS_LIMIT per client address within
    PASSWORD_RESET_LIMIT_MINUTES, whether or not an account has the email (the address limit also stops a client
    from probing or flooding many emails). Refused requests are not counted: an attacker who keeps asking for the
    owner's email only spends the quota on links that land in the owner's own mailbox, and they keep landing."""
    email = _normalized(email)
    address = client_address(request)
    recent = Attempt.objects.filter(
        kind=AttemptKind.PASSWORD_RESET,
        at__gt=timezone.now() - timedelta(minutes=settings.PASSWORD_RESET_LIMIT_MINUTES),
    )
    with transaction.atomic():
        _lock("password_reset", email)
        if recent.filter(email=email).count() >= settings.PASSWORD_RESET_EMAIL_LIMIT:
            return False
        if recent.filter(address=address).count() >= settings.PASSWORD_RESET_ADDRESS_LIMIT:
            return False
        _record(AttemptKind.PASSWORD_RESET, email=email, address=address)
    return True


# -- Sign-up emails -----------------------------------------------------------------------------------------------


def may_send_sign_up(request: HttpRequest, email: str) -> bool:
    """Whether this client may have a sign-up email sent (to `email`); counts it when it may.

    The sign-up itself holds each address to SIGNUP_EMAIL_LIMIT emails (csm.services); this holds each client to
    SIGNUP_ADDRESS_LIMIT within SIGNUP_EMAIL_LIMIT_MINUTES, whatever the emails, so that the form cannot be used to
    send mail to many strangers. Refused requests are not counted, and the page answers as when an email was sent."""
    address = client_address(request)
    recent = Attempt.objects.filter(
        kind=AttemptKind.SIGN_UP,
        address=address,
        at__gt=timezone.now() - timedelta(minutes=settings.SIGNUP_EMAIL_LIMIT_MINUTES),
    )
    with transaction.atomic():
        _lock("sign_up", address)
        if recent.count() >= settings.SIGNUP_ADDRESS_LIMIT:
            return False
        _record(AttemptKind.SIGN_UP, email=email, address=address)
    return True
