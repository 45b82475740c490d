"""CSV import of accounts and their contacts: reading the file, mapping its columns, checking every row, and planning
what to write. Nothing here writes accounts or contacts; `accounts.services.importing` does, from the plans made here.
A check keeps its working rows in the database (`stored`): the file is never held whole in a process's memory.

- `files`: what a file is (encoding, binary or not, size), the delimiter, the header, the records with their numbers.
- `stored`: the uploaded file in pieces, and the rows of a check, sorted into accounts by PostgreSQL.
- `columns`: what a column can be imported as, and matching the header to it.
- `formats`: how a number, date or tags column is written, decided from the whole column.
- `values`: reading one cell (dates, amounts, owners, tiers, stages, custom fields...).
- `rows`: reading rows, gathering them into accounts, duplicates inside an account.
- `plan`: checking a file, matching its accounts to the database and working out what importing them changes.

Reading. A file is stored as it is uploaded, a piece at a time, and only its header is read then; the worker checks
its rows, reading the stored pieces as a stream. It is read as UTF-8 (a byte-order mark is dropped) and, only when
that fails, as Windows-1252 (Excel's "CSV" on Windows; Latin-1 for the few bytes it leaves undefined). UTF-16,
workbooks and other binary files are refused with a message that says how to save a CSV. Columns are separated by
commas or semicolons: the one that splits the header into more columns wins (commas on a tie), and the person can
change it. Cells may hold line breaks inside quotes.

Row numbers are those of a spreadsheet: the header is row 1, the first record row 2. A record whose cells hold line
breaks is still one row, so in a text editor the line numbers can run ahead of them.

Values. Empty cells never overwrite what is stored: an import adds and corrects, it does not erase. Domains and tags
are added to the account's own, never removed; custom fields are merged. Dates are ISO (2025-03-31; a time after it
is ignored), 2025/03/31, 31.03.2025, 31 Mar 2025, Mar 31, 2025, or 31/03/2025 and 03/31/2025: day or month first as
the column says (a day over 12 settles it), asked on the mapping step when the column cannot tell. Amounts take a dot
or a comma as the decimal sign, the column's (1,234.50 or 1.234,50: a value that shows it settles the column, so
2.400 next to 1 250,50 is two thousand four hundred), and ignore a currency sign; a column of values like 2.400 alone
is asked about. Tags are separated by commas, as in the account form; a column with no comma at all may separate
them by | or ; (as the accounts export does). ARR is never read as MRR.

Matching. Rows with the same external id, or else with the same name and domains, are one account; each may add a
contact. An account of the file updates the stored account with its external id; else the one with one of its
domains (one whose external id differs is an error, not a match); else, when the row has no domain, the one account
of that name that has no external id; else it is created. Contacts match by email across the organization (an email
of another account's contact is an error) and, without an email, by name within their account. So importing the same
file twice changes nothing the second time.
"""
