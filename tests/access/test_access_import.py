"""Role matrix of the CSV import: every member may import (it is the CSM's workspace); another organization's
import answers 404 and stays as it was."""

from __future__ import annotations

import pytest

from accounts.models import Account, ImportJob, ImportStatus
from csm.tenancy import activate
from tests.conftest import client_for
from tests.matrix import Case, check, path_of, request

CASES = [
    Case("accounts:import", "get", "/{org}/accounts/import/", 200, 200, 200),
    # Without a file the form is refused: the answer says the role may post, and nothing is created.
    Case("accounts:import", "post", "/{org}/accounts/import/", 400, 400, 400),
    Case("accounts:import_detail", "get", "/{org}/accounts/import/{import}/", 200, 200, 200),
    Case("accounts:import_progress", "get", "/{org}/accounts/import/{import}/progress/", 302, 302, 302),
    Case("accounts:import_delimiter", "post", "/{org}/accounts/import/{import}/delimiter/", 302, 302, 302,
         (("delimiter", ","),)),
    Case("accounts:import_map", "post", "/{org}/accounts/import/{import}/map/", 302, 302, 302, (("name", "0"),)),
    Case("accounts:import_run", "post", "/{org}/accounts/import/{import}/run/", 302, 302, 302),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.name}")
def test_role_matrix(case, world, admin, manager, csm, outsider):
    check(case, world["alpha"], csm=csm, manager=manager, admin=admin, outsider=outsider)


ID_CASES = [case for case in CASES if case.has_ids]


@pytest.mark.django_db
@pytest.mark.parametrize("case", ID_CASES, ids=lambda c: f"{c.method} {c.name}")
def test_another_organizations_import_answers_404_and_changes_nothing(case, world, admin, manager, org_b):
    for persona in (admin, manager):
        response = request(client_for(persona), case, path_of(case, "alpha", world["beta"]))
        assert response.status_code == 404
    with activate(org_b):
        job = ImportJob.objects.get(pk=world["beta"]["import"])
        assert (job.status, job.delimiter, job.mapping) == (ImportStatus.UPLOADED, ",", {})
        assert Account.objects.count() == 1


@pytest.mark.django_db
def test_wrong_methods_are_refused(world, csm):
    client = client_for(csm)
    job = world["alpha"]["import"]
    assert client.put("/alpha/accounts/import/").status_code == 405
    for action in ("delimiter", "map", "run"):
        assert client.get(f"/alpha/accounts/import/{job}/{action}/").status_code == 405
    assert client.post(f"/alpha/accounts/import/{job}/").status_code == 405
    assert client.post(f"/alpha/accounts/import/{job}/progress/").status_code == 405


@pytest.mark.django_db
def test_a_member_imports_into_their_own_organization_only(
    world, csm, org_a, org_b, django_capture_on_commit_callbacks
):
    client = client_for(csm)
    job = world["alpha"]["import"]
    with django_capture_on_commit_callbacks(execute=True):  # the worker checks the rows once the mapping is kept
        client.post(f"/alpha/accounts/import/{job}/map/", {"name": "0"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/alpha/accounts/import/{job}/run/")
    with activate(org_a):
        assert ImportJob.objects.get(pk=job).status == ImportStatus.DONE
        assert Account.objects.filter(name="Acme").count() == 1
    with activate(org_b):
        assert not Account.objects.filter(name="Acme").exists()
