"""The timeline's entries rendered in Python (csm.timeline.entry_html, accounts.rows.note_entry) write what their
templates wrote (kept in tests/*/reference/), whitespace aside, for every state an entry can be in."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone

from accounts.models import Contact, Note, NoteKind
from accounts.rows import note_entry
from csm import timeline
from csm.models import ActivityLog

ROOT = Path(__file__).resolve().parents[1]
MOMENT = datetime.datetime(2026, 3, 31, 22, 5, tzinfo=datetime.UTC)


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def _entry(verb: str, **fields) -> ActivityLog:
    entry = ActivityLog(created_at=MOMENT, actor_label="Ann <CSM>", verb=verb, **fields)
    entry.kind = timeline.kind_for(verb)
    entry.obj = None
    return entry


ENTRIES = [
    lambda: _entry("account.updated", target_repr="Umbrella & <Co>", changes={"mrr": ["10", "20"]}),
    lambda: _entry(
        "account.stage_changed",
        changes={"stage": ["Onboarding", "Churned"], "tags": [[], ["vip", "<b>"]], "is_key": [False, True]},
        data={"reason": "Budget <cut>"},
    ),
    lambda: _entry("task.completed", target_repr="Call 'Bob'"),
    lambda: _entry("something.unknown_happened"),
    lambda: _entry("account.revenue_changed", changes={"renewal_date": [None, "2026-04-01"], "x": [{"a": 1}, ""]}),
]


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
@pytest.mark.parametrize("make", ENTRIES)
def test_an_entry_writes_what_its_template_wrote(make, zone):
    template = Template((ROOT / "csm" / "reference" / "timeline_entry.html").read_text())
    entry = make()
    with timezone.override(zone):
        expected = template.render(Context({"entry": entry}))
        assert _normal(timeline.entry_html(entry)) == _normal(expected)
        if entry.kind is None or (entry.kind.render is None and not entry.kind.template):
            assert _normal(timeline.render_entries([entry])) == _normal(expected)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


@pytest.mark.parametrize("make", ENTRIES)
def test_an_entry_on_one_line_is_one_plain_line(make):
    line = str(timeline.render_entries([make()], one_line=True))
    assert line.count("<li") == 1 and "<ul" not in line and "<p" not in line
    assert "\n" not in line.strip()
    assert "<b>" not in line and "<Co>" not in line  # escaped


def test_an_entry_line_says_its_first_change_and_cuts_at_a_word():
    entry = _entry(
        "account.stage_changed",
        target_repr="Umbrella " + "very " * 30 + "long",
        changes={"stage": ["Onboarding", "Adoption"], "mrr": ["1", "2"]},
    )
    text = _text(str(timeline.render_entries([entry], one_line=True)))
    assert text.startswith("Changes Ann <CSM> account stage changed: Umbrella very")
    assert "very…" in text and "long" not in text
    entry = _entry("account.stage_changed", changes={"stage": ["Onboarding", "Adoption"], "mrr": ["1", "2"]})
    text = _text(str(timeline.render_entries([entry], one_line=True)))
    assert "stage changed: Stage: Onboarding → Adoption (and 1 more)" in text


@pytest.mark.parametrize(
    ("verb", "stored", "shown"),
    [
        ("call.logged", "Call: Quick call: rollout to **IT** slipped",
         "Call Ann <CSM> call logged: Quick call: rollout to IT slipped"),
        ("note.added", "Note: ## Kick-off with [Ann](https://x.test) and **Bob**", "Note Ann <CSM> note added: "
         "Kick-off with Ann and Bob"),
        ("meeting.logged", "Meeting: " + "word " * 40, "Meeting Ann <CSM> meeting logged: " + "word " * 16 + "word…"),
    ],
)  # fmt: skip
def test_a_note_on_one_line_is_plain_words_without_its_kind_twice(verb, stored, shown):
    entry = _entry(verb, target_repr=stored)
    text = _text(str(timeline.render_entries([entry], one_line=True)))
    assert text.startswith(shown + " 31 Mar 2026")
    assert "**" not in text and "](" not in text and "Call: Quick" not in text


def _note(kind: str, *, contact: str = "", minutes: int | None = None) -> Note:
    note = Note(
        kind=kind, body="x", body_html="<p>Talked <em>renewal</em></p>", duration_minutes=minutes, occurred_at=MOMENT
    )
    if contact:
        note.contact = Contact(name=contact)
    return note


@pytest.mark.parametrize(
    ("verb", "note"),
    [
        ("note.added", _note(NoteKind.NOTE)),
        ("call.logged", _note(NoteKind.CALL, contact="Bob <Boss>", minutes=25)),
        ("meeting.logged", _note(NoteKind.MEETING, contact="Eve")),
        ("note.added", None),
    ],
)
def test_a_note_entry_writes_what_its_template_wrote(verb, note):
    template = Template((ROOT / "accounts" / "reference" / "timeline_note.html").read_text())
    entry = _entry(verb, target_repr="Gone <note>")
    entry.obj = note
    assert entry.kind is not None and entry.kind.render is not None
    expected = template.render(Context({"entry": entry}))
    assert _normal(note_entry(entry)) == _normal(expected)
    assert _normal(timeline.render_entries([entry])) == _normal(expected)
    if note is not None:
        assert "<em>renewal</em>" in note_entry(entry)  # the stored (sanitized) HTML, not escaped again


def test_a_kind_may_still_show_its_entries_with_a_template(settings, tmp_path):
    (tmp_path / "kind.html").write_text("<li>{{ entry.actor_label }} did {{ entry.verb }}</li>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    entry = _entry("account.updated")
    entry.kind = timeline.TimelineKind("custom", "Custom", ("custom.",), template="kind.html")
    assert timeline.render_entries([entry]) == "<li>Ann &lt;CSM&gt; did account.updated</li>"


def test_a_note_logged_later_says_when_it_happened_and_when_it_was_logged():
    entry = _entry("call.logged", target_repr="Call: renewal")
    entry.obj = _note(NoteKind.CALL)
    entry.obj.occurred_at = MOMENT - datetime.timedelta(days=1, hours=3)
    with timezone.override("UTC"):
        html = note_entry(entry)
    assert '<time datetime="2026-03-30T19:05:00+00:00">30 Mar 2026, 19:05</time>' in html
    assert "(logged 31 Mar 2026, 22:05)" in html
    entry.obj.occurred_at = MOMENT - datetime.timedelta(minutes=30)  # written down at once: one time only
    assert "logged" not in note_entry(entry)
