"""Messages that offer to undo what was just done, and the event that keeps a page's figures true after an action.

    offer_undo(request, f"Done: {task.title}.", url=org_reverse(request, "accounts:task_reopen", task.pk))

The message shows an "Undo" button: a small POST form to `url` with `fields` as hidden inputs and a `next` back to
the page the person was on. The undo itself is an ordinary action of the app (reopen a task, revert a bulk change),
checked as any other; the message only carries where to post. Messages are stored signed (cookie) or server-side
(session), so what the button posts is what the server put there.

Figures that actions change (the 360's open tasks, the task groups' counts, the start page's figures) listen to
CHANGED: `hx-trigger="csm:changed from:body"` on an element that fetches itself again. `ChangedEventMiddleware`
sends the event with every successful htmx action (a POST answered below 400), so no action can forget to; a page
reloaded after a form without JavaScript is counted afresh anyway.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django_htmx.http import trigger_client_event

CHANGED = "csm:changed"
UNDO_TAG = "undo"


def offer_undo(request: HttpRequest, text: str, *, url: str, fields: Mapping[str, Any] | None = None) -> None:
    """A success message with an "Undo" button posting `fields` to `url`."""
    undo = {"url": url, "fields": {key: "" if value is None else str(value) for key, value in (fields or {}).items()}}
    messages.success(request, text, extra_tags=f"{UNDO_TAG} {json.dumps(undo, separators=(',', ':'))}")


def undo_of(message: Any) -> dict[str, Any] | None:
    """The undo a message offers ({"url", "fields"}), or None."""
    tags = getattr(message, "extra_tags", "") or ""
    if not tags.startswith(UNDO_TAG + " "):
        return None
    try:
        undo = json.loads(tags.removeprefix(UNDO_TAG + " "))
    except ValueError:
        return None
    if not isinstance(undo, dict) or not str(undo.get("url", "")).startswith("/"):
        return None
    fields = undo.get("fields")
    return {"url": undo["url"], "fields": sorted(fields.items()) if isinstance(fields, dict) else []}


class ChangedEventMiddleware:
    """Sends CHANGED with every successful htmx action, so the figures of the page fetch themselves again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if htmx and request.method == "POST" and response.status_code < 400:
            trigger_client_event(response, CHANGED)
        return response
