"""Benchmarks of the CSV import.

A CSV import of 50,000 rows (accounts with a contact each, tags, owners, dates, a custom field) runs in under 60 s
with a peak memory under 500 MB, decoding, checking and writing included.

Checking a 20 MB file of 1,000,000 short rows (the worker's check step: every row read, checked and matched) peaks
under 300 MB of resident memory. Its time and memory are printed beside two references measured in the same run:
the bare `csv.reader` over the file, and a raw `COPY` of the file into a temporary table. Storing the upload (the web
request's part) is measured too.

It runs the import as an admin would, `manage.py import_accounts_csv`, in a child process with production settings
on the benchmark database (as the app role: row-level security applies), and measures the child's wall time and its
peak resident memory. A second run of the same file, where every account is unchanged, is measured too.

The import writes to its own organization, /import-bench/, outside any test transaction (the child must see the
data); it is removed before and after, so the benchmark database that `make bench` keeps between runs does not grow.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connections
from psycopg import sql

from accounts.models import Account, AccountTag, Contact, CustomField
from csm.models import ActivityLog, Organization, Role, User
from csm.tenancy import activate
from tests.conftest import make_member, make_organization

ROOT = Path(__file__).resolve().parents[2]
SLUG = "import-bench"
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "50000"))
MAX_SECONDS = 60
MAX_RSS_MB = 500
TAGS = ["enterprise", "pilot", "emea", "amer", "apac", "upsell", "at-risk", "reference", "beta", "partner"]
STAGES = ["Trial", "Onboarding", "Adoption", "Mature", "Renewal"]
TIERS = ["Tech-touch", "SMB", "Enterprise"]
ROLES = ["Champion", "executive_sponsor", "Decision maker", "user", "Billing"]


def remove_organization(slug: str) -> None:
    """Every row of the organization and its people, as the owner with foreign-key triggers off: the rows all go
    together, and checking each deleted account against every table that may point to it would take hours on the
    benchmark database (those checks cannot use the indexes, which lead with the organization)."""
    owner = settings.TEST_DATABASE_OWNER
    with psycopg.connect(
        host=owner.get("HOST") or None, port=owner.get("PORT") or None, user=owner.get("USER"),
        password=owner.get("PASSWORD") or None, dbname=connections["default"].settings_dict["NAME"],
    ) as connection, connection.transaction():  # fmt: skip
        found = connection.execute("SELECT id FROM csm_organization WHERE slug = %s", [slug]).fetchone()
        if found is None:
            return
        connection.execute("SET LOCAL session_replication_role = replica")
        tables = connection.execute(
            "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t "
            "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
            "WHERE c.table_schema = 'public' AND c.column_name = 'organization_id' AND t.table_type = 'BASE TABLE'"
        ).fetchall()
        for (table,) in tables:
            connection.execute(
                sql.SQL("DELETE FROM {} WHERE organization_id = %s").format(sql.Identifier(table)), [found[0]]
            )
        connection.execute("DELETE FROM csm_user WHERE email LIKE %s", [f"%@{slug}.test"])
        connection.execute("DELETE FROM csm_organization WHERE id = %s", [found[0]])


@pytest.fixture
def organization(django_db_setup: None, django_db_blocker: Any) -> Iterator[Organization]:
    """The benchmark's organization, committed (no test transaction around it), with three members."""
    with django_db_blocker.unblock():
        remove_organization(SLUG)
        organization = make_organization("Import bench", SLUG)
        for name, role in (("admin", Role.ADMIN), ("carol", Role.CSM), ("dana", Role.CSM)):
            make_member(organization, f"{name}@{SLUG}.test", role)
        with activate(organization):
            CustomField.objects.create(organization=organization, key="region", label="Region")
        yield organization
        remove_organization(SLUG)


def write_csv(path: Path, owners: list[str]) -> None:
    rng = random.Random(42)
    lines = [
        "Company,External id,Website,Owner email,Tier,Stage,Plan,Start date,Renewal date,MRR,Tags,Region,"
        "Contact name,Contact email,Contact title,Contact role"
    ]
    for i in range(ROWS):
        tags = "|".join(rng.sample(TAGS, 2))
        lines.append(
            f'"Customer {i:05d}, Inc.",CRM-{i:05d},customer{i}.example.com,{owners[i % len(owners)]},'
            f"{TIERS[i % 3]},{STAGES[i % 5]},Pro,2024-{i % 12 + 1:02d}-{i % 28 + 1:02d},"
            f'2026-{i % 12 + 1:02d}-15,"{rng.randint(100, 99_999):,}.{i % 100:02d}",{tags},EMEA,'
            f"Person {i},person{i}@customer{i}.example.com,Head of Operations,{ROLES[i % 5]}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _url(alias: str) -> str:
    config = connections[alias].settings_dict
    return f"postgres://{config['USER']}:{config['PASSWORD'] or ''}@{config['HOST']}:{config['PORT']}/{config['NAME']}"


# Runs manage.py and, on the way out, writes the process's peak resident memory (VmHWM, in kB) to the file named by
# its first argument. The child's own figure: the rusage of a waited-for child (RUSAGE_CHILDREN, wait4) would not
# do, since Linux counts in it the resident memory of the parent that forked it, the test session's.
MEASURED = """
import atexit, re, runpy, sys
peak_file = sys.argv.pop(1)
def write_peak():
    with open("/proc/self/status") as status, open(peak_file, "w") as out:
        out.write(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1))
atexit.register(write_peak)
sys.argv = sys.argv[1:]
runpy.run_path("manage.py", run_name="__main__")
"""


def run_import(path: Path, email: str) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """The import in a child process: its wall time, its own peak resident memory in MB, and its output."""
    env = _production_env()
    with tempfile.TemporaryDirectory() as folder:
        peak_file = Path(folder) / "peak"
        command = [sys.executable, "-c", MEASURED, str(peak_file), "manage.py", "import_accounts_csv", "--org", SLUG,
                   "--file", str(path), "--as", email]  # fmt: skip
        started = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
        seconds = time.perf_counter() - started
        # No figure (the child died before its exit handlers ran) fails the memory assertion.
        peak_mb = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("inf")
    return seconds, peak_mb, result


def _production_env() -> dict[str, str]:
    # Production settings: with DEBUG, Django would keep every SQL statement in memory.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csm.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "localhost",
        "EMAIL_URL": "smtp://localhost:25",
        "DATABASE_URL": _url("default"),
        "DATABASE_OPS_URL": _url("ops"),
        "REDIS_URL": settings.REDIS_URL,
    }
    env.pop("DATABASE_OWNER_URL", None)
    return env


def test_importing_50000_rows_is_fast_and_lean(tmp_path, organization):
    path = tmp_path / "accounts.csv"
    write_csv(path, [f"carol@{SLUG}.test", f"dana@{SLUG}.test", f"admin@{SLUG}.test"])
    admin = f"admin@{SLUG}.test"

    seconds, peak, result = run_import(path, admin)
    print(f"\nimport {ROWS:,} rows: {seconds:.1f} s, peak RSS {peak:.0f} MB")
    assert result.returncode == 0, result.stderr[-3000:]
    print("\n".join(line for line in result.stdout.splitlines() if not line.startswith("  ")))
    with activate(organization):
        assert Account.objects.count() == ROWS and Contact.objects.count() == ROWS
        assert AccountTag.objects.count() == 2 * ROWS
        assert ActivityLog.objects.filter(verb="account.imported").count() == ROWS
        assert not Account.objects.exclude(owner__in=User.objects.filter(email__endswith=f"@{SLUG}.test")).exists()
    assert seconds < MAX_SECONDS
    assert peak < MAX_RSS_MB

    again, peak, result = run_import(path, admin)
    print(f"import {ROWS:,} rows again, every account unchanged: {again:.1f} s, peak RSS {peak:.0f} MB")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"accounts 0 created, 0 updated, {ROWS:,} unchanged" in result.stdout
    assert again < MAX_SECONDS
    assert peak < MAX_RSS_MB


# -- Checking a 20 MB file of 1,000,000 short rows ---------------------------------------------------------------

CHECK_ROWS = int(os.environ.get("BENCH_CHECK_ROWS", "1000000"))
CHECK_MAX_RSS_MB = 300

# One step of the import in a child process with production settings, as the web process or the worker runs it:
# `upload` stores the file, `check` checks the stored job's every row; `csv` (the bare csv reader over the file)
# and `copy` (COPY of the file into a temporary table) are the references. It prints one JSON line: the step's own
# seconds (Django's start-up left out), the resident memory before it and the process's peak (VmHWM), in MB.
STEP = """
import csv, json, re, sys, time
step, path, slug, email, job_id = sys.argv[1:6]
import django
django.setup()
from django.db import connection
from accounts.models import ImportJob
from accounts.services import importing
from csm.models import Organization, User
from csm.tenancy import activate

def memory(key):
    with open("/proc/self/status") as status:
        return int(re.search(key + r":\\s+(\\d+) kB", status.read()).group(1)) / 1024

organization = Organization.objects.get(slug=slug)
user = User.objects.get(email=email)
before = memory("VmRSS")
started = time.perf_counter()
out = {}
if step == "upload":
    # What the upload view does with the file that Django streamed to a temporary file.
    with activate(organization), open(path, "rb") as file:
        job = importing.create_import(actor=user, filename="short-rows.csv", raw=file)
    out["job"] = job.pk
elif step == "check":
    # What the check task does (accounts.tasks.check_import), once the mapping page has asked for it. The time each
    # phase starts is taken from the progress it reports.
    phases = {}
    class Timed(importing.CheckProgress):
        def __call__(self, phase, done):
            phases.setdefault(phase, round(time.perf_counter() - started, 1))
            super().__call__(phase, done)
    importing.CheckProgress = Timed
    with activate(organization):
        ImportJob.objects.filter(pk=int(job_id)).update(status="checking")
    with activate(organization):
        importing.run_check(job_id=int(job_id), actor_id=user.pk)
        job = ImportJob.objects.get(pk=int(job_id))
    out.update(status=job.status, rows=job.total_rows, plan=job.summary.get("plan"))
    out.update(errors=job.summary.get("error_count"), phases=phases)
elif step == "csv":
    with open(path, newline="", encoding="utf-8") as file:
        out["rows"] = sum(1 for _ in csv.reader(file)) - 1
else:
    with activate(organization), connection.cursor() as cursor, open(path, "rb") as file:
        cursor.execute("CREATE TEMPORARY TABLE bench_copy (name text, website text, mrr text) ON COMMIT DROP")
        with cursor.cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while block := file.read(1 << 20):
                copy.write(block)
        cursor.execute("SELECT count(*) FROM bench_copy")
        out["rows"] = cursor.fetchone()[0]
out.update(seconds=time.perf_counter() - started, before_mb=before, peak_mb=memory("VmHWM"))
print(json.dumps(out))
"""


def write_short_rows(path: Path) -> None:
    """About 20 MB: a name, a domain and an MRR on each of CHECK_ROWS rows, every account new."""
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("Company,Website,MRR\n")
        for start in range(0, CHECK_ROWS, 10_000):
            stop = min(start + 10_000, CHECK_ROWS)
            file.write("".join(f"C{i},c{i}.io,{i % 9 + 1}\n" for i in range(start, stop)))


def run_step(step: str, path: Path, email: str, job_id: int = 0) -> dict[str, Any]:
    command = [sys.executable, "-c", STEP, step, str(path), SLUG, email, str(job_id)]
    result = subprocess.run(
        command, cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=1200, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def test_checking_a_20_mb_file_of_1000000_rows_stays_under_300_mb(tmp_path, organization):
    path = tmp_path / "short-rows.csv"
    write_short_rows(path)
    admin = f"admin@{SLUG}.test"
    size_mb = path.stat().st_size / 1024 / 1024

    def line(label: str, figures: dict[str, Any]) -> str:
        return (
            f"{label:<34} {figures['seconds']:6.1f} s   peak RSS {figures['peak_mb']:6.0f} MB "
            f"(+{figures['peak_mb'] - figures['before_mb']:.0f} MB over the {figures['before_mb']:.0f} MB before it)"
        )

    reference = run_step("csv", path, admin)
    copied = run_step("copy", path, admin)
    assert reference["rows"] == copied["rows"] == CHECK_ROWS
    upload = run_step("upload", path, admin)
    check = run_step("check", path, admin, upload["job"])
    print(f"\ncheck a {size_mb:.1f} MB file of {CHECK_ROWS:,} rows:")
    print(line("reference: csv.reader over the file", reference))
    print(line("reference: COPY into a temp table", copied))
    print(line("upload (the web request)", upload))
    print(line("check (the worker)", check))
    print(f"outcome: {check['status']}, {check['rows']:,} rows, plan {check['plan']}, {check['errors']} problems")
    if check.get("phases"):
        print("the check's phases start at (s): " + ", ".join(f"{k} {v}" for k, v in check["phases"].items()))
    assert check["status"] == "valid" and check["rows"] == CHECK_ROWS
    assert check["plan"]["accounts_created"] == CHECK_ROWS
    assert check["peak_mb"] < CHECK_MAX_RSS_MB
