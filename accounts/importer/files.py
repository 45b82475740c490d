"""Reading an uploaded file: its encoding, its delimiter, its header and its records, numbered as in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 200
DELIMITERS = {",": "Comma (,)", ";": "Semicolon (;)"}
SAVE_AS_CSV = 'In Excel or Numbers, use File, then Save as (or Export), "CSV UTF-8", and upload that file.'
# Control characters other than tab and line breaks do not occur in text.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ImportFileError(ValueError):
    """A file that cannot be imported at all, with a message for the person who uploaded it."""


@dataclass(frozen=True, kw_only=True)
class Decoded:
    text: str
    encoding: str  # "utf-8", "utf-8-sig" (with a byte-order mark), "cp1252" or "latin-1"


def decode(raw: bytes) -> Decoded:
    if not raw.strip():
        raise ImportFileError("The file is empty.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(f"The file is encoded as UTF-16, which the import does not read. {SAVE_AS_CSV}")
    if raw.startswith(b"PK\x03\x04"):
        raise ImportFileError(f"This is a spreadsheet workbook (or another zip file), not a CSV file. {SAVE_AS_CSV}")
    if b"\x00" in raw:
        raise ImportFileError(f"This is not a text file: it holds binary data. {SAVE_AS_CSV}")
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "latin-1"
    if text.startswith("\ufeff"):
        text, encoding = text[1:], "utf-8-sig"
    if _BINARY.search(text):
        raise ImportFileError(f"This is not a text file: it holds control characters. {SAVE_AS_CSV}")
    return Decoded(text=text, encoding=encoding)


def _reader(text: str, delimiter: str) -> Iterator[list[str]]:
    # newline="" lets the csv module see line breaks inside quoted cells as they are.
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _first_record(text: str, delimiter: str) -> list[str]:
    try:
        return next(_reader(text, delimiter), [])
    except csv.Error:
        return []


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the header into more columns; a comma on a tie."""
    return max(DELIMITERS, key=lambda delimiter: (len(_first_record(text, delimiter)), delimiter == ","))


def _looks_like_data(cell: str) -> bool:
    return "@" in cell or bool(re.fullmatch(r"[-+]?\d[\d.,\s]*", cell))


def read_header(text: str, delimiter: str) -> list[str]:
    """The column names, or ImportFileError when the first row does not name columns or no row follows it."""
    records = _reader(text, delimiter)
    try:
        header = [cell.strip() for cell in next(records, [])]
        has_rows = any(any(cell.strip() for cell in record) for record in islice(records, 1000))
    except csv.Error as error:
        raise ImportFileError(f"The file is not a readable CSV file ({error}).") from error
    if not any(header):
        raise ImportFileError("The first row is empty: it must name the columns (Company, Domain, Owner email…).")
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(f"The file has {len(header)} columns; the import reads at most {MAX_COLUMNS}.")
    data_like = [cell for cell in header if _looks_like_data(cell)]
    if data_like:
        raise ImportFileError(
            f"The first row looks like data (“{data_like[0]}”), not like column names. Add a first row that names "
            "the columns (Company, Domain, Owner email…)."
        )
    if len(header) == 1 and "\t" in header[0]:
        raise ImportFileError("The columns are separated by tabs. Save the file as CSV, with commas or semicolons.")
    if not has_rows:
        raise ImportFileError("The file has a header but no rows under it.")
    return header


class RawRow(NamedTuple):
    number: int  # as in a spreadsheet: the header is row 1
    cells: list[str]


@dataclass(kw_only=True)
class ParsedFile:
    rows: list[RawRow]
    has_multiline_cells: bool


def parse(text: str, delimiter: str, *, limit: int | None = None) -> ParsedFile:
    """Every record under the header that is not blank (the first `limit` of them), with its row number."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[RawRow] = []
    number = 1
    try:
        for number, cells in enumerate(reader, start=1):
            if number > 1 and "".join(cells).strip():
                rows.append(RawRow(number, cells))
                if len(rows) == limit:
                    break
        multiline = reader.line_num > number
    except csv.Error as error:
        raise ImportFileError(
            f'Row {number + 1} cannot be read ({error}). Is a quote (") opened and never closed?'
        ) from error
    return ParsedFile(rows=rows, has_multiline_cells=multiline)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column as a spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_label(header: Sequence[str], index: int) -> str:
    name = header[index] if index < len(header) and header[index] else f"Column {column_letter(index)}"
    return f"{column_letter(index)} · {name}"
