"""A WSGI application for tests/csm/test_overload.py: every request holds its worker SLOW_SECONDS, behind the load
shedding of csm.overload with SHED_LIMIT seconds (0: off). gunicorn serves it as it serves csm.wsgi."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIEnvironment

from csm.overload import ShedWhenQueued


def slow(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    time.sleep(float(os.environ["SLOW_SECONDS"]))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"done\n"]


application = ShedWhenQueued(slow, limit=float(os.environ["SHED_LIMIT"]))
