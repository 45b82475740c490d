"""The tenancy core: what keeps organizations apart, in one package.

- `context`: `activate(organization)`, the one place that raises the scope and row-level security together.
- `rls`: the `TenantRLS` migration operation that enables and forces every tenant table's policy.
- `dbroles`: the owner, app and ops database roles and their grants.
- `middleware`: the request's tenant (organization pages), the API key's tenant, the person's time zone, and the
  organization they used last.
- `access`: `role_required` and the typed `OrgRequest` of organization pages.
- `jobs`: `TenantTask`, the Celery base class that runs a task inside its organization, and on-commit `enqueue`.

The names most code needs are importable from here: `from csm.tenancy import activate, current_organization`.
"""

from csm.tenancy.context import (
    ORGANIZATION_SETTING,
    USER_SETTING,
    NoActiveOrganizationError,
    activate,
    current_organization,
    current_organization_or_none,
)

__all__ = [
    "ORGANIZATION_SETTING",
    "USER_SETTING",
    "NoActiveOrganizationError",
    "activate",
    "current_organization",
    "current_organization_or_none",
]
