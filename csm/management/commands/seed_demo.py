"""Seed the demo organizations (`make run` calls this), or a large generated organization for benchmarks.

    python manage.py seed_demo                              # demo and acme with their people; demo's accounts
    python manage.py seed_demo --org bench --accounts 50000  # a large organization, created if missing

Safe to run again: people are added only when missing, and an organization that already has accounts gets none.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import demo as workspace
from csm import demo
from csm.models import Organization, Role, User


def book(people: list[tuple[User, Role]]) -> tuple[list[workspace.Owner], User]:
    """Who owns the accounts (the CSMs, a few the managers, a few nobody yet) and who owns the shared segments."""
    csms = [user for user, role in people if role == Role.CSM]
    managers = [user for user, role in people if role == Role.MANAGER]
    lead = managers[0] if managers else people[0][0]
    if not csms:
        return [workspace.Owner(lead, 0.98), workspace.Owner(None, 0.02)], lead
    owners = [workspace.Owner(user, 0.90 / len(csms)) for user in csms]
    owners += [workspace.Owner(user, 0.08 / len(managers)) for user in managers]
    owners.append(workspace.Owner(None, 0.02 if managers else 0.10))
    return owners, lead


class Command(BaseCommand):
    help = (
        "Create the demo organizations 'demo' and 'acme' with their people (password: demo1234) and demo's accounts; "
        "with --org NAME --accounts N, a large organization for benchmarks instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--org", metavar="NAME", help="the slug of the organization to create (if missing) and fill"
        )
        parser.add_argument("--accounts", type=int, metavar="N", help="how many accounts to generate (with --org)")
        parser.add_argument("--seed", type=int, default=workspace.DEFAULT_SEED, help="the random seed")
        parser.add_argument(
            "--method",
            choices=["auto", "copy", "bulk_create"],
            default="auto",
            help="how rows are written: COPY through the ops connection (PostgreSQL, a role that bypasses row-level "
            "security), bulk_create inside the tenant context, or auto (COPY when it can)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug: str | None = options["org"]
        if slug is None:
            if options["accounts"] is not None:
                raise CommandError("--accounts goes with --org NAME.")
            specs = demo.ORGANIZATIONS
            count = workspace.DEMO_ACCOUNTS
            filled = {"demo"}
        else:
            count = options["accounts"] if options["accounts"] is not None else workspace.DEMO_ACCOUNTS
            if count < 1:
                raise CommandError("--accounts must be at least 1.")
            specs = [demo.spec_for(slug)]
            filled = {slug}
        self.large = count >= 10_000
        try:
            organizations = demo.seed_people(specs)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        for spec, organization in zip(specs, organizations, strict=True):
            self.stdout.write(f"seeded organization {organization.slug} and its people")
            if spec.slug in filled:
                self._fill(organization, demo.members(spec), count, options)

    def _fill(self, organization: Organization, people: list[tuple[User, Role]], count: int, options: Any) -> None:
        owners, lead = book(people)
        if self.large:
            self.stdout.write(f"{organization.slug}: generating {count:,} accounts ...")
        summary = workspace.seed_workspace(
            organization,
            accounts=count,
            owners=owners,
            segment_owner=lead,
            contacts=(4, 6) if self.large else (3, 6),
            seed=options["seed"],
            method=options["method"],
            progress=self._progress if self.large else None,
        )
        if summary is None:
            self.stdout.write(f"{organization.slug} already has accounts: nothing added")
            return
        self.stdout.write(
            f"{organization.slug}: {summary.accounts:,} accounts, {summary.contacts:,} contacts, "
            f"{summary.timeline_entries:,} timeline entries, {summary.notes:,} notes, {summary.tasks:,} tasks, "
            f"{summary.tickets:,} tickets, {summary.plans:,} success plans in {summary.seconds:.1f} s "
            f"({summary.method})"
        )

    def _progress(self, done: int, total: int, summary: workspace.Summary) -> None:
        self.stdout.write(
            f"  {done:>9,} / {total:,} accounts · {summary.contacts:,} contacts · "
            f"{summary.timeline_entries:,} timeline entries · {summary.seconds:.1f} s"
        )
