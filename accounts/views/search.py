"""The header's quick search: find an account by name, domain, external id or contact email from any page.

The box in the top bar (templates/layouts/app.html) is a plain GET form to the accounts list (`?q=...&owner=any`),
so it works without JavaScript and Enter always lands on the full results. As the person types, htmx asks this view
for a short list of links to the accounts' 360 pages; asked for a whole page (no htmx), it sends them to the list.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.forms.filters import ANY, QuickSearchForm
from accounts.selectors import accounts as selectors
from csm.models import Role
from csm.tenancy.access import OrgRequest, role_required
from csm.web.http import wants_partial
from csm.web.reverse import org_prefix, org_reverse


@require_GET
@role_required(Role.CSM)
def quick_search(request: OrgRequest) -> HttpResponse:
    form = QuickSearchForm(request.GET)
    # Text the list's search would refuse (too long, a NUL) finds nothing here either; "See all results" passes it
    # on as typed, for the list to say what is wrong with it.
    q = form.cleaned_data["q"] if form.is_valid() else ""
    see_all = org_reverse(request, "accounts:list") + "?" + urlencode({"q": request.GET.get("q", ""), "owner": ANY})
    if not wants_partial(request):
        return redirect(see_all)
    context = {
        "found": selectors.quick_search(q),
        "too_short": len(q) < selectors.QUICK_SEARCH_MIN_LENGTH,
        "see_all": see_all,
        "detail_base": org_prefix(request, "accounts:detail"),
    }
    return render(request, "accounts/quick_search.html", context)
