"""Files browsers ask for at fixed addresses."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever the page's <link rel="icon"> says: the icon of the static files
    (versioned by its content in production, so the redirect is permanent and the icon cached)."""
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))
