"""Benchmark: a CSV import of 50,000 rows (accounts with a contact each, tags, owners, dates, a custom field) runs in
under 60 s with a peak memory under 500 MB, decoding, checking and writing included.

It runs the import as an admin would, `manage.py import_accounts_csv`, in a child process with production settings
on the benchmark database (as the app role: row-level security applies), and measures the child's wall time and its
peak resident memory. A second run of the same file, where every account is unchanged, is measured too.

The import writes to its own organization, /import-bench/, outside any test transaction (the child must see the
data); it is removed before and after, so the benchmark database that `make bench` keeps between runs does not grow.
"""

from __future__ import annotations

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
