"""One benchmark command: `flowlights benchmark NAME` reaches every benchmark (each answers --help with its own
options), lists them, and names the choices for an unknown one; the old scripts still run them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO, flowlights
from flowlights.benchmarks import BENCHMARKS


def test_list_names_every_benchmark():
    done = flowlights("benchmark", "--list")
    assert done.returncode == 0 and all(name in done.stdout for name in BENCHMARKS)


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_each_benchmark_answers_help(name):
    done = flowlights("benchmark", name, "--help")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("usage:") and "--help" in done.stdout, done.stdout


def test_unknown_benchmark_names_the_choices():
    done = flowlights("benchmark", "nope")
    assert done.returncode == 2 and "benchmark 'nope' is unknown" in done.stderr and "deploy-soak" in done.stderr


def test_an_old_script_still_runs_its_benchmark():
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "deploy_benchmark.py"), "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "usage: flowlights benchmark deploy" in done.stdout, done.stderr
