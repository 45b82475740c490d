"""Prepare a PostgreSQL database for the app: roles, migrations and grants, as the owner.

    DATABASE_OWNER_URL=postgres://owner:...@db/csm \\
    DATABASE_URL=postgres://csm_app:...@db/csm DATABASE_OPS_URL=postgres://csm_ops:...@db/csm \\
    python manage.py provision_db

Creates (or updates the passwords of) the app role, to which row-level security applies, and the ops role, which
bypasses it, from the credentials in DATABASE_URL and DATABASE_OPS_URL; runs the migrations as the owner; then
grants both roles the tables (the activity log stays append-only for the app). Safe to run on every deploy.
Without DATABASE_OWNER_URL it only migrates, as DATABASE_URL.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from csm.tenancy.dbroles import ensure_roles


class Command(BaseCommand):
    help = "Create the database roles, migrate as the owner and grant the app and ops roles (idempotent)."
    # Not before the roles exist: some checks read the server's version through each database (a generated column
    # asks which kinds the server supports), and the app's role is what this command creates. `migrate` runs the
    # checks itself, through the owner's connection.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        if "owner" not in settings.DATABASES:
            self.stdout.write("DATABASE_OWNER_URL is not set: migrating as DATABASE_URL.")
            call_command("migrate", interactive=False, verbosity=options["verbosity"])
            return
        with connections["owner"].cursor() as cursor:
            for line in ensure_roles(cursor, settings.DATABASES["default"], settings.DATABASES["ops"]):
                self.stdout.write(line)
        # The post_migrate hook (csm.apps) grants the app and ops roles every table, new ones included.
        call_command("migrate", database="owner", interactive=False, verbosity=options["verbosity"])
        self.stdout.write(self.style.SUCCESS("Database provisioned."))
