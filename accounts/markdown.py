"""Markdown for notes, rendered to HTML that is safe to show: python-markdown renders, nh3 (ammonia) sanitizes."""

from __future__ import annotations

import re

import markdown as markdown_lib
import nh3

from csm.web.html import clip

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render(text: str) -> str:
    html = markdown_lib.markdown(text, extensions=["sane_lists", "tables", "fenced_code"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
# Emphasis, strong, strike-through and code spans: the marks around a run of text, not lone characters (snake_case).
_MARKERS = re.compile(r"(\*\*|__|~~|`|\*|(?<!\w)_)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_LINE_START = re.compile(r"^\s*(#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)+")


def summary(text: str, limit: int = 80) -> str:
    """The first line of a note as plain words, for a one-line mention (the activity log, a timeline summary):
    `"## Call with **Ann** about [SSO](https://…)"` → `"Call with Ann about SSO"`; cut at a word, with an ellipsis."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return clip(_MARKERS.sub(r"\2", _LINK.sub(r"\1", _LINE_START.sub("", first))), limit)
