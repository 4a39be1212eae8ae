"""The house rules a reviewer would check by hand: ruff's lint and format are clean, and the docs site builds
with no warning (mkdocs --strict: every page in the nav, every link resolves, the API reference renders)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO
from needs import need_module


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=REPO, timeout=600)


def test_ruff_lint_is_clean():
    need_module("ruff", "test")
    done = run("ruff", "check", ".")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_ruff_format_is_clean():
    need_module("ruff", "test")
    done = run("ruff", "format", "--check", ".")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_docs_site_builds_strictly(tmp_path):
    need_module("mkdocs", "test")
    done = run("mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (tmp_path / "site" / "recipe" / "index.html").is_file()
    assert "flowlights.training.recipe" in (tmp_path / "site" / "api" / "index.html").read_text()
