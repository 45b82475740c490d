"""The CSV import in a real browser: a CSM uploads a file with an error, is told the row and the reason while
nothing is written, fixes the file, imports it and follows the progress to the summary; another file is imported
skipping its invalid row, after its changes to a stored account have been shown field by field."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts import tasks
from accounts.models import Account, Contact, ImportJob, LifecycleStage
from accounts.services import importing
from csm.tenancy import activate
from tests.e2e.conftest import log_in
from tests.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BROKEN = (
    "Company,Website,Owner email,MRR,Contact name,Contact email\n"
    'Acme,acme.com,carol@alpha.test,"1,200.00",Jane Doe,jane@acme.com\n'
    "Beta,beta.com,carol@alpha.test,a lot,Max Mustermann,max@beta.com\n"
)
FIXED = BROKEN.replace("a lot", "350")


def _file(text: str) -> dict[str, object]:
    return {"name": "customers.csv", "mimeType": "text/csv", "buffer": text.encode()}


@pytest.mark.usefixtures("watch_console")
def test_a_csm_fixes_a_file_and_imports_it(live_server, page: Page, csm, org_a, monkeypatch):
    # The worker's part in the import is played by this test, one step at a time, so that the page's progress can
    # be watched; the check runs as tasks do in tests (eagerly, once the request has committed).
    queued: list[int] = []
    enqueue = importing.enqueue

    def worker(task, organization_id, job_id, *args):
        if task is tasks.run_import:
            queued.append(job_id)
        else:
            enqueue(task, organization_id, job_id, *args)

    monkeypatch.setattr(importing, "enqueue", worker)
    monkeypatch.setattr(importing, "BATCH_ROWS", 1)
    base = live_server.url
    log_in(page, base, csm.email)
    page.goto(f"{base}/alpha/accounts/import/")
    expect(page.get_by_role("heading", name="Import accounts", level=1)).to_be_visible()

    page.get_by_label("CSV file").set_input_files(_file(BROKEN))
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("heading", name="Import customers.csv")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("0")
    expect(page.get_by_label("Domains")).to_have_value("1")
    expect(page.get_by_label("MRR")).to_have_value("3")
    # The preview already shows how the rows read.
    expect(page.locator("#preview").get_by_text("is not a number")).to_be_visible()
    page.get_by_role("button", name="Check every row").click()

    problems = page.get_by_role("region", name="1 problem to fix")
    expect(problems.get_by_text("Nothing was imported.")).to_be_visible()
    row = problems.get_by_role("row").filter(has_text="a lot")
    expect(row.get_by_role("cell").nth(0)).to_have_text("3")
    expect(row.get_by_role("cell").nth(1)).to_have_text("D · MRR")
    expect(row).to_contain_text("is not a number")
    with activate(org_a):
        assert not Account.objects.exists() and not Contact.objects.exists()

    problems.get_by_label("CSV file").set_input_files(_file(FIXED))
    problems.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Check every row").click()
    ready = page.get_by_role("region", name="Ready to import")
    expect(ready).to_contain_text("2 accounts to create")
    expect(ready).to_contain_text("2 contacts to add")
    ready.get_by_role("button", name="Import 2 rows").click()

    progress = page.get_by_role("region", name="Waiting to start…")
    expect(progress).to_be_visible()
    assert len(queued) == 1
    with activate(org_a):
        job = ImportJob.objects.get(pk=queued[0])
    # The claim, then one row per batch; the page polls and shows each step.
    for expected in ("0 of 2 rows", "1 of 2 rows"):
        with activate(org_a):
            assert importing.run_import_step(job_id=job.pk)
        expect(page.get_by_text(expected)).to_be_visible()
    expect(page.locator("progress")).to_have_attribute("value", "50")
    with activate(org_a):
        assert not importing.run_import_step(job_id=job.pk)

    summary = page.get_by_role("region", name="Import done")
    expect(summary).to_be_visible()
    expect(summary.locator("dd").first).to_have_text("2")
    expect(summary).to_contain_text("Contacts added")
    # Done: the page stops polling.
    expect(page.locator("#import-progress[hx-trigger]")).to_have_count(0)
    with activate(org_a):
        acme = Account.objects.get(name="Acme")
        assert (acme.domains, acme.owner, str(acme.mrr)) == ("acme.com", csm, "1200.00")
        assert Account.objects.get(name="Beta").contacts.get().email == "max@beta.com"
    summary.get_by_role("link", name="See the accounts").click()
    expect(page).to_have_url(re.compile(r"/alpha/accounts/(\?.*)?$"))  # a CSM lands on their own book


MIXED = (
    "Company,Website,MRR,Lifecycle stage\n"
    "Acme,acme.com,150,Onboarding\n"
    "Beta,beta.com,a lot,\n"
    "Gamma,gamma.com,20,Adoption\n"
)


@pytest.mark.usefixtures("watch_console")
def test_a_csm_sees_the_changes_and_imports_the_valid_rows_skipping_the_rest(
    live_server, page: Page, csm, org_a, monkeypatch
):
    with activate(org_a):
        AccountFactory(
            name="Acme",
            domains="acme.com",
            owner=csm,
            mrr=Decimal(100),
            stage=LifecycleStage.objects.get(name="Adoption"),
        )
    base = live_server.url
    log_in(page, base, csm.email)
    page.goto(f"{base}/alpha/accounts/import/")
    page.get_by_label("CSV file").set_input_files(_file(MIXED))
    page.get_by_role("button", name="Upload and map columns").click()
    page.get_by_role("button", name="Check every row").click()

    problems = page.get_by_role("region", name="1 problem to fix")
    expect(problems.get_by_role("row").filter(has_text="a lot")).to_contain_text("is not a number")
    skip = problems.get_by_role("region", name="Or import the valid rows now")
    # Before anything runs: what the update changes, field by field, and the stage that moves back.
    expect(skip).to_contain_text("1 account would move back to an earlier lifecycle stage")
    changes = skip.get_by_role("listitem").filter(has_text="Acme").get_by_role("listitem")
    expect(changes.filter(has_text="Lifecycle stage:")).to_have_text(
        "Lifecycle stage: Adoption → Onboarding moves back to an earlier stage"
    )
    expect(changes.filter(has_text="MRR:")).to_have_text("MRR: 100.00 → 150")

    with page.expect_download() as download:
        problems.get_by_role("link", name="Download the 1 row with problems (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows == [
        ["Row", "Company", "Website", "MRR", "Lifecycle stage", "Why it was skipped"],
        ["3", "Beta", "beta.com", "a lot", "", "C · MRR: “a lot” is not a number: write 1234.50, 1,234.50 or 1234,50."],
    ]

    skip.get_by_role("button", name="Import 2 rows, skip 1").click()
    summary = page.get_by_role("region", name="Import done")
    expect(summary).to_contain_text("1 row was skipped")
    with activate(org_a):
        acme = Account.objects.get(name="Acme")
        assert (acme.stage.name, acme.mrr) == ("Onboarding", Decimal(150))
        assert sorted(Account.objects.values_list("name", flat=True)) == ["Acme", "Gamma"]


def test_the_import_pages_fit_a_phone(live_server, browser, csm, org_a):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    base = live_server.url
    log_in(page, base, csm.email)
    page.goto(f"{base}/alpha/accounts/import/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wide = "Company,Website,Owner email,MRR,Start date,Renewal date,Tags,Contact name,Contact email,Contact role\n"
    wide += "Acme Incorporated International,acme-international.example.com,carol@alpha.test,1200,2025-01-31,"
    wide += "2026-01-31,enterprise|pilot|emea,Jane Doe-Smithson,"
    wide += "jane.doe-smithson@acme-international.example.com,champion\n"
    page.get_by_label("CSV file").set_input_files(_file(wide))
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("heading", name="Import customers.csv")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


@pytest.mark.usefixtures("watch_console")
def test_the_page_follows_a_check_the_worker_runs_later_to_its_outcome(
    live_server, page: Page, csm, org_a, monkeypatch
):
    # The worker takes the check some time after the mapping is posted, as with `make run`: the page shows the
    # check waiting, polls, and loads the problems when the check has ended (same address but for "#problems" would
    # not load anything).
    held: list[tuple[int, int, int]] = []

    def worker(task, organization_id, job_id, *args):
        held.append((organization_id, job_id, *args))

    monkeypatch.setattr(importing, "enqueue", worker)
    base = live_server.url
    log_in(page, base, csm.email)
    page.goto(f"{base}/alpha/accounts/import/")
    page.get_by_label("CSV file").set_input_files(_file(BROKEN))
    page.get_by_role("button", name="Upload and map columns").click()
    page.get_by_role("button", name="Check every row").click()
    expect(page.get_by_role("heading", name="Checking every row…")).to_be_visible()
    expect(page.locator("#import-status")).to_have_text("Checking")
    [(organization_id, job_id, actor_id)] = held
    with activate(org_a):
        tasks.check_import(organization_id, job_id, actor_id)
    problems = page.get_by_role("region", name="1 problem to fix")
    expect(problems).to_be_visible()
    expect(page.locator("#import-status")).to_have_text("Has errors")
    expect(page).to_have_url(re.compile(r"\?checked=[^#]+#problems$"))
