"""Load shedding: past saturation, a request that waited too long for a worker gets a fast 503 instead of its page.

gunicorn's sync workers (the Dockerfile's) take one connection at a time; the others wait in the kernel's listen
queue. Past saturation that queue only grows, and every request waits longer than the one before it (7 s was
measured), the ones that are served included. The kernel knows how long each one waited: `TCP_INFO`'s
`tcpi_last_data_recv` on the accepted socket is the milliseconds since the request's last bytes arrived. Measured
when the worker starts the request, it is the time the request queued, whoever is in front (a proxy buffers the
request before it connects, so the figure is the wait for gunicorn there too).

`ShedWhenQueued` wraps the WSGI application (csm/wsgi.py): a request that queued longer than WEB_QUEUE_TIMEOUT
seconds is answered `503 Service Unavailable` with `Retry-After` and a short plain-text page, before Django, the
session or the database do anything: it costs the worker a fraction of a millisecond, so the queue drains, and the
requests behind it wait at most about WEB_QUEUE_TIMEOUT before they are served or refused. Nothing of a refused
request happens (a form posted then is not saved), which the page says. The health probes are never refused: a
probe that waited still says the process is alive.

Why not the other ways: a shorter `--backlog` makes the kernel drop new connections (clients retry after 1 s, 3 s,
...), not answer them; gunicorn's gthread worker accepts connections into each worker's own unbounded queue (a busy
worker keeps taking them while another idles, and threads gain nothing on CPU-bound rendering under the GIL); a
concurrency limit inside the process sees nothing under sync workers, whose queue is the kernel's; an
`X-Request-Start` header needs a proxy that sets it and a setting to trust it.

What it is not: a rate limit (every request that did not wait is served), nor a cure (the capacity is the same; it
decides who waits). It needs the socket (gunicorn puts it in the environ as `gunicorn.socket`) and Linux; elsewhere,
under `runserver` or the test client, it lets everything through.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

# struct tcp_info (include/uapi/linux/tcp.h): eight u8 fields, then u32 fields; tcpi_last_data_recv is the 12th u32.
_TCP_INFO = struct.Struct("8B24I")
_LAST_DATA_RECV = 8 + 11

RETRY_AFTER_SECONDS = 5
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
BODY = (
    b"Too many requests are waiting right now: this one was refused before anything was done, so nothing was "
    b"saved. Please try again in a few seconds.\n"
)
_HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", str(len(BODY))),
    ("Retry-After", str(RETRY_AFTER_SECONDS)),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]
# One log line at most every this many seconds per process, with the count since the last one.
LOG_EVERY_SECONDS = 10.0


def queued_seconds(sock: object) -> float | None:
    """Seconds since the last bytes of the request arrived on this TCP socket; None where that cannot be known (not
    a TCP socket, not Linux)."""
    getsockopt = getattr(sock, "getsockopt", None)
    if getsockopt is None or not hasattr(socket, "TCP_INFO"):
        return None
    try:
        raw = getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO.size)
    except (OSError, TypeError):
        return None
    if not isinstance(raw, bytes) or len(raw) < _TCP_INFO.size:
        return None
    milliseconds: int = _TCP_INFO.unpack(raw)[_LAST_DATA_RECV]
    return milliseconds / 1000


class ShedWhenQueued:
    """WSGI middleware: 503 at once for a request that queued more than `limit` seconds; `limit` 0 turns it off."""

    def __init__(self, app: WSGIApplication, *, limit: float) -> None:
        self.app = app
        self.limit = limit
        self._lock = threading.Lock()
        self._shed_since_log = 0
        self._logged_at = -LOG_EVERY_SECONDS

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.limit > 0 and environ.get("PATH_INFO", "").rstrip("/") not in EXEMPT_PATHS:
            waited = queued_seconds(environ.get("gunicorn.socket"))
            if waited is not None and waited > self.limit:
                self._count(waited)
                start_response("503 Service Unavailable", list(_HEADERS))
                return [BODY]
        return self.app(environ, start_response)

    def _count(self, waited: float) -> None:
        with self._lock:
            self._shed_since_log += 1
            now = time.monotonic()
            if now - self._logged_at < LOG_EVERY_SECONDS:
                return
            count, self._shed_since_log, self._logged_at = self._shed_since_log, 0, now
        logger.warning(
            "Overloaded: answered 503 to %d request(s) that waited over %.2f s for a worker (the last waited %.2f s)",
            count,
            self.limit,
            waited,
        )
