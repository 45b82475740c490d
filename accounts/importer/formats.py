"""How a column writes its numbers and dates, decided from the whole column.

A number such as `2.400` or `1,500` reads two ways: with a decimal point (2.4, 1,500 = fifteen hundred) or with a
decimal comma (2,400 = two thousand four hundred, 1.5). A date such as `03/04/2025` reads day first (3 April) or month
first (4 March). One value rarely says which; a column almost always does: `1.234,50` or `2,5` next to `2.400` settle
its decimal comma, `31/12/2027` (there is no month 31) settles its dates day first. So the check looks at every value
of a number or date column before it reads any, and reads the whole column one way. When the column itself cannot
tell (only values like `2.400` and `1.500`, or only dates whose day and month are both 12 or less), or when it holds
both ways, the person says which on the mapping step: the check asks, and reads nothing of that column until then.
A tags column is decided the same way: by commas wherever it holds one (see TAGS).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import CustomField, CustomFieldType

# How a column writes its numbers, and its dates.
POINT, COMMA = "point", "comma"  # 1,234.50 or 1.234,50
DMY, MDY = "dmy", "mdy"  # 31/12/2027 or 12/31/2027
# A column that must be asked about: its values are read only once the person has said how.
ASK = "ask"
NUMBER_FORMATS = {POINT: "1,234.50: a point before the decimals", COMMA: "1.234,50: a comma before the decimals"}
DATE_FORMATS = {DMY: "Day first: 31/12/2027", MDY: "Month first: 12/31/2027"}
NUMBER, DATE, TAGS = "number", "date", "tags"
# How a tags column separates its tags. The comma, as the account form does (AccountForm.tag_names), wherever the
# column holds one: then | and ; are characters of tag names, as they are in the form, and a file written the
# form's way is read the form's way. A column without a single comma was written the way the accounts export writes
# tags ("|") or the way this import asked for until now ("|" or ";"): there | and ; separate, and reading them so is
# not a guess, since no comma was there to say otherwise. (A tag named "R|D" is then read as R and D: to keep such a
# name whole, separate the tags of that column with commas; the page says so.)
COMMAS, BARS = "commas", "bars"
TAGS_FORMATS = {COMMAS: "tags separated by commas", BARS: "tags separated by | or ;"}
KINDS_KEPT = 10_000

# What one value says about its column.
PLAIN = "plain"  # 1234: nothing
EITHER = "either"  # 2.400, 1,500, 03/04/2025: either way
SAME = "same"  # 05/05/2025: the same date either way

_IGNORED = re.compile(r"[\s\u00a0\u202f$€£¥]")
_PLAIN = re.compile(r"-?\d+")
# One separator followed by three digits, after one to three digits (not a leading zero: 0,500 is a half).
_EITHER = re.compile(r"-?[1-9]\d{0,2}[.,]\d{3}")
_GROUPED_BY_COMMAS = re.compile(r"-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?")  # 1,234,567 or 1,234.50
_GROUPED_BY_POINTS = re.compile(r"-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?")  # 1.234.567 or 1.234,50
_DECIMAL_POINT = re.compile(r"-?\d+\.\d+")
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
DAY_MONTH = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})")
SHORT_YEAR = re.compile(r"\d{1,2}[/-]\d{1,2}[/-]\d{2}")


def number_text(value: str) -> str:
    """A number cell without its spaces (1 250,50) and currency signs."""
    return _IGNORED.sub("", value)


def number_kind(text: str) -> str | None:
    """What a number (as `number_text` gives it) says of its column's decimal sign: POINT, COMMA, EITHER or PLAIN;
    None when it is no number."""
    if _PLAIN.fullmatch(text):
        return PLAIN
    if _EITHER.fullmatch(text):
        return EITHER
    if _GROUPED_BY_COMMAS.fullmatch(text) or _DECIMAL_POINT.fullmatch(text):
        return POINT
    if _GROUPED_BY_POINTS.fullmatch(text) or _DECIMAL_COMMA.fullmatch(text):
        return COMMA
    return None


def date_kind(value: str) -> str | None:
    """What a date written 31/12/2027 (or with dashes) says of its column: DMY (the first number cannot be a month),
    MDY (the second cannot), SAME (3/3/2025) or EITHER; None for any other date."""
    found = DAY_MONTH.fullmatch(value)
    if found is None:
        return None
    first, second = int(found.group(1)), int(found.group(2))
    if first > 12 >= second:
        return DMY
    if second > 12 >= first:
        return MDY
    if first == second or first > 12:
        return SAME  # the same date either way, or no date at all (the value says so when it is read)
    return EITHER


def targets(custom_fields: Iterable[CustomField]) -> dict[str, str]:
    """The targets whose columns are decided: NUMBER, DATE or TAGS."""
    found = {
        "mrr": NUMBER,
        "start_date": DATE,
        "renewal_date": DATE,
        "trial_ends_on": DATE,
        "churn_date": DATE,
        "tags": TAGS,
    }
    for custom in custom_fields:
        if custom.field_type == CustomFieldType.NUMBER:
            found[f"custom_{custom.key}"] = NUMBER
        elif custom.field_type == CustomFieldType.DATE:
            found[f"custom_{custom.key}"] = DATE
    return found


@dataclass(kw_only=True)
class Evidence:
    """What the values of one column say: the first value (and its row) of each kind."""

    kind: str  # NUMBER or DATE
    first: dict[str, tuple[str, int]] = field(default_factory=dict)
    eithers: list[str] = field(default_factory=list)  # a couple of examples, for the question
    _kinds: dict[str, str | None] = field(default_factory=dict)  # values seen (most repeat), up to KINDS_KEPT

    def add(self, value: str, row: int) -> None:
        if self.kind == TAGS:
            if COMMAS not in self.first and "," in value:
                self.first[COMMAS] = (value, row)
            return
        if value in self._kinds:
            found = self._kinds[value]
        else:
            found = number_kind(number_text(value)) if self.kind == NUMBER else date_kind(value)
            if len(self._kinds) < KINDS_KEPT:
                self._kinds[value] = found
        if found is None or found in (PLAIN, SAME):
            return
        self.first.setdefault(found, (value, row))
        if found == EITHER and len(self.eithers) < 2 and value not in self.eithers:
            self.eithers.append(value)


@dataclass(frozen=True, kw_only=True)
class Decision:
    """How a column is read: `format` (POINT, COMMA, DMY, MDY, ASK, or "" when its values need no decision), why,
    and for ASK the question."""

    format: str
    because: str = ""  # "you" (the person said), or the value that settled it and its row
    question: str = ""


def reading(value: str, way: str) -> str:
    """A number that reads two ways, read one way (POINT or COMMA): 2.400 is 2.4 or 2400."""
    text = number_text(value)
    text = text.replace(",", "") if way == POINT else text.replace(".", "").replace(",", ".")
    return format(Decimal(text).normalize(), "f")


def decide(key_kind: str, evidence: Evidence | None, chosen: str = "") -> Decision:
    """How to read a column, from what the person chose for it, else from its values."""
    if chosen:
        return Decision(format=chosen, because="you")
    if evidence is None:
        return Decision(format="")
    if key_kind == TAGS:
        if COMMAS in evidence.first:
            value, row = evidence.first[COMMAS]
            return Decision(format=COMMAS, because=f"“{value}”, row {row}")
        return Decision(format=BARS)
    ways = (POINT, COMMA) if key_kind == NUMBER else (DMY, MDY)
    settled = [way for way in ways if way in evidence.first]
    if len(settled) == 1:
        value, row = evidence.first[settled[0]]
        return Decision(format=settled[0], because=f"“{value}”, row {row}")
    if len(settled) == 2:
        (one, one_row), (other, other_row) = (evidence.first[way] for way in ways)
        if key_kind == NUMBER:
            question = (
                f"mixes numbers with a decimal point (“{one}”, row {one_row}) and with a decimal comma (“{other}”, "
                f"row {other_row}): say below which one the column uses."
            )
        else:
            question = (
                f"mixes dates written day first (“{one}”, row {one_row}) and month first (“{other}”, row "
                f"{other_row}): say below which way the column writes them."
            )
        return Decision(format=ASK, question=question)
    if not evidence.eithers:
        return Decision(format="")
    example = evidence.eithers[0]
    if key_kind == NUMBER:
        like = " and ".join(f"“{value}”" for value in evidence.eithers)
        question = (
            f"holds only numbers like {like}, which read two ways: “{example}” is {reading(example, POINT)} with a "
            f"decimal point, {reading(example, COMMA)} with a decimal comma. Say below which one the column uses."
        )
    else:
        question = (
            f"holds only dates like “{example}”, which read day first or month first (no day in it is over 12). "
            "Say below which way the column writes them."
        )
    return Decision(format=ASK, question=question)
