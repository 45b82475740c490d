"""How many cards a column of the pipeline board shows (query string): on the board itself (`column` and `cards`: a
column's "Show more" without JavaScript, the board again with that column longer) and in a column's "Show more"
with htmx (`cards`: the next cards only). Beside accounts/forms/board.py, whose filters these keep."""

from __future__ import annotations

from django import forms

from accounts.selectors.board import NO_STAGE, card_limit


class BoardCardsForm(forms.Form):
    """A value that does not parse is ignored: the column shows its first cards."""

    column = forms.RegexField(r"^(\d{1,18}|none)$", required=False)
    cards = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def size(self) -> int:
        """How many cards the column shows (`selectors.board.card_limit`): whole pages, at most `CARD_MAX`."""
        self.is_valid()  # keeps the valid fields in cleaned_data even when another one is not
        data = getattr(self, "cleaned_data", {})
        return card_limit(None if "cards" in self.errors else data.get("cards"))

    def limits(self) -> dict[int | None, int]:
        """For `selectors.board.board_columns`: the one column shown longer, by stage id (None: no stage)."""
        self.is_valid()
        column = "" if "column" in self.errors else getattr(self, "cleaned_data", {}).get("column") or ""
        if not column:
            return {}
        return {None if column == NO_STAGE else int(column): self.size()}
