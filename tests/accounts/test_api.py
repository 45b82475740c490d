"""The accounts API (/api/v1/accounts): an organization's key reads its own accounts, by page, external id or domain;
another organization's account is a 404, as an id that does not exist; the query count does not grow with the data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from csm import services
from csm.tenancy import activate
from tests.factories import AccountFactory


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def key_a(org_a, admin) -> str:
    with activate(org_a):
        _, key = services.create_api_key(actor=admin, organization=org_a, name="CRM sync")
    return key


@pytest.fixture
def accounts_b(org_b, outsider) -> list[int]:
    with activate(org_b):
        return [AccountFactory(name="Beta's customer", external_id="CRM-1", domains="shared.example").pk]


@pytest.mark.django_db
def test_an_account_reads_with_its_fields(org_a, key_a, csm):
    with activate(org_a):
        account = AccountFactory(
            name="Northwind", external_id="CRM-1", domains="northwind.example nw.example", owner=csm,
            mrr=Decimal("1250.50"), plan="Growth", seats=40,
        )  # fmt: skip
    response = Client().get(f"/api/v1/accounts/{account.pk}", headers=bearer(key_a))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Northwind"
    assert body["external_id"] == "CRM-1"
    assert body["domains"] == ["northwind.example", "nw.example"]
    assert body["owner_email"] == "carol@alpha.test"
    assert Decimal(body["mrr"]) == Decimal("1250.50")
    assert body["currency"] == "USD"
    assert body["seats"] == 40
    assert body["stage_category"] == "adoption"


@pytest.mark.django_db
def test_another_organizations_account_is_a_404(key_a, accounts_b):
    response = Client().get(f"/api/v1/accounts/{accounts_b[0]}", headers=bearer(key_a))
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
    listed = Client().get("/api/v1/accounts?external_id=CRM-1", headers=bearer(key_a)).json()
    assert listed == {"items": [], "next_after": None}


@pytest.mark.django_db
def test_the_list_pages_by_id_and_filters_by_external_id_and_domain(org_a, key_a, accounts_b):
    with activate(org_a):
        ids = [AccountFactory(domains=f"c{i}.example").pk for i in range(5)]
        shared = AccountFactory(external_id="CRM-1", domains="alpha.example shared.example other.example")
    client = Client()
    first = client.get("/api/v1/accounts?limit=2", headers=bearer(key_a)).json()
    assert [item["id"] for item in first["items"]] == ids[:2]
    assert first["next_after"] == ids[1]
    rest = client.get(f"/api/v1/accounts?limit=10&after={first['next_after']}", headers=bearer(key_a)).json()
    assert [item["id"] for item in rest["items"]] == [*ids[2:], shared.pk]
    assert rest["next_after"] is None

    def found(query: str) -> list[int]:
        response = client.get(f"/api/v1/accounts?{query}", headers=bearer(key_a))
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert found("external_id=CRM-1") == [shared.pk]
    assert found("domain=shared.example") == [shared.pk]
    assert found("domain=https://www.Shared.example/") == [shared.pk]
    assert found("domain=other.example") == [shared.pk]
    assert found("domain=hared.example") == []
    assert found("domain=a.example b.example") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=201",
        "after=-1",
        "after=99999999999999999999",
        "limit=abc",
        "external_id=" + "x" * 101,
        "external_id=a%00b",
        "domain=%00.example",
    ],
)
def test_bad_parameters_get_a_422(key_a, query):
    response = Client().get(f"/api/v1/accounts?{query}", headers=bearer(key_a))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.django_db
@pytest.mark.parametrize("account_id", ["0", "99999999999999999999", "abc"])
def test_an_impossible_id_is_not_a_500(key_a, account_id):
    assert Client().get(f"/api/v1/accounts/{account_id}", headers=bearer(key_a)).status_code in (404, 422)


@pytest.mark.django_db
def test_without_a_key_the_accounts_are_401(accounts_b):
    assert Client().get("/api/v1/accounts").status_code == 401
    assert Client().get(f"/api/v1/accounts/{accounts_b[0]}").status_code == 401


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_whatever_the_number_of_accounts(org_a, key_a, csm):
    client = Client()

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/api/v1/accounts?limit=200", headers=bearer(key_a)).status_code == 200
        return len(context.captured_queries)

    with activate(org_a):
        AccountFactory(owner=csm)
    queries()  # the key's first use of the minute records it (csm.apikeys.touch)
    few = queries()
    with activate(org_a):
        AccountFactory.create_batch(30, owner=csm)
    assert queries() == few
