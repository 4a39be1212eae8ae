"""A results folder is code: one this machine did not train is refused, before anything in it runs, when
loading it would import a module or unpickle a checkpoint — until the user passes --trust-code."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from conftest import flowlights

REPO = Path(__file__).resolve().parents[1]


def planted_run(tmp_path: Path) -> tuple[Path, Path]:
    """A results folder naming a config module that, imported, leaves a marker file."""
    marker = tmp_path / "the_module_ran"
    module = tmp_path / "planted.py"
    module.write_text(f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n")
    run = tmp_path / "received_run"
    (run / "checkpoints" / "iter_000001").mkdir(parents=True)
    params = yaml.safe_load((REPO / "exp_configs" / "grid2x2_shared.yaml").read_text())
    (run / "params.json").write_text(json.dumps({**params, "config_module": str(module)}))
    return run, marker


def test_a_planted_config_module_does_not_run_without_trust_code(tmp_path):
    run, marker = planted_run(tmp_path)
    for command in (("evaluate", "--checkpoint", str(run)), ("deploy", str(run)), ("visualize", str(run))):
        done = (
            flowlights(*command, "--out", str(tmp_path / "out")) if command[0] != "visualize" else flowlights(*command)
        )
        assert done.returncode == 2, done.stderr
        assert "--trust-code" in done.stderr and "config_module" in done.stderr and "Nothing in it ran" in done.stderr
        assert not marker.exists(), f"{command[0]} ran the planted module"
    done = flowlights("evaluate", "--checkpoint", str(run), "--trust-code")
    assert marker.read_text() == "ran", "with --trust-code the folder's module is loaded"
    assert done.returncode != 0  # (it is no real config: the point is that it ran when trusted)


def test_a_folder_trained_here_loads_and_a_copy_of_it_needs_trust(tmp_path):
    from conftest import TINY

    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(TINY.replace("POLICIES", "shared"))
    done = flowlights("train", str(cfg), "--iterations", "1", "--num-env-runners", "0", "--out", str(tmp_path / "runs"))
    assert done.returncode == 0, done.stderr[-3000:]
    run = next((tmp_path / "runs").iterdir())
    done = flowlights("evaluate", "--checkpoint", str(run), "--end", "100", "--out", str(tmp_path / "original"))
    assert done.returncode == 0, done.stderr[-3000:]

    # shared as weights and JSON: loads anywhere without --trust-code, and decides exactly as the run did
    done = flowlights("export", str(run), "--out", str(tmp_path / "export"))
    assert done.returncode == 0, done.stderr[-3000:]
    files = sorted(
        p.relative_to(tmp_path / "export").as_posix() for p in (tmp_path / "export").rglob("*") if p.is_file()
    )
    assert files == ["params.json", "policies/shared/policy.json", "policies/shared/weights.pt"]
    shared = tmp_path / "received_export"
    (tmp_path / "export").rename(shared)
    done = flowlights("evaluate", "--checkpoint", str(shared), "--end", "100", "--out", str(tmp_path / "exported"))
    assert done.returncode == 0, done.stderr[-3000:]
    summary = [json.loads((tmp_path / d / "metrics.json").read_text())["summary"] for d in ("original", "exported")]
    assert {k: v["mean"] for k, v in summary[0].items()} == {k: v["mean"] for k, v in summary[1].items()}

    copy = tmp_path / "from_a_colleague"
    run.rename(copy)
    done = flowlights("evaluate", "--checkpoint", str(copy), "--end", "100")
    assert (
        done.returncode == 2
        and "RLlib checkpoints (unpickled on load)" in done.stderr
        and "--trust-code" in done.stderr
    )
    done = flowlights("evaluate", "--checkpoint", str(copy), "--end", "100", "--trust-code")
    assert done.returncode == 0, done.stderr[-3000:]
