"""The JSON API at /api/v1/ (django-ninja; its OpenAPI schema is at /api/v1/openapi.json, the docs at /api/v1/docs).

Each app adds its endpoints as a django-ninja `Router` from its `AppConfig.ready()` with `register_router(...)`;
the URLs are built on the first request, after every app is ready.

Authentication is a per-organization key sent as `Authorization: Bearer <key>`. The tenant middleware reads and
checks the key before the API runs (it opens the key's organization as the tenant context); `ApiKeyBearer` turns
a missing, wrong or revoked key into a 401 with a JSON error. Every error the API answers has the same shape:
`{"error": {"code": "...", "message": "...", "details": [...]}}`.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import AfterValidator, WithJsonSchema

from csm import apikeys
from csm.models import ApiKey, Organization


class ApiKeyBearer(HttpBearer):
    def __call__(self, request: HttpRequest) -> ApiKey:
        api_key: ApiKey | None = getattr(request, "api_key", None)
        if api_key is None:
            raise AuthenticationError(message=getattr(request, "api_auth_error", None) or apikeys.MISSING_KEY)
        return api_key

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:  # pragma: no cover - see __call__
        return getattr(request, "api_key", None)


api = NinjaAPI(
    title="Customer Success API",
    version="1",
    urls_namespace="api",
    auth=ApiKeyBearer(),
    description="Per-organization API. Authenticate with `Authorization: Bearer <key>`; keys are made by admins "
    "in Settings → API keys.",
)


def _without_nul(value: str) -> str:
    # PostgreSQL's text cannot hold NUL, and Django's form fields refuse it: the API refuses it the same way (422).
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


# Text an endpoint takes from a client (a query parameter, a field of a body): any text but NUL, and the schema says
# so (a client generated from it, or schemathesis, then knows such text is not valid).
Text = Annotated[str, AfterValidator(_without_nul), WithJsonSchema({"type": "string", "pattern": "^[^\\u0000]*$"})]


def register_router(prefix: str, router: Router) -> None:
    """Serve `router`'s endpoints under /api/v1/<prefix>."""
    api.add_router(prefix, router)


class Error(Schema):
    code: str
    message: str
    details: list[Any] | None = None


class ErrorOut(Schema):
    """Every error the API answers: `{"error": {"code": ..., "message": ..., "details": [...]}}`."""

    error: Error


# The answers every authenticated endpoint may give besides its own: a missing or bad key, an id that is not the
# key's organization's (or does not exist), a request that is not valid (`details` says where). Endpoints declare
# them (`response={200: ..., **ERRORS}`) so the schema tells clients, and the schema tests hold the API to it.
ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def error_response(status: int, code: str, message: str, details: Any = None) -> JsonResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    return JsonResponse(body, status=status)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = str(exc.message) if getattr(exc, "message", None) else apikeys.MISSING_KEY
    response = error_response(401, "unauthorized", message)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(422, "invalid", "The request is not valid.", exc.errors)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(exc.status_code, "error", str(exc))


class OrganizationOut(Schema):
    id: int
    slug: str
    name: str


class KeyOut(Schema):
    name: str
    prefix: str


class PingOut(Schema):
    organization: OrganizationOut
    key: KeyOut


@api.get("/ping", response={200: PingOut, **ERRORS}, summary="Check a key", tags=["meta"])
def ping(request: HttpRequest) -> dict[str, Any]:
    """Answers with the organization the key belongs to."""
    organization: Organization = request.organization  # type: ignore[attr-defined]
    api_key: ApiKey = request.auth  # type: ignore[attr-defined]
    return {
        "organization": {"id": organization.pk, "slug": organization.slug, "name": organization.name},
        "key": {"name": api_key.name, "prefix": api_key.display_prefix},
    }


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Unknown paths under /api/ answer in JSON too."""
    return error_response(404, "not_found", f"No API endpoint at {request.path}.")
