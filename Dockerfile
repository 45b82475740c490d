# syntax=docker/dockerfile:1
# The production image: gunicorn by default; the same image runs the Celery worker and beat and the one-shot
# `manage.py provision_db` (see docker-compose.yml). Configured by environment variables only (see .env.example).

# -- Builder: the virtualenv from uv.lock, the app and its collected static files -------------------------------
FROM python:3.12-slim-bookworm AS builder

COPY --from=ghcr.io/astral-sh/uv:0.13 /uv /uvx /bin/

# Compile bytecode at install time (faster start), copy out of the cache mount (another filesystem), and use the
# image's own Python 3.12, never a downloaded one.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /app

# The dependencies alone first, from pyproject.toml and uv.lock only: this layer is rebuilt only when they change.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    --mount=type=bind,source=.python-version,target=.python-version \
    uv sync --frozen --no-dev --no-install-project

COPY . /app

# The project itself is not a package (tool.uv.package = false): this sync only checks the environment is complete.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev

# Static files are collected at build time (whitenoise serves them with hashed names). With DEBUG=false the settings
# refuse insecure defaults, so this one command gets throw-away values that never reach the final image.
RUN DEBUG=false \
    SECRET_KEY=build-only-collectstatic-not-a-secret-0000000000000000000000 \
    FIELD_ENCRYPTION_KEY=YnVpbGQtb25seS1jb2xsZWN0c3RhdGljLW5vdC1rZXk= \
    ALLOWED_HOSTS=build.invalid \
    EMAIL_URL=smtp://build.invalid \
    DATABASE_URL=postgres://build.invalid/csm \
    CSM_DATA_DIR=/tmp/csm-build \
    /app/.venv/bin/python manage.py collectstatic --noinput --verbosity 1 \
    && /app/.venv/bin/python -m compileall -q -x '/\.venv/' /app \
    && rm -rf /tmp/csm-build

# -- Final: the venv and the app, run as an unprivileged user ----------------------------------------------------
FROM python:3.12-slim-bookworm

RUN groupadd --system --gid 10001 csm \
    && useradd --system --uid 10001 --gid csm --home-dir /var/lib/csm --no-create-home --shell /usr/sbin/nologin csm \
    && install -d -o csm -g csm -m 0750 /var/lib/csm

# The code, the venv and the static files belong to root and are read-only for the app; only CSM_DATA_DIR (and /tmp)
# is writable.
COPY --from=builder /app /app

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DEBUG=false \
    DJANGO_SETTINGS_MODULE=csm.settings \
    CSM_DATA_DIR=/var/lib/csm \
    WEB_CONCURRENCY=3

WORKDIR /app
USER csm

EXPOSE 8000

# Liveness only (/healthz answers without the database); docker-compose.yml checks readiness (/readyz) for web and
# replaces or disables this check for the worker, beat and migrate containers, which serve no HTTP.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

# gunicorn reads WEB_CONCURRENCY itself as its number of workers (default 3 above; override at run time).
CMD ["gunicorn", "csm.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
