"""Load test: CSMs and managers working the workspace at once, against gunicorn as production runs it.

The benchmark starts `gunicorn csm.wsgi:application` as the Dockerfile does (WEB_CONCURRENCY sync workers, default
3; the access log on) with production settings (DEBUG=false, whitenoise serving the static files collected into
.data/bench-load/static, Redis for the cache and the sessions, the app role on the benchmark database). Production
settings refuse to start without secrets, allowed hosts and an email service: the run makes random secrets for
itself, allows 127.0.0.1 and points SMTP at a closed port (nothing sends mail here). The people log in with
production's Argon2 (the generated organization was seeded under the test settings' MD5, which production does not
read, so their passwords are hashed again). Locust plays the TLS-terminating proxy
(tests/bench/load/locustfile.py says how), so the HTTPS redirect, the Secure cookies and the strict CSRF checks of
HTTPS all run as in production.

Locust (one process) runs headless, the users growing in steps (LOAD_STEPS, default 25,50,75,100,150,300, each
LOAD_STEP_SECONDS, default 50 s, LOAD_SPAWN_RATE new users a second, default 10). Each step is measured once its
users have all arrived and had LOAD_SETTLE_SECONDS (default 10 s) to log in and settle. Per step the report gives the
requests a second, p50/p95/p99 of the pages (logins apart), each page family's p95, the 503s that shed load (with
how fast they came), the errors, the CPU of gunicorn, PostgreSQL, locust and everything else on the machine, and the
bare request's p95 under that load (`/healthz`: no session, no database; it shows the time spent queueing).

Figures compare across machines through the same run's reference, timed through the same gunicorn before the load
starts, one request at a time: a bare page, the login form (the whole middleware stack and a small template, no
database: the kind of work the pages do, without their queries), whose p95 every p95 is also given as a multiple
of; and the bare `/healthz` (no session, no template), whose p50 and p95 are printed beside it.

It asserts no error (a request that failed in any other way than a 503 with Retry-After), every note posted kept
(the notes in the database are exactly those the server answered 200 for: none lost, none from a shed request) and
every task completed done. The goal (p95 under 1 s at 150 users, LOAD_GOAL_USERS and LOAD_P95_LIMIT_MS) is reported,
not asserted. The run's writes (notes, completed tasks, their timeline rows, the logins' access log) are undone at
the end, so the benchmark database stays the same from run to run.

Other knobs: LOAD_WEB_CONCURRENCY (gunicorn workers), LOAD_MANAGERS (manager accounts made for the test, default 5).
Every variable the app reads (WEB_QUEUE_TIMEOUT, DATABASE_CONN_MAX_AGE, ...) passes through to gunicorn from the
environment: `WEB_QUEUE_TIMEOUT=0 make bench` measures without load shedding.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil
import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection, connections

from accounts.models import Note, Task, TaskStatus
from csm.demo import DEMO_PASSWORD
from csm.models import Membership, Role, User
from csm.tenancy import activate
from tests.bench.conftest import Bench, say
from tests.bench.test_workspace_bench import LIST_CASES

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".data" / "bench-load"
LOCUSTFILE = ROOT / "tests" / "bench" / "load" / "locustfile.py"
BIN = Path(sys.executable).parent

STEPS = [int(users) for users in os.environ.get("LOAD_STEPS", "25,50,75,100,150,300").split(",")]
STEP_SECONDS = float(os.environ.get("LOAD_STEP_SECONDS", "50"))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "10"))
SETTLE_SECONDS = float(os.environ.get("LOAD_SETTLE_SECONDS", "10"))
WORKERS = int(os.environ.get("LOAD_WEB_CONCURRENCY", "3"))
MANAGERS = int(os.environ.get("LOAD_MANAGERS", "5"))
GOAL_USERS = int(os.environ.get("LOAD_GOAL_USERS", "150"))
P95_LIMIT_MS = float(os.environ.get("LOAD_P95_LIMIT_MS", "1000"))
REFERENCE_REQUESTS = 300
PROBE_INTERVAL = 0.25
LOGIN_FAMILIES = {"login form", "login", "home redirect"}
FAMILIES = [
    "login", "start page", "accounts list", "accounts list (htmx)", "account 360", "tasks", "pipeline board",
    "ticket board", "note", "task complete",
]  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    """Nearest rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str, timeout: float = 30) -> tuple[int, float]:
    """(status, milliseconds) of one GET on a new connection, as the sync workers serve every request."""
    started = time.perf_counter()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        client.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        response = client.getresponse()
        response.read()
        return response.status, (time.perf_counter() - started) * 1000
    finally:
        client.close()


# -- the people and the plan -------------------------------------------------------------------------------------


def _production_hash(password: str) -> str:
    """Argon2, as production hashes (the test settings hash with MD5, which production does not read)."""
    hasher = Argon2PasswordHasher()
    return hasher.encode(password, hasher.salt())


def load_people(bench: Bench) -> tuple[list[User], list[User]]:
    """The CSMs of the generated organization and MANAGERS manager accounts, all with the demo password."""
    slug = bench.organization.slug
    csms = list(User.objects.filter(email__in=[f"csm{i}@{slug}.test" for i in range(1, 6)]).order_by("email"))
    managers = []
    for i in range(1, MANAGERS + 1):
        email = f"manager{i}@{slug}.test"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=None, full_name=f"Load Manager {i}"
        )
        with activate(bench.organization):
            Membership.objects.get_or_create(
                organization=bench.organization, user=user, defaults={"role": Role.MANAGER}
            )
        managers.append(user)
    for user in [*csms, *managers]:
        if not user.password.startswith("argon2$"):
            User.objects.filter(pk=user.pk).update(password=_production_hash(DEMO_PASSWORD))
    return csms, managers


def write_plan(bench: Bench, csms: list[User], managers: list[User], token: str) -> Path:
    plan = {
        "org": bench.organization.slug,
        "password": DEMO_PASSWORD,
        "csms": [user.email for user in csms],
        "managers": [user.email for user in managers],
        "csm_ids": [user.pk for user in csms],
        "list_queries": [query.format(**bench.params) for _, query in LIST_CASES],
        "accounts": bench.random_accounts,
        "run_token": token,
    }
    path = WORK / "plan.json"
    path.write_text(json.dumps(plan))
    return path


# -- gunicorn as production runs it -------------------------------------------------------------------------------


def _url(settings_dict: dict[str, Any]) -> str:
    user = quote(settings_dict["USER"], safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    host, port = settings_dict.get("HOST") or "localhost", settings_dict.get("PORT") or 5432
    return f"postgres://{user}:{password}@{host}:{port}/{settings_dict['NAME']}"


def production_env() -> dict[str, str]:
    """What compose gives the web container, pointed at the benchmark database as the app and ops roles."""
    env = {key: value for key, value in os.environ.items() if key not in ("TEST_DATABASE_NAME", "DATABASE_OWNER_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="csm.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        EMAIL_URL="smtp://127.0.0.1:9",  # nothing in the load test sends mail
        TRUST_X_FORWARDED_PROTO="true",
        DATABASE_URL=_url(connection.settings_dict),
        DATABASE_OPS_URL=_url(connections["ops"].settings_dict),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://localhost:6379/0"),
        CSM_DATA_DIR=str(WORK / "data"),
        STATIC_ROOT=str(WORK / "static"),
        WEB_CONCURRENCY=str(WORKERS),
        PYTHONUNBUFFERED="1",
    )
    return env


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture(scope="module")
def server(bench: Bench) -> Iterator[Server]:
    WORK.mkdir(parents=True, exist_ok=True)
    env = production_env()
    started = time.monotonic()
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert collected.returncode == 0, collected.stderr
    say(f"\ncollectstatic took {time.monotonic() - started:.1f} s")
    port = free_port()
    log = WORK / "gunicorn.log"
    with log.open("wb") as output:
        # The Dockerfile's command, on a free loopback port.
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "csm.wsgi:application", "--bind", f"127.0.0.1:{port}", "--access-logfile", "-"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(port, "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, f"gunicorn exited: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"gunicorn did not answer: {log.read_text()[-2000:]}"
            time.sleep(0.2)
        yield Server(port=port, process=process, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# -- measuring while locust runs ------------------------------------------------------------------------------------


def everything(process: psutil.Process) -> bool:
    return True


class CpuMeter:
    """CPU seconds of process trees and of every other process, sampled every second (a process that ends keeps
    what it used). A tree's `keep` picks the descendants that count."""

    def __init__(self, roots: dict[str, tuple[psutil.Process, Callable[[psutil.Process], bool]]]) -> None:
        self.roots = roots
        self.started = time.time()
        self.seen: dict[str, dict[int, float]] = {name: {} for name in roots}
        self.samples: list[tuple[float, dict[str, float], float]] = []  # (epoch, seconds per tree, machine busy)
        # Everything else on the machine (another engineer's tests, say): pid -> (name, CPU seconds first, last).
        self.others: dict[int, tuple[str, float, float]] = {}

    def sample(self) -> None:
        trees: dict[int, str] = {}
        for name, (root, keep) in self.roots.items():
            try:
                family = [root, *(child for child in root.children(recursive=True) if keep(child))]
            except psutil.Error:
                family = []
            trees |= {process.pid: name for process in family}
        for process in psutil.process_iter(["name", "cpu_times", "create_time"]):
            times, created = process.info["cpu_times"], process.info["create_time"] or 0.0
            if times is None:
                continue
            seconds = times.user + times.system
            tree = trees.get(process.pid)
            if tree is not None:
                self.seen[tree][process.pid] = max(self.seen[tree].get(process.pid, 0.0), seconds)
            elif process.pid != os.getpid():
                name, first, _ = self.others.get(process.pid, (process.info["name"] or "?", None, 0.0))
                # A process started during the run counts from zero.
                first = first if first is not None else 0.0 if created >= self.started else seconds
                self.others[process.pid] = (name, first, seconds)
        machine = psutil.cpu_times()
        busy = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
        self.samples.append((time.time(), {name: sum(seen.values()) for name, seen in self.seen.items()}, busy))

    def shares(self, start: float, end: float) -> dict[str, float]:
        """Percent of one core per tree, and `other` (the machine's busy time less the trees), over [start, end]."""
        inside = [sample for sample in self.samples if start <= sample[0] <= end]
        if len(inside) < 2:
            return {}
        (t0, first, busy0), (t1, last, busy1) = inside[0], inside[-1]
        shares = {name: 100 * (last[name] - first[name]) / (t1 - t0) for name in first}
        shares["other"] = max(0.0, 100 * (busy1 - busy0) / (t1 - t0) - sum(shares.values()))
        return shares

    def busiest_others(self, count: int = 3) -> list[tuple[str, float]]:
        """The other processes that used the most CPU during the run, by name: CPU seconds."""
        used: dict[str, float] = {}
        for name, first, last in self.others.values():
            used[name] = used.get(name, 0.0) + last - first
        return sorted(used.items(), key=lambda item: -item[1])[:count]


@dataclass
class Background:
    """Two threads until stopped: one samples the CPU every second, one probes /healthz every PROBE_INTERVAL."""

    port: int
    meter: CpuMeter
    probes: list[tuple[float, float, int]] = field(default_factory=list)  # (epoch, ms, status)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self.threads = [threading.Thread(target=loop, daemon=True) for loop in (self.sample, self.probe)]
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def sample(self) -> None:
        while not self.stop.is_set():
            self.meter.sample()
            self.stop.wait(1)
        self.meter.sample()

    def probe(self) -> None:
        while not self.stop.is_set():
            started = time.time()
            try:
                status, ms = get(self.port, "/healthz")
            except OSError:
                status, ms = 0, (time.time() - started) * 1000
            self.probes.append((started, ms, status))
            self.stop.wait(PROBE_INTERVAL)


# "postgres: [15/main: ]user database host(port) state" (the cluster name where the packaging sets one).
CLIENT_BACKEND = re.compile(r"^postgres: (?:\S+: )?\S+ (\S+) (?:\S+\(\d+\)|\[local\])")


def postgres_tree() -> tuple[psutil.Process, Callable[[psutil.Process], bool]]:
    """The PostgreSQL server that holds the benchmark database: its postmaster, its background processes and the
    backends connected to this database (other databases' backends, another test run's, do not count)."""
    database = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = psutil.Process(cursor.fetchone()[0])
    parent = backend.parent()
    assert parent is not None

    def keep(process: psutil.Process) -> bool:
        try:
            title = " ".join(process.cmdline())
        except psutil.Error:
            return False
        client = CLIENT_BACKEND.match(title)
        return client is None or client.group(1) == database

    return parent, keep


# -- the run ---------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    token: str
    started: float
    result: dict[str, Any]
    background: Background
    reference: dict[str, dict[str, float]]
    people: list[User]


def reference(port: int) -> dict[str, dict[str, float]]:
    """Unloaded, one request at a time through the same gunicorn: the bare page (the login form) and /healthz."""
    timed = {}
    for name, path in (("page", "/login/"), ("bare", "/healthz")):
        for _ in range(20):
            assert get(port, path)[0] == 200, path
        durations = [get(port, path)[1] for _ in range(REFERENCE_REQUESTS)]
        timed[name] = {"p50": statistics.median(durations), "p95": percentile(durations, 0.95)}
    return timed


def run_locust(server: Server, plan: Path, samples: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "LOAD_PLAN": str(plan),
        "LOAD_SAMPLES": str(samples),
        "LOAD_STEPS": ",".join(map(str, STEPS)),
        "LOAD_STEP_SECONDS": str(STEP_SECONDS),
        "LOAD_SPAWN_RATE": str(SPAWN_RATE),
    }
    command = [
        str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", f"http://127.0.0.1:{server.port}",
        "--csv", str(WORK / "locust"), "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
        # The users finish what they are doing at the end (a note posted then must be answered and counted).
        "--stop-timeout", "60",
    ]  # fmt: skip
    with (WORK / "locust.log").open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def run(bench: Bench, server: Server, django_db_blocker: Any) -> Iterator[Run]:
    token = f"loadtest-{secrets.token_hex(6)}"
    with django_db_blocker.unblock():
        csms, managers = load_people(bench)
        plan = write_plan(bench, csms, managers, token)
        postgres = postgres_tree()
    samples_path = WORK / "samples.json"
    samples_path.unlink(missing_ok=True)
    ref = reference(server.port)
    started = time.time()
    process = run_locust(server, plan, samples_path)
    roots = {
        "gunicorn": (psutil.Process(server.process.pid), everything),
        "postgres": postgres,
        "locust": (psutil.Process(process.pid), everything),
    }
    background = Background(port=server.port, meter=CpuMeter(roots))
    background.start()
    try:
        process.wait(timeout=len(STEPS) * STEP_SECONDS + 180)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        background.finish()
    assert samples_path.is_file(), (WORK / "locust.log").read_text()[-3000:]
    result = json.loads(samples_path.read_text())
    people = [*csms, *managers]
    try:
        yield Run(token, started, result, background, ref, people)
    finally:
        with django_db_blocker.unblock():
            undo_the_run(bench, token, started, people)


def undo_the_run(bench: Bench, token: str, started: float, people: list[User]) -> None:
    """As the owner (the app role may not delete timeline rows): the run's notes, its completed tasks reopened, the
    timeline rows of both and the logins' access log, so the next run meets the same database."""
    owner = settings.TEST_DATABASE_OWNER
    people_ids = [user.pk for user in people]
    emails = [user.email for user in people]
    with psycopg.connect(
        host=owner.get("HOST") or None, port=owner.get("PORT") or None, user=owner.get("USER"),
        password=owner.get("PASSWORD") or None, dbname=connection.settings_dict["NAME"],
    ) as owner_connection, owner_connection.transaction():  # fmt: skip
        since = "to_timestamp(%s)"
        org = bench.organization.pk
        owner_connection.execute(
            f"DELETE FROM csm_activitylog WHERE organization_id = %s AND created_at >= {since} "
            "AND actor_user_id = ANY(%s) AND verb IN ('note.added', 'task.completed')",
            [org, started, people_ids],
        )
        owner_connection.execute(
            "DELETE FROM accounts_note WHERE organization_id = %s AND body LIKE %s", [org, f"%{token}%"]
        )
        owner_connection.execute(
            "UPDATE accounts_task SET status = 'open', completed_at = NULL, completed_by_id = NULL "
            f"WHERE organization_id = %s AND completed_by_id = ANY(%s) AND completed_at >= {since}",
            [org, people_ids, started],
        )
        owner_connection.execute(
            f"DELETE FROM axes_accesslog WHERE attempt_time >= {since} AND username = ANY(%s)", [started, emails]
        )


# -- the report ---------------------------------------------------------------------------------------------------


@dataclass
class Step:
    users: int
    start: float
    end: float
    window: tuple[float, float]
    seconds: float
    requests: int  # the pages started in the window
    completed: int  # requests of any kind (logins too) that ended in the window: the server's throughput
    completed_ok: int
    ok: list[float]
    families: dict[str, list[float]]
    shed: list[float]
    errors: int
    logins: int
    probe_p95: float
    cpu: dict[str, float]

    @property
    def p95(self) -> float:
        return percentile(self.ok, 0.95)


def steps_of(run: Run) -> list[Step]:
    samples = run.result["samples"]
    starts = run.result["steps"]
    last = max((start + ms / 1000 for start, _, ms, _, _ in samples), default=time.time())
    steps = []
    previous = 0
    for index, (start, users) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else last
        ramp = max(0, users - previous) / SPAWN_RATE
        window = (min(start + ramp + SETTLE_SECONDS, end), end)
        previous = users
        # A request belongs to the step it started in; the window is where the step has all its users.
        in_step = [s for s in samples if start <= s[0] < end]
        measured = [s for s in in_step if window[0] <= s[0] < window[1] and s[1] not in LOGIN_FAMILIES]
        completed = [s for s in samples if window[0] <= s[0] + s[2] / 1000 < window[1]]
        families: dict[str, list[float]] = {}
        for _, family, ms, outcome, _ in measured:
            if outcome == "ok":
                families.setdefault(family, []).append(ms)
        # The logins happen as the step's users arrive, before its window: all of the step's.
        families["login"] = [s[2] for s in in_step if s[1] == "login" and s[3] == "ok"]
        probes = [ms for at, ms, _ in run.background.probes if window[0] <= at < window[1]]
        steps.append(
            Step(
                users=users,
                start=start,
                end=end,
                window=window,
                seconds=window[1] - window[0],
                requests=len(measured),
                completed=len(completed),
                completed_ok=sum(1 for s in completed if s[3] == "ok"),
                ok=[ms for _, _, ms, outcome, _ in measured if outcome == "ok"],
                families=families,
                shed=[ms for _, _, ms, outcome, _ in measured if outcome == "shed"],
                errors=sum(1 for s in in_step if s[3] == "error"),
                logins=sum(1 for s in in_step if s[1] == "login" and s[3] == "ok"),
                probe_p95=percentile(probes, 0.95),
                cpu=run.background.meter.shares(*window),
            )
        )
    return steps


def crossing(steps: list[Step]) -> str:
    """Where the p95 of the pages passes the limit, interpolated between the steps around it."""
    below = None
    for step in steps:
        if step.p95 > P95_LIMIT_MS:
            if below is None:
                return f"already at {step.users} users (the first step)"
            fraction = (P95_LIMIT_MS - below.p95) / (step.p95 - below.p95)
            estimate = below.users + fraction * (step.users - below.users)
            return f"between {below.users} and {step.users} users (about {estimate:.0f} by linear interpolation)"
        below = step
    return f"not reached up to {steps[-1].users} users" if steps else "no step measured"


def report(run: Run, steps: list[Step]) -> str:
    page, bare = run.reference["page"], run.reference["bare"]
    ref = page["p95"]
    workers = os.environ.get("LOAD_WEB_CONCURRENCY", "3")
    queue = os.environ.get("WEB_QUEUE_TIMEOUT", f"{settings.WEB_QUEUE_TIMEOUT:g} (default)")

    def ms(value: float) -> str:
        return "    -" if math.isnan(value) else f"{value:>5.0f}"

    def times(value: float) -> str:
        return "     -" if math.isnan(value) else f"{value / ref:>5.0f}x"

    lines = [
        "",
        f"Load test: gunicorn ({workers} sync workers, DEBUG=false, WEB_QUEUE_TIMEOUT={queue}) on {os.cpu_count()} "
        f"cores; locust steps of {STEP_SECONDS:.0f} s, {SPAWN_RATE:.0f} users/s spawned, 1-3 s think time; each "
        f"step measured after its ramp and {SETTLE_SECONDS:.0f} s.",
        f"Reference, unloaded, {REFERENCE_REQUESTS} requests one at a time through the same gunicorn: the bare page "
        f"(GET /login/) p50 {page['p50']:.2f} ms, p95 {ref:.2f} ms (ref); /healthz p50 {bare['p50']:.2f} ms, p95 "
        f"{bare['p95']:.2f} ms. Load average at the end: "
        + " ".join(f"{value:.2f}" for value in os.getloadavg())
        + ".",
        "",
        "req/s and ok/s: requests of any kind (logins too) answered a second. p50-p99: the pages (logins apart) that"
        " succeeded; p95/ref: the p95 as a multiple of the bare page's. shed: the pages answered 503 with Retry-After"
        " (and their share; shed p95: how fast they came). bare p95: /healthz during the step"
        " (mostly queueing). CPU: % of one core (200% = the machine); other = the rest of the machine.",
        f"{'users':>5} {'req/s':>6} {'ok/s':>5} {'p50':>5} {'p95':>5} {'p99':>5} {'p95/ref':>7} {'shed':>5} {'%':>3} "
        f"{'shed p95':>8} {'errors':>6} {'bare p95':>8} {'gunicorn':>8} {'postgres':>8} {'locust':>6} {'other':>5}",
        "-" * 116,
    ]
    for step in steps:
        cpu = step.cpu
        lines.append(
            f"{step.users:>5} {step.completed / step.seconds:>6.1f} {step.completed_ok / step.seconds:>5.1f} "
            f"{ms(percentile(step.ok, 0.5))} {ms(step.p95)} {ms(percentile(step.ok, 0.99))} {times(step.p95):>7} "
            f"{len(step.shed):>5} {100 * len(step.shed) / max(1, step.requests):>3.0f} "
            f"{ms(percentile(step.shed, 0.95)):>8} {step.errors:>6} {ms(step.probe_p95):>8} "
            f"{cpu.get('gunicorn', math.nan):>7.0f}% {cpu.get('postgres', math.nan):>7.0f}% "
            f"{cpu.get('locust', math.nan):>5.0f}% {cpu.get('other', math.nan):>4.0f}%"
        )
    lines += [
        "",
        "p95 ms of each page family (x the reference); login: the form's post, all of the step's:",
        f"{'users':>5}  " + "  ".join(f"{family[:13]:>13}" for family in FAMILIES),
    ]
    for step in steps:
        p95s = [percentile(step.families.get(family, []), 0.95) for family in FAMILIES]
        cells = [f"{ms(p95)} {times(p95)}" for p95 in p95s]
        lines.append(f"{step.users:>5}  " + "  ".join(f"{cell:>13}" for cell in cells))
    goal = next((step for step in steps if step.users == GOAL_USERS), None)
    lines += ["", f"p95 passes {P95_LIMIT_MS:.0f} ms: {crossing(steps)}."]
    first_shed = next((step.users for step in steps if step.shed), None)
    if first_shed is not None:
        lines.append(f"Load shed (503) from {first_shed} users on.")
    if goal is not None:
        met = goal.p95 < P95_LIMIT_MS and goal.errors == 0 and not goal.shed
        lines.append(
            f"Goal, {GOAL_USERS} users with p95 under {P95_LIMIT_MS:.0f} ms, no error and nothing shed: "
            f"{'met' if met else 'NOT met'} (p95 {goal.p95:.0f} ms, {goal.errors} errors, {len(goal.shed)} shed)."
        )
    result = run.result
    lines.append(
        f"Notes posted: {len(result['notes_posted'])}; tasks completed: {len(result['tasks_completed'])}; logins: "
        f"{sum(step.logins for step in steps)}. Logs and locust's CSV: {WORK.relative_to(ROOT)}/."
    )
    meter = run.background.meter
    duration = (meter.samples[-1][0] - meter.samples[0][0]) if len(meter.samples) > 1 else math.nan
    others = ", ".join(
        f"{name} {seconds:.0f} s ({100 * seconds / duration:.0f}% of a core)"
        for name, seconds in meter.busiest_others()
        if seconds >= 1
    )
    lines.append(f"Other processes that used the CPU during the run: {others or 'none to speak of'}.")
    if result["errors"]:
        lines += ["Errors:", *(f"  {count:>5} {message}" for message, count in result["errors"])]
    return "\n".join(lines)


def test_load(bench: Bench, run: Run, django_db_blocker: Any) -> None:
    steps = steps_of(run)
    say(report(run, steps))
    result = run.result

    assert steps and all(step.ok for step in steps), "a step served no page"
    errors = sum(step.errors for step in steps)
    assert errors == 0, f"{errors} requests failed: {result['errors']}"
    with django_db_blocker.unblock(), activate(bench.organization):
        stored = set(Note.objects.filter(body__contains=run.token).values_list("body", flat=True))
        done = set(
            Task.objects.filter(pk__in=result["tasks_completed"], status=TaskStatus.DONE).values_list("pk", flat=True)
        )
    posted = {f"Load test note {marker}" for marker in result["notes_posted"]}
    assert stored == posted, f"{len(posted - stored)} notes lost, {len(stored - posted)} stored without a 200"
    assert done == set(result["tasks_completed"]), f"{len(set(result['tasks_completed']) - done)} tasks not done"
