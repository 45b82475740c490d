"""Liveness and readiness probes for the orchestrator (docker compose, a load balancer): `/healthz` and `/readyz`,
answered by `ProbeMiddleware` first, before host validation, the HTTPS redirect, sessions or the database
transaction (probes come from inside the network)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import connections
from django.http import HttpRequest, HttpResponseBase, JsonResponse

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and answering."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("readiness: database unreachable")
        return False


def _broker_ok() -> bool:
    from csm.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.exception("readiness: broker unreachable")
        return False


def readyz(request: HttpRequest) -> JsonResponse:
    """The database and the broker are reachable: 200, or 503 with what is down."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    ready = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": {k: "ok" if v else "down" for k, v in checks.items()}},
        status=200 if ready else 503,
    )


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info.rstrip("/")
        if path == "/healthz":
            return healthz(request)
        if path == "/readyz":
            return readyz(request)
        return self.get_response(request)
