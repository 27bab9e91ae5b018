"""The command line: complete help, init, version, and the installed `portfolio` script."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import run_portfolio


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["init"], ["import"], ["import", "profile"]])
def test_help_is_complete_and_exits_zero(command: list[str]) -> None:
    result = run_portfolio(*command, "--help")
    assert result.returncode == 0
    assert "usage: portfolio" in result.stdout
    if command and command[0] in ("build", "check") or command == ["import", "profile"]:
        assert "--source DIR" in result.stdout
    if command == ["build"]:
        assert "--output DIR" in result.stdout and "--base-url URL" in result.stdout


def test_unknown_option_is_a_usage_error() -> None:
    result = run_portfolio("build", "--no-such-option")
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_version() -> None:
    result = run_portfolio("--version")
    assert result.returncode == 0 and result.stdout.startswith("portfolio ")


def test_init_makes_a_project_that_builds(tmp_path: Path) -> None:
    target = tmp_path / "newsite"
    result = run_portfolio("init", str(target))
    assert result.returncode == 0, result.stderr
    build = run_portfolio("build", "--source", str(target))
    assert build.returncode == 0, build.stderr
    html = (target / "site/papers/my-first-paper/index.html").read_text()
    assert "<math" in html and "<em>LaTeX text macros</em>" in html


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    result = run_portfolio("init", str(tmp_path))
    assert result.returncode == 2 and "not empty" in result.stderr


def test_missing_project_is_explained(tmp_path: Path) -> None:
    result = run_portfolio("build", "--source", str(tmp_path))
    assert result.returncode == 2 and "content/site.yaml is missing" in result.stderr


def test_console_script_runs_from_the_project_folder(example_project: Path) -> None:
    script = shutil.which("portfolio")
    assert script, "the package must be installed (pip install -e '.[test]')"
    result = subprocess.run([script, "build"], cwd=example_project, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (example_project / "site" / "index.html").is_file()
