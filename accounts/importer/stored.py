"""What an import keeps in the database between its steps: the uploaded file in pieces (ImportFileChunk), and the
records of its last check in the order the import writes them (ImportRow).

A check reads the file once, a record at a time, and COPYs what rows have to agree on across the file (the account a
row belongs to, its domains, its contact email) into a temporary table with the record's cells. PostgreSQL then
finds the duplicates inside the file and sorts the records into accounts (an account's rows together, accounts in the
order of their first rows), which it writes as ImportRow rows. Nothing of the file is held in memory beyond a batch:
a temporary table needs no row-level security (it is the session's own) and takes COPY, which a tenant table
refuses to the app role; the sorted rows go to the tenant table in one INSERT ... SELECT, inside the database.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, NamedTuple

from django.db import connection

from accounts.importer.files import CHUNK_BYTES, HEAD_CHARS, open_text, text_stream
from accounts.models import ImportFileChunk, ImportJob, ImportRow
from csm.tenancy import current_organization

# -- The file ----------------------------------------------------------------------------------------------------


def store_block(job: ImportJob, position: int, block: bytes) -> None:
    ImportFileChunk.objects.create(organization_id=job.organization_id, job=job, position=position, data=block)


def file_blocks(job: ImportJob) -> Iterator[bytes]:
    """The stored file's pieces in order, one query and one piece in memory at a time."""
    for position in range(chunk_count(job.file_size)):
        data = ImportFileChunk.objects.filter(job=job, position=position).values_list("data", flat=True).first()
        if data is None:
            return
        yield bytes(data)


def open_file(job: ImportJob, *, on_block: Callable[[bytes], None] | None = None) -> IO[str]:
    """The job's file as a text stream; `on_block` sees each piece as it is read. A job uploaded before files were
    stored in pieces has its text in `content`."""
    if not job.file_size:
        return text_stream(job.content)
    blocks = file_blocks(job)
    if on_block is not None:
        blocks = _watched(blocks, on_block)
    return open_text(blocks, job.encoding)


def _watched(blocks: Iterator[bytes], on_block: Callable[[bytes], None]) -> Iterator[bytes]:
    for block in blocks:
        on_block(block)
        yield block


def file_head(job: ImportJob) -> str:
    """The start of the file: enough to hold its header."""
    with open_file(job) as text:
        return text.read(HEAD_CHARS)


def forget_file(job: ImportJob) -> None:
    ImportFileChunk.objects.filter(job=job).delete()


def chunk_count(size: int) -> int:
    return -(-size // CHUNK_BYTES)


# -- The rows of a check -----------------------------------------------------------------------------------------

DOMAIN, EMAIL = "domain", "email"

# The working tables of a check (temporary: the session's own, dropped when the check's transaction ends). Keys
# compare byte by byte (COLLATE "C"): sorting and grouping a million of them by a language's rules would cost more
# than everything else the database does for a check.
_CREATE = (
    # Sorting a million rows into accounts in memory rather than on disk; for this transaction only.
    "SET LOCAL work_mem = '64MB'",
    "DROP TABLE IF EXISTS import_check_rows, import_check_accounts, import_check_found, import_check_skipped",
    'CREATE TEMPORARY TABLE import_check_rows (number integer NOT NULL, account text COLLATE "C" NOT NULL, '
    'domains text COLLATE "C" NOT NULL, email text COLLATE "C" NOT NULL, line text NOT NULL) ON COMMIT DROP',
    "CREATE TEMPORARY TABLE import_check_found (kind text NOT NULL, number integer NOT NULL, value text NOT NULL, "
    "domains text NOT NULL, other integer NOT NULL) ON COMMIT DROP",
    "CREATE TEMPORARY TABLE import_check_skipped (position integer NOT NULL, number integer NOT NULL, "
    "first integer NOT NULL, last_position integer NOT NULL, reason text NOT NULL) ON COMMIT DROP",
)
_COPY = "COPY import_check_rows FROM STDIN (FORMAT csv, FORCE_NOT_NULL (account, domains, email, line))"
_COPY_SKIPPED = "COPY import_check_skipped FROM STDIN"
# Each account of the file: its first row, how many rows it has, and its first row that gives domains.
_ACCOUNTS = """
    CREATE TEMPORARY TABLE import_check_accounts ON COMMIT DROP AS
    SELECT account, min(number) AS first, count(*) AS size, min(number) FILTER (WHERE domains <> '') AS domains_row
    FROM import_check_rows GROUP BY account
"""
# The domains that several accounts of the file give (an account's domains are those of its first row that gives
# some): the first account, by its first row, keeps each.
_DOMAINS_FOUND = """
    WITH pairs AS (
        SELECT a.first, r.domains, unnest(string_to_array(r.domains, ' ')) AS domain
        FROM import_check_accounts a JOIN import_check_rows r ON r.number = a.domains_row
    ), owners AS (
        SELECT domain, min(first) AS owner FROM pairs GROUP BY domain HAVING count(*) > 1
    )
    INSERT INTO import_check_found (kind, number, value, domains, other)
    SELECT %s, p.first, p.domain, p.domains, o.owner FROM pairs p JOIN owners o USING (domain)
    WHERE p.first <> o.owner
"""
# The contact emails that several rows give: the first row, in the order accounts are written, keeps each.
_EMAILS_FOUND = """
    WITH repeated AS (
        SELECT email FROM import_check_rows WHERE email <> '' GROUP BY email HAVING count(*) > 1
    ), emails AS (
        SELECT r.number, r.email, first_value(r.number) OVER (PARTITION BY r.email ORDER BY a.first, r.number) AS owner
        FROM import_check_rows r JOIN repeated USING (email) JOIN import_check_accounts a USING (account)
    )
    INSERT INTO import_check_found (kind, number, value, domains, other)
    SELECT %s, number, email, '', owner FROM emails WHERE number <> owner
"""
# The records sorted into accounts (an account's rows together, accounts by their first rows), each with its
# position, its account's first row and the position of its account's last row. One sort, on integers.
_ORDERED = """
    SELECT position, number, first, position - rank + size - 1 AS last_position, line
    FROM (
        SELECT r.number, r.line, a.first, a.size,
            row_number() OVER (PARTITION BY a.first ORDER BY r.number) - 1 AS rank,
            row_number() OVER (ORDER BY a.first, r.number) - 1 AS position
        FROM import_check_rows r JOIN import_check_accounts a USING (account)
    ) ordered
"""
# The check reads them back in order through a cursor: one sort, then a batch at a time. (The statements below are
# made of the constants above, nothing else: S608 has nothing to find.)
# (In the order of the sort that numbers them: ordering by their position would sort them again.)
_DECLARE = f"DECLARE import_check_read NO SCROLL CURSOR FOR {_ORDERED} ORDER BY first, number"
_DECLARE_FOUND = f"""
    DECLARE import_check_read NO SCROLL CURSOR FOR
    SELECT o.*, f.found FROM ({_ORDERED}) o
    LEFT JOIN LATERAL (
        SELECT json_agg(json_build_array(f.kind, f.number, f.value, f.domains, f.other)) AS found
        FROM import_check_found f WHERE f.number = o.number
    ) f ON true
    ORDER BY o.first, o.number
"""  # noqa: S608
_FETCH = "FETCH FORWARD %s FROM import_check_read"
# Every row for the import to read (with why it is skipped, when it is), or only the skipped rows (to download).
_WRITE_ALL = f"""
    INSERT INTO accounts_importrow
        (organization_id, job_id, position, number, first_row, last_position, line, reason)
    SELECT %s, %s, o.position, o.number, o.first, o.last_position, o.line, coalesce(s.reason, '')
    FROM ({_ORDERED}) o LEFT JOIN import_check_skipped s USING (number)
"""  # noqa: S608
_WRITE_SKIPPED = """
    INSERT INTO accounts_importrow
        (organization_id, job_id, position, number, first_row, last_position, line, reason)
    SELECT %s, %s, s.position, s.number, s.first, s.last_position, r.line, s.reason
    FROM import_check_skipped s JOIN import_check_rows r USING (number)
"""
_READ_ROWS = """
    SELECT r.position, r.number, r.first_row, r.last_position, r.line, r.reason
    FROM accounts_importrow r
    WHERE r.organization_id = %s AND r.job_id = %s AND r.position >= %s AND r.position < %s
    ORDER BY r.position
"""
# The range on the position keeps the update on the index, whatever the planner thinks of the join.
_SET_REASONS = """
    UPDATE accounts_importrow r SET reason = v.reason
    FROM unnest(%s::integer[], %s::text[]) AS v(position, reason)
    WHERE r.organization_id = %s AND r.job_id = %s AND r.position >= %s AND r.position <= %s
        AND r.position = v.position
"""


@dataclass(frozen=True, kw_only=True)
class Found:
    """A duplicate inside the file that PostgreSQL found: `value` on row `row` was already on row `other`."""

    kind: str  # DOMAIN or EMAIL
    row: int
    value: str
    domains: str  # the account's domains, for a DOMAIN
    other: int


class StagedRow(NamedTuple):
    """A record of the file, in the order the import writes them."""

    position: int
    number: int
    first_row: int
    last_position: int
    cells: list[str]
    reason: str = ""
    found: tuple[Found, ...] = ()


def _found(value: Any) -> tuple[Found, ...]:
    if not value:
        return ()
    items = json.loads(value) if isinstance(value, str) else value
    return tuple(
        Found(kind=kind, row=row, value=found_value, domains=domains, other=other)
        for kind, row, found_value, domains, other in items
    )


class _Echo:
    """A file whose `write` gives back what it is given: `csv.writer(_Echo()).writerow(cells)` is the CSV line."""

    def write(self, value: str) -> str:
        return value


LINE_WRITER = csv.writer(_Echo(), lineterminator="")


def _group(rows: Iterable[StagedRow], into: list[list[StagedRow]]) -> None:
    for row in rows:
        if into and row.first_row == into[-1][0].first_row:
            into[-1].append(row)
        else:
            into.append([row])


class Staging:
    """The working tables of one check, in the current transaction: the file goes in (`add`), PostgreSQL finds the
    duplicates and sorts the rows into accounts (`sort`), the accounts come back in order (`accounts`), the rows
    that cannot be imported are noted (`skip`), and the job keeps its rows (`keep`)."""

    def __init__(self) -> None:
        self.found = 0
        with connection.cursor() as cursor:
            for statement in _CREATE:
                cursor.execute(statement)

    def add(self, rows: Sequence[tuple[int, str, str, str, list[str]]]) -> None:
        """COPY a batch of records: (row number, account key, normalized domains, contact email, cells)."""
        buffer = io.StringIO()
        line = LINE_WRITER.writerow
        csv.writer(buffer, lineterminator="\n").writerows(
            (number, account, domains, email, line(cells)) for number, account, domains, email, cells in rows
        )
        with connection.cursor() as cursor, cursor.cursor.copy(_COPY) as copy:
            copy.write(buffer.getvalue())

    def sort(self, *, domains: bool = True, emails: bool = True) -> None:
        """Gather the rows into accounts and find the duplicates inside the file (of domains and contact emails,
        when the file has them)."""
        with connection.cursor() as cursor:
            # A temporary table has no statistics until it is analyzed: without them the planner sorts where it
            # could hash.
            cursor.execute("ANALYZE import_check_rows")
            cursor.execute(_ACCOUNTS)
            cursor.execute("ANALYZE import_check_accounts")
            for wanted, statement, kind in ((domains, _DOMAINS_FOUND, DOMAIN), (emails, _EMAILS_FOUND, EMAIL)):
                if wanted:
                    cursor.execute(statement, [kind])
                    self.found += cursor.rowcount
            if self.found:
                cursor.execute("CREATE INDEX ON import_check_found (number)")
            cursor.execute(_DECLARE_FOUND if self.found else _DECLARE)

    def accounts(self, *, batch_rows: int) -> Iterator[list[list[StagedRow]]]:
        """Every account of the file (its rows), in order, about `batch_rows` rows of them at a time."""
        carried: list[list[StagedRow]] = []
        while True:
            with connection.cursor() as cursor:
                cursor.execute(_FETCH, [batch_rows])
                fetched = cursor.fetchall()
            if not fetched:
                if carried:
                    yield carried
                return
            cells = csv.reader([row[4] for row in fetched])
            rows = (
                StagedRow(row[0], row[1], row[2], row[3], next(cells), "", _found(row[5]) if self.found else ())
                for row in fetched
            )
            accounts = carried
            _group(rows, accounts)
            # The last account may go on in the next batch.
            last = accounts[-1]
            carried = [accounts.pop()] if last[-1].position < last[-1].last_position else []
            if accounts:
                yield accounts

    def skip(self, reasons: Sequence[tuple[StagedRow, str]]) -> None:
        """Note why these rows cannot be imported."""
        if not reasons:
            return
        with connection.cursor() as cursor, cursor.cursor.copy(_COPY_SKIPPED) as copy:
            for row, reason in reasons:
                copy.write_row((row.position, row.number, row.first_row, row.last_position, reason))

    def keep(self, job: ImportJob, *, every_row: bool) -> None:
        """Replace the job's ImportRow rows: every row, for the import to read; or only the skipped ones, to be
        downloaded."""
        ImportRow.objects.filter(job=job).delete()
        with connection.cursor() as cursor:
            cursor.execute("CLOSE import_check_read")
            cursor.execute(_WRITE_ALL if every_row else _WRITE_SKIPPED, [current_organization().pk, job.pk])


def read_rows(job: ImportJob, start: int, stop: int) -> list[StagedRow]:
    """The job's rows at positions [start, stop)."""
    with connection.cursor() as cursor:
        cursor.execute(_READ_ROWS, [job.organization_id, job.pk, start, stop])
        found = cursor.fetchall()
    cells = csv.reader([line for _, _, _, _, line, _ in found])
    return [
        StagedRow(position, number, first_row, last_position, next(cells), reason)
        for position, number, first_row, last_position, _, reason in found
    ]


def read_batch(job: ImportJob, start: int, *, batch_rows: int) -> tuple[list[list[StagedRow]], int]:
    """The accounts (each its rows) from position `start`, about `batch_rows` rows of them but always whole
    accounts, and the position after them."""
    rows = read_rows(job, start, start + batch_rows)
    if not rows:
        return [], start
    # The last account may go on past the batch: read the rest of its rows.
    end = rows[-1].last_position + 1
    if end > start + batch_rows:
        rows += read_rows(job, start + batch_rows, end)
    accounts: list[list[StagedRow]] = []
    _group(rows, accounts)
    return accounts, end


def read_cells(line: str) -> list[str]:
    return next(csv.reader([line]))


def set_reasons(job: ImportJob, reasons: Sequence[tuple[StagedRow, str]]) -> None:
    """Say why these rows of the job are not imported (the database changed during the import)."""
    if not reasons:
        return
    positions = [row.position for row, _ in reasons]
    with connection.cursor() as cursor:
        cursor.execute(
            _SET_REASONS,
            [positions, [reason for _, reason in reasons], job.organization_id, job.pk, min(positions), max(positions)],
        )
