"""Building HTML in Python for the hottest rows of a page (the accounts list's rows, task rows, board cards), where
the template engine would spend most of the request: a template variable costs a few microseconds to resolve and
escape, a row has dozens, and a page has hundreds of rows.

`esc` escapes exactly as Django does (`&`, `<`, `>`, `"`, `'`) and leaves safe HTML alone, without the lazy-string
checks of `django.utils.html.escape`; f-strings then assemble the row, and `safe` marks the result. Every renderer
built on it is tested against what its template used to write.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from html import escape as _escape
from typing import Any

from django.utils import translation
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.safestring import SafeData, SafeString
from django.utils.timezone import localtime


def esc(value: Any) -> str:
    """Text made safe for HTML (an attribute's value included); HTML that is already safe passes as it is."""
    if isinstance(value, SafeData):
        return str(value)
    return _escape(str(value), quote=True)


def clip(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters: cut at a word, with an ellipsis when cut."""
    plain = " ".join(text.split())
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


def safe(html: str) -> SafeString:
    return SafeString(html)


# Dates as the template filter `date` writes them, without its format parser: a page of rows writes hundreds.


@functools.cache
def _months(language: str | None) -> tuple[str, ...]:
    """The months' abbreviations in a language, as Django's `M` format writes them ("Jan"), read once."""
    with translation.override(language):
        return ("", *(str(MONTHS_3[month]).title() for month in range(1, 13)))


@functools.cache
def _weekdays(language: str | None) -> tuple[str, ...]:
    """The weekdays' abbreviations (`D`: "Mon"), Monday first."""
    with translation.override(language):
        return tuple(str(WEEKDAYS_ABBR[weekday]) for weekday in range(7))


def _local(value: date | datetime) -> date | datetime:
    return localtime(value) if isinstance(value, datetime) else value


def day(value: date | datetime) -> str:
    """`|date:"j M Y"`: "3 Mar 2026"; a moment is shown in the active time zone, as the template filter does."""
    value = _local(value)
    return f"{value.day} {_months(translation.get_language())[value.month]} {value.year}"


def day_of_month(value: date | datetime) -> str:
    """`|date:"j M"`: "3 Mar"."""
    value = _local(value)
    return f"{value.day} {_months(translation.get_language())[value.month]}"


def month_and_year(value: date | datetime) -> str:
    """`|date:"M Y"`: "Mar 2026"."""
    value = _local(value)
    return f"{_months(translation.get_language())[value.month]} {value.year}"


def weekday_and_day(value: date | datetime) -> str:
    """`|date:"D j M"`: "Tue 3 Mar"."""
    value = _local(value)
    language = translation.get_language()
    return f"{_weekdays(language)[value.weekday()]} {value.day} {_months(language)[value.month]}"


def day_and_time(value: datetime) -> str:
    """`|date:"j M Y, H:i"`: "3 Mar 2026, 09:05" in the active time zone."""
    moment = localtime(value)
    return f"{day(moment)}, {moment:%H:%M}"
