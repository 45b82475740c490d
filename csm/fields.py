"""Model fields the apps share."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import models


class StoredGeneratedField(models.GeneratedField):
    """A column PostgreSQL computes and stores (`GENERATED ALWAYS AS (...) STORED`), as `GeneratedField(...,
    db_persist=True)`, without Django's check of which kinds of generated column the server supports: that check
    connects to every database to read the server's version, so `manage.py check --deploy` in an image build and
    `provision_db` before the app's role exists would fail. Every PostgreSQL the app runs on (15 or newer) stores
    generated columns. Migrations see a plain GeneratedField."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["db_persist"] = True
        super().__init__(*args, **kwargs)

    def _check_supported(self, databases: Any) -> list[checks.CheckMessage]:
        return []

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.GeneratedField", args, kwargs
