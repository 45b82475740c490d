"""What a column can be imported as (the targets), and matching a file's header to them.

Headers match a target by its key, its label or a common synonym, whatever their case, spaces, underscores or
punctuation: "Company" is the name, "Website" the domains, "Owner email" the owner, "Email" the contact's email. A
custom field matches by its key, its label or `custom_<key>` (the accounts export's column). ARR is never matched to
MRR: it is yearly, and the mapping page says why it is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace

from accounts.models import CustomField, CustomFieldType

ACCOUNT, CONTACT, CUSTOM = "Account", "Contact", "Custom fields"
DATE_HELP = "2025-03-31, 31.03.2025, 31 Mar 2025 or 31/03/2025 (day or month first: the column decides)."


@dataclass(frozen=True)
class Target:
    """What a column can be imported as. In the table below the key, label and section come first, the rest by
    name."""

    key: str
    label: str
    section: str
    _: KW_ONLY
    help: str = ""
    required: bool = False
    synonyms: tuple[str, ...] = ()
    custom_field: CustomField | None = field(default=None, compare=False)


BUILT_IN_TARGETS = (
    Target("name", "Name", ACCOUNT, help="The company's name, on every row.", required=True,
           synonyms=("account", "account name", "company", "company name", "customer", "customer name",
                     "organization", "organisation", "organization name")),
    Target("external_id", "External id", ACCOUNT,
           help="Your own id (CRM, billing): rows match accounts on it first.",
           synonyms=("id", "account id", "customer id", "company id", "crm id", "ext id", "external reference")),
    Target("domains", "Domains", ACCOUNT, help="Web domains; rows without a known external id match on them.",
           synonyms=("domain", "website", "web site", "url", "website url", "company domain", "company website")),
    Target("owner", "Owner", ACCOUNT, help="The email of an active member of the organization.",
           synonyms=("owner email", "account owner", "account owner email", "csm", "csm email")),
    Target("tier", "Tier", ACCOUNT, help="The name of one of the organization's tiers.",
           synonyms=("service tier", "customer tier")),
    Target("stage", "Lifecycle stage", ACCOUNT, help="The name of one of the organization's lifecycle stages.",
           synonyms=("stage", "lifecycle", "customer stage")),
    Target("plan", "Plan", ACCOUNT, synonyms=("product plan", "subscription plan", "pricing plan", "subscription")),
    Target("start_date", "Start date", ACCOUNT, help=DATE_HELP,
           synonyms=("start", "customer since", "contract start", "contract start date")),
    Target("renewal_date", "Renewal date", ACCOUNT, help=DATE_HELP,
           synonyms=("renewal", "renews on", "contract end", "contract end date", "next renewal")),
    Target("trial_ends_on", "Trial ends on", ACCOUNT, help=DATE_HELP,
           synonyms=("trial end", "trial end date", "trial ends", "trial expires", "trial expiry")),
    Target("mrr", "MRR", ACCOUNT,
           help="Monthly recurring revenue: 1234.50, 1,234.50, 1234,50 or 1.234,50 (the column's other values say "
                "whether 2.400 is 2.4 or 2400). Not ARR.",
           synonyms=("monthly recurring revenue",)),
    Target("seats", "Seats", ACCOUNT, help="The seats (licences) paid for: a whole number.",
           synonyms=("licenses", "licences", "seat count", "number of seats", "users paid", "paid seats")),
    Target("tags", "Tags", ACCOUNT,
           help="Separated by commas, as in the account form (vip, pilot); added to the account's tags. A column "
                "with no comma at all may separate them by | or ; (as other tools export them).",
           synonyms=("tag", "labels")),
    Target("churn_date", "Churn date", ACCOUNT, help="With a churned stage; today when empty. " + DATE_HELP,
           synonyms=("churned on",)),
    Target("churn_reason", "Churn reason", ACCOUNT, help="Needed when a row moves an account to a churned stage.",
           synonyms=("reason for churn",)),
    Target("contact_name", "Contact name", CONTACT, help="Each row may add one contact to its account.",
           synonyms=("contact", "contact full name", "full name", "person", "person name")),
    Target("contact_email", "Contact email", CONTACT, help="Unique in the organization.",
           synonyms=("email", "e-mail", "email address", "contact email address")),
    Target("contact_title", "Contact title", CONTACT, synonyms=("title", "job title", "position")),
    Target("contact_phone", "Contact phone", CONTACT, synonyms=("phone", "phone number", "telephone", "mobile")),
    Target("contact_role", "Contact role", CONTACT,
           help="Champion, Executive sponsor, Decision maker, User or Billing; User when empty.",
           synonyms=("role", "stakeholder role", "contact type")),
)  # fmt: skip

CONTACT_TARGETS = ("contact_name", "contact_email", "contact_title", "contact_phone", "contact_role")
_ARR = "ARR is yearly revenue and MRR monthly, so this column is not imported. Divide it by 12 in an MRR column."
# Headers that look importable but must not be matched silently, with what the mapping page says about them.
HEADER_WARNINGS = {"arr": _ARR, "annualrecurringrevenue": _ARR}


LOCKED_BY_REVENUE_SOURCE = ("mrr",)
_MRR_HEADERS = ("mrr", "monthlyrecurringrevenue")


def targets(custom_fields: Iterable[CustomField], *, revenue_source: str = "") -> list[Target]:
    """The built-in targets, then one per custom field of the organization. While the organization's revenue comes
    from a source (`revenue_source`, its name), MRR is not a target: the source owns it."""
    found = [target for target in BUILT_IN_TARGETS if not (revenue_source and target.key in LOCKED_BY_REVENUE_SOURCE)]
    for custom in custom_fields:
        help_text = {
            CustomFieldType.NUMBER: "A number.",
            CustomFieldType.DATE: DATE_HELP,
            CustomFieldType.CHOICE: "One of: " + ", ".join(str(choice) for choice in custom.choices) + ".",
        }.get(CustomFieldType(custom.field_type), "")
        synonyms = (custom.key, custom.label)
        target = Target(f"custom_{custom.key}", custom.label, CUSTOM, help=help_text, synonyms=synonyms)
        found.append(replace(target, custom_field=custom))
    return found


def normalize_header(value: str) -> str:
    """`" Owner E-mail"` → `"owneremail"`: case, spaces, underscores and punctuation do not matter."""
    return re.sub(r"[\W_]+", "", value.casefold())


def auto_map(header: Sequence[str], all_targets: Iterable[Target]) -> dict[str, int]:
    """Target key → column index, for every target whose key, label or synonym names a column; each column once."""
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        columns.setdefault(normalize_header(name), index)
    mapping: dict[str, int] = {}
    for target in all_targets:
        for name in (target.key, target.label, *target.synonyms):
            column = columns.get(normalize_header(name))
            if column is not None and column not in mapping.values():
                mapping[target.key] = column
                break
    return mapping


def header_warnings(header: Sequence[str], mapping: dict[str, int], *, revenue_source: str = "") -> dict[int, str]:
    """Column index → why a column that looks importable is left out."""
    warnings = dict(HEADER_WARNINGS)
    if revenue_source:
        for name in _MRR_HEADERS:
            warnings[name] = (
                f"MRR comes from {revenue_source} for this organization (it follows the customers' subscriptions "
                "there), so this column is not imported."
            )
    mapped = set(mapping.values())
    return {
        index: warnings[normalize_header(name)]
        for index, name in enumerate(header)
        if index not in mapped and normalize_header(name) in warnings
    }


def without_locked(mapping: dict[str, int], revenue_source: str) -> dict[str, int]:
    """The mapping without what a revenue source owns (a file mapped before the source was connected)."""
    if not revenue_source:
        return mapping
    return {key: index for key, index in mapping.items() if key not in LOCKED_BY_REVENUE_SOURCE}
