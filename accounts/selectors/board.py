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
from accounts.selectors.accounts import stages
from csm.prepared import prepared

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
    no_owner = owner == NO_OWNER
    return _filtered(int(owner) if owner is not None and not no_owner else None, tier_id, no_owner=no_owner)


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
    """The board's columns, in the stages' order (the prepared read every picker uses)."""
    return stages()


def _filtered(owner_id: int | None, tier_id: int | None, *, no_owner: bool) -> QuerySet[Account]:
    """The board's accounts from plain values (`board_accounts`, and the prepared queries): `no_owner`, or one
    owner's, or everyone's; one tier's or all."""
    accounts = Account.objects.all()
    if no_owner:
        accounts = accounts.filter(owner__isnull=True)
    elif owner_id is not None:
        accounts = accounts.filter(owner_id=owner_id)
    if tier_id is not None:
        accounts = accounts.filter(tier_id=tier_id)
    return accounts


@prepared
def _totals(owner_id: int | None, tier_id: int | None, *, no_owner: bool) -> QuerySet[Any]:
    accounts = _filtered(owner_id, tier_id, no_owner=no_owner)
    return accounts.order_by().values("stage_id").annotate(count=Count("id"), mrr=Sum("mrr"))


@prepared
def _first_cards(
    owner_id: int | None,
    tier_id: int | None,
    stage_ids: list[int],
    *,
    no_owner: bool,
    sizes: tuple[int, ...],
    no_stage: int,
) -> QuerySet[Account]:
    """The first cards of each column (`sizes`, in the order of `stage_ids`; `no_stage` for the accounts without a
    stage, 0 for none): one bounded walk of the board's index per column, in one UNION ALL."""
    cards_of = _cards(_filtered(owner_id, tier_id, no_owner=no_owner))
    parts = [cards_of.filter(stage_id=stage_id)[:size] for stage_id, size in zip(stage_ids, sizes, strict=True)]
    if no_stage:
        parts.append(cards_of.filter(stage__isnull=True)[:no_stage])
    return parts[0].union(*parts[1:], all=True)


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
    no_owner = owner == NO_OWNER
    owner_id = int(owner) if owner is not None and not no_owner else None
    columns: dict[int | None, BoardColumn] = {stage.pk: BoardColumn(stage) for stage in stages}

    for row in _totals(owner_id, tier_id, no_owner=no_owner):
        column = columns.setdefault(row["stage_id"], BoardColumn(None))
        column.count, column.mrr = row["count"], row["mrr"] or Decimal(0)

    # The first cards of each column: one bounded walk of the (organization, stage, renewal date) index per
    # column, in one query, whatever the number of accounts (built and compiled once per shape: csm.prepared).
    sizes = limits or {}
    stage_ids = [stage_id for stage_id in columns if stage_id is not None]
    found: list[Account] = []
    if stage_ids or None in columns:
        found = _first_cards(
            owner_id,
            tier_id,
            stage_ids,
            no_owner=no_owner,
            sizes=tuple(sizes.get(stage_id, limit) for stage_id in stage_ids),
            no_stage=sizes.get(None, limit) if None in columns else 0,
        )
    cards = sorted(
        found,
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
