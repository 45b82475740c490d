"""Seed the demo organizations (`make run` calls this), or a large generated organization for benchmarks.

    python manage.py seed_demo                              # demo and acme with their people; demo's data
    python manage.py seed_demo --org bench --accounts 50000  # a large organization, created if missing

The people come from `csm.demo`; everything else from the steps the apps register (`csm.demo.register_step`), run
in dependency order for the organization being filled (`demo`, or `--org`; `acme` keeps only its people, to show
the empty states). Safe to run again: people are added only when missing, and each step adds only what is missing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from csm import demo


class Command(BaseCommand):
    help = (
        "Create the demo organizations 'demo' and 'acme' with their people (password: demo1234) and demo's data; "
        "with --org NAME --accounts N, a large organization for benchmarks instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--org", metavar="NAME", help="the slug of the organization to create (if missing) and fill"
        )
        parser.add_argument("--accounts", type=int, metavar="N", help="how many accounts to generate (with --org)")
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="the random seed")
        parser.add_argument(
            "--method",
            choices=["auto", "copy", "bulk_create"],
            default="auto",
            help="how rows are written: COPY through the ops connection (a role that bypasses row-level security), "
            "bulk_create inside the tenant context, or auto (COPY when it can)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug: str | None = options["org"]
        accounts: int | None = options["accounts"]
        if slug is None:
            if accounts is not None:
                raise CommandError("--accounts goes with --org NAME.")
            specs = demo.ORGANIZATIONS
            filled = "demo"
        else:
            if accounts is not None and accounts < 1:
                raise CommandError("--accounts must be at least 1.")
            specs = [demo.spec_for(slug)]
            filled = slug
        try:
            organizations = demo.seed_people(specs)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        choices = demo.DemoOptions(accounts=accounts, seed=options["seed"], method=options["method"], say=self.say)
        for spec, organization in zip(specs, organizations, strict=True):
            self.stdout.write(f"seeded organization {organization.slug} and its people")
            if spec.slug == filled:
                for step in demo.steps():
                    step.run(organization, demo.members(spec), choices)

    def say(self, line: str) -> None:
        self.stdout.write(line)
