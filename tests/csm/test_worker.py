"""A real Celery worker process, on the real Redis, runs a tenant task that changes the database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from csm import services
from csm.celery import app
from csm.models import ActivityLog, Invitation, Role
from csm.tenancy import activate

ROOT = Path(__file__).resolve().parents[2]


def _url(alias: str) -> str:
    config = connections[alias].settings_dict
    return f"postgres://{config['USER']}:{config['PASSWORD'] or ''}@{config['HOST']}:{config['PORT']}/{config['NAME']}"


@pytest.fixture
def worker_queue():
    """A worker on its own queue, connected to the test database as the app role, as in production."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csm.settings",
        "DATABASE_URL": _url("default"),
        "DATABASE_OPS_URL": _url("ops"),
        "REDIS_URL": settings.REDIS_URL,
        "SITE_URL": "http://worker.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    env.pop("DATABASE_OWNER_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "csm", "worker", "-Q", queue, "--pool=solo", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", f"--hostname={queue}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield worker
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        print(output.decode(errors="replace")[-4000:])  # noqa: T201 - the worker's log, shown when a test fails


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_tenant_task_that_changes_the_database(worker_queue, org_a, admin):
    with activate(org_a):
        # Committing the invitation dispatches the email task (on commit) to the worker's queue.
        invitation = services.invite_member(actor=admin, organization=org_a, email="far@alpha.test", role=Role.CSM)
    deadline = time.monotonic() + 60
    sent = None
    while time.monotonic() < deadline and worker_queue.poll() is None:
        with activate(org_a):
            sent = Invitation.objects.get(pk=invitation.pk).last_sent_at
        if sent is not None:
            break
        time.sleep(0.25)
    assert worker_queue.poll() is None, "the worker died"
    assert sent is not None, "the worker did not run the task within 60 s"
    with activate(org_a):
        assert Invitation.objects.get(pk=invitation.pk).send_count == 1
        entry = ActivityLog.objects.get(verb="invitation.sent")
    assert entry.actor_kind == "automation"
