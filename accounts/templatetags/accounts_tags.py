"""Template helpers of the workspace: sortable column headers, money, renewal countdowns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import template
from django.template.context import Context
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localdate

from accounts import rows as html_rows

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(
    context: Context, label: str, key: str, css_class: str = "", *, largest_first: bool = False
) -> SafeString:
    """A column header that sorts the list by `key`, and reverses it when it already does; the first click sorts
    ascending, or descending with `largest_first` (MRR: the biggest accounts first)."""
    request = context["request"]
    current = context.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    ascending = current == key
    if largest_first:
        params["sort"] = key if current == f"-{key}" else f"-{key}"
    else:
        params["sort"] = f"-{key}" if ascending else key
    state = "ascending" if ascending else "descending" if current == f"-{key}" else "none"
    arrow = " ▲" if state == "ascending" else " ▼" if state == "descending" else ""
    href = f"?{params.urlencode()}"
    return format_html(
        '<th scope="col" class="{}" aria-sort="{}"><a href="{}" hx-get="{}" hx-target="#results" hx-swap="outerHTML" '
        'hx-push-url="true">{}{}</a></th>',
        css_class,
        state,
        href,
        href,
        label,
        arrow,
    )


@register.filter
def money(value: Decimal | int | None, currency: str = "") -> str:
    """`12345.5` → `12,345.50` (with the currency code after it when given)."""
    if value is None:
        return "—"
    text = f"{Decimal(value):,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{text} {currency}".strip()


@register.filter
def renewal_countdown(value: date | None) -> str:
    if value is None:
        return "No renewal date"
    days = (value - localdate()).days
    if days == 0:
        return "Renews today"
    if days > 0:
        return f"Renews in {days} day{'s' if days != 1 else ''}"
    return f"Renewal passed {-days} day{'s' if days != -1 else ''} ago"


@register.filter
def renewal_urgency(value: date | None) -> str:
    """A CSS modifier for how close the renewal is."""
    if value is None:
        return ""
    days = (value - localdate()).days
    if days < 0:
        return "overdue"
    if days <= 30:
        return "soon"
    if days <= 90:
        return "upcoming"
    return ""


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.simple_tag
def account_rows(rows: list[Any], detail_base: str) -> SafeString:
    """The list's table rows (accounts/rows.py)."""
    return html_rows.account_rows(rows, detail_base)


@register.simple_tag(takes_context=True)
def task_rows(context: Context, tasks: list[Any]) -> SafeString:
    """Task rows (accounts/rows.py), for the tasks page, the start page and the 360 (`hide_account` there)."""
    return html_rows.task_rows(list(tasks), context["request"], hide_account=bool(context.get("hide_account")))


@register.simple_tag(takes_context=True)
def task_row(context: Context, task: Any) -> SafeString:
    return task_rows(context, [task])


@register.simple_tag(takes_context=True)
def board_cards(
    context: Context, cards: list[Any], *, stages: list[Any], filter_query: dict[str, str], currency: str
) -> SafeString:
    """A board column's cards (accounts/rows.py)."""
    return html_rows.board_cards(
        list(cards), stages=stages, filter_query=filter_query, currency=currency, request=context["request"]
    )


@register.simple_tag(takes_context=True)
def ticket_cards(context: Context, tickets: list[Any], *, statuses: list[tuple[str, str]]) -> SafeString:
    """The ticket board's cards (accounts/rows.py)."""
    return html_rows.ticket_cards(list(tickets), statuses=list(statuses), request=context["request"])


@register.simple_tag(takes_context=True)
def ticket_rows(context: Context, tickets: list[Any]) -> SafeString:
    """The ticket list's table rows (accounts/rows.py)."""
    return html_rows.ticket_rows(list(tickets), context["request"])


@register.simple_tag(takes_context=True)
def stakeholder_nodes(context: Context, nodes: list[Any]) -> SafeString:
    """The 360's reports-to tree (accounts/rows.py)."""
    return html_rows.stakeholder_nodes(list(nodes), context["request"])
