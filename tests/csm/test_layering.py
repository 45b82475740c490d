"""The layering of shared/DESIGN.md, kept by a check rather than by hand: csm (the core) ← accounts ← health,
billing ← playbooks, health and billing independent, only csm.urls and csm.dashboards on top. `make lint` runs
import-linter with the contracts of pyproject.toml; these tests prove the contracts hold today and fail on a wrong
import. The core runs what the apps register (demo-data steps, beat entries, API routers, timeline kinds)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from celery.schedules import crontab

from csm import demo, timeline
from csm.api import api
from csm.celery import app, periodic

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("csm", "accounts", "health", "billing", "playbooks")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).parent / "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(lint), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's packages and its pyproject.toml, in a folder of their own, to break on purpose."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copy(ROOT / "pyproject.toml", root)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__", "templates"))
    return root


def test_the_project_keeps_its_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def _with_line(root: Path, module: str, line: str) -> Path:
    copy = root.parent / f"{root.name}-{module.replace('/', '-')}"
    shutil.copytree(root, copy)
    path = copy / module
    path.write_text(path.read_text() + f"\n{line}\n")
    return copy


def test_the_core_importing_an_app_breaks_the_lint(project_copy):
    broken = _with_line(project_copy, "csm/tenancy/context.py", "import accounts.models  # noqa")
    result = lint_imports(broken)
    assert result.returncode != 0
    assert "csm is not allowed to import accounts" in result.stdout
    assert "csm.tenancy.context -> accounts.models" in result.stdout


def test_accounts_importing_a_higher_app_breaks_the_lint(project_copy):
    broken = _with_line(project_copy, "accounts/services/accounts.py", "import playbooks.views  # noqa")
    result = lint_imports(broken)
    assert result.returncode != 0
    assert "accounts is not allowed to import playbooks" in result.stdout


def test_health_importing_billing_breaks_the_lint(project_copy):
    (project_copy / "health" / "scoring.py").write_text("import billing  # noqa\n")
    try:
        result = lint_imports(project_copy)
    finally:
        (project_copy / "health" / "scoring.py").unlink()
    assert result.returncode != 0
    assert "health is not allowed to import billing" in result.stdout or "BROKEN" in result.stdout
    assert "health.scoring -> billing" in result.stdout


def test_the_dashboards_may_import_every_app(project_copy):
    composed = _with_line(
        project_copy, "csm/dashboards/views.py", "import accounts.models, health, billing, playbooks  # noqa"
    )
    result = lint_imports(composed)
    assert result.returncode == 0, result.stdout


# -- What the apps register ---------------------------------------------------------------------------------------


def test_the_core_names_no_app():
    """The files that once named apps: the Celery app (beat entries) and the demo command (demo steps)."""
    for path in ("csm/celery.py", "csm/management/commands/seed_demo.py", "csm/demo.py", "csm/api.py"):
        source = (ROOT / path).read_text()
        apps = "(?:accounts|health|billing|playbooks)"
        named = re.findall(rf"(?<![\w.]){apps}\.[a-z_]+|(?:from|import) {apps}\b", source)
        assert named == [], path


def test_accounts_registers_its_demo_step_beat_entry_api_router_and_timeline_kinds():
    assert [step.name for step in demo.steps()][:1] == ["accounts"]
    assert app.conf.beat_schedule["discard-stale-imports"]["task"] == "accounts.tasks.discard_stale_imports_everywhere"
    assert "/accounts" in {prefix for prefix, _ in api._routers}
    assert {"note", "task", "ticket", "change"} <= {kind.key for kind in timeline.kinds()}


def test_demo_steps_run_after_the_steps_they_name(monkeypatch):
    monkeypatch.setattr(demo, "_steps", {})
    ran: list[str] = []
    for name, after in [("playbooks", ("health", "billing")), ("health", ("accounts",)), ("billing", ()),
                        ("accounts", ())]:  # fmt: skip
        demo.register_step(demo.DemoStep(name, lambda *args, name=name: ran.append(name), after=after))
    order = [step.name for step in demo.steps()]
    assert order.index("accounts") < order.index("health") < order.index("playbooks")
    assert order.index("billing") < order.index("playbooks")
    assert len(order) == 4


def test_demo_steps_refuse_a_circle_or_a_missing_step(monkeypatch):
    monkeypatch.setattr(demo, "_steps", {})
    demo.register_step(demo.DemoStep("a", lambda *args: None, after=("b",)))
    demo.register_step(demo.DemoStep("b", lambda *args: None, after=("a",)))
    with pytest.raises(ValueError, match="circle"):
        demo.steps()
    monkeypatch.setattr(demo, "_steps", {})
    demo.register_step(demo.DemoStep("a", lambda *args: None, after=("nowhere",)))
    with pytest.raises(ValueError, match="nowhere"):
        demo.steps()


def test_two_apps_cannot_take_the_same_beat_name():
    with pytest.raises(ValueError, match="discard-stale-imports"):
        periodic("discard-stale-imports", task="elsewhere.tasks.sweep", schedule=crontab())
