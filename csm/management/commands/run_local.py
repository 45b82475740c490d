"""`make run`: migrate, seed the demo, then run the web server and one Celery worker with embedded beat.

Each child runs in its own process group; Ctrl-C (or SIGTERM) stops both groups, waits for them and escalates to
SIGKILL for anything that lingers, so nothing started here outlives the command.
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

from csm.demo import DEMO_PASSWORD, ORGANIZATIONS

STOP_TIMEOUT = 10


class Command(BaseCommand):
    help = "Run the embedded stack: migrations, demo data, web server and a Celery worker with beat."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        port: int = options["port"]
        host: str = options["host"]
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115

        python = sys.executable
        children: list[subprocess.Popen[bytes]] = [
            subprocess.Popen(
                [python, "manage.py", "runserver", f"{host}:{port}", "--noreload", "--skip-checks"],
                start_new_session=True,
            ),
            subprocess.Popen(
                [
                    python, "-m", "celery", "-A", "csm", "worker", "--beat", "--pool=solo",
                    "--loglevel=WARNING", f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
                ],
                start_new_session=True,
            ),
        ]  # fmt: skip
        self._banner(host, port)

        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.3)
        finally:
            self._stop(children)
        failed = [child for child in children if child.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if not stopping and failed:
            self.stderr.write("A process of the stack exited unexpectedly; everything was stopped.")
            sys.exit(1)

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
