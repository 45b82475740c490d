"""Matching the accounts of a file to the database, and working out what importing them changes: the plans that
`accounts.services.importing` writes, and the counts the confirm page shows.

Stored rows are read set-based, never one query per row: an index of every account (id, external id, domains, name)
for matching, then per chunk of accounts the matched accounts, their tags and contacts, and the contacts with the
file's emails. Checking a whole file keeps only counts and problems, so its memory does not grow with the plans.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models.functions import Lower
from django.utils.timezone import localdate

from accounts.importer.columns import without_locked
from accounts.importer.files import parse
from accounts.importer.rows import (
    AccountValues,
    Columns,
    ContactValues,
    Problem,
    RawGroup,
    cross_check,
    group_rows,
    merge_group,
)
from accounts.importer.values import Lookups, shown
from accounts.models import Account, AccountTag, Contact

# Problems kept on the job and shown: past this many, the person has a pattern to fix, not a list to read.
ERRORS_KEPT = 200
CHUNK = 5000
COUNT_KEYS = (
    "accounts_created",
    "accounts_updated",
    "accounts_unchanged",
    "contacts_created",
    "contacts_updated",
    "contacts_unchanged",
)
RELATED_FIELDS = ("owner", "tier", "stage")


def _drain[T](items: list[T]) -> Iterator[T]:
    """Yield the items in order, dropping each from the list: a large file is not held twice."""
    items.reverse()
    while items:
        yield items.pop()


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

    def match(self, accounts: Sequence[AccountValues]) -> tuple[list[int | None], list[Problem]]:
        """The stored account of each account of the file; two accounts of the file may not match the same one."""
        problems: list[Problem] = []
        matches: list[int | None] = []
        first_match: dict[int, int] = {}
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

        changes = self._apply(stored, values)
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
        )
        return plan, []


# -- A whole file, or the next batch of it -----------------------------------------------------------------------


@dataclass(kw_only=True)
class Check:
    """The outcome of checking a whole file: the first problems and how many there are, and what importing the
    file would do."""

    problems: list[Problem]
    problem_count: int
    counts: dict[str, int]
    total_rows: int
    has_multiline_cells: bool

    @property
    def is_valid(self) -> bool:
        return not self.problem_count


def check_file(
    text: str, delimiter: str, header: list[str], mapping: dict[str, int], *, may_reassign: bool = True
) -> Check:
    """Check every row (values, required cells, owners, tiers, stages, duplicates inside the file and against the
    database) and count what importing the file would do. Every problem is counted; the first ERRORS_KEPT, by row,
    are kept."""
    lookups = Lookups.load()
    mapping = without_locked(mapping, lookups.revenue_source)
    columns = Columns(header=header, mapping=mapping)
    parsed = parse(text, delimiter)
    total_rows, multiline = len(parsed.rows), parsed.has_multiline_cells
    problems: list[Problem] = []
    accounts: list[AccountValues] = []
    for group in _drain(group_rows(_drain(parsed.rows), columns)):
        merged, group_problems = merge_group(group, columns, lookups)
        problems += group_problems
        if merged is not None:
            accounts.append(merged)
    problems += cross_check(accounts, columns)
    planner = Planner(columns, lookups, may_reassign=may_reassign)
    matches, match_problems = planner.match(accounts)
    problems += match_problems
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for start in range(0, len(accounts), CHUNK):
        plans, plan_problems = planner.plan(accounts[start : start + CHUNK], matches[start : start + CHUNK])
        problems += plan_problems
        count(plans, counts)
    problems.sort(key=lambda problem: (problem.row or 0, mapping.get(problem.key, len(header))))
    return Check(
        problems=problems[:ERRORS_KEPT],
        problem_count=len(problems),
        counts={**counts, "rows": total_rows},
        total_rows=total_rows,
        has_multiline_cells=multiline,
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
    rows: int  # the rows of the file these accounts come from
    is_last: bool


def plan_batch(
    text: str,
    delimiter: str,
    header: list[str],
    mapping: dict[str, int],
    *,
    done_rows: int,
    batch_rows: int,
    may_reassign: bool = True,
) -> Batch:
    """The plans of the accounts after the first `done_rows` rows, about `batch_rows` rows of them.

    A batch holds whole accounts (every row of an account), so `done_rows` always falls between two accounts. Its
    stored accounts stay locked until the batch's transaction ends. The whole file was checked before; a problem
    now means the database changed since, and raises DataChangedError.
    """
    lookups = Lookups.load()
    mapping = without_locked(mapping, lookups.revenue_source)
    columns = Columns(header=header, mapping=mapping)
    groups = group_rows(parse(text, delimiter).rows, columns)
    position, seen = 0, 0
    while position < len(groups) and seen < done_rows:
        seen += len(groups[position].rows)
        position += 1
    if seen != done_rows:
        raise DataChangedError(
            Problem(row=None, column="", value="", message="The file no longer splits where the last batch ended.")
        )
    batch: list[RawGroup] = []
    size = 0
    while position < len(groups) and (not batch or size + len(groups[position].rows) <= batch_rows):
        batch.append(groups[position])
        size += len(groups[position].rows)
        position += 1
    accounts: list[AccountValues] = []
    for group in batch:
        merged, problems = merge_group(group, columns, lookups)
        if merged is None:
            raise DataChangedError(problems[0])
        accounts.append(merged)
    planner = Planner(columns, lookups, may_reassign=may_reassign)
    matches, problems = planner.match(accounts)
    plans, plan_problems = planner.plan(accounts, matches, lock=True)
    problems += plan_problems
    if problems:
        raise DataChangedError(problems[0])
    return Batch(plans=plans, rows=size, is_last=position == len(groups))
