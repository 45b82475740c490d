"""Integration secrets are encrypted at rest and survive key rotation."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from csm import crypto


def test_round_trip_and_the_ciphertext_hides_the_secret():
    token = crypto.encrypt("sk_live_123")
    assert "sk_live_123" not in token
    assert crypto.decrypt(token) == "sk_live_123"


def test_rotation_keeps_old_tokens_readable_and_reencrypts_with_the_new_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("whsec_abc")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == "whsec_abc"
    rotated = crypto.reencrypt(token)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "whsec_abc"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        crypto.decrypt(token)


def test_a_malformed_key_is_a_clear_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        crypto.encrypt("x")


def test_the_field_stores_ciphertext():
    field = crypto.EncryptedTextField()
    stored = field.get_prep_value("sk_test_456")
    assert stored != "sk_test_456"
    assert field.from_db_value(stored, None, connection) == "sk_test_456"
    assert field.get_prep_value("") == "" and field.get_prep_value(None) is None
