"""Importing the valid rows and skipping the others, with the skipped rows downloadable; the changes an update makes,
field by field, before it runs; one tag separator, the comma (issue 8, finding 8)."""

from __future__ import annotations

import csv as csv_module
import io
from decimal import Decimal

from accounts.importer import plan
from accounts.models import Account, ImportJob, ImportRow, ImportStatus, LifecycleStage
from accounts.services import accounts as account_services
from accounts.services import importing
from csm.models import Membership
from csm.tenancy import activate
from tests.accounts.test_import import checked, csv, job_url, run_now, upload
from tests.conftest import client_for
from tests.factories import AccountFactory

BAD_ROWS = csv(
    "Company,MRR,External id,Contact name",
    "Acme,100,A-1,Ann",
    "Beta,lots,B-1,Bob",
    "Gamma,300,C-1,Cid",
    "Gamma,300,C-1,Cora",
    "Gamma,nine,C-1,Cy",
)


def downloaded(client, url: str) -> list[list[str]]:
    response = client.get(url + "skipped.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    return list(csv_module.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_valid_rows_can_be_imported_and_the_others_skipped(csm_client, org_a, django_capture_on_commit_callbacks):
    url = job_url(upload(csm_client, BAD_ROWS))
    with django_capture_on_commit_callbacks(execute=True):
        csm_client.post(url + "map/", {"name": "0", "mrr": "1", "external_id": "2", "contact_name": "3"})
    page = csm_client.get(url).content.decode()
    assert "2 problems to fix" in page and "Or import the valid rows now" in page
    # Beta's row, and the three rows of Gamma (one of them is wrong): one row can be imported.
    assert "Import 1 row, skip 4" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = csm_client.post(url + "run/", {"skip_invalid": "on"})
    assert response.status_code == 302
    with activate(org_a):
        job = ImportJob.objects.get()
        assert (job.status, job.skip_invalid, job.summary["skipped_rows"]) == (ImportStatus.DONE, True, 4)
        assert list(Account.objects.values_list("name", flat=True)) == ["Acme"]
    page = csm_client.get(url).content.decode()
    assert "4 rows were skipped" in page and "skipped.csv" in page


def test_the_skipped_rows_download_with_their_cells_and_why(csm_client, org_a, django_capture_on_commit_callbacks):
    url = job_url(upload(csm_client, BAD_ROWS))
    with django_capture_on_commit_callbacks(execute=True):
        csm_client.post(url + "map/", {"name": "0", "mrr": "1", "external_id": "2", "contact_name": "3"})
    before = downloaded(csm_client, url)
    assert before == [
        ["Row", "Company", "MRR", "External id", "Contact name", "Why it was skipped"],
        ["3", "Beta", "lots", "B-1", "Bob", "B · MRR: “lots” is not a number: write 1234.50, 1,234.50 or 1234,50."],
        ["4", "Gamma", "300", "C-1", "Cid", "Skipped with row 6, the same account."],
        ["5", "Gamma", "300", "C-1", "Cora", "Skipped with row 6, the same account."],
        ["6", "Gamma", "nine", "C-1", "Cy", "B · MRR: “nine” is not a number: write 1234.50, 1,234.50 or 1234,50."],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        csm_client.post(url + "run/", {"skip_invalid": "on"})
    # After the import too, and only them: the imported rows are gone.
    assert downloaded(csm_client, url) == before


def test_all_or_nothing_stays_the_default(csm_client, org_a, django_capture_on_commit_callbacks):
    url = job_url(upload(csm_client, BAD_ROWS))
    with django_capture_on_commit_callbacks(execute=True):
        csm_client.post(url + "map/", {"name": "0", "mrr": "1", "external_id": "2", "contact_name": "3"})
    with django_capture_on_commit_callbacks(execute=True):
        csm_client.post(url + "run/")
    with activate(org_a):
        assert ImportJob.objects.get().status == ImportStatus.INVALID and not Account.objects.exists()


def test_a_column_to_ask_about_cannot_be_skipped(in_org_a, csm):
    job = checked(csm, csv("name,mrr", "Acme,2.400", "Beta,1.500", "Gamma,"))
    assert job.status == ImportStatus.INVALID and not importing.may_skip_invalid(job)
    assert not importing.queue_import(actor=csm, job=job, background=False, skip_invalid=True)


def test_a_row_that_fails_during_the_import_is_skipped_too(in_org_a, org_a, csm, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_ROWS", 1)
    job = checked(csm, csv("name,owner,mrr", "Acme,carol@alpha.test,1", "Beta,carol@alpha.test,2", "Gamma,,lots"))
    assert importing.queue_import(actor=csm, job=job, background=False, skip_invalid=True)
    assert importing.run_import_step(job_id=job.pk)  # checked again: Gamma is skipped
    assert importing.run_import_step(job_id=job.pk)  # Acme
    Membership.objects.filter(user=csm).update(is_active=False)
    # Carol can no longer own accounts: with the invalid rows skipped, that skips Beta, it does not stop the import.
    job = importing.run_import_in_process(organization=org_a, job_id=job.pk)
    assert job.status == ImportStatus.DONE and job.summary["skipped_rows"] == 2
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme"]
    reasons = dict(ImportRow.objects.filter(job=job).values_list("number", "reason"))
    assert reasons[3].startswith("B · owner: “carol@alpha.test” is not the email of an active member")


def test_the_check_lists_each_update_field_by_field_and_a_stage_moving_back(csm_client, org_a, manager):
    with activate(org_a):
        stages = {stage.name: stage for stage in LifecycleStage.objects.all()}
        AccountFactory(name="Acme", external_id="A-1", stage=stages["Adoption"], mrr=Decimal(100), owner=manager)
        AccountFactory(name="Beta", external_id="B-1", stage=stages["Onboarding"], mrr=Decimal(5), owner=manager)
        job = checked(
            manager,
            csv("name,external id,stage,mrr", "Acme,A-1,Onboarding,150", "Beta,B-1,Adoption,5", "Gamma,C-1,,9"),
        )
    assert job.status == ImportStatus.VALID and job.summary["plan"]["accounts_updated"] == 2
    assert job.summary["backwards_count"] == 1
    page = client_for(manager).get(f"/alpha/accounts/import/{job.pk}/").content.decode()
    assert "2 accounts to update, field by field" in page
    assert "1 account would move back to an earlier lifecycle stage" in page
    acme = page.index("<strong>Acme</strong>")
    assert acme < page.index("<strong>Beta</strong>")  # the move back first
    assert (
        'Lifecycle stage: <span class="import-old">Adoption</span> → <span class="import-new">Onboarding</span> '
        '<strong class="import-backwards-note">moves back to an earlier stage</strong>'
    ) in page
    assert 'MRR: <span class="import-old">100.00</span> → <span class="import-new">150</span>' in page
    forward = (
        'Lifecycle stage: <span class="import-old">Onboarding</span> → <span class="import-new">Adoption</span></li>'
    )
    assert forward in page


def test_the_list_of_updates_is_capped_with_the_moves_back_first(in_org_a, manager, monkeypatch):
    monkeypatch.setattr(plan, "UPDATES_KEPT", 1)
    stages = {stage.name: stage for stage in LifecycleStage.objects.all()}
    AccountFactory(name="Acme", external_id="A-1", stage=stages["Onboarding"], owner=manager)
    AccountFactory(name="Beta", external_id="B-1", stage=stages["Adoption"], owner=manager)
    job = checked(manager, csv("name,external id,stage", "Acme,A-1,Adoption", "Beta,B-1,Onboarding"))
    assert job.summary["update_count"] == 2
    assert [update["account"] for update in job.summary["updates"]] == ["Beta"]


def test_tags_are_separated_by_commas_as_in_the_account_form(in_org_a, org_a, csm):
    run_now(org_a, csm, checked(csm, csv("name;tags", "Acme;vip, pilot", "Beta;R|D, emea", "Gamma;beta")))
    tags = {account.name: sorted(account.tags.values_list("name", flat=True)) for account in Account.objects.all()}
    # A column with commas is read as the form reads: | and ; are part of a name there.
    assert tags == {"Acme": ["pilot", "vip"], "Beta": ["R|D", "emea"], "Gamma": ["beta"]}


def test_a_tags_column_without_commas_is_still_read_by_bars_and_semicolons(in_org_a, org_a, csm):
    # As other tools export tags, and as this import documented them until now.
    run_now(org_a, csm, checked(csm, csv("name,tags", "Acme,vip|pilot", "Beta,emea;beta")))
    tags = {account.name: sorted(account.tags.values_list("name", flat=True)) for account in Account.objects.all()}
    assert tags == {"Acme": ["pilot", "vip"], "Beta": ["beta", "emea"]}


def test_the_exports_tags_read_back_as_the_same_tags(in_org_a, org_a, csm, csm_client):
    # One separator everywhere: the export writes what the form and the import read.
    account = AccountFactory(name="Acme", external_id="A-1", owner=csm)
    account_services.set_tags(actor=csm, account=account, names=["vip", "pilot"])
    exported = b"".join(csm_client.get("/alpha/accounts/export.csv").streaming_content).decode("utf-8-sig")
    header, row = list(csv_module.reader(io.StringIO(exported)))
    assert row[header.index("tags")] == "pilot, vip"
    account.tags.clear()
    run_now(org_a, csm, checked(csm, exported))
    assert sorted(Account.objects.get(pk=account.pk).tags.values_list("name", flat=True)) == ["pilot", "vip"]


def test_the_pages_say_how_tags_are_separated(csm_client):
    page = csm_client.get("/alpha/accounts/import/").content.decode()
    assert "Separated by commas, as in the account form (vip, pilot)" in page
