"""A churned account says so everywhere: its 360 shows the churn instead of health and renewal, its open tasks are
offered for closing, and its MRR is out of the book's figures (the start page's rule)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils.timezone import localdate

from accounts.models import HealthBand, LifecycleStage, StageCategory, Task, TaskStatus
from accounts.selectors.tasks import GROUP_KEYS, Whose, open_groups
from accounts.services.accounts import change_stage
from csm.models import ActivityLog
from tests.factories import AccountFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _churned_stage() -> LifecycleStage:
    return LifecycleStage.objects.get(category=StageCategory.CHURNED)


def test_the_360_of_a_churned_account_shows_the_churn_not_health_or_renewal(in_org_a, csm, csm_client):
    account = AccountFactory(
        owner=csm, mrr=Decimal(900), health_band=HealthBand.HEALTHY, health_score=80,
        renewal_date=localdate() + timedelta(days=336),
    )  # fmt: skip
    change_stage(actor=csm, account=account, stage=_churned_stage(), churn_reason="Moved to a competitor")
    page = csm_client.get(f"/alpha/accounts/{account.pk}/").content.decode()
    start = page.index('id="account-head"')
    head = page[start : page.index("</header>", start)]
    assert "Healthy" not in head and "Renews in" not in head and "336" not in head
    assert "Churned" in head and "Moved to a competitor" in head and "MRR at churn" in head


def test_a_churned_accounts_open_tasks_are_offered_for_closing(in_org_a, csm, csm_client):
    account = AccountFactory(owner=csm)
    open_task = TaskFactory(account=account, assignee=csm, title="QBR deck")
    snoozed = TaskFactory(account=account, assignee=csm, status=TaskStatus.SNOOZED, title="Call back")
    done = TaskFactory(account=account, assignee=csm, status=TaskStatus.DONE, title="Old")
    other = TaskFactory(assignee=csm, title="Another account's")
    path = f"/alpha/accounts/{account.pk}/tasks/close/"
    refused = csm_client.post(path, follow=True)
    assert "Only a churned account" in refused.content.decode()
    assert Task.objects.get(pk=open_task.pk).status == TaskStatus.OPEN

    change_stage(actor=csm, account=account, stage=_churned_stage(), churn_reason="Budget")
    page = csm_client.get(f"/alpha/accounts/{account.pk}/").content.decode()
    assert "2 open tasks still on their assignees" in page.replace("&#x27;", "'") and f'action="{path}"' in page
    response = csm_client.post(path, follow=True)
    assert "2 open tasks of" in response.content.decode()
    assert {t.pk: t.status for t in Task.objects.filter(account=account)} == {
        open_task.pk: TaskStatus.DONE,
        snoozed.pk: TaskStatus.DONE,
        done.pk: TaskStatus.DONE,
    }
    assert Task.objects.get(pk=other.pk).status == TaskStatus.OPEN
    entries = ActivityLog.objects.filter(verb="task.completed", about_id=account.pk)
    assert entries.count() == 2 and all(e.data == {"reason": "The account churned."} for e in entries)
    groups = open_groups(Whose(csm), today=localdate(), limits=dict.fromkeys(GROUP_KEYS, 25))
    assert [task.title for group in groups for task in group.tasks] == ["Another account's"]
    assert "still on their assignees" not in csm_client.get(f"/alpha/accounts/{account.pk}/").content.decode()


def test_the_boards_churned_column_adds_no_mrr(in_org_a, csm, csm_client):
    churned = AccountFactory(owner=csm, mrr=Decimal(900), stage=_churned_stage(), churn_reason="Budget")
    live = AccountFactory(owner=csm, mrr=Decimal(250))
    page = csm_client.get("/alpha/board/?owner=any").content.decode()
    column = page[page.index(f'data-stage="{churned.stage_id}"') :]
    head = column[: column.index("</header>")]
    assert "out of the book" in head and "900" not in head and "MRR" not in head
    live_column = page[page.index(f'data-stage="{live.stage_id}"') :]
    assert "250" in live_column[: live_column.index("</header>")]
