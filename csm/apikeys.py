"""API key format, parsing and verification (the writes live in `csm.services`).

A key reads `csm_<organization id>_<secret>`. The organization id routes the lookup to its tenant, so the key is
found under that tenant's scope and row-level security, by the unique (organization, prefix) index.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from csm.models import API_KEY_PREFIX, ApiKey

PREFIX_LENGTH = 8
KEY_PATTERN = re.compile(
    rf"^{API_KEY_PREFIX}_(?P<organization_id>[1-9][0-9]{{0,18}})_(?P<secret>[A-Za-z0-9_-]{{32,128}})$"
)
# A key's last use is recorded at most this often: an API burst must not turn into a burst of writes.
TOUCH_INTERVAL = timedelta(minutes=1)

MISSING_KEY = "Missing API key: send it as 'Authorization: Bearer <key>'."
INVALID_KEY = "Invalid API key."
REVOKED_KEY = "This API key has been revoked."


@dataclass(frozen=True)
class Credentials:
    organization_id: int
    secret: str

    @property
    def prefix(self) -> str:
        return self.secret[:PREFIX_LENGTH]


def generate_secret() -> str:
    return secrets.token_urlsafe(32)


def format_key(organization_id: int, secret: str) -> str:
    return f"{API_KEY_PREFIX}_{organization_id}_{secret}"


def parse_authorization(header: str) -> Credentials | str:
    """Credentials from an `Authorization` header, or the error message to answer with."""
    if not header.strip():
        return MISSING_KEY
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return MISSING_KEY
    match = KEY_PATTERN.match(token.strip())
    if match is None:
        return INVALID_KEY
    return Credentials(int(match["organization_id"]), match["secret"])


def verify(credentials: Credentials) -> ApiKey | str:
    """The key for these credentials, looked up in the active organization, or the error message."""
    api_key = ApiKey.objects.filter(prefix=credentials.prefix).first()
    if api_key is None or not api_key.matches(credentials.secret):
        return INVALID_KEY
    if not api_key.is_active:
        return REVOKED_KEY
    return api_key


def touch(api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > TOUCH_INTERVAL:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
