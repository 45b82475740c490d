"""Reads of the pipeline board: accounts as cards in one column per lifecycle stage.

The board costs three queries whatever the size of the book: the stages, one grouped query for every column's
count and summed MRR (read from an index alone), and one query for the cards: the first `CARD_LIMIT` of each column
(soonest renewal first, then by name), each a bounded walk of the (organization, stage, renewal, name) index, with
the columns a card shows only. A column with more accounts links to the accounts list filtered by its stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import Lower

from accounts.models import Account, LifecycleStage
from csm.selectors import first_of_each

CARD_LIMIT = 12
# What a card shows (accounts/rows.py): the cards read these columns only.
CARD_FIELDS = (
    "name", "stage_id", "owner_id", "tier_id", "mrr", "renewal_date", "health_score", "health_band",
    "owner__full_name", "owner__email", "tier__name",
)  # fmt: skip
NO_OWNER = "none"


@dataclass
class BoardColumn:
    """One column: a stage (None for the accounts that have none), its totals and its first cards."""

    stage: LifecycleStage | None
    count: int = 0
    mrr: Decimal = Decimal(0)
    cards: list[Account] = field(default_factory=list)

    @property
    def key(self) -> str:
        return str(self.stage.pk) if self.stage is not None else "none"

    @property
    def name(self) -> str:
        return self.stage.name if self.stage is not None else "No stage"

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


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


def board_columns(
    *, owner: int | str | None = None, tier_id: int | None = None, limit: int = CARD_LIMIT
) -> list[BoardColumn]:
    """The columns in stage order, then "No stage" when some account (among the filtered ones) has none."""
    stages = list(LifecycleStage.objects.order_by("position", "name"))
    accounts = board_accounts(owner=owner, tier_id=tier_id)
    columns: dict[int | None, BoardColumn] = {stage.pk: BoardColumn(stage) for stage in stages}

    totals = accounts.order_by().values("stage_id").annotate(count=Count("id"), mrr=Sum("mrr"))
    for row in totals:
        column = columns.setdefault(row["stage_id"], BoardColumn(None))
        column.count, column.mrr = row["count"], row["mrr"] or Decimal(0)

    # The first cards of each column: one bounded walk of the (organization, stage, renewal date) index per
    # column, in one query (csm.selectors.first_of_each), whatever the number of accounts.
    ordering: list[Any] = [F("renewal_date").asc(nulls_last=True), Lower("name"), "id"]
    cards_of = accounts.select_related("owner", "tier").only(*CARD_FIELDS).order_by(*ordering)
    parts = [cards_of.filter(stage_id=stage_id)[:limit] for stage_id in columns if stage_id is not None]
    if None in columns:
        parts.append(cards_of.filter(stage__isnull=True)[:limit])
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
