"""Reads of the pipeline board: accounts as cards in one column per lifecycle stage.

The board costs three queries whatever the size of the book: the stages, one grouped query for every column's
count and summed MRR (read from an index alone), and one query for the cards: the first `CARD_LIMIT` of each column
(soonest renewal first, then by name), each a bounded walk of the (organization, stage, renewal, name) index, with
the columns a card shows only.

A column with more accounts scrolls in its own box and ends with "Show more": the column's next `CARD_LIMIT` cards
(`column_page`, two queries: its count and one bounded walk of the same index), up to `CARD_MAX` cards on the board;
past that the accounts list, filtered by the stage, has them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import Lower

from accounts.models import Account, LifecycleStage
from csm.selectors import first_of_each

CARD_LIMIT = 12  # cards of a column at first, and added by each "Show more"
CARD_MAX = 240  # the most cards a column shows on the board (each "Show more" walks the index this far at most)
# What a card shows (accounts/rows.py): the cards read these columns only.
CARD_FIELDS = (
    "name", "stage_id", "owner_id", "tier_id", "mrr", "renewal_date", "health_score", "health_band",
    "owner__full_name", "owner__email", "tier__name",
)  # fmt: skip
NO_OWNER = "none"
NO_STAGE = "none"  # the key of the column of the accounts without a stage


@dataclass
class BoardColumn:
    """One column: a stage (None for the accounts that have none), its totals and its cards: the first ones, or for
    a "Show more" the next ones, after the first `offset`."""

    stage: LifecycleStage | None
    count: int = 0
    mrr: Decimal = Decimal(0)
    cards: list[Account] = field(default_factory=list)
    offset: int = 0

    @property
    def key(self) -> str:
        return str(self.stage.pk) if self.stage is not None else NO_STAGE

    @property
    def name(self) -> str:
        return self.stage.name if self.stage is not None else "No stage"

    @property
    def shown(self) -> int:
        """How many of the column's cards are on the board with these."""
        return self.offset + len(self.cards)

    @property
    def more(self) -> int:
        return max(0, self.count - self.shown)

    @property
    def can_show_more(self) -> bool:
        """Whether "Show more" adds cards (the board stops at `CARD_MAX`: the accounts list has the rest)."""
        return self.more > 0 and self.shown < CARD_MAX

    @property
    def next_size(self) -> int:
        """How many cards the column shows after its next "Show more"."""
        return min(self.shown + CARD_LIMIT, CARD_MAX)


def board_accounts(*, owner: int | str | None = None, tier_id: int | None = None) -> QuerySet[Account]:
    """The accounts on the board: all of the organization's, or one owner's (`"none"`: no owner), or one tier's."""
    accounts = Account.objects.all()
    if owner == NO_OWNER:
        accounts = accounts.filter(owner__isnull=True)
    elif owner is not None:
        accounts = accounts.filter(owner_id=int(owner))
    if tier_id is not None:
        accounts = accounts.filter(tier_id=tier_id)
    return accounts


def card_limit(wanted: int | None) -> int:
    """How many cards a column shows when `wanted` are asked for: whole pages of `CARD_LIMIT`, at most `CARD_MAX`."""
    if not wanted or wanted < CARD_LIMIT:
        return CARD_LIMIT
    return min(CARD_MAX, -(-wanted // CARD_LIMIT) * CARD_LIMIT)


def _cards(accounts: QuerySet[Account]) -> QuerySet[Account]:
    """The cards in the board's order (soonest renewal first, then by name): the order of the (organization, stage,
    renewal date, lower(name), id) index, which a column's walk reads."""
    ordering: list[Any] = [F("renewal_date").asc(nulls_last=True), Lower("name"), "id"]
    return accounts.select_related("owner", "tier").only(*CARD_FIELDS).order_by(*ordering)


def board_stages() -> list[LifecycleStage]:
    return list(LifecycleStage.objects.order_by("position", "name"))


def board_columns(
    *,
    owner: int | str | None = None,
    tier_id: int | None = None,
    limit: int = CARD_LIMIT,
    limits: dict[int | None, int] | None = None,
) -> list[BoardColumn]:
    """The columns in stage order, then "No stage" when some account (among the filtered ones) has none. Each shows
    its first `limit` cards, or `limits[stage id]` (None: no stage) for a column shown longer."""
    stages = board_stages()
    accounts = board_accounts(owner=owner, tier_id=tier_id)
    columns: dict[int | None, BoardColumn] = {stage.pk: BoardColumn(stage) for stage in stages}

    totals = accounts.order_by().values("stage_id").annotate(count=Count("id"), mrr=Sum("mrr"))
    for row in totals:
        column = columns.setdefault(row["stage_id"], BoardColumn(None))
        column.count, column.mrr = row["count"], row["mrr"] or Decimal(0)

    # The first cards of each column: one bounded walk of the (organization, stage, renewal date) index per
    # column, in one query (csm.selectors.first_of_each), whatever the number of accounts.
    cards_of = _cards(accounts)
    sizes = limits or {}
    parts = [
        cards_of.filter(stage_id=stage_id)[: sizes.get(stage_id, limit)] for stage_id in columns if stage_id is not None
    ]
    if None in columns:
        parts.append(cards_of.filter(stage__isnull=True)[: sizes.get(None, limit)])
    cards = sorted(
        first_of_each(parts),
        key=lambda account: (account.renewal_date is None, account.renewal_date, account.name.lower(), account.pk),
    )
    for account in cards:
        # setdefault: an account may have been added between the two queries.
        columns.setdefault(account.stage_id, BoardColumn(None)).cards.append(account)

    ordered = [columns[stage.pk] for stage in stages]
    if None in columns:
        ordered.append(columns[None])
    return ordered


def column_page(
    stage: LifecycleStage | None, *, owner: int | str | None = None, tier_id: int | None = None, size: int
) -> BoardColumn:
    """A column's "Show more": its count and the cards that a column of `size` cards (`card_limit`) adds to one of a
    page fewer. Two queries: the count (read from an index alone) and one bounded walk of the board's index."""
    accounts = board_accounts(owner=owner, tier_id=tier_id)
    accounts = accounts.filter(stage=stage) if stage is not None else accounts.filter(stage__isnull=True)
    offset = size - CARD_LIMIT
    return BoardColumn(
        stage,
        count=accounts.order_by().count(),
        cards=list(_cards(accounts)[offset:size]),
        offset=offset,
    )
