"""The attempts that the limits of `csm.auth_limits` count."""

from __future__ import annotations

from django.db import models
from django.utils.timezone import now


class AttemptKind(models.TextChoices):
    LOGIN_FAILURE = "login_failure", "Failed login"
    PASSWORD_RESET = "password_reset", "Password-reset request"
    SIGN_UP = "sign_up", "Sign-up email"


class Attempt(models.Model):
    """One attempt counted against a limit: a failed login, or a password-reset request that was let through. It
    keeps the email it named (normalized; whether an account has it or not, so that the limits tell nothing about
    which accounts exist) and the client's address (an IPv6 client's /64 network). Rows older than the longest
    window are deleted as new ones are written."""

    kind = models.CharField(max_length=20, choices=AttemptKind.choices)
    email = models.CharField(max_length=254)
    address = models.CharField(max_length=45)
    at = models.DateTimeField(default=now)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "email", "-at"], name="auth_attempt_email"),
            models.Index(fields=["kind", "address", "-at"], name="auth_attempt_address"),
            models.Index(fields=["at"], name="auth_attempt_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.email} from {self.address} at {self.at:%Y-%m-%d %H:%M:%S}"
