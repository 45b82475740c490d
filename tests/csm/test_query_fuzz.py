"""Every page that reads its query string survives any query string: a bad cursor, a page past the end, a number too
large for the database, text where a date goes. It answers with the page (the bad value ignored or reported in its
form) or a 4xx, never a 500."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.services.notes import add_note
from csm.tenancy import activate
from tests.conftest import client_for
from tests.factories import AccountFactory, TaskFactory, TicketFactory

PAGES = [
    "/alpha/",
    "/alpha/accounts/",
    "/alpha/accounts/export.csv",
    "/alpha/accounts/quick-search/",
    "/alpha/accounts/{account}/",
    "/alpha/board/",
    "/alpha/tasks/",
    "/alpha/tasks/account-options/",
    "/alpha/tickets/",
    "/alpha/tickets/board/",
    "/alpha/settings/activity/",
    "/alpha/settings/emails/",
    "/alpha/settings/members/",
    "/alpha/dashboards/",
]

# The parameters the pages read, and a few they do not.
NAMES = [
    "before", "page", "sort", "q", "owner", "tier", "stage", "segment", "tag", "band", "renewal_days", "mrr_min",
    "mrr_max", "book", "assignee", "overdue", "today", "upcoming", "status", "priority", "actor", "verb", "user",
    "kind", "account", "period", "start", "end", "csm", "columns", "more", "x",
]  # fmt: skip

HOSTILE = [
    "999999999999999999_1", "999999999999999999999999_1", "1_999999999999999999999", "_", "0_0", "-1_-1",
    "9223372036854775808", "-9223372036854775809", "1e309", "NaN", "inf", "-0", "0", "-1", "2027-02-30", "31/12/2027",
    "me", "unassigned", "\x00", "é", "١٢٣", "'; select 1; --", "<script>", " ", "%", "a" * 300,
]  # fmt: skip

values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20), st.integers().map(str))
queries = st.lists(st.tuples(st.sampled_from(NAMES), values), min_size=1, max_size=5)


@pytest.fixture
def pages(org_a, admin, csm) -> dict[str, Any]:
    with activate(org_a):
        account = AccountFactory(organization=org_a, owner=csm)
        TaskFactory(organization=org_a, account=account, assignee=admin)
        TicketFactory(organization=org_a, account=account)
        add_note(actor=admin, account=account, body="Kick-off call.")
    return {"account": account.pk}


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.sampled_from(PAGES), query=queries, htmx=st.booleans())
def test_no_query_string_makes_a_page_fail(pages, admin, page, query, htmx):
    client = client_for(admin)
    path = page.format(**pages) + "?" + urlencode(query)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(path, headers=headers)
    assert response.status_code < 500, path


@pytest.mark.django_db
@pytest.mark.parametrize("before", ["999999999999999999_1", "1_99999999999999999999", "٣_1", "x"])
def test_a_bad_cursor_shows_the_first_page(pages, admin, before):
    for path in (f"/alpha/accounts/{pages['account']}/", "/alpha/settings/activity/"):
        response = client_for(admin).get(path, {"before": before})
        assert response.status_code == 200, path
    response = client_for(admin).get(f"/alpha/accounts/{pages['account']}/", {"before": before})
    assert b"Kick-off call." in response.content
