"""Reading one cell as the value of its target: text within its length, dates, amounts, domains, tags, an owner
(an active member, by email), a tier or stage (by name), a contact role (by value or label), a custom field (by its
type). A cell that cannot be read raises CellError with a message that says what would do."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.importer.columns import DATE_HELP
from accounts.importer.formats import (
    ASK,
    COMMA,
    COMMAS,
    DAY_MONTH,
    DMY,
    EITHER,
    MDY,
    POINT,
    SAME,
    SHORT_YEAR,
    date_kind,
    number_kind,
    number_text,
    reading,
)
from accounts.models import (
    Account,
    ContactRole,
    CustomField,
    CustomFieldType,
    LifecycleStage,
    RevenueSource,
    Tier,
)
from csm.models import Membership, User
from csm.tenancy import current_organization


class CellError(ValueError):
    """A cell that cannot be imported; the message says why and what would do."""


@dataclass(kw_only=True)
class Lookups:
    """What cells are checked against, loaded once for a whole file or batch (a handful of queries)."""

    organization_name: str
    members: dict[str, User]  # active members by email
    people: dict[int, User]  # every member, active or not, by id: the names of former owners
    tiers: dict[str, Tier]
    stages: dict[str, LifecycleStage]
    custom_fields: dict[str, CustomField]
    revenue_source: str  # the name of the source that owns the MRR (accounts.services.revenue), or ""
    # Target → how its column writes numbers or dates (accounts.importer.formats), once decided.
    formats: dict[str, str] = field(default_factory=dict)
    # Cells that repeat (owners, tiers, stages, dates, tags, roles...) are read once per file: (target, cell) → value
    # or the CellError it raised.
    seen: dict[tuple[str, str], Any] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Lookups:
        memberships = list(Membership.objects.select_related("user"))
        return cls(
            organization_name=current_organization().name,
            members={m.user.email.lower(): m.user for m in memberships if m.is_active},
            people={m.user_id: m.user for m in memberships},
            tiers={tier.name.casefold(): tier for tier in Tier.objects.all()},
            stages={stage.name.casefold(): stage for stage in LifecycleStage.objects.all()},
            custom_fields={custom.key: custom for custom in CustomField.objects.all()},
            revenue_source=next(iter(RevenueSource.objects.values_list("name", flat=True)), ""),
        )

    @cached_property
    def stages_by_id(self) -> dict[int, LifecycleStage]:
        return {stage.pk: stage for stage in self.stages.values()}

    def name_of(self, field_name: str, pk: int | None) -> str:
        """The name of a stored account's owner, tier or stage, for its timeline."""
        if pk is None:
            return ""
        if field_name == "owner":
            person = self.people.get(pk)
            return person.display_name if person else "a former member"
        options = self.tiers if field_name == "tier" else self.stages
        return next((option.name for option in options.values() if option.pk == pk), "")


_DATE_FORMATS = ("%Y/%m/%d", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y")
_WRONG_ORDER = {
    DMY: "is month first, but this column's dates are day first (31/12/2027).",
    MDY: "is day first, but this column's dates are month first (12/31/2027).",
}


class UnsettledError(CellError):
    """A value that reads two ways, in a column the person has not yet said how to read: the check asks about the
    column (`accounts.importer.formats`) rather than about each of its values."""


def parse_date(value: str, order: str = "") -> date:
    """A date in one of the documented formats. 31/12/2027 and 12/31/2027 (or with dashes) are read by `order`,
    DMY or MDY, when the column's is known; else as the value allows (a number over 12 is the day)."""
    iso = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[ T][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?", value)
    if iso:
        try:
            return date.fromisoformat(iso.group(1))
        except ValueError as error:
            raise CellError("is not a date that exists.") from error
    found = DAY_MONTH.fullmatch(value)
    if found:
        first, second, year = (int(part) for part in found.groups())
        kind = date_kind(value)
        if order in (DMY, MDY):
            if kind in (DMY, MDY) and kind != order:
                raise CellError(_WRONG_ORDER[order])
            way = order
        elif kind in (DMY, MDY, SAME):
            way = kind if kind != SAME else DMY
        elif order == ASK:
            raise UnsettledError("reads day first or month first.")
        else:
            raise CellError("is ambiguous (day/month or month/day?): write it as 2025-03-31.")
        day, month = (first, second) if way == DMY else (second, first)
        try:
            return date(year, month, day)
        except ValueError as error:
            raise CellError("is not a date that exists.") from error
    if SHORT_YEAR.fullmatch(value):
        raise CellError("has a two-digit year: write the year in full (31/12/2027, or 2027-12-31).")
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()  # noqa: DTZ007 (a calendar day, not a moment)
        except ValueError:
            continue
    raise CellError(f"is not a date: write {DATE_HELP}")


_NOT_AMOUNT = "is not a number: write 1234.50, 1,234.50 or 1234,50."
_WRONG_DECIMAL = {
    POINT: "has a decimal comma, but this column's numbers have a decimal point (1,234.50).",
    COMMA: "has a decimal point, but this column's numbers have a decimal comma (1.234,50).",
}


def parse_decimal(value: str, *, places: int, minimum: Decimal | None = None, convention: str = "") -> Decimal:
    """A number, a currency sign and spaces ignored. Its decimal sign is the column's (`convention`, POINT or
    COMMA) when the column's is known: thousands are then grouped by the other sign. Else the value must say it
    alone: 1,234.50 and 12.5 have a decimal point, 1.234,50 and 12,5 a decimal comma, 2.400 either."""
    if value.isascii() and value.isdigit():  # the usual cell, read fast
        text = value
    else:
        text = number_text(value)
        kind = number_kind(text)
        if kind is None:
            raise CellError(_NOT_AMOUNT)
        if kind == EITHER:
            if convention == ASK:
                raise UnsettledError("reads two ways.")
            if convention not in (POINT, COMMA):
                raise CellError(
                    f"reads as {reading(text, POINT)} or {reading(text, COMMA)}: the column's other numbers decide "
                    "when every row is checked."
                )
            kind = convention
        elif kind in (POINT, COMMA) and convention in (POINT, COMMA) and kind != convention:
            raise CellError(_WRONG_DECIMAL[convention])
        if kind == POINT:
            text = text.replace(",", "")
        elif kind == COMMA:
            text = text.replace(".", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise CellError(_NOT_AMOUNT) from error
    if minimum is not None and number < minimum:
        raise CellError(f"must be {minimum} or more.")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise CellError(f"has more than {places} decimals.")
    if abs(number) >= Decimal(10) ** 10:
        raise CellError("is too large.")
    return number


Cleaner = Callable[[str, Lookups], Any]


def _text(max_length: int) -> Cleaner:
    def clean(value: str, lookups: Lookups) -> str:
        if len(value) > max_length:
            raise CellError(f"is longer than {max_length} characters.")
        return value

    return clean


_DOMAIN = re.compile(r"[^\W_]([\w-]*[^\W_])?(\.[^\W_]([\w-]*[^\W_])?)+")
_SIMPLE_DOMAIN = re.compile(r"[a-z0-9][a-z0-9.-]*")


def normalize_domains(value: str) -> str:
    """`Account.normalize_domains`, with a shortcut for the usual cell: one domain, already as it is stored."""
    if _SIMPLE_DOMAIN.fullmatch(value) and not value.startswith("www."):
        return value
    return Account.normalize_domains(value)


def _domains(value: str, lookups: Lookups) -> list[str]:
    domains = normalize_domains(value).split()
    for domain in domains:
        if not _DOMAIN.fullmatch(domain):
            raise CellError(f"holds “{domain}”, which is not a web domain (like acme.com).")
    return domains


def _owner(value: str, lookups: Lookups) -> User:
    user = lookups.members.get(value.lower())
    if user is None:
        raise CellError(f"is not the email of an active member of {lookups.organization_name}.")
    return user


def _tier(value: str, lookups: Lookups) -> Tier:
    tier = lookups.tiers.get(value.casefold())
    if tier is None:
        raise CellError("is not a tier of the organization: " + ", ".join(map(str, lookups.tiers.values())) + ".")
    return tier


def _stage(value: str, lookups: Lookups) -> LifecycleStage:
    stage = lookups.stages.get(value.casefold())
    if stage is None:
        names = ", ".join(map(str, lookups.stages.values()))
        raise CellError(f"is not a lifecycle stage of the organization: {names}.")
    return stage


def _date(key: str) -> Cleaner:
    def clean(value: str, lookups: Lookups) -> date:
        return parse_date(value, lookups.formats.get(key, ""))

    return clean


def _mrr(value: str, lookups: Lookups) -> Decimal:
    return parse_decimal(value, places=2, minimum=Decimal(0), convention=lookups.formats.get("mrr", ""))


def _seats(value: str, lookups: Lookups) -> int:
    text = re.sub(r"[\s\u00a0\u202f,.]", "", value) if re.fullmatch(r"\d{1,3}([,.\s]\d{3})+", value) else value
    if not re.fullmatch(r"\d{1,9}", text):
        raise CellError("is not a whole number of seats: 25, 1200 or 1,200.")
    return int(text)


def split_tags(value: str, way: str = "") -> list[str]:
    """A tags cell's names, as its column separates them (`accounts.importer.formats.TAGS`); alone, a cell with a
    comma is read by commas."""
    if way == COMMAS or (not way and "," in value):
        return value.split(",")
    return re.split(r"[|;]", value)


def _tags(value: str, lookups: Lookups) -> list[str]:
    names: dict[str, str] = {}
    for part in split_tags(value, lookups.formats.get("tags", "")):
        name = part.strip()
        if len(name) > 40:
            raise CellError(f"holds the tag “{name[:40]}…”, longer than 40 characters.")
        if name:
            names.setdefault(name.lower(), name)  # as the tags' unique constraint compares them
    return list(names.values())


def _email(value: str, lookups: Lookups) -> str:
    try:
        validate_email(value)
    except ValidationError as error:
        raise CellError("is not an email address.") from error
    return value.lower()


def _role_key(value: str) -> str:
    return re.sub(r"[\W_]+", " ", value.casefold()).strip()


CONTACT_ROLES = {
    **{_role_key(role.value): role.value for role in ContactRole},
    **{_role_key(role.label): role.value for role in ContactRole},
    "sponsor": ContactRole.EXECUTIVE_SPONSOR.value,
    "exec sponsor": ContactRole.EXECUTIVE_SPONSOR.value,
    "economic buyer": ContactRole.DECISION_MAKER.value,
    "end user": ContactRole.USER.value,
}


def _contact_role(value: str, lookups: Lookups) -> ContactRole:
    role = CONTACT_ROLES.get(_role_key(value))
    if role is None:
        raise CellError("is not a contact role: " + ", ".join(map(str, ContactRole.labels)) + ".")
    return ContactRole(role)


CLEANERS: dict[str, Cleaner] = {
    "name": _text(200),
    "external_id": _text(100),
    "domains": _domains,
    "owner": _owner,
    "tier": _tier,
    "stage": _stage,
    "plan": _text(100),
    "start_date": _date("start_date"),
    "renewal_date": _date("renewal_date"),
    "trial_ends_on": _date("trial_ends_on"),
    "mrr": _mrr,
    "seats": _seats,
    "tags": _tags,
    "churn_date": _date("churn_date"),
    "churn_reason": _text(2000),
    "contact_name": _text(150),
    "contact_email": _email,
    "contact_title": _text(100),
    "contact_phone": _text(40),
    "contact_role": _contact_role,
}


def custom_value(custom: CustomField, value: str, column_format: str = "") -> str:
    """A custom field's value as accounts keep it: numbers and dates as canonical strings (2400, 12.5, 2025-03-31),
    a choice as the admin spelled it. `column_format` is how its column writes numbers or dates."""
    kind = CustomFieldType(custom.field_type)
    if kind == CustomFieldType.NUMBER:
        number = parse_decimal(value, places=4, convention=column_format)
        # Not str(number.normalize()), which writes 2400 as 2.4E+3.
        return format(number.normalize(), "f")
    if kind == CustomFieldType.DATE:
        return parse_date(value, column_format).isoformat()
    if kind == CustomFieldType.CHOICE:
        choices = {str(choice).casefold(): str(choice) for choice in custom.choices}
        if value.casefold() not in choices:
            raise CellError("is not one of: " + ", ".join(map(str, custom.choices)) + ".")
        return choices[value.casefold()]
    if len(value) > 500:
        raise CellError("is longer than 500 characters.")
    return value


# Targets whose cells are mostly different on every row: not worth remembering.
SEEN_LIMIT = 50_000
UNIQUE_TARGETS = {"name", "external_id", "domains", "contact_name", "contact_email", "contact_phone"}


def clean(key: str, value: str, lookups: Lookups) -> Any:
    """The value of target `key` read from a cell that is not empty."""
    if key in UNIQUE_TARGETS:
        return _clean(key, value, lookups)
    found = lookups.seen.get((key, value))
    if found is None:
        try:
            found = _clean(key, value, lookups)
        except CellError as error:
            found = error
        # A column whose cells all differ (a custom text field, say) would otherwise keep a whole file in memory.
        if len(lookups.seen) < SEEN_LIMIT:
            lookups.seen[(key, value)] = found
    if isinstance(found, CellError):
        raise found
    return found


def _clean(key: str, value: str, lookups: Lookups) -> Any:
    if key.startswith("custom_"):
        custom = lookups.custom_fields.get(key.removeprefix("custom_"))
        if custom is None:
            raise CellError("is for a custom field that no longer exists.")
        return custom_value(custom, value, lookups.formats.get(key, ""))
    return CLEANERS[key](value, lookups)


def shown(value: Any) -> str:
    """A value as a person reads it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " | ".join(shown(item) for item in value)
    if isinstance(value, User):
        return value.display_name
    if isinstance(value, ContactRole):
        return str(value.label)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
