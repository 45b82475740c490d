"""What the browser tests share: the console watcher, logging in through the form, and waiting for the server's
answer to a request instead of polling the database.

The live server commits a request's transaction before it answers (csm.tenancy.middleware), so once the answer to
an action has arrived, the database shows its change: `answered(page, "/board/move/")` around the action, then
read the database once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import Page

from csm.models import Organization
from csm.tenancy import activate
from tests.conftest import PASSWORD


@pytest.fixture
def watch_console(page: Page) -> Iterator[list[str]]:
    """Fail on a console error (a CSP violation, a script error) or an asset or htmx request that fails; the
    documents themselves may be 404 or 403 when the test asks for it."""
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", on_response)
    yield errors
    assert errors == []


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@contextmanager
def answered(page: Page, path: str, method: str = "POST") -> Iterator[None]:
    """Run the action in the block and return once the server has answered its request to `path`."""
    with page.expect_response(lambda response: path in response.url and response.request.method == method):
        yield


def stored(organization: Organization, read: Callable[[], Any]) -> Any:
    """Read the database inside the organization (after `answered`: no waiting needed)."""
    with activate(organization):
        return read()
