"""Reading an uploaded file: its encoding, its delimiter, its header and its records, numbered as in a spreadsheet.

A file is read as a stream of blocks (the upload as it arrives, or its stored pieces), never whole: `Sniffer` says
what a file is while its blocks go by, `open_text` decodes blocks into a text stream, `Records` reads the records of
a stream one by one.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import IO, NamedTuple, Protocol

from django.conf import settings

CHUNK_BYTES = 1024 * 1024
MAX_COLUMNS = 200
DELIMITERS = {",": "Comma (,)", ";": "Semicolon (;)"}
SAVE_AS_CSV = 'In Excel or Numbers, use File, then Save as (or Export), "CSV UTF-8", and upload that file.'
# Control characters other than tab and line breaks do not occur in text. They are the same bytes in UTF-8,
# Windows-1252 and Latin-1, so the raw bytes are searched.
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The bytes that Windows-1252 leaves undefined: a file holding one is read as Latin-1.
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
# Enough of a file's start to hold its header, to choose the delimiter.
HEAD_CHARS = 64 * 1024


def max_file_bytes() -> int:
    """The largest file the import takes: the IMPORT_MAX_FILE_BYTES setting (20 MB by default)."""
    return int(settings.IMPORT_MAX_FILE_BYTES)


def size_limit_text() -> str:
    limit = max_file_bytes()
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"


class ImportFileError(ValueError):
    """A file that cannot be imported at all, with a message for the person who uploaded it."""


class FileTooLargeError(ImportFileError):
    pass


class Sniffer:
    """Says what a file is from its blocks as they go by, keeping none of them: its size (refused past `limit`),
    and whether it is text, in which encoding. UTF-8 (a byte-order mark is dropped) and, only when that fails,
    Windows-1252 (Excel's "CSV" on Windows; Latin-1 when it holds a byte that Windows-1252 leaves undefined).
    UTF-16, workbooks and other binary files are refused with a message that says how to save a CSV."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = max_file_bytes() if limit is None else limit
        self.size = 0
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._is_utf8 = True
        self._bom = False
        self._undefined_in_cp1252 = False
        self._has_text = False
        self._control = False

    def feed(self, block: bytes) -> None:
        if not self.size:
            if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise ImportFileError(f"The file is encoded as UTF-16, which the import does not read. {SAVE_AS_CSV}")
            if block.startswith(b"PK\x03\x04"):
                raise ImportFileError(
                    f"This is a spreadsheet workbook (or another zip file), not a CSV file. {SAVE_AS_CSV}"
                )
            self._bom = block.startswith(codecs.BOM_UTF8)
        self.size += len(block)
        if self.size > self.limit:
            raise FileTooLargeError(f"The file is larger than {size_limit_text()}. Split it into smaller files.")
        if b"\x00" in block:
            raise ImportFileError(f"This is not a text file: it holds binary data. {SAVE_AS_CSV}")
        self._control = self._control or bool(_BINARY.search(block))
        self._has_text = self._has_text or bool(block.strip())
        if self._is_utf8:
            try:
                self._utf8.decode(block)
            except UnicodeDecodeError:
                self._is_utf8 = False
        if not self._undefined_in_cp1252:
            self._undefined_in_cp1252 = any(byte in block for byte in _CP1252_UNDEFINED)

    def finish(self) -> str:
        """The encoding to read the file with, once every block went by; or ImportFileError."""
        if self._is_utf8:
            try:
                self._utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self._is_utf8 = False
        if not self._has_text:
            raise ImportFileError("The file is empty.")
        if self._control:
            raise ImportFileError(f"This is not a text file: it holds control characters. {SAVE_AS_CSV}")
        if self._is_utf8:
            return "utf-8-sig" if self._bom else "utf-8"
        return "latin-1" if self._undefined_in_cp1252 else "cp1252"


def blocks_of(raw: bytes) -> Iterator[bytes]:
    """`raw` in pieces of CHUNK_BYTES."""
    for start in range(0, len(raw), CHUNK_BYTES):
        yield raw[start : start + CHUNK_BYTES]


@dataclass(frozen=True, kw_only=True)
class Decoded:
    text: str
    encoding: str  # "utf-8", "utf-8-sig" (with a byte-order mark), "cp1252" or "latin-1"


def decode(raw: bytes) -> Decoded:
    """A small file, whole: its text and encoding (the stored files are read with `open_text`)."""
    sniffer = Sniffer(limit=len(raw))
    for block in blocks_of(raw):
        sniffer.feed(block)
    encoding = sniffer.finish()
    return Decoded(text=raw.decode(encoding), encoding=encoding)


class _BlockReader(io.RawIOBase):
    """The bytes of a sequence of blocks, as a binary stream: one block in memory at a time."""

    def __init__(self, blocks: Iterable[bytes]) -> None:
        self._blocks = iter(blocks)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            block = next(self._blocks, None)
            if block is None:
                return 0
            self._pending = memoryview(block)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def open_text(blocks: Iterable[bytes], encoding: str) -> IO[str]:
    """A file's blocks as a text stream. newline="" lets the csv module see line breaks inside quoted cells as
    they are."""
    return io.TextIOWrapper(io.BufferedReader(_BlockReader(blocks), CHUNK_BYTES), encoding=encoding, newline="")


def text_stream(source: str | IO[str]) -> IO[str]:
    return io.StringIO(source, newline="") if isinstance(source, str) else source


def _first_record(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:
        return []


def detect_delimiter(head: str) -> str:
    """The delimiter that splits the header into more columns; a comma on a tie. `head` is the file's start."""
    return max(DELIMITERS, key=lambda delimiter: (len(_first_record(head, delimiter)), delimiter == ","))


def _looks_like_data(cell: str) -> bool:
    return "@" in cell or bool(re.fullmatch(r"[-+]?\d[\d.,\s]*", cell))


def read_header(source: str | IO[str], delimiter: str) -> list[str]:
    """The column names, or ImportFileError when the first row does not name columns or no row follows it. Reads
    the header and at most a thousand records after it."""
    records = csv.reader(text_stream(source), delimiter=delimiter)
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


class Record(Protocol):
    """A record of a file: a RawRow as read, or a row the check stored."""

    @property
    def number(self) -> int: ...  # as in a spreadsheet: the header is row 1

    @property
    def cells(self) -> list[str]: ...


class RawRow(NamedTuple):
    number: int  # as in a spreadsheet: the header is row 1
    cells: list[str]


class Records:
    """The records under the header that are not blank, with their row numbers, read one by one.
    `has_multiline_cells` is known once they have all been read."""

    def __init__(self, source: str | IO[str], delimiter: str) -> None:
        self._reader = csv.reader(text_stream(source), delimiter=delimiter)
        self.has_multiline_cells = False

    def __iter__(self) -> Iterator[RawRow]:
        reader = self._reader
        number = 1
        try:
            next(reader, None)  # the header
            for cells in reader:
                number += 1
                first = cells[0] if cells else ""
                if (first and not first.isspace()) or "".join(cells).strip():
                    yield RawRow(number, cells)
            self.has_multiline_cells = reader.line_num > number
        except csv.Error as error:
            raise ImportFileError(
                f'Row {number + 1} cannot be read ({error}). Is a quote (") opened and never closed?'
            ) from error


@dataclass(kw_only=True)
class ParsedFile:
    rows: list[RawRow]
    has_multiline_cells: bool


def parse(source: str | IO[str], delimiter: str, *, limit: int | None = None) -> ParsedFile:
    """Every record under the header that is not blank (the first `limit` of them), with its row number. For
    previews and small files: a whole file is read with `Records`."""
    records = Records(source, delimiter)
    rows = list(islice(records, limit))
    return ParsedFile(rows=rows, has_multiline_cells=records.has_multiline_cells)


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
