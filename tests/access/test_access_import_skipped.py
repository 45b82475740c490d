"""Role matrix of the download of an import's skipped rows: every member may download them (the import is the CSM's
workspace); another organization's import answers 404."""

from __future__ import annotations

import pytest

from tests.conftest import client_for
from tests.matrix import Case, check, path_of, request

CASES = [
    Case("accounts:import_skipped", "get", "/{org}/accounts/import/{import}/skipped.csv", 200, 200, 200),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.name}")
def test_role_matrix(case, world, admin, manager, csm, outsider):
    check(case, world["alpha"], csm=csm, manager=manager, admin=admin, outsider=outsider)


@pytest.mark.django_db
def test_another_organizations_skipped_rows_answer_404(world, admin):
    response = request(client_for(admin), CASES[0], path_of(CASES[0], "alpha", world["beta"]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_only_get_is_answered(world, csm):
    assert client_for(csm).post(f"/alpha/accounts/import/{world['alpha']['import']}/skipped.csv").status_code == 405
