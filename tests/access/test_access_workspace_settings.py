"""Role matrix of the workspace settings: admins only (CSMs and managers get 403 on every URL, reading included,
and change nothing); another organization's ids answer 404 and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import CustomField, LifecycleStage, PlanTemplate, PlanTemplateItem, Tier
from csm.models import ActivityLog
from csm.tenancy import activate
from tests.conftest import client_for
from tests.matrix import Case, check, path_of, request

W = "/{org}/settings/workspace"
ITEM = (("objective", "Prepare"), ("title", "Usage review"), ("offset_days", "10"), ("owner_side", "us"))

CASES = [
    Case("accounts:settings_tiers", "get", f"{W}/tiers/", 403, 403, 200),
    Case("accounts:settings_tier_add", "post", f"{W}/tiers/add/", 403, 403, 302, (("name", "Premium"),)),
    Case("accounts:settings_tier_edit", "get", f"{W}/tiers/{{tier}}/edit/", 403, 403, 200),
    Case("accounts:settings_tier_edit", "post", f"{W}/tiers/{{tier}}/edit/", 403, 403, 302, (("name", "Digital"),)),
    Case("accounts:settings_tier_move", "post", f"{W}/tiers/{{tier}}/move/", 403, 403, 302, (("direction", "down"),)),
    # The world's tier is in use: the delete is refused with a message.
    Case("accounts:settings_tier_delete", "post", f"{W}/tiers/{{tier}}/delete/", 403, 403, 302),
    Case("accounts:settings_stages", "get", f"{W}/stages/", 403, 403, 200),
    Case("accounts:settings_stage_add", "post", f"{W}/stages/add/", 403, 403, 302,
         (("name", "Expansion"), ("category", "mature"))),
    Case("accounts:settings_stage_edit", "get", f"{W}/stages/{{stage}}/edit/", 403, 403, 200),
    Case("accounts:settings_stage_edit", "post", f"{W}/stages/{{stage}}/edit/", 403, 403, 302,
         (("name", "Free trial"), ("category", "trial"))),
    Case("accounts:settings_stage_move", "post", f"{W}/stages/{{stage}}/move/", 403, 403, 302,
         (("direction", "down"),)),
    Case("accounts:settings_stage_delete", "post", f"{W}/stages/{{stage}}/delete/", 403, 403, 302),
    Case("accounts:settings_fields", "get", f"{W}/fields/", 403, 403, 200),
    Case("accounts:settings_field_add", "post", f"{W}/fields/add/", 403, 403, 302,
         (("label", "Industry"), ("field_type", "text"))),
    Case("accounts:settings_field_edit", "get", f"{W}/fields/{{field}}/edit/", 403, 403, 200),
    Case("accounts:settings_field_edit", "post", f"{W}/fields/{{field}}/edit/", 403, 403, 302,
         (("label", "Sales region"), ("field_type", "text"))),
    Case("accounts:settings_field_move", "post", f"{W}/fields/{{field}}/move/", 403, 403, 302,
         (("direction", "up"),)),
    Case("accounts:settings_field_delete", "get", f"{W}/fields/{{field}}/delete/", 403, 403, 200),
    Case("accounts:settings_field_delete", "post", f"{W}/fields/{{field}}/delete/", 403, 403, 302),
    Case("accounts:settings_templates", "get", f"{W}/plan-templates/", 403, 403, 200),
    Case("accounts:settings_template_add", "post", f"{W}/plan-templates/add/", 403, 403, 302,
         (("name", "QBR prep"), ("description", ""))),
    Case("accounts:settings_template", "get", f"{W}/plan-templates/{{template}}/", 403, 403, 200),
    Case("accounts:settings_template", "post", f"{W}/plan-templates/{{template}}/", 403, 403, 302,
         (("name", "Onboarding"), ("description", "First 90 days"))),
    Case("accounts:settings_template_delete", "post", f"{W}/plan-templates/{{template}}/delete/", 403, 403, 302),
    Case("accounts:settings_template_item_add", "post", f"{W}/plan-templates/{{template}}/milestones/add/",
         403, 403, 302, ITEM),
    Case("accounts:settings_template_item_edit", "get", f"{W}/plan-templates/milestones/{{template_item}}/edit/",
         403, 403, 200),
    Case("accounts:settings_template_item_edit", "post", f"{W}/plan-templates/milestones/{{template_item}}/edit/",
         403, 403, 302, ITEM),
    Case("accounts:settings_template_item_move", "post", f"{W}/plan-templates/milestones/{{template_item}}/move/",
         403, 403, 302, (("direction", "down"),)),
    Case("accounts:settings_template_item_delete", "post",
         f"{W}/plan-templates/milestones/{{template_item}}/delete/", 403, 403, 302),
]  # fmt: skip

POST_CASES = [case for case in CASES if case.method == "post"]
ID_CASES = [case for case in CASES if case.has_ids]


def _case_id(case: Case) -> str:
    return f"{case.name}-{case.method}"


def settings_snapshot() -> dict[str, Any]:
    """Everything the settings pages can change, in the active organization."""
    return {
        "tiers": list(Tier.objects.order_by("pk").values_list("pk", "name", "position")),
        "stages": list(LifecycleStage.objects.order_by("pk").values_list("pk", "name", "category", "position")),
        "fields": list(
            CustomField.objects.order_by("pk").values_list("pk", "label", "field_type", "choices", "position")
        ),
        "templates": list(PlanTemplate.objects.order_by("pk").values_list("pk", "name", "description")),
        "items": list(
            PlanTemplateItem.objects.order_by("pk").values_list("pk", "objective", "title", "offset_days", "position")
        ),
        "log": ActivityLog.objects.count(),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_role_matrix(case, world, admin, manager, csm, outsider):
    check(case, world["alpha"], csm=csm, manager=manager, admin=admin, outsider=outsider)


@pytest.mark.django_db
def test_csms_and_managers_change_nothing_in_the_settings(world, csm, manager, org_a):
    with activate(org_a):
        before = settings_snapshot()
    for persona in (csm, manager):
        client = client_for(persona)
        for case in POST_CASES:
            path = path_of(case, "alpha", world["alpha"])
            assert request(client, case, path, ids=world["alpha"]).status_code == 403, path
            assert client.post(path, dict(case.data), headers={"HX-Request": "true"}).status_code == 403, path
    with activate(org_a):
        assert settings_snapshot() == before


@pytest.mark.django_db
def test_post_only_settings_urls_refuse_get_for_everyone(world, csm, admin):
    for case in POST_CASES:
        if any(c.name == case.name and c.method == "get" for c in CASES):
            continue
        path = path_of(case, "alpha", world["alpha"])
        for persona in (csm, admin):
            assert client_for(persona).get(path).status_code == 405, path


@pytest.mark.django_db
@pytest.mark.parametrize("case", ID_CASES, ids=_case_id)
def test_another_organizations_ids_answer_404_and_change_nothing(case, world, admin, org_b):
    with activate(org_b):
        before = settings_snapshot()
    path = path_of(case, "alpha", world["beta"])
    assert request(client_for(admin), case, path, ids=world["beta"]).status_code == 404
    with activate(org_b):
        assert settings_snapshot() == before
