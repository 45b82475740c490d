"""Who writes what on an account: revenue facts and health go through named accounts services, each with a timeline
entry and a documented signal; while a revenue source owns the MRR, forms and imports leave it alone and say why."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, HealthBand
from accounts.services import accounts as account_services
from accounts.services import health, importing, revenue
from accounts.signals import health_band_changed, revenue_changed
from csm.activity import Actor
from csm.models import ActivityLog, ActorKind
from csm.tenancy import activate
from tests.accounts.test_import import checked, csv, new_job, run_now
from tests.factories import AccountFactory

STRIPE = Actor.integration("Stripe")
SCORING = Actor.automation("Health scoring")


@pytest.fixture
def received() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """What the accounts app's signals carried during the test."""
    caught: dict[str, list[dict[str, Any]]] = {"revenue": [], "health": []}

    def on_revenue(sender: Any, **kwargs: Any) -> None:
        caught["revenue"].append(kwargs)

    def on_health(sender: Any, **kwargs: Any) -> None:
        caught["health"].append(kwargs)

    revenue_changed.connect(on_revenue, dispatch_uid="test.revenue")
    health_band_changed.connect(on_health, dispatch_uid="test.health")
    yield caught
    revenue_changed.disconnect(dispatch_uid="test.revenue")
    health_band_changed.disconnect(dispatch_uid="test.health")


# -- Revenue facts -----------------------------------------------------------------------------------------------


def test_an_integration_records_revenue_facts_with_an_entry_and_a_signal(in_org_a, received):
    account = AccountFactory(mrr=Decimal("500.00"), plan="Starter")
    revenue.record_revenue(
        actor=STRIPE, account=account, mrr=Decimal("750"), plan="Growth", seats=25, trial_ends_on=None
    )
    account.refresh_from_db()
    assert (account.mrr, account.plan, account.seats) == (Decimal("750.00"), "Growth", 25)
    entry = ActivityLog.objects.get(verb="account.revenue_changed", about_id=account.pk)
    assert entry.actor_kind == ActorKind.INTEGRATION and entry.actor_label == "Stripe"
    assert entry.changes == {"mrr": ["500.00", "750.00"], "plan": ["Starter", "Growth"], "seats": [None, 25]}
    [signal] = received["revenue"]
    assert signal["organization"] == in_org_a and signal["actor"] == STRIPE
    assert [(change.account_id, set(change.changes)) for change in signal["changes"]] == [
        (account.pk, {"mrr", "plan", "seats"})
    ]
    # The same facts again change nothing: no entry, no signal.
    revenue.record_revenue(actor=STRIPE, account=account, mrr=Decimal("750"), plan="Growth", seats=25)
    assert ActivityLog.objects.filter(verb="account.revenue_changed").count() == 1
    assert len(received["revenue"]) == 1


def test_revenue_facts_refuse_what_is_not_revenue_or_negative(in_org_a):
    account = AccountFactory()
    with pytest.raises(TypeError):
        revenue.record_revenue(actor=STRIPE, account=account, health_score=3)
    with pytest.raises(ValidationError):
        revenue.record_revenue(actor=STRIPE, account=account, mrr=Decimal("-1"))
    with pytest.raises(ValidationError):
        revenue.record_revenue(actor=STRIPE, account=account, seats=-2)


def test_revenue_in_bulk_is_set_based_and_stays_in_the_organization(org_a, org_b, received):
    with activate(org_b):
        foreign = AccountFactory(mrr=Decimal("10"))

    def run(count: int) -> int:
        with activate(org_a):
            accounts = AccountFactory.create_batch(count, mrr=Decimal("100"))
            facts = {account.pk: {"mrr": Decimal("200"), "seats": 3} for account in accounts}
            facts[foreign.pk] = {"mrr": Decimal("999")}
            with CaptureQueriesContext(connection) as queries:
                changed = revenue.record_revenue_in_bulk(actor=STRIPE, facts=facts)
            assert changed == count
            assert set(Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list("mrr", flat=True)) == {
                Decimal("200.00")
            }
        return len(queries.captured_queries)

    assert run(3) == run(40)
    with activate(org_b):
        assert Account.objects.get(pk=foreign.pk).mrr == Decimal("10.00")
    with activate(org_a):
        assert ActivityLog.objects.filter(verb="account.revenue_changed").count() == 43
    assert [len(signal["changes"]) for signal in received["revenue"]] == [3, 40]


def test_a_persons_edit_of_revenue_fields_sends_the_signal(in_org_a, csm, received):
    account = AccountFactory(mrr=Decimal("100"))
    account_services.update_account(actor=csm, account=account, mrr=Decimal("120"), name="Renamed")
    [signal] = received["revenue"]
    assert signal["actor"].user == csm
    assert signal["changes"][0].changes == {"mrr": [Decimal("100.00"), Decimal("120")]}
    account_services.update_account(actor=csm, account=account, name="Renamed again")
    assert len(received["revenue"]) == 1


def test_an_import_of_revenue_fields_sends_the_signal_once(in_org_a, admin, received):
    AccountFactory(name="Existing", external_id="e-1", mrr=Decimal("100"))
    job = checked(admin, csv("Company,External id,MRR,Seats", "Existing,e-1,150,12", "Newco,n-1,80,"))
    run_now(in_org_a, admin, job)
    [signal] = received["revenue"]
    changes = {Account.objects.get(pk=c.account_id).name: c.changes for c in signal["changes"]}
    assert changes["Existing"]["mrr"][1] == Decimal("150") and changes["Existing"]["seats"] == [None, 12]
    assert changes["Newco"] == {"mrr": [None, Decimal("80")]}


# -- A revenue source owns the MRR -------------------------------------------------------------------------------


@pytest.fixture
def stripe_owns_revenue(in_org_a, admin):
    return revenue.connect_source(actor=STRIPE, name="Stripe")


def test_with_a_revenue_source_the_edit_form_shows_mrr_read_only_and_says_why(stripe_owns_revenue, csm_client, csm):
    account = AccountFactory(owner=csm, mrr=Decimal("500"), name="Bolt")
    page = csm_client.get(f"/alpha/accounts/{account.pk}/edit/").content.decode()
    assert "MRR comes from Stripe" in page
    assert 'name="mrr"' in page and "disabled" in page.split('name="mrr"')[1].split(">")[0]
    response = csm_client.post(
        f"/alpha/accounts/{account.pk}/edit/",
        {"name": "Bolt Analytics", "mrr": "9999", "plan": "Growth", "owner_id": csm.pk, "tags": ""},
    )
    assert response.status_code in (200, 302)
    account.refresh_from_db()
    assert (account.name, account.plan, account.mrr) == ("Bolt Analytics", "Growth", Decimal("500.00"))
    assert "MRR comes from Stripe" in csm_client.get("/alpha/accounts/new/").content.decode()


def test_with_a_revenue_source_a_persons_mrr_change_is_refused_and_the_integrations_is_not(stripe_owns_revenue, csm):
    account = AccountFactory(mrr=Decimal("500"))
    with pytest.raises(ValidationError) as refused:
        account_services.update_account(actor=csm, account=account, mrr=Decimal("600"))
    assert "MRR comes from Stripe" in str(refused.value)
    with pytest.raises(ValidationError):
        revenue.record_revenue(actor=csm, account=account, mrr=Decimal("600"))
    revenue.record_revenue(actor=STRIPE, account=account, mrr=Decimal("600"))
    account.refresh_from_db()
    assert account.mrr == Decimal("600.00")
    # Other revenue facts stay a person's to enter.
    account_services.update_account(actor=csm, account=account, plan="Enterprise", seats=10)
    revenue.disconnect_source(actor=STRIPE)
    account_services.update_account(actor=csm, account=account, mrr=Decimal("650"))
    assert Account.objects.get(pk=account.pk).mrr == Decimal("650.00")
    assert [e.verb for e in ActivityLog.objects.filter(verb__startswith="revenue.").order_by("id")] == [
        "revenue.source_connected",
        "revenue.source_disconnected",
    ]


def test_with_a_revenue_source_an_import_leaves_mrr_columns_out_and_says_why(in_org_a, admin, admin_client):
    AccountFactory(name="Existing", external_id="e-1", mrr=Decimal("100"))
    before = new_job(admin, csv("Company,External id,MRR,Plan", "Existing,e-1,150,Growth"))
    assert "mrr" in before.mapping
    revenue.connect_source(actor=STRIPE, name="Stripe")
    after = new_job(admin, csv("Company,External id,MRR,Plan", "Existing,e-1,150,Growth"))
    assert "mrr" not in after.mapping
    page = admin_client.get(f"/alpha/accounts/import/{after.pk}/").content.decode()
    assert "MRR comes from Stripe for this organization" in page
    # A file mapped before the source was connected: its MRR is not imported either.
    job = run_now(in_org_a, admin, importing.check_import(actor=admin, job=before, mapping=before.mapping))
    assert job.status == "done"
    account = Account.objects.get(external_id="e-1")
    assert (account.plan, account.mrr) == ("Growth", Decimal("100.00"))


def test_seats_and_trial_end_import_and_show_on_the_360(in_org_a, admin, admin_client):
    job = checked(admin, csv("Company,Trial ends on,Seats", "Trialco,2026-12-31,1,200"))
    assert job.status == "invalid"  # "1,200" unquoted splits into another column
    job = checked(admin, csv("Company,Trial ends on,Seats", 'Trialco,2026-12-31,"1,200"'))
    run_now(in_org_a, admin, job)
    account = Account.objects.get(name="Trialco")
    assert (account.trial_ends_on, account.seats) == (date(2026, 12, 31), 1200)
    page = admin_client.get(f"/alpha/accounts/{account.pk}/").content.decode()
    assert "Trial ends" in page and "31 Dec 2026" in page and "1200" in page
    refused = checked(admin, csv("Company,Seats", "Trialco,twelve"))
    assert refused.status == "invalid"


# -- Health ------------------------------------------------------------------------------------------------------


def test_a_band_change_writes_an_entry_that_says_why_and_sends_the_signal(in_org_a, received):
    account = AccountFactory(health_score=78, health_band=HealthBand.HEALTHY)
    updated_at = account.updated_at
    reason = "Health fell from 78 to 41: logins -60% in 14 days, 4 tickets this month"
    assert health.record_health(actor=SCORING, account=account, health=health.Health(41, HealthBand.AT_RISK, reason))
    account.refresh_from_db()
    assert (account.health_score, account.health_band) == (41, "at_risk")
    assert account.updated_at == updated_at  # a rescore is not an edit
    entry = ActivityLog.objects.get(verb="account.health_changed", about_id=account.pk)
    assert entry.actor_kind == ActorKind.AUTOMATION
    assert entry.changes == {"health_band": ["healthy", "at_risk"], "health_score": [78, 41]}
    assert entry.data == {"reason": reason}
    [signal] = received["health"]
    assert signal["changes"][0].reason == reason and signal["changes"][0].account_id == account.pk


def test_a_score_moving_within_its_band_is_stored_without_an_entry(in_org_a, received):
    account = AccountFactory(health_score=78, health_band=HealthBand.HEALTHY)
    assert health.record_health(actor=SCORING, account=account, health=health.Health(80, HealthBand.HEALTHY))
    assert not health.record_health(actor=SCORING, account=account, health=health.Health(80, HealthBand.HEALTHY))
    assert Account.objects.get(pk=account.pk).health_score == 80
    assert not ActivityLog.objects.filter(verb="account.health_changed").exists()
    assert received["health"] == []


@pytest.mark.parametrize(("score", "band"), [(101, "healthy"), (-1, "at_risk"), (50, "purple"), (None, "healthy")])
def test_impossible_health_is_refused(score, band):
    with pytest.raises(ValidationError):
        health.Health(score, band)


def test_health_in_bulk_costs_the_same_queries_for_many_accounts(org_a, org_b):
    with activate(org_b):
        foreign = AccountFactory(health_score=10, health_band=HealthBand.AT_RISK)

    def run(count: int) -> int:
        with activate(org_a):
            accounts = AccountFactory.create_batch(count, health_score=90, health_band=HealthBand.HEALTHY)
            scores = {a.pk: health.Health(30, HealthBand.AT_RISK, "fell") for a in accounts}
            scores[foreign.pk] = health.Health(99, HealthBand.HEALTHY)
            with CaptureQueriesContext(connection) as queries:
                assert health.record_health_scores(actor=SCORING, scores=scores) == count
        return len(queries.captured_queries)

    assert run(2) == run(30)
    with activate(org_b):
        assert Account.objects.get(pk=foreign.pk).health_score == 10


# -- Nothing else writes them ------------------------------------------------------------------------------------

GUARDED = {"mrr", "plan", "renewal_date", "trial_ends_on", "seats", "health_score", "health_band"}
ROOT = Path(__file__).resolve().parents[2]
# The accounts app's services (and the import they run) write these fields; the demo generator creates rows.
ALLOWED = ("accounts/services/", "accounts/importer/", "accounts/demo/", "accounts/migrations/")
WRITERS = {"update", "create", "bulk_update", "get_or_create", "update_or_create", "bulk_create"}


def _writes(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in GUARDED:
                    yield node.lineno, target.attr
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITERS:
            for keyword in node.keywords:
                if keyword.arg in GUARDED:
                    yield node.lineno, keyword.arg
            if node.func.attr == "bulk_update":
                for arg in node.args[1:]:
                    if isinstance(arg, ast.List | ast.Tuple):
                        for element in arg.elts:
                            if isinstance(element, ast.Constant) and element.value in GUARDED:
                                yield node.lineno, str(element.value)


def test_only_the_accounts_services_write_revenue_and_health_fields():
    found = []
    for package in ("csm", "accounts", "health", "billing", "playbooks"):
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(ALLOWED):
                continue
            found += [f"{relative}:{line} writes {field}" for line, field in _writes(ast.parse(path.read_text()))]
    assert found == []


def test_the_guard_finds_a_write():
    source = "account.mrr = 3\nAccount.objects.update(health_band='x')\nAccount.objects.bulk_update(a, ['seats'])\n"
    assert [field for _, field in _writes(ast.parse(source))] == ["mrr", "health_band", "seats"]
