"""Stable-Baselines3 route: sb3-contrib's MaskablePPO on flowlights' single-agent forms, against `fixed`.

    pip install -e ".[sb3]"
    python examples/sb3_demo.py --form multi_actor --scenario grid2x2 --minutes 10
    python examples/sb3_demo.py --form one_light --scenario single --minutes 10

Trains with the env's action_masks() for a wall-clock budget, then runs the deterministic masked policy
on held-out seeds (default 100..104) beside flowlights' `fixed` controller on the same scenario and
settings; the table goes to docs/results/sb3.md (section "sb3:<form>").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import flowlights
from flowlights.evaluation.evaluate import evaluate
from flowlights.evaluation.learning_report import marked, put_section

FORMS = {"multi_actor": flowlights.multi_actor_env, "one_light": flowlights.gym_env}


def rollout_delays(model, make, seeds):
    from sb3_contrib.common.maskable.utils import get_action_masks

    delays = []
    for seed in seeds:
        env = make()
        try:
            obs, _ = env.reset(seed=seed)
            done = False
            while not done:
                action, _ = model.predict(obs, action_masks=get_action_masks(env), deterministic=True)
                obs, _, terminated, truncated, _ = env.step(int(action))
                done = terminated or truncated
            delays.append(env.metrics()["mean_delay"])
        finally:
            env.close()
    return delays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--form", choices=list(FORMS), default="multi_actor")
    parser.add_argument("--scenario", default="grid2x2")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--end", type=float, default=1800.0, help="episode length in seconds")
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102, 103, 104])
    parser.add_argument("--doc", type=Path, default=Path("docs/results/sb3.md"))
    args = parser.parse_args()
    from sb3_contrib import MaskablePPO
    from stable_baselines3.common.callbacks import BaseCallback

    settings = {"scenario": args.scenario, "end": args.end, "reward": "queue"}
    make = lambda: FORMS[args.form](**settings)  # noqa: E731

    class Budget(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.started = time.time()

        def _on_step(self) -> bool:
            return time.time() - self.started < args.minutes * 60

    env = make()
    model = MaskablePPO(
        "MlpPolicy", env, n_steps=1024, batch_size=256, n_epochs=5, learning_rate=5e-4, gamma=0.95, seed=0, verbose=0
    )
    started = time.time()
    model.learn(total_timesteps=10**9, callback=Budget())
    minutes, steps = (time.time() - started) / 60, model.num_timesteps
    env.close()
    trained = rollout_delays(model, make, args.seeds)
    fixed = evaluate(
        args.scenario,
        "fixed",
        episodes=len(args.seeds),
        seed=args.seeds[0],
        progress=False,
        end=args.end,
        reward="queue",
    )
    fixed_delays = [e["mean_delay"] for e in fixed["episodes"]]
    row = lambda values: f"{statistics.fmean(values):.2f} ± {statistics.pstdev(values):.2f}"  # noqa: E731
    text = marked(
        "sb3",
        args.form,
        f"""## Stable-Baselines3: MaskablePPO on `{args.form}` ({args.scenario})

`python examples/sb3_demo.py {" ".join(sys.argv[1:])}` — sb3-contrib MaskablePPO (MlpPolicy, masks from the env's
`action_masks()`), {minutes:.1f} min of training ({steps} decisions), reward `queue`, {args.end:g} s episodes, protocol
`flowlights`; deterministic masked policy vs flowlights' `fixed` on seeds {args.seeds[0]}..{args.seeds[-1]}; mean delay
(SUMO's time loss per trip), mean ± std over the seeds.

| controller | mean delay (s) |
|---|---|
| fixed | {row(fixed_delays)} |
| MaskablePPO ({args.form}) | {row(trained)} |
""",
    )
    put_section(args.doc, args.form, text, kind="sb3")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
