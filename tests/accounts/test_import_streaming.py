"""The import's memory and time (issue 8, finding 9): the web request only stores an upload, in pieces; the worker
checks every row, reading the stored file as a stream, and the page follows the check; the import's batches read
the checked rows, not the file. The memory itself is measured by `make bench` (tests/bench/test_import_bench.py)."""

from __future__ import annotations

import pytest

from accounts.importer import files, stored
from accounts.models import Account, ImportFileChunk, ImportJob, ImportRow, ImportStatus
from accounts.services import importing
from csm.tenancy import activate
from tests.accounts.test_import import checked, csv, job_url, new_job, problems, run_now, upload


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of 16 bytes: every file of a test spans many, cut anywhere (inside a cell, a quote, a character)."""
    monkeypatch.setattr(files, "CHUNK_BYTES", 16)
    monkeypatch.setattr(stored, "CHUNK_BYTES", 16)


def test_an_upload_is_stored_in_pieces_and_only_its_header_is_read(csm_client, org_a, small_pieces):
    text = csv("Company,Website", *[f"Customer {i},c{i}.example.com" for i in range(20)])
    url = job_url(upload(csm_client, text))
    with activate(org_a):
        job = ImportJob.objects.get()
        pieces = list(ImportFileChunk.objects.filter(job=job).order_by("position").values_list("data", flat=True))
        assert b"".join(bytes(piece) for piece in pieces) == text.encode()
        assert len(pieces) == -(-len(text.encode()) // 16) and job.file_size == len(text.encode())
        # Nothing else was read: the rows are counted by the check, in the worker.
        assert (job.status, job.header, job.total_rows) == (ImportStatus.UPLOADED, ["Company", "Website"], 0)
        assert job.content == ""
    page = csm_client.get(url).content.decode()
    assert "Customer 0" in page  # the preview reads the first rows, from the stored pieces


def test_mapping_the_columns_has_the_worker_check_the_rows_and_the_page_follow_it(
    csm_client, org_a, django_capture_on_commit_callbacks
):
    url = job_url(upload(csm_client, csv("Company,MRR", "Acme,100", "Beta,lots")))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = csm_client.post(url + "map/", {"name": "0", "mrr": "1"})
    assert response["Location"] == url and len(callbacks) == 1
    with activate(org_a):
        job = ImportJob.objects.get()
        assert (job.status, job.errors, job.total_rows) == (ImportStatus.CHECKING, [], 0)
    page = csm_client.get(url).content.decode()
    assert "Checking every row…" in page and 'hx-trigger="every 1s"' in page
    # The mapping cannot change while the worker checks.
    assert csm_client.post(url + "map/", {"name": "0"}).status_code == 302
    with activate(org_a):
        assert ImportJob.objects.get().status == ImportStatus.CHECKING

    callbacks[0]()  # the worker
    polled = csm_client.get(url + "progress/", headers={"HX-Request": "true"})
    with activate(org_a):
        job = ImportJob.objects.get()
    # An address other than the page's own, or the browser would only scroll (the check's key makes it so).
    assert polled["HX-Redirect"] == f"{url}?checked={job.summary['progress_key']}#problems"
    with activate(org_a):
        assert (job.status, job.total_rows) == (ImportStatus.INVALID, 2)
        assert problems(job) == [(3, "MRR", "is not a number: write 1234.50, 1,234.50 or 1234,50.")]


def test_the_page_shows_how_far_the_check_has_got(csm_client, csm, org_a):
    with activate(org_a):
        job = new_job(csm, csv("name", *[f"Acme {i}" for i in range(10)]))
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING, summary={"progress_key": "k1"})
        job.refresh_from_db()
        progress = importing.CheckProgress(job)
        progress.block(b"x" * (job.file_size // 2))
        progress("reading", 4)
    partial = csm_client.get(f"/alpha/accounts/import/{job.pk}/progress/", headers={"HX-Request": "true"})
    content = partial.content.decode()
    assert 'hx-trigger="every 1s"' in content and "Reading the file: 4 rows so far." in content
    assert 'value="25"' in content  # reading the file is the first half of a check


def test_a_started_import_says_it_checks_the_file_again_first(csm_client, csm, org_a):
    with activate(org_a):
        job = new_job(csm, csv("name", *[f"Acme {i}" for i in range(10)]))
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.QUEUED, total_rows=10, summary={"progress_key": "k2"}
        )
        job.refresh_from_db()
        importing.CheckProgress(job, for_import=True)("checking", 6)
    content = csm_client.get(f"/alpha/accounts/import/{job.pk}/progress/", headers={"HX-Request": "true"}).content
    text = content.decode()
    assert '<h2 id="progress-title">Checking the file again…</h2>' in text
    assert "Checking the file again first: 6 rows" in text and "0 of 10 rows" in text


def test_a_file_is_read_right_across_its_pieces(in_org_a, csm, small_pieces):
    text = csv(
        "Company,Website,Notes,Contact name,Contact email",
        'Café Zürich,cafe.ch,"Line one\nline two, with ""quotes""",Zoë Ünal,zoe@cafe.ch',
        "Åsa & Søn,asa.no,,,",
        "Ελληνικά,greek.gr,,Νίκος,nikos@greek.gr",
    )
    job = checked(csm, text.encode())
    assert job.status == ImportStatus.VALID and job.total_rows == 3 and job.summary["multiline"]
    run_now(in_org_a, csm, job)
    assert sorted(Account.objects.values_list("name", flat=True)) == ["Café Zürich", "Åsa & Søn", "Ελληνικά"]


def test_a_row_that_cannot_be_read_is_a_problem_of_the_check_not_of_the_upload(in_org_a, csm):
    text = 'name,plan\nAcme,Pro\nBeta,"Pro\n' + "x," * 70000 + "\n"
    job = new_job(csm, text)
    assert job.status == ImportStatus.UPLOADED
    job = importing.check_import(actor=csm, job=job, mapping=job.mapping)
    assert job.status == ImportStatus.INVALID
    [(row, _, message)] = problems(job)
    assert row is None and "cannot be read" in message and "quote" in message
    assert not ImportRow.objects.exists()


def test_a_check_that_fails_says_so_and_can_be_asked_again(csm_client, csm, org_a, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    with activate(org_a):
        job = new_job(csm, csv("name", "Acme"))
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING)
        monkeypatch.setattr(importing.plan, "check_file", broken)
        importing.run_check(job_id=job.pk, actor_id=csm.pk)
        job.refresh_from_db()
        assert job.status == ImportStatus.UPLOADED
    page = csm_client.get(f"/alpha/accounts/import/{job.pk}/").content.decode()
    assert "The check stopped on an unexpected error" in page and "Check every row" in page


def test_a_redelivered_check_does_nothing_once_the_job_is_checked(in_org_a, csm):
    job = checked(csm, csv("name", "Acme"))
    importing.run_check(job_id=job.pk, actor_id=csm.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.VALID


def test_the_import_reads_the_file_once_and_its_batches_read_the_checked_rows(in_org_a, csm, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)
    job = checked(csm, csv("name,external id,contact", "Acme,A-1,Ann", "Beta,B-1,Bob", "Acme,A-1,Cid", "Gamma,,"))
    opened = []
    original = stored.open_file
    monkeypatch.setattr(stored, "open_file", lambda job, **kwargs: opened.append(job.pk) or original(job, **kwargs))
    steps = []
    step = importing.run_import_step

    def counting(*, job_id):
        more = step(job_id=job_id)
        steps.append(ImportJob.objects.get(pk=job_id).processed_rows)
        return more

    monkeypatch.setattr(importing, "run_import_step", counting)
    job = run_now(in_org_a, csm, job)
    assert job.status == ImportStatus.DONE and opened == [job.pk]  # the check that starts the import
    # The rows in the order they are written: Acme's two rows together, then Beta, then Gamma.
    assert steps == [0, 2, 4]
    assert Account.objects.get(external_id="A-1").contacts.count() == 2
    # Done: the file and the checked rows are gone.
    assert not ImportFileChunk.objects.filter(job=job).exists() and not ImportRow.objects.filter(job=job).exists()


def test_accounts_spread_over_the_file_are_gathered_in_the_order_of_their_first_rows(in_org_a, csm):
    job = checked(csm, csv("name,external id,mrr", "Acme,A-1,10", "Beta,B-1,20", "Acme,A-1,30"))
    # The two rows of Acme disagree: the second one is the problem, whatever lies between them.
    assert problems(job) == [
        (4, "mrr", "Duplicate inside the file: row 2 is the same account (external id A-1) and gives “10”.")
    ]
    job = checked(csm, csv("name,external id,mrr", "Acme,A-1,10", "Beta,B-1,20", "Acme,A-1,"))
    assert job.status == ImportStatus.VALID and job.summary["plan"]["accounts_created"] == 2


def test_the_size_limit_is_a_setting_enforced_while_the_upload_is_stored(csm_client, org_a, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1024
    response = upload(csm_client, csv("name", *[f"Customer number {i}" for i in range(100)]))
    assert response.status_code == 400 and "larger than 1,024 bytes" in response.content.decode()
    with activate(org_a):
        assert not ImportJob.objects.exists() and not ImportFileChunk.objects.exists()


def test_the_sweep_forgets_the_stored_pieces_and_rows_of_stale_imports(in_org_a, org_a, csm):
    from datetime import timedelta

    from django.utils.timezone import now

    stale = checked(csm, csv("name,mrr", "Acme,1", "Beta,lots"))  # invalid: its row with a problem is kept
    done = run_now(in_org_a, csm, checked(csm, csv("name,mrr", "Gamma,1")))
    ImportJob.objects.filter(pk=stale.pk).update(created_at=now() - timedelta(days=importing.KEEP_UNFINISHED_DAYS + 1))
    ImportRow.objects.create(
        organization=org_a, job=done, position=0, number=2, first_row=2, last_position=0, line="Gamma,x", reason="r"
    )
    ImportJob.objects.filter(pk=done.pk).update(finished_at=now() - timedelta(days=importing.KEEP_UNFINISHED_DAYS + 1))
    assert ImportFileChunk.objects.filter(job=stale).exists() and ImportRow.objects.filter(job=stale).exists()

    assert importing.discard_stale_imports(organization=org_a) == 1
    assert not ImportFileChunk.objects.filter(job=stale).exists() and not ImportRow.objects.filter(job=stale).exists()
    # The rows a finished import skipped go after as long.
    assert not ImportRow.objects.filter(job=done).exists()
