"""Notes' Markdown: the one-line summary the activity log and the timeline's mentions show."""

from __future__ import annotations

import pytest

from accounts.markdown import summary
from accounts.services import notes
from csm.models import ActivityLog
from tests.factories import AccountFactory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("## Call with **Ann** about [SSO](https://sso.example) and `tokens`", "Call with Ann about SSO and tokens"),
        ("\n\n- first point\n- second point", "first point"),
        ("> quoted _words_ and ~~gone~~", "quoted words and gone"),
        ("keeps user_id, 2*3*4 and snake_case_names", "keeps user_id, 2*3*4 and snake_case_names"),
        ("", ""),
    ],
)
def test_a_summary_is_the_first_line_in_plain_words(text, expected):
    assert summary(text) == expected


def test_a_long_summary_is_cut_at_a_word_with_an_ellipsis():
    text = "Installation review with the whole team of the customer, who asked about pricing for next year"

    cut = summary(text, limit=40)

    assert cut == "Installation review with the whole…"
    assert len(cut) <= 40


@pytest.mark.django_db
def test_the_activity_log_names_a_note_in_plain_words(csm, in_org_a):
    account = AccountFactory()
    note = notes.add_note(actor=csm, account=account, body="**Installation review** went well\n\nDetails follow.")

    entry = ActivityLog.objects.get(target_id=note.pk, verb__startswith="note.")
    assert entry.target_repr == "Note: Installation review went well"
