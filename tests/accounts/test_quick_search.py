"""The accounts list's filter line (issue 8, item 12): the everyday filters on one line with the search, the rare
ones behind "More filters", closed unless one of them is in use."""

from __future__ import annotations

import re

import pytest

from accounts.forms.filters import COMMON_FILTERS, RARE_FILTERS, AccountFilterForm
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def book(in_org_a, csm, manager):
    return AccountFactory(name="Zephyr Freight", domains="zephyr.example zf.example", owner=manager)


# -- The list's filter line ------------------------------------------------------------------------------------


def test_every_filter_is_either_common_or_rare():
    assert sorted(COMMON_FILTERS + RARE_FILTERS) == sorted(AccountFilterForm.base_fields)


def _more_filters(content: str) -> str:
    match = re.search(r'<details class="more-filters"[^>]*>\s*<summary>(.*?)</summary>(.*?)</details>', content, re.S)
    assert match, "no More filters"
    return match.group(0)


def test_the_rare_filters_wait_closed_behind_more_filters(book, manager_client):
    content = manager_client.get("/alpha/accounts/?owner=any&stage=&churned=no").content.decode()
    details = _more_filters(content)
    assert details.startswith('<details class="more-filters">')  # closed
    assert re.search(r"<summary>More filters<span id=\"more-filters-count\"></span></summary>", details)
    for name in RARE_FILTERS:
        assert f'name="{name}"' in details, name
    for name in ("owner", "stage", "churned"):
        assert f'name="{name}"' not in details and f'name="{name}"' in content, name


@pytest.mark.parametrize(
    ("query", "count"),
    [("band=at_risk", 1), ("tag=vip&mrr_min=10", 2), ("mrr_min=abc", 1), ("segment=999999", 1)],
)
def test_a_rare_filter_in_use_opens_more_filters_and_counts_it(book, manager_client, query, count):
    content = manager_client.get(f"/alpha/accounts/?owner=any&{query}").content.decode()
    details = _more_filters(content)
    assert details.startswith('<details class="more-filters" open>')
    assert f'More filters<span id="more-filters-count"> ({count} active)</span>' in details
    if "abc" in query or "999999" in query:
        # A refused value shows its error beside its field, in view.
        assert 'class="errors" role="alert"' in details


def test_an_htmx_filter_change_updates_the_count_of_rare_filters(book, manager_client):
    content = manager_client.get("/alpha/accounts/?owner=any&band=at_risk", headers=HTMX).content.decode()
    assert '<span id="more-filters-count" hx-swap-oob="true"> (1 active)</span>' in content
    assert "<details" not in content.split('id="results"', 1)[0]
