"""Background tasks of the accounts app: thin wrappers around services."""

from __future__ import annotations

from accounts.services import bulk, importing
from csm.celery import app
from csm.models import Organization
from csm.tenancy import current_organization
from csm.tenancy.jobs import TenantTask, enqueue


@app.task(base=TenantTask)
def check_import(organization_id: int, job_id: int, actor_id: int | None) -> None:
    """Check every row of an uploaded file with its mapping, in one transaction (the job's page shows how far)."""
    importing.run_check(job_id=job_id, actor_id=actor_id)


@app.task(base=TenantTask)
def run_import(organization_id: int, job_id: int) -> None:
    """One step of a CSV import, in its own transaction; the next step is queued once this one has committed."""
    if importing.run_import_step(job_id=job_id):
        enqueue(run_import, organization_id, job_id)


@app.task(base=TenantTask)
def discard_stale_imports(organization_id: int) -> int:
    """The organization's daily sweep: the files of imports left unfinished, and the bulk changes past undoing."""
    bulk.forget_expired()
    return importing.discard_stale_imports(organization=current_organization())


@app.task
def discard_stale_imports_everywhere() -> None:
    """The daily sweep (beat): one tenant task per organization, so each runs under its own row-level security."""
    for organization_id in Organization.objects.values_list("pk", flat=True):
        enqueue(discard_stale_imports, organization_id)
