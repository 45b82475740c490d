"""Workspace settings (admins): tiers, lifecycle stages, custom fields and success-plan templates, their refusals,
the activity log they write, and their pages' query counts."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import (
    Account,
    CustomField,
    LifecycleStage,
    OwnerSide,
    PlanTemplate,
    PlanTemplateItem,
    StageCategory,
    SuccessPlan,
    Tier,
)
from accounts.services import configuration
from csm.models import ActivityLog
from csm.tenancy import activate
from tests.factories import AccountFactory, MilestoneFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
BASE = "/alpha/settings/workspace"


def tier_names() -> list[str]:
    return list(Tier.objects.order_by("position").values_list("name", flat=True))


def stage_names() -> list[str]:
    return list(LifecycleStage.objects.order_by("position").values_list("name", flat=True))


def log(verb: str) -> ActivityLog:
    entry = ActivityLog.objects.get(verb=verb)
    assert entry.about_id is None  # settings rows belong to no account's timeline
    return entry


# -- Tiers -------------------------------------------------------------------------------------------------------


def test_the_tiers_page_lists_the_defaults_with_their_usage(admin_client, org_a):
    with activate(org_a):
        AccountFactory.create_batch(2, tier=Tier.objects.get(name="SMB"))
    response = admin_client.get(f"{BASE}/tiers/")
    assert response.status_code == 200
    assert [t.name for t in response.context["tiers"]] == ["Tech-touch", "SMB", "Enterprise"]
    assert {t.name: t.account_count for t in response.context["tiers"]}["SMB"] == 2
    content = response.content.decode()
    assert 'aria-current="page">Tiers</a>' in content and "2 accounts" in content


def test_an_admin_adds_a_tier_at_the_end(admin_client, admin, org_a):
    response = admin_client.post(f"{BASE}/tiers/add/", {"name": "  Strategic   accounts "})
    assert response.status_code == 302 and response["Location"] == f"{BASE}/tiers/"
    with activate(org_a):
        assert tier_names() == ["Tech-touch", "SMB", "Enterprise", "Strategic accounts"]
        entry = log("tier.created")
        assert entry.actor_user == admin and entry.target_repr == "Strategic accounts"
    assert "Tier “Strategic accounts” added." in admin_client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(("name", "error"), [("smb", "already a tier named"), ("", "This field is required")])
def test_a_tier_needs_a_new_name(admin_client, org_a, name, error):
    response = admin_client.post(f"{BASE}/tiers/add/", {"name": name})
    assert response.status_code == 400 and error in response.content.decode()
    with activate(org_a):
        assert Tier.objects.count() == 3 and not ActivityLog.objects.filter(verb="tier.created").exists()


def test_a_tier_is_renamed_inline_with_htmx(admin_client, org_a):
    with activate(org_a):
        smb = Tier.objects.get(name="SMB")
    form = admin_client.get(f"{BASE}/tiers/{smb.pk}/edit/", headers=HTMX)
    content = form.content.decode()
    assert form.status_code == 200 and "<html" not in content
    assert 'id="tier-rows"' in content and 'value="SMB"' in content and "autofocus" in content

    saved = admin_client.post(f"{BASE}/tiers/{smb.pk}/edit/", {"name": "Mid-market"}, headers=HTMX)
    content = saved.content.decode()
    assert saved.status_code == 200 and "<html" not in content
    assert "Mid-market" in content and 'value="Mid-market"' not in content  # back to the display row
    assert "Tier renamed to “Mid-market”." in content  # the message, swapped out of band
    with activate(org_a):
        assert tier_names() == ["Tech-touch", "Mid-market", "Enterprise"]
        assert log("tier.renamed").changes == {"name": ["SMB", "Mid-market"]}


def test_a_tier_is_renamed_without_javascript(admin_client, org_a):
    with activate(org_a):
        smb = Tier.objects.get(name="SMB")
    page = admin_client.get(f"{BASE}/tiers/{smb.pk}/edit/")
    assert page.status_code == 200 and "<html" in page.content.decode() and 'value="SMB"' in page.content.decode()
    response = admin_client.post(f"{BASE}/tiers/{smb.pk}/edit/", {"name": "Mid-market"})
    assert response.status_code == 302 and response["Location"] == f"{BASE}/tiers/"
    with activate(org_a):
        assert Tier.objects.get(pk=smb.pk).name == "Mid-market"


def test_renaming_a_tier_to_a_taken_name_is_refused_in_the_row(admin_client, org_a):
    with activate(org_a):
        smb = Tier.objects.get(name="SMB")
    response = admin_client.post(f"{BASE}/tiers/{smb.pk}/edit/", {"name": "ENTERPRISE"}, headers=HTMX)
    assert response.status_code == 400
    assert "already a tier named" in response.content.decode() and 'value="ENTERPRISE"' in response.content.decode()
    plain = admin_client.post(f"{BASE}/tiers/{smb.pk}/edit/", {"name": ""})
    assert plain.status_code == 400 and "<html" in plain.content.decode()
    with activate(org_a):
        assert tier_names() == ["Tech-touch", "SMB", "Enterprise"]


def test_tiers_move_up_and_down(admin_client, org_a):
    with activate(org_a):
        enterprise = Tier.objects.get(name="Enterprise")
        tech = Tier.objects.get(name="Tech-touch")
    response = admin_client.post(f"{BASE}/tiers/{enterprise.pk}/move/", {"direction": "up"}, headers=HTMX)
    assert response.status_code == 200 and 'id="tier-rows"' in response.content.decode()
    assert admin_client.post(f"{BASE}/tiers/{tech.pk}/move/", {"direction": "down"}).status_code == 302
    with activate(org_a):
        assert tier_names() == ["Enterprise", "Tech-touch", "SMB"]
        assert list(Tier.objects.order_by("position").values_list("position", flat=True)) == [0, 1, 2]
        assert ActivityLog.objects.filter(verb="tier.moved").count() == 2
    # Already at the end: nothing moves, nothing is logged.
    assert admin_client.post(f"{BASE}/tiers/{enterprise.pk}/move/", {"direction": "up"}).status_code == 302
    assert admin_client.post(f"{BASE}/tiers/{enterprise.pk}/move/", {"direction": "sideways"}).status_code == 302
    bad = admin_client.post(f"{BASE}/tiers/{enterprise.pk}/move/", {"direction": "sideways"}, headers=HTMX)
    assert bad.status_code == 400 and "Move it up or down." in bad.content.decode()
    with activate(org_a):
        assert tier_names() == ["Enterprise", "Tech-touch", "SMB"]
        assert ActivityLog.objects.filter(verb="tier.moved").count() == 2


def test_an_unused_tier_is_deleted_and_a_used_one_is_refused(admin_client, org_a):
    with activate(org_a):
        used = Tier.objects.get(name="SMB")
        unused = Tier.objects.get(name="Enterprise")
        AccountFactory(tier=used)
    refused = admin_client.post(f"{BASE}/tiers/{used.pk}/delete/", headers=HTMX)
    assert refused.status_code == 400
    assert "1 account is in the tier “SMB”: move it to another tier" in refused.content.decode()
    plain = admin_client.post(f"{BASE}/tiers/{used.pk}/delete/", follow=True)
    assert "move it to another tier before deleting it" in plain.content.decode()
    deleted = admin_client.post(f"{BASE}/tiers/{unused.pk}/delete/", headers=HTMX)
    assert deleted.status_code == 200 and "Tier “Enterprise” deleted." in deleted.content.decode()
    with activate(org_a):
        assert tier_names() == ["Tech-touch", "SMB"]
        assert log("tier.deleted").target_repr == "Enterprise"


# -- Lifecycle stages --------------------------------------------------------------------------------------------


def test_an_admin_adds_a_stage_with_its_meaning(admin_client, org_a):
    response = admin_client.post(f"{BASE}/stages/add/", {"name": "Expansion", "category": "mature"})
    assert response.status_code == 302
    with activate(org_a):
        stage = LifecycleStage.objects.get(name="Expansion")
        assert stage.category == StageCategory.MATURE and stage_names()[-1] == "Expansion"
        assert log("stage.created").data == {"category": "mature"}
    bad = admin_client.post(f"{BASE}/stages/add/", {"name": "Lost", "category": "gone"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()


def test_a_stage_is_renamed_and_recategorised(admin_client, org_a):
    with activate(org_a):
        mature = LifecycleStage.objects.get(name="Mature")
    response = admin_client.post(
        f"{BASE}/stages/{mature.pk}/edit/", {"name": "Advocate", "category": "mature"}, headers=HTMX
    )
    assert response.status_code == 200 and "Advocate" in response.content.decode()
    admin_client.post(f"{BASE}/stages/{mature.pk}/edit/", {"name": "Advocate", "category": "renewal"})
    with activate(org_a):
        stage = LifecycleStage.objects.get(pk=mature.pk)
        assert (stage.name, stage.category) == ("Advocate", StageCategory.RENEWAL)
        assert log("stage.renamed").changes == {"name": ["Mature", "Advocate"]}
        assert log("stage.updated").changes == {"category": ["mature", "renewal"]}


def test_the_last_churned_stage_stays(admin_client, org_a):
    with activate(org_a):
        churned = LifecycleStage.objects.get(category=StageCategory.CHURNED)
    refused = admin_client.post(
        f"{BASE}/stages/{churned.pk}/edit/", {"name": "Churned", "category": "renewal"}, headers=HTMX
    )
    assert refused.status_code == 400 and "last churned stage" in refused.content.decode()
    deleted = admin_client.post(f"{BASE}/stages/{churned.pk}/delete/", headers=HTMX)
    assert deleted.status_code == 400 and "last churned stage" in deleted.content.decode()
    with activate(org_a):
        assert LifecycleStage.objects.get(pk=churned.pk).category == StageCategory.CHURNED

    # With a second churned stage, the first may go.
    admin_client.post(f"{BASE}/stages/add/", {"name": "Lost in trial", "category": "churned"})
    assert admin_client.post(f"{BASE}/stages/{churned.pk}/delete/").status_code == 302
    with activate(org_a):
        assert list(LifecycleStage.objects.filter(category="churned").values_list("name", flat=True)) == [
            "Lost in trial"
        ]


def test_a_stage_in_use_is_not_deleted_nor_turned_into_churn(admin_client, org_a):
    with activate(org_a):
        adoption = LifecycleStage.objects.get(category=StageCategory.ADOPTION)
        AccountFactory.create_batch(2, stage=adoption)
    deleted = admin_client.post(f"{BASE}/stages/{adoption.pk}/delete/", headers=HTMX)
    assert deleted.status_code == 400
    assert "2 accounts are in the stage “Adoption”: move them" in deleted.content.decode()
    recategorised = admin_client.post(
        f"{BASE}/stages/{adoption.pk}/edit/", {"name": "Adoption", "category": "churned"}, headers=HTMX
    )
    assert recategorised.status_code == 400 and "cannot start or stop meaning churned" in recategorised.content.decode()
    # Within the living categories a stage in use may change meaning.
    ok = admin_client.post(f"{BASE}/stages/{adoption.pk}/edit/", {"name": "Adoption", "category": "mature"})
    assert ok.status_code == 302
    with activate(org_a):
        assert LifecycleStage.objects.get(pk=adoption.pk).category == StageCategory.MATURE
        assert not ActivityLog.objects.filter(verb="stage.deleted").exists()


def test_reordering_stages_reorders_the_board(admin_client, org_a):
    with activate(org_a):
        renewal = LifecycleStage.objects.get(name="Renewal")
    admin_client.post(f"{BASE}/stages/{renewal.pk}/move/", {"direction": "up"})
    board = admin_client.get("/alpha/board/")
    assert [c.name for c in board.context["columns"]] == [
        "Trial", "Onboarding", "Adoption", "Renewal", "Mature", "Churned",
    ]  # fmt: skip


# -- Custom fields -----------------------------------------------------------------------------------------------


def test_an_admin_adds_custom_fields_with_keys_from_their_labels(admin_client, org_a):
    assert (
        admin_client.post(f"{BASE}/fields/add/", {"label": "Contract value (€)", "field_type": "number"}).status_code
        == 302
    )
    assert (
        admin_client.post(
            f"{BASE}/fields/add/",
            {"label": "Region", "field_type": "choice", "choices": "EMEA\n\n  Americas \nEMEA\nAPAC"},
        ).status_code
        == 302
    )
    assert admin_client.post(f"{BASE}/fields/add/", {"label": "Region!", "field_type": "text"}).status_code == 302
    assert admin_client.post(f"{BASE}/fields/add/", {"label": "Go-live", "field_type": "date"}).status_code == 302
    with activate(org_a):
        fields = {f.label: f for f in CustomField.objects.all()}
        assert fields["Contract value (€)"].key == "contract_value"
        assert fields["Region"].key == "region" and fields["Region"].choices == ["EMEA", "Americas", "APAC"]
        assert fields["Region!"].key == "region_2"
        assert fields["Go-live"].key == "go_live" and fields["Go-live"].choices == []
        assert [f.position for f in CustomField.objects.order_by("position")] == [0, 1, 2, 3]
        assert ActivityLog.objects.filter(verb="custom_field.added").count() == 4
    page = admin_client.get(f"{BASE}/fields/").content.decode()
    assert "<code>contract_value</code>" in page and "EMEA, Americas, APAC" in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"label": "Industry", "field_type": "choice", "choices": " \n "}, "needs at least one option"),
        ({"label": "", "field_type": "text"}, "This field is required"),
        ({"label": "Size", "field_type": "colour"}, "Select a valid choice"),
        ({"label": "region", "field_type": "text"}, "already a field named"),
    ],
)
def test_a_bad_custom_field_is_refused(admin_client, org_a, data, error):
    with activate(org_a):
        CustomField.objects.create(organization=org_a, label="Region", key="region")
    response = admin_client.post(f"{BASE}/fields/add/", data)
    assert response.status_code == 400 and error in response.content.decode()
    with activate(org_a):
        assert CustomField.objects.count() == 1


def test_a_field_changes_label_and_options_but_keeps_its_key(admin_client, admin, org_a):
    with activate(org_a):
        field = configuration.add_custom_field(actor=admin, label="Region", field_type="choice", choices=["EMEA"])
    form = admin_client.get(f"{BASE}/fields/{field.pk}/edit/", headers=HTMX).content.decode()
    assert "EMEA</textarea>" in form and "stays as it is" in form
    response = admin_client.post(
        f"{BASE}/fields/{field.pk}/edit/",
        {"label": "Sales region", "field_type": "choice", "choices": "EMEA\nAPAC"},
        headers=HTMX,
    )
    assert response.status_code == 200 and "Sales region" in response.content.decode()
    with activate(org_a):
        field.refresh_from_db()
        assert (field.label, field.key, field.choices) == ("Sales region", "region", ["EMEA", "APAC"])
        assert log("custom_field.updated").changes["label"] == ["Region", "Sales region"]


def test_the_type_of_a_field_in_use_does_not_change(admin_client, org_a):
    with activate(org_a):
        used = CustomField.objects.create(organization=org_a, label="Seats", key="seats", field_type="number")
        unused = CustomField.objects.create(organization=org_a, label="Notes", key="notes", field_type="text")
        empty = CustomField.objects.create(organization=org_a, label="Site", key="site", field_type="text")
        AccountFactory(custom_fields={"seats": 40, "site": ""})
    refused = admin_client.post(
        f"{BASE}/fields/{used.pk}/edit/", {"label": "Seats", "field_type": "text"}, headers=HTMX
    )
    assert refused.status_code == 400 and "its type stays number" in refused.content.decode()
    assert (
        admin_client.post(f"{BASE}/fields/{unused.pk}/edit/", {"label": "Notes", "field_type": "date"}).status_code
        == 302
    )
    # An empty string is no value.
    assert (
        admin_client.post(f"{BASE}/fields/{empty.pk}/edit/", {"label": "Site", "field_type": "number"}).status_code
        == 302
    )
    with activate(org_a):
        assert CustomField.objects.get(pk=used.pk).field_type == "number"
        assert CustomField.objects.get(pk=unused.pk).field_type == "date"


def test_deleting_a_field_asks_first_and_keeps_the_values(admin_client, org_a):
    with activate(org_a):
        field = CustomField.objects.create(organization=org_a, label="Region", key="region")
        account = AccountFactory(custom_fields={"region": "EMEA"})
        AccountFactory(custom_fields={"region": None})
    question = admin_client.get(f"{BASE}/fields/{field.pk}/delete/")
    content = question.content.decode()
    assert question.status_code == 200
    assert "Delete the field “Region”?" in content and "1 account has a value" in content
    assert "kept in the accounts' data" in content and "hidden" in content
    with activate(org_a):
        assert CustomField.objects.filter(pk=field.pk).exists()
    response = admin_client.post(f"{BASE}/fields/{field.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == f"{BASE}/fields/"
    with activate(org_a):
        assert not CustomField.objects.exists()
        assert Account.objects.get(pk=account.pk).custom_fields == {"region": "EMEA"}
        assert log("custom_field.deleted").data == {"key": "region", "accounts_with_a_value": 1}


def test_fields_move(admin_client, org_a):
    with activate(org_a):
        first = CustomField.objects.create(organization=org_a, label="A", key="a", position=0)
        CustomField.objects.create(organization=org_a, label="B", key="b", position=1)
    assert admin_client.post(f"{BASE}/fields/{first.pk}/move/", {"direction": "down"}).status_code == 302
    with activate(org_a):
        assert list(CustomField.objects.order_by("position").values_list("label", flat=True)) == ["B", "A"]
        assert log("custom_field.moved").changes == {"position": [0, 1]}


# -- Success-plan templates --------------------------------------------------------------------------------------


def test_an_admin_creates_a_template_and_builds_its_milestones(admin_client, org_a):
    response = admin_client.post(
        f"{BASE}/plan-templates/add/", {"name": "Renewal runway", "description": "The 120 days before renewal."}
    )
    with activate(org_a):
        template = PlanTemplate.objects.get(name="Renewal runway")
    assert response.status_code == 302 and response["Location"] == f"{BASE}/plan-templates/{template.pk}/"
    items = f"{BASE}/plan-templates/{template.pk}/milestones/add/"
    for objective, title, days, side in (
        ("Prepare", "Usage review shared", 10, "us"),
        ("Prepare", "Stakeholders confirmed", 20, "customer"),
        ("Decide", "Renewal signed", 90, "customer"),
    ):
        added = admin_client.post(
            items, {"objective": objective, "title": title, "offset_days": days, "owner_side": side}
        )
        assert added.status_code == 302
    page = admin_client.get(response["Location"])
    assert [i.title for i in page.context["items"]] == [
        "Usage review shared",
        "Stakeholders confirmed",
        "Renewal signed",
    ]
    assert "Day 90" in page.content.decode()
    with activate(org_a):
        assert log("plan_template.created").target_repr == "Renewal runway"
        assert ActivityLog.objects.filter(verb="plan_template.item_added", about_id__isnull=True).count() == 3


@pytest.mark.parametrize(
    "data",
    [
        {"objective": "", "title": "x", "offset_days": 3, "owner_side": "us"},
        {"objective": "o", "title": "x", "offset_days": -1, "owner_side": "us"},
        {"objective": "o", "title": "x", "offset_days": 3, "owner_side": "them"},
    ],
)
def test_a_bad_milestone_is_refused(admin_client, org_a, data):
    with activate(org_a):
        template = PlanTemplate.objects.get()
        before = template.items.count()
    response = admin_client.post(f"{BASE}/plan-templates/{template.pk}/milestones/add/", data)
    assert response.status_code == 400 and "<html" in response.content.decode()
    with activate(org_a):
        assert template.items.count() == before


def test_a_template_is_renamed_and_a_taken_name_refused(admin_client, org_a):
    with activate(org_a):
        template = PlanTemplate.objects.get()
        PlanTemplate.objects.create(organization=org_a, name="QBR prep")
    url = f"{BASE}/plan-templates/{template.pk}/"
    refused = admin_client.post(url, {"name": "qbr PREP", "description": ""})
    assert refused.status_code == 400 and "already a template named" in refused.content.decode()
    assert admin_client.post(url, {"name": "Onboarding", "description": "First 90 days."}).status_code == 302
    with activate(org_a):
        template.refresh_from_db()
        assert (template.name, template.description) == ("Onboarding", "First 90 days.")
        assert set(log("plan_template.updated").changes) == {"name", "description"}


def test_milestones_are_edited_inline_moved_and_removed(admin_client, org_a):
    with activate(org_a):
        template = PlanTemplate.objects.get()
        first, second, *_ = list(template.items.order_by("position"))
        count = template.items.count()
    edit = f"{BASE}/plan-templates/milestones/{first.pk}/edit/"
    assert 'value="Get set up"' in admin_client.get(edit, headers=HTMX).content.decode()
    saved = admin_client.post(
        edit,
        {"objective": "Kick off", "title": "Kick-off held", "offset_days": 5, "owner_side": "customer"},
        headers=HTMX,
    )
    assert saved.status_code == 200 and "Kick-off held" in saved.content.decode()
    invalid = admin_client.post(
        edit, {"objective": "", "title": "", "offset_days": "x", "owner_side": "us"}, headers=HTMX
    )
    assert invalid.status_code == 400 and 'id="item-rows"' in invalid.content.decode()

    moved = admin_client.post(f"{BASE}/plan-templates/milestones/{first.pk}/move/", {"direction": "down"}, headers=HTMX)
    assert moved.status_code == 200
    removed = admin_client.post(f"{BASE}/plan-templates/milestones/{second.pk}/delete/", headers=HTMX)
    assert removed.status_code == 200 and "removed" in removed.content.decode()
    with activate(org_a):
        items = list(template.items.order_by("position"))
        assert items[0].title == "Kick-off held" and items[0].owner_side == OwnerSide.CUSTOMER
        assert len(items) == count - 1 and [i.position for i in items] == list(range(count - 1))
        assert log("plan_template.item_updated").data == {"milestone": "Kick-off held"}
        assert log("plan_template.item_moved").changes == {"position": [0, 1]}
        assert log("plan_template.item_removed").data["milestone"] == second.title
    history = admin_client.get(f"{BASE}/plan-templates/{template.pk}/").content.decode()
    assert "Plan template item updated" in history and "Plan template item removed" in history


def test_deleting_a_template_keeps_the_plans_started_from_it(admin_client, org_a):
    with activate(org_a):
        template = PlanTemplate.objects.get()
        milestone = MilestoneFactory(plan__template=template)
    response = admin_client.post(f"{BASE}/plan-templates/{template.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == f"{BASE}/plan-templates/"
    with activate(org_a):
        assert not PlanTemplate.objects.exists() and not PlanTemplateItem.objects.exists()
        plan = SuccessPlan.objects.get(pk=milestone.plan_id)
        assert plan.template is None and plan.milestones.count() == 1
        assert log("plan_template.deleted")


# -- Pages: query counts, wrong methods --------------------------------------------------------------------------


_grown = itertools.count()


def _grow(organization, n: int) -> None:
    # Names unique across calls (id(object()) was not: a freed object's address comes back at once).
    with activate(organization):
        template = PlanTemplate.objects.order_by("id").first()
        for _ in range(n):
            i = next(_grown)
            AccountFactory(tier=Tier.objects.order_by("?").first(), stage=LifecycleStage.objects.order_by("?").first())
            CustomField.objects.create(organization=organization, label=f"Field {i}", key=f"f{i}")
            PlanTemplateItem.objects.create(organization=organization, template=template, objective="O", title=f"M {i}")
            PlanTemplate.objects.create(organization=organization, name=f"Template {i}")


def test_every_settings_page_renders_in_a_constant_number_of_queries(admin_client, org_a):
    with activate(org_a):
        template = PlanTemplate.objects.order_by("id").first()
        tier = Tier.objects.first()
        field = CustomField.objects.create(organization=org_a, label="Region", key="region")
        item = template.items.first()
    paths = [
        f"{BASE}/tiers/", f"{BASE}/tiers/{tier.pk}/edit/", f"{BASE}/stages/", f"{BASE}/fields/",
        f"{BASE}/fields/{field.pk}/edit/", f"{BASE}/fields/{field.pk}/delete/", f"{BASE}/plan-templates/",
        f"{BASE}/plan-templates/{template.pk}/", f"{BASE}/plan-templates/milestones/{item.pk}/edit/",
    ]  # fmt: skip

    def counts() -> dict[str, int]:
        found = {}
        for path in paths:
            with CaptureQueriesContext(connection) as context:
                assert admin_client.get(path).status_code == 200, path
            found[path] = len(context.captured_queries)
        return found

    _grow(org_a, 3)
    counts()  # warm up: the first visit remembers the organization, content types get cached
    small = counts()
    _grow(org_a, 9)
    assert counts() == small
    assert max(small.values()) <= 15, small


def test_the_settings_refuse_wrong_methods(admin_client, org_a):
    with activate(org_a):
        tier = Tier.objects.first()
    assert admin_client.post(f"{BASE}/tiers/").status_code == 405
    assert admin_client.get(f"{BASE}/tiers/add/").status_code == 405
    assert admin_client.get(f"{BASE}/tiers/{tier.pk}/delete/").status_code == 405
    assert admin_client.get(f"{BASE}/tiers/{tier.pk}/move/").status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("label", ["Contains", "In", "Has key", "Exact"])
def test_custom_fields_named_like_json_lookups_count_their_values(in_org_a, admin, label):
    from accounts.services.configuration import accounts_with_value, add_custom_field
    from tests.factories import AccountFactory

    field = add_custom_field(actor=admin, label=label, field_type="text")
    AccountFactory(custom_fields={field.key: "yes"})
    AccountFactory(custom_fields={field.key: ""})
    AccountFactory()
    assert accounts_with_value(field).count() == 1
