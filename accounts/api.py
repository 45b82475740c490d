"""The accounts API under /api/v1/accounts (registered from `accounts.apps`): read the organization's accounts, for
an integration that maps its own ids (`external_id`) or web domains to ours.

Every query runs inside the API key's organization (the tenant middleware opens it): another organization's
account is a 404, as an id that does not exist.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import P, PathEx, Query, Router, Schema
from pydantic import Field

from accounts.models import Account
from accounts.selectors.accounts import accounts_for_api
from csm.api import ERRORS, Text

router = Router(tags=["accounts"])

MAX_LIMIT = 200
MAX_ID = 2**63 - 1  # PostgreSQL's bigint


class AccountOut(Schema):
    id: int
    name: str
    external_id: str | None
    domains: list[str]
    owner_email: str | None = Field(description="The email of the CSM who owns the account.")
    tier: str | None
    stage: str | None
    stage_category: str | None = Field(description="trial, onboarding, adoption, mature, renewal or churned.")
    plan: str
    mrr: Decimal = Field(description="Monthly recurring revenue in the organization's currency.")
    currency: str
    start_date: date | None
    renewal_date: date | None
    trial_ends_on: date | None
    seats: int | None
    churn_date: date | None
    health_score: int | None
    health_band: str = Field(description="healthy, neutral, at_risk, or empty before a score.")
    updated_at: datetime


class AccountPage(Schema):
    items: list[AccountOut]
    next_after: int | None = Field(description="Pass as `after` for the next page; null on the last page.")


class AccountQuery(Schema):
    external_id: Text | None = Field(None, max_length=100, description="Your own id for the account.")
    domain: Text | None = Field(None, max_length=253, description="One of the account's web domains.")
    after: int = Field(0, ge=0, le=MAX_ID, description="Accounts with a larger id than this one.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


def _out(account: Account, currency: str) -> AccountOut:
    return AccountOut(
        id=account.pk,
        name=account.name,
        external_id=account.external_id,
        domains=account.domain_list,
        owner_email=account.owner.email if account.owner else None,
        tier=account.tier.name if account.tier else None,
        stage=account.stage.name if account.stage else None,
        stage_category=account.stage.category if account.stage else None,
        plan=account.plan,
        mrr=account.mrr,
        currency=currency,
        start_date=account.start_date,
        renewal_date=account.renewal_date,
        trial_ends_on=account.trial_ends_on,
        seats=account.seats,
        churn_date=account.churn_date,
        health_score=account.health_score,
        health_band=account.health_band,
        updated_at=account.updated_at,
    )


@router.get("", response={200: AccountPage, **ERRORS}, summary="List accounts")
def list_accounts(request: HttpRequest, filters: Query[AccountQuery]) -> AccountPage:
    """The organization's accounts in id order, `limit` at a time; filter by `external_id` or `domain`."""
    currency = request.organization.currency  # type: ignore[attr-defined]
    accounts = list(
        accounts_for_api(external_id=filters.external_id, domain=filters.domain, after=filters.after)[
            : filters.limit + 1
        ]
    )
    more = len(accounts) > filters.limit
    accounts = accounts[: filters.limit]
    return AccountPage(
        items=[_out(account, currency) for account in accounts],
        next_after=accounts[-1].pk if more else None,
    )


@router.get("/{account_id}", response={200: AccountOut, **ERRORS}, summary="Read an account")
def read_account(request: HttpRequest, account_id: PathEx[int, P(ge=1, le=MAX_ID)]) -> AccountOut:
    account = get_object_or_404(accounts_for_api(), pk=account_id)
    return _out(account, request.organization.currency)  # type: ignore[attr-defined]
