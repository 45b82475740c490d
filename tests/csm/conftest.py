"""What the core's tests share: an email service that answers as a test says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings


class Scripted(BaseEmailBackend):
    """An email service that answers as the test says: raise `errors` in turn, then accept."""

    errors: ClassVar[list[BaseException]] = []
    sent: ClassVar[list[Any]] = []

    def send_messages(self, email_messages: Any) -> int:
        if Scripted.errors:
            raise Scripted.errors.pop(0)
        Scripted.sent.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def service() -> Iterator[type[Scripted]]:
    Scripted.errors, Scripted.sent = [], []
    with override_settings(MAILERS={"default": {"BACKEND": "tests.csm.conftest.Scripted"}}):
        yield Scripted
