"""The Celery app: JSON only, the beat schedule in code, Redis as broker when REDIS_URL is set and kombu's
filesystem transport otherwise (the embedded `make run`).

The core schedules its own housekeeping here; each app adds its periodic tasks from its `AppConfig.ready()` with
`periodic(...)` (Django is set up, and every app ready, before a worker or beat reads the schedule), so this
module never names an app's task.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csm.settings")

app = Celery("csm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "clear-expired-sessions": {
        "task": "csm.tasks.clear_expired_sessions",
        "schedule": crontab(minute=17, hour=3),
    },
    "clear-expired-login-attempts": {
        "task": "csm.tasks.clear_expired_login_attempts",
        "schedule": crontab(minute=27, hour="*/6"),
    },
    "clear-expired-sign-ups": {
        "task": "csm.tasks.clear_expired_sign_ups",
        "schedule": crontab(minute=37),
    },
    "sweep-emails": {
        "task": "csm.tasks.sweep_emails_everywhere",
        "schedule": crontab(minute="*/5"),
    },
}


def periodic(name: str, *, task: str, schedule: Any) -> None:
    """Run `task` (its dotted name) on `schedule` (a crontab or seconds), under `name` in beat's schedule."""
    if name in app.conf.beat_schedule and app.conf.beat_schedule[name]["task"] != task:
        raise ValueError(f"Two periodic tasks are named {name!r}")
    app.conf.beat_schedule[name] = {"task": task, "schedule": schedule}
