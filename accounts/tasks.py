"""Background tasks of the accounts app: thin wrappers around services."""

from __future__ import annotations

from accounts.services import importing
from csm.celery import app
from csm.jobs import TenantTask, enqueue


@app.task(base=TenantTask)
def run_import(organization_id: int, job_id: int) -> None:
    """One step of a CSV import, in its own transaction; the next step is queued once this one has committed."""
    if importing.run_import_step(job_id=job_id):
        enqueue(run_import, organization_id, job_id)
