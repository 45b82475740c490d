"""Import accounts (and their contacts) from a CSV file on the command line, exactly as the import page does:

    python manage.py import_accounts_csv --org acme --file customers.csv --as admin@acme.test [--check]

Columns are matched by their names (as the page would propose them); every row is checked first and nothing is
written unless the whole file is valid. The import then runs here, batch after batch, each in its own transaction,
and is recorded in the organization's activity log as done by the member given with `--as`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.importer import columns, files
from accounts.models import CustomField, ImportJob, ImportStatus
from accounts.services import importing
from csm.models import Membership, Organization, User
from csm.tenancy import activate

PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = "Import accounts and contacts from a CSV file into an organization (the import page's rules)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument("--file", required=True, type=Path, help="The CSV file.")
        parser.add_argument("--as", dest="email", required=True, help="The email of the member who imports.")
        parser.add_argument("--delimiter", choices=list(files.DELIMITERS), help="Override the detected delimiter.")
        parser.add_argument("--check", action="store_true", help="Check every row and stop: write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization has the slug {options['org']!r}.")
        user = User.objects.filter(email=options["email"].strip().lower()).first()
        path: Path = options["file"]
        with activate(organization):
            if user is None or not Membership.objects.filter(user=user, is_active=True).exists():
                raise CommandError(f"{options['email']} is not an active member of {organization.name}.")
            try:
                job = importing.create_import(actor=user, filename=path.name, raw=path.read_bytes())
                if options["delimiter"] and options["delimiter"] != job.delimiter:
                    job = importing.change_delimiter(actor=user, job=job, delimiter=options["delimiter"])
            except (OSError, ValidationError) as error:
                raise CommandError(f"{path}: {_message(error)}") from error
            job = importing.check_import(actor=user, job=job, mapping=job.mapping)
            self._describe(job)  # after the check, which counts the rows
            if options["check"]:
                # Check and forget: no job keeps the file (customers' names and emails), nothing is logged.
                transaction.set_rollback(True)
        self.stdout.write(f"checked in {time.perf_counter() - started:.1f} s")
        if job.status == ImportStatus.INVALID:
            self._problems(job)
            raise CommandError(f"{_problem_count(job)}: nothing was imported.")
        self.stdout.write("would " if options["check"] else "will ", ending="")
        self.stdout.write(_counts(job.summary["plan"]))
        if options["check"]:
            return
        with activate(organization):
            importing.queue_import(actor=user, job=job, background=False)
        job = importing.run_import_in_process(organization=organization, job_id=job.pk)
        if job.status == ImportStatus.INVALID:
            # The database changed between the check and the run: the job says what stopped it.
            self._problems(job)
            raise CommandError(f"{_problem_count(job)} since the check: nothing was imported.")
        if job.status != ImportStatus.DONE:
            raise CommandError(job.summary.get("failure") or f"The import ended: {job.get_status_display().lower()}.")
        self.stdout.write(self.style.SUCCESS(f"imported {job.total_rows:,} rows: {_counts(job.summary['result'])}"))
        self.stdout.write(f"done in {time.perf_counter() - started:.1f} s")

    def _describe(self, job: ImportJob) -> None:
        labels = {target.key: target.label for target in columns.targets(CustomField.objects.all())}
        self.stdout.write(f"{job.filename}: {job.total_rows:,} rows, {job.encoding}, delimiter {job.delimiter!r}")
        for key, index in sorted(job.mapping.items(), key=lambda item: item[1]):
            self.stdout.write(f"  {files.column_label(job.header, index)} → {labels.get(key, key)}")
        for index in range(len(job.header)):
            if index not in job.mapping.values():
                self.stdout.write(f"  {files.column_label(job.header, index)} → not imported")

    def _problems(self, job: ImportJob) -> None:
        for error in job.errors[:PROBLEMS_SHOWN]:
            where = f"row {error['row']}" if error["row"] else "file"
            column = f", {error['column']}" if error["column"] else ""
            value = f" “{error['value']}”" if error["value"] else ""
            self.stderr.write(f"{where}{column}:{value} {error['message']}")


def _problem_count(job: ImportJob) -> str:
    count = job.summary.get("error_count") or len(job.errors)
    return f"{count} problem{'' if count == 1 else 's'}"


def _message(error: OSError | ValidationError) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _counts(counts: dict[str, int]) -> str:
    return (
        f"accounts {counts['accounts_created']:,} created, {counts['accounts_updated']:,} updated, "
        f"{counts['accounts_unchanged']:,} unchanged; contacts {counts['contacts_created']:,} created, "
        f"{counts['contacts_updated']:,} updated, {counts['contacts_unchanged']:,} unchanged"
    )
