"""Template context of the shell: the organization, the member's role, the switcher and the current section."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from csm.models import Membership, Role, User
from csm.selectors import memberships_of


def tenancy(request: HttpRequest) -> dict[str, Any]:
    membership: Membership | None = getattr(request, "membership", None)
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "organization": organization if membership is not None else None,
        "membership": membership,
        "is_csm": membership is not None and membership.has_role(Role.CSM),
        "is_admin": membership is not None and membership.has_role(Role.ADMIN),
        "is_manager": membership is not None and membership.has_role(Role.MANAGER),
        "nav_section": "",
        "switcher_memberships": [],
        "signup_enabled": settings.SIGNUP_ENABLED,
    }
    memberships = getattr(request, "memberships", None)
    if memberships is not None:
        context["switcher_memberships"] = memberships  # read with the membership (csm.tenancy.middleware)
    elif isinstance(user, User) and user.is_authenticated:
        context["switcher_memberships"] = SimpleLazyObject(lambda: memberships_of(user))
    if membership is not None and organization is not None:
        rest = request.path_info.removeprefix(f"/{organization.slug}/")
        context["nav_section"] = rest.split("/", 1)[0]
    return context
