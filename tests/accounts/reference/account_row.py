"""The accounts list's row as `format_html` built it before accounts/rows.py (the reference of tests/accounts/
test_rows.py), with the one-line row of issue 8 (the domain beside the name, long text clipped with a title)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _account_row(row: Any, detail_base: str) -> SafeString:
    stage = format_html('<span class="badge stage-{}">{}</span>', row.stage_category, row.stage) if row.stage else "—"
    renewal = format_html('<time datetime="{}">{}</time>', row.renewal_iso, row.renewal) if row.renewal_iso else "—"
    if row.band:
        score = f" · {row.score}" if row.score else ""
        health = format_html('<span class="badge band-{}">{}{}</span>', row.band, row.band_label, score)
    else:
        health = mark_safe('<span class="muted">—</span>')
    tags = format_html_join(" ", '<a class="tag" href="?tag={}">{}</a>', ((quote(tag), tag) for tag in row.tags))
    if tags:
        tags = format_html('<span class="clip tags" title="{}">{}</span>', ", ".join(row.tags), tags)
    domain = format_html(' <span class="muted small">{}</span>', row.domain) if row.domain else ""
    return format_html(
        "<tr>"
        '<td><input type="checkbox" name="account_ids" value="{}" aria-label="Select {}"></td>'
        '<td><span class="clip name"><a href="{}{}/" title="{}"><strong>{}</strong></a>{}</span></td>'
        "<td>{}</td>"
        '<td class="hide-sm">{}</td>'
        "<td>{}</td>"
        '<td class="num">{}</td>'
        '<td class="renewal {}">{}</td>'
        "<td>{}</td>"
        '<td class="hide-sm">{}</td>'
        "</tr>",
        row.pk,
        row.name,
        detail_base,
        row.pk,
        row.name,
        row.name,
        domain,
        row.owner,
        row.tier,
        stage,
        row.mrr,
        row.renewal_class,
        renewal,
        health,
        tags,
    )
