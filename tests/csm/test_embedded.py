"""`make run` on a fresh data folder: the embedded PostgreSQL starts, is provisioned with the production roles (so
row-level security is on), migrated and seeded; the demo logins work and an outsider's organization answers 404;
Ctrl-C stops every process, the database included; the next start reuses the data and seeds nothing twice.

The suite itself runs on the machine's PostgreSQL; this is the one test of the embedded one, through the real
command (`manage.py run_local`, which `make run` runs).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import psycopg
import pytest

from csm import embedded

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "/demo/", "/demo/accounts/", "/demo/accounts/?sort=owner", "/demo/accounts/?q=north&sort=-renewal",
    "/demo/accounts/export.csv", "/demo/tasks/", "/demo/tickets/", "/demo/tickets/board/", "/demo/board/",
    "/demo/accounts/import/", "/demo/settings/activity/",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "DJANGO_SETTINGS_MODULE", "TEST_DATABASE", "CELERY_"))
    }
    return env | {"CSM_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "csm.settings", "DEBUG": "true"}


class Stack:
    """`manage.py run_local` in its own process group, as `make run` starts it."""

    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / f"run_local-{self.port}.log"
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_local", "--port", str(self.port)],
            cwd=ROOT,
            env=_environment(data_dir),
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_for_login_page(self, timeout: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(self.base + "/login/", timeout=5) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        pytest.fail(f"no login page after {timeout} s:\n{self.log.read_text()[-3000:]}")

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def interrupt(self) -> None:
        """Ctrl-C: the terminal sends SIGINT to the foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=60)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


class Browser:
    """A person at the login form, with cookies, as far as urllib goes."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self, email: str, password: str) -> int:
        _, page = self.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:2000]
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "username": email, "password": password}
        ).encode()
        request = urllib.request.Request(self.base + "/login/", data=data, headers={"Referer": self.base + "/login/"})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _server_processes(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if any(str(data_dir) in part for part in cmdline):
            found.append(process)
    return found


def _count_accounts(socket_folder: Path, role: str, organization_slug: str | None) -> int:
    with psycopg.connect(host=str(socket_folder), user=role, dbname=embedded.DATABASE_NAME) as connection:
        if organization_slug is not None:
            # The tenant's id, read as the owner; then the app role's transaction-local setting, as activate() does.
            with psycopg.connect(host=str(socket_folder), user=embedded.OWNER_ROLE, dbname="csm") as owner:
                row = owner.execute("SELECT id FROM csm_organization WHERE slug = %s", [organization_slug]).fetchone()
            assert row is not None
            connection.execute("SELECT set_config('app.organization_id', %s, true)", [str(row[0])])
        result = connection.execute("SELECT count(*) FROM accounts_account").fetchone()
    assert result is not None
    return int(result[0])


def test_make_run_serves_the_demo_on_embedded_postgresql_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    stack = Stack(data_dir)
    try:
        first_start = stack.wait_for_login_page(timeout=180)
        # RLS is on: the app role sees no account without a tenant, the demo's 300 with it; the ops role bypasses it.
        socket_folder = embedded.socket_folder(embedded.data_folder(data_dir))
        assert _count_accounts(socket_folder, embedded.APP_ROLE, None) == 0
        assert _count_accounts(socket_folder, embedded.APP_ROLE, "demo") == 300
        assert _count_accounts(socket_folder, embedded.OPS_ROLE, None) == 300

        csm = Browser(stack.base)
        assert csm.log_in("csm@demo.test", "demo1234") == 302
        assert csm.get("/demo/")[0] == 200
        assert csm.get("/acme/")[0] == 404
        admin = Browser(stack.base)
        assert admin.log_in("admin@demo.test", "demo1234") == 302
        assert [(page, admin.get(page)[0]) for page in PAGES] == [(page, 200) for page in PAGES]
        assert _server_processes(data_dir), "the embedded PostgreSQL runs from the data folder"
        children = stack.descendants()

        stack.interrupt()
        assert stack.process.returncode == 0, stack.log.read_text()[-3000:]
        time.sleep(0.5)
        assert [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []
        assert _server_processes(data_dir) == []
        assert not (embedded.data_folder(data_dir) / "postmaster.pid").exists()

        # The next start reuses the database: quick, and nothing seeded twice.
        again = Stack(data_dir)
        stack = again
        second_start = again.wait_for_login_page(timeout=60)
        assert second_start < 30
        assert _count_accounts(socket_folder, embedded.OPS_ROLE, None) == 300
        assert Browser(again.base).log_in("manager@demo.test", "demo1234") == 302
        again.interrupt()
        assert _server_processes(data_dir) == []
        print(f"make run: first start {first_start:.1f} s, second {second_start:.1f} s")  # noqa: T201
    finally:
        stack.kill()
        if embedded.is_running(data_dir):
            embedded.stop(data_dir)
