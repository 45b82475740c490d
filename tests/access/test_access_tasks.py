"""Role matrix of the tasks page and its actions; another organization's task ids answer 404 and change nothing."""

from __future__ import annotations

import pytest

from accounts.models import Task, TaskStatus
from csm.tenancy import activate
from tests.conftest import client_for
from tests.matrix import Case, check, path_of, request

# The world's task is assigned to the CSM, so all three roles may act on it (a CSM on someone else's task: 403,
# see test_tasks.py).
CASES = [
    Case("accounts:tasks", "get", "/{org}/tasks/", 200, 200, 200),
    Case("accounts:task_create", "post", "/{org}/tasks/new/", 302, 302, 302,
         (("title", "Send the QBR deck"), ("priority", "normal"))),
    Case("accounts:task_account_options", "get", "/{org}/tasks/account-options/", 200, 200, 200,
         (("account", "Cust"),)),
    Case("accounts:task_complete", "post", "/{org}/tasks/{task}/complete/", 302, 302, 302),
    Case("accounts:task_snooze", "post", "/{org}/tasks/{task}/snooze/", 302, 302, 302, (("preset", "tomorrow"),)),
    Case("accounts:task_reopen", "post", "/{org}/tasks/{task}/reopen/", 302, 302, 302),
    Case("accounts:task_unsnooze", "post", "/{org}/tasks/{task}/unsnooze/", 302, 302, 302, (("due_date", ""),)),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_role_matrix(case, world, admin, manager, csm, outsider):
    check(case, world["alpha"], csm=csm, manager=manager, admin=admin, outsider=outsider)


ID_CASES = [case for case in CASES if case.has_ids]


@pytest.mark.django_db
@pytest.mark.parametrize("case", ID_CASES, ids=lambda c: c.name)
def test_another_organizations_task_answers_404_and_changes_nothing(case, world, admin, manager, org_b):
    for persona in (admin, manager):
        response = request(client_for(persona), case, path_of(case, "alpha", world["beta"]), ids=world["beta"])
        assert response.status_code == 404
    with activate(org_b):
        task = Task.objects.get(pk=world["beta"]["task"])
        assert task.status == TaskStatus.OPEN and task.snoozed_until is None and task.completed_at is None


@pytest.mark.django_db
def test_the_account_suggestions_never_show_another_organizations_accounts(world, admin, org_b):
    with activate(org_b):
        from accounts.models import Account

        name = Account.objects.get(pk=world["beta"]["account"]).name
    response = client_for(admin).get("/alpha/tasks/account-options/", {"account": name})
    assert f"(#{world['beta']['account']})" not in response.content.decode()
