"""Query helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet


def first_of_each[M: Model](parts: Sequence[QuerySet[M]]) -> list[M]:
    """The rows of several sliced querysets (the first N of each column of a board), in one UNION ALL where the
    database allows a LIMIT inside one (PostgreSQL), otherwise one query per part: a fixed number either way."""
    if not parts:
        return []
    if connections[parts[0].db].features.supports_slicing_ordering_in_compound:
        combined: QuerySet[M] = parts[0].union(*parts[1:], all=True)
        return list(combined)
    rows: list[Any] = []
    for part in parts:
        rows.extend(part)
    return rows
