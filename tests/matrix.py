"""The role matrix, shared by every app's access tests.

Each `tests/**/test_access*.py` module lists `CASES`: every URL of its pages with the expected answer for each
persona. `tests/csm/test_access.py` checks that together they cover every URL under /<org_slug>/.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any

from django.test import Client

import tests
from tests.conftest import client_for

LOGIN = "login"


@dataclass(frozen=True)
class Case:
    name: str  # the URL name, such as "accounts:detail"
    method: str  # "get" or "post"
    path: str  # "/{org}/accounts/{account}/": {org} is the slug, the other names come from the world's ids
    csm: int
    manager: int
    admin: int
    data: tuple[tuple[str, str], ...] = ()
    anonymous: int | str = LOGIN

    @property
    def has_ids(self) -> bool:
        return "{" in self.path.replace("{org}", "")


def path_of(case: Case, org: str, ids: dict[str, Any]) -> str:
    return case.path.format(org=org, **ids)


def request(client: Client, case: Case, path: str, data: dict[str, str] | None = None, ids: Any = None) -> Any:
    """Send the case's request; `{name}` in a data value is filled from the ids, like the path."""
    payload = {key: value.format(**(ids or {})) for key, value in case.data} if data is None else data
    if case.method == "get":
        return client.get(path, payload)
    return client.post(path, payload)


def check(case: Case, ids: dict[str, Any], *, anonymous: bool = True, **personas: Any) -> None:
    """Request the case as each persona (csm, manager, admin, outsider) and compare with the expectation."""
    path = path_of(case, "alpha", ids)
    if anonymous:
        response = request(Client(), case, path, ids=ids)
        if case.anonymous == LOGIN:
            assert response.status_code == 302, path
            assert response["Location"].startswith("/login/?next="), path
        else:
            assert response.status_code == case.anonymous, path
    assert request(client_for(personas["outsider"]), case, path, ids=ids).status_code == 404, f"outsider {path}"
    for role in ("csm", "manager", "admin"):
        response = request(client_for(personas[role]), case, path, ids=ids)
        assert response.status_code == getattr(case, role), f"{role} {case.method.upper()} {path}"


def all_cases() -> list[Case]:
    """Every case of every `test_access*` module of the suite."""
    found: list[Case] = []
    for module_info in pkgutil.walk_packages(tests.__path__, "tests."):
        if module_info.name.rsplit(".", 1)[-1].startswith("test_access"):
            module = importlib.import_module(module_info.name)
            found += getattr(module, "CASES", [])
    return found
