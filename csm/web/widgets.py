"""The common form widgets, rendered in Python.

Django renders every widget through a template, and a <select> through one template per option: on a page with a
dozen fields that is most of the page's time. `csm.web.forms.FormRenderer` sends the templates below here instead; each
function writes exactly what Django's template of the same name writes (escaping included), and every other widget
still renders from its template.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def attrs(values: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html"""
    parts = []
    for name, value in values.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def input_widget(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/input.html (text, email, number, date, password, hidden, checkbox...)."""
    value = "" if widget["value"] is None else f' value="{conditional_escape(str(widget["value"]))}"'
    return mark_safe(  # noqa: S308 - every part is escaped above
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{attrs(widget['attrs'])}>"
    )


def select_widget(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/select.html and its select_option.html."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in options:
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def textarea_widget(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/textarea.html"""
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return mark_safe(  # noqa: S308 - every part is escaped above
        f'<textarea name="{conditional_escape(widget["name"])}"{attrs(widget["attrs"])}>\n{value}</textarea>'
    )


INPUTS = ["text", "email", "number", "date", "password", "hidden", "url", "search", "tel", "checkbox", "time"]
RENDERERS: dict[str, Callable[[dict[str, Any]], SafeString]] = {
    **{f"django/forms/widgets/{name}.html": input_widget for name in INPUTS},
    "django/forms/widgets/input.html": input_widget,
    "django/forms/widgets/select.html": select_widget,
    "django/forms/widgets/textarea.html": textarea_widget,
}
