"""Query helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Model, QuerySet


def first_of_each[M: Model](parts: Sequence[QuerySet[M]]) -> list[M]:
    """The rows of several sliced querysets (the first N of each column of a board) in one UNION ALL query, whatever
    the number of parts."""
    if not parts:
        return []
    combined: QuerySet[M] = parts[0].union(*parts[1:], all=True)
    return list(combined)
