"""Demo data for the workspace: a year in the life of a book of accounts, generated, deterministic, fast.

Two uses:

- `manage.py seed_demo` (which `make run` calls on every start) gives the `demo` organization about 300 accounts;
- `manage.py seed_demo --org NAME --accounts N` gives a large organization for the benchmarks (50,000 accounts,
  about 250,000 contacts and 1,000,000 timeline entries in a few minutes on PostgreSQL).

Each account gets its own story from its own `random.Random(f"{seed}:{index}")`, so account number 1234 is the same
whatever the size of the run or the size of the batches: a company name and domain, 3-6 people in a stakeholder map
(executive sponsor at the top, the champion reporting to the sponsor, users reporting to the champion; some accounts
without a champion, some champions gone), a tier, a lifecycle stage reached through dated stage changes (some churned
with a reason), an owner, MRR by tier, start and renewal dates, tags, and over the past 12 months notes, calls and
meetings in Markdown, tasks (done, overdue, due today, upcoming, snoozed), the 30/60/90-day onboarding plan with its
milestones, and tickets in every status. Dates are relative to the day of the run, times fall in office hours of the
organization's time zone, and nothing is in the future except due dates.

The services write one row at a time with its activity-log row; that is right for people and far too slow for a
million rows, so this package builds the same rows the services would (an activity-log row `about` the account with
the services' verbs, actors, targets, changes and data, dated in the past) and writes them in batches of 1,000
accounts: with `bulk_create` inside the organization's tenant context (row-level security applies), or, on
PostgreSQL when the `ops` connection may bypass row-level security, with `COPY` through that connection and explicit
organization ids (shared/DESIGN.md, "Tenancy": COPY is refused on tables with RLS). Ids are reserved from the
tables' sequences first, so rows can point at each other before they are written. The whole load is one transaction:
an interrupted run leaves nothing behind, and "the organization has accounts" is a reliable marker that it ran.

Health scores are filled too (from the account's story: stage, risk, champion gone, open tickets, overdue tasks),
so the list's health column, sort and band filter have something to show before the health app computes real ones.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models

from accounts.demo import words
from accounts.demo.base import CHUNK, NAME_SPACE, WRITE_ORDER, Batch, Catalog, Ids, Owner, company
from accounts.demo.story import Story
from accounts.demo.writers import CopyWriter, OrmWriter, analyze, can_copy
from accounts.models import (
    Account,
    Contact,
    CustomField,
    CustomFieldType,
    Milestone,
    Note,
    Segment,
    SuccessPlan,
    Tag,
    Task,
    Ticket,
    Tier,
)
from accounts.services import sort_keys
from accounts.services.defaults import install_defaults
from csm.demo import DEFAULT_SEED, DemoOptions, Members
from csm.models import ActivityLog, ActorKind, Organization, Role, User
from csm.tenancy import activate

__all__ = [
    "DEFAULT_SEED",
    "DEMO_ACCOUNTS",
    "WRITE_ORDER",
    "Owner",
    "Summary",
    "book",
    "company",
    "has_accounts",
    "last_seed",
    "seed_demo_step",
    "seed_workspace",
]

DEMO_ACCOUNTS = 300
SEEDED_VERB = "demo.seeded"


@dataclass
class Summary:
    """What a run wrote, and how: kept in the organization's activity log (verb `demo.seeded`), shown by the bench."""

    accounts: int = 0
    contacts: int = 0
    notes: int = 0
    tasks: int = 0
    tickets: int = 0
    plans: int = 0
    milestones: int = 0
    timeline_entries: int = 0
    seconds: float = 0.0
    method: str = ""

    def add(self, batch: Batch) -> None:
        self.accounts += len(batch.rows[Account])
        self.contacts += len(batch.rows[Contact])
        self.notes += len(batch.rows[Note])
        self.tasks += len(batch.rows[Task])
        self.tickets += len(batch.rows[Ticket])
        self.plans += len(batch.rows[SuccessPlan])
        self.milestones += len(batch.rows[Milestone])
        self.timeline_entries += len(batch.rows[ActivityLog])

    def as_dict(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "contacts": self.contacts,
            "notes": self.notes,
            "tasks": self.tasks,
            "tickets": self.tickets,
            "plans": self.plans,
            "milestones": self.milestones,
            "timeline_entries": self.timeline_entries,
            "seconds": round(self.seconds, 1),
            "method": self.method,
        }


def _prepare(organization: Organization, *, owners: Sequence[Owner], segment_owner: User) -> None:
    """Tags, custom fields and saved segments the stories use (idempotent). Runs inside the tenant context."""
    install_defaults(organization)
    for name in words.TAGS:
        Tag.objects.get_or_create(organization=organization, name=name)
    regions = sorted({region for _suffix, _tld, region in words.COMPANY_SUFFIXES})
    for position, (label, key, kind, choices) in enumerate(
        [("Industry", "industry", CustomFieldType.TEXT, []), ("Region", "region", CustomFieldType.CHOICE, regions)]
    ):
        CustomField.objects.get_or_create(
            organization=organization,
            key=key,
            defaults={"label": label, "field_type": kind, "choices": choices, "position": position},
        )
    enterprise = Tier.objects.order_by("-position", "-pk").first()
    shared: list[tuple[str, dict[str, str]]] = [
        ("At-risk accounts", {"band": "at_risk"}),
        ("Upsell candidates", {"tag": "upsell-candidate"}),
    ]
    if enterprise is not None:
        shared.append(
            (f"{enterprise.name} renewals in the next 90 days", {"tier": str(enterprise.pk), "renewal_days": "90"})
        )
    for name, query in shared:
        Segment.objects.get_or_create(
            organization=organization, owner=segment_owner, name=name, defaults={"query": query, "is_shared": True}
        )
    for owner in owners:
        if owner.user is not None:
            Segment.objects.get_or_create(
                organization=organization,
                owner=owner.user,
                name="My renewals in the next 60 days",
                defaults={"query": {"owner": "me", "renewal_days": "60"}},
            )


# -- The entry points ----------------------------------------------------------------------------------------------


def has_accounts(organization: Organization) -> bool:
    with activate(organization):
        return Account.objects.exists()


def seed_workspace(
    organization: Organization,
    *,
    accounts: int,
    owners: Sequence[Owner],
    segment_owner: User,
    contacts: tuple[int, int] = (3, 6),
    seed: int = DEFAULT_SEED,
    method: str = "auto",
    progress: Callable[[int, int, Summary], None] | None = None,
) -> Summary | None:
    """Fill `organization` with `accounts` accounts and their year, or do nothing (and return None) when it already
    has accounts. `owners` share the book by weight; `segment_owner` owns the shared segments and reassigns accounts.
    `method` is "copy", "bulk_create" or "auto" (COPY when `can_copy()`)."""
    if has_accounts(organization):
        return None
    started = time.monotonic()
    with activate(organization):
        _prepare(organization, owners=owners, segment_owner=segment_owner)
        catalog = Catalog.load(organization, owners, segment_owner)
        next_ticket = (Ticket.objects.aggregate(top=models.Max("number"))["top"] or 0) + 1
    use_copy = can_copy() if method == "auto" else method == "copy"
    writer: OrmWriter | CopyWriter = CopyWriter() if use_copy else OrmWriter(organization)
    summary = Summary(method=writer.method)
    names = random.Random(seed).sample(  # noqa: S311 - demo data, not secrets
        range(NAME_SPACE), min(accounts, NAME_SPACE)
    )
    names += range(NAME_SPACE, accounts)  # beyond every combination: "Northwind Logistics 2"
    ids = Ids(writer.reserve)
    with writer.transaction():
        for first in range(0, accounts, CHUNK):
            batch = Batch()
            for index in range(first, min(first + CHUNK, accounts)):
                Story(index, seed, names[index], contacts, catalog, ids, batch).build()
            next_ticket = batch.number_tickets(next_ticket)
            for model in WRITE_ORDER:
                writer.write(model, batch.rows[model])
            summary.add(batch)
            summary.seconds = time.monotonic() - started
            if progress is not None:
                progress(summary.accounts, accounts, summary)
    if use_copy and accounts >= 10 * CHUNK:
        analyze()
    summary.seconds = time.monotonic() - started
    with activate(organization):
        sort_keys.refresh(Account.objects.all())
        ActivityLog.objects.create(
            organization=organization,
            actor_kind=ActorKind.SYSTEM,
            actor_label="System",
            verb=SEEDED_VERB,
            data=summary.as_dict(),
        )
    return summary


def last_seed(organization: Organization) -> dict[str, Any] | None:
    """What the last `seed_workspace` of this organization wrote and how long it took."""
    with activate(organization):
        entry = ActivityLog.objects.filter(verb=SEEDED_VERB).order_by("-created_at", "-id").first()
    return entry.data if entry else None


def book(people: Members) -> tuple[list[Owner], User]:
    """Who owns the accounts (the CSMs, a few the managers, a few nobody yet) and who owns the shared segments."""
    csms = [user for user, role in people if role == Role.CSM]
    managers = [user for user, role in people if role == Role.MANAGER]
    lead = managers[0] if managers else people[0][0]
    if not csms:
        return [Owner(lead, 0.98), Owner(None, 0.02)], lead
    owners = [Owner(user, 0.90 / len(csms)) for user in csms]
    owners += [Owner(user, 0.08 / len(managers)) for user in managers]
    owners.append(Owner(None, 0.02 if managers else 0.10))
    return owners, lead


def seed_demo_step(organization: Organization, people: Members, options: DemoOptions) -> None:
    """The accounts app's part of `seed_demo` (registered in `accounts.apps`): the book of accounts and its year."""
    owners, lead = book(people)
    count = options.accounts if options.accounts is not None else DEMO_ACCOUNTS
    large = count >= 10_000
    if large:
        options.say(f"{organization.slug}: generating {count:,} accounts ...")

    def progress(done: int, total: int, summary: Summary) -> None:
        options.say(
            f"  {done:>9,} / {total:,} accounts · {summary.contacts:,} contacts · "
            f"{summary.timeline_entries:,} timeline entries · {summary.seconds:.1f} s"
        )

    summary = seed_workspace(
        organization,
        accounts=count,
        owners=owners,
        segment_owner=lead,
        contacts=(4, 6) if large else (3, 6),
        seed=options.seed,
        method=options.method,
        progress=progress if large else None,
    )
    if summary is None:
        options.say(f"{organization.slug} already has accounts: nothing added")
        return
    options.say(
        f"{organization.slug}: {summary.accounts:,} accounts, {summary.contacts:,} contacts, "
        f"{summary.timeline_entries:,} timeline entries, {summary.notes:,} notes, {summary.tasks:,} tasks, "
        f"{summary.tickets:,} tickets, {summary.plans:,} success plans in {summary.seconds:.1f} s "
        f"({summary.method})"
    )
