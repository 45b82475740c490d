"""Checking a file and matching its accounts to the database, and working out what importing them changes: the plans
that `accounts.services.importing` writes, and the counts the confirm page shows.

A check reads the file once, a record at a time, into the database (`accounts.importer.stored`), which gathers the
rows into accounts and finds the duplicates inside the file; it then reads the accounts back a chunk at a time to
check their cells and plan them. Stored rows are read set-based, never one query per row: an index of every account
(id, external id, domains, name) for matching, then per chunk of accounts the matched accounts, their tags and
contacts, and the contacts with the file's emails. Checking a whole file keeps only counts and the first problems,
so its memory does not grow with the file.
"""

from __future__ import annotations

import gc
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count as counter
from typing import IO, Any

from django.db.models.functions import Lower
from django.utils.timezone import localdate

from accounts.importer import formats, stored
from accounts.importer.columns import targets as column_targets
from accounts.importer.columns import without_locked
from accounts.importer.files import Records
from accounts.importer.rows import (
    AccountValues,
    Columns,
    ContactValues,
    Problem,
    RawGroup,
    account_key_reader,
    merge_group,
)
from accounts.importer.values import Lookups, shown
from accounts.models import Account, AccountTag, Contact, ImportJob

# Problems kept on the job and shown: past this many, the person has a pattern to fix, not a list to read.
ERRORS_KEPT = 200
CHUNK = 5000  # rows read, checked and planned at a time
COUNT_KEYS = (
    "accounts_created",
    "accounts_updated",
    "accounts_unchanged",
    "contacts_created",
    "contacts_updated",
    "contacts_unchanged",
)
RELATED_FIELDS = ("owner", "tier", "stage")


@dataclass(kw_only=True)
class AccountIndex:
    """Every account of the organization by external id, domain and name, from one query."""

    by_external_id: dict[str, int] = field(default_factory=dict)
    by_domain: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    external_ids: dict[int, str | None] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> AccountIndex:
        index = cls()
        for pk, external_id, domains, name in Account.objects.values_list("pk", "external_id", "domains", "name"):
            index.external_ids[pk] = external_id
            index.names[pk] = name
            if external_id:
                index.by_external_id[external_id] = pk
            for domain in domains.split():
                index.by_domain[domain].append(pk)
            index.by_name[name.casefold()].append(pk)
        return index

    def describe(self, pk: int) -> str:
        external_id = self.external_ids.get(pk)
        return f"“{self.names[pk]}”" + (f" (external id {external_id})" if external_id else "")

    def match(self, account: AccountValues, columns: Columns) -> tuple[int | None, list[Problem]]:
        """The stored account these rows update (None: a new one), or why that cannot be decided."""
        external_id = account.values.get("external_id")
        row, domains = account.first_row, account.domains
        if external_id and external_id in self.by_external_id:
            pk = self.by_external_id[external_id]
            others = sorted({other for domain in domains for other in self.by_domain.get(domain, ()) if other != pk})
            if others:
                message = f"belongs to the account {self.describe(others[0])}, not to the one with this external id."
                return None, [columns.problem(row, "domains", message, domains)]
            return pk, []
        by_domain = sorted({pk for domain in domains for pk in self.by_domain.get(domain, ())})
        if len(by_domain) > 1:
            names = " and ".join(self.describe(pk) for pk in by_domain[:2])
            return None, [columns.problem(row, "domains", f"matches several accounts: {names}.", domains)]
        if by_domain:
            pk = by_domain[0]
            if external_id and self.external_ids[pk] is not None:
                message = f"belongs to the account {self.describe(pk)}, whose external id is not {external_id}."
                return None, [columns.problem(row, "domains", message, domains)]
            return pk, []
        if domains:
            return None, []
        # No domain to go by: the one account of that name, unless its external id says it is another company.
        named = [pk for pk in self.by_name.get(account.values["name"].casefold(), ()) if self.external_ids[pk] is None]
        if len(named) > 1:
            message = "is the name of several accounts: add an external id or a domain to say which one."
            return None, [columns.problem(row, "name", message, account.values["name"])]
        return (named[0] if named else None), []


@dataclass(kw_only=True)
class Existing:
    """The stored rows that the plans of a chunk of accounts need."""

    accounts: dict[int, Account]
    tags: dict[int, list[str]]
    contacts_by_email: dict[str, Contact]
    contacts_by_name: dict[tuple[int, str], Contact]

    @classmethod
    def load(cls, account_ids: Sequence[int], emails: Sequence[str], *, lock: bool) -> Existing:
        queryset = Account.objects.filter(pk__in=account_ids).order_by("pk")
        # A batch about to be written locks its accounts: a change made meanwhile in the app waits, and is not lost.
        accounts = {account.pk: account for account in (queryset.select_for_update() if lock else queryset)}
        tags: dict[int, list[str]] = defaultdict(list)
        for account_id, name in AccountTag.objects.filter(account_id__in=account_ids).values_list(
            "account_id", "tag__name"
        ):
            tags[account_id].append(name)
        by_name = {
            (contact.account_id, contact.name.casefold()): contact
            for contact in Contact.objects.filter(account_id__in=account_ids, email="")
        }
        by_email: dict[str, Contact] = {
            contact.email.lower(): contact
            for contact in Contact.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
        }
        return cls(accounts=accounts, tags=tags, contacts_by_email=by_email, contacts_by_name=by_name)


@dataclass(kw_only=True)
class AccountPlan:
    """What importing one account of the file does. Plain values until it is written: checking a large file builds
    no model instance for what it would create."""

    source: AccountValues
    created: bool
    # The stored account with the new values set; for a new account, None until it is written.
    account: Account | None
    values: dict[str, Any]  # a new account's fields
    changes: dict[str, list[Any]]  # a stored account's changes, field → [old, new], for the timeline
    changed_fields: list[str]  # the model fields among them
    new_tags: list[str]
    new_contacts: list[ContactValues]
    changed_contacts: list[tuple[Contact, dict[str, list[Any]]]]  # stored contacts with the new values set
    unchanged_contacts: int
    stage_backwards: bool = False  # the stored account's stage moves to an earlier one

    @property
    def updated(self) -> bool:
        return not self.created and bool(self.changes)


def count(plans: Iterable[AccountPlan], counts: dict[str, int] | None = None) -> dict[str, int]:
    counts = counts if counts is not None else dict.fromkeys(COUNT_KEYS, 0)
    for plan in plans:
        if plan.created:
            counts["accounts_created"] += 1
        elif plan.updated:
            counts["accounts_updated"] += 1
        else:
            counts["accounts_unchanged"] += 1
        counts["contacts_created"] += len(plan.new_contacts)
        counts["contacts_updated"] += len(plan.changed_contacts)
        counts["contacts_unchanged"] += plan.unchanged_contacts
    return counts


class Planner:
    """Plans the accounts of one file against the database as it is now."""

    def __init__(self, columns: Columns, lookups: Lookups, *, may_reassign: bool = True) -> None:
        self.columns = columns
        self.lookups = lookups
        # Reassigning accounts is a manager's job: a CSM's file may set the owner of new accounts only.
        self.may_reassign = may_reassign
        self.index = AccountIndex.load()
        # Stored account → the first row of the account of the file that matched it, over every chunk of a file.
        self.first_match: dict[int, int] = {}

    def match(self, accounts: Sequence[AccountValues]) -> tuple[list[int | None], list[Problem]]:
        """The stored account of each account of the file; two accounts of the file may not match the same one."""
        problems: list[Problem] = []
        matches: list[int | None] = []
        first_match = self.first_match
        for account in accounts:
            pk, match_problems = self.index.match(account, self.columns)
            problems += match_problems
            matches.append(pk)
            if pk is not None and first_match.setdefault(pk, account.first_row) != account.first_row:
                key = "external_id" if "external_id" in account.values else "domains" if account.domains else "name"
                message = (
                    f"Duplicate inside the file: row {first_match[pk]} updates the same account "
                    f"{self.index.describe(pk)}."
                )
                problems.append(self.columns.problem(account.first_row, key, message, account.values.get(key, "")))
        return matches, problems

    def plan(
        self, accounts: Sequence[AccountValues], matches: Sequence[int | None], *, lock: bool = False
    ) -> tuple[list[AccountPlan], list[Problem]]:
        """What importing these accounts (a chunk or a batch) changes, given their matches."""
        emails = [contact.email for account in accounts for contact in account.contacts if contact.email]
        existing = Existing.load([pk for pk in matches if pk is not None], emails, lock=lock)
        plans: list[AccountPlan] = []
        problems: list[Problem] = []
        for account, pk in zip(accounts, matches, strict=True):
            stored = existing.accounts.get(pk) if pk is not None else None
            plan, plan_problems = self._plan_account(account, stored, existing)
            problems += plan_problems
            if plan is not None:
                plans.append(plan)
        return plans, problems

    def _account_values(self, source: AccountValues, stored: Account | None) -> tuple[dict[str, Any], list[Problem]]:
        """The fields the rows set: domains added to the account's own, custom fields merged into its own, and a
        churn kept consistent with the stage (a churn needs its reason; leaving a churned stage clears it, as the
        stage form does)."""
        values = dict(source.values)
        problems: list[Problem] = []
        if "domains" in values:
            current = stored.domain_list if stored else []
            values["domains"] = " ".join(current + [domain for domain in values["domains"] if domain not in current])
        if source.custom:
            values["custom_fields"] = {**(stored.custom_fields if stored else {}), **source.custom}
        stored_stage = self.lookups.stages_by_id.get(stored.stage_id) if stored and stored.stage_id else None
        was_churned = stored_stage is not None and stored_stage.is_churned
        stage = values.get("stage", stored_stage)
        churned = stage is not None and stage.is_churned
        row = source.first_row
        if churned and not was_churned:
            if "churn_reason" not in values:
                message = (
                    f"“{stage}” is a churned stage: the row also needs a churn reason (map a Churn reason column)."
                )
                problems.append(self.columns.problem(row, "stage", message, stage))
            values.setdefault("churn_date", localdate())
        elif not churned:
            for key in ("churn_reason", "churn_date"):
                if key in values:
                    message = "goes only with a churned lifecycle stage."
                    problems.append(self.columns.problem(row, key, message, values[key]))
            if was_churned:
                values["churn_date"], values["churn_reason"] = None, ""
        return values, problems

    def _apply(self, account: Account, values: dict[str, Any]) -> dict[str, list[Any]]:
        """Set the values that differ on the stored account; its changes as the timeline shows them."""
        changes: dict[str, list[Any]] = {}
        for name, value in values.items():
            if name in RELATED_FIELDS:
                old_id = getattr(account, f"{name}_id")
                if old_id != value.pk:
                    changes[name] = [self.lookups.name_of(name, old_id), shown(value)]
                    setattr(account, name, value)
            elif getattr(account, name) != value:
                changes[name] = [getattr(account, name), value]
                setattr(account, name, value)
        return changes

    def _contact_problem(self, contact: Contact, wanted: ContactValues) -> Problem:
        message = (
            f"belongs to {contact.name}, a contact of the account “{self.index.names.get(contact.account_id)}”: a "
            "contact email is unique in the organization."
        )
        return self.columns.problem(wanted.row, "contact_email", message, wanted.email)

    def _plan_account(
        self, source: AccountValues, stored: Account | None, existing: Existing
    ) -> tuple[AccountPlan | None, list[Problem]]:
        values, problems = self._account_values(source, stored)
        if stored is None:
            for wanted in source.contacts:
                contact = existing.contacts_by_email.get(wanted.email) if wanted.email else None
                if contact is not None:
                    problems.append(self._contact_problem(contact, wanted))
            if problems:
                return None, problems
            new = AccountPlan(
                source=source,
                created=True,
                account=None,
                values=values,
                changes={},
                changed_fields=[],
                new_tags=list(source.tags),
                new_contacts=list(source.contacts),
                changed_contacts=[],
                unchanged_contacts=0,
            )
            return new, []

        stage_before = self.lookups.stages_by_id.get(stored.stage_id) if stored.stage_id else None
        changes = self._apply(stored, values)
        stage_after = values.get("stage")
        stage_backwards = (
            "stage" in changes
            and stage_before is not None
            and stage_after is not None
            and stage_after.position < stage_before.position
        )
        if "owner" in changes and not self.may_reassign:
            old, new = changes["owner"]
            message = (
                f"would move the account from {old or 'nobody'} to {new}: reassigning accounts needs the Manager role."
            )
            problems.append(self.columns.problem(source.first_row, "owner", message, new))
            return None, problems
        changed_fields = list(changes)
        stored_tags = existing.tags.get(stored.pk, [])
        known = {name.lower() for name in stored_tags}
        new_tags = [name for name in source.tags if name.lower() not in known]
        if new_tags:
            changes["tags"] = [sorted(stored_tags), sorted(stored_tags + new_tags)]
        new_contacts: list[ContactValues] = []
        changed_contacts: list[tuple[Contact, dict[str, list[Any]]]] = []
        unchanged_contacts = 0
        for wanted in source.contacts:
            if wanted.email:
                contact = existing.contacts_by_email.get(wanted.email)
                if contact is not None and contact.account_id != stored.pk:
                    problems.append(self._contact_problem(contact, wanted))
                    continue
            else:
                contact = existing.contacts_by_name.get((stored.pk, wanted.name.casefold()))
            if contact is None:
                new_contacts.append(wanted)
                continue
            fields = {"name": wanted.name, **wanted.values}
            contact_changes = {
                name: [getattr(contact, name), value]
                for name, value in fields.items()
                if getattr(contact, name) != value
            }
            if contact_changes:
                for name, value in fields.items():
                    setattr(contact, name, value)
                changed_contacts.append((contact, contact_changes))
            else:
                unchanged_contacts += 1
        if problems:
            return None, problems
        plan = AccountPlan(
            source=source,
            created=False,
            account=stored,
            values={},
            changes=changes,
            changed_fields=changed_fields,
            new_tags=new_tags,
            new_contacts=new_contacts,
            changed_contacts=changed_contacts,
            unchanged_contacts=unchanged_contacts,
            stage_backwards=stage_backwards,
        )
        return plan, []


# -- A whole file, or the next batch of it -----------------------------------------------------------------------


class ProblemLog:
    """Every problem counted, the first ERRORS_KEPT (by row, then column) kept: memory does not grow with them."""

    def __init__(self, columns: Columns, keep: int = ERRORS_KEPT) -> None:
        self.columns = columns
        self.keep = keep
        self.count = 0
        self._order = counter()
        # A heap of the kept problems, the last one (by row, column, arrival) on top.
        self._heap: list[tuple[int, int, int, Problem]] = []

    def add(self, problems: Iterable[Problem]) -> None:
        last_column = len(self.columns.header)
        for problem in problems:
            self.count += 1
            column = self.columns.mapping.get(problem.key, last_column)
            item = (-(problem.row or 0), -column, -next(self._order), problem)
            if len(self._heap) < self.keep:
                heapq.heappush(self._heap, item)
            elif item > self._heap[0]:
                heapq.heapreplace(self._heap, item)

    def kept(self) -> list[Problem]:
        return [item[3] for item in sorted(self._heap, reverse=True)]


UPDATES_KEPT = 200


class UpdateLog:
    """What importing changes on the stored accounts, field by field, for the page to show before the import runs:
    every update counted, the first UPDATES_KEPT kept, those that move an account back to an earlier lifecycle stage
    first."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.keep = UPDATES_KEPT
        self.count = 0
        self.backwards = 0
        self._backwards: list[dict[str, Any]] = []
        self._others: list[dict[str, Any]] = []

    def add(self, plans: Iterable[AccountPlan]) -> None:
        for plan in plans:
            if not plan.updated:
                continue
            self.count += 1
            self.backwards += plan.stage_backwards
            kept = self._backwards if plan.stage_backwards else self._others
            if len(kept) < self.keep:
                kept.append(self._describe(plan))

    def _describe(self, plan: AccountPlan) -> dict[str, Any]:
        changes: list[list[Any]] = []
        for name, (old, new) in plan.changes.items():
            if name == "custom_fields":
                for key in sorted(set(old or {}) | set(new or {})):
                    if (old or {}).get(key) != (new or {}).get(key):
                        label = self.labels.get(f"custom_{key}", key)
                        changes.append([label, shown((old or {}).get(key)), shown((new or {}).get(key)), False])
                continue
            backwards = name == "stage" and plan.stage_backwards
            changes.append([self.labels.get(name, name), shown(old), shown(new), backwards])
        account = plan.account
        return {
            "account": account.name if account is not None else "",
            "row": plan.source.first_row,
            "changes": changes,
            "backwards": plan.stage_backwards,
        }

    def kept(self) -> list[dict[str, Any]]:
        return (self._backwards + self._others)[: self.keep]


@dataclass(kw_only=True)
class Check:
    """The outcome of checking a whole file: the first problems and how many there are, and what importing the
    file would do (with the rows that have problems left out); how its number and date columns read, and the
    columns to ask about."""

    problems: list[Problem]
    problem_count: int
    counts: dict[str, int]
    total_rows: int
    skipped_rows: int
    has_multiline_cells: bool
    formats: dict[str, formats.Decision] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)  # UpdateLog.kept()
    update_count: int = 0
    backwards_count: int = 0  # updates that move an account back to an earlier stage

    @property
    def is_valid(self) -> bool:
        return not self.problem_count


Progress = Callable[[str, int], None]


@contextmanager
def _collector_paced() -> Iterator[Callable[[], object]]:
    """A check makes and drops millions of small objects, and Python's collector would run every few hundred of
    them, walking more objects each time than the check has alive (a third of a check's time, measured). During a
    check the objects the process had before it are frozen out of the collector's sight, and the collector runs
    once per batch of rows (the function given): what a batch leaves behind in cycles is still freed batch by
    batch."""
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield lambda: gc.collect(1)
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()


def _contact_email(cells: list[str], email_at: int, name_at: int) -> str:
    """The email of the contact a row adds, lowercased as it is stored, to compare across the file; "" when it adds
    none. Whether it is an email at all is the check's business, cell by cell."""
    email = cells[email_at].strip() if email_at < len(cells) else ""
    if "@" not in email or not (0 <= name_at < len(cells) and cells[name_at].strip()):
        return ""
    return email.lower()


def _stage_records(
    records: Records,
    columns: Columns,
    staging: stored.Staging,
    evidence: dict[str, formats.Evidence],
    on_progress: Progress,
    collect: Callable[[], object],
) -> int:
    """Read the file into the working table, and what its number and date columns say of themselves; how many
    records it has."""
    key_of = account_key_reader(columns)
    email_at, name_at = columns.mapping.get("contact_email", -1), columns.mapping.get("contact_name", -1)
    watched = [(columns.mapping[key], found) for key, found in evidence.items()]
    batch: list[tuple[int, str, str, str, list[str]]] = []
    total = 0
    for row in records:
        cells = row.cells
        key, domains = key_of(cells)
        email = _contact_email(cells, email_at, name_at) if email_at >= 0 else ""
        batch.append((row.number, key, domains, email, cells))
        for index, found in watched:
            if index < len(cells) and cells[index]:
                found.add(cells[index].strip(), row.number)
        if len(batch) == CHUNK:
            staging.add(batch)
            total += len(batch)
            batch = []
            collect()
            on_progress("reading", total)
    staging.add(batch)
    return total + len(batch)


def _decide_formats(
    columns: Columns, evidence: dict[str, formats.Evidence], kinds: dict[str, str], chosen: dict[str, str]
) -> tuple[dict[str, formats.Decision], list[Problem]]:
    """How each number and date column reads; a question (as a problem of the column) for those that cannot say."""
    decisions: dict[str, formats.Decision] = {}
    questions: list[Problem] = []
    for key, kind in kinds.items():
        if key not in columns.mapping:
            continue
        decision = formats.decide(kind, evidence.get(key), chosen.get(key, ""))
        decisions[key] = decision
        if decision.format == formats.ASK:
            questions.append(columns.problem(None, key, decision.question))
    return decisions, questions


def _found_problems(rows: Sequence[stored.StagedRow], columns: Columns) -> list[Problem]:
    problems = []
    for row in rows:
        for found in row.found:
            if found.kind == stored.DOMAIN:
                message = (
                    f"Duplicate inside the file: the domain {found.value} is also on row {found.other}, for another "
                    "account. Give both rows the same external id, or each its own domain."
                )
                problems.append(columns.problem(found.row, "domains", message, found.domains.split()))
            else:
                message = f"Duplicate inside the file: this contact email is also on row {found.other}."
                problems.append(columns.problem(found.row, "contact_email", message, found.value))
    return problems


def skip_reasons(rows: Sequence[stored.StagedRow], problems: Sequence[Problem]) -> list[tuple[stored.StagedRow, str]]:
    """Each row of an account that cannot be imported, and why: its own problems, or the row that has them."""
    by_row: dict[int, list[str]] = defaultdict(list)
    for problem in problems:
        where = f"{problem.column}: " if problem.column else ""
        value = f"“{problem.value}” " if problem.value else ""
        by_row[problem.row or rows[0].number].append(f"{where}{value}{problem.message}")
    first_bad = min(by_row)
    return [
        (row, "; ".join(by_row[row.number]) if row.number in by_row else f"Skipped with row {first_bad}, the same "
         "account.")
        for row in rows
    ]  # fmt: skip


def _merge(
    rows: Sequence[stored.StagedRow], columns: Columns, lookups: Lookups
) -> tuple[AccountValues | None, list[Problem]]:
    return merge_group(RawGroup(rows=rows), columns, lookups)


def _plan_chunk(
    planner: Planner, accounts: Sequence[tuple[AccountValues, Sequence[stored.StagedRow]]], *, lock: bool = False
) -> tuple[list[AccountPlan], list[tuple[Sequence[stored.StagedRow], list[Problem]]]]:
    """The plans of the accounts that can be imported, and the others with their problems."""
    matches, match_problems = planner.match([values for values, _ in accounts])
    failed: dict[int, list[Problem]] = defaultdict(list)
    row_owner = {number: index for index, (values, _) in enumerate(accounts) for number in values.rows}
    for problem in match_problems:
        failed[row_owner[problem.row or 0]].append(problem)
    matchable = [index for index in range(len(accounts)) if index not in failed]
    plans, plan_problems = planner.plan(
        [accounts[index][0] for index in matchable], [matches[index] for index in matchable], lock=lock
    )
    for problem in plan_problems:
        failed[row_owner[problem.row or 0]].append(problem)
    return plans, [(accounts[index][1], problems) for index, problems in failed.items()]


def check_file(
    source: IO[str],
    delimiter: str,
    header: list[str],
    mapping: dict[str, int],
    *,
    job: ImportJob,
    may_reassign: bool = True,
    chosen_formats: dict[str, str] | None = None,
    keep_every_row: bool = False,
    on_progress: Progress | None = None,
) -> Check:
    """Check every row (values, required cells, owners, tiers, stages, duplicates inside the file and against the
    database) and count what importing the file would do, leaving out the accounts that cannot be imported. Every
    problem is counted; the first ERRORS_KEPT, by row, are kept. Number and date columns are read as the person
    chose (`chosen_formats`), else as their values say (`accounts.importer.formats`); a column that cannot say is
    a problem of its own, a question. The job keeps the rows that cannot be imported, each saying why (ImportRow);
    with `keep_every_row`, every row, in the order the import writes them."""
    progress = on_progress or (lambda phase, done: None)
    with _collector_paced() as collect:
        chosen = chosen_formats or {}
        lookups = Lookups.load()
        mapping = without_locked(mapping, lookups.revenue_source)
        columns = Columns(header=header, mapping=mapping)
        staging = stored.Staging()
        records = Records(source, delimiter)
        kinds = formats.targets(lookups.custom_fields.values())
        evidence = {
            key: formats.Evidence(kind=kind) for key, kind in kinds.items() if key in mapping and not chosen.get(key)
        }
        total_rows = _stage_records(records, columns, staging, evidence, progress, collect)
        decisions, questions = _decide_formats(columns, evidence, kinds, chosen)
        lookups.formats = {key: decision.format for key, decision in decisions.items() if decision.format}
        progress("sorting", total_rows)
        staging.sort(domains="domains" in mapping, emails="contact_email" in mapping)

        log = ProblemLog(columns)
        log.add(questions)
        labels = {target.key: target.label for target in column_targets(lookups.custom_fields.values())}
        updates = UpdateLog({**labels, "stage": "Lifecycle stage"})
        planner = Planner(columns, lookups, may_reassign=may_reassign)
        counts = dict.fromkeys(COUNT_KEYS, 0)
        checked = skipped = 0
        for batch in staging.accounts(batch_rows=CHUNK):
            reasons: list[tuple[stored.StagedRow, str]] = []
            mergeable: list[tuple[AccountValues, Sequence[stored.StagedRow]]] = []
            for rows in batch:
                merged, problems = _merge(rows, columns, lookups)
                if staging.found:
                    problems += _found_problems(rows, columns)
                if problems or merged is None:
                    log.add(problems)
                    reasons += skip_reasons(rows, problems)
                else:
                    mergeable.append((merged, rows))
            plans, failed = _plan_chunk(planner, mergeable)
            for failed_rows, problems in failed:
                log.add(problems)
                reasons += skip_reasons(failed_rows, problems)
            count(plans, counts)
            updates.add(plans)
            staging.skip(reasons)
            skipped += len(reasons)
            checked += sum(len(rows) for rows in batch)
            # The batch's objects are let go first: the collector then has little alive to walk.
            del batch, rows, reasons, mergeable, plans, failed
            collect()
            progress("checking", checked)
        staging.keep(job, every_row=keep_every_row)
        return Check(
            problems=log.kept(),
            problem_count=log.count,
            counts={**counts, "rows": total_rows},
            total_rows=total_rows,
            skipped_rows=skipped,
            has_multiline_cells=records.has_multiline_cells,
            formats=decisions,
            updates=updates.kept(),
            update_count=updates.count,
            backwards_count=updates.backwards,
        )


class DataChangedError(Exception):
    """The database changed since the file was checked, so that a row can no longer be imported."""

    def __init__(self, problem: Problem) -> None:
        where = f"Row {problem.row}" if problem.row else "A row"
        column = f", {problem.column}" if problem.column else ""
        value = f" “{problem.value}”" if problem.value else ""
        super().__init__(f"{where}{column}:{value} {problem.message}")


@dataclass(kw_only=True)
class Batch:
    plans: list[AccountPlan]
    rows: int  # the rows of the file these accounts come from, skipped ones included
    skipped_rows: int  # rows skipped in this batch because the database changed since the check
    is_last: bool


def plan_batch(
    job: ImportJob,
    header: list[str],
    mapping: dict[str, int],
    *,
    done_rows: int,
    batch_rows: int,
    may_reassign: bool = True,
    skip_invalid: bool = False,
    column_formats: dict[str, str] | None = None,
) -> Batch:
    """The plans of the accounts after the first `done_rows` rows (in the order of the job's ImportRow rows), about
    `batch_rows` rows of them.

    A batch holds whole accounts (every row of an account), so `done_rows` always falls between two accounts. Its
    stored accounts stay locked until the batch's transaction ends. The whole file was checked just before; a
    problem now means the database changed since: DataChangedError, or when skipping invalid rows, the account is
    skipped and its rows say why. The accounts that the check found invalid are skipped."""
    lookups = Lookups.load()
    lookups.formats = dict(column_formats or {})
    mapping = without_locked(mapping, lookups.revenue_source)
    columns = Columns(header=header, mapping=mapping)
    accounts, end = stored.read_batch(job, done_rows, batch_rows=batch_rows)
    if not accounts and done_rows < job.total_rows:
        message = "The checked rows of the file are missing: check the file again."
        raise DataChangedError(Problem(row=None, column="", value="", message=message))
    reasons: list[tuple[stored.StagedRow, str]] = []
    mergeable: list[tuple[AccountValues, Sequence[stored.StagedRow]]] = []
    for rows in accounts:
        if any(row.reason for row in rows):
            continue
        merged, problems = _merge(rows, columns, lookups)
        if problems or merged is None:
            if not skip_invalid:
                raise DataChangedError(problems[0])
            reasons += skip_reasons(rows, problems)
            continue
        mergeable.append((merged, rows))
    planner = Planner(columns, lookups, may_reassign=may_reassign)
    plans, failed = _plan_chunk(planner, mergeable, lock=True)
    for failed_rows, problems in failed:
        if not skip_invalid:
            raise DataChangedError(min(problems, key=lambda problem: problem.row or 0))
        reasons += skip_reasons(failed_rows, problems)
    stored.set_reasons(job, reasons)
    return Batch(plans=plans, rows=end - done_rows, skipped_rows=len(reasons), is_last=end >= job.total_rows)
