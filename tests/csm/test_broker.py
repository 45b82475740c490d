"""The broker of `make run` (csm.broker): kombu's filesystem transport, with each message written whole before a
worker can see it. kombu's own transport creates the file first and writes it after, and a worker that took the
empty file died on a JSON error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection

from csm import broker

ROOT = Path(__file__).resolve().parents[2]


def test_a_message_is_invisible_to_a_worker_until_it_is_whole(tmp_path, monkeypatch):
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path), "store_processed": False}
    with Connection("filesystem://", transport="csm.broker:Transport", transport_options=options) as connection:
        channel = connection.default_channel
        renamed = []
        real_replace = os.replace

        def replace(source, target):
            # Everything is written, under a name the reader skips: a worker polling now finds nothing.
            assert Path(source).read_bytes()
            with pytest.raises(Empty):
                channel._get("jobs")
            renamed.append(Path(target).name)
            real_replace(source, target)

        monkeypatch.setattr(broker.os, "replace", replace)
        channel._put("jobs", {"body": "hello"})

        assert renamed and renamed[0].endswith(".jobs.msg")
        assert channel._get("jobs") == {"body": "hello"}
        assert os.listdir(tmp_path) == []  # taken, and no partial file left behind


def test_make_run_uses_it_when_there_is_no_redis(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "DJANGO_SETTINGS_MODULE", "TEST_DATABASE", "CELERY_"))
    }
    env.update(CSM_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="csm.settings", DEBUG="true")
    script = "from csm.celery import app; print(type(app.connection_for_write().transport).__module__)"

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-1] == "csm.broker"
