"""Load shedding (csm.overload): a request that waited too long for a worker gets a fast 503 and changes nothing.

The waits are real: a client connects to a real listening socket and sends its request, the test waits, then
accepts, as a busy gunicorn worker would; gunicorn itself serves a slow application in the last tests.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory

from accounts.models import Note
from csm import overload
from csm.overload import ShedWhenQueued, queued_seconds
from csm.tenancy import activate
from tests.factories import AccountFactory

ROOT = Path(__file__).resolve().parents[2]
WaitedSocket = Callable[[float], socket.socket]


@pytest.fixture
def waited_socket() -> Iterator[WaitedSocket]:
    """The server side of a connection whose request arrived `seconds` ago and waited in the listen queue since."""
    opened: list[socket.socket] = []

    def make(seconds: float) -> socket.socket:
        listener = socket.create_server(("127.0.0.1", 0))
        client = socket.create_connection(listener.getsockname())
        client.sendall(b"GET / HTTP/1.1\r\nHost: testserver\r\n\r\n")
        time.sleep(seconds)
        accepted, _ = listener.accept()
        accepted.recv(1024)
        opened.extend([listener, client, accepted])
        return accepted

    yield make
    for sock in opened:
        sock.close()


class Reached:
    """A WSGI application that says whether it was called."""

    def __init__(self) -> None:
        self.called = False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.called = True
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"page"]


def call(app: ShedWhenQueued, environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answer.update(status=status, headers=dict(headers))

    iterable = app(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        if hasattr(iterable, "close"):
            iterable.close()
    return answer["status"], answer["headers"], body


# -- how long a request queued --------------------------------------------------------------------------------------


def test_the_kernel_says_how_long_a_request_waited_in_the_listen_queue(waited_socket: WaitedSocket) -> None:
    waited = queued_seconds(waited_socket(0.3))

    assert waited is not None
    assert 0.25 <= waited <= 1.0


def test_a_fresh_request_has_not_waited(waited_socket: WaitedSocket) -> None:
    waited = queued_seconds(waited_socket(0))

    assert waited is not None and waited < 0.1


def test_the_wait_is_unknown_without_a_tcp_socket() -> None:
    left, right = socket.socketpair()
    with left, right, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        assert queued_seconds(left) is None
        assert queued_seconds(udp) is None
    assert queued_seconds(None) is None
    assert queued_seconds(object()) is None


# -- the WSGI middleware --------------------------------------------------------------------------------------------


def test_a_request_that_queued_past_the_limit_gets_a_fast_503(waited_socket: WaitedSocket) -> None:
    app = Reached()
    environ = {"PATH_INFO": "/alpha/accounts/", "gunicorn.socket": waited_socket(0.3)}

    started = time.perf_counter()
    status, headers, body = call(ShedWhenQueued(app, limit=0.1), environ)

    assert time.perf_counter() - started < 0.05
    assert status == "503 Service Unavailable" and not app.called
    assert headers["Retry-After"] == "5" and headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["Cache-Control"] == "no-store" and headers["Content-Length"] == str(len(body))
    assert b"nothing was saved" in body and b"try again in a few seconds" in body


def test_a_request_within_the_limit_reaches_the_app(waited_socket: WaitedSocket) -> None:
    app = Reached()

    status, _, body = call(ShedWhenQueued(app, limit=2), {"PATH_INFO": "/", "gunicorn.socket": waited_socket(0.2)})

    assert status == "200 OK" and body == b"page" and app.called


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/readyz/"])
def test_the_health_probes_are_never_shed(waited_socket: WaitedSocket, path: str) -> None:
    app = Reached()

    status, _, _ = call(ShedWhenQueued(app, limit=0.05), {"PATH_INFO": path, "gunicorn.socket": waited_socket(0.2)})

    assert status == "200 OK" and app.called


def test_a_zero_limit_turns_shedding_off(waited_socket: WaitedSocket) -> None:
    app = Reached()

    status, _, _ = call(ShedWhenQueued(app, limit=0), {"PATH_INFO": "/", "gunicorn.socket": waited_socket(0.2)})

    assert status == "200 OK" and app.called


def test_without_the_socket_every_request_passes() -> None:
    """runserver, the test client, another WSGI server: the wait is unknown, so nothing is refused."""
    app = Reached()

    status, _, _ = call(ShedWhenQueued(app, limit=0.001), {"PATH_INFO": "/"})

    assert status == "200 OK" and app.called


def test_shedding_is_logged_once_per_interval_with_the_count(
    waited_socket: WaitedSocket, caplog: pytest.LogCaptureFixture
) -> None:
    shedding = ShedWhenQueued(Reached(), limit=0.05)
    sockets = [waited_socket(0) for _ in range(3)]
    time.sleep(0.2)

    with caplog.at_level(logging.WARNING, logger="csm.overload"):
        for sock in sockets:
            call(shedding, {"PATH_INFO": "/", "gunicorn.socket": sock})
        shedding._logged_at -= overload.LOG_EVERY_SECONDS
        call(shedding, {"PATH_INFO": "/", "gunicorn.socket": sockets[0]})

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("Overloaded: answered 503 to 1 request(s) that waited over 0.05 s")
    assert messages[1].startswith("Overloaded: answered 503 to 3 request(s)")


# -- through Django, on the database ------------------------------------------------------------------------------


def test_the_served_application_sheds_with_the_configured_limit() -> None:
    from csm.wsgi import application

    assert isinstance(application, ShedWhenQueued) and isinstance(application.app, WSGIHandler)
    assert application.limit == settings.WEB_QUEUE_TIMEOUT


def _note_post(client: Client, account_id: int, sock: socket.socket) -> dict[str, Any]:
    """The WSGI environ of an htmx note post by the client's session, arrived on `sock`."""
    token = "a" * 32  # an unmasked CSRF secret: Django accepts it in the header as it is
    cookies = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; csrftoken={token}"
    environ = (
        RequestFactory()
        .post(
            f"/alpha/accounts/{account_id}/notes/",
            {"kind": "note", "body": "Renewal call went well."},
            headers={"HX-Request": "true", "X-CSRFToken": token, "Cookie": cookies},
        )
        .environ
    )
    return environ | {"gunicorn.socket": sock}


@pytest.fixture
def keep_the_test_connection() -> Iterator[None]:
    """Django's request signals close the database connection after a request, which would end the test's
    transaction: the test client turns them off around its requests, and so does this."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_the_test_connection")
@pytest.mark.parametrize(("limit", "status", "notes"), [(0.05, "503 Service Unavailable", 0), (5, "200 OK", 1)])
def test_a_shed_post_saves_nothing_and_one_served_saves_the_note(
    org_a: Any, csm_client: Client, waited_socket: WaitedSocket, limit: float, status: str, notes: int
) -> None:
    with activate(org_a):
        account = AccountFactory()
    application = ShedWhenQueued(WSGIHandler(), limit=limit)

    answer, _, _ = call(application, _note_post(csm_client, account.pk, waited_socket(0.2)))

    assert answer == status
    with activate(org_a):
        assert Note.objects.filter(account=account).count() == notes


# -- gunicorn -------------------------------------------------------------------------------------------------------


def _burst(limit: float, requests: int = 12, service_seconds: float = 0.2) -> list[tuple[int, float, str]]:
    """(status, seconds, Retry-After) of `requests` simultaneous requests to one sync gunicorn worker whose
    application takes `service_seconds` a request."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"SLOW_SECONDS": str(service_seconds), "SHED_LIMIT": str(limit)}
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "tests.csm.slow_wsgi:application", "--workers", "1",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        time.sleep(service_seconds * 2)  # the probe's empty connection has been dealt with

        def one(_: int) -> tuple[int, float, str]:
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("GET", "/")
                response = connection.getresponse()
                response.read()
                return response.status, time.perf_counter() - started, response.getheader("Retry-After") or ""
            finally:
                connection.close()

        with concurrent.futures.ThreadPoolExecutor(requests) as pool:
            return list(pool.map(one, range(requests)))
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_gunicorn_past_saturation_answers_a_fast_503_instead_of_a_long_queue() -> None:
    # A limit of three requests' service time: on a busy machine (the suite's other processes on the same cores) the
    # first request may itself wait a while before the worker takes it, and must still be served.
    answers = _burst(limit=0.6)

    served = [seconds for status, seconds, _ in answers if status == 200]
    shed = [(seconds, retry) for status, seconds, retry in answers if status == 503]
    assert len(served) + len(shed) == len(answers)
    assert served and len(shed) >= len(answers) // 2
    # One worker, 0.2 s a request: unshed, the last of 12 would wait 2.4 s. Shed, nobody waits much past the limit.
    assert max(seconds for _, seconds, _ in answers) < 1.5
    assert all(retry == "5" for _, retry in shed)


def test_gunicorn_without_shedding_queues_the_burst() -> None:
    """The same burst with shedding off: everything is served, the last after the whole queue (the test above
    would notice a shedding that did nothing)."""
    answers = _burst(limit=0)

    assert all(status == 200 for status, _, _ in answers)
    assert max(seconds for _, seconds, _ in answers) > 2.0
