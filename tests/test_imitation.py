"""Warm start by imitation (``flowlights train --imitate CONTROLLER``): a policy fitted to a controller's decisions
takes that controller's decisions on an episode it has not seen, and a training run starts from it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from needs import need_module

need_module("ray.rllib", "rllib")

from conftest import TINY, flowlights  # noqa: E402
from flowlights.benchmarks.resco_cells import copy_cell, held_out_cell, measured_again  # noqa: E402
from flowlights.errors import ConfigError  # noqa: E402
from flowlights.evaluation.checkpoint_selection import check_validation_seeds, select_checkpoint  # noqa: E402
from flowlights.evaluation.evaluate import evaluate  # noqa: E402
from flowlights.training.imitation import Demonstrations, collect, fit_module  # noqa: E402
from flowlights.training.trained_policy import TrainedPolicy  # noqa: E402

# greedy counts vehicles within 50 m of the stop line: zones of 50 m show the policy what greedy sees
GRID = {
    "scenario": "grid2x2",
    "end": 400,
    "delta_time": 5,
    "reward": "queue",
    "detection_distance": 50.0,
    "observation": ["phase", "min_green", "zone_approach", "zone_queue"],
    "pad_observations": True,
}


def ppo_module(space_env: dict) -> object:
    from ray.rllib.algorithms.ppo.torch.default_ppo_torch_rl_module import DefaultPPOTorchRLModule
    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

    from flowlights.envs.rllib_env import RLlibMultiEnv

    env = RLlibMultiEnv(space_env)
    light = env.possible_agents[0]
    try:
        return RLModuleSpec(
            module_class=DefaultPPOTorchRLModule,
            observation_space=env.observation_spaces[light],
            action_space=env.action_spaces[light],
            model_config=DefaultModelConfig(fcnet_hiddens=[32, 32]),
        ).build()
    finally:
        env.close()


def agreement(module: object, demos: Demonstrations) -> float:
    import torch
    from ray.rllib.core.columns import Columns

    with torch.no_grad():
        logits = module.forward_inference(
            {Columns.OBS: torch.from_numpy(np.stack(demos.observations).astype(np.float32))}
        )
    return float((logits[Columns.ACTION_DIST_INPUTS].argmax(-1).numpy() == np.array(demos.actions)).mean())


def test_fitted_policy_takes_the_controllers_decisions_on_an_unseen_episode():
    shared = lambda light: "shared"  # noqa: E731
    seen = collect({**GRID, "seed": 1}, "greedy", episodes=2, gamma=0.95, policy_of=shared, progress=False)["shared"]
    unseen = collect({**GRID, "seed": 7}, "greedy", episodes=1, gamma=0.95, policy_of=shared, progress=False)["shared"]
    assert len(seen.actions) == 2 * 4 * 80 and len(unseen.actions) == 4 * 80, (
        "every decision of every light is recorded"
    )
    assert len(set(seen.actions)) > 1, "greedy changes green: there is something to copy"
    assert all(r <= 0 for r in seen.returns) and min(seen.returns) < 0, "returns of a queue penalty"

    module = ppo_module({**GRID, "seed": 1})
    before = agreement(module, unseen)
    fit = fit_module(module, seen, steps=1000)
    after = agreement(module, unseen)
    assert fit["decisions"] == len(seen.actions) and fit["agreement"] > 0.95
    assert after > 0.95 and after > before + 0.3, (before, after)
    # values at the returns' level (a fresh head gives ~0): PPO's clipped value loss can learn from there
    assert abs(fit["value_mean"] - fit["return_mean"]) < 0.2 * abs(fit["return_mean"]), fit


def test_label_smoothing_keeps_the_controllers_choice_but_leaves_room_to_explore():
    """Fitted with label smoothing 0.1, the copy still takes greedy's decisions greedily, but its sampling policy
    gives the other green about 5% (two greens: 0.1 spread over both labels) — PPO sampling from it explores;
    fitted without, it is all but deterministic."""
    import torch
    from ray.rllib.core.columns import Columns

    shared = lambda light: "shared"  # noqa: E731
    seen = collect({**GRID, "seed": 1}, "greedy", episodes=2, gamma=0.95, policy_of=shared, progress=False)["shared"]
    chosen_probability = {}
    for smoothing in (0.0, 0.1):
        module = ppo_module({**GRID, "seed": 1})
        fit = fit_module(module, seen, steps=1000, smoothing=smoothing)
        assert fit["agreement"] > 0.95, (smoothing, fit)
        with torch.no_grad():
            logits = module.forward_inference(
                {Columns.OBS: torch.from_numpy(np.stack(seen.observations).astype(np.float32))}
            )
        probs = torch.softmax(logits[Columns.ACTION_DIST_INPUTS], -1).numpy()
        chosen_probability[smoothing] = float(np.median(probs[np.arange(len(seen.actions)), seen.actions]))
    assert chosen_probability[0.0] > 0.99, chosen_probability
    assert 0.9 < chosen_probability[0.1] < 0.98, chosen_probability


def test_a_dagger_round_records_the_controllers_decisions_in_the_states_the_driver_reaches():
    shared = lambda light: "shared"  # noqa: E731
    keep_first_green = lambda obs: {light: 0 for light in obs}  # noqa: E731  (the driver: never changes green)
    seen = collect(
        GRID, "greedy", episodes=1, gamma=0.95, policy_of=shared, progress=False, driver=keep_first_green, seed=4
    )["shared"]
    assert len(seen.actions) == 4 * 80
    demos = collect(GRID, "greedy", episodes=1, gamma=0.95, policy_of=shared, progress=False, seed=4)["shared"]
    # the phase one-hot leads the observation; recorded light by light, 80 decisions each. The driver's actions were
    # applied: each light stays in its first green but where max green forces a change; greedy alternates
    in_first_green = lambda d: np.stack(d.observations)[:, 0].reshape(4, 80).mean(axis=1)  # noqa: E731
    assert (in_first_green(seen) > 0.8).all() and (in_first_green(demos) < 0.7).all(), (
        in_first_green(seen),
        in_first_green(demos),
    )
    assert seen.actions.count(1) > 40, "greedy's decisions, not the driver's, are what is recorded"
    assert all(np.isnan(seen.returns)), "the driver's returns are not the controller's: not fitted"

    demos.extend(seen)
    fit = fit_module(ppo_module(GRID), demos, steps=300)
    assert fit["decisions"] == 2 * 4 * 80 and np.isfinite([fit["value_mean"], fit["return_mean"]]).all(), fit
    assert fit["return_mean"] == pytest.approx(np.mean(demos.returns[: 4 * 80]), rel=1e-4), (
        "values fit the known returns only"
    )


def test_controller_deciding_in_another_action_mode_is_refused():
    with pytest.raises(ConfigError, match=r"--imitate greedy decides with env.action_mode='phase'.*'switch'"):
        collect(
            {**GRID, "action_mode": "switch"},
            "greedy",
            episodes=1,
            gamma=0.95,
            policy_of=lambda light: "shared",
            progress=False,
        )


def test_training_starts_from_the_imitated_policy(tmp_path):
    cfg = tmp_path / "tiny.yaml"  # lr 0: PPO's iteration leaves the imitated policy as it is
    cfg.write_text(
        TINY.replace("POLICIES", "shared")
        .replace(
            "reward: queue}",
            "reward: queue, detection_distance: 50, observation: [phase, min_green, zone_approach, zone_queue]}",
        )
        .replace("num_epochs: 1,", "num_epochs: 1, lr: 0.0,")
    )
    done = flowlights(
        "train",
        str(cfg),
        "--imitate",
        "greedy",
        "--imitate-episodes",
        "2",
        "--imitate-rounds",
        "1",
        "--iterations",
        "1",
        "--num-env-runners",
        "1",
        "--out",
        str(tmp_path / "runs"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = next((tmp_path / "runs").iterdir())
    summary = json.loads((run_dir / "imitation.json").read_text())
    # two episodes of greedy, then one DAgger round: an episode the copy drove, labelled by greedy
    assert summary["controller"] == "greedy" and summary["policies"]["shared"]["decisions"] == 3 * 4 * 40
    assert len(summary["rounds"]) == 1 and summary["rounds"][0]["agreement_driving"]["shared"] > 0.85, (
        summary
    )  # the fitted copy drove
    assert summary["policies"]["shared"]["agreement"] > 0.95
    assert "imitated greedy: policy shared agrees with" in done.stderr
    assert json.loads((run_dir / "params.json").read_text())["train_settings"]["imitate"] == "greedy"
    assert (run_dir / "checkpoints" / "iter_000000" / "learner_group").is_dir(), "the copy, before PPO, is kept"

    # the checkpoint's policy drives the lights as greedy does, on a seed it did not copy
    reports = {}
    for name, args in (
        ("trained", ["--checkpoint", str(run_dir)]),
        ("greedy", ["--controller", "greedy", "--scenario", "grid2x2", "--end", "200", "--delta-time", "5"]),
    ):
        done = flowlights("evaluate", *args, "--seed", "5", "--out", str(tmp_path / name))
        assert done.returncode == 0, done.stderr[-3000:]
        reports[name] = json.loads((tmp_path / name / "metrics.json").read_text())["episodes"][0]
    assert reports["trained"]["mean_travel_time"] == pytest.approx(reports["greedy"]["mean_travel_time"], rel=0.05), (
        reports
    )
    # the benchmark's "copy alone" is iter_000000's policy: with lr 0, exactly what the trained run drives (both on
    # the scenario's own episode, as the benchmark evaluates)
    copy = copy_cell(run_dir, seed=5, episodes=1)
    trained = evaluate(None, TrainedPolicy(run_dir), episodes=1, seed=5, progress=False)["episodes"][0]
    assert copy["episodes"] == [pytest.approx(trained["resco_delay"])] and copy["seeds"] == [5]
    assert (run_dir / "evaluation_copy" / "metrics.json").is_file()
    with pytest.raises(ConfigError, match="iter_000000 is missing: a warm-started run keeps its copy there"):
        copy_cell(tmp_path / "runs")

    # choosing the checkpoint on validation seeds: every checkpoint is scored; with lr 0 the copy and the last one
    # drive alike, and a tie goes to the earlier, the copy
    chosen = select_checkpoint(run_dir, episodes=1, seed=200)
    names = sorted(p.name for p in (run_dir / "checkpoints").iterdir())
    assert list(chosen["scores"]) == names and len(names) == 2 and chosen["seeds"] == [200]
    assert (
        chosen["scores"][names[0]] == pytest.approx(chosen["scores"][names[1]]) and chosen["selected"] == "iter_000000"
    )
    assert all((run_dir / "validation" / name / "metrics.json").is_file() for name in names)
    with pytest.raises(ConfigError, match=r"validation seeds 98..100 include held-out seed\(s\) \[100\]"):
        check_validation_seeds(98, 3)
    # the benchmark's cell of a run trained without that choice, given it without training again: the chosen
    # checkpoint's held-out figure (here the copy's, measured once), the last checkpoint's kept beside it
    setup = {"algorithm": "PPO", "imitate": "greedy"}
    earlier = {"training_seed": 0, "run": str(run_dir), "setup": setup, **copy, "copy": copy}
    cell = held_out_cell(earlier, {**setup, "select_episodes": 1}, seed=5, episodes=1)
    assert cell["checkpoint"]["selected"] == "iter_000000" and cell["episodes"] == copy["episodes"]
    assert cell["last_checkpoint"]["episodes"] == copy["episodes"] and cell["setup"]["select_episodes"] == 1
    gone = {**earlier, "run": str(tmp_path / "gone")}
    assert measured_again([gone], {**setup, "select_episodes": 1}, log=lambda _: None) == ([gone], []), (
        "no run folder: left as is"
    )
    # dropping the choice gives the run its last checkpoint back; the chosen one's figure is handed back to be kept
    cell["episodes"], cell["resco_delay"] = (
        [0.0],
        {"mean": 0.0, "std": 0.0},
    )  # as if the chosen one had scored otherwise
    back, replaced = measured_again([cell], setup, log=lambda _: None)
    assert back[0]["episodes"] == copy["episodes"] and "checkpoint" not in back[0] and replaced == [cell]

    done = flowlights("train", str(cfg), "--imitate", "greedyy", "--iterations", "1")
    assert done.returncode == 2 and "unknown controller 'greedyy'" in done.stderr
    done = flowlights("train", str(cfg), "--imitate-rounds", "2", "--iterations", "1")
    assert done.returncode == 2 and "--imitate-rounds=2: DAgger rounds refine a copy" in done.stderr
