"""A Regularflow user's own scripts on flowlights: the example of Regularflow's README (topic creation, an
influencer and its follower), with only the import changed, each in its own process against a real
Kafka-protocol broker (Tansu) on the README's localhost:9092, and `flowlights regularflow` as the managers."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from brokers import kafka_broker, stop
from conftest import flowlights
from flowlights.deploy.bus import open_bus
from flowlights.errors import ConfigError
from flowlights.regularflow import newAgent

SCRIPTS = Path(__file__).parent / "regularflow_scripts"
SEED_SAVE = "/home/roloman/projet-perso/regularflow/example/saves/save_influencer0"
END = 250  # simulated seconds: 50 decisions per light (a training influencer updates every 32)
BUS = "kafka://localhost:9092"
CONFIG = {"bootstrap.servers": "localhost:9092"}


def script(folder: Path, name: str, replace: dict[str, str] | None = None) -> Path:
    """The seed's script ``name``, copied into ``folder`` with ``replace``'s substitutions (none: as it is)."""
    text = (SCRIPTS / name).read_text()
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / f"{len(list(folder.glob('*.py')))}_{name}"
    path.write_text(text)
    return path


def start(path: Path, cwd: Path) -> subprocess.Popen:
    log = open(path.with_suffix(".log"), "w")
    return subprocess.Popen([sys.executable, str(path)], cwd=cwd, stdout=log, stderr=subprocess.STDOUT)


def managers(out: Path, *options: str) -> subprocess.Popen:
    command = ["flowlights", "regularflow", "--scenario", "grid2x2", "--bus", BUS, "--end", str(END), "--out", str(out)]
    return subprocess.Popen([*command, *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, scripts: list[subprocess.Popen], timeout: float = 240) -> str:
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        for s in scripts:
            try:
                s.wait(timeout=60)
            except subprocess.TimeoutExpired:
                stop(s)
    assert proc.returncode == 0, err[-3000:]
    assert all(s.returncode == 0 for s in scripts), [s.args for s in scripts if s.returncode != 0]
    return out


def decisions(out: Path) -> dict[int, dict[str, int]]:
    """seq -> {cluster/id: action} from decisions.csv."""
    table: dict[int, dict[str, int]] = {}
    with open(out / "decisions.csv") as f:
        for row in csv.DictReader(f):
            table.setdefault(int(row["seq"]), {})[f"{row['cluster']}/{row['id']}"] = int(row["action"])
    return table


def assert_followers_complement(out: Path, pairs: list[tuple[str, str]]) -> dict:
    report = json.loads((out / "metrics.json").read_text())
    rf = report["regularflow"]
    table = decisions(out)
    assert len(table) == END // 5 and report["summary"]["decisions"]["mean"] == len(table) * len(rf["lights"])
    for lead, follow in pairs:
        cluster, lead_id = lead.split("/")
        follower_id = follow.split("/")[1]
        complement = rf["complements"][cluster][follower_id][lead_id]
        assert sorted(complement) == list(range(len(complement))) and complement != list(range(len(complement)))
        for seq, actions in table.items():
            assert actions[follow] == complement[actions[lead]], f"seq {seq}: the follower is not the complement"
    return report


def weights(folder: Path) -> dict:
    import torch

    return torch.load(folder / "weights.pt", weights_only=True)


def test_the_seed_scripts_run_unchanged_over_kafka(tmp_path):
    work = tmp_path / "scripts"
    work.mkdir()
    with kafka_broker(port=9092) as url:
        created = subprocess.run([sys.executable, str(SCRIPTS / "create_topics.py")], capture_output=True, text=True)
        assert created.returncode == 0, created.stderr

        # 1. demo from fresh weights; scripts started before the managers; _save() to Regularflow's default path
        fresh = script(work, "influencer.py", {f'agent._restore("{SEED_SAVE}")': "pass"})
        scripts = [start(script(work, "follower.py"), work), start(fresh, work)]
        time.sleep(2)
        finish(managers(tmp_path / "demo", "--lights", "A0,B0"), scripts)
        report = assert_followers_complement(tmp_path / "demo", [("cluster0/0", "cluster0/1")])
        w0 = weights(work / "saves" / "save_influencer0")

        # 2. training (startAgent) from those weights, managers first, the follower killed and restarted mid-run
        proc = managers(tmp_path / "train", "--lights", "A0,B0")
        trainer = script(
            work,
            "influencer.py",
            {
                SEED_SAVE: "saves/save_influencer0",
                "startDemo(agent)": "startAgent(agent)",
                "agent._save()": 'agent._save("trained")',
            },
        )
        follower = script(work, "follower.py")
        scripts = [start(trainer, work), start(follower, work)]
        display = open_bus(url).subscribe(["display"])
        seen = 0
        deadline = time.monotonic() + 180
        while seen < 20 and time.monotonic() < deadline:
            seen = max([seen, *(m["seq"] for _, m in display.poll(0.5))])
        display.close()
        assert seen >= 20, "the run did not get going"
        scripts[1].kill()
        scripts[1].wait()
        scripts[1] = start(follower, work)
        finish(proc, scripts)
        report = assert_followers_complement(tmp_path / "train", [("cluster0/0", "cluster0/1")])
        assert report["regularflow"]["lights"]["cluster0/1"]["restarts"] == 1
        assert report["regularflow"]["resent"] >= 1
        trained = weights(work / "trained")
        assert any(not (trained[k] == w0[k]).all() for k in w0), "training mode changed the weights"

        # 3. the seed's influencer exactly (startDemo from _restore, then _save()): the weights round-trip
        seed = script(work, "influencer.py", {SEED_SAVE: str(work / "trained")})
        scripts = [start(seed, work), start(script(work, "follower.py"), work)]
        finish(managers(tmp_path / "restored", "--lights", "A0,B0"), scripts)
        assert_followers_complement(tmp_path / "restored", [("cluster0/0", "cluster0/1")])
        again = weights(work / "trained")
        assert all((again[k] == trained[k]).all() for k in trained), "startDemo left the restored weights as they were"


def test_four_lights_in_two_clusters(tmp_path):
    work = tmp_path / "scripts"
    work.mkdir()
    with kafka_broker(port=9092):
        proc = managers(
            tmp_path / "out",
            *("--cluster", "cluster0", "--manager", "manager0", "--lights", "A0,A1"),
            *("--cluster", "cluster1", "--manager", "manager1", "--lights", "B0,B1"),
        )
        scripts = []
        for k in (0, 1):  # each cluster: the seed's follower (id 1) and influencer (id 0) on its own topics
            topics = {'"cluster0", "manager0"': f'"cluster{k}", "manager{k}"'}
            scripts.append(start(script(work, "follower.py", topics), work))
            fresh = {**topics, f'agent._restore("{SEED_SAVE}")': "pass"}
            scripts.append(start(script(work, "influencer.py", fresh), work))
        finish(proc, scripts)
    report = assert_followers_complement(tmp_path / "out", [("cluster0/0", "cluster0/1"), ("cluster1/0", "cluster1/1")])
    assert set(report["regularflow"]["lights"]) == {"cluster0/0", "cluster0/1", "cluster1/0", "cluster1/1"}
    assert {c["cluster"]: c["lights"] for c in report["regularflow"]["clusters"]} == {
        "cluster0": ["A0", "A1"],
        "cluster1": ["B0", "B1"],
    }


def test_agent_set_up_errors_name_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="role 'leader' must be 'influencer' or 'follower'"):
        newAgent(0, CONFIG, CONFIG, "cluster0", "manager0", "display", "leader")
    with pytest.raises(ConfigError, match="bootstrap.servers"):
        newAgent(0, {}, CONFIG, "cluster0", "manager0", "display", "influencer")
    agent = newAgent(0, CONFIG, CONFIG, "cluster0", "manager0", "display", "influencer")
    with pytest.raises(ConfigError, match=r"follower\(s\) \[2\] are not among its agents \[1\]"):
        agent._setAgents([1])
        agent._setForbidenAgents([2])
    with pytest.raises(ConfigError, match="names the agent itself"):
        agent._setAgents([0, 1])
    with pytest.raises(ConfigError, match="holds no saved weights"):
        agent._restore(tmp_path / "nothing")
    with pytest.raises(ConfigError, match="nothing to save yet"):
        agent._save(tmp_path / "w")
    follower = newAgent(1, CONFIG, CONFIG, "cluster0", "manager0", "display", "follower")
    with pytest.raises(ConfigError, match="only an influencer has followers"):
        follower._setForbidenAgents([0])


def test_managers_refuse_bad_lights_and_buses(tmp_path):
    done = flowlights("regularflow", "--scenario", "grid2x2", "--bus", "redis://127.0.0.1:6379", "--lights", "A0,B0")
    assert done.returncode == 2 and "Regularflow's scripts talk Kafka" in done.stderr
    with kafka_broker() as url:
        done = flowlights("regularflow", "--scenario", "grid2x2", "--bus", url, "--lights", "A0,Z9", "--end", "60")
        assert done.returncode == 2 and "Z9" in done.stderr and "A0" in done.stderr, done.stderr
        done = flowlights("regularflow", "--scenario", "grid2x2", "--bus", url, "--lights", "A0", "--lights", "B0")
        assert done.returncode == 2 and "one --manager and one --lights per --cluster" in done.stderr
