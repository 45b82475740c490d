"""Cursors for lists ordered newest first by (time, id): `<microseconds since the epoch>_<id>` of the last row
shown. The next page costs the same whatever its depth, unlike OFFSET."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode(moment: datetime, pk: int) -> str:
    delta = moment - EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}_{pk}"


def decode(value: str) -> tuple[datetime, int] | None:
    """The (time, id) of a cursor, or None when it is absent or malformed (a list then shows its first page)."""
    micros, _, pk = value.partition("_")
    if not (micros.isascii() and micros.isdigit() and pk.isascii() and pk.isdigit()) or len(micros) > 18:
        return None
    if len(pk) > 18:
        return None
    try:
        return EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except OverflowError:  # past year 9999
        return None
