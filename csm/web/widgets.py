"""The common form widgets, and the project's form and field layout, rendered in Python.

Django renders every widget through a template, and a <select> through one template per option: on a page with a
dozen fields that is most of the page's time. `csm.web.forms.FormRenderer` sends the templates below here instead; each
function writes exactly what the template of the same name writes (escaping included; tests/csm/test_widgets.py
compares them), and every other widget still renders from its template.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from csm.web.html import esc


def attrs(values: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html"""
    parts = []
    for name, value in values.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {esc(name)}")
        else:
            parts.append(f' {esc(name)}="{esc(value)}"')
    return "".join(parts)


def input_widget(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/input.html (text, email, number, date, password, hidden, checkbox...)."""
    value = "" if widget["value"] is None else f' value="{esc(widget["value"])}"'
    return mark_safe(  # noqa: S308 - every part is escaped above
        f'<input type="{esc(widget["type"])}" name="{esc(widget["name"])}"{value}{attrs(widget["attrs"])}>'
    )


def select_widget(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/select.html and its select_option.html."""
    parts = [f'<select name="{esc(widget["name"])}"{attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{esc(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{esc(option["value"])}"{attrs(option["attrs"])}>{esc(option["label"])}</option>\n'
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def _option(widget: dict[str, Any]) -> str:
    # input.html's own trailing newline stays inside the label: the template includes it unstripped.
    html = f"{input_widget(widget)}\n"
    if not widget.get("wrap_label"):
        return html
    for_id = widget["attrs"].get("id")
    label_for = f' for="{esc(for_id)}"' if for_id else ""
    return f"<label{label_for}>{html} {esc(widget['label'])}</label>"


def option_widget(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/input_option.html: a radio button or a checkbox of a multiple choice, with its label
    (`{% for radio in form.kind %}{{ radio }}{% endfor %}`)."""
    return mark_safe(_option(widget).strip())  # noqa: S308 - escaped in _option


def multiple_input_widget(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/multiple_input.html (radio buttons, checkboxes), each option as input_option.html."""
    widget_id = widget["attrs"].get("id")
    css_class = widget["attrs"].get("class")
    parts = [
        "<div",
        f' id="{esc(widget_id)}"' if widget_id else "",
        f' class="{esc(css_class)}"' if css_class else "",
        ">",
    ]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f"\n  <div><label>{esc(group_name)}</label>")
        for option in options:
            # Included, not rendered: the option keeps its templates' trailing newlines.
            parts.append(f"<div>\n    {_option(option)}\n\n</div>")
        if group_name:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def textarea_widget(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/textarea.html"""
    value = esc(widget["value"]) if widget["value"] else ""
    return mark_safe(  # noqa: S308 - every part is escaped above
        f'<textarea name="{esc(widget["name"])}"{attrs(widget["attrs"])}>\n{value}</textarea>'
    )


def field_group(context: dict[str, Any]) -> SafeString:
    """templates/components/field.html: a field's label, widget, help text and errors."""
    field = context["field"]
    errors = field.errors
    classes = "field" + (" has-error" if errors else "") + (" required" if field.field.required else "")
    label = esc(field.label)
    if field.widget_type == "checkbox":
        body = f'\n    <label class="checkbox" for="{esc(field.auto_id)}">{field} {label}</label>\n  '
    else:
        body = f'\n    <label for="{esc(field.id_for_label)}">{label}</label>\n    {field}\n  '
    help_text = field.help_text
    help_html = f'<div class="help" id="{esc(field.auto_id)}_helptext">{esc(help_text)}</div>' if help_text else ""
    errors_html = ""
    if errors:
        items = "".join(f"<li>{esc(error)}</li>" for error in errors)
        errors_html = f'<ul class="errors" id="{esc(field.auto_id)}_error" role="alert">{items}</ul>'
    return mark_safe(  # noqa: S308 - every part is escaped above, and the widget is rendered safe
        f'<div class="{classes}">\n  {body}\n  {help_html}\n  {errors_html}\n</div>'
    )


def form_fields(context: dict[str, Any]) -> SafeString:
    """templates/components/form.html: the form's own errors, its hidden fields, then each field's group."""
    form = context["form"]
    errors = form.non_field_errors()
    errors_html = ""
    if errors:
        items = "".join(f"<p>{esc(error)}</p>" for error in errors)
        errors_html = f'<div class="form-errors" role="alert">{items}</div>'
    hidden = "".join(str(field) for field in form.hidden_fields())
    visible = "".join(str(field.as_field_group()) for field in form.visible_fields())
    # Django strips what a template renders.
    return mark_safe(f"{errors_html}\n{hidden}\n{visible}".strip())  # noqa: S308 - escaped above; fields render safe


LAYOUTS: dict[str, Callable[[dict[str, Any]], SafeString]] = {
    "components/form.html": form_fields,
    "components/field.html": field_group,
}

INPUTS = ["text", "email", "number", "date", "password", "hidden", "url", "search", "tel", "checkbox", "time"]
RENDERERS: dict[str, Callable[[dict[str, Any]], SafeString]] = {
    **{f"django/forms/widgets/{name}.html": input_widget for name in INPUTS},
    "django/forms/widgets/input.html": input_widget,
    "django/forms/widgets/select.html": select_widget,
    "django/forms/widgets/textarea.html": textarea_widget,
    "django/forms/widgets/radio.html": multiple_input_widget,
    "django/forms/widgets/checkbox_select.html": multiple_input_widget,
    "django/forms/widgets/radio_option.html": option_widget,
    "django/forms/widgets/checkbox_option.html": option_widget,
}
