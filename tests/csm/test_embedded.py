"""`make run`'s embedded database: the migrations and the demo seed work on SQLite too (the suite itself runs on
PostgreSQL, so this is the one place that would notice a PostgreSQL-only migration breaking `make run`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_make_runs_database_migrates_and_seeds_on_sqlite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "DJANGO_SETTINGS_MODULE", "TEST_DATABASE"))
    }
    env.update(CSM_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="csm.settings", DEBUG="true")
    for command in (["migrate", "-v", "0"], ["seed_demo"], ["seed_demo"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "db.sqlite3").exists()
    pages = [
        "/demo/", "/demo/accounts/", "/demo/accounts/?sort=owner", "/demo/accounts/?q=north&sort=-renewal",
        "/demo/accounts/1/", "/demo/accounts/export.csv", "/demo/tasks/", "/demo/tickets/", "/demo/tickets/board/",
        "/demo/board/", "/demo/accounts/import/", "/demo/settings/activity/",
    ]  # fmt: skip
    script = (
        "from django.test import Client; from django.test.utils import setup_test_environment; "
        "setup_test_environment(); from csm.models import User; client = Client(); "
        "client.force_login(User.objects.get(email='admin@demo.test')); "
        f"print([(page, client.get(page).status_code) for page in {pages!r}])"
    )
    answers = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert answers.returncode == 0, answers.stderr[-3000:]
    assert str([(page, 200) for page in pages]) in answers.stdout, answers.stdout + answers.stderr[-3000:]
    assert "300 accounts" in subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from csm.tenancy import activate; from csm.models import Organization; from accounts.models import Account;"
         "org = Organization.objects.get(slug='demo');"
         "exec('with activate(org): print(Account.objects.count(), \\\"accounts\\\")')"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
