"""Lights as services (issue 13): `flowlights deploy` runs every light as a Ray actor under a supervisor per
cluster, over the Ray bus or a real Redis server; lockstep is deterministic (metrics equal evaluate's), a
killed light is restarted, and no decision is lost or applied twice."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time

import numpy as np

from brokers import free_port, redis_server
from conftest import TINY, flowlights, ray_processes, sumo_children
from flowlights.deploy.deployed import blank_cluster_block
from flowlights.deploy.light_service import fill_cluster_block
from flowlights.envs.factory import make_env
from flowlights.evaluation.evaluate import evaluate
from needs import need_programs

SHORT = 400  # simulated seconds: 80 decisions per light


def metrics(report: dict) -> dict:
    return {k: v["mean"] for k, v in report["summary"].items()}


def test_lockstep_deploy_equals_evaluate_and_a_killed_light_is_restarted(tmp_path):
    before = set(ray_processes())
    expected = evaluate("grid2x2", "max_pressure", end=SHORT, progress=False)
    done = flowlights(
        "deploy",
        "--scenario",
        "grid2x2",
        "--controller",
        "max_pressure",
        "--end",
        str(SHORT),
        "--kill",
        "A1@150",
        "--out",
        str(tmp_path / "dep"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "dep" / "metrics.json").read_text())
    assert metrics(report) == metrics(expected), "lockstep deployment decided differently from evaluate"
    d = report["deploy"]
    lights, decisions = 4, SHORT // 5
    assert d["decisions_applied"] == lights * decisions == report["summary"]["decisions"]["mean"]
    assert d["decisions_missing"] == 0 and d["mode"] == "lockstep" and d["bus"] == "ray"
    services = d["services"]
    assert set(services) == {"A0", "A1", "B0", "B1"} and all(s["state"] == "up" for s in services.values())
    assert services["A1"]["restarts"] == 1 and services["A1"]["pid"] != d["kills"][0]["pid"]
    assert all(services[t]["restarts"] == 0 for t in ("A0", "B0", "B1")), "the other lights kept running"
    assert 0 < services["A1"]["restart_seconds"][0] < 60
    assert d["resent"] >= 1, "the reading the dead light missed was sent again"
    # every light decided every reading once: the restarted one only from its restart on
    made = sum(s["stats"]["decisions"] for s in services.values())
    assert made <= lights * decisions and services["B0"]["stats"]["decisions"] == decisions
    assert "restarts 1" in done.stdout and "latency p50" in done.stdout
    assert set(ray_processes()) <= before and sumo_children() == []


def test_redis_bus_with_clusters_carries_regularflows_topics(tmp_path):
    import redis

    clusters = {"west": ["A0", "A1"], "east": ["B0", "B1"]}
    with redis_server() as port:
        from flowlights.deploy.run import deploy

        expected = evaluate("grid2x2", "sotl", end=SHORT, progress=False, clusters=clusters)
        client = redis.Redis(port=port)

        def forge() -> None:  # someone without the key sends a decision for A0 mid-run
            deadline = time.monotonic() + 120
            while client.xlen("city.display") < 10 and time.monotonic() < deadline:
                time.sleep(0.05)
            seq = json.loads(client.xrevrange("city.display", count=1)[0][1][b"m"])["seq"] + 1
            forged = {"kind": "decision", "light": "A0", "seq": seq, "action": 1}
            client.xadd("city.cluster0", {"m": json.dumps(forged)})

        forger = threading.Thread(target=forge, daemon=True)
        forger.start()
        report = deploy(
            "grid2x2",
            "sotl",
            bus=f"redis://127.0.0.1:{port}",
            end=SHORT,
            progress=False,
            clusters=clusters,
            namespace="city",
            bus_key="secret",
        )
        forger.join(timeout=10)
        assert report["deploy"]["unsigned"] >= 1 and report["deploy"]["signed"], "the forged decision was dropped"
        assert metrics(report) == metrics(expected)
        assert {k.decode() for k in client.keys("*")} == {
            "city.manager0:0",
            "city.manager0:1",
            "city.manager1:0",
            "city.manager1:1",
            "city.cluster0",
            "city.cluster1",
            "city.display",
        }
        kinds = {}
        for topic in ("city.cluster0", "city.cluster1"):
            for _, fields in client.xrange(topic):
                message = json.loads(fields[b"m"])
                kinds.setdefault((topic, message["kind"]), set()).add(message["light"])
        assert kinds[("city.cluster0", "status")] == kinds[("city.cluster0", "decision")] == {"A0", "A1"}
        assert kinds[("city.cluster1", "decision")] == {"B0", "B1"}
        readings = [json.loads(f[b"m"]) for _, f in client.xrange("city.manager1:0")]
        assert {m["light"] for m in readings} == {"B0"} and all(m["kind"] == "reading" for m in readings)
        assert len(readings) == SHORT // 5
        frames = [json.loads(f[b"m"]) for _, f in client.xrange("city.display")]
        assert len(frames) == SHORT // 5 and set(frames[-1]["lights"]) == {"A0", "A1", "B0", "B1"}
        assert frames[-1]["arrived"] > 0 and all(s == "up" for s in frames[-1]["services"].values())
        assert report["deploy"]["latency_ms_p99"] > 0


def test_cluster_block_rebuilt_from_peer_statuses_equals_the_envs():
    """A light's service fills its observation's cluster block from its peers' statuses (cluster topic):
    the vector it decides on is the env's own."""
    env = make_env(
        scenario="grid2x2",
        end=300,
        clusters={"c0": ["A0", "A1", "B0"]},
        observation=["phase", "queue"],
        measures=["halting"],
    )
    rng = np.random.default_rng(1)
    try:
        obs, _ = env.reset(seed=3)
        checked = 0
        while env.agents:
            obs, *_ = env.step({a: int(rng.integers(2)) for a in env.agents})
            for tls in ("A0", "B0"):
                layout = env.cluster_layout(tls)
                blank = blank_cluster_block({"observation": obs[tls].tolist()}, layout)
                statuses = {p: env.cluster_status(p) for p in layout["peers"]}
                filled = fill_cluster_block(blank, layout, statuses)
                np.testing.assert_array_equal(np.asarray(filled["observation"], dtype=np.float32), obs[tls])
                checked += np.any(np.asarray(blank["observation"]) != obs[tls])
        assert env.cluster_layout("B1") is None
        assert checked > 10, "the peers' blocks carried information"
    finally:
        env.close()


def test_trained_policy_deployed_with_clusters_equals_evaluate(tmp_path):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(
        TINY.replace("POLICIES", "shared").replace("reward: queue}", "reward: queue, clusters: {c0: [A0, A1, B0, B1]}}")
    )
    done = flowlights("train", str(cfg), "--iterations", "1", "--num-env-runners", "0", "--out", str(tmp_path / "runs"))
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = next((tmp_path / "runs").iterdir())
    done = flowlights("evaluate", "--checkpoint", str(run_dir), "--out", str(tmp_path / "eval"))
    assert done.returncode == 0, done.stderr[-3000:]
    done = flowlights("deploy", str(run_dir), "--kill", "A1@100", "--out", str(tmp_path / "dep"))  # a peer dies mid-run
    assert done.returncode == 0, done.stderr[-3000:]
    evaluated = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    deployed = json.loads((tmp_path / "dep" / "metrics.json").read_text())
    assert metrics(deployed) == metrics(evaluated)
    assert deployed["deploy"]["decisions_applied"] == evaluated["summary"]["decisions"]["mean"]
    assert deployed["deploy"]["services"]["A1"]["restarts"] == 1

    # training mode: each light learns online and saves its own module; --restore starts from them
    done = flowlights("deploy", str(run_dir), "--train", "--episodes", "2", "--out", str(tmp_path / "learn"))
    assert done.returncode == 0, done.stderr[-3000:]
    saved = sorted(p.name for p in (tmp_path / "learn" / "lights").iterdir())
    assert saved == ["A0", "A1", "B0", "B1"]
    import torch

    from flowlights.training.trained_policy import load_rl_module, module_path

    before = load_rl_module(module_path(next((run_dir / "checkpoints").iterdir()), "shared")).state_dict()
    after = load_rl_module(tmp_path / "learn" / "lights" / "A0").state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before), "A0's module learned (its weights moved)"
    done = flowlights(
        "deploy", str(run_dir), "--restore", str(tmp_path / "learn" / "lights"), "--out", str(tmp_path / "restored")
    )
    assert done.returncode == 0, done.stderr[-3000:]
    restored = json.loads((tmp_path / "restored" / "metrics.json").read_text())
    assert restored["summary"]["decisions"]["mean"] == evaluated["summary"]["decisions"]["mean"]

    # a save that fails is an error naming the folder, not a silent loss of what the lights learned
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    done = flowlights("deploy", str(run_dir), "--train", "--end", "100", "--save", str(blocker / "lights"))
    assert done.returncode == 2 and "could not all be saved" in done.stderr and "a_file" in done.stderr, done.stderr


def test_deploy_errors_name_the_fix(tmp_path):
    done = flowlights("deploy", "--scenario", "grid2x2", "--controller", "actuated", "--end", "60")
    assert done.returncode == 2 and "cannot run as light services" in done.stderr and "max_pressure" in done.stderr
    done = flowlights("deploy", "--scenario", "grid2x2", "--bus", "mqtt://x", "--end", "60")
    assert done.returncode == 2 and "bus 'mqtt://x' is unknown" in done.stderr
    done = flowlights("deploy", "--scenario", "grid2x2", "--kill", "A0", "--end", "60")
    assert done.returncode == 2 and "LIGHT@SECONDS" in done.stderr
    done = flowlights("deploy", "--scenario", "grid2x2", "--bus", "redis://127.0.0.1:1", "--end", "60")
    assert done.returncode == 2 and "cannot reach Redis" in done.stderr


def test_dashboard_in_headless_chromium_shows_lights_and_numbers_changing(tmp_path):
    """`flowlights deploy --realtime --dashboard PORT`: the page (Debian's Chromium, headless, via Selenium)
    draws every light, and its signals, queue bars and numbers change as frames arrive."""
    need_programs("chromium", "chromedriver", package="chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    port = free_port()
    proc = subprocess.Popen(
        [
            "flowlights",
            "deploy",
            "--scenario",
            "grid2x2",
            "--end",
            "900",
            "--realtime",
            "--speed",
            "30",
            "--dashboard",
            str(port),
            "--out",
            str(tmp_path / "dep"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,800"):
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium")
    driver = None
    try:
        for _ in range(100):  # the server answers once the deployment has started
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.3)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        driver.get(f"http://127.0.0.1:{port}/")
        read = (
            "return [window.flowlightsStats.frames, document.getElementById('sim-time').textContent, "
            "document.getElementById('arrived').textContent, document.querySelectorAll('circle.signal').length, "
            "Object.values(window.flowlightsStats.stateChanges).reduce((a, b) => a + b, 0), "
            "[...document.querySelectorAll('#services tr[data-state=up]')].map(r => r.dataset.light).sort()]"
        )
        first = None
        for _ in range(120):
            time.sleep(0.5)
            now = driver.execute_script(read)
            if first is None and now[0] >= 3:
                first = now
            if first is not None and now[0] >= first[0] + 20:
                break
        assert first is not None, (
            f"no frame reached the page: {now}, deploy stderr: {proc.stderr.read() if proc.poll() is not None else ''}"
        )
        frames, sim_time, arrived, dots, changes, up = now
        assert dots == 4 * 12, "one dot per signal link of the four lights"
        assert frames >= first[0] + 20 and sim_time != first[1] and int(arrived) > int(first[2] or 0)
        assert changes >= 4, "lights changed colour on the page"
        assert up == ["A0", "A1", "B0", "B1"]
        queues = driver.execute_script(
            "return [...document.querySelectorAll('line.queue')].map(l => +l.dataset.queue || 0)"
        )
        assert len(queues) == 16 and max(queues) > 0
        shot = os.environ.get("FLOWLIGHTS_DASHBOARD_SCREENSHOT")
        if shot:  # docs: FLOWLIGHTS_DASHBOARD_SCREENSHOT=docs/dashboard.png pytest -k dashboard
            driver.save_screenshot(shot)
    finally:
        if driver is not None:
            driver.quit()
        try:
            out, err = proc.communicate(timeout=180)  # the run ends by itself (900 s at 30x: half a minute)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, err[-3000:]
    assert "dashboard: http://127.0.0.1:" in out
