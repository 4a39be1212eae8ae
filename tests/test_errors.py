"""Bad input fails early with a message naming the value and the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import flowlights
from flowlights.errors import ConfigError
from flowlights.networks.network_file import BUNDLED_DIR

GRID = BUNDLED_DIR / "grid2x2"


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (
            {"net_file": "nowhere.net.xml", "route_file": str(GRID / "grid2x2-flowlights.rou.xml")},
            r"net file .*nowhere\.net\.xml.* does not exist",
        ),
        (
            {"net_file": str(GRID / "grid2x2-flowlights.net.xml"), "route_file": "missing.rou.xml"},
            r"route file .*missing\.rou\.xml.* does not exist",
        ),
        ({"net_file": str(GRID / "grid2x2-flowlights.net.xml")}, r"needs route_file="),
        ({"scenario": "grid9x9"}, r"scenario 'grid9x9' is neither a bundled name \(.*grid2x2"),
        ({"sumocfg": "none.sumocfg"}, r"sumocfg .*none\.sumocfg.* does not exist"),
        ({}, r"name the scenario once"),
        ({"scenario": "grid2x2", "tls_ids": ["Z9"]}, r"unknown junction id 'Z9' .*A0"),
        ({"scenario": "grid2x2", "tls_ids": ["top0"]}, r"junction 'top0' has no traffic light"),
        ({"scenario": "grid2x2", "min_green": 30, "max_green": 20}, r"min_green=30 is larger than max_green=20"),
        (
            {"scenario": "grid2x2", "delta_time": 4, "yellow": 3, "all_red": 2},
            r"delta_time=4 is shorter than yellow \+ all_red",
        ),
        ({"scenario": "grid2x2", "yellow": 0}, r"yellow=0: a yellow of > 0 s is required"),
        ({"scenario": "grid2x2", "backend": "sumo"}, r"backend='sumo' is unknown"),
        ({"scenario": "grid2x2", "gui": True}, r"gui=True needs backend='traci'"),
        ({"scenario": "grid2x2", "observation": ["queue", "colour"]}, r"unknown observation 'colour'; registered: "),
        ({"scenario": "grid2x2", "reward": "happiness"}, r"unknown reward 'happiness'; registered: "),
        ({"scenario": "grid2x2", "delta": 5}, r"unknown argument 'delta'; allowed: .*delta_time"),
        ({"scenario": "grid2x2", "begin": 100, "end": 50}, r"end=50 must be later than begin=100"),
    ],
)
def test_bad_arguments_fail_at_construction(kwargs, pattern):
    with pytest.raises(ConfigError, match=pattern):
        flowlights.parallel_env(**kwargs)


def test_route_file_without_vehicles(tmp_path):
    empty = tmp_path / "empty.rou.xml"
    empty.write_text("<routes>\n  <vType id='car'/>\n</routes>\n")
    with pytest.raises(ConfigError, match=r"define no vehicle, flow, trip or person"):
        flowlights.parallel_env(net_file=GRID / "grid2x2-flowlights.net.xml", route_file=empty)


def test_unreadable_or_wrong_net_file(tmp_path):
    bogus = tmp_path / "bogus.net.xml"
    bogus.write_text("<routes/>")
    with pytest.raises(ConfigError, match=r"is not a SUMO network \(root <routes>"):
        flowlights.parallel_env(net_file=bogus, route_file=GRID / "grid2x2-flowlights.rou.xml")
    broken = tmp_path / "broken.net.xml"
    broken.write_text("<net><edge")
    with pytest.raises(ConfigError, match=r"is not valid XML"):
        flowlights.parallel_env(net_file=broken, route_file=GRID / "grid2x2-flowlights.rou.xml")


def test_folder_with_two_sumocfg(tmp_path):
    for name in ("a", "b"):
        shutil.copy(GRID / "grid2x2.sumocfg", tmp_path / f"{name}.sumocfg")
    with pytest.raises(ConfigError, match=r"holds 2 \.sumocfg files"):
        flowlights.parallel_env(scenario=tmp_path)


def test_actions_outside_space_and_step_after_end():
    env = flowlights.parallel_env(scenario="grid2x2", end=20)
    with pytest.raises(ConfigError, match=r"step\(\) called after the episode ended \(or before reset\(\)\)"):
        env.step({"A0": 0})
    try:
        env.reset(seed=0)
        n = env.action_space("A0").n
        with pytest.raises(
            ConfigError,
            match=rf"action {n} for 'A0' is not in its action space Discrete\({n}\); give an integer in 0..{n - 1}",
        ):
            env.step({"A0": n})
        with pytest.raises(ConfigError, match=r"action for 'Q1', which is not an agent"):
            env.step({"Q1": 0})
        while env.agents:
            env.step({a: 0 for a in env.agents})
        with pytest.raises(ConfigError, match=r"after the episode ended"):
            env.step({"A0": 0})
    finally:
        env.close()


def test_damaged_results_folder_and_checkpoint_give_one_line_errors(tmp_path):
    import json
    import subprocess
    import sys

    import yaml

    from conftest import REPO

    def evaluate(run: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "flowlights.cli", "evaluate", "--checkpoint", str(run), "--trust-code"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=REPO,
        )

    corrupt = tmp_path / "corrupt"
    (corrupt / "checkpoints" / "iter_000001" / "learner_group").mkdir(parents=True)
    (corrupt / "params.json").write_text("{not json")
    done = evaluate(corrupt)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert f"{corrupt / 'params.json'} is not valid JSON" in done.stderr and "train again" in done.stderr

    incomplete = tmp_path / "incomplete"
    (incomplete / "checkpoints" / "iter_000001" / "learner_group").mkdir(parents=True)
    params = yaml.safe_load((REPO / "exp_configs" / "grid2x2_shared.yaml").read_text())
    (incomplete / "params.json").write_text(json.dumps(params))
    done = evaluate(incomplete)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "cannot be loaded" in done.stderr and "give an earlier one" in done.stderr
