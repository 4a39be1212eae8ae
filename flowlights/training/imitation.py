"""Warm start by imitation (behaviour cloning): before reinforcement learning, the policies are trained to copy a
controller's decisions — e.g. ``greedy`` or ``max_pressure`` — on a few episodes of the experiment's own env.

Why: on some networks a policy learned from scratch locks the network up long before it learns to beat classical
control; started as a copy of a good controller, PPO has a working policy to improve on. The value function is fitted
too (to the discounted returns the controller earned), so PPO's first advantages are not noise around zero.

A copy fitted only on the controller's own episodes can be far worse than the controller: its small disagreements
take the network to states the controller never visits, where the copy has learned nothing (behaviour cloning's
compounding error; measured on RESCO's ingolstadt7, docs/notes/2026-11-23-reproducing-resco.md). ``rounds`` > 0 adds DAgger (Ross et al.,
2011): each round the copy drives an episode itself while the controller says what it would have done in every
state the copy reaches; those decisions join the demonstrations and the copy is fitted again.

``flowlights train EXP --imitate greedy [--imitate-rounds N]`` (``TrainSettings.imitate``); PPO only (DQN learns
Q-values, not a policy).
The observations are the experiment's (its spaces), the actions the controller's, so the controller must decide in the
env's action mode (``greedy`` chooses a green: ``env.action_mode: phase``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from flowlights.baselines.base import controller_env_kwargs, make_controller
from flowlights.common.progress import Progress
from flowlights.errors import ConfigError
from flowlights.training.trained_policy import forward_greedy

BATCH = 256
VALUE_LR_FACTOR = 10.0


@dataclass
class Demonstrations:
    """One policy's demonstrations: observations (arrays or dicts of arrays), the controller's actions, and the
    discounted return from each decision on (the rewards the env gave that agent until the episode ended; NaN where
    the copy drove, a DAgger round: those returns are not the controller's, so the value function does not fit them)."""

    observations: list[Any] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)
    returns: list[float] = field(default_factory=list)
    taken: list[int] = field(default_factory=list)  # what the driver did instead (a DAgger round; else empty)

    def extend(self, other: "Demonstrations") -> None:
        self.observations += other.observations
        self.actions += other.actions
        self.returns += other.returns
        self.taken += other.taken

    def agreement_driving(self) -> float:
        """The share of the driver's decisions the controller would have taken too."""
        return float(np.mean(np.array(self.taken) == np.array(self.actions)))


def _discounted(rewards: list[float], gamma: float) -> list[float]:
    out, running = [0.0] * len(rewards), 0.0
    for i in range(len(rewards) - 1, -1, -1):
        running = rewards[i] + gamma * running
        out[i] = running
    return out


def check_imitating_algorithm(algorithm: str) -> None:
    """A warm start fits a policy's logits to the controller's choices: PPO has them, DQN learns Q-values."""
    if algorithm != "PPO":
        raise ConfigError(f"--imitate trains a policy to copy the controller: PPO only, not {algorithm}.")


def check_controller_fits(controller: Any, env_params: Any) -> None:
    """The controller's actions must mean what the policy's mean: its env settings (other than the lane measures it
    reads) must be the experiment's."""
    for key, value in controller.env_overrides.items():
        if key != "measures" and getattr(env_params, key) != value:
            raise ConfigError(
                f"--imitate {controller.name} decides with env.{key}={value!r}, but the experiment has "
                f"env.{key}={getattr(env_params, key)!r}: set env.{key}: {value!r} in the experiment, or "
                "imitate a controller that decides as it does."
            )


Driver = Callable[[dict[str, Any]], dict[str, int]]  # observations of the lights deciding now -> their actions


def collect(
    env_kwargs: dict[str, Any],
    controller_name: str,
    episodes: int,
    gamma: float,
    policy_of: Callable[[str], str],
    progress: bool = True,
    driver: Optional[Driver] = None,
    seed: Optional[int] = None,
) -> dict[str, Demonstrations]:
    """Run ``controller_name`` for ``episodes`` episodes on the experiment's env (``env_kwargs``), recording every
    decision of every light under the policy ``policy_of(light)`` trains. ``driver``: it acts instead (a DAgger
    round), the controller's decisions are still what is recorded, and the returns are NaN (not the controller's).
    ``seed``: the first episode's (the next ones follow it); default: the experiment's."""
    from flowlights.envs.rllib_env import RLlibMultiEnv  # optional: ray (rllib extra), which rllib_env imports

    controller = make_controller(controller_name)
    env = RLlibMultiEnv(env_kwargs)
    try:
        check_controller_fits(controller, env.env.env_params)
    except ConfigError:
        env.close()
        raise
    env.close()
    env = RLlibMultiEnv(controller_env_kwargs(controller, env_kwargs))  # plus the lane measures the controller reads
    demos: dict[str, Demonstrations] = {}
    who = "the copy, labelled by " if driver else "imitating "
    try:
        for episode in range(episodes):
            per_light: dict[str, tuple[list[Any], list[int], list[float], list[int]]] = {}
            obs, _ = env.reset(seed=None if seed is None else seed + episode)
            controller.reset(env.env)
            sim = env.env.sim
            with Progress(sim.end - sim.begin, f"{who}{controller_name}: episode {episode + 1}/{episodes}") as bar:
                while env.env.agents:
                    actions = controller.act(env.env, obs)
                    acting = driver(obs) if driver else actions
                    for light, observation in obs.items():
                        record = per_light.setdefault(light, ([], [], [], []))
                        record[0].append(observation)
                        record[1].append(int(actions[light]))
                        record[2].append(0.0)
                        if driver:
                            record[3].append(int(acting[light]))
                    obs, rewards, *_ = env.step({light: acting[light] for light in obs})
                    for light, reward in rewards.items():
                        if light in per_light:  # to the light's last decision: what it earned until its next one
                            per_light[light][2][-1] += float(reward)
                    if progress:
                        bar.update(env.env.sim_seconds)
            for light, (observations, acts, rewards, taken) in per_light.items():
                returns = [float("nan")] * len(rewards) if driver else _discounted(rewards, gamma)
                demos.setdefault(policy_of(light), Demonstrations()).extend(
                    Demonstrations(observations, acts, returns, taken)
                )
    finally:
        env.close()
    return demos


def _stack(observations: list[Any]) -> Any:
    """A batch from a list of observations: one array, or a dict of arrays (masked observations)."""
    if isinstance(observations[0], dict):
        return {key: _stack([o[key] for o in observations]) for key in observations[0]}
    return np.stack(observations).astype(np.float32)


def _rows(batch: Any, index: np.ndarray) -> Any:
    return {k: _rows(v, index) for k, v in batch.items()} if isinstance(batch, dict) else batch[index]


def fit_module(
    module: Any, demos: Demonstrations, steps: int, lr: float = 3e-3, seed: int = 0, smoothing: float = 0.0
) -> dict[str, float]:
    """Train ``module`` (PPO's RLModule) on ``demos``: cross-entropy of its action logits against the controller's
    actions, plus the squared error of its values against the returns (in the env's units; the loss divided by the
    returns' variance, so both terms weigh alike; decisions whose return is NaN, DAgger's, fit the policy only).
    ``smoothing``: label smoothing — the copy still takes the controller's action greedily, but samples another
    with probability about ``smoothing`` (spread over the other actions), so RL sampling from it explores instead of
    replaying the controller. Returns how many decisions, the share of them the module's greedy action now agrees
    with, and the share of the returns' variance its values explain."""
    import torch  # optional: torch (rllib extra)
    from ray.rllib.core.columns import Columns  # optional: ray (rllib extra)

    obs = _stack(demos.observations)

    def to_torch(batch: Any) -> Any:
        return {k: to_torch(v) for k, v in batch.items()} if isinstance(batch, dict) else torch.from_numpy(batch)

    actions = torch.as_tensor(demos.actions, dtype=torch.long)
    returns = torch.as_tensor(demos.returns, dtype=torch.float32)
    known = ~torch.isnan(returns)
    n = len(demos.actions)
    # the value head learns ten times faster: returns are tens to hundreds, a fresh head's outputs near zero
    params = dict(module.named_parameters())
    head = [p for name, p in params.items() if name.startswith("vf.")]
    rest = [p for name, p in params.items() if not name.startswith("vf.")]
    optimizer = torch.optim.Adam([{"params": rest, "lr": lr}, {"params": head, "lr": VALUE_LR_FACTOR * lr}])
    rng = np.random.default_rng(seed)
    policy_loss = value_loss = float("nan")
    module.train()
    scale = max(1.0, float(returns[known].var())) if int(known.sum()) > 1 else 1.0
    for _ in range(steps):
        index = rng.choice(n, size=min(n, BATCH), replace=False)
        batch = {Columns.OBS: to_torch(_rows(obs, index))}
        logits = module.forward_train(batch)[Columns.ACTION_DIST_INPUTS]
        values = module.compute_values(batch)
        p_loss = torch.nn.functional.cross_entropy(logits, actions[index], label_smoothing=smoothing)
        fit = known[index]
        v_loss = (
            torch.nn.functional.mse_loss(values[fit], returns[index][fit]) if bool(fit.any()) else values.sum() * 0.0
        )
        optimizer.zero_grad()
        (p_loss + v_loss / scale).backward()  # values in the env's units, the loss scaled to ~1
        optimizer.step()
        policy_loss, value_loss = float(p_loss.detach()), float(v_loss.detach())
    chosen, values = [], []
    with torch.no_grad():
        for s in range(0, n, 4096):
            batch = {Columns.OBS: to_torch(_rows(obs, np.arange(s, min(n, s + 4096))))}
            chosen.append(module.forward_inference(batch)[Columns.ACTION_DIST_INPUTS].argmax(-1))
            values.append(module.compute_values(batch))
    agreement = float((torch.cat(chosen) == actions).float().mean())
    r, v = returns[known], torch.cat(values)[known]
    explained = 1.0 - float((r - v).var() / r.var()) if len(r) > 1 and r.var() > 0 else float("nan")
    return {
        "decisions": n,
        "agreement": agreement,
        "value_explained_variance": explained,
        "return_mean": float(r.mean()) if len(r) else float("nan"),
        "value_mean": float(v.mean()) if len(v) else float("nan"),
        "policy_loss": policy_loss,
        "value_loss": value_loss,
    }


def _fit_on_learner(
    learner: Any, demos: dict[str, Demonstrations], steps: int, seed: int, smoothing: float = 0.0
) -> dict[str, dict[str, float]]:
    return {
        pid: fit_module(learner.module[pid], demo, steps, seed=seed, smoothing=smoothing) for pid, demo in demos.items()
    }


def _driver(modules: dict[str, Any], policy_of: Callable[[str], str]) -> Driver:
    """The copy as it now is, acting greedily (argmax) for every light."""
    return lambda obs: {light: forward_greedy(modules[policy_of(light)], o) for light, o in obs.items()}


def converged(rounds: list[dict[str, Any]], until: Optional[float]) -> bool:
    """Whether the last two DAgger rounds' driving agreement reached ``until`` for every policy."""
    if until is None or len(rounds) < 2:
        return False
    return all(min(r["agreement_driving"].values(), default=0.0) >= until for r in rounds[-2:])


def warm_start(
    algo: Any,
    env_kwargs: dict[str, Any],
    controller_name: str,
    episodes: int,
    steps: int,
    run_dir: Optional[Path] = None,
    progress: bool = True,
    seed: int = 0,
    rounds: int = 0,
    deadline: Optional[float] = None,
    smoothing: float = 0.0,
    until: Optional[float] = None,
) -> dict[str, Any]:
    """Imitate ``controller_name`` before training: collect its decisions, fit every policy that acts in them, push
    the weights to the env runners; then ``rounds`` DAgger rounds (module docstring), one episode each, no new round
    begun after ``deadline`` (a ``time.time()``). Writes ``imitation.json`` into ``run_dir`` (each round's fit under
    ``rounds``, the seconds it took under ``seconds``); returns its content. ``smoothing``: ``fit_module``'s.
    ``until``: stop the rounds once the copy, driving, has agreed with the controller on at least this share of its
    decisions in two rounds running (``converged``): it has learned what DAgger can teach it."""
    started = time.time()
    check_imitating_algorithm(algo.config.algo_class.__name__)
    gamma = float(algo.config.gamma)
    mapping = algo.config.policy_mapping_fn
    policy_of = lambda light: mapping(light, None)  # noqa: E731
    trained = set(algo.config.policies_to_train or algo.config.policies)
    demos = {
        pid: d
        for pid, d in collect(env_kwargs, controller_name, episodes, gamma, policy_of, progress).items()
        if pid in trained
    }

    def fit() -> dict[str, dict[str, float]]:
        fitted = algo.learner_group.foreach_learner(
            _fit_on_learner, demos=demos, steps=steps, seed=seed, smoothing=smoothing
        ).result_or_errors
        algo.env_runner_group.sync_weights(from_worker_or_learner_group=algo.learner_group, inference_only=True)
        return fitted[0].get()

    results = fit()
    summary: dict[str, Any] = {
        "controller": controller_name,
        "episodes": episodes,
        "steps": steps,
        "policies": results,
        "smoothing": smoothing,
    }
    if rounds:
        summary["rounds"] = []
        first_seed = int(env_kwargs.get("seed") or 0) + episodes  # fresh traffic, not the demonstrations'
        for r in range(rounds):
            if deadline is not None and time.time() >= deadline:
                break
            modules = {pid: algo.get_module(pid) for pid in algo.config.policies}  # fetched once: may be a remote copy
            seen = collect(
                env_kwargs,
                controller_name,
                1,
                gamma,
                policy_of,
                progress,
                driver=_driver(modules, policy_of),
                seed=first_seed + r,
            )
            # how often the copy, driving, did what the controller would have: before this round's refit
            before = {pid: d.agreement_driving() for pid, d in seen.items() if pid in demos}
            for pid, d in seen.items():
                if pid in demos:
                    demos[pid].extend(d)
            summary["rounds"].append({"agreement_driving": before, "policies": fit()})
            if converged(summary["rounds"], until):
                summary["converged"] = True
                break
        if summary["rounds"]:
            summary["policies"] = summary["rounds"][-1]["policies"]
    summary["seconds"] = round(time.time() - started, 1)
    if run_dir is not None:
        (Path(run_dir) / "imitation.json").write_text(json.dumps(summary, indent=2))
    return summary
