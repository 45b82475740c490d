"""How fast the accounts list, the account 360 and the start page answer in an organization of 50,000 accounts,
250,000 contacts and 1,000,000 timeline entries, server side: Django's test Client through the whole request path
(middleware, tenant context, view, template), logged in as a CSM of the organization.

Each case: a few warm-up requests, then 30 timed ones; the table gives p50 and p95 in milliseconds, and the number of
queries of one request with their total time (db ms: the rest of a request is Python and templates). The bar is
p95 < 50 ms for the list and the 360 (the issue's bar). The start page's book is the CSM's own accounts (here about
9,000 of them, with some 10,000 open tasks: far more than a real book) or all 50,000; its figures add up the whole
book (the MRR of 50,000 accounts alone is some 18 ms in PostgreSQL), so its bar is p95 < 100 ms. Run with
`make bench` (not part of `make test`).
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.bench.conftest import Bench, say

WARM_UP = 3
REQUESTS = 30
P95_LIMIT_MS = 50.0
HOME_P95_LIMIT_MS = 100.0

LIST = "/{org}/accounts/"
LIST_CASES = [
    ("sort by name", "?sort=name"),
    ("sort by name, descending", "?sort=-name"),
    ("sort by MRR", "?sort=mrr"),
    ("sort by MRR, descending", "?sort=-mrr"),
    ("sort by renewal", "?sort=renewal"),
    ("sort by renewal, descending", "?sort=-renewal"),
    ("sort by health", "?sort=health"),
    ("sort by owner", "?sort=owner"),
    ("sort by last update", "?sort=updated"),
    ("no filter", ""),
    ("mine", "?owner=me"),
    ("tier", "?tier={tier}"),
    ("stage", "?stage={stage}"),
    ("renewing within 90 days", "?renewal_days=90"),
    ("MRR between 1,000 and 5,000", "?mrr_min=1000&mrr_max=5000"),
    ("tag", "?tag=upsell-candidate"),
    ("search a word of names", "?q={word}"),
    ("search a contact email", "?q={email}"),
    ("at risk", "?band=at_risk"),
    ("segment", "?segment={segment}"),
    ("mine, tier, by MRR", "?owner=me&tier={tier}&sort=-mrr"),
    ("stage, renewing in 90 days, by renewal", "?stage={stage}&renewal_days=90&sort=renewal"),
    ("at risk, tagged, MRR from 1,000, by health", "?band=at_risk&tag=at-risk&mrr_min=1000&sort=health"),
    ("search, mine, by last update", "?q={word}&owner=me&sort=updated"),
    ("deep page", "?page=800"),
    ("deep page, by MRR descending", "?sort=-mrr&page=700"),
]


def timed(bench: Bench, paths: list[str]) -> dict[str, Any]:
    """Warm up, then time REQUESTS requests cycling through `paths`; one more request counts the queries."""
    client = bench.client
    for path in paths[:WARM_UP] * (1 + WARM_UP // len(paths)):
        client.get(path)
    durations = []
    statuses = set()
    for i in range(REQUESTS):
        path = paths[i % len(paths)]
        started = time.perf_counter()
        response = client.get(path)
        durations.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(paths[0])
    # The column list says little; what follows FROM (joins, WHERE, ORDER BY, OFFSET) says why a query is slow.
    captured = [
        (float(query["time"]) * 1000, re.sub(r"^SELECT .+? FROM ", "SELECT … FROM ", query["sql"], count=1, flags=re.S))
        for query in queries.captured_queries
    ]
    durations.sort()
    return {
        "p50": statistics.median(durations),
        "p95": durations[max(0, round(0.95 * len(durations)) - 1)],
        "queries": len(captured),
        "db": sum(ms for ms, _ in captured),
        "slowest": max(captured, default=(0.0, "")),
        "statuses": sorted(statuses),
    }


@pytest.fixture(scope="module")
def report(bench: Bench) -> Iterator[list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    yield rows
    seed = bench.seed
    sizes = ", ".join(f"{count:,} {name}" for name, count in bench.sizes.items())
    how = "generated in this run" if bench.freshly_seeded else "generated earlier, reused"
    lines = [
        "",
        f"Organization /{bench.organization.slug}/: {sizes}.",
        f"Seed: seed_demo --org {bench.organization.slug} --accounts {seed['accounts']:,} took "
        f"{seed['seconds']:.0f} s ({seed['method']}; {how}).",
        f"{REQUESTS} requests per case after {WARM_UP} warm-up requests, as {bench.csm.email}; bar: p95 < "
        f"{P95_LIMIT_MS:.0f} ms for the list and the 360, {HOME_P95_LIMIT_MS:.0f} ms for the start page (home).",
        "",
        f"{'page':<5} {'case':<46} {'p50 ms':>7} {'p95 ms':>7} {'queries':>7} {'db ms':>6}  status",
        "-" * 92,
    ]
    for row in rows:
        verdict = "ok" if row["ok"] else "FAIL"
        lines.append(
            f"{row['page']:<5} {row['case']:<46} {row['p50']:>7.1f} {row['p95']:>7.1f} {row['queries']:>7} "
            f"{row['db']:>6.1f}  {'/'.join(map(str, row['statuses']))} {verdict}"
        )
    say("\n".join(lines))


def check(
    bench: Bench, report: list[dict[str, Any]], page: str, case: str, paths: list[str], limit_ms: float = P95_LIMIT_MS
) -> None:
    result = timed(bench, paths)
    ok = result["statuses"] == [200] and result["p95"] < limit_ms
    report.append({"page": page, "case": case, "ok": ok, **result})
    assert result["statuses"] == [200], f"{paths[0]} answered {result['statuses']}"
    slowest_ms, slowest_sql = result["slowest"]
    assert result["p95"] < limit_ms, (
        f"{case}: p95 {result['p95']:.1f} ms; the slowest query took {slowest_ms:.1f} ms: {slowest_sql[:600]}"
    )


@pytest.mark.parametrize(("case", "query"), LIST_CASES, ids=[case for case, _ in LIST_CASES])
def test_accounts_list(bench: Bench, bench_db: None, report: list[dict[str, Any]], case: str, query: str) -> None:
    path = LIST.format(org=bench.organization.slug) + query.format(**bench.params)
    check(bench, report, "list", case, [path])


def test_account_360_of_the_busiest_accounts(bench: Bench, bench_db: None, report: list[dict[str, Any]]) -> None:
    paths = [f"/{bench.organization.slug}/accounts/{pk}/" for pk in bench.busiest]
    check(bench, report, "360", f"busiest {len(paths)} accounts (up to {bench.busiest_entries} entries)", paths)


def test_account_360_of_random_accounts(bench: Bench, bench_db: None, report: list[dict[str, Any]]) -> None:
    paths = [f"/{bench.organization.slug}/accounts/{pk}/" for pk in bench.random_accounts]
    check(bench, report, "360", f"random accounts ({len(paths)})", paths)


@pytest.mark.parametrize(
    ("case", "query"), [("my accounts", "?book=mine"), ("everyone's accounts", "?book=all")], ids=["mine", "all"]
)
def test_start_page(bench: Bench, bench_db: None, report: list[dict[str, Any]], case: str, query: str) -> None:
    check(bench, report, "home", case, [f"/{bench.organization.slug}/{query}"], limit_ms=HOME_P95_LIMIT_MS)
