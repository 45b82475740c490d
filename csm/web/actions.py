"""Running a service from a view, and answering the way every page does.

    form = TierForm(request.POST)
    if (tier := submit(form, lambda: configuration.create_tier(actor=request.user, **form.cleaned_data))):
        messages.success(request, f"Tier “{tier.name}” added.")
        return redirect(...)
    return answer(request, TIERS, context, partial="rows", status=form_status(form))

- `submit(form, call)`: the form's own checks, then the service; a `ValidationError` the service raises lands on
  the form (on the fields it names, else above them), so the form re-renders with it. None when refused.
- `attempt(request, call)`: a service called from a button, with no form to re-render: a refusal becomes an error
  message (`refusal_text`). None when refused.
- `answer(request, template, context, partial=...)`: the partial (`template#partial`) for an htmx request that
  wants a fragment, the whole page otherwise, with the status given (`form_status`: 400 when a form has errors,
  which htmx is configured to swap in, so the errors show inside the form).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from csm.web.http import wants_partial


def refusal_text(error: ValidationError) -> str:
    """A service's refusal in words, for a message."""
    return " ".join(error.messages)


def errors_text(form: forms.BaseForm) -> str:
    """A form's errors as one sentence, for a message (a form that is not shown again: a button, a board's card)."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def submit[T](form: forms.BaseForm, call: Callable[[], T], *, field: str | None = None) -> T | None:
    """`field`: the field a refusal belongs to, when the service's errors name none (an upload's file)."""
    if not form.is_valid():
        return None
    try:
        return call()
    except ValidationError as error:
        form.add_error(None if hasattr(error, "error_dict") else field, error)
        return None


def attempt[T](request: HttpRequest, call: Callable[[], T]) -> T | None:
    try:
        return call()
    except ValidationError as error:
        messages.error(request, refusal_text(error))
        return None


def form_status(*forms_shown: forms.BaseForm | None) -> int:
    """400 when a form shown has errors (it was refused), 200 otherwise."""
    return 400 if any(form is not None and form.errors for form in forms_shown) else 200


def answer(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """`template#partial` for htmx (when it wants a fragment and there is one), the whole page otherwise."""
    name = f"{template}#{partial}" if partial and wants_partial(request) else template
    return render(request, name, dict(context), status=status)
