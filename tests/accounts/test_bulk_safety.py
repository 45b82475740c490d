"""Bulk actions cannot strip a book in one click (issue 8, finding 3): nothing is chosen to begin with, only the
input the action needs is asked for, the change is confirmed with its count, the accounts skipped are reported with
why, the author can undo it, and "set stage" un-churns an account only when asked."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils.timezone import localdate, now

from accounts.models import Account, AccountTag, BulkChange, LifecycleStage, StageCategory
from accounts.services import bulk
from csm.models import ActivityLog
from csm.tenancy import activate
from tests.conftest import client_for
from tests.factories import AccountFactory

BULK = "/alpha/accounts/bulk/"
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/alpha/accounts/?owner=any"}


def stage(category: str) -> LifecycleStage:
    return LifecycleStage.objects.filter(category=category).order_by("position").first()


@pytest.fixture
def accounts(in_org_a, csm, manager):
    churned = stage(StageCategory.CHURNED)
    found = {
        "acme": AccountFactory(name="Acme", owner=csm),
        "bolt": AccountFactory(name="Bolt", owner=csm),
        "cider": AccountFactory(name="Cider", owner=None),
        "gone": AccountFactory(
            name="Gone", owner=csm, stage=churned, churn_date=localdate() - timedelta(days=3), churn_reason="Budget"
        ),
    }
    return found


def ids(accounts, *names):
    return [accounts[name].pk for name in names]


def test_the_bulk_bar_starts_with_no_action_and_no_owner_chosen(accounts, manager_client):
    page = manager_client.get("/alpha/accounts/?owner=any").content.decode()
    bar = page[page.index('<fieldset class="bulk-bar"') : page.index("</fieldset>")]
    assert re.search(r'<select name="action" id="bulk-action">\s*<option value="">Choose an action…</option>', bar)
    owner = r'<select name="owner_id" id="bulk-owner"><option value="">Choose the owner…</option>'
    assert re.search(owner + r'<option value="none">No owner</option>', bar)
    assert " selected" not in bar.replace("the selected accounts", "")
    # Each value input is tied to its action, for the page to show only the one the action needs.
    assert bar.count("data-bulk-for=") == 3
    assert "Review…" in bar and "Apply to selected" not in bar


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose an action."),
        ({"action": "assign_owner"}, "Choose the owner (or “No owner”)."),
        ({"action": "set_stage"}, "Choose the stage."),
        ({"action": "add_tag", "tag": "  "}, "Name the tag."),
    ],
)
def test_nothing_happens_until_the_action_and_its_value_are_chosen(accounts, manager_client, data, error):
    before = list(Account.objects.order_by("pk").values_list("owner_id", "stage_id"))
    answer = manager_client.post(
        BULK, {"account_ids": ids(accounts, "acme", "bolt"), "confirmed": "on", **data}, headers=HTMX
    )
    assert answer.status_code == 400 and error in answer.content.decode()
    assert list(Account.objects.order_by("pk").values_list("owner_id", "stage_id")) == before
    assert not BulkChange.objects.exists()


def test_removing_the_owner_asks_with_the_count_and_what_is_skipped(accounts, manager_client):
    data = {"action": "assign_owner", "owner_id": "none", "account_ids": ids(accounts, "acme", "bolt", "cider")}
    panel = manager_client.post(BULK, data, headers=HTMX)
    text = panel.content.decode()
    assert panel.status_code == 200 and "<html" not in text
    assert "Remove the owner from 2 accounts?" in text and "Acme, Bolt." in text
    assert "1 skipped:" in text and "1 already without an owner (Cider)" in text
    assert ">Remove the owner</button>" in text
    # Asking changed nothing.
    assert Account.objects.filter(owner__isnull=False).count() == 3 and not BulkChange.objects.exists()
    # Without JavaScript the same question is a page of its own.
    page = manager_client.post(BULK, data).content.decode()
    assert "<html" in page and "Remove the owner from 2 accounts?" in page


def test_confirmed_it_changes_reports_the_skipped_and_offers_undo(accounts, manager_client, manager, csm):
    data = {"action": "assign_owner", "owner_id": "none", "account_ids": ids(accounts, "acme", "bolt", "cider")}
    done = manager_client.post(BULK, {**data, "confirmed": "on", "query": "owner=any"}, follow=True)
    text = done.content.decode()
    assert "Owner removed from 2 accounts. Skipped: 1 already without an owner." in text
    assert set(Account.objects.filter(owner__isnull=True).values_list("name", flat=True)) == {"Acme", "Bolt", "Cider"}
    change = BulkChange.objects.get()
    undo = re.search(r'<form method="post" action="([^"]+)" class="undo-form">', text)
    assert undo and undo.group(1) == f"/alpha/accounts/bulk/{change.pk}/undo/"
    # Someone changes Bolt meanwhile: the undo leaves it as it is, and says so.
    Account.objects.filter(pk=accounts["bolt"].pk).update(owner=manager)
    back = manager_client.post(undo.group(1), {"next": "/alpha/accounts/?owner=any"}, follow=True).content.decode()
    assert "Undone: 1 account back as they were. 1 account changed since" in back
    owners = dict(Account.objects.values_list("name", "owner_id"))
    assert owners == {"Acme": csm.pk, "Bolt": manager.pk, "Cider": None, "Gone": csm.pk}
    assert ActivityLog.objects.filter(verb="account.owner_changed", about_id=accounts["acme"].pk).count() == 2
    # Once only.
    again = manager_client.post(undo.group(1), follow=True).content.decode()
    assert "already undone" in again


def test_set_stage_skips_churned_accounts_unless_asked(accounts, csm_client):
    adoption = stage(StageCategory.ADOPTION)
    onboarding = stage(StageCategory.ONBOARDING)
    data = {"action": "set_stage", "stage": onboarding.pk, "account_ids": ids(accounts, "acme", "gone")}
    text = csm_client.post(BULK, data, headers=HTMX).content.decode()
    assert f"Move 1 account to {onboarding.name}?" in text
    assert "1 churned: moving them would un-churn them (Gone)" in text
    assert 'name="unchurn"' in text and "Also move the 1 churned account" in text
    csm_client.post(BULK, {**data, "confirmed": "on"})
    gone = Account.objects.get(pk=accounts["gone"].pk)
    assert gone.stage.is_churned and gone.churn_reason == "Budget"
    assert Account.objects.get(pk=accounts["acme"].pk).stage == onboarding
    # Asked: the churned account moves, its churn cleared; undoing brings the churn back, date and reason.
    csm_client.post(BULK, {**data, "stage": adoption.pk, "unchurn": "on", "confirmed": "on"})
    gone.refresh_from_db()
    assert gone.stage == adoption and gone.churn_date is None and gone.churn_reason == ""
    change = BulkChange.objects.order_by("-pk").first()
    assert bulk.undo(actor=change.created_by, change=change) == (2, 0)
    gone.refresh_from_db()
    assert (
        gone.stage.is_churned and gone.churn_reason == "Budget" and gone.churn_date == localdate() - timedelta(days=3)
    )
    assert Account.objects.get(pk=accounts["acme"].pk).stage == onboarding


def test_add_tag_then_undo_removes_it_only_where_it_was_added(accounts, csm, csm_client):
    csm_client.post(BULK, {"action": "add_tag", "tag": "vip", "account_ids": ids(accounts, "acme"), "confirmed": "on"})
    csm_client.post(
        BULK, {"action": "add_tag", "tag": "VIP", "account_ids": ids(accounts, "acme", "bolt"), "confirmed": "on"}
    )
    change = BulkChange.objects.order_by("-pk").first()
    assert list(change.previous) == [str(accounts["bolt"].pk)]
    assert bulk.undo(actor=csm, change=change) == (1, 0)
    assert set(AccountTag.objects.values_list("account__name", flat=True)) == {"Acme"}


def test_only_the_author_undoes_and_only_for_a_day(accounts, csm, manager, manager_client):
    bulk_data = {"action": "add_tag", "tag": "q3", "account_ids": ids(accounts, "acme"), "confirmed": "on"}
    client_for(csm).post(BULK, bulk_data)
    change = BulkChange.objects.get()
    assert manager_client.post(f"/alpha/accounts/bulk/{change.pk}/undo/").status_code == 403
    BulkChange.objects.filter(pk=change.pk).update(created_at=now() - timedelta(hours=bulk.UNDO_HOURS, minutes=1))
    text = client_for(csm).post(f"/alpha/accounts/bulk/{change.pk}/undo/", follow=True).content.decode()
    assert "can be undone for 24 hours" in text
    assert AccountTag.objects.filter(tag__name="q3").count() == 1


def test_undo_is_404_for_another_organizations_change(accounts, org_b, outsider, csm_client):
    with activate(org_b):
        other = AccountFactory(organization=org_b)
        change = BulkChange.objects.create(
            organization=org_b,
            created_by=outsider,
            action="add_tag",
            applied={"tag": 1},
            previous={str(other.pk): True},
        )
    assert csm_client.post(f"/alpha/accounts/bulk/{change.pk}/undo/").status_code == 404


def test_a_csm_cannot_even_ask_to_reassign(accounts, csm_client):
    data = {"action": "assign_owner", "owner_id": "none", "account_ids": ids(accounts, "acme")}
    assert csm_client.post(BULK, data, headers=HTMX).status_code == 403


def test_the_daily_sweep_forgets_changes_past_undoing(accounts, csm, csm_client, org_a):
    from accounts import tasks

    bulk_data = {"action": "add_tag", "tag": "q3", "account_ids": ids(accounts, "acme"), "confirmed": "on"}
    csm_client.post(BULK, bulk_data)
    csm_client.post(BULK, {**bulk_data, "account_ids": ids(accounts, "bolt")})
    old, new = BulkChange.objects.order_by("pk")
    BulkChange.objects.filter(pk=old.pk).update(created_at=now() - timedelta(hours=bulk.UNDO_HOURS, minutes=1))
    tasks.discard_stale_imports.delay(org_a.pk)
    assert list(BulkChange.objects.values_list("pk", flat=True)) == [new.pk]
