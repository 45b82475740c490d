"""Importing accounts and their contacts from a CSV file (see `accounts.importer` for how a file is read and matched).

A job goes uploaded → invalid | valid (the mapping is checked against every row) → queued (the person confirms) →
running → done | failed. Nothing is written to accounts or contacts until the whole file is valid.

The import runs as a chain of steps, each its own transaction (`accounts.tasks.run_import` runs one step and queues
the next once it has committed). The first claims the job with a compare-and-swap on its status and checks the whole
file again against the database as it is now. Each next step writes one batch of about BATCH_ROWS rows, set-based,
and moves `processed_rows` on in the same transaction: bulk inserts and updates of WRITE_BATCH rows, and one
activity-log row per account created (naming the contacts it came with), per account changed, and per contact added
to or changed on an account that was already there. So the progress shows while it runs, a crash loses at most the
batch in flight, a redelivered step carries on where the last commit left off, and two workers given the same job
take turns on its row lock instead of writing twice. Importing a file again is harmless: its accounts then match by
external id or domain and are updated, or counted unchanged.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.timezone import now

from accounts.importer import columns as import_columns
from accounts.importer import files, plan
from accounts.models import Account, AccountTag, Contact, CustomField, ImportJob, ImportStatus
from accounts.services import revenue, sort_keys
from accounts.services.accounts import tags_named
from accounts.signals import AccountChange
from csm.activity import SYSTEM, Actor, as_actor, record
from csm.models import ActivityLog, Organization, Role, User
from csm.selectors import has_role
from csm.tenancy import activate, current_organization
from csm.tenancy.jobs import enqueue

logger = logging.getLogger(__name__)

BATCH_ROWS = 5000
WRITE_BATCH = 1000
# A job may be re-mapped, re-checked or re-read with another delimiter until it is queued.
EDITABLE = (ImportStatus.UPLOADED, ImportStatus.INVALID, ImportStatus.VALID)
IN_PROGRESS = (ImportStatus.QUEUED, ImportStatus.RUNNING)
CONTACT_UPDATE_FIELDS = ["name", "title", "phone", "role", "updated_at"]
CONTACTS_LISTED = 20


def _file_error(error: files.ImportFileError) -> ValidationError:
    return ValidationError(str(error), code="file")


def create_import(*, actor: User, filename: str, raw: bytes) -> ImportJob:
    """Read an uploaded file into a new job, its columns matched to the targets by their names."""
    if len(raw) > files.MAX_FILE_BYTES:
        limit = files.MAX_FILE_BYTES // (1024 * 1024)
        raise ValidationError(f"The file is larger than {limit} MB. Split it into smaller files.", code="size")
    try:
        decoded = files.decode(raw)
        delimiter = files.detect_delimiter(decoded.text)
        header = files.read_header(decoded.text, delimiter)
        rows = len(files.parse(decoded.text, delimiter).rows)
    except files.ImportFileError as error:
        raise _file_error(error) from error
    mapping = _auto_map(header)
    organization = current_organization()
    with transaction.atomic():
        job = ImportJob.objects.create(
            organization=organization,
            created_by=actor,
            filename=filename[:255],
            content=decoded.text,
            encoding=decoded.encoding,
            delimiter=delimiter,
            header=header,
            mapping=mapping,
            total_rows=rows,
        )
        # Who uploaded a file of customers' names and emails, and when: the activity log says it.
        record(
            organization=organization,
            actor=actor,
            verb="import.uploaded",
            target=job,
            data={"file": job.filename, "rows": rows},
        )
    return job


def _auto_map(header: list[str]) -> dict[str, int]:
    revenue_source = revenue.source()
    name = revenue_source.name if revenue_source else ""
    return import_columns.auto_map(header, import_columns.targets(CustomField.objects.all(), revenue_source=name))


def _editable(job: ImportJob) -> ImportJob:
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status not in EDITABLE:
        raise ValidationError("This import has started: upload the file again to change it.", code="started")
    return locked


def change_delimiter(*, actor: User, job: ImportJob, delimiter: str) -> ImportJob:
    """Read the file again with another delimiter: new columns, matched again by their names."""
    if delimiter not in files.DELIMITERS:
        raise ValidationError("Choose a comma or a semicolon.", code="delimiter")
    with transaction.atomic():
        job = _editable(job)
        try:
            header = files.read_header(job.content, delimiter)
            rows = len(files.parse(job.content, delimiter).rows)
        except files.ImportFileError as error:
            raise _file_error(error) from error
        job.delimiter, job.header, job.total_rows = delimiter, header, rows
        job.mapping = _auto_map(header)
        job.status, job.errors, job.summary = ImportStatus.UPLOADED, [], {}
        job.save(update_fields=["delimiter", "header", "total_rows", "mapping", "status", "errors", "summary"])
    return job


def check_import(*, actor: User, job: ImportJob, mapping: dict[str, int]) -> ImportJob:
    """Keep the mapping and check every row with it: the job becomes valid (with what importing it would do) or
    invalid (with every problem, by row). Writes nothing else."""
    with transaction.atomic():
        job = _editable(job)
        checked = plan.check_file(
            job.content, job.delimiter, job.header, mapping, may_reassign=has_role(actor, Role.MANAGER)
        )
        job.mapping = mapping
        job.total_rows = checked.total_rows
        job.status = ImportStatus.VALID if checked.is_valid else ImportStatus.INVALID
        job.errors = [problem.as_json() for problem in checked.problems]
        job.summary = {
            "plan": checked.counts,
            "error_count": checked.problem_count,
            "multiline": checked.has_multiline_cells,
        }
        job.save(update_fields=["mapping", "total_rows", "status", "errors", "summary"])
    return job


KEEP_UNFINISHED_DAYS = 7
DISCARDABLE = (*EDITABLE, ImportStatus.FAILED)


def discard_stale_imports(*, organization: Organization) -> int:
    """Forget the files of imports left unfinished for KEEP_UNFINISHED_DAYS: uploaded and never run, or failed and
    not tried again. An uploaded file holds customers' names and emails; nobody should have to remember to delete
    it. The job stays, saying what happened; imported rows are untouched. Returns how many were discarded."""
    cutoff = now() - timedelta(days=KEEP_UNFINISHED_DAYS)
    with transaction.atomic():
        stale = ImportJob.objects.filter(status__in=DISCARDABLE).filter(
            models.Q(finished_at__lt=cutoff) | models.Q(finished_at__isnull=True, created_at__lt=cutoff)
        )
        discarded = stale.update(status=ImportStatus.DISCARDED, content="", errors=[], finished_at=now())
        if discarded:
            record(
                organization=organization,
                actor=SYSTEM,
                verb="import.discarded",
                data={"imports": discarded, "after_days": KEEP_UNFINISHED_DAYS},
            )
    return discarded


def queue_import(*, actor: User, job: ImportJob, background: bool = True) -> bool:
    """Start a valid job (or try a failed one again). False when it is not in a state to start, such as when it
    was started a moment ago by someone else. `background=False` leaves running it to the caller
    (`run_import_in_process`)."""
    from accounts import tasks  # the task module imports this one

    with transaction.atomic():
        started = ImportJob.objects.filter(pk=job.pk, status__in=[ImportStatus.VALID, ImportStatus.FAILED]).update(
            status=ImportStatus.QUEUED, processed_rows=0, started_at=None, finished_at=None
        )
        if not started:
            return False
        record(
            organization=job.organization,
            actor=actor,
            verb="import.started",
            target=job,
            data={"file": job.filename, "rows": job.total_rows},
        )
        if background:
            enqueue(tasks.run_import, job.organization_id, job.pk)
    return True


def run_import_step(*, job_id: int) -> bool:
    """One step of a queued or running job, in the caller's tenant context and transaction. True while there is
    more to do."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now()
    )
    # The row lock makes a second worker on the same job wait for this step, then see where it left off.
    job = ImportJob.objects.select_for_update().filter(pk=job_id, status=ImportStatus.RUNNING).first()
    if job is None:
        return False
    try:
        with transaction.atomic():
            return _recheck(job) if claimed else _import_batch(job)
    except plan.DataChangedError as error:
        _fail(job, f"{error} The data changed since the file was checked.")
    except Exception:
        logger.exception("import %s failed", job_id)
        _fail(job, "An unexpected error stopped it.")
    return False


def run_import_in_process(*, organization: Organization, job_id: int) -> ImportJob:
    """Run a queued job here and now, each step in its own transaction as the worker does (the command line)."""
    while True:
        with activate(organization):
            if not run_import_step(job_id=job_id):
                return ImportJob.objects.get(pk=job_id)


def _recheck(job: ImportJob) -> bool:
    """Check the whole file again: the database may have changed since the person confirmed."""
    checked = plan.check_file(
        job.content, job.delimiter, job.header, job.mapping, may_reassign=has_role(job.created_by, Role.MANAGER)
    )
    job.total_rows = checked.total_rows
    if not checked.is_valid:
        job.status = ImportStatus.INVALID
        job.errors = [problem.as_json() for problem in checked.problems]
        job.summary = {**job.summary, "error_count": checked.problem_count, "plan": checked.counts}
        job.save(update_fields=["status", "errors", "summary", "total_rows"])
        return False
    job.processed_rows = 0
    job.summary = {**job.summary, "plan": checked.counts, "result": dict.fromkeys(plan.COUNT_KEYS, 0)}
    job.summary.pop("failure", None)
    job.save(update_fields=["processed_rows", "summary", "total_rows"])
    return True


def _fail(job: ImportJob, reason: str) -> None:
    """Mark the job failed, saying how far it got: as stored, since the failed batch was rolled back."""
    stored = ImportJob.objects.filter(pk=job.pk).values("processed_rows", "total_rows", "summary").get()
    if stored["processed_rows"]:
        done = (
            f"The first {stored['processed_rows']:,} of {stored['total_rows']:,} rows were imported: importing the "
            "file again updates them and adds the rest."
        )
    else:
        done = "Nothing was imported."
    summary = {**stored["summary"], "failure": f"The import stopped. {reason} {done}"}
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, summary=summary, finished_at=now())


def _import_batch(job: ImportJob) -> bool:
    batch = plan.plan_batch(
        job.content,
        job.delimiter,
        job.header,
        job.mapping,
        done_rows=job.processed_rows,
        batch_rows=BATCH_ROWS,
        may_reassign=has_role(job.created_by, Role.MANAGER),
    )
    actor = Actor.person(job.created_by) if job.created_by else Actor.automation("CSV import")
    write_plans(batch.plans, actor=actor, job=job)
    result = {**dict.fromkeys(plan.COUNT_KEYS, 0), **job.summary.get("result", {})}
    for key, value in plan.count(batch.plans).items():
        result[key] += value
    job.processed_rows += batch.rows
    job.summary = {**job.summary, "result": result}
    fields = ["processed_rows", "summary"]
    if batch.is_last:
        # The file is no longer needed: the accounts hold what it said.
        job.status, job.finished_at, job.content = ImportStatus.DONE, now(), ""
        fields += ["status", "finished_at", "content"]
        record(
            organization=job.organization,
            actor=actor,
            verb="import.finished",
            target=job,
            data={"file": job.filename, **result},
        )
    job.save(update_fields=fields)
    return not batch.is_last


# -- Writing a batch ---------------------------------------------------------------------------------------------


def write_plans(plans: list[plan.AccountPlan], *, actor: Actor | User, job: ImportJob) -> None:
    """Write the plans of one batch: a few bulk statements whatever the number of rows."""
    organization = current_organization()
    moment = now()
    created = [p for p in plans if p.created]
    for p in created:
        p.account = Account(organization=organization, created_at=moment, updated_at=moment, **p.values)
    Account.objects.bulk_create([p.account for p in created if p.account], batch_size=WRITE_BATCH)

    updated = [p.account for p in plans if p.updated and p.account]
    for account in updated:
        account.updated_at = moment
    fields = sorted({name for p in plans if p.updated for name in p.changed_fields} | {"updated_at"})
    Account.objects.bulk_update(updated, fields, batch_size=WRITE_BATCH)
    sort_keys.refresh(Account.objects.filter(pk__in=[p.account.pk for p in plans if p.account]))

    tags = {tag.name.lower(): tag for tag in tags_named(name for p in plans for name in p.new_tags)}
    AccountTag.objects.bulk_create(
        [
            AccountTag(organization=organization, account=p.account, tag=tags[name.lower()])
            for p in plans
            for name in p.new_tags
        ],
        batch_size=WRITE_BATCH,
    )

    new_contacts = {
        id(p): [
            Contact(
                organization=organization,
                account=p.account,
                name=wanted.name,
                email=wanted.email,
                created_at=moment,
                updated_at=moment,
                **wanted.values,
            )
            for wanted in p.new_contacts
        ]
        for p in plans
    }
    Contact.objects.bulk_create([c for contacts in new_contacts.values() for c in contacts], batch_size=WRITE_BATCH)
    changed_contacts = [contact for p in plans for contact, _ in p.changed_contacts]
    for contact in changed_contacts:
        contact.updated_at = moment
    Contact.objects.bulk_update(changed_contacts, CONTACT_UPDATE_FIELDS, batch_size=WRITE_BATCH)

    entries = _timeline(plans, new_contacts, actor=as_actor(actor), job=job)
    ActivityLog.objects.bulk_create(entries, batch_size=WRITE_BATCH)
    revenue.send_changed(
        actor=actor,
        changes=[
            AccountChange(p.account.pk, {name: [None, value] for name, value in p.values.items() if value})
            if p.created
            else AccountChange(p.account.pk, p.changes)
            for p in plans
            if p.account is not None and (p.created or p.updated)
        ],
    )


def _timeline(
    plans: list[plan.AccountPlan], new_contacts: dict[int, list[Contact]], *, actor: Actor, job: ImportJob
) -> list[ActivityLog]:
    """What `csm.activity.record` would write for each change, built in memory to be inserted in bulk."""
    account_type = ContentType.objects.get_for_model(Account)
    contact_type = ContentType.objects.get_for_model(Contact)
    source = {"import": job.pk, "file": job.filename}

    def entry(verb: str, target: models.Model, target_type: ContentType, about: Account, **extra: Any) -> ActivityLog:
        return ActivityLog(
            organization=job.organization,
            actor_kind=actor.kind,
            actor_user=actor.user,
            actor_label=actor.label[:200],
            verb=verb,
            target_type=target_type,
            target_id=target.pk,
            target_repr=str(target)[:200],
            about_type=account_type,
            about_id=about.pk,
            **extra,
        )

    entries = []
    for p in plans:
        account = p.account
        assert account is not None
        contacts = new_contacts[id(p)]
        if p.created:
            # A new account's contacts are part of it: one entry says who came with it.
            added = [f"{contact.name} <{contact.email}>" if contact.email else contact.name for contact in contacts]
            data = {**source, "contacts": added[:CONTACTS_LISTED], "contact_count": len(added)}
            entries.append(entry("account.imported", account, account_type, account, data=data))
            continue
        if p.updated:
            entries.append(entry("account.updated", account, account_type, account, changes=p.changes, data=source))
        for contact in contacts:
            data = {**source, "role": contact.get_role_display(), "email": contact.email}
            entries.append(entry("contact.added", contact, contact_type, account, data=data))
        for contact, changes in p.changed_contacts:
            entries.append(entry("contact.updated", contact, contact_type, account, changes=changes, data=source))
    return entries
