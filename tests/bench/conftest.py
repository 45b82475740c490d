"""The benchmark database: an organization of 50,000 accounts, about 250,000 contacts and 1,000,000 timeline entries.

`make bench` keeps its own test database (TEST_DATABASE_NAME=test_csm_bench, pytest-django's --reuse-db), so the
organization is generated once (`seed_demo --org bench --accounts 50000`, a few minutes) and reused by later runs;
it is generated again whenever it is missing. BENCH_ACCOUNTS=5000 makes a smaller one (organization `bench-5000`)
for a quick look.

Requests run outside any test transaction, as in production: each one opens and commits its own (ATOMIC_REQUESTS
and the tenant context).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts.demo import WRITE_ORDER, last_seed
from accounts.models import Account, Contact, LifecycleStage, Segment, Tier
from csm.models import ActivityLog, Organization, User
from csm.tenancy import activate

BENCH_ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "50000"))
BENCH_SLUG = "bench" if BENCH_ACCOUNTS == 50_000 else f"bench-{BENCH_ACCOUNTS}"


def say(text: str) -> None:
    """Benchmarks report their figures on the terminal (`make bench` runs pytest with -s)."""
    print(text, flush=True)


@dataclass
class Bench:
    organization: Organization
    csm: User
    client: Client
    seed: dict[str, Any]
    freshly_seeded: bool
    sizes: dict[str, int]
    params: dict[str, str]  # values for the cases' placeholders: {tier}, {stage}, {segment}, {word}, {email}
    busiest: list[int]  # the accounts with the most timeline entries
    busiest_entries: int  # how many the busiest one has
    random_accounts: list[int]
    results: list[dict[str, Any]] = field(default_factory=list)


def _vacuum_analyze() -> None:
    """Statistics and the visibility map for the planner, as the owner (only a table's owner may VACUUM it)."""
    owner = settings.TEST_DATABASE_OWNER
    with psycopg.connect(
        host=owner.get("HOST") or None, port=owner.get("PORT") or None, user=owner.get("USER"),
        password=owner.get("PASSWORD") or None, dbname=connection.settings_dict["NAME"], autocommit=True,
    ) as owner_connection:  # fmt: skip
        for model in WRITE_ORDER:
            owner_connection.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')


def _sizes(organization: Organization) -> dict[str, int]:
    account_type = ContentType.objects.get_for_model(Account)
    with activate(organization):
        return {
            "accounts": Account.objects.count(),
            "contacts": Contact.objects.count(),
            "timeline entries": ActivityLog.objects.filter(about_type=account_type).count(),
        }


def _busiest(organization: Organization, count: int) -> list[tuple[int, int]]:
    account_type = ContentType.objects.get_for_model(Account)
    with activate(organization), connection.cursor() as cursor:
        cursor.execute(
            "SELECT about_id, count(*) FROM csm_activitylog WHERE organization_id = %s AND about_type_id = %s "
            "GROUP BY about_id ORDER BY count(*) DESC, about_id LIMIT %s",
            [organization.pk, account_type.pk, count],
        )
        return [(row[0], row[1]) for row in cursor.fetchall()]


@pytest.fixture(scope="session")
def bench(django_db_setup: None, django_db_blocker: Any) -> Iterator[Bench]:
    with django_db_blocker.unblock():
        organization = Organization.objects.filter(slug=BENCH_SLUG).first()
        seed = last_seed(organization) if organization is not None else None
        fresh = seed is None or seed.get("accounts") != BENCH_ACCOUNTS
        if fresh:
            say(f"\nGenerating the benchmark organization /{BENCH_SLUG}/ ({BENCH_ACCOUNTS:,} accounts) ...")
            started = time.monotonic()
            call_command("seed_demo", "--org", BENCH_SLUG, "--accounts", str(BENCH_ACCOUNTS))
            organization = Organization.objects.get(slug=BENCH_SLUG)
            seed = last_seed(organization)
            if seed is None:
                pytest.fail(f"/{BENCH_SLUG}/ has accounts but no record of its generation: drop the bench database.")
            say(f"seed_demo took {time.monotonic() - started:.1f} s")
        # Every run, as autovacuum would have by then: a migration that rewrote rows since the last run leaves dead
        # tuples and a stale visibility map that would slow the index-only scans down.
        started = time.monotonic()
        _vacuum_analyze()
        say(f"VACUUM ANALYZE took {time.monotonic() - started:.1f} s")
        assert organization is not None and seed is not None
        csm = User.objects.get(email=f"csm1@{BENCH_SLUG}.test")
        client = Client()
        client.force_login(csm)
        with activate(organization):
            account_ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
            contact = Contact.objects.order_by("pk")[len(account_ids) // 2]
            params = {
                "tier": str(Tier.objects.order_by("-position").values_list("pk", flat=True)[0]),
                "stage": str(LifecycleStage.objects.filter(category="adoption").values_list("pk", flat=True)[0]),
                "segment": str(Segment.objects.filter(is_shared=True).order_by("pk").values_list("pk", flat=True)[0]),
                "word": Account.objects.get(pk=account_ids[len(account_ids) // 3]).name.split()[0],
                "email": contact.email,
            }
        busiest = _busiest(organization, 5)
        yield Bench(
            organization=organization,
            csm=csm,
            client=client,
            seed=seed,
            freshly_seeded=fresh,
            sizes=_sizes(organization),
            params=params,
            busiest=[pk for pk, _ in busiest],
            busiest_entries=busiest[0][1],
            random_accounts=[account_ids[(i * 7919) % len(account_ids)] for i in range(40)],
        )


@pytest.fixture(scope="session", autouse=True)
def templates_as_in_production() -> Iterator[None]:
    """Render templates as production does. pytest-django's test environment makes every template render send a
    signal, and Django's test client copies the whole context of each rendered template into the response (for
    `response.context`): on a page of many partials that is most of its time, and no production request pays it."""
    from django.template.base import PartialTemplate, Template
    from django.test.utils import _TestState

    saved = _TestState.saved_data
    instrumented = Template._render, PartialTemplate._render
    Template._render, PartialTemplate._render = saved.template_render, saved.partial_template_render
    try:
        yield
    finally:
        Template._render, PartialTemplate._render = instrumented


@pytest.fixture
def bench_db(django_db_blocker: Any) -> Iterator[None]:
    """Database access for a benchmark without a test transaction around it."""
    with django_db_blocker.unblock():
        yield
