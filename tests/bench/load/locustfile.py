"""The load test's users: CSMs and managers of the benchmark organization working the workspace in a browser.

Run by tests/bench/test_load_bench.py (`make bench`), which starts gunicorn as the Dockerfile does, writes the plan
(the organization, the people, the list filters, some account ids) to the JSON file named by LOAD_PLAN, and runs
this file with `locust --headless`. It needs no Django: it only speaks HTTP, as a browser does.

Each simulated person logs in through the form (GET /login/, POST with the CSRF token), lands on the start page,
then, with 1-3 s of think time between requests, opens the start page, the accounts list with a filter or a sort (a
full page, or the htmx partial a filter change fetches), an account's 360 (one of the list's rows), the tasks page,
the pipeline and ticket boards, adds a note on the account last opened and completes one of the tasks last listed
(both as htmx posts, with the CSRF token from the page, as the browser sends them). A manager looks at a CSM's
tasks (`?assignee=`) and everyone's book.

Locust plays the TLS-terminating proxy of production: it sends `X-Forwarded-Proto: https` (gunicorn runs with
TRUST_X_FORWARDED_PROTO=true, as in compose) and an https Origin on posts, and sends the Secure cookies over the
loopback (BehindTheProxy). Static files are not fetched: their names are hashed and cached for a year, so a working
browser has them already.

The users grow in steps (LOAD_STEPS users, LOAD_STEP_SECONDS each, LOAD_SPAWN_RATE new users a second). Every
request is recorded (start time, page family, milliseconds, outcome: ok, shed — a 503 with Retry-After, the
overload answer — or error); at the end the records, the steps' start times, the notes posted and the tasks
completed go to the JSON file named by LOAD_SAMPLES, which the benchmark reads.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import uuid
from collections import Counter
from http.cookiejar import Cookie, DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, LoadTestShape, between, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
SAMPLES_PATH = Path(os.environ["LOAD_SAMPLES"])
STEPS = [int(users) for users in os.environ.get("LOAD_STEPS", "25,50").split(",")]
STEP_SECONDS = float(os.environ.get("LOAD_STEP_SECONDS", "30"))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "10"))

ORG = PLAN["org"]
CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')
CSRF_IN_FORM = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ACCOUNT_LINK = re.compile(rf'href="/{re.escape(ORG)}/accounts/(\d+)/"')
COMPLETE_FORM = re.compile(rf'action="/{re.escape(ORG)}/tasks/(\d+)/complete/"')

# What the run did, written to LOAD_SAMPLES at the end.
samples: list[tuple[float, str, float, str, int]] = []  # start (epoch s), family, ms, outcome, status
step_starts: list[tuple[float, int]] = []  # (epoch s, users)
notes_posted: list[str] = []  # the markers of the notes the server answered 200 for
tasks_completed: set[int] = set()
errors: Counter[str] = Counter()


def is_shed(response: Any) -> bool:
    """The overload answer: 503 with Retry-After, before the app did anything."""
    return response is not None and response.status_code == 503 and bool(response.headers.get("Retry-After"))


@events.request.add_listener
def record(
    name: str, response_time: float, response: Any, exception: Exception | None, start_time: float, **_: Any
) -> None:
    status = getattr(response, "status_code", 0) or 0
    outcome = "ok" if exception is None else "shed" if is_shed(response) else "error"
    if outcome == "error":
        errors[f"{name}: {str(exception)[:160]}"] += 1
    samples.append((start_time, name, response_time, outcome, status))


_written = False


@events.test_stop.add_listener
def write_samples(**_: Any) -> None:
    global _written
    if _written:
        return
    _written = True
    SAMPLES_PATH.write_text(
        json.dumps(
            {
                "samples": samples,
                "steps": step_starts,
                "notes_posted": notes_posted,
                "tasks_completed": sorted(tasks_completed),
                "errors": errors.most_common(20),
            }
        )
    )


events.quitting.add_listener(write_samples)


class BehindTheProxy(DefaultCookiePolicy):
    """Send the Secure cookies over the loopback: locust stands where the TLS-terminating proxy would (the stdlib
    policy sends them over https only, and geventhttpclient's requests say http)."""

    def return_ok_secure(self, cookie: Cookie, request: Any) -> bool:
        return True


class Steps(LoadTestShape):
    """LOAD_STEPS users, one step every LOAD_STEP_SECONDS, then stop."""

    def tick(self) -> tuple[int, float] | None:
        step = int(self.get_run_time() // STEP_SECONDS)
        if step >= len(STEPS):
            return None
        if len(step_starts) == step:
            step_starts.append((time.time(), STEPS[step]))
        return STEPS[step], SPAWN_RATE


class Person(FastHttpUser):
    """A member of the organization in a browser; CSMs and managers below differ in who they are and what they pick."""

    abstract = True
    wait_time = between(1, 3)
    emails: list[str] = []

    def on_start(self) -> None:
        self.email = random.choice(self.emails)
        self.logged_in = False
        self.csrf = ""
        self.account_ids: list[int] = []  # the last list's rows
        self.account_id: int | None = None  # the account last opened
        self.task_ids: list[int] = []  # the open tasks last listed
        self.origin = self.host.replace("http://", "https://", 1)
        self.client.cookiejar.set_policy(BehindTheProxy())
        self.log_in()

    # -- helpers ------------------------------------------------------------------------------------------------

    def get(self, path: str, family: str, htmx_target: str = "") -> str | None:
        """GET a page that must answer 200 itself (a redirect means the session was lost); its HTML, or None."""
        headers = {"X-Forwarded-Proto": "https"}
        if htmx_target:
            headers |= {"HX-Request": "true", "HX-Target": htmx_target, "HX-Current-URL": self.origin + path}
        with self.client.get(
            path, name=family, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} (expected 200)")
                return None
            text = response.text or ""
            if not htmx_target:
                found = CSRF_IN_PAGE.search(text)
                if found is None:
                    response.failure("no CSRF token in the page")
                    return None
                self.csrf = found.group(1)
            return text

    def post_htmx(self, path: str, family: str, fields: dict[str, str], target: str, referer: str) -> Any:
        """An htmx post from the page at `referer`, as the browser sends it (hx-headers carries the CSRF token)."""
        headers = {
            "X-Forwarded-Proto": "https",
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + referer,
            "X-CSRFToken": self.csrf,
            "HX-Request": "true",
            "HX-Target": target,
            "HX-Current-URL": self.origin + referer,
        }
        body = urlencode({"csrfmiddlewaretoken": self.csrf, **fields})
        return self.client.post(
            path, name=family, data=body, headers=headers, allow_redirects=False, catch_response=True
        )

    def log_in(self) -> None:
        """The login form, then the redirects a browser follows to the start page. Logged in once the form's post
        was accepted (a page after it may still be shed: the next one fetches a fresh CSRF token)."""
        self.csrf, self.account_id, self.task_ids = "", None, []
        with self.client.get(
            "/login/", name="login form", headers={"X-Forwarded-Proto": "https"}, catch_response=True
        ) as response:
            found = CSRF_IN_FORM.search(response.text or "") if response.status_code == 200 else None
            if found is None:
                response.failure(f"{response.status_code}: no login form")
                return
        body = urlencode({"csrfmiddlewaretoken": found.group(1), "username": self.email, "password": PLAN["password"]})
        headers = {
            "X-Forwarded-Proto": "https",
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + "/login/",
        }
        with self.client.post(
            "/login/", name="login", data=body, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302 or response.headers.get("Location") != "/":
                response.failure(f"{response.status_code} to {response.headers.get('Location')!r} (expected 302 to /)")
                return
        self.logged_in = True
        with self.client.get(
            "/", name="home redirect", headers={"X-Forwarded-Proto": "https"}, allow_redirects=False,
            catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 302 or response.headers.get("Location") != f"/{ORG}/":
                response.failure(f"{response.status_code} to {response.headers.get('Location')!r}")
                return
        self.get(f"/{ORG}/", "start page")

    def working(self) -> bool:
        """Logged in; if a login was refused (an overloaded server sheds it too), try again first."""
        if not self.logged_in:
            self.log_in()
        return self.logged_in

    def list_query(self) -> str:
        return random.choice(PLAN["list_queries"])

    def tasks_path(self) -> str:
        return f"/{ORG}/tasks/"

    def board_path(self) -> str:
        # Where a CSM's board opens: their own accounts (a CSM's /board/ without filters redirects there).
        return f"/{ORG}/board/?owner=me"

    # -- what a person does ---------------------------------------------------------------------------------------

    @task(3)
    def start_page(self) -> None:
        if self.working():
            self.get(f"/{ORG}/", "start page")

    @task(3)
    def accounts_list(self) -> None:
        if self.working():
            text = self.get(f"/{ORG}/accounts/{self.list_query()}", "accounts list")
            if text:
                self.account_ids = [int(pk) for pk in ACCOUNT_LINK.findall(text)]

    @task(3)
    def accounts_list_filtered(self) -> None:
        """A filter or sort changed on the list: htmx fetches the results partial."""
        if self.working():
            text = self.get(f"/{ORG}/accounts/{self.list_query()}", "accounts list (htmx)", htmx_target="results")
            if text:
                self.account_ids = [int(pk) for pk in ACCOUNT_LINK.findall(text)] or self.account_ids

    @task(4)
    def account_360(self) -> None:
        if self.working():
            pk = random.choice(self.account_ids or PLAN["accounts"])
            if self.get(f"/{ORG}/accounts/{pk}/", "account 360") is not None:
                self.account_id = pk

    @task(2)
    def tasks_page(self) -> None:
        if self.working():
            text = self.get(self.tasks_path(), "tasks")
            if text is not None:
                self.task_ids = [int(pk) for pk in COMPLETE_FORM.findall(text) if int(pk) not in tasks_completed]

    @task(1)
    def pipeline_board(self) -> None:
        if self.working():
            self.get(self.board_path(), "pipeline board")

    @task(1)
    def ticket_board(self) -> None:
        if self.working():
            self.get(f"/{ORG}/tickets/board/", "ticket board")

    @task(1)
    def add_note(self) -> None:
        if not self.working():
            return
        if self.account_id is None or not self.csrf:
            self.account_360()
            return
        marker = f"{PLAN['run_token']}-{uuid.uuid4().hex[:12]}"
        page = f"/{ORG}/accounts/{self.account_id}/"
        body = {"kind": "note", "body": f"Load test note {marker}", "contact": "", "duration_minutes": ""}
        with self.post_htmx(f"{page}notes/", "note", body, "timeline-card", page) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} (expected 200)")
            elif marker not in (response.text or ""):
                response.failure("the new note is not in the timeline")
            else:
                notes_posted.append(marker)

    @task(1)
    def complete_task(self) -> None:
        if not self.working():
            return
        if not self.task_ids or not self.csrf:
            self.tasks_page()
            return
        pk = self.task_ids.pop(random.randrange(len(self.task_ids)))
        page = self.tasks_path()
        fields = {"next": page}
        with self.post_htmx(f"/{ORG}/tasks/{pk}/complete/", "task complete", fields, f"task-{pk}", page) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} (expected 200)")
            else:
                tasks_completed.add(pk)


class Csm(Person):
    weight = 4
    emails = PLAN["csms"]


class Manager(Person):
    """Everyone's book by default; looks at one CSM's tasks at a time (and completes one of theirs)."""

    weight = 1
    emails = PLAN["managers"]

    def on_start(self) -> None:
        super().on_start()
        self.assignee = random.choice(PLAN["csm_ids"])

    def tasks_path(self) -> str:
        return f"/{ORG}/tasks/?assignee={self.assignee}"

    def board_path(self) -> str:
        return f"/{ORG}/board/"  # everyone's accounts, a manager's default
