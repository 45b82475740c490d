"""The development mailer (`make run` without an ESP or SMTP): each message printed readably on the terminal, its
headers and its text decoded, so a link in it can be clicked or copied whole (Django's console backend prints the
raw MIME message, quoted-printable, with long links cut across lines). Settings → Emails lists the organizations'
messages too."""

from __future__ import annotations

from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends import console


class EmailBackend(console.EmailBackend):
    def write_message(self, message: Any) -> None:
        assert isinstance(message, EmailMessage)
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
        ]
        if message.cc:
            lines.append(f"Cc: {', '.join(message.cc)}")
        if message.reply_to:
            lines.append(f"Reply-To: {', '.join(message.reply_to)}")
        lines += [f"Subject: {message.subject}", "", str(message.body).rstrip(), ""]
        alternatives = [kind for _content, kind in getattr(message, "alternatives", [])]
        if alternatives or message.attachments:
            parts = alternatives + [f"attachment {attachment[0]}" for attachment in message.attachments if attachment]
            lines += [f"(also: {', '.join(str(part) for part in parts)})", ""]
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")
