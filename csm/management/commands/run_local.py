"""`make run`: start the embedded PostgreSQL (unless DATABASE_URL names another server), provision and migrate it,
seed the demo, then run the web server and one Celery worker with embedded beat.

Each child runs in its own process group; Ctrl-C (or SIGTERM) stops both groups, waits for them and escalates to
SIGKILL for anything that lingers, then stops the embedded PostgreSQL (which runs in a process group of its own), so
nothing started here outlives the command. The database's data stays under `.data/postgres` for the next start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from csm import embedded
from csm.demo import DEMO_PASSWORD, ORGANIZATIONS

STOP_TIMEOUT = 10


def site_url(port: int) -> str:
    """The site's address for links in emails: SITE_URL when set, else this server's own (`PORT=9000 make run`
    sends invitations that point at port 9000), for this process and the web and worker processes it starts."""
    url = os.environ.get("SITE_URL") or f"http://localhost:{port}"
    os.environ["SITE_URL"] = settings.SITE_URL = url.rstrip("/")
    return settings.SITE_URL


class Command(BaseCommand):
    help = "Run the embedded stack: migrations, demo data, web server and a Celery worker with beat."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = self.serving = False
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        if not settings.EMBEDDED_DATABASE:
            self._serve(options["host"], options["port"])
            return
        try:
            self._start_database()
            self._serve(options["host"], options["port"])
        finally:
            connections.close_all()
            embedded.stop(settings.DATA_DIR)

    def _start_database(self) -> None:
        """Start (the first time: create) the embedded server and its database, as the next commands expect."""
        started = time.monotonic()
        socket = embedded.start(settings.DATA_DIR)
        # The settings read the socket's folder from a running server; this process read them before it started.
        for alias, config in settings.DATABASES.items():
            config["HOST"] = connections[alias].settings_dict["HOST"] = str(socket)
        if embedded.create_database(socket):
            self.stdout.write(f"Created the embedded PostgreSQL database in {embedded.data_folder(settings.DATA_DIR)}")
        self.stdout.write(f"Embedded PostgreSQL ready in {time.monotonic() - started:.1f} s")

    def _serve(self, host: str, port: int) -> None:
        site_url(port)
        with open(os.devnull, "w") as quiet:
            call_command("provision_db", verbosity=0, stdout=quiet)
            call_command("seed_demo", verbosity=0, stdout=quiet)

        python = sys.executable
        children: list[subprocess.Popen[bytes]] = [
            subprocess.Popen(
                [python, "manage.py", "runserver", f"{host}:{port}", "--noreload", "--skip-checks"],
                start_new_session=True,
            ),
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "csm",
                    "worker",
                    "--beat",
                    "--pool=solo",
                    "--loglevel=WARNING",
                    f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
                ],
                start_new_session=True,
            ),
        ]
        self._banner(host, port)
        self.serving = True
        try:
            while not self.stopping and all(child.poll() is None for child in children):
                time.sleep(0.3)
        finally:
            self._stop(children)
        failed = [child for child in children if child.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if not self.stopping and failed:
            self.stderr.write("A process of the stack exited unexpectedly; everything was stopped.")
            sys.exit(1)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # While the stack runs, the loop above notices and stops it; before (migrating, seeding), the command
        # unwinds at once and its `finally` stops the database.
        self.stopping = True
        if not self.serving:
            raise KeyboardInterrupt

    def _banner(self, host: str, port: int) -> None:
        shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104 - a name to show
        lines = ["", f"  Customer Success is running at http://{shown_host}:{port}/", "", "  Demo logins:"]
        for spec in ORGANIZATIONS:
            for email, _name, role in spec.people:
                lines.append(f"    {email:<22} {role.label:<8} organization /{spec.slug}/")
        lines += [f"  Password for all: {DEMO_PASSWORD}", "", "  Press Ctrl-C to stop.", ""]
        self.stdout.write("\n".join(lines))

    def _stop(self, children: list[subprocess.Popen[bytes]]) -> None:
        # Ask each leader to stop (the worker then shuts its own pool down warmly), wait, then kill whatever is left
        # in each process group.
        for child in children:
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
        for child in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
