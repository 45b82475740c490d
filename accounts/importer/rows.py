"""Reading rows and gathering them into accounts: every problem of every row, with its row number and column.

Rows with the same external id, or else the same name and domains, are one account; each row may add a contact to
it. Rows of one account must agree on the values they both give, a domain belongs to one account of the file and a
contact email to one row: anything else is a duplicate inside the file. The rows of a file are gathered into
accounts, and the domains and emails compared across it, by PostgreSQL (`accounts.importer.stored`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from accounts.importer.columns import CONTACT_TARGETS
from accounts.importer.files import ParsedFile, Record, column_label
from accounts.importer.values import CellError, Lookups, UnsettledError, clean, normalize_domains, shown

PREVIEW_ROWS = 5
ACCOUNT_FIELDS = (
    "name",
    "external_id",
    "domains",
    "owner",
    "tier",
    "stage",
    "plan",
    "start_date",
    "renewal_date",
    "trial_ends_on",
    "mrr",
    "seats",
    "churn_date",
    "churn_reason",
)
CONTACT_FIELDS = {"contact_title": "title", "contact_phone": "phone", "contact_role": "role"}
_CONTACT_KEYS = frozenset(CONTACT_TARGETS)
_ACCOUNT_KEYS = frozenset(ACCOUNT_FIELDS)


@dataclass(kw_only=True)
class Problem:
    """Why a row cannot be imported. `key` is the target the problem is about, when there is one."""

    row: int | None
    column: str
    value: str
    message: str
    key: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value[:200], "message": self.message}


@dataclass(kw_only=True)
class Columns:
    """The mapping of one job: which cell each target reads, and the column's name for messages."""

    header: list[str]
    mapping: dict[str, int]

    def cell(self, row: Record, key: str) -> str:
        index = self.mapping.get(key)
        if index is None or index >= len(row.cells):
            return ""
        return row.cells[index].strip()

    def label(self, key: str) -> str:
        index = self.mapping.get(key)
        return column_label(self.header, index) if index is not None else ""

    def problem(self, row: int | None, key: str, message: str, value: Any = "") -> Problem:
        shown_value = value if isinstance(value, str) else shown(value)
        return Problem(row=row, column=self.label(key), value=shown_value, message=message, key=key)


def clean_cells(row: Record, columns: Columns, lookups: Lookups) -> tuple[dict[str, Any], list[Problem]]:
    """Each mapped cell of the row as its target's value (empty cells left out), and the cells that cannot be."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    cells = row.cells
    width = len(cells)
    # The hot loop of a check: once per cell of a file.
    for key, index in columns.mapping.items():
        raw = cells[index].strip() if index < width else ""
        if raw:
            try:
                values[key] = clean(key, raw, lookups)
            except UnsettledError:
                continue  # its column is asked about, not its values
            except CellError as error:
                problems.append(columns.problem(row.number, key, str(error), raw))
    if "name" not in values and not any(problem.key == "name" for problem in problems):
        problems.append(columns.problem(row.number, "name", "is required: every row names its account."))
    if (
        "contact_name" not in values
        and not values.keys().isdisjoint(_CONTACT_KEYS)
        and not any(problem.key == "contact_name" for problem in problems)
    ):
        problems.append(columns.problem(row.number, "contact_name", "is required when the row has a contact."))
    if width > len(columns.header):
        extra = [cell for cell in cells[len(columns.header) :] if cell.strip()]
        if extra:
            message = f"The row has {width} cells but the header names {len(columns.header)} columns."
            problems.append(Problem(row=row.number, column="", value=extra[0], message=message))
    return values, problems


def preview(parsed: ParsedFile, columns: Columns, lookups: Lookups) -> list[dict[str, Any]]:
    """The first rows as they would be imported: each mapped target's value, or why it cannot be read."""
    rows = []
    for row in parsed.rows[:PREVIEW_ROWS]:
        values, problems = clean_cells(row, columns, lookups)
        by_key = {problem.key: problem.message for problem in problems if problem.key}
        cells = [
            {"key": key, "value": shown(values.get(key)), "raw": columns.cell(row, key), "problem": by_key.get(key)}
            for key in columns.mapping
        ]
        others = [problem.message for problem in problems if not problem.key]
        rows.append({"number": row.number, "cells": cells, "problems": others})
    return rows


# -- Rows into accounts ------------------------------------------------------------------------------------------


def account_key_reader(columns: Columns) -> Callable[[list[str]], tuple[str, str]]:
    """A function of a row's cells that gives its account key and its domains (normalized). Rows with the same key
    are one account: the same external id, or else the same name and domains. Read from the raw cells: keying a
    whole file stays cheap."""
    external_at, name_at, domains_at = (columns.mapping.get(key, -1) for key in ("external_id", "name", "domains"))

    def read(cells: list[str]) -> tuple[str, str]:
        width = len(cells)
        domains = normalize_domains(cells[domains_at].strip()) if 0 <= domains_at < width else ""
        external_id = cells[external_at].strip() if 0 <= external_at < width else ""
        if external_id:
            return "external_id\x1f" + external_id, domains
        name = cells[name_at].strip().casefold() if 0 <= name_at < width else ""
        return "name\x1f" + name + "\x1f" + domains, domains

    return read


@dataclass(kw_only=True)
class RawGroup:
    """The rows of one account of the file."""

    rows: Sequence[Record]

    def describe(self, columns: Columns) -> str:
        """What makes the rows one account."""
        external_id = columns.cell(self.rows[0], "external_id")
        return f"external id {external_id}" if external_id else "same name and domains"


@dataclass(kw_only=True)
class ContactValues:
    row: int
    name: str
    email: str
    values: dict[str, Any]  # title, phone, role: those the row gives


@dataclass(kw_only=True)
class AccountValues:
    """One account of the file: the values its rows give, and the contacts they add."""

    rows: list[int]
    values: dict[str, Any]  # account field → value
    custom: dict[str, str]  # custom field key → value
    tags: list[str]
    contacts: list[ContactValues]

    @property
    def first_row(self) -> int:
        return self.rows[0]

    @property
    def domains(self) -> list[str]:
        domains: list[str] = self.values.get("domains", [])
        return domains


def _same(key: str, first: Any, other: Any) -> bool:
    if key == "name":
        return bool(str(first).casefold() == str(other).casefold())
    return bool(first == other)


def merge_group(group: RawGroup, columns: Columns, lookups: Lookups) -> tuple[AccountValues | None, list[Problem]]:
    """Read a group's rows into one account; rows that give the same value must agree."""
    if len(group.rows) == 1:  # most accounts: nothing to agree on
        row = group.rows[0]
        values, row_problems = clean_cells(row, columns, lookups)
        if row_problems:
            return None, row_problems
        return _account([row], values, [_contact(row, values)] if "contact_name" in values else []), []
    problems: list[Problem] = []
    merged: dict[str, Any] = {}
    given_by: dict[str, int] = {}
    contacts: list[ContactValues] = []
    for row in group.rows:
        values, row_problems = clean_cells(row, columns, lookups)
        problems += row_problems
        if row_problems:
            continue
        for key, value in values.items():
            if key in _CONTACT_KEYS:
                continue
            if key not in merged:
                merged[key], given_by[key] = value, row.number
            elif not _same(key, merged[key], value):
                message = (
                    f"Duplicate inside the file: row {given_by[key]} is the same account "
                    f"({group.describe(columns)}) and gives “{shown(merged[key])}”."
                )
                problems.append(columns.problem(row.number, key, message, columns.cell(row, key)))
        if "contact_name" in values:
            contacts.append(_contact(row, values))
    problems += _duplicate_contacts(contacts, columns)
    if problems:
        return None, problems
    return _account(group.rows, merged, contacts), []


def _contact(row: Record, values: dict[str, Any]) -> ContactValues:
    contact_values = {field: values[key] for key, field in CONTACT_FIELDS.items() if key in values}
    email = values.get("contact_email", "")
    return ContactValues(row=row.number, name=values["contact_name"], email=email, values=contact_values)


def _account(rows: Sequence[Record], values: dict[str, Any], contacts: list[ContactValues]) -> AccountValues:
    return AccountValues(
        rows=[row.number for row in rows],
        values={key: value for key, value in values.items() if key in _ACCOUNT_KEYS},
        custom={key.removeprefix("custom_"): value for key, value in values.items() if key.startswith("custom_")},
        tags=values.get("tags", []),
        contacts=contacts,
    )


def _duplicate_contacts(contacts: list[ContactValues], columns: Columns) -> list[Problem]:
    """Two rows adding a contact of the same name, neither with an email, to one account."""
    problems = []
    first_row: dict[str, int] = {}
    for contact in contacts:
        if contact.email:
            continue
        first = first_row.setdefault(contact.name.casefold(), contact.row)
        if first != contact.row:
            message = f"Duplicate inside the file: row {first} adds the same contact to this account."
            problems.append(columns.problem(contact.row, "contact_name", message, contact.name))
    return problems
