"""The GitHub workflows: valid against GitHub's workflow schema, and running the checks they promise.

They cannot run on these machines (no GitHub runners), so this is what keeps their YAML honest.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yaml"))


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def steps_using(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each step's action (without its version), mapped to the step."""
    return {
        step["uses"].split("@")[0]: step
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if "uses" in step
    }


def test_every_workflow_passes_githubs_schema() -> None:
    assert {path.name for path in WORKFLOWS} == {"validate.yaml", "builder.yaml", "tests.yaml"}
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_runs_hassfest_and_hacs_for_an_integration() -> None:
    actions = steps_using(load("validate.yaml"))
    assert "home-assistant/actions/hassfest" in actions
    assert actions["hacs/action"]["with"]["category"] == "integration"


def test_builder_builds_every_architecture_the_add_on_declares() -> None:
    workflow = load("builder.yaml")
    config = yaml.safe_load((ROOT / "addon" / "config.yaml").read_text(encoding="utf-8"))
    assert sorted(workflow["jobs"]["build"]["strategy"]["matrix"]["arch"]) == sorted(config["arch"])
    actions = steps_using(workflow)
    assert actions["frenck/action-addon-linter"]["with"]["path"] == "./addon"
    args = actions["home-assistant/builder"]["with"]["args"]
    assert "--target /data/addon" in args
    assert "--${{ matrix.arch }}" in args


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_workflows_grant_read_only_contents(path: Path) -> None:
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["permissions"] == {"contents": "read"}


def test_tests_workflow_runs_the_ci_script() -> None:
    runs = [step.get("run", "") for step in load("tests.yaml")["jobs"]["test"]["steps"]]
    assert any("bash .ci/run" in run for run in runs)
