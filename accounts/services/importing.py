"""Importing accounts and their contacts from a CSV file (see `accounts.importer` for how a file is read and matched).

A job goes uploaded → checking (the person maps the columns) → invalid | valid (every row checked in the worker) →
queued (the person confirms) → running → done | failed. Nothing is written to accounts or contacts until the whole
file is valid.

The web process only stores an upload: its blocks go to ImportFileChunk rows as they arrive (refused past the
IMPORT_MAX_FILE_BYTES setting), and only the header is read. Checking every row is the worker's
(`accounts.tasks.check_import`, one transaction), reading the stored file as a stream; its progress goes to the
cache, where the job's page reads it.

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
import secrets
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import IO, Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.timezone import now

from accounts.importer import columns as import_columns
from accounts.importer import files, formats, plan, rows, stored
from accounts.models import (
    Account,
    AccountTag,
    Contact,
    CustomField,
    ImportFileChunk,
    ImportJob,
    ImportRow,
    ImportStatus,
)
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
IN_PROGRESS = (ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.RUNNING)
CONTACT_UPDATE_FIELDS = ["name", "title", "phone", "role", "updated_at"]
CONTACTS_LISTED = 20


def _file_error(error: files.ImportFileError) -> ValidationError:
    code = "size" if isinstance(error, files.FileTooLargeError) else "file"
    return ValidationError(str(error), code=code)


Upload = bytes | IO[bytes]


def _blocks(raw: Upload) -> Iterator[bytes]:
    """An upload in pieces of files.CHUNK_BYTES at most: bytes, or a file (an UploadedFile is streamed from its
    temporary file; a small one, kept in memory, comes whole)."""
    if isinstance(raw, bytes | bytearray):
        yield from files.blocks_of(bytes(raw))
        return
    chunks = getattr(raw, "chunks", None)
    blocks = chunks(files.CHUNK_BYTES) if chunks is not None else iter(lambda: raw.read(files.CHUNK_BYTES), b"")
    for block in blocks:
        yield from files.blocks_of(block)


def create_import(*, actor: User, filename: str, raw: Upload) -> ImportJob:
    """Store an uploaded file in a new job, as its blocks arrive, and read its header: its columns matched to the
    targets by their names. Nothing else of the file is read here: the worker checks the rows."""
    organization = current_organization()
    sniffer = files.Sniffer()
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                organization=organization, created_by=actor, filename=filename[:255], encoding="", delimiter=","
            )
            for position, block in enumerate(_blocks(raw)):
                sniffer.feed(block)
                stored.store_block(job, position, block)
            job.encoding, job.file_size = sniffer.finish(), sniffer.size
            job.delimiter = files.detect_delimiter(stored.file_head(job))
            with stored.open_file(job) as text:
                job.header = files.read_header(text, job.delimiter)
            job.mapping = _auto_map(job.header)
            job.save(update_fields=["encoding", "file_size", "delimiter", "header", "mapping"])
            # Who uploaded a file of customers' names and emails, and when: the activity log says it.
            record(
                organization=organization,
                actor=actor,
                verb="import.uploaded",
                target=job,
                data={"file": job.filename, "bytes": job.file_size},
            )
    except files.ImportFileError as error:
        raise _file_error(error) from error
    return job


def _auto_map(header: list[str]) -> dict[str, int]:
    revenue_source = revenue.source()
    name = revenue_source.name if revenue_source else ""
    return import_columns.auto_map(header, import_columns.targets(CustomField.objects.all(), revenue_source=name))


def _editable(job: ImportJob) -> ImportJob:
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status == ImportStatus.CHECKING:
        raise ValidationError("The file is being checked: change the mapping once the check ends.", code="started")
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
            with stored.open_file(job) as text:
                header = files.read_header(text, delimiter)
        except files.ImportFileError as error:
            raise _file_error(error) from error
        job.delimiter, job.header, job.total_rows = delimiter, header, 0
        job.mapping = _auto_map(header)
        job.status, job.errors, job.summary = ImportStatus.UPLOADED, [], {}
        job.save(update_fields=["delimiter", "header", "total_rows", "mapping", "status", "errors", "summary"])
        ImportRow.objects.filter(job=job).delete()
    return job


def _keep_mapping(job: ImportJob, mapping: dict[str, int], formats: dict[str, str] | None) -> None:
    job.mapping = mapping
    if formats is not None:
        job.formats = {key: value for key, value in formats.items() if key in mapping and value}


def request_check(
    *, actor: User, job: ImportJob, mapping: dict[str, int], formats: dict[str, str] | None = None
) -> ImportJob:
    """Keep the mapping (and how the person says its number and date columns read, `formats`) and have the worker
    check every row with it (`run_check`); the job's page follows the check's progress."""
    from accounts import tasks  # the task module imports this one

    with transaction.atomic():
        job = _editable(job)
        _keep_mapping(job, mapping, formats)
        job.status, job.errors = ImportStatus.CHECKING, []
        job.summary = {"progress_key": secrets.token_urlsafe(12)}
        job.save(update_fields=["mapping", "formats", "status", "errors", "summary"])
        enqueue(tasks.check_import, job.organization_id, job.pk, actor.pk)
    return job


def run_check(*, job_id: int, actor_id: int | None) -> None:
    """The worker's part of `request_check`, in the caller's tenant context and transaction. A job that is no longer
    waiting for its check (checked by a redelivered task, say) is left alone."""
    job = ImportJob.objects.select_for_update().filter(pk=job_id, status=ImportStatus.CHECKING).first()
    if job is None:
        return
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        with transaction.atomic():
            _check(job, may_reassign=has_role(actor, Role.MANAGER))
    except Exception:
        logger.exception("checking import %s failed", job_id)
        job.status, job.errors = ImportStatus.UPLOADED, []
        job.summary = {"failure": "The check stopped on an unexpected error: nothing was imported. Check again."}
        job.save(update_fields=["status", "errors", "summary"])


def check_import(
    *, actor: User, job: ImportJob, mapping: dict[str, int], formats: dict[str, str] | None = None
) -> ImportJob:
    """Keep the mapping and check every row with it, here and now (the command line; the pages ask the worker with
    `request_check`): the job becomes valid (with what importing it would do) or invalid (with every problem, by
    row). Writes nothing else."""
    with transaction.atomic():
        job = _editable(job)
        _keep_mapping(job, mapping, formats)
        _check(job, may_reassign=has_role(actor, Role.MANAGER))
    return job


def _check(job: ImportJob, *, may_reassign: bool, for_import: bool = False) -> plan.Check:
    """Check the job's file with its mapping and keep the outcome on the job, valid or invalid. `for_import`: the
    check that starts the import, which keeps every row for its batches."""
    progress = CheckProgress(job, for_import=for_import)
    try:
        with transaction.atomic(), stored.open_file(job, on_block=progress.block) as text:
            checked = plan.check_file(
                text,
                job.delimiter,
                job.header,
                job.mapping,
                job=job,
                may_reassign=may_reassign,
                chosen_formats=job.formats,
                keep_every_row=for_import,
                on_progress=progress,
            )
    except files.ImportFileError as error:
        # A record that cannot be read (a quote never closed...): the whole file is refused, saying where.
        problem = rows.Problem(row=None, column="", value="", message=str(error))
        ImportRow.objects.filter(job=job).delete()
        checked = plan.Check(
            problems=[problem], problem_count=1, counts={}, total_rows=0, skipped_rows=0, has_multiline_cells=False
        )
    job.total_rows = checked.total_rows
    job.status = ImportStatus.VALID if checked.is_valid else ImportStatus.INVALID
    job.errors = [problem.as_json() for problem in checked.problems]
    job.summary = {
        "plan": checked.counts,
        "error_count": checked.problem_count,
        "skipped_rows": checked.skipped_rows,
        "multiline": checked.has_multiline_cells,
        # How the number and date columns read (for the import's batches and the page), and those to ask about.
        "formats": {
            key: {"format": decision.format, "because": decision.because}
            for key, decision in checked.formats.items()
            if decision.format not in ("", formats.ASK)
        },
        "questions": {key: decision.question for key, decision in checked.formats.items() if decision.question},
        # What the import changes on stored accounts, field by field: the page shows it before it runs.
        "updates": checked.updates,
        "update_count": checked.update_count,
        "backwards_count": checked.backwards_count,
        # The run checks the file again first: its page shows that check's progress under the same key.
        "progress_key": job.summary.get("progress_key") or secrets.token_urlsafe(12),
    }
    job.save(update_fields=["mapping", "formats", "total_rows", "status", "errors", "summary"])
    return checked


class CheckProgress:
    """How far the check of a job has got, in the cache under the job's `progress_key`, for its page (`progress`):
    the check runs in one transaction, so the job's row cannot say it. At most twice a second."""

    def __init__(self, job: ImportJob, *, for_import: bool = False) -> None:
        self.key = _progress_cache_key(job, for_import=for_import)
        self.read_bytes = 0
        self.total = job.total_rows
        self._written = 0.0

    def block(self, data: bytes) -> None:
        self.read_bytes += len(data)

    def __call__(self, phase: str, done: int) -> None:
        if phase == "sorting":  # every row has been read: their number is known
            self.total = done
        if self.key is None or time.monotonic() - self._written < 0.5:
            return
        self._written = time.monotonic()
        found = {"phase": phase, "rows": done, "bytes": self.read_bytes, "total": self.total}
        cache.set(self.key, found, timeout=24 * 3600)


def _progress_cache_key(job: ImportJob, *, for_import: bool = False) -> str | None:
    token = job.summary.get("progress_key")
    step = "import" if for_import else "check"
    return f"accounts:import-{step}:{job.organization_id}:{job.pk}:{token}" if token else None


def progress(job: ImportJob) -> dict[str, Any]:
    """What the page says of a job being checked (or checked again as its import starts): the phase, the rows, a
    percentage (reading the file is the first half, checking its rows the second)."""
    key = _progress_cache_key(job, for_import=job.status != ImportStatus.CHECKING)
    found = (cache.get(key) if key else None) or {"phase": "waiting", "rows": 0, "bytes": 0}
    phase, rows = found["phase"], found["rows"]
    if phase == "reading":
        percent = round(50 * found["bytes"] / job.file_size) if job.file_size else 0
    elif phase == "sorting":
        percent = 50
    elif phase == "checking":
        percent = 50 + round(50 * rows / max(found.get("total") or job.total_rows, rows, 1))
    else:
        percent = 0
    return {"phase": phase, "rows": rows, "percent": min(percent, 100)}


KEEP_UNFINISHED_DAYS = 7
# A check that never ended (a worker lost for good) counts as left unfinished too.
DISCARDABLE = (*EDITABLE, ImportStatus.CHECKING, ImportStatus.FAILED)


def discard_stale_imports(*, organization: Organization) -> int:
    """Forget the files of imports left unfinished for KEEP_UNFINISHED_DAYS: uploaded and never run, or failed and
    not tried again. An uploaded file holds customers' names and emails; nobody should have to remember to delete
    it. The job stays, saying what happened; imported rows are untouched. The rows an import skipped (kept to be
    downloaded) go after as long. Returns how many were discarded."""
    cutoff = now() - timedelta(days=KEEP_UNFINISHED_DAYS)
    with transaction.atomic():
        stale = ImportJob.objects.filter(status__in=DISCARDABLE).filter(
            models.Q(finished_at__lt=cutoff) | models.Q(finished_at__isnull=True, created_at__lt=cutoff)
        )
        stale_ids = list(stale.values_list("pk", flat=True))
        discarded = stale.update(status=ImportStatus.DISCARDED, content="", errors=[], finished_at=now())
        ImportFileChunk.objects.filter(job__in=stale_ids).delete()
        ImportRow.objects.filter(job__in=stale_ids).delete()
        ImportRow.objects.filter(job__status=ImportStatus.DONE, job__finished_at__lt=cutoff).delete()
        if discarded:
            record(
                organization=organization,
                actor=SYSTEM,
                verb="import.discarded",
                data={"imports": discarded, "after_days": KEEP_UNFINISHED_DAYS},
            )
    return discarded


def may_skip_invalid(job: ImportJob) -> bool:
    """Whether the valid rows of an invalid job can be imported without the others: some are valid, and the check
    asked about no column (a question concerns every row of its column)."""
    summary = job.summary
    return (
        job.status == ImportStatus.INVALID
        and not summary.get("questions")
        and summary.get("plan", {}).get("rows", 0) > summary.get("skipped_rows", 0)
    )


def queue_import(*, actor: User, job: ImportJob, background: bool = True, skip_invalid: bool = False) -> bool:
    """Start a valid job (or try a failed one again); with `skip_invalid`, an invalid one too, to import its valid
    rows and skip the others. False when it is not in a state to start, such as when it was started a moment ago by
    someone else. `background=False` leaves running it to the caller (`run_import_in_process`)."""
    from accounts import tasks  # the task module imports this one

    with transaction.atomic():
        # The row lock makes a second click (or a second person) wait, then find the job started.
        locked = ImportJob.objects.select_for_update().filter(pk=job.pk).first()
        if locked is None:
            return False
        if locked.status == ImportStatus.FAILED:
            skip_invalid = skip_invalid or locked.skip_invalid  # tried again as it was started
        elif not (locked.status == ImportStatus.VALID or (skip_invalid and may_skip_invalid(locked))):
            return False
        locked.status, locked.skip_invalid, locked.processed_rows = ImportStatus.QUEUED, skip_invalid, 0
        locked.started_at = locked.finished_at = None
        locked.save(update_fields=["status", "skip_invalid", "processed_rows", "started_at", "finished_at"])
        record(
            organization=job.organization,
            actor=actor,
            verb="import.started",
            target=job,
            data={"file": job.filename, "rows": job.total_rows, "skip_invalid": skip_invalid},
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
    summary = job.summary
    checked = _check(job, may_reassign=has_role(job.created_by, Role.MANAGER), for_import=True)
    if not checked.is_valid and not job.skip_invalid:
        return False
    job.status = ImportStatus.RUNNING
    job.errors = [] if checked.is_valid else job.errors
    job.processed_rows = 0
    job.summary = {**summary, **job.summary, "result": dict.fromkeys(plan.COUNT_KEYS, 0)}
    job.summary.pop("failure", None)
    job.save(update_fields=["status", "errors", "processed_rows", "summary"])
    return True


def column_formats(job: ImportJob) -> dict[str, str]:
    """How the job's number and date columns read, as its last check decided (or as the person said)."""
    decided = {key: found["format"] for key, found in job.summary.get("formats", {}).items()}
    return {**decided, **job.formats}


def _fail(job: ImportJob, reason: str) -> None:
    """Mark the job failed, saying how far it got: as stored, since the failed batch was rolled back."""
    saved = ImportJob.objects.filter(pk=job.pk).values("processed_rows", "total_rows", "summary").get()
    if saved["processed_rows"]:
        done = (
            f"The first {saved['processed_rows']:,} of {saved['total_rows']:,} rows were imported: importing the "
            "file again updates them and adds the rest."
        )
    else:
        done = "Nothing was imported."
    summary = {**saved["summary"], "failure": f"The import stopped. {reason} {done}"}
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, summary=summary, finished_at=now())


def _import_batch(job: ImportJob) -> bool:
    batch = plan.plan_batch(
        job,
        job.header,
        job.mapping,
        done_rows=job.processed_rows,
        batch_rows=BATCH_ROWS,
        may_reassign=has_role(job.created_by, Role.MANAGER),
        skip_invalid=job.skip_invalid,
        column_formats=column_formats(job),
    )
    actor = Actor.person(job.created_by) if job.created_by else Actor.automation("CSV import")
    write_plans(batch.plans, actor=actor, job=job)
    result = {**dict.fromkeys(plan.COUNT_KEYS, 0), **job.summary.get("result", {})}
    for key, value in plan.count(batch.plans).items():
        result[key] += value
    job.processed_rows += batch.rows
    skipped_rows = job.summary.get("skipped_rows", 0) + batch.skipped_rows
    job.summary = {**job.summary, "result": result, "skipped_rows": skipped_rows}
    fields = ["processed_rows", "summary"]
    if batch.is_last:
        # The file is no longer needed: the accounts hold what it said. The rows it skipped stay a while, to be
        # downloaded (the daily sweep removes them).
        job.status, job.finished_at, job.content = ImportStatus.DONE, now(), ""
        fields += ["status", "finished_at", "content"]
        stored.forget_file(job)
        ImportRow.objects.filter(job=job, reason="").delete()
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
