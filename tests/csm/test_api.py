"""API keys: made by admins, shown once, stored hashed; the /api/v1/ namespace answers 401 in JSON without one."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client

from csm import services
from csm.models import ApiKey
from csm.tenancy import activate


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def key_a(org_a, admin) -> str:
    with activate(org_a):
        _, key = services.create_api_key(actor=admin, organization=org_a, name="Usage events")
    return key


@pytest.fixture
def key_b(org_b, outsider) -> str:
    with activate(org_b):
        _, key = services.create_api_key(actor=outsider, organization=org_b, name="Beta sync")
    return key


@pytest.mark.django_db
def test_ping_answers_with_the_keys_organization(key_a, key_b, org_a, org_b):
    response = Client().get("/api/v1/ping", headers=bearer(key_a))
    assert response.status_code == 200
    body = response.json()
    assert body["organization"] == {"id": org_a.pk, "slug": "alpha", "name": "Alpha Corp"}
    assert body["key"]["name"] == "Usage events"
    assert Client().get("/api/v1/ping", headers=bearer(key_b)).json()["organization"]["slug"] == "beta"


def assert_401(response, message: str) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"error": {"code": "unauthorized", "message": message}}


@pytest.mark.django_db
def test_a_missing_key_gets_401(key_a):
    assert_401(Client().get("/api/v1/ping"), "Missing API key: send it as 'Authorization: Bearer <key>'.")
    assert_401(
        Client().get("/api/v1/ping", headers={"Authorization": "Basic abc"}),
        "Missing API key: send it as 'Authorization: Bearer <key>'.",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("mangle", ["garbage", "wrong-secret", "wrong-org", "unknown-org"])
def test_a_wrong_key_gets_401(key_a, key_b, org_b, mangle):
    _, org_id, secret = re.match(r"^(csm)_(\d+)_(.+)$", key_a).groups()
    wrong = {
        "garbage": "not-a-key",
        "wrong-secret": f"csm_{org_id}_{secret[:-4]}AAAA",
        "wrong-org": f"csm_{org_b.pk}_{secret}",  # a real secret, presented as another organization's
        "unknown-org": f"csm_999999_{secret}",
    }[mangle]
    assert_401(Client().get("/api/v1/ping", headers=bearer(wrong)), "Invalid API key.")


@pytest.mark.django_db
def test_a_revoked_key_gets_401(key_a, admin_client, org_a):
    with activate(org_a):
        api_key = ApiKey.objects.get()
    assert admin_client.post(f"/alpha/settings/api-keys/{api_key.pk}/revoke/").status_code == 302
    assert_401(Client().get("/api/v1/ping", headers=bearer(key_a)), "This API key has been revoked.")


@pytest.mark.django_db
def test_using_a_key_records_its_last_use(key_a, org_a):
    Client().get("/api/v1/ping", headers=bearer(key_a))
    with activate(org_a):
        assert ApiKey.objects.get().last_used_at is not None


@pytest.mark.django_db
def test_an_admin_creates_a_key_that_is_shown_once_and_stored_hashed(admin_client, org_a):
    created = admin_client.post("/alpha/settings/api-keys/", {"name": "CRM sync"})
    assert created.status_code == 302 and created["Location"] == "/alpha/settings/api-keys/"
    response = admin_client.get(created["Location"])
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = re.search(rb'value="(csm_\d+_[^"]+)"', response.content).group(1).decode()
    assert Client().get("/api/v1/ping", headers=bearer(key)).status_code == 200

    with activate(org_a):
        api_key = ApiKey.objects.get()
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM csm_apikey")
            stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key.split("_", 2)[2] not in stored
    assert api_key.key_hash == ApiKey.hash_secret(key.split("_", 2)[2])

    # Reloading the page shows the key no more, and creates no other.
    listing = admin_client.get("/alpha/settings/api-keys/")
    assert api_key.display_prefix.encode() in listing.content
    assert key.encode() not in listing.content
    with activate(org_a):
        assert ApiKey.objects.count() == 1


@pytest.mark.django_db
def test_a_key_needs_a_name(admin_client, org_a):
    response = admin_client.post("/alpha/settings/api-keys/", {"name": "  "})
    assert response.status_code == 400
    assert b"This field is required" in response.content
    with activate(org_a):
        assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_the_api_publishes_an_openapi_schema(db):
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/ping" in schema["paths"]
    assert any(s.get("scheme") == "bearer" for s in schema["components"]["securitySchemes"].values())
    assert Client().get("/api/v1/docs").status_code == 200


@pytest.mark.django_db
def test_unknown_api_paths_answer_in_json(db):
    response = Client().get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
