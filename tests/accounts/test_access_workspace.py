"""Role matrix of the workspace pages that exist so far (each page family adds its own module)."""

from __future__ import annotations

import pytest

from tests.matrix import Case, check

CASES: list[Case] = []


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_role_matrix(case, admin, manager, csm, outsider):
    check(case, {}, csm=csm, manager=manager, admin=admin, outsider=outsider)
