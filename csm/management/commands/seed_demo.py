"""Seed the demo organizations (`make run` calls this). Safe to run again: it adds only what is missing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from csm import demo


class Command(BaseCommand):
    help = "Create the demo organizations 'demo' and 'acme' with their people (password: demo1234)."

    def handle(self, *args: Any, **options: Any) -> None:
        organizations = demo.seed_people()
        for organization in organizations:
            self.stdout.write(f"seeded organization {organization.slug}")
