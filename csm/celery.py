"""The Celery app: JSON only, the beat schedule in code, Redis as broker when REDIS_URL is set and kombu's
filesystem transport otherwise (the embedded `make run`)."""

from __future__ import annotations

import os

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
    "discard-stale-imports": {
        "task": "accounts.tasks.discard_stale_imports_everywhere",
        "schedule": crontab(minute=37, hour=3),
    },
}
