"""Flow's command lines on flowlights: ``scripts/train_rllib.py`` takes the flags of Flow's
``examples/train.py`` and ``scripts/visualizer_rllib.py`` those of Flow's
``flow/visualize/visualizer_rllib.py``, with Flow's meaning; flowlights' own flags keep working."""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import sys
import warnings
from pathlib import Path
from typing import Callable, Optional, Sequence

from flowlights.cli import main
from flowlights.envs.factory import make_env
from flowlights.errors import ConfigError
from flowlights.evaluation.evaluate import evaluate, format_report
from flowlights.flow.evaluation.rollouts import format_rollouts, run_rollouts
from flowlights.flow.training.classes import is_flow_env
from flowlights.flow.training.policy import FlowPolicy
from flowlights.networks.network_file import SCENARIO_KEYS
from flowlights.training.experiment import load_experiment
from flowlights.training.trained_policy import TrainedPolicy
from flowlights.training.trust import allow_trusted_code
from flowlights.viz.display import display
from flowlights.viz.replay import replay

# Flow's examples/train.py flag -> flowlights train's (with RLlib, Flow's num_steps counts iterations, num_cpus
# the parallel workers, rollout_size the environment steps in a training batch)
TRAIN_FLAGS = {
    "--num_cpus": "--num-env-runners",
    "--num_steps": "--iterations",
    "--rollout_size": "--batch-steps",
    "--checkpoint_path": "--resume",
}
FLOW_RUN_GLOBALS = ("N_ROLLOUTS", "N_CPUS", "HORIZON")


def module_run_settings(path: Path) -> dict[str, int]:
    """A Flow config module's N_ROLLOUTS, N_CPUS and HORIZON where it assigns them a plain number — read from its
    source, not run (running it is the training's job)."""
    found: dict[str, int] = {}
    try:
        tree = ast.parse(Path(path).read_text())
    except (OSError, SyntaxError, UnicodeDecodeError):
        return found
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in FLOW_RUN_GLOBALS:
                try:
                    value = ast.literal_eval(node.value)
                except ValueError:
                    continue
                if isinstance(value, int) and value > 0:
                    found[name] = value
    return found


def _cores() -> int:
    return os.cpu_count() or 1


def train_args(argv: Sequence[str], note: Callable[[str], None] = lambda line: None) -> list[str]:
    """``flowlights train`` arguments for Flow's ``train.py`` ones (flowlights' own pass through). As Flow's train.py
    does with RLlib, a config module's ``N_ROLLOUTS`` episodes of ``HORIZON`` steps make the training batch and its
    ``N_CPUS`` the workers, unless --rollout_size / --num_cpus say otherwise; workers are capped at this machine's
    cores, with a ``note``."""
    out: list[str] = []
    given: set[str] = set()
    args = iter(argv)
    for arg in args:
        name, has_value, value = arg.partition("=")
        if name == "--rl_trainer":
            trainer = value if has_value else next(args, "")
            if trainer.lower() != "rllib":
                raise ConfigError(f"--rl_trainer {trainer!r}: flowlights trains with RLlib; use --rl_trainer rllib.")
            continue
        if name in TRAIN_FLAGS:
            given.add(name)
            value = value if has_value else next(args, "")
            if name == "--num_cpus" and value.isdigit() and int(value) > _cores():
                note(f"--num_cpus {value}: {_cores()} env runner(s), this machine's cores")
                value = str(_cores())
            out += [TRAIN_FLAGS[name], value]
            continue
        out.append(arg)
    config = next((a for a in out if not a.startswith("-") and a.endswith(".py")), None)
    found = module_run_settings(Path(config)) if config and Path(config).is_file() else {}
    if "--rollout_size" not in given and "--rollouts" not in out and "--batch-steps" not in out:
        if "N_ROLLOUTS" in found and "HORIZON" in found:
            steps = found["N_ROLLOUTS"] * found["HORIZON"]
            note(
                f"{config}: N_ROLLOUTS {found['N_ROLLOUTS']} x HORIZON {found['HORIZON']} = {steps} steps per training batch"
            )
            out += ["--batch-steps", str(steps)]
    if "--num_cpus" not in given and "--num-env-runners" not in out and "N_CPUS" in found:
        runners = min(found["N_CPUS"], _cores())
        capped = f", capped at this machine's {_cores()} cores" if runners < found["N_CPUS"] else ""
        note(f"{config}: N_CPUS {found['N_CPUS']}: {runners} env runner(s){capped}")
        out += ["--num-env-runners", str(runners)]
    return out


def visualizer_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="visualizer_rllib.py", description="Replay a trained policy (Flow's interface)."
    )
    parser.add_argument("result_dir", type=Path, help="a 'flowlights train' results folder")
    parser.add_argument(
        "checkpoint_num", nargs="?", default=None, help="checkpoint number (iteration); default the latest"
    )
    parser.add_argument("--num_rollouts", type=int, default=1, help="episodes to run")
    parser.add_argument(
        "--render_mode",
        default="sumo_gui",
        choices=["sumo_gui", "no_render", "sumo_web3d", "drgb", "rgb"],
        help="sumo_gui: live in sumo-gui; no_render: run without a window and print the metrics",
    )
    parser.add_argument(
        "--horizon", type=int, default=None, help="decisions per episode (default: the experiment's episode)"
    )
    parser.add_argument("--gen_emission", action="store_true", help="write SUMO's emission output into RESULT_DIR")
    parser.add_argument("--run", default=None, help="(Flow) the algorithm; read from the checkpoint here")
    parser.add_argument("--evaluate", action="store_true", help="(Flow) the 'evaluate' reward; not used by flowlights")
    parser.add_argument(
        "--save_render", action="store_true", help="record a video (RESULT_DIR/replay.mp4) instead of a window"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--trust-code",
        action="store_true",
        help="load a results folder this machine did not train although it runs code (only from someone you trust)",
    )
    return parser


def is_flow_visualizer(argv: Sequence[str]) -> bool:
    """Flow's form: a checkpoint number as second positional, or one of Flow's own flags."""
    takes_value = {
        "--checkpoint",
        "--scenario",
        "--controller",
        "--delay",
        "--seconds",
        "--video",
        "--frame-every",
        "--speed",
        "--seed",
        "--num_rollouts",
        "--render_mode",
        "--horizon",
        "--run",
    }
    positional, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = arg in takes_value
        else:
            positional.append(arg)
    flow_flags = (
        "--num_rollouts",
        "--render_mode",
        "--horizon",
        "--gen_emission",
        "--run",
        "--evaluate",
        "--save_render",
    )
    return (len(positional) >= 2 and positional[1].isdigit()) or any(a.split("=")[0] in flow_flags for a in argv)


def visualize(argv: Sequence[str]) -> int:
    """Flow's visualizer_rllib.py: replay ``--num_rollouts`` episodes of the checkpoint, in sumo-gui or without a window."""
    args = visualizer_parser().parse_args(list(argv))
    if args.trust_code:
        allow_trusted_code()
    for flag, given in (("--run", args.run), ("--evaluate", args.evaluate)):
        if given:
            warnings.warn(
                f"{flag} has no meaning in flowlights (the checkpoint knows its algorithm); ignored.", UserWarning
            )
    if args.render_mode in ("sumo_web3d", "drgb", "rgb"):
        raise ConfigError(
            f"--render_mode {args.render_mode}: flowlights replays in sumo-gui (sumo_gui), without a "
            "window (no_render), or to a video (--save_render)."
        )
    path = args.result_dir
    if args.checkpoint_num is not None:
        path = path / "checkpoints" / f"iter_{int(args.checkpoint_num):06d}"
    if is_flow_env(load_experiment(args.result_dir).flow_params):
        return flow_rollouts(args, path)
    policy = TrainedPolicy(path)
    kwargs = {k: policy.scenario_kwargs[k] for k in (*SCENARIO_KEYS, "begin", "end") if k in policy.scenario_kwargs}
    if args.horizon is not None:
        probe = make_env(**{**policy.scenario_kwargs, **policy.env_overrides})
        kwargs["end"] = probe.sim.begin + args.horizon * probe.env_params.delta_time
    if args.gen_emission:
        kwargs["sumo_args"] = ["--emission-output", str(args.result_dir / "emission.xml")]
    if args.render_mode == "no_render" and not args.save_render:
        scenario = next(str(kwargs.pop(k)) for k in SCENARIO_KEYS if k in kwargs)
        report = evaluate(
            scenario, policy, episodes=args.num_rollouts, seed=args.seed, out=args.result_dir / "visualizer", **kwargs
        )
        print(format_report(report))
        return 0
    for episode in range(args.num_rollouts):
        video = args.result_dir / f"replay_{episode}.mp4" if args.save_render else None
        written = replay(policy, video=video, seed=args.seed + episode, **kwargs)
        if written:
            print(f"wrote {written}")
    return 0


def flow_rollouts(args: argparse.Namespace, checkpoint: Path) -> int:
    """A Flow env class's rollouts with the trained policy (sumo-gui with --render_mode sumo_gui), Flow's summary."""
    policy = FlowPolicy(checkpoint)
    gui = args.render_mode == "sumo_gui" or args.save_render  # --save_render: sumo-gui's view, headless under Xvfb
    with display() if gui else contextlib.nullcontext():
        results = run_rollouts(
            policy.experiment,
            policy,
            num_rollouts=args.num_rollouts,
            seed=args.seed,
            horizon=args.horizon,
            gui=gui,
            emission_dir=args.result_dir if args.gen_emission else None,
            video_dir=args.result_dir if args.save_render else None,
        )
    print(format_rollouts(results))
    if args.gen_emission:
        print(f"wrote {args.result_dir / 'emission.xml'}")
    for k in range(args.num_rollouts if args.save_render else 0):
        print(f"wrote {args.result_dir / f'rollout_{k}.mp4'}")
    return 0


def main_visualizer(argv: Optional[Sequence[str]] = None) -> int:
    """scripts/visualizer_rllib.py: Flow's interface when Flow's arguments are used, else ``flowlights visualize``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not is_flow_visualizer(argv):
        return main(["visualize", *argv])
    try:
        return visualize(argv)
    except ConfigError as exc:
        print(f"visualizer_rllib.py: error: {exc}", file=sys.stderr)
        return 2


def main_train(argv: Optional[Sequence[str]] = None) -> int:
    """scripts/train_rllib.py: ``flowlights train`` with Flow's train.py flags translated."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        translated = train_args(argv, note=lambda line: print(f"train_rllib.py: {line}", file=sys.stderr))
    except ConfigError as exc:
        print(f"train_rllib.py: error: {exc}", file=sys.stderr)
        return 2
    return main(["train", *translated])
