"""The CSV import of accounts: upload a file, map its columns (with a live preview), see every problem or confirm
what will change, then follow the import to its summary. The work itself is in `accounts.services.importing`."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.forms.importing import DelimiterForm, MappingForm, RunForm, UploadForm
from accounts.importer import columns, files, formats, rows, stored
from accounts.importer.values import Lookups
from accounts.models import ImportJob, ImportRow, ImportStatus
from accounts.services import importing
from csm.models import Role
from csm.tenancy import activate
from csm.tenancy.access import OrgRequest, role_required
from csm.web.actions import attempt, form_status, refusal_text, submit
from csm.web.http import wants_partial
from csm.web.reverse import org_reverse

RECENT_IMPORTS = 20
TEMPLATE = "accounts/import/detail.html"


def _recent_jobs() -> Any:
    return ImportJob.objects.select_related("created_by").defer("content", "errors", "header", "mapping")[
        :RECENT_IMPORTS
    ]


@require_http_methods(["GET", "POST"])
@role_required(Role.CSM)
def upload(request: OrgRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST":
        job = submit(form, lambda: importing.create_import(actor=request.user, **form.upload()), field="file")
        if job is not None:
            return redirect(org_reverse(request, "accounts:import_detail", job.pk))
    context = {"form": form, "jobs": _recent_jobs(), "targets": columns.BUILT_IN_TARGETS}
    return render(request, "accounts/import/upload.html", context, status=form_status(form))


def _job(pk: int) -> ImportJob:
    # The file itself is read only by the pages that need it (mapping, preview), and only its start.
    job: ImportJob = get_object_or_404(ImportJob.objects.select_related("created_by").defer("content"), pk=pk)
    return job


def _progress_context(job: ImportJob) -> dict[str, Any]:
    context: dict[str, Any] = {
        "job": job,
        "in_progress": job.status in importing.IN_PROGRESS,
        "keep_days": importing.KEEP_UNFINISHED_DAYS,
    }
    if job.status == ImportStatus.CHECKING or (job.status in importing.IN_PROGRESS and not job.processed_rows):
        context["check"] = importing.progress(job)
    context["may_skip_invalid"] = importing.may_skip_invalid(job)
    context["valid_rows"] = job.summary.get("plan", {}).get("rows", 0) - job.summary.get("skipped_rows", 0)
    return context


def _detail(
    request: OrgRequest,
    job: ImportJob,
    *,
    mapping_form: MappingForm | None = None,
    delimiter_form: DelimiterForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _progress_context(job)
    if job.status in importing.EDITABLE:
        lookups = Lookups.load()
        targets = columns.targets(lookups.custom_fields.values(), revenue_source=lookups.revenue_source)
        context["mapping_form"] = mapping_form or MappingForm.for_mapping(
            job.mapping, formats=job.formats, targets=targets, header=job.header, ask=_asked(job, lookups)
        )
        context["read_as"] = _read_as(job, targets)
        context["delimiter_form"] = delimiter_form or DelimiterForm(initial={"delimiter": job.delimiter})
        context["upload_form"] = UploadForm()
        context.update(_preview(job, job.mapping, targets, lookups))
    return render(request, TEMPLATE, context, status=status)


def _asked(job: ImportJob, lookups: Lookups) -> dict[str, tuple[str, str]]:
    """The number and date columns that the last check asked about, or that the person said how to read."""
    kinds = formats.targets(lookups.custom_fields.values())
    questions: dict[str, str] = job.summary.get("questions", {})
    return {
        key: (kind, questions.get(key, "")) for key, kind in kinds.items() if key in questions or key in job.formats
    }


def _read_as(job: ImportJob, targets: list[columns.Target]) -> list[dict[str, str]]:
    """How the last check read the number and date columns, and what settled it."""
    labels = {target.key: target.label for target in targets}
    ways = {**formats.NUMBER_FORMATS, **formats.DATE_FORMATS, **formats.TAGS_FORMATS}
    return [
        {"label": labels[key], "way": ways[found["format"]], "because": found["because"]}
        for key, found in job.summary.get("formats", {}).items()
        if key in labels and found["format"] in ways and found["because"]
    ]


def _preview(job: ImportJob, mapping: dict[str, int], targets: list[columns.Target], lookups: Lookups) -> Any:
    labels = {target.key: target.label for target in targets}
    lookups.formats = importing.column_formats(job)
    # In the order of the targets (the stored mapping comes back from JSON in another order).
    mapped = {key: mapping[key] for key in labels if key in mapping}
    warnings = columns.header_warnings(job.header, mapped, revenue_source=lookups.revenue_source)
    with stored.open_file(job) as text:
        parsed = files.parse(text, job.delimiter, limit=rows.PREVIEW_ROWS)
    return {
        "preview_labels": [labels[key] for key in mapped],
        "preview_rows": rows.preview(parsed, rows.Columns(header=job.header, mapping=mapped), lookups),
        "unmapped": [
            {"label": files.column_label(job.header, index), "warning": warnings.get(index, "")}
            for index in range(len(job.header))
            if index not in mapped.values()
        ],
    }


@require_GET
@role_required(Role.CSM)
def detail(request: OrgRequest, pk: int) -> HttpResponse:
    """The job as its status has it: mapping, problems, confirmation, progress or summary."""
    job = _job(pk)
    if wants_partial(request) and "preview" in request.GET:
        if job.status not in importing.EDITABLE:
            return HttpResponse(status=204)
        # The mapping form changed: preview the file with what it says now, before anything is saved.
        lookups = Lookups.load()
        targets = columns.targets(lookups.custom_fields.values(), revenue_source=lookups.revenue_source)
        mapping = MappingForm.lenient_mapping(request.GET, targets, len(job.header))
        return render(request, f"{TEMPLATE}#preview", {"job": job, **_preview(job, mapping, targets, lookups)})
    return _detail(request, job)


@require_POST
@role_required(Role.CSM)
def delimiter(request: OrgRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    form = DelimiterForm(request.POST)
    if form.is_valid():
        try:
            importing.change_delimiter(actor=request.user, job=job, delimiter=form.cleaned_data["delimiter"])
        except ValidationError as error:
            if error.code != "started":
                form.add_error("delimiter", error)
                return _detail(request, job, delimiter_form=form, status=400)
            messages.error(request, refusal_text(error))
        return redirect(org_reverse(request, "accounts:import_detail", job.pk))
    if job.status not in importing.EDITABLE:
        return redirect(org_reverse(request, "accounts:import_detail", job.pk))
    return _detail(request, job, delimiter_form=form, status=400)


@require_POST
@role_required(Role.CSM)
def map_columns(request: OrgRequest, pk: int) -> HttpResponse:
    """Keep the mapping and have the worker check every row with it; the page follows the check."""
    job = _job(pk)
    if job.status not in importing.EDITABLE:
        messages.error(request, "This import has started: upload the file again to change it.")
        return redirect(org_reverse(request, "accounts:import_detail", job.pk))
    lookups = Lookups.load()
    targets = columns.targets(lookups.custom_fields.values(), revenue_source=lookups.revenue_source)
    form = MappingForm(request.POST, targets=targets, header=job.header, ask=_asked(job, lookups))
    if not form.is_valid():
        return _detail(request, job, mapping_form=form, status=400)

    def check() -> ImportJob:
        return importing.request_check(actor=request.user, job=job, mapping=form.mapping(), formats=form.formats())

    job = attempt(request, check) or job
    return redirect(org_reverse(request, "accounts:import_detail", job.pk))


@require_POST
@role_required(Role.CSM)
def run(request: OrgRequest, pk: int) -> HttpResponse:
    """Start the import (or try a failed one again), all or nothing or skipping the invalid rows: it runs in the
    background."""
    job = _job(pk)
    form = RunForm(request.POST)
    skip_invalid = form.is_valid() and form.cleaned_data["skip_invalid"]
    if not importing.queue_import(actor=request.user, job=job, skip_invalid=skip_invalid):
        messages.error(request, "This import cannot start now: check the file first, or it has started already.")
    return redirect(org_reverse(request, "accounts:import_detail", job.pk))


class _Echo:
    def write(self, value: str) -> str:
        return value


SKIPPED_BATCH = 2000


@require_GET
@role_required(Role.CSM)
def skipped(request: OrgRequest, pk: int) -> StreamingHttpResponse:
    """The rows that are not imported, as a CSV file to fix and upload again: the row's number, its cells as they
    were, and why. Streamed: memory stays flat whatever the number of rows."""
    job = _job(pk)
    organization = request.organization

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        # A byte-order mark first: Excel then reads the file as UTF-8. The cells are written as the file had them
        # (not made formula-safe as the accounts export does): this file is for fixing and uploading again.
        yield "\ufeff"
        yield writer.writerow(["Row", *job.header, "Why it was skipped"])
        # The response is consumed after the request's transaction ended: the generator opens its own context.
        with activate(organization):
            last = 0
            while True:
                batch = list(
                    ImportRow.objects.filter(job_id=job.pk, number__gt=last)
                    .exclude(reason="")
                    .order_by("number")
                    .values_list("number", "line", "reason")[:SKIPPED_BATCH]
                )
                for number, line, reason in batch:
                    yield writer.writerow([number, *stored.read_cells(line), reason])
                if len(batch) < SKIPPED_BATCH:
                    return
                last = batch[-1][0]

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stem = job.filename.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = f'attachment; filename="{stem}-skipped-rows.csv"'
    return response


@require_GET
@role_required(Role.CSM)
def progress(request: OrgRequest, pk: int) -> HttpResponse:
    """The progress part of the page, polled while the file is checked or imported; it stops polling itself when
    done. A finished check reloads the page, which then shows the problems or what importing will do."""
    job = _job(pk)
    if wants_partial(request):
        if job.status in importing.EDITABLE:
            # The check ended: the page loads again to show its outcome. The address must differ from the page's
            # own (a new check's key), or the browser would only move to "#problems" without loading anything.
            checked = urlencode({"checked": job.summary.get("progress_key", "")})
            problems = "#problems" if job.status == ImportStatus.INVALID else ""
            url = org_reverse(request, "accounts:import_detail", job.pk)
            return HttpResponseClientRedirect(f"{url}?{checked}{problems}")
        return render(request, f"{TEMPLATE}#progress", _progress_context(job))
    return redirect(org_reverse(request, "accounts:import_detail", job.pk))
