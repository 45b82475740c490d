"""A custom number is kept as a plain decimal by the account form, as by the import: 2400, never "2.4E+3"; the
values the form had kept that way are rewritten by migration 0018."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from accounts.models import Account, CustomField, CustomFieldType
from tests.factories import AccountFactory

migration = import_module("accounts.migrations.0018_custom_numbers_plain")


def test_the_form_keeps_whole_and_fractional_numbers_plain(in_org_a, csm, csm_client):
    CustomField.objects.create(
        organization=in_org_a, label="Seats bought", key="seats_bought", field_type=CustomFieldType.NUMBER
    )
    account = AccountFactory(name="Acme", owner=csm)
    for typed, kept in (("2400", "2400"), ("2400.0000", "2400"), ("12.50", "12.5"), ("0.0001", "0.0001")):
        response = csm_client.post(
            f"/alpha/accounts/{account.pk}/edit/",
            {"name": "Acme", "mrr": "0", "owner_id": csm.pk, "custom_seats_bought": typed},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Account.objects.get(pk=account.pk).custom_fields["seats_bought"] == kept
    page = csm_client.get(f"/alpha/accounts/{account.pk}/").content.decode()
    assert "E+" not in page


def test_the_migration_rewrites_numbers_kept_with_an_exponent(in_org_a):
    CustomField.objects.create(organization=in_org_a, label="Seats", key="seats_bought", field_type="number")
    CustomField.objects.create(organization=in_org_a, label="Code", key="code", field_type="text")
    kept = AccountFactory(custom_fields={"seats_bought": "2.4E+3", "code": "1E+5"})
    plain = AccountFactory(custom_fields={"seats_bought": "12.5"})
    odd = AccountFactory(custom_fields={"seats_bought": "lots"})

    migration.rewrite(apps, SimpleNamespace(connection=connection))

    values = {a.pk: a.custom_fields for a in Account.objects.all()}
    assert values[kept.pk] == {"seats_bought": "2400", "code": "1E+5"}  # a text field is left as typed
    assert values[plain.pk] == {"seats_bought": "12.5"} and values[odd.pk] == {"seats_bought": "lots"}
