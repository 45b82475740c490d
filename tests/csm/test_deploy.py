"""The production stack: docker-compose.yml, the Dockerfile's build-time settings, `check --deploy` under a
production environment, the refusal to start with insecure defaults, and `.env.example` listing every variable.

None of these needs the test database: each Django run is a subprocess with its own environment, started from this
process's environment less every variable the app, compose or `make test` set (csm.settings_test fills some in).
There is no Docker engine here: `docker compose config` validates and renders the compose file without one.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = ROOT / "csm" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

# Compose refuses to start without these (`${NAME:?message}`).
COMPOSE_REQUIRED = (
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEY",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "POSTGRES_PASSWORD",
    "CSM_APP_DB_PASSWORD",
    "CSM_OPS_DB_PASSWORD",
)
APP_SERVICES = ("migrate", "web", "worker", "beat")

# `env.str("NAME")`, `env("NAME")`, `environ.Env().str("NAME")`, `os.environ.get("NAME")`, `os.getenv("NAME")`,
# `os.environ["NAME"]`: every way the settings read one variable.
_READS = (
    re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""\benviron\.Env\(\)\.\w+\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""\bos\.(?:environ\.get|getenv|environ\.setdefault)\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""\bos\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""),
)
# A family of variables read by prefix, such as ANYMAIL_<NAME>: `key.startswith("ANYMAIL_")`.
_PREFIX_READ = re.compile(r"""\.startswith\(\s*["']([A-Z][A-Z0-9_]*_)["']\s*\)""")
# `${NAME}`, `${NAME:-default}`, `${NAME:?message}` in the compose file (`$${...}` is an escaped, literal `$`).
_COMPOSE_VARIABLE = re.compile(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)")
# `NAME=value` or `# NAME=value` in .env.example.
_EXAMPLE_ASSIGNMENT = re.compile(r"^[ \t]*(#[ \t]*)?([A-Z][A-Z0-9_]*)=(.*)$", re.MULTILINE)


@cache
def settings_variables() -> frozenset[str]:
    source = SETTINGS_FILE.read_text()
    return frozenset(name for pattern in _READS for name in pattern.findall(source))


@cache
def settings_prefixes() -> frozenset[str]:
    return frozenset(_PREFIX_READ.findall(SETTINGS_FILE.read_text()))


@cache
def compose_variables() -> frozenset[str]:
    return frozenset(_COMPOSE_VARIABLE.findall(COMPOSE_FILE.read_text()))


def example_assignments() -> list[tuple[bool, str, str]]:
    """(commented out, name, value) for each variable line of .env.example."""
    return [(bool(hashes), name, value) for hashes, name, value in _EXAMPLE_ASSIGNMENT.findall(ENV_EXAMPLE.read_text())]


def clean_env() -> dict[str, str]:
    """This process's environment without any variable that configures the app, compose or the tests."""
    known = settings_variables() | compose_variables() | {name for _, name, _ in example_assignments()}
    prefixes = (*settings_prefixes(), "DATABASE_", "DJANGO_", "COMPOSE_", "TEST_DATABASE_", "CELERY_", "CSM_")
    return {key: value for key, value in os.environ.items() if key not in known and not key.startswith(prefixes)}


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """What docker-compose.yml gives the web container; an override of None removes the variable."""
    env = clean_env()
    env.update(
        DJANGO_SETTINGS_MODULE="csm.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="cs.example.com",
        # Nothing connects: `check` without --database runs no database check.
        DATABASE_URL="postgres://csm_app:app-password@postgres:5432/csm",
        DATABASE_OPS_URL="postgres://csm_ops:ops-password@postgres:5432/csm",
        REDIS_URL="redis://redis:6379/0",
        TRUST_X_FORWARDED_PROTO="true",
        SITE_URL="https://cs.example.com",
        EMAIL_URL="smtp+tls://mailer:mail-password@smtp.example.com:587",
        CSM_DATA_DIR=str(tmp_path / "data"),
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


# -- docker compose ---------------------------------------------------------------------------------------------


@cache
def compose_command() -> tuple[str, ...] | None:
    """`docker compose` (the CLI plugin), else a standalone Compose v2 `docker-compose` (on PATH, beside this Python, or
    the one `make compose` puts in .data/compose); None when none runs."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, timeout=60).returncode == 0:
        return (docker, "compose")
    candidates = (
        shutil.which("docker-compose"),
        str(Path(sys.executable).with_name("docker-compose")),
        str(ROOT / ".data" / "compose" / "docker-compose"),
    )
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            version = subprocess.run([candidate, "version"], capture_output=True, text=True, timeout=60)
            if version.returncode == 0 and re.search(r"\bv?2\.", version.stdout):
                return (candidate,)
    return None


@pytest.fixture
def compose(tmp_path: Path) -> Any:
    """Run compose on docker-compose.yml with exactly the given variables: an empty --env-file hides any local .env."""
    command = compose_command()
    if command is None:
        reason = "the docker CLI is not installed" if shutil.which("docker") is None else "no Compose v2 plugin"
        pytest.skip(f"docker compose is not available ({reason}): cannot validate docker-compose.yml")
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")

    def run(*args: str, variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
        files = ["--project-directory", str(ROOT), "--file", str(COMPOSE_FILE), "--env-file", str(empty_env_file)]
        return subprocess.run(
            [*command, *files, *args],
            cwd=ROOT,
            env=clean_env() | variables,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


def required_variables() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "cs.example.com",
        "SITE_URL": "https://cs.example.com",
        "POSTGRES_PASSWORD": secrets.token_hex(16),
        "CSM_APP_DB_PASSWORD": secrets.token_hex(16),
        "CSM_OPS_DB_PASSWORD": secrets.token_hex(16),
    }


def test_compose_config_is_valid_with_the_required_variables(compose: Any) -> None:
    result = compose("config", "--quiet", variables=required_variables())

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", COMPOSE_REQUIRED)
@pytest.mark.parametrize("value", [None, ""], ids=["missing", "empty"])
def test_compose_refuses_a_missing_required_variable(compose: Any, name: str, value: str | None) -> None:
    variables = required_variables()
    if value is None:
        del variables[name]
    else:
        variables[name] = value

    result = compose("config", "--quiet", variables=variables)

    assert result.returncode != 0
    assert f"required variable {name} is missing a value" in result.stderr
    assert f"set {name} in .env" in result.stderr


def test_compose_gives_the_owner_credentials_to_migrate_only(compose: Any) -> None:
    variables = required_variables()
    result = compose("config", "--format", "json", variables=variables)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]

    assert set(services) == {"postgres", "redis", *APP_SERVICES}
    owner_url = services["migrate"]["environment"]["DATABASE_OWNER_URL"]
    assert owner_url == f"postgres://postgres:{variables['POSTGRES_PASSWORD']}@postgres:5432/csm"
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["DEBUG"] == "false"
        assert environment["DATABASE_URL"].startswith(f"postgres://csm_app:{variables['CSM_APP_DB_PASSWORD']}@")
        assert environment["DATABASE_OPS_URL"].startswith(f"postgres://csm_ops:{variables['CSM_OPS_DB_PASSWORD']}@")
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert environment["TRUST_X_FORWARDED_PROTO"] == "true"
        if name != "migrate":
            assert environment["DATABASE_OWNER_URL"] == ""
            assert variables["POSTGRES_PASSWORD"] not in json.dumps(services[name])
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["restart"] == "unless-stopped"
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


# -- Django's production checks ---------------------------------------------------------------------------------


def test_check_deploy_is_clean_in_a_production_environment(tmp_path: Path) -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_an_email_service(tmp_path: Path) -> None:
    """Without ANYMAIL_ESP or EMAIL_URL invitations and password resets would only reach the console."""
    result = manage("check", "--deploy", env=production_env(tmp_path, EMAIL_URL=None))

    assert result.returncode != 0
    assert "Refusing to start with DEBUG=false: set ANYMAIL_ESP" in result.stderr


INSECURE_SECRET_KEY = "django-insecure-local-development-only-never-use-this-key-in-production"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECRET_KEY", None),
        ("SECRET_KEY", INSECURE_SECRET_KEY),
        ("SECRET_KEY", "django-insecure-" + "x" * 50),
        ("SECRET_KEY", "too-short-" + "x" * 30),
        ("FIELD_ENCRYPTION_KEY", None),
        ("ALLOWED_HOSTS", None),
        ("ALLOWED_HOSTS", ""),
    ],
    ids=["no-secret-key", "default-secret-key", "insecure-secret-key", "short-secret-key", "no-encryption-key",
         "no-allowed-hosts", "empty-allowed-hosts"],
)  # fmt: skip
def test_production_refuses_to_start_with_an_insecure_setting(tmp_path: Path, name: str, value: str | None) -> None:
    result = manage("check", env=production_env(tmp_path, **{name: value}))

    assert result.returncode != 0
    error = "django.core.exceptions.ImproperlyConfigured: Refusing to start with DEBUG=false"
    message = next((line for line in result.stderr.splitlines() if line.startswith(error)), "")
    assert message, result.stderr
    assert f"{name} must be set" in message or f"{name} must list" in message, message
    for other in {"SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS"} - {name}:
        assert other not in message, message


@pytest.mark.parametrize("value", ["nan", "0", "-1", "inf", "fast"])
def test_a_bad_random_page_cost_is_refused(tmp_path: Path, value: str) -> None:
    result = manage("check", env=production_env(tmp_path, DATABASE_RANDOM_PAGE_COST=value))

    assert result.returncode != 0
    assert "DATABASE_RANDOM_PAGE_COST" in result.stderr


@pytest.mark.parametrize("value", ["nan", "-1", "inf", "3601", "soon"])
def test_a_bad_queue_timeout_is_refused(tmp_path: Path, value: str) -> None:
    result = manage("check", env=production_env(tmp_path, WEB_QUEUE_TIMEOUT=value))

    assert result.returncode != 0
    assert "WEB_QUEUE_TIMEOUT" in result.stderr


# -- Dockerfile -------------------------------------------------------------------------------------------------


def _dockerfile_instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    logical = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [line.strip() for line in logical.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_dockerfile_build_time_settings_collect_the_static_files(tmp_path: Path) -> None:
    """The throw-away values of the collectstatic step pass the production settings' own refusals."""
    instructions = _dockerfile_instructions()
    collect = next(line for line in instructions if line.startswith("RUN ") and "collectstatic" in line)
    inline = dict(re.findall(r"\b([A-Z][A-Z0-9_]*)=(\S+)", collect.split("manage.py")[0]))
    assert {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS"} <= set(inline)
    assert inline["DEBUG"] == "false"

    env = clean_env() | inline
    env |= {"CSM_DATA_DIR": str(tmp_path / "data"), "STATIC_ROOT": str(tmp_path / "static")}
    result = manage("collectstatic", "--noinput", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "static" / "staticfiles.json").is_file()


def test_the_final_image_carries_no_secret() -> None:
    instructions = _dockerfile_instructions()
    last_from = max(index for index, line in enumerate(instructions) if line.startswith("FROM "))
    final_stage = "\n".join(instructions[last_from:])

    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "PASSWORD", "DATABASE_URL"):
        assert name not in final_stage
    assert re.search(r"^USER csm$", final_stage, re.MULTILINE)
    assert "ENV " in final_stage and "DEBUG=false" in final_stage


# -- .env.example -----------------------------------------------------------------------------------------------


def test_env_example_lists_every_variable_the_settings_read() -> None:
    names = settings_variables()
    # The regular expressions still find the settings' reads (an empty match would prove nothing).
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEY", "DATABASE_URL", "CSM_DATA_DIR"} <= names
    listed = {name for _, name, _ in example_assignments()}

    assert sorted(names - listed) == []
    for prefix in settings_prefixes():
        assert any(name.startswith(prefix) and name not in names for name in listed), f"no {prefix}<NAME> example"


def test_env_example_lists_every_variable_compose_reads() -> None:
    listed = {name for _, name, _ in example_assignments()}

    assert set(COMPOSE_REQUIRED) <= compose_variables()
    assert sorted(compose_variables() - listed) == []


def test_env_example_holds_no_value_and_leaves_the_required_ones_to_fill_in() -> None:
    """Copied as it is, `.env.example` makes compose refuse to start rather than run on a placeholder secret."""
    active = {name: value for commented, name, value in example_assignments() if not commented}

    assert set(active) == set(COMPOSE_REQUIRED)
    assert all(value.strip() == "" for value in active.values()), active
    names = [name for _, name, _ in example_assignments()]
    assert len(names) == len(set(names)), "a variable is listed twice"
