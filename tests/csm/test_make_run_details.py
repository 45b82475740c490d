"""What `make run` prints and links to: emails readable on the terminal with their links whole, and links that
point at the port the server runs on."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from django.core.mail import EmailMultiAlternatives

from csm.mail_console import EmailBackend
from csm.management.commands import run_local

LINK = "http://localhost:9000/invitations/accept/" + "x" * 90 + "/"


def test_the_console_mailer_prints_the_text_with_its_links_whole():
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        subject="Join Fjällräven on Customer Success",
        body=f"Hello Zoë,\n\nAccept the invitation: {LINK}\n",
        from_email="Carol <cs@localhost>",
        to=["zoe@example.com"],
        reply_to=["carol@example.com"],
    )
    message.attach_alternative(f'<p><a href="{LINK}">Accept</a></p>', "text/html")
    EmailBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert f"Accept the invitation: {LINK}" in printed.splitlines()
    assert "Subject: Join Fjällräven on Customer Success" in printed and "Hello Zoë," in printed
    assert "Reply-To: carol@example.com" in printed and "(also: text/html)" in printed
    assert "=\n" not in printed and "=C3" not in printed  # no quoted-printable


def test_the_site_url_follows_the_port_unless_it_is_set(monkeypatch, settings):
    monkeypatch.delenv("SITE_URL", raising=False)
    assert run_local.site_url(9000) == "http://localhost:9000"
    assert settings.SITE_URL == "http://localhost:9000"
    assert os.environ["SITE_URL"] == "http://localhost:9000"
    monkeypatch.setenv("SITE_URL", "https://cs.example.com/")
    assert run_local.site_url(9000) == "https://cs.example.com"


def test_the_readme_names_only_files_that_are_in_the_repository():
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    cited = set(re.findall(r"`((?:[\w.-]+/)+[\w.-]+\.(?:py|md|html|yml|yaml|toml|js|css|txt|cfg))`", readme))
    cited |= set(re.findall(r"\b((?:shared|docs)/[\w./-]+\.md)\b", readme))
    missing = sorted(path for path in cited if not (root / path).exists())
    assert missing == []
    assert readme.index("## What to try first") < readme.index("## The two commands")
