"""The pipeline board: columns, counts, sums and the card bound; a column's "Show more" with and without htmx;
filters; moving a card with and without htmx."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils.timezone import localdate

from accounts.models import Account, LifecycleStage, StageCategory, Tier
from accounts.selectors import board as selectors
from accounts.selectors.board import CARD_LIMIT
from csm.models import ActivityLog
from csm.tenancy import activate
from tests.conftest import count_queries
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def stage(category: str) -> LifecycleStage:
    found = LifecycleStage.objects.filter(category=category).first()
    assert found is not None
    return found


def column(response, name: str):
    return next(c for c in response.context["columns"] if c.name == name)


def test_the_board_has_a_column_per_stage_with_its_count_and_mrr(csm_client, org_a):
    with activate(org_a):
        AccountFactory(stage=stage("onboarding"), mrr=Decimal("100.50"))
        AccountFactory(stage=stage("onboarding"), mrr=Decimal("200"))
        AccountFactory(stage=stage("renewal"), mrr=Decimal("1000"))
        names = list(LifecycleStage.objects.order_by("position").values_list("name", flat=True))
    response = csm_client.get("/alpha/board/?owner=any")
    assert response.status_code == 200
    assert [c.name for c in response.context["columns"]] == names  # no "No stage" column: every account has one
    onboarding = column(response, "Onboarding")
    assert (onboarding.count, onboarding.mrr, len(onboarding.cards)) == (2, Decimal("300.50"), 2)
    assert column(response, "Renewal").count == 1
    assert column(response, "Trial").count == 0
    content = response.content.decode()
    currency = response.context["organization"].currency
    assert f"<span data-mrr>301</span> {currency} MRR" in content
    assert 'id="column-none"' not in content


def test_accounts_without_a_stage_get_their_own_column_at_the_end(csm_client, org_a):
    with activate(org_a):
        AccountFactory(stage=None, name="Stageless Inc", mrr=Decimal("70"))
    response = csm_client.get("/alpha/board/?owner=any")
    last = response.context["columns"][-1]
    assert (last.name, last.count, last.mrr) == ("No stage", 1, Decimal("70"))
    assert "Stageless Inc" in response.content.decode()


def test_a_column_shows_a_bounded_number_of_cards_soonest_renewal_first_and_offers_more(csm_client, org_a):
    today = localdate()
    with activate(org_a):
        adoption = stage("adoption")
        for i in range(CARD_LIMIT + 5):
            AccountFactory(stage=adoption, name=f"Acct {i:02d}", renewal_date=today + timedelta(days=100 - i))
        AccountFactory(stage=adoption, name="No renewal", renewal_date=None)
    response = csm_client.get("/alpha/board/?owner=any")
    adoption_column = column(response, "Adoption")
    assert adoption_column.count == CARD_LIMIT + 6
    assert len(adoption_column.cards) == CARD_LIMIT
    assert adoption_column.more == 6
    # Soonest renewal first; accounts without a renewal date last.
    soonest = [f"Acct {CARD_LIMIT + 5 - n:02d}" for n in (1, 2, 3)]  # the last made renew first
    assert [a.name for a in adoption_column.cards[:3]] == soonest
    assert "No renewal" not in [a.name for a in adoption_column.cards]
    # "Show more" at the end of the column: htmx asks for the column's next cards; without JavaScript, the link is
    # the board with that column a page longer.
    content = response.content.decode()
    more = content.split(f'<li class="board-more" id="more-{adoption.pk}">')[1].split("</li>")[0]
    assert f'href="/alpha/board/?owner=any&amp;column={adoption.pk}&amp;cards={2 * CARD_LIMIT}"' in more
    assert f'hx-get="/alpha/board/columns/{adoption.pk}/?owner=any&amp;cards={2 * CARD_LIMIT}"' in more
    assert 'hx-target="closest li" hx-swap="outerHTML"' in more and "(6 left)" in more
    assert 'id="more-' not in content.replace(f'id="more-{adoption.pk}"', "")  # the other columns have no more


def _adoption_book(org_a, n: int, **values):
    today = localdate()
    with activate(org_a):
        adoption = stage("adoption")
        for i in range(n):
            AccountFactory(stage=adoption, name=f"Acct {i:03d}", renewal_date=today + timedelta(days=i), **values)
    return adoption


def _card_names(content: str) -> list[str]:
    return [part.split("</a>")[0] for part in content.split('draggable="false">')[1:]]


def test_show_more_with_htmx_answers_the_columns_next_cards_only(csm_client, org_a):
    adoption = _adoption_book(org_a, 2 * CARD_LIMIT + 6)
    response = csm_client.get(f"/alpha/board/columns/{adoption.pk}/?owner=any&cards={2 * CARD_LIMIT}", headers=HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content and "<section" not in content and "board-empty" not in content
    assert _card_names(content) == [f"Acct {i:03d}" for i in range(CARD_LIMIT, 2 * CARD_LIMIT)]
    # The next "Show more" comes with them, in place of the one followed.
    assert content.count('class="board-more"') == 1 and "(6 left)" in content
    assert f'hx-get="/alpha/board/columns/{adoption.pk}/?owner=any&amp;cards={3 * CARD_LIMIT}"' in content
    # The new cards move like the others: their Move form keeps the board's filters.
    assert '<input type="hidden" name="owner" value="any">' in content and "data-board-move" in content

    last = csm_client.get(f"/alpha/board/columns/{adoption.pk}/?owner=any&cards={3 * CARD_LIMIT}", headers=HTMX)
    content = last.content.decode()
    assert _card_names(content) == [f"Acct {i:03d}" for i in range(2 * CARD_LIMIT, 2 * CARD_LIMIT + 6)]
    assert "board-more" not in content


def test_show_more_keeps_the_filters(csm_client, csm, manager, org_a):
    with activate(org_a):
        enterprise = Tier.objects.get(name="Enterprise")
    adoption = _adoption_book(org_a, CARD_LIMIT + 3, owner=csm, tier=enterprise)
    _adoption_book(org_a, 5, owner=manager, tier=enterprise)
    _adoption_book(org_a, 5, owner=csm, tier=None)
    board = csm_client.get(f"/alpha/board/?owner=me&tier={enterprise.pk}").content.decode()
    next_cards = f"/alpha/board/columns/{adoption.pk}/?owner=me&amp;tier={enterprise.pk}&amp;cards={2 * CARD_LIMIT}"
    assert f'hx-get="{next_cards}"' in board and "(3 left)" in board
    response = csm_client.get(next_cards.replace("&amp;", "&"), headers=HTMX)
    assert len(_card_names(response.content.decode())) == 3
    assert {a.owner_id for a in response.context["column"].cards} == {csm.pk}
    assert {a.tier_id for a in response.context["column"].cards} == {enterprise.pk}


def test_show_more_without_javascript_is_the_board_with_the_column_longer(csm_client, org_a):
    adoption = _adoption_book(org_a, 2 * CARD_LIMIT + 6)
    with activate(org_a):
        onboarding = stage("onboarding")
        for _ in range(CARD_LIMIT + 1):
            AccountFactory(stage=onboarding)
    response = csm_client.get(f"/alpha/board/?owner=any&column={adoption.pk}&cards={2 * CARD_LIMIT}")
    assert response.status_code == 200
    longer = column(response, "Adoption")
    assert [a.name for a in longer.cards] == [f"Acct {i:03d}" for i in range(2 * CARD_LIMIT)]
    assert len(column(response, "Onboarding").cards) == CARD_LIMIT  # the others keep their first page
    content = response.content.decode()
    assert f'href="/alpha/board/?owner=any&amp;column={adoption.pk}&amp;cards={3 * CARD_LIMIT}"' in content
    # A size between pages shows whole pages; one that does not parse shows the first page.
    assert len(column(csm_client.get(f"/alpha/board/?owner=any&column={adoption.pk}&cards=13"), "Adoption").cards) == (
        2 * CARD_LIMIT
    )
    for query in (f"column={adoption.pk}&cards=lots", "column=abc&cards=24", f"column={adoption.pk}&cards=-3"):
        assert len(column(csm_client.get(f"/alpha/board/?owner=any&{query}"), "Adoption").cards) == CARD_LIMIT
    # The column's own address, opened without htmx (a new tab), is that board.
    plain = csm_client.get(f"/alpha/board/columns/{adoption.pk}/?owner=any&cards={2 * CARD_LIMIT}")
    assert plain.status_code == 302
    assert plain["Location"] == f"/alpha/board/?owner=any&column={adoption.pk}&cards={2 * CARD_LIMIT}"


def test_the_no_stage_column_shows_more_too(csm_client, org_a):
    with activate(org_a):
        for i in range(CARD_LIMIT + 2):
            AccountFactory(stage=None, name=f"Stageless {i:02d}", renewal_date=localdate() + timedelta(days=i))
    content = csm_client.get("/alpha/board/?owner=any").content.decode()
    assert f'hx-get="/alpha/board/columns/none/?owner=any&amp;cards={2 * CARD_LIMIT}"' in content
    response = csm_client.get(f"/alpha/board/columns/none/?owner=any&cards={2 * CARD_LIMIT}", headers=HTMX)
    assert _card_names(response.content.decode()) == [f"Stageless {i:02d}" for i in (CARD_LIMIT, CARD_LIMIT + 1)]
    board = csm_client.get(f"/alpha/board/?owner=any&column=none&cards={2 * CARD_LIMIT}")
    assert len(column(board, "No stage").cards) == CARD_LIMIT + 2


def test_a_column_stops_at_its_maximum_and_points_to_the_accounts_list(csm_client, org_a, monkeypatch):
    monkeypatch.setattr(selectors, "CARD_MAX", 2 * CARD_LIMIT)
    adoption = _adoption_book(org_a, 2 * CARD_LIMIT + 4)
    board = csm_client.get(f"/alpha/board/?owner=any&column={adoption.pk}&cards={10 * CARD_LIMIT}")
    assert len(column(board, "Adoption").cards) == 2 * CARD_LIMIT
    content = board.content.decode()
    assert "Show more" not in content
    assert f'href="/alpha/accounts/?stage={adoption.pk}&amp;owner=any">4 more in the accounts list</a>' in content
    last = csm_client.get(f"/alpha/board/columns/{adoption.pk}/?owner=any&cards={10 * CARD_LIMIT}", headers=HTMX)
    content = last.content.decode()
    assert len(_card_names(content)) == CARD_LIMIT and "4 more in the accounts list" in content


def test_a_column_that_is_not_a_stage_of_the_organization_is_not_found(csm_client, org_a):
    for column_key in ("abc", "999999", "-1", "none1"):
        assert csm_client.get(f"/alpha/board/columns/{column_key}/?owner=any", headers=HTMX).status_code == 404


def test_cards_show_name_link_owner_mrr_renewal_and_health(csm_client, csm, org_a):
    with activate(org_a):
        account = AccountFactory(
            name="Globex", owner=csm, mrr=Decimal("1234"), health_band="at_risk", renewal_date=localdate()
        )
    content = csm_client.get("/alpha/board/?owner=any").content.decode()
    assert f'href="/alpha/accounts/{account.pk}/"' in content
    assert "Carol Csm" in content and "1,234 USD" in content and "At risk" in content
    assert f'datetime="{localdate():%Y-%m-%d}"' in content


def _grow(n: int, owner) -> None:
    stages = list(LifecycleStage.objects.all())
    for i in range(n):
        AccountFactory(stage=stages[i % len(stages)] if i % 7 else None, owner=owner if i % 2 else None)


def test_the_board_renders_in_a_constant_number_of_queries(csm_client, csm, org_a):
    n = 40  # several columns past their card bound at 3n
    with activate(org_a):
        _grow(n, csm)
    csm_client.get("/alpha/board/?owner=any")
    paths = ["/alpha/board/?owner=any", "/alpha/board/?owner=me", f"/alpha/board/?owner={csm.pk}&tier=1"]
    small = [count_queries(csm_client, path) for path in paths] + [
        count_queries(csm_client, "/alpha/board/?owner=any", headers=HTMX)
    ]
    with activate(org_a):
        _grow(2 * n, csm)
    large = [count_queries(csm_client, path) for path in paths] + [
        count_queries(csm_client, "/alpha/board/?owner=any", headers=HTMX)
    ]
    assert large == small
    # The shell's own queries, then members, tier (parse and render), stages, column totals, cards.
    assert max(small) <= 17, small


def test_show_more_costs_the_same_number_of_queries_whatever_the_number_of_accounts(csm_client, csm, org_a):
    with activate(org_a):
        adoption = stage("adoption")
    paths = [
        f"/alpha/board/columns/{adoption.pk}/?owner=any&cards={2 * CARD_LIMIT}",
        f"/alpha/board/columns/{adoption.pk}/?owner=me&cards={3 * CARD_LIMIT}",
        f"/alpha/board/columns/none/?owner=any&tier=1&cards={2 * CARD_LIMIT}",
    ]
    board = f"/alpha/board/?owner=any&column={adoption.pk}&cards={3 * CARD_LIMIT}"
    with activate(org_a):
        _grow(40, csm)
    csm_client.get(paths[0], headers=HTMX)
    small = [count_queries(csm_client, path, headers=HTMX) for path in paths] + [count_queries(csm_client, board)]
    with activate(org_a):
        _grow(120, csm)
        for _ in range(3 * CARD_LIMIT):
            AccountFactory(stage=adoption, owner=csm)
    large = [count_queries(csm_client, path, headers=HTMX) for path in paths] + [count_queries(csm_client, board)]
    assert large == small
    # The shell's own queries, then members, tier, stages, the column's count and its cards.
    assert max(small[:3]) <= 14, small


def test_the_board_filters_by_owner_and_tier(csm_client, csm, manager, org_a):
    with activate(org_a):
        enterprise = Tier.objects.get(name="Enterprise")
        AccountFactory(name="Mine Smb", owner=csm)
        AccountFactory(name="Mine Enterprise", owner=csm, tier=enterprise)
        AccountFactory(name="Marks", owner=manager)
        AccountFactory(name="Nobodys", owner=None)

    def names(query: str) -> set[str]:
        response = csm_client.get(f"/alpha/board/{query}")
        assert response.status_code == 200
        return {a.name for c in response.context["columns"] for a in c.cards}

    assert names("?owner=any") == {"Mine Smb", "Mine Enterprise", "Marks", "Nobodys"}
    assert names("?owner=me") == {"Mine Smb", "Mine Enterprise"}
    assert names(f"?owner={manager.pk}") == {"Marks"}
    assert names("?owner=none") == {"Nobodys"}
    assert names(f"?owner=me&tier={enterprise.pk}") == {"Mine Enterprise"}
    # What does not parse is ignored rather than emptying the board.
    assert names("?owner=999999&tier=abc") == names("?owner=any")


def test_the_filters_keep_the_more_link_and_the_move_forms_filtered(csm_client, csm, org_a):
    with activate(org_a):
        adoption = stage("adoption")
        for _ in range(CARD_LIMIT + 1):
            AccountFactory(stage=adoption, owner=csm)
    content = csm_client.get("/alpha/board/?owner=me").content.decode()
    assert f'href="/alpha/board/?owner=me&amp;column={adoption.pk}&amp;cards={2 * CARD_LIMIT}"' in content
    assert f'hx-get="/alpha/board/columns/{adoption.pk}/?owner=me&amp;cards={2 * CARD_LIMIT}"' in content
    assert '<input type="hidden" name="owner" value="me">' in content


def test_htmx_gets_only_the_columns(csm_client, org_a):
    with activate(org_a):
        AccountFactory(name="Partial Co")
    response = csm_client.get("/alpha/board/?owner=me", headers=HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="board-columns"' in content and "<html" not in content and "Board filters" not in content


def test_a_csm_moves_a_card_without_javascript(csm_client, csm, org_a):
    with activate(org_a):
        account = AccountFactory(name="Initech", stage=stage("onboarding"))
        target = stage("adoption")
    response = csm_client.post(
        "/alpha/board/move/", {"account": account.pk, "stage": target.pk, "owner": "me", "tier": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == "/alpha/board/?owner=me"
    with activate(org_a):
        assert Account.objects.get(pk=account.pk).stage == target
        entry = ActivityLog.objects.get(verb="account.stage_changed", about_id=account.pk)
        assert entry.actor_user == csm and entry.changes["stage"] == ["Onboarding", "Adoption"]
    page = csm_client.get(response["Location"])
    assert "Initech moved to Adoption." in page.content.decode()


def test_a_move_with_htmx_answers_with_the_updated_columns(csm_client, org_a):
    with activate(org_a):
        account = AccountFactory(stage=stage("onboarding"), mrr=Decimal("300"))
        AccountFactory(stage=stage("adoption"), mrr=Decimal("200"))
        target = stage("adoption")
    response = csm_client.post("/alpha/board/move/", {"account": account.pk, "stage": target.pk}, headers=HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="board-columns"' in content and "<html" not in content
    assert 'id="messages"' in content and "moved to Adoption" in content
    assert (column(response, "Adoption").count, column(response, "Adoption").mrr) == (2, Decimal("500"))
    assert column(response, "Onboarding").count == 0


def test_moving_to_a_churned_stage_without_javascript_asks_for_the_reason(csm_client, org_a):
    with activate(org_a):
        account = AccountFactory(name="Umbrella", stage=stage("renewal"))
        churned = stage("churned")
    response = csm_client.post("/alpha/board/move/", {"account": account.pk, "stage": churned.pk, "owner": "me"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Move Umbrella to Churned" in content and 'name="churn_reason"' in content
    assert '<input type="hidden" name="owner" value="me">' in content
    assert "Say why" not in content  # asked, not yet an error
    with activate(org_a):
        assert Account.objects.get(pk=account.pk).stage.category == StageCategory.RENEWAL
        assert not ActivityLog.objects.filter(verb="account.stage_changed").exists()

    empty = csm_client.post("/alpha/board/move/", {"account": account.pk, "stage": churned.pk, "churn_reason": " "})
    assert empty.status_code == 400 and "Say why the account churned." in empty.content.decode()

    done = csm_client.post(
        "/alpha/board/move/", {"account": account.pk, "stage": churned.pk, "churn_reason": "Bought a competitor"}
    )
    assert done.status_code == 302
    with activate(org_a):
        account.refresh_from_db()
        assert account.stage == churned
        assert (account.churn_reason, account.churn_date) == ("Bought a competitor", localdate())
        entry = ActivityLog.objects.get(verb="account.stage_changed", about_id=account.pk)
        assert entry.changes["churn_reason"] == ["", "Bought a competitor"]


def test_a_churn_date_is_taken_and_may_not_be_in_the_future(csm_client, org_a):
    with activate(org_a):
        account = AccountFactory(stage=stage("renewal"))
        churned = stage("churned")
    data = {"account": account.pk, "stage": churned.pk, "churn_reason": "Budget"}
    tomorrow = localdate() + timedelta(days=1)
    refused = csm_client.post("/alpha/board/move/", {**data, "churn_date": tomorrow.isoformat()})
    assert refused.status_code == 400 and "cannot be in the future" in refused.content.decode()
    last_week = localdate() - timedelta(days=7)
    assert csm_client.post("/alpha/board/move/", {**data, "churn_date": last_week.isoformat()}).status_code == 302
    with activate(org_a):
        assert Account.objects.get(pk=account.pk).churn_date == last_week


def test_a_churn_move_with_htmx_needs_the_reason_too(csm_client, org_a):
    with activate(org_a):
        account = AccountFactory(stage=stage("renewal"))
        churned = stage("churned")
    response = csm_client.post("/alpha/board/move/", {"account": account.pk, "stage": churned.pk}, headers=HTMX)
    assert response.status_code == 400
    assert "Say why the account churned." in response.content.decode()
    assert 'id="board-columns"' in response.content.decode()
    with activate(org_a):
        assert Account.objects.get(pk=account.pk).stage.category == StageCategory.RENEWAL

    ok = csm_client.post(
        "/alpha/board/move/",
        {"account": account.pk, "stage": churned.pk, "churn_reason": "Went out of business"},
        headers=HTMX,
    )
    assert ok.status_code == 200
    assert column(ok, "Churned").count == 1
    with activate(org_a):
        assert Account.objects.get(pk=account.pk).churn_reason == "Went out of business"


def test_leaving_the_churned_stage_clears_the_churn(csm_client, org_a):
    with activate(org_a):
        account = AccountFactory(stage=stage("churned"), churn_reason="Price", churn_date=localdate())
        adoption = stage("adoption")
    assert csm_client.post("/alpha/board/move/", {"account": account.pk, "stage": adoption.pk}).status_code == 302
    with activate(org_a):
        account.refresh_from_db()
        assert (account.stage, account.churn_reason, account.churn_date) == (adoption, "", None)


def test_moving_a_card_to_its_own_stage_changes_nothing(csm_client, org_a):
    with activate(org_a):
        account = AccountFactory(stage=stage("adoption"))
    response = csm_client.post("/alpha/board/move/", {"account": account.pk, "stage": account.stage_id}, follow=True)
    assert "is already in Adoption" in response.content.decode()
    with activate(org_a):
        assert not ActivityLog.objects.filter(verb="account.stage_changed").exists()


@pytest.mark.parametrize(
    "data", [{}, {"account": "x", "stage": "1"}, {"account": "1"}, {"stage": "1"}, {"account": "-3", "stage": "2"}]
)
def test_a_move_with_bad_input_is_refused(csm_client, org_a, data):
    response = csm_client.post("/alpha/board/move/", data)
    assert response.status_code == 400
    assert "Choose an account and the stage" in response.content.decode()
    htmx = csm_client.post("/alpha/board/move/", data, headers=HTMX)
    assert htmx.status_code == 400 and "<html" not in htmx.content.decode()


def test_another_organizations_account_or_stage_is_not_found(csm_client, org_a, org_b, outsider):
    with activate(org_b):
        theirs = AccountFactory(stage=stage("onboarding"))
        their_stage = stage("adoption")
    with activate(org_a):
        ours = AccountFactory(stage=stage("onboarding"))
        our_stage = stage("adoption")
    assert csm_client.post("/alpha/board/move/", {"account": theirs.pk, "stage": our_stage.pk}).status_code == 404
    assert csm_client.post("/alpha/board/move/", {"account": ours.pk, "stage": their_stage.pk}).status_code == 404
    with activate(org_b):
        assert Account.objects.get(pk=theirs.pk).stage.category == StageCategory.ONBOARDING
    with activate(org_a):
        assert Account.objects.get(pk=ours.pk).stage.category == StageCategory.ONBOARDING


def test_the_board_refuses_wrong_methods(csm_client):
    assert csm_client.get("/alpha/board/move/").status_code == 405
    assert csm_client.post("/alpha/board/").status_code == 405
    assert csm_client.post("/alpha/board/columns/none/", headers=HTMX).status_code == 405


def test_the_board_page_loads_its_own_assets_and_churn_dialog(csm_client, org_a):
    with activate(org_a):
        AccountFactory()
    content = csm_client.get("/alpha/board/?owner=any").content.decode()
    assert "/static/css/board" in content and "/static/js/board" in content
    assert '<dialog id="churn-dialog"' in content and "data-churned" in content
    assert "style=" not in content and "<script>" not in content


def test_the_churn_fields_are_ignored_for_a_stage_that_is_not_churned(csm_client, org_a):
    with activate(org_a):
        account = AccountFactory(stage=stage("onboarding"))
        adoption = stage("adoption")
    data = {"account": account.pk, "stage": adoption.pk, "churn_reason": "n/a", "churn_date": "not a date"}
    assert csm_client.post("/alpha/board/move/", data).status_code == 302
    with activate(org_a):
        account.refresh_from_db()
        assert (account.stage, account.churn_reason, account.churn_date) == (adoption, "", None)
