"""Unfinished imports forget their file after KEEP_UNFINISHED_DAYS: the daily sweep, what it spares, what the job's
page says afterwards, and that a discarded import cannot be started."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.timezone import now

from accounts import tasks
from accounts.models import ImportJob, ImportStatus
from accounts.services.importing import KEEP_UNFINISHED_DAYS
from csm.celery import app
from csm.models import ActivityLog
from csm.tenancy import activate

OLD = timedelta(days=KEEP_UNFINISHED_DAYS, hours=1)
RECENT = timedelta(days=KEEP_UNFINISHED_DAYS - 1)


def make_job(organization, user, status: ImportStatus, *, age: timedelta, finished_age: timedelta | None = None):
    with activate(organization):
        return ImportJob.objects.create(
            organization=organization, filename=f"{status}.csv", content="name,email\nAcme,ann@acme.example\n",
            encoding="utf-8", delimiter=",", header=["name", "email"], created_by=user, status=status,
            created_at=now() - age, finished_at=None if finished_age is None else now() - finished_age,
            errors=[{"row": 2, "column": "email", "reason": "bad"}] if status == ImportStatus.INVALID else [],
        )  # fmt: skip


def state(organization, job) -> tuple[str, str]:
    with activate(organization):
        found = ImportJob.objects.get(pk=job.pk)
    return found.status, found.content


@pytest.mark.django_db
def test_the_sweep_discards_the_files_of_imports_left_unfinished_and_spares_the_rest(
    org_a, org_b, csm, outsider, django_capture_on_commit_callbacks
):
    stale = [
        make_job(org_a, csm, ImportStatus.UPLOADED, age=OLD),
        make_job(org_a, csm, ImportStatus.INVALID, age=OLD),
        make_job(org_a, csm, ImportStatus.VALID, age=OLD),
        make_job(org_a, csm, ImportStatus.FAILED, age=OLD * 2, finished_age=OLD),
        make_job(org_b, outsider, ImportStatus.UPLOADED, age=OLD),
    ]
    spared = [
        make_job(org_a, csm, ImportStatus.UPLOADED, age=RECENT),
        make_job(org_a, csm, ImportStatus.FAILED, age=OLD * 2, finished_age=RECENT),  # failed lately: may retry
        make_job(org_a, csm, ImportStatus.RUNNING, age=OLD),
        make_job(org_a, csm, ImportStatus.QUEUED, age=OLD),
    ]

    with django_capture_on_commit_callbacks(execute=True):  # the sweep queues one task per organization on commit
        tasks.discard_stale_imports_everywhere.delay()

    for job in stale:
        assert state(job.organization, job) == (ImportStatus.DISCARDED, "")
    for job in spared:
        assert state(job.organization, job) == (job.status, job.content)
    with activate(org_a):
        [entry] = ActivityLog.objects.filter(verb="import.discarded")
        assert entry.actor_kind == "system"
        assert entry.data == {"imports": 4, "after_days": KEEP_UNFINISHED_DAYS}
        assert ImportJob.objects.get(pk=stale[1].pk).errors == []
    with activate(org_b):
        assert ActivityLog.objects.filter(verb="import.discarded").get().data["imports"] == 1

    # Run again: nothing more to discard, nothing recorded twice.
    with django_capture_on_commit_callbacks(execute=True):
        tasks.discard_stale_imports_everywhere.delay()
    with activate(org_a):
        assert ActivityLog.objects.filter(verb="import.discarded").count() == 1


def test_the_sweep_is_in_the_beat_schedule():
    [entry] = [
        entry for entry in app.conf.beat_schedule.values() if entry["task"].endswith("discard_stale_imports_everywhere")
    ]
    assert entry["task"] in app.tasks


@pytest.mark.django_db
def test_a_discarded_import_says_so_and_cannot_be_started(csm_client, org_a, csm):
    job = make_job(org_a, csm, ImportStatus.VALID, age=OLD)
    tasks.discard_stale_imports.delay(org_a.pk)

    page = csm_client.get(f"/alpha/accounts/import/{job.pk}/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "The file was discarded" in text
    assert f"left unfinished for {KEEP_UNFINISHED_DAYS} days" in text
    assert "Nothing was imported." in text
    assert 'href="/alpha/accounts/import/"' in text
    assert "Check every row" not in text and "Try again" not in text

    response = csm_client.post(f"/alpha/accounts/import/{job.pk}/run/", follow=True)

    assert "This import cannot start now" in response.content.decode()
    assert state(org_a, job) == (ImportStatus.DISCARDED, "")
    assert csm_client.get("/alpha/accounts/import/").status_code == 200  # the list of recent imports shows it


@pytest.mark.django_db
def test_a_discarded_import_that_had_failed_still_says_how_far_it_got(csm_client, org_a, csm):
    job = make_job(org_a, csm, ImportStatus.FAILED, age=OLD * 2, finished_age=OLD)
    stopped = "The import stopped. An unexpected error stopped it. The first 500 of 900 rows were imported."
    with activate(org_a):
        ImportJob.objects.filter(pk=job.pk).update(summary={"failure": stopped}, processed_rows=500, total_rows=900)
    tasks.discard_stale_imports.delay(org_a.pk)

    text = csm_client.get(f"/alpha/accounts/import/{job.pk}/").content.decode()

    assert "The file was discarded" in text
    assert stopped in text
    assert "Nothing was imported." not in text
