"""The CSV import of accounts: upload a file, map its columns (with a live preview), see every problem or confirm
what will change, then follow the import to its summary. The work itself is in `accounts.services.importing`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms.importing import DelimiterForm, MappingForm, UploadForm
from accounts.importer import columns, files, rows
from accounts.importer.values import Lookups
from accounts.models import ImportJob
from accounts.services import importing
from csm.models import Role
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
    # The file itself is read only by the pages that need it (mapping, preview).
    job: ImportJob = get_object_or_404(ImportJob.objects.select_related("created_by").defer("content"), pk=pk)
    return job


def _detail(
    request: OrgRequest,
    job: ImportJob,
    *,
    mapping_form: MappingForm | None = None,
    delimiter_form: DelimiterForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "job": job,
        "in_progress": job.status in importing.IN_PROGRESS,
        "keep_days": importing.KEEP_UNFINISHED_DAYS,
    }
    if job.status in importing.EDITABLE:
        lookups = Lookups.load()
        targets = columns.targets(lookups.custom_fields.values(), revenue_source=lookups.revenue_source)
        context["mapping_form"] = mapping_form or MappingForm.for_mapping(
            job.mapping, targets=targets, header=job.header
        )
        context["delimiter_form"] = delimiter_form or DelimiterForm(initial={"delimiter": job.delimiter})
        context["upload_form"] = UploadForm()
        context.update(_preview(job, job.mapping, targets, lookups))
    return render(request, TEMPLATE, context, status=status)


def _preview(job: ImportJob, mapping: dict[str, int], targets: list[columns.Target], lookups: Lookups) -> Any:
    labels = {target.key: target.label for target in targets}
    # In the order of the targets (the stored mapping comes back from JSON in another order).
    mapped = {key: mapping[key] for key in labels if key in mapping}
    warnings = columns.header_warnings(job.header, mapped, revenue_source=lookups.revenue_source)
    parsed = files.parse(job.content, job.delimiter, limit=rows.PREVIEW_ROWS)
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
    """Keep the mapping and check every row with it."""
    job = _job(pk)
    if job.status not in importing.EDITABLE:
        messages.error(request, "This import has started: upload the file again to change it.")
        return redirect(org_reverse(request, "accounts:import_detail", job.pk))
    lookups = Lookups.load()
    targets = columns.targets(lookups.custom_fields.values(), revenue_source=lookups.revenue_source)
    form = MappingForm(request.POST, targets=targets, header=job.header)
    if not form.is_valid():
        return _detail(request, job, mapping_form=form, status=400)
    job = attempt(request, lambda: importing.check_import(actor=request.user, job=job, mapping=form.mapping())) or job
    return redirect(org_reverse(request, "accounts:import_detail", job.pk) + ("#problems" if job.errors else ""))


@require_POST
@role_required(Role.CSM)
def run(request: OrgRequest, pk: int) -> HttpResponse:
    """Start the import (or try a failed one again): it runs in the background."""
    job = _job(pk)
    if not importing.queue_import(actor=request.user, job=job):
        messages.error(request, "This import cannot start now: check the file first, or it has started already.")
    return redirect(org_reverse(request, "accounts:import_detail", job.pk))


@require_GET
@role_required(Role.CSM)
def progress(request: OrgRequest, pk: int) -> HttpResponse:
    """The progress part of the page, polled while the import runs; it stops polling itself when done."""
    job = _job(pk)
    if wants_partial(request):
        context = {
            "job": job,
            "in_progress": job.status in importing.IN_PROGRESS,
            "keep_days": importing.KEEP_UNFINISHED_DAYS,
        }
        return render(request, f"{TEMPLATE}#progress", context)
    return redirect(org_reverse(request, "accounts:import_detail", job.pk))
