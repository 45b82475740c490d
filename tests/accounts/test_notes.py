"""Notes, calls and meetings on the 360: logged with when they happened, rewritten or deleted by their author only
(the timeline says so), and the note form keeps the kind just used."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils.timezone import localtime, now

from accounts.models import Note, NoteKind
from accounts.services.notes import add_note
from csm.models import ActivityLog
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "timeline-card"}


def _local_input(moment) -> str:
    return localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_yesterdays_call_is_logged_as_yesterday(in_org_a, csm, csm_client):
    account = AccountFactory(owner=csm)
    yesterday = (now() - timedelta(days=1)).replace(second=0, microsecond=0)
    response = csm_client.post(
        f"/alpha/accounts/{account.pk}/notes/",
        {"kind": "call", "body": "Renewal call.", "occurred_at": _local_input(yesterday), "duration_minutes": "20"},
    )
    assert response.status_code == 302
    note = Note.objects.get()
    assert note.kind == NoteKind.CALL and note.occurred_at == yesterday
    page = csm_client.get(f"/alpha/accounts/{account.pk}/").content.decode()
    assert "(logged " in page
    # Empty means now; the future is refused.
    csm_client.post(f"/alpha/accounts/{account.pk}/notes/", {"kind": "note", "body": "Now.", "occurred_at": ""})
    assert abs(Note.objects.get(body="Now.").occurred_at - now()) < timedelta(minutes=1)
    refused = csm_client.post(
        f"/alpha/accounts/{account.pk}/notes/",
        {"kind": "call", "body": "Later.", "occurred_at": _local_input(now() + timedelta(days=1))},
    )
    assert refused.status_code == 400 and "That is in the future" in refused.content.decode()
    assert not Note.objects.filter(body="Later.").exists()


def test_the_note_form_keeps_the_kind_just_used(in_org_a, csm, csm_client):
    account = AccountFactory(owner=csm)
    response = csm_client.post(
        f"/alpha/accounts/{account.pk}/notes/", {"kind": "meeting", "body": "Met the team."}, **HTMX
    )
    assert response.status_code == 200
    checked = re.findall(r'<input type="radio" name="kind" value="(\w+)"[^>]*checked', response.content.decode())
    assert checked == ["meeting"]


def test_the_author_rewrites_their_note_and_the_timeline_says_what_changed(in_org_a, csm, csm_client):
    account = AccountFactory(owner=csm)
    note = add_note(actor=csm, account=account, body="Talked **pricing**.")
    page = csm_client.get(f"/alpha/accounts/{account.pk}/").content.decode()
    edit = f"/alpha/accounts/{account.pk}/notes/{note.pk}/edit/"
    assert f'href="{edit}"' in page
    form = csm_client.get(edit)
    assert form.status_code == 200 and "Talked **pricing**." in form.content.decode()
    response = csm_client.post(edit, {"kind": "call", "body": "Talked pricing and SSO.", "occurred_at": ""})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.kind == NoteKind.CALL and note.body == "Talked pricing and SSO." and "SSO" in note.body_html
    entry = ActivityLog.objects.get(verb="note.edited")
    assert entry.changes["kind"] == ["Note", "Call"]
    assert entry.changes["body"] == ["Talked pricing.", "Talked pricing and SSO."]
    page = csm_client.get(f"/alpha/accounts/{account.pk}/").content.decode()
    assert "note edited" in page and "Talked pricing and SSO." in page


def test_the_author_deletes_their_note_and_the_timeline_keeps_a_line(in_org_a, csm, csm_client):
    account = AccountFactory(owner=csm)
    note = add_note(actor=csm, account=account, body="Wrong account.")
    response = csm_client.post(f"/alpha/accounts/{account.pk}/notes/{note.pk}/delete/")
    assert response.status_code == 302
    assert not Note.objects.filter(pk=note.pk).exists()
    entry = ActivityLog.objects.get(verb="note.deleted")
    assert entry.actor_user == csm and entry.about_id == account.pk
    page = csm_client.get(f"/alpha/accounts/{account.pk}/").content.decode()
    assert "note deleted" in page


def test_nobody_else_may_change_or_delete_a_note(in_org_a, csm, manager_client, admin_client):
    account = AccountFactory(owner=csm)
    note = add_note(actor=csm, account=account, body="Mine.")
    for client in (manager_client, admin_client):
        base = f"/alpha/accounts/{account.pk}/notes/{note.pk}"
        assert client.get(f"{base}/edit/").status_code == 403
        assert client.post(f"{base}/edit/", {"kind": "note", "body": "Theirs."}).status_code == 403
        assert client.post(f"{base}/delete/").status_code == 403
        page = client.get(f"/alpha/accounts/{account.pk}/").content.decode()
        assert f"{base}/edit/" not in page
    other = AccountFactory(owner=csm)
    # The note under another account's address is not found.
    assert admin_client.get(f"/alpha/accounts/{other.pk}/notes/{note.pk}/edit/").status_code == 404
    note.refresh_from_db()
    assert note.body == "Mine." and not ActivityLog.objects.filter(verb__in=["note.edited", "note.deleted"]).exists()
