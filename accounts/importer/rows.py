"""Reading rows and gathering them into accounts: every problem of every row, with its row number and column.

Rows with the same external id, or else the same name and domains, are one account; each row may add a contact to
it. Rows of one account must agree on the values they both give, a domain belongs to one account of the file and a
contact email to one row: anything else is a duplicate inside the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from accounts.importer.columns import CONTACT_TARGETS
from accounts.importer.files import ParsedFile, RawRow, column_label
from accounts.importer.values import CellError, Lookups, clean, shown
from accounts.models import Account

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

    def cell(self, row: RawRow, key: str) -> str:
        index = self.mapping.get(key)
        if index is None or index >= len(row.cells):
            return ""
        return row.cells[index].strip()

    def label(self, key: str) -> str:
        index = self.mapping.get(key)
        return column_label(self.header, index) if index is not None else ""

    def problem(self, row: int, key: str, message: str, value: Any = "") -> Problem:
        shown_value = value if isinstance(value, str) else shown(value)
        return Problem(row=row, column=self.label(key), value=shown_value, message=message, key=key)


def clean_cells(row: RawRow, columns: Columns, lookups: Lookups) -> tuple[dict[str, Any], list[Problem]]:
    """Each mapped cell of the row as its target's value (empty cells left out), and the cells that cannot be."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key in columns.mapping:
        raw = columns.cell(row, key)
        if raw:
            try:
                values[key] = clean(key, raw, lookups)
            except CellError as error:
                problems.append(columns.problem(row.number, key, str(error), raw))
    failed = {problem.key for problem in problems}
    if "name" not in values and "name" not in failed:
        problems.append(columns.problem(row.number, "name", "is required: every row names its account."))
    has_contact = any(key in values for key in CONTACT_TARGETS)
    if has_contact and "contact_name" not in values and "contact_name" not in failed:
        problems.append(columns.problem(row.number, "contact_name", "is required when the row has a contact."))
    extra = [cell for cell in row.cells[len(columns.header) :] if cell.strip()]
    if extra:
        message = f"The row has {len(row.cells)} cells but the header names {len(columns.header)} columns."
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


def group_key(row: RawRow, columns: Columns) -> tuple[str, ...]:
    """Rows with the same key are one account. Read from the raw cells: grouping a whole file stays cheap."""
    external_id = columns.cell(row, "external_id")
    if external_id:
        return ("external_id", external_id)
    return ("name", columns.cell(row, "name").casefold(), Account.normalize_domains(columns.cell(row, "domains")))


@dataclass(kw_only=True)
class RawGroup:
    key: tuple[str, ...]
    rows: list[RawRow]

    def describe(self) -> str:
        return f"external id {self.key[1]}" if self.key[0] == "external_id" else "same name and domains"


def group_rows(rows: Iterable[RawRow], columns: Columns) -> list[RawGroup]:
    """Rows gathered into accounts, in the order of each account's first row."""
    groups: dict[tuple[str, ...], RawGroup] = {}
    for row in rows:
        key = group_key(row, columns)
        if key in groups:
            groups[key].rows.append(row)
        else:
            groups[key] = RawGroup(key=key, rows=[row])
    return list(groups.values())


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
            if key in CONTACT_TARGETS:
                continue
            if key not in merged:
                merged[key], given_by[key] = value, row.number
            elif not _same(key, merged[key], value):
                message = (
                    f"Duplicate inside the file: row {given_by[key]} is the same account ({group.describe()}) and "
                    f"gives “{shown(merged[key])}”."
                )
                problems.append(columns.problem(row.number, key, message, columns.cell(row, key)))
        if "contact_name" in values:
            contact_values = {field: values[key] for key, field in CONTACT_FIELDS.items() if key in values}
            email = values.get("contact_email", "")
            contacts.append(
                ContactValues(row=row.number, name=values["contact_name"], email=email, values=contact_values)
            )
    problems += _duplicate_contacts(contacts, columns)
    if problems:
        return None, problems
    account = AccountValues(
        rows=[row.number for row in group.rows],
        values={key: value for key, value in merged.items() if key in ACCOUNT_FIELDS},
        custom={key.removeprefix("custom_"): value for key, value in merged.items() if key.startswith("custom_")},
        tags=merged.get("tags", []),
        contacts=contacts,
    )
    return account, []


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


def cross_check(accounts: list[AccountValues], columns: Columns) -> list[Problem]:
    """Across the accounts of the file: a domain belongs to one account only, a contact email to one row only."""
    problems: list[Problem] = []
    domain_rows: dict[str, int] = {}
    email_rows: dict[str, int] = {}
    for account in accounts:
        for domain in account.domains:
            first = domain_rows.setdefault(domain, account.first_row)
            if first != account.first_row:
                message = (
                    f"Duplicate inside the file: the domain {domain} is also on row {first}, for another account. "
                    "Give both rows the same external id, or each its own domain."
                )
                problems.append(columns.problem(account.first_row, "domains", message, account.domains))
        for contact in account.contacts:
            if contact.email:
                first = email_rows.setdefault(contact.email, contact.row)
                if first != contact.row:
                    message = f"Duplicate inside the file: this contact email is also on row {first}."
                    problems.append(columns.problem(contact.row, "contact_email", message, contact.email))
    return problems
