"""The header's quick search (accounts/views/search.py) and the accounts list's filter line (issue 8, item 12): an
account is found by name, domain, external id or contact email from any page, within the organization only, in a
constant number of queries; the rare filters wait behind "More filters" unless one is in use."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.forms.filters import COMMON_FILTERS, RARE_FILTERS, AccountFilterForm
from accounts.models import LifecycleStage, StageCategory
from accounts.selectors.accounts import QUICK_SEARCH_LIMIT
from csm.tenancy import activate
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
URL = "/alpha/accounts/quick-search/"


def found(response) -> list[str]:
    """The account names the dropdown links to, in order."""
    assert response.status_code == 200
    return [hit.name for hit in response.context["found"].hits]


@pytest.fixture
def book(in_org_a, csm, manager):
    zephyr = AccountFactory(name="Zephyr Freight", domains="zephyr.example zf.example", owner=manager)
    AccountFactory(name="Acme Robotics", domains="acme.io", external_id="CRM-0042", owner=csm)
    ContactFactory(account=zephyr, name="Pat Long", email="pat.long@zephyr-mail.example")
    return zephyr


@pytest.mark.parametrize(
    ("q", "expected", "detail"),
    [
        ("zephyr", "Zephyr Freight", "zephyr.example"),  # the name
        ("ZEPH", "Zephyr Freight", "zephyr.example"),  # in any case
        ("zf.example", "Zephyr Freight", "zephyr.example"),  # a second domain
        ("acme.io", "Acme Robotics", "acme.io"),
        ("CRM-0042", "Acme Robotics", "ID CRM-0042"),  # the CRM's id, pasted whole
        ("pat.long@zephyr-mail", "Zephyr Freight", "pat.long@zephyr-mail.example"),  # a contact's address
    ],
)
def test_finds_an_account_by_name_domain_external_id_or_contact_email(book, csm_client, q, expected, detail):
    response = csm_client.get(URL, {"q": q}, headers=HTMX)
    assert found(response) == [expected]
    hit = response.context["found"].hits[0]
    assert hit.detail == detail
    content = response.content.decode()
    assert f'href="/alpha/accounts/{hit.pk}/"' in content  # the 360
    assert "1 account found" in content


def test_the_dropdown_links_to_all_results_in_the_list(book, csm_client):
    content = csm_client.get(URL, {"q": "pat.long@zephyr"}, headers=HTMX).content.decode()
    assert 'href="/alpha/accounts/?q=pat.long%40zephyr&amp;owner=any">See all results</a>' in content
    # The list finds the same account there, whoever owns it.
    listed = csm_client.get("/alpha/accounts/", {"q": "pat.long@zephyr", "owner": "any"})
    assert [row.name for row in listed.context["page"].object_list] == ["Zephyr Freight"]


def test_names_that_start_with_the_text_come_first_and_at_most_eight_show(in_org_a, csm_client):
    for i in range(QUICK_SEARCH_LIMIT + 3):
        AccountFactory(name=f"Big Northwind {i:02d}")
    AccountFactory(name="Northwind Traders")
    response = csm_client.get(URL, {"q": "northwind"}, headers=HTMX)
    names = found(response)
    assert len(names) == QUICK_SEARCH_LIMIT and names[0] == "Northwind Traders"
    assert response.context["found"].more
    assert f"More than {QUICK_SEARCH_LIMIT} accounts found" in response.content.decode()


def test_a_churned_account_is_found_and_says_so(in_org_a, csm_client):
    churned = LifecycleStage.objects.get(category=StageCategory.CHURNED)
    AccountFactory(name="Gone Ltd", stage=churned)
    response = csm_client.get(URL, {"q": "gone"}, headers=HTMX)
    assert found(response) == ["Gone Ltd"]
    assert "Churned" in response.content.decode()


def test_another_organizations_accounts_never_appear(book, csm_client, org_b):
    with activate(org_b):
        other = AccountFactory(organization=org_b, name="Zephyr Beta", domains="zephyr-beta.example")
        ContactFactory(organization=org_b, account=other, email="pat.long@zephyr-beta.example")
    for q in ("zephyr", "zephyr-beta.example", "pat.long@"):
        response = csm_client.get(URL, {"q": q}, headers=HTMX)
        assert "Zephyr Beta" not in found(response), q
        assert "Zephyr Beta" not in response.content.decode(), q


def test_an_outsider_gets_404(book, outsider_client):
    assert outsider_client.get(URL, {"q": "zephyr"}, headers=HTMX).status_code == 404


def test_the_query_count_stays_the_same_whatever_the_number_of_accounts(in_org_a, csm_client):
    def fill(n: int) -> None:
        for account in AccountFactory.create_batch(n, name="Match Corp", mrr=Decimal(10)):
            ContactFactory(account=account, email=f"someone{account.pk}@match.example")

    fill(2)
    csm_client.get(URL, {"q": "match"}, headers=HTMX)  # warm the session and caches
    counts = {}
    for size, q in (("small", "match"), ("small email", "@match.example")):
        with CaptureQueriesContext(connection) as queries:
            assert csm_client.get(URL, {"q": q}, headers=HTMX).status_code == 200
        counts[size] = len(queries)
    fill(30)
    for size, q in (("large", "match"), ("large email", "@match.example")):
        with CaptureQueriesContext(connection) as queries:
            assert csm_client.get(URL, {"q": q}, headers=HTMX).status_code == 200
        counts[size] = len(queries)
        # The accounts, with the matching address beside each, are one query.
        assert sum("accounts_account" in query["sql"] for query in queries.captured_queries) == 1
    assert counts["large"] == counts["small"] and counts["large email"] == counts["small email"], counts


@pytest.mark.parametrize(
    "q",
    ["", " ", "z", "%", "_", "\\", "'; select 1; --", "<script>alert(1)</script>", "\x00", "a" * 201, "a" * 5000,
     "é@", "@", "١٢٣", "%_%", "zephyr\x00"],
)  # fmt: skip
def test_odd_text_never_fails(book, csm_client, q):
    response = csm_client.get(URL, {"q": q}, headers=HTMX)
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


def test_under_two_characters_finds_nothing(book, csm_client):
    response = csm_client.get(URL, {"q": "z"}, headers=HTMX)
    assert found(response) == []
    assert "See all results" not in response.content.decode()


def test_without_htmx_the_address_sends_to_the_list(book, csm_client):
    response = csm_client.get(URL, {"q": "zephyr"})
    assert response.status_code == 302
    assert response["Location"] == "/alpha/accounts/?q=zephyr&owner=any"


def test_wrong_method_is_refused(book, csm_client):
    assert csm_client.post(URL, {"q": "zephyr"}, headers=HTMX).status_code == 405


# -- The box in the header ------------------------------------------------------------------------------------


def _quick_search_form(content: str) -> str:
    match = re.search(r'<form class="quick-search".*?</form>', content, re.S)
    assert match, "no quick search in the header"
    return match.group(0)


@pytest.mark.parametrize("path", ["/alpha/", "/alpha/tasks/", "/alpha/tickets/", "/alpha/board/?owner=any"])
def test_every_page_has_the_box_and_without_javascript_it_goes_to_the_list(book, csm_client, path):
    form = _quick_search_form(csm_client.get(path).content.decode())
    assert 'method="get" action="/alpha/accounts/"' in form and 'role="search"' in form
    assert '<label for="quick-search-q" class="visually-hidden">Find an account</label>' in form
    assert 'name="q"' in form and '<input type="hidden" name="owner" value="any">' in form
    assert 'hx-get="/alpha/accounts/quick-search/"' in form
    # What the form sends, followed without JavaScript: the list, every owner, the account in it.
    listed = csm_client.get("/alpha/accounts/", {"q": "zephyr", "owner": "any"})
    assert [row.name for row in listed.context["page"].object_list] == ["Zephyr Freight"]


def test_pages_outside_an_organization_have_no_box(book, csm_client):
    assert 'class="quick-search"' not in csm_client.get("/profile/").content.decode()


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
