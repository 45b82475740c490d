"""The accounts list (filters, sorts, pages, bulk actions, segments, export) and the 360 view (details, stage,
owner, notes and the timeline, contacts and the stakeholder map, tasks, success plans)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localdate

from accounts.models import (
    Account,
    AccountTag,
    ContactRole,
    ContactStatus,
    CustomField,
    HealthBand,
    LifecycleStage,
    Milestone,
    Note,
    Segment,
    StageCategory,
    SuccessPlan,
    Tag,
    Task,
    Tier,
)
from accounts.services import accounts as account_services
from csm.models import ActivityLog
from csm.tenancy import activate
from tests.factories import (
    AccountFactory,
    ContactFactory,
    NoteFactory,
    TaskFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [account.name for account in response.context["page"].object_list]


def stage(category: str) -> LifecycleStage:
    return LifecycleStage.objects.get(category=category)


@pytest.fixture
def book(in_org_a, csm, manager):
    """A small book: owners, tiers, stages, MRR, renewals, health, tags and contacts all differ."""
    tiers = list(Tier.objects.order_by("position"))
    today = localdate()
    accounts = {
        "acme": AccountFactory(name="Acme Robotics", domains="acme.io", owner=csm, tier=tiers[2], mrr=Decimal(9000),
                               renewal_date=today + timedelta(days=20), health_score=40,
                               health_band=HealthBand.AT_RISK),
        "bolt": AccountFactory(name="Bolt Analytics", domains="bolt.dev", owner=csm, tier=tiers[1], mrr=Decimal(1200),
                               renewal_date=today + timedelta(days=200), health_score=85,
                               health_band=HealthBand.HEALTHY, stage=stage("onboarding")),
        "cider": AccountFactory(name="cider labs", domains="cider.app", owner=manager, tier=tiers[0], mrr=Decimal(49),
                                renewal_date=None, health_score=None),
    }  # fmt: skip
    account_services.set_tags(actor=csm, account=accounts["acme"], names=["upsell-candidate"])
    ContactFactory(account=accounts["bolt"], email="maria@bolt.dev", name="Maria Silva")
    return accounts


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("owner=any", ["Acme Robotics", "Bolt Analytics", "cider labs"]),
        ("owner=me", ["Acme Robotics", "Bolt Analytics"]),
        ("q=robo", ["Acme Robotics"]),
        ("q=cider.app", ["cider labs"]),
        ("q=maria@bolt", ["Bolt Analytics"]),
        ("band=at_risk", ["Acme Robotics"]),
        ("band=none", ["cider labs"]),
        ("renewal_days=30", ["Acme Robotics"]),
        ("mrr_min=1000&mrr_max=5000", ["Bolt Analytics"]),
        ("tag=UPSELL-candidate", ["Acme Robotics"]),
        ("sort=-mrr", ["Acme Robotics", "Bolt Analytics", "cider labs"]),
        ("sort=mrr", ["cider labs", "Bolt Analytics", "Acme Robotics"]),
        ("sort=renewal", ["Acme Robotics", "Bolt Analytics", "cider labs"]),
        ("sort=-health", ["Bolt Analytics", "Acme Robotics", "cider labs"]),
        ("sort=-name", ["cider labs", "Bolt Analytics", "Acme Robotics"]),
        ("sort=tier", ["cider labs", "Bolt Analytics", "Acme Robotics"]),
    ],
)
@pytest.mark.parametrize("sorted_up_to", [1_000, 0], ids=["few matches sorted", "matches read in index order"])
def test_the_list_filters_and_sorts(book, csm_client, query, expected, sorted_up_to, monkeypatch):
    from accounts.selectors import accounts as selectors

    # Both ways of reading a page (see CappedPaginator.page) give the same rows in the same order.
    monkeypatch.setattr(selectors, "SORT_MATCHES_UP_TO", sorted_up_to)
    response = csm_client.get(f"/alpha/accounts/?{query}")
    assert response.status_code == 200
    assert names(response) == expected


def test_filters_by_owner_tier_and_stage_ids(book, csm_client, manager):
    assert names(csm_client.get(f"/alpha/accounts/?owner={manager.pk}")) == ["cider labs"]
    acme_tier = book["acme"].tier_id
    assert names(csm_client.get(f"/alpha/accounts/?tier={acme_tier}")) == ["Acme Robotics"]
    assert names(csm_client.get(f"/alpha/accounts/?stage={stage('onboarding').pk}")) == ["Bolt Analytics"]


def test_churned_accounts_can_be_left_out_or_listed_alone(book, csm_client):
    AccountFactory(name="Gone Ltd", stage=stage("churned"), mrr=Decimal(700))
    Account.objects.filter(pk=book["cider"].pk).update(stage=None)  # no stage at all: not churned

    assert names(csm_client.get("/alpha/accounts/?owner=any")) == [
        "Acme Robotics",
        "Bolt Analytics",
        "cider labs",
        "Gone Ltd",
    ]
    assert names(csm_client.get("/alpha/accounts/?churned=no")) == ["Acme Robotics", "Bolt Analytics", "cider labs"]
    assert names(csm_client.get("/alpha/accounts/?churned=only")) == ["Gone Ltd"]
    export = csm_client.get("/alpha/accounts/export.csv?churned=no")
    assert "Gone Ltd" not in b"".join(export.streaming_content).decode()


@pytest.mark.parametrize(
    "query", ["mrr_min=abc", "renewal_days=-4", "tier=999999", "owner=nobody", "churned=maybe", "sort=drop table"]
)
def test_bad_filter_values_are_reported_and_ignored(book, csm_client, query):
    response = csm_client.get(f"/alpha/accounts/?{query}")
    assert response.status_code == 200
    assert len(names(response)) == 3
    if not query.startswith("sort"):
        assert b'class="errors"' in response.content


def test_htmx_gets_only_the_results(book, csm_client):
    response = csm_client.get("/alpha/accounts/?owner=me", headers={"HX-Request": "true"})
    content = response.content.decode()
    assert 'id="results"' in content and "<html" not in content
    assert "Acme Robotics" in content and "cider labs" not in content


def test_pages(in_org_a, csm_client):
    AccountFactory.create_batch(55)
    first = csm_client.get("/alpha/accounts/?owner=any")
    assert len(names(first)) == 50 and first.context["page"].paginator.num_pages == 2
    second = csm_client.get("/alpha/accounts/?page=2")
    assert len(names(second)) == 5
    assert csm_client.get("/alpha/accounts/?page=99").status_code == 200


def test_the_list_costs_the_same_number_of_queries_whatever_the_data(in_org_a, csm, csm_client):
    def fill(n: int) -> None:
        for account in AccountFactory.create_batch(n, owner=csm):
            account_services.set_tags(actor=csm, account=account, names=["a", "b"])

    fill(5)
    csm_client.get("/alpha/accounts/?owner=any")
    with CaptureQueriesContext(connection) as small:
        csm_client.get("/alpha/accounts/?sort=-mrr")
    fill(30)
    with CaptureQueriesContext(connection) as large:
        csm_client.get("/alpha/accounts/?sort=-mrr")
    assert len(large) == len(small)


def test_bulk_actions(book, csm_client, manager_client, csm, manager):
    ids = [book["acme"].pk, book["bolt"].pk]
    response = csm_client.post(
        "/alpha/accounts/bulk/",
        {"action": "add_tag", "account_ids": ids, "tag": "q3-campaign", "query": "owner=me", "confirmed": "on"},
    )
    assert response.status_code == 302 and response["Location"] == "/alpha/accounts/?owner=me"
    assert set(Tag.objects.get(name="q3-campaign").accounts.values_list("pk", flat=True)) == set(ids)

    adoption = stage("adoption")
    csm_client.post(
        "/alpha/accounts/bulk/", {"action": "set_stage", "account_ids": ids, "stage": adoption.pk, "confirmed": "on"}
    )
    assert set(Account.objects.filter(pk__in=ids).values_list("stage", flat=True)) == {adoption.pk}
    assert ActivityLog.objects.filter(verb="account.stage_changed", about_id=book["bolt"].pk).exists()

    # Reassigning is a manager's job.
    assert (
        csm_client.post(
            "/alpha/accounts/bulk/", {"action": "assign_owner", "account_ids": ids, "owner_id": manager.pk}
        ).status_code
        == 403
    )
    manager_client.post(
        "/alpha/accounts/bulk/",
        {"action": "assign_owner", "account_ids": ids, "owner_id": manager.pk, "confirmed": "on"},
    )
    assert set(Account.objects.filter(pk__in=ids).values_list("owner", flat=True)) == {manager.pk}
    assert ActivityLog.objects.filter(verb="account.owner_changed").count() == 2


def test_bulk_on_every_matching_account_and_bad_input(book, manager_client, manager):
    response = manager_client.post(
        "/alpha/accounts/bulk/",
        {"action": "add_tag", "select_all": "on", "tag": "all-mine", "query": "mrr_min=1000", "confirmed": "on"},
    )
    assert response.status_code == 302
    assert set(Tag.objects.get(name="all-mine").accounts.values_list("name", flat=True)) == {
        "Acme Robotics",
        "Bolt Analytics",
    }
    before = AccountTag.objects.count()
    for data in (
        {"action": "add_tag", "tag": "x"},  # nothing selected
        {"action": "add_tag", "account_ids": ["abc"], "tag": "x"},
        {"action": "set_stage", "account_ids": [book["acme"].pk]},  # no stage
        {"action": "explode", "account_ids": [book["acme"].pk]},
        {"action": "set_stage", "account_ids": [book["acme"].pk], "stage": stage("churned").pk},
    ):
        assert manager_client.post("/alpha/accounts/bulk/", data).status_code == 302
    assert AccountTag.objects.count() == before
    assert Account.objects.get(pk=book["acme"].pk).stage.category == StageCategory.ADOPTION


def test_segments_save_apply_share_and_delete(book, csm, csm_client, manager_client):
    response = csm_client.post("/alpha/accounts/segments/", {"name": "My at-risk", "query": "owner=me&band=at_risk"})
    segment = Segment.objects.get(name="My at-risk")
    assert response["Location"] == f"/alpha/accounts/?segment={segment.pk}"
    assert segment.query == {"owner": "me", "band": "at_risk"} and not segment.is_shared
    assert names(csm_client.get(f"/alpha/accounts/?segment={segment.pk}")) == ["Acme Robotics"]
    # Membership is live: a new at-risk account of mine is in it at once.
    AccountFactory(name="Delta", owner=csm, health_band=HealthBand.AT_RISK)
    assert names(csm_client.get(f"/alpha/accounts/?segment={segment.pk}")) == ["Acme Robotics", "Delta"]
    # Personal: the manager cannot use it; shared ones are for everyone.
    assert manager_client.get(f"/alpha/accounts/?segment={segment.pk}").context["form"].errors
    csm_client.post("/alpha/accounts/segments/", {"name": "Renewals", "query": "renewal_days=90", "is_shared": "on"})
    shared = Segment.objects.get(name="Renewals")
    assert names(manager_client.get(f"/alpha/accounts/?segment={shared.pk}")) == ["Acme Robotics"]
    # Saving nothing is refused.
    csm_client.post("/alpha/accounts/segments/", {"name": "Everything", "query": "sort=mrr"})
    assert not Segment.objects.filter(name="Everything").exists()
    assert csm_client.post(f"/alpha/accounts/segments/{segment.pk}/delete/").status_code == 302
    assert not Segment.objects.filter(pk=segment.pk).exists()


def test_csv_export_of_the_filtered_list(book, csm_client, org_b, outsider):
    with activate(org_b):
        AccountFactory(name="Other org account")
    Account.objects.filter(pk=book["acme"].pk).update(name="=HYPERLINK(evil)")
    CustomField.objects.create(organization=book["acme"].organization, label="Region", key="region")
    Account.objects.filter(pk=book["bolt"].pk).update(custom_fields={"region": "EMEA"})
    response = csm_client.get("/alpha/accounts/export.csv?owner=me&sort=-mrr")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte-order mark Excel needs
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["name", "external_id", "domains"] and rows[0][-1] == "custom_region"
    assert [row[0] for row in rows[1:]] == ["'=HYPERLINK(evil)", "Bolt Analytics"]
    assert rows[2][-1] == "EMEA"
    assert rows[1][rows[0].index("tags")] == "upsell-candidate"


def test_create_an_account(in_org_a, csm, csm_client):
    CustomField.objects.create(organization=in_org_a, label="Region", key="region")
    response = csm_client.post(
        "/alpha/accounts/new/",
        {
            "name": "Echo Health", "domains": "https://www.Echo.health/about, echo.io", "external_id": "crm-42",
            "tier": Tier.objects.first().pk, "stage": stage("trial").pk, "mrr": "250", "owner_id": csm.pk,
            "tags": "trial, fast-track", "custom_region": "APAC", "plan": "Starter",
        },
    )  # fmt: skip
    account = Account.objects.get(name="Echo Health")
    assert response.status_code == 302 and response["Location"] == f"/alpha/accounts/{account.pk}/"
    assert account.domains == "echo.health echo.io"
    assert account.custom_fields == {"region": "APAC"}
    assert sorted(account.tags.values_list("name", flat=True)) == ["fast-track", "trial"]
    assert ActivityLog.objects.filter(verb="account.created", about_id=account.pk).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", b"This field is required"),
        ("mrr", "-5", b"greater than or equal to 0"),
        ("external_id", "dup-1", b"already has this external id"),
        ("stage", "churned", b"churn it from its page"),
        ("owner_id", "99999", b"Managers and admins can give an account to someone else"),
    ],
)
def test_account_form_errors_write_nothing(in_org_a, csm_client, field, value, message):
    AccountFactory(name="Existing", external_id="dup-1")
    data = {"name": "Foxtrot", "mrr": "10", "stage": stage("trial").pk, "owner_id": ""}
    data[field] = stage("churned").pk if value == "churned" else value
    response = csm_client.post("/alpha/accounts/new/", data)
    assert response.status_code == 400
    assert message in response.content
    assert Account.objects.count() == 1


def test_inline_edit_returns_the_details_and_logs_the_changes(book, csm_client, manager):
    account = book["bolt"]
    form = csm_client.get(f"/alpha/accounts/{account.pk}/edit/", headers={"HX-Request": "true"})
    assert b"<html" not in form.content and b'id="details"' in form.content
    response = csm_client.post(
        f"/alpha/accounts/{account.pk}/edit/",
        {"name": "Bolt Analytics", "mrr": "1500", "plan": "Growth", "owner_id": account.owner_id, "tags": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and b"Growth" in response.content and b"<html" not in response.content
    entry = ActivityLog.objects.get(verb="account.updated", about_id=account.pk)
    assert entry.changes["mrr"] == ["1200.00", "1500"] and entry.changes["plan"] == ["", "Growth"]
    # A CSM cannot reassign through the edit form.
    refused = csm_client.post(
        f"/alpha/accounts/{account.pk}/edit/",
        {"name": "Bolt Analytics", "mrr": "1500", "owner_id": manager.pk},
    )
    assert refused.status_code == 400 and Account.objects.get(pk=account.pk).owner_id != manager.pk


def test_churning_needs_a_reason(book, csm_client):
    account = book["acme"]
    churned = stage("churned")
    refused = csm_client.post(f"/alpha/accounts/{account.pk}/stage/", {"stage": churned.pk, "churn_reason": " "})
    assert refused.status_code == 400 and b"Say why the account churned" in refused.content
    assert Account.objects.get(pk=account.pk).stage.category == StageCategory.ADOPTION
    tomorrow = (localdate() + timedelta(days=1)).isoformat()
    refused = csm_client.post(
        f"/alpha/accounts/{account.pk}/stage/",
        {"stage": churned.pk, "churn_reason": "Budget cut", "churn_date": tomorrow},
    )
    assert refused.status_code == 400 and b"cannot be in the future" in refused.content
    assert Account.objects.get(pk=account.pk).stage.category == StageCategory.ADOPTION
    csm_client.post(f"/alpha/accounts/{account.pk}/stage/", {"stage": churned.pk, "churn_reason": "Budget cut"})
    account.refresh_from_db()
    assert account.stage == churned and account.churn_reason == "Budget cut" and account.churn_date == localdate()
    entry = ActivityLog.objects.get(verb="account.stage_changed", about_id=account.pk)
    assert entry.changes["stage"] == ["Adoption", "Churned"]
    assert b"Budget cut" in csm_client.get(f"/alpha/accounts/{account.pk}/").content
    # Coming back clears the churn.
    csm_client.post(f"/alpha/accounts/{account.pk}/stage/", {"stage": stage("adoption").pk})
    account.refresh_from_db()
    assert account.churn_date is None and account.churn_reason == ""


def test_a_manager_reassigns_the_owner(book, manager_client, manager):
    account = book["acme"]
    assert manager_client.post(f"/alpha/accounts/{account.pk}/owner/", {"owner_id": manager.pk}).status_code == 302
    assert Account.objects.get(pk=account.pk).owner == manager
    entry = ActivityLog.objects.get(verb="account.owner_changed", about_id=account.pk)
    assert entry.changes["owner"][1] == manager.display_name


def test_a_note_appears_in_the_timeline_without_a_reload(book, csm_client):
    account = book["acme"]
    response = csm_client.post(
        f"/alpha/accounts/{account.pk}/notes/",
        {"kind": "call", "body": "Talked **renewal** with Ana.", "duration_minutes": "25"},
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content and 'id="timeline-card"' in content
    assert "<strong>renewal</strong>" in content and "25 min" in content
    note = Note.objects.get(account=account)
    assert note.kind == "call" and ActivityLog.objects.filter(verb="call.logged", target_id=note.pk).exists()


def test_an_empty_note_is_refused(book, csm_client):
    response = csm_client.post(f"/alpha/accounts/{book['acme'].pk}/notes/", {"kind": "note", "body": "   "})
    assert response.status_code == 400
    assert not Note.objects.exists()


def test_notes_with_a_script_render_inert(book, csm_client):
    account = book["acme"]
    payload = 'Hi <script>alert("x")</script> <img src=x onerror="alert(1)"> [link](javascript:alert(2))'
    csm_client.post(f"/alpha/accounts/{account.pk}/notes/", {"kind": "note", "body": payload})
    page = csm_client.get(f"/alpha/accounts/{account.pk}/").content.decode()
    assert "<script>alert" not in page and "onerror" not in page and "javascript:" not in page
    assert "Hi" in Note.objects.get().body_html


def test_the_timeline_filters_by_kind_and_pages_by_cursor(book, csm, csm_client):
    account = book["acme"]
    for i in range(30):
        NoteFactory(account=account, author=csm, body=f"Note {i}")
        ActivityLog.objects.create(
            organization=account.organization, actor_kind="user", actor_user=csm, actor_label="Carol",
            verb="note.added", about_type_id=_account_type(), about_id=account.pk,
        )  # fmt: skip
    account_services.update_account(actor=csm, account=account, plan="Scale")
    page = csm_client.get(f"/alpha/accounts/{account.pk}/")
    assert len(page.context["entries"]) == 25 and page.context["older"]
    older = csm_client.get(
        f"/alpha/accounts/{account.pk}/timeline/?before={page.context['older']}", headers={"HX-Request": "true"}
    )
    assert older.status_code == 200 and len(older.context["entries"]) > 0
    first_ids = {e.pk for e in page.context["entries"]}
    assert first_ids.isdisjoint({e.pk for e in older.context["entries"]})
    changes = csm_client.get(f"/alpha/accounts/{account.pk}/timeline/?kind=change", headers={"HX-Request": "true"})
    assert {e.verb for e in changes.context["entries"]} <= {
        "account.updated",
        "account.created",
        "account.tags_changed",
    }
    # The same states have real URLs without JavaScript.
    assert csm_client.get(f"/alpha/accounts/{account.pk}/?kind=note").status_code == 200
    assert csm_client.get(f"/alpha/accounts/{account.pk}/?before={page.context['older']}").status_code == 200


def _account_type() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Account).pk


def test_the_360_costs_the_same_number_of_queries_whatever_the_data(in_org_a, csm, csm_client):
    account = AccountFactory(owner=csm)

    def fill(n: int) -> None:
        for _ in range(n):
            contact = ContactFactory(account=account)
            NoteFactory(account=account, author=csm, contact=contact)
            TaskFactory(account=account, assignee=csm)
            TicketFactory(account=account)
            account_services.update_account(actor=csm, account=account, plan=f"Plan {contact.pk}")

    fill(2)
    csm_client.get(f"/alpha/accounts/{account.pk}/")
    with CaptureQueriesContext(connection) as small:
        csm_client.get(f"/alpha/accounts/{account.pk}/")
    fill(8)
    with CaptureQueriesContext(connection) as large:
        csm_client.get(f"/alpha/accounts/{account.pk}/")
    assert len(large) == len(small)


def test_contacts_and_the_stakeholder_map(book, csm_client):
    account = book["cider"]
    csm_client.post(
        f"/alpha/accounts/{account.pk}/contacts/new/",
        {"name": "Sam Sponsor", "email": "sam@cider.app", "role": ContactRole.EXECUTIVE_SPONSOR, "status": "active"},
    )
    sponsor = account.contacts.get(name="Sam Sponsor")
    page = csm_client.get(f"/alpha/accounts/{account.pk}/").content.decode()
    assert "No champion" in page
    csm_client.post(
        f"/alpha/accounts/{account.pk}/contacts/new/",
        {"name": "Cleo Champion", "email": "CLEO@cider.app", "role": ContactRole.CHAMPION, "status": "active",
         "reports_to": sponsor.pk, "is_primary": "on"},
    )  # fmt: skip
    champion = account.contacts.get(name="Cleo Champion")
    assert champion.email == "cleo@cider.app" and champion.reports_to == sponsor
    view = csm_client.get(f"/alpha/accounts/{account.pk}/").context["view"]
    assert view.champion_warning == ""
    assert [n.contact.name for n in view.stakeholder_tree] == ["Sam Sponsor"]
    assert [n.contact.name for n in view.stakeholder_tree[0].reports] == ["Cleo Champion"]
    # A loop is refused; a duplicate address too.
    loop = csm_client.post(
        f"/alpha/accounts/{account.pk}/contacts/{sponsor.pk}/edit/",
        {"name": "Sam Sponsor", "email": "sam@cider.app", "role": "executive_sponsor", "status": "active",
         "reports_to": champion.pk},
    )  # fmt: skip
    assert loop.status_code == 400 and b"reporting loop" in loop.content
    duplicate = csm_client.post(
        f"/alpha/accounts/{account.pk}/contacts/new/",
        {"name": "Other", "email": "sam@CIDER.app", "role": "user", "status": "active"},
    )
    assert duplicate.status_code == 400 and b"already uses" in duplicate.content
    # The champion leaves: the 360 warns.
    csm_client.post(
        f"/alpha/accounts/{account.pk}/contacts/{champion.pk}/edit/",
        {"name": "Cleo Champion", "email": "cleo@cider.app", "role": "champion", "status": ContactStatus.LEFT,
         "reports_to": sponsor.pk},
    )  # fmt: skip
    champion.refresh_from_db()
    assert champion.left_on == localdate()
    assert "champion has left" in csm_client.get(f"/alpha/accounts/{account.pk}/").content.decode()
    assert ActivityLog.objects.filter(verb="contact.left", about_id=account.pk).exists()


def test_a_task_added_on_the_360(book, csm, csm_client):
    account = book["acme"]
    response = csm_client.post(
        f"/alpha/accounts/{account.pk}/tasks/",
        {"title": "Send the renewal quote", "priority": "high", "due_date": str(localdate()), "assignee": csm.pk},
    )
    assert response.status_code == 302
    task = Task.objects.get(account=account)
    assert (task.title, task.assignee, task.priority) == ("Send the renewal quote", csm, "high")
    assert csm_client.post(f"/alpha/accounts/{account.pk}/tasks/", {"title": ""}).status_code == 400


def test_a_success_plan_from_the_template(book, csm_client):
    account = book["bolt"]
    from accounts.models import PlanTemplate

    template = PlanTemplate.objects.get()
    starts = localdate() - timedelta(days=10)
    csm_client.post(f"/alpha/accounts/{account.pk}/plans/", {"template": template.pk, "starts_on": str(starts)})
    plan = SuccessPlan.objects.get(account=account)
    milestones = list(plan.milestones.order_by("position"))
    assert len(milestones) == template.items.count()
    assert milestones[0].due_date == starts + timedelta(days=template.items.order_by("position")[0].offset_days)
    assert {m.owner_side for m in milestones} == {"customer", "us"}
    response = csm_client.post(f"/alpha/milestones/{milestones[0].pk}/toggle/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and b"1 of" in response.content
    for milestone in milestones[1:]:
        csm_client.post(f"/alpha/milestones/{milestone.pk}/toggle/")
    plan.refresh_from_db()
    assert plan.status == "completed"
    assert ActivityLog.objects.filter(verb="plan.completed", about_id=account.pk).exists()
    assert Milestone.objects.filter(plan=plan, status="done").count() == len(milestones)


def test_a_segment_that_names_something_gone_matches_nothing(book, csm, csm_client, manager, org_a):
    from csm.models import Membership
    from csm.services import deactivate_member

    csm_client.post("/alpha/accounts/segments/", {"name": "Mark's", "query": f"owner={manager.pk}"})
    segment = Segment.objects.get(name="Mark's")
    assert names(csm_client.get(f"/alpha/accounts/?segment={segment.pk}")) == ["cider labs"]
    deactivate_member(actor=manager, membership=Membership.objects.get(user=manager))
    response = csm_client.get(f"/alpha/accounts/?segment={segment.pk}")
    assert names(response) == []
    assert b"refers to something that no longer exists" in response.content
    # Acting on "every account the segment matches" acts on none.
    csm_client.post(
        "/alpha/accounts/bulk/",
        {"action": "add_tag", "select_all": "on", "tag": "oops", "query": f"segment={segment.pk}", "confirmed": "on"},
    )
    assert not AccountTag.objects.filter(tag__name="oops").exists()


def test_saving_a_segment_on_top_of_another_keeps_both_filters(book, csm_client):
    csm_client.post("/alpha/accounts/segments/", {"name": "Mine", "query": "owner=me"})
    base = Segment.objects.get(name="Mine")
    csm_client.post("/alpha/accounts/segments/", {"name": "Mine at risk", "query": f"segment={base.pk}&band=at_risk"})
    narrowed = Segment.objects.get(name="Mine at risk")
    assert narrowed.query == {"owner": "me", "band": "at_risk"}


def test_the_export_uses_the_persons_today(book, csm, csm_client):
    # Late evening in UTC is already tomorrow in Kiritimati (UTC+14): "within 5 days" must count from there.
    import time_machine

    csm.timezone = "Pacific/Kiritimati"
    csm.save(update_fields=["timezone"])
    Account.objects.filter(pk=book["bolt"].pk).update(renewal_date=localdate() + timedelta(days=6))
    with time_machine.travel("2026-11-25 23:00:00+00:00", tick=False):
        Account.objects.filter(pk=book["bolt"].pk).update(renewal_date="2026-12-01")
        listed = names(csm_client.get("/alpha/accounts/?renewal_days=5&owner=me"))
        exported = b"".join(csm_client.get("/alpha/accounts/export.csv?renewal_days=5&owner=me").streaming_content)
    assert "Bolt Analytics" in listed
    assert b"Bolt Analytics" in exported


def test_an_inline_edit_refreshes_the_header_too(book, csm_client):
    account = book["bolt"]
    response = csm_client.post(
        f"/alpha/accounts/{account.pk}/edit/",
        {"name": "Bolt Analytics", "mrr": "3000", "owner_id": account.owner_id},
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert 'id="account-head" hx-swap-oob="true"' in content and "36,000" in content


def test_the_export_keeps_numbers_and_defuses_formulas():
    from accounts.views.accounts import _csv_safe

    assert _csv_safe("-5") == "-5" and _csv_safe("+3.5") == "+3.5"
    assert _csv_safe("-cmd|x") == "'-cmd|x"
    assert _csv_safe("\t=1+1") == "'\t=1+1"
    assert _csv_safe("@SUM(A1)") == "'@SUM(A1)"


def test_the_list_comparisons_are_leakproof():
    # Row-level security keeps non-LEAKPROOF conditions out of index scans (csm.tenancy.dbroles.mark_leakproof).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, proleakproof FROM pg_proc WHERE proname IN ('texticlike', 'numeric_ge', 'numeric_le')"
        )
        assert dict(cursor.fetchall()) == {
            "texticlike": True,
            "numeric_ge": True,
            "numeric_le": True,
        }


def test_owner_stage_and_tier_sorts_follow_renames_and_moves(book, csm, manager, csm_client, admin):
    from accounts.services.configuration import move_stage
    from csm.services import update_profile

    assert names(csm_client.get("/alpha/accounts/?sort=owner")) == ["Acme Robotics", "Bolt Analytics", "cider labs"]
    update_profile(user=manager, full_name="Aaron Manager")  # now sorts before "Carol Csm"
    with activate(book["acme"].organization):
        assert names(csm_client.get("/alpha/accounts/?sort=owner")) == [
            "cider labs",
            "Acme Robotics",
            "Bolt Analytics",
        ]
    assert names(csm_client.get("/alpha/accounts/?sort=stage")) == ["Bolt Analytics", "Acme Robotics", "cider labs"]
    # Onboarding (Bolt) moves below Adoption (the others): the sort follows.
    move_stage(actor=admin, stage=stage("onboarding"), direction="down")
    assert names(csm_client.get("/alpha/accounts/?sort=stage")) == ["Acme Robotics", "cider labs", "Bolt Analytics"]


def test_the_list_counts_up_to_a_cap(in_org_a, csm_client, monkeypatch):
    from accounts.selectors import accounts as selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 60)
    AccountFactory.create_batch(75)
    first = csm_client.get("/alpha/accounts/?owner=any")
    assert b"More than" in first.content and first.context["page"].paginator.num_pages == 2
    assert len(names(csm_client.get("/alpha/accounts/?page=2"))) == 10  # the pages stop at the cap
    assert b"More than" not in csm_client.get("/alpha/accounts/?q=Customer 000").content


def test_a_csms_list_and_board_open_on_their_own_book(book, csm_client, manager_client):
    response = csm_client.get("/alpha/accounts/")
    assert response.status_code == 302 and response["Location"] == "/alpha/accounts/?owner=me&churned=no"
    assert names(csm_client.get(response["Location"])) == ["Acme Robotics", "Bolt Analytics"]
    board = csm_client.get("/alpha/board/")
    assert board.status_code == 302 and board["Location"] == "/alpha/board/?owner=me"
    # Anyone chosen stays chosen; managers see everything from the start.
    assert names(csm_client.get("/alpha/accounts/?owner=any")) == ["Acme Robotics", "Bolt Analytics", "cider labs"]
    assert names(manager_client.get("/alpha/accounts/")) == ["Acme Robotics", "Bolt Analytics", "cider labs"]


def test_the_first_click_on_mrr_sorts_the_largest_first(book, csm_client):
    page = csm_client.get("/alpha/accounts/?owner=any").content.decode()
    assert re.search(r'<a href="\?owner=any&amp;sort=-mrr"[^>]*>MRR</a>', page)
    page = csm_client.get("/alpha/accounts/?owner=any&sort=-mrr").content.decode()
    assert re.search(r'<a href="\?owner=any&amp;sort=mrr"[^>]*>MRR ▼</a>', page)
    page = csm_client.get("/alpha/accounts/?owner=any&sort=name").content.decode()
    assert re.search(r'<a href="\?owner=any&amp;sort=-name"[^>]*>Account ▲</a>', page)


def test_search_finds_an_account_by_its_external_id(book, csm_client):
    Account.objects.filter(pk=book["cider"].pk).update(external_id="crm-0042")
    assert names(csm_client.get("/alpha/accounts/?owner=any&q=crm-0042")) == ["cider labs"]
