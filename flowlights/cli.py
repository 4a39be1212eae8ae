"""The ``flowlights`` command: ``train`` with RLlib, ``evaluate`` controllers, ``deploy`` lights as services,
``compare`` runs, ``bench`` speed against plain sumo, ``netgen`` grids."""

from __future__ import annotations

import argparse
import dataclasses
import faulthandler
import json
import os
import signal
import sys
import typing
from pathlib import Path
from typing import Any, Optional, Sequence

import yaml

from flowlights.baselines import make_controller
from flowlights.benchmarks import listing, rllib_throughput, run, scale, speed
from flowlights.benchmarks.sumo_rl_reference import default_venv, sumo_rl_python
from flowlights.cbengine.evaluate import cbengine_evaluate, flow_index
from flowlights.deploy.run import deploy, parse_kills
from flowlights.errors import FlowlightsError
from flowlights.evaluation.compare import compare_chart, compare_table, load_reports
from flowlights.evaluation.evaluate import evaluate, format_report
from flowlights.evaluation.recipe_run import run_recipe
from flowlights.flow.evaluation.rollouts import format_rollouts, run_rollouts
from flowlights.flow.training.classes import is_flow_env
from flowlights.flow.training.policy import FlowPolicy
from flowlights.networks.cbengine_formats import read_simulator_cfg
from flowlights.networks.grid import write_grid_scenario
from flowlights.networks.network_file import SCENARIO_KEYS, resco_dir, scenario_keywords
from flowlights.params import BACKENDS, EnvParams
from flowlights.params.options import add_params_options, add_sim_options
from flowlights.params.protocols import PROTOCOLS, check_named
from flowlights.regularflow.managers import parse_clusters, run_regularflow
from flowlights.training import train as settings_module
from flowlights.training.checkpoints import experiment_folder
from flowlights.training.env_kwargs import env_kwargs
from flowlights.training.experiment import load_experiment
from flowlights.training.export import export_policy
from flowlights.training.recipe import MIN_CONFIRMATION, SeedSets, recipe_scenario
from flowlights.training.train import TrainSettings, train
from flowlights.training.trained_policy import TrainedPolicy
from flowlights.training.trust import allow_trusted_code
from flowlights.viz.movie import make_movie
from flowlights.viz.plots import plot_results
from flowlights.viz.replay import replay


def _scenario_kwargs(value: str) -> dict:
    return scenario_keywords(value)


def cmd_evaluate(args: argparse.Namespace) -> int:
    kwargs: dict[str, Any] = {"end": args.end} if args.end is not None else {}
    if args.delta_time is not None:
        kwargs["delta_time"] = args.delta_time
    if args.protocol is not None:
        kwargs["protocol"] = args.protocol
        check_named(kwargs)
    controller = args.controller
    scenario = args.scenario
    experiment = load_experiment(experiment_folder(args.checkpoint)) if args.checkpoint else None
    if experiment is not None and is_flow_env(experiment.flow_params):
        policy = FlowPolicy(args.checkpoint)  # a Flow env class: Flow's rollouts and summary
        print(format_rollouts(run_rollouts(policy.experiment, policy, num_rollouts=args.episodes, seed=args.seed)))
        return 0
    if experiment is not None:
        trained_under = env_kwargs(experiment.flow_params).get("protocol", "flowlights")
        if args.protocol is not None and args.protocol != trained_under:  # said before the modules load
            raise FlowlightsError(
                f"--protocol {args.protocol}: this policy was trained under protocol {trained_under!r} "
                f"(its params.json); evaluate it under that one (drop --protocol)."
            )
        controller = TrainedPolicy(args.checkpoint)
        if args.end is None and controller.scenario_kwargs.get("end") is not None:
            kwargs["end"] = controller.scenario_kwargs["end"]  # the episode length it was trained on
    elif scenario is None:
        scenario = "grid4x4"
    report = evaluate(
        scenario,
        controller,
        episodes=args.episodes,
        seed=args.seed,
        out=args.out,
        record=args.record,
        isolate=True,  # each episode in a fresh libsumo: figures that depend on the seed alone
        backend=args.backend,
        time_to_teleport=args.time_to_teleport,
        **kwargs,
    )
    print(format_report(report))
    if args.out:
        print(f"wrote {args.out / 'metrics.json'} and {args.out / 'episodes.csv'}")
    return 0


def _json_option(value: Optional[str], name: str) -> Any:
    try:
        return json.loads(value) if value is not None else None
    except json.JSONDecodeError as exc:
        raise FlowlightsError(
            f"--{name} {value!r} is not JSON ({exc.msg}); e.g. --clusters '{{\"cluster0\": [\"A0\", \"A1\"]}}'."
        ) from None


def cmd_deploy(args: argparse.Namespace) -> int:
    kwargs: dict[str, Any] = {"end": args.end} if args.end is not None else {}
    for name in ("clusters", "couplings"):
        value = _json_option(getattr(args, name), name)
        if value is not None:
            kwargs[name] = value
    if args.result_dir is not None:
        controller: Any = TrainedPolicy(args.result_dir, restore_dir=args.restore)
        scenario = args.scenario
        if args.end is None and controller.scenario_kwargs.get("end") is not None:
            kwargs["end"] = controller.scenario_kwargs["end"]
    else:
        if not args.scenario:
            raise FlowlightsError("give RESULT_DIR (a trained run) or --scenario S with --controller C.")
        if args.train or args.restore:
            raise FlowlightsError("--train and --restore work on a trained policy: give RESULT_DIR.")
        controller, scenario = args.controller, args.scenario
    report = deploy(
        scenario,
        controller,
        bus=args.bus,
        realtime=args.realtime,
        speed=args.speed,
        episodes=args.episodes,
        seed=args.seed,
        out=args.out,
        kills=parse_kills(args.kill),
        dashboard=args.dashboard,
        dashboard_host=args.dashboard_host,
        namespace=args.namespace,
        bus_key=args.bus_key or os.environ.get("FLOWLIGHTS_BUS_KEY"),
        train=args.train,
        save_dir=args.save,
        **kwargs,
    )
    print(format_report(report))
    d = report["deploy"]
    restarts = sum(s["restarts"] for s in d["services"].values())
    print(
        f"  services: {len(d['services'])} lights on bus {d['bus']} ({d['mode']}); decisions {d['decisions_applied']}, "
        f"missing {d['decisions_missing']}, duplicates ignored {d['duplicates_ignored']}, late {d['late_ignored']}, "
        f"resent {d['resent']}, restarts {restarts}, dropped (malformed {d['malformed']}, unknown light {d['unknown']}); "
        f"latency p50 {d['latency_ms_p50']:.1f} ms, p99 {d['latency_ms_p99']:.1f} ms; "
        f"{d['messages_per_second']:.0f} messages/s"
    )
    if args.out:
        print(f"wrote {args.out / 'metrics.json'} and {args.out / 'episodes.csv'}")
    return 0


def cmd_regularflow(args: argparse.Namespace) -> int:
    clusters = parse_clusters(args.cluster or ["cluster0"], args.manager or ["manager0"], args.lights or [None])
    kwargs: dict[str, Any] = {"end": args.end} if args.end is not None else {}
    report = run_regularflow(
        args.scenario,
        clusters,
        args.bus,
        display=args.display,
        out=args.out,
        episodes=args.episodes,
        seed=args.seed,
        dashboard=args.dashboard,
        dashboard_host=args.dashboard_host,
        wait_for_lights=args.wait,
        **kwargs,
    )
    print(format_report(report))
    r = report["regularflow"]
    restarts = sum(light["restarts"] for light in r["lights"].values())
    print(
        f"  regularflow: {len(r['lights'])} light scripts on {r['bus']}; decisions {r['decisions_applied']}, "
        f"resent {r['resent']}, restarts {restarts}, dropped {r['dropped']}, invalid {r['invalid']}"
    )
    if args.out:
        print(f"wrote {args.out / 'metrics.json'}, {args.out / 'episodes.csv'} and {args.out / 'decisions.csv'}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    out = export_policy(args.run, args.out)
    print(f"wrote {out}: params.json and policies/<policy>/ (weights.pt, policy.json); no code, nothing pickled")
    print(
        f"  use it: flowlights evaluate --checkpoint {out}  |  flowlights deploy {out}  |  flowlights visualize {out}"
    )
    return 0


def cmd_cbengine_evaluate(args: argparse.Namespace) -> int:
    result = cbengine_evaluate(
        args.input_dir,
        args.output_dir,
        args.sim_cfg,
        metric_period=args.metric_period,
        threshold=args.threshold,
        thread_num=args.thread_num,
        vehicle_info_path=args.vehicle_info_path,
        backend=args.backend,
        controller=args.checkpoint or args.controller,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    data = result["data"]
    print(f"total_served_vehicles {data['total_served_vehicles']}  delay_index {data['delay_index']:.4f}")
    index = flow_index(read_simulator_cfg(args.sim_cfg).values["vehicle_file_addr"])
    print(f"wrote {Path(args.output_dir) / index / 'scores.json'}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    reports = load_reports(args.folders)
    print(compare_table(reports))
    print(f"wrote {compare_chart(reports, args.out)}")
    return 0


RECIPE_OPTIONS = ("minutes", "seed")  # what the recipe takes of TrainSettings' options; the rest is its own


def cmd_train_recipe(args: argparse.Namespace) -> int:
    """``flowlights train --scenario S``: the training recipe, ending with the comparison on the test seeds."""
    args.validation_episodes = 5 if args.validation_episodes is None else args.validation_episodes
    args.confirmation_episodes = 10 if args.confirmation_episodes is None else args.confirmation_episodes
    args.test_episodes = 20 if args.test_episodes is None else args.test_episodes
    if not 1 <= args.validation_episodes <= 100:
        raise FlowlightsError(
            f"--validation-episodes {args.validation_episodes} must be between 1 and 100 (validation seeds 200..)."
        )
    if not MIN_CONFIRMATION <= args.confirmation_episodes <= 100:
        raise FlowlightsError(
            f"--confirmation-episodes {args.confirmation_episodes} must be between {MIN_CONFIRMATION} and 100 (the "
            "seeds right after the validation seeds; on fewer the duel's signed-rank test cannot reach 5%)."
        )
    if not 1 <= args.test_episodes <= 100:
        raise FlowlightsError(f"--test-episodes {args.test_episodes} must be between 1 and 100 (test seeds 100..).")
    if args.exp_config or args.resume:
        raise FlowlightsError(
            "--scenario runs the training recipe on a network; give either it or an experiment "
            "config / --resume, not both."
        )
    fixed = [
        f"--{f.name.replace('_', '-')}"
        for f in dataclasses.fields(TrainSettings)
        if f.name not in RECIPE_OPTIONS and getattr(args, f.name) != f.default
    ]
    if fixed:
        raise FlowlightsError(
            f"{', '.join(fixed)}: the training recipe (--scenario) sets these itself, the same on every "
            "network; leave them out, or train an experiment config to choose them."
        )
    seeds = SeedSets(
        args.seed,
        validation=tuple(range(200, 200 + args.validation_episodes)),
        test=tuple(range(100, 100 + args.test_episodes)),
        confirmation_episodes=args.confirmation_episodes,
    )
    run_dir = run_recipe(
        args.scenario,
        args.minutes or 30.0,
        protocol=args.protocol or "flowlights",
        training_seed=args.seed,
        out=args.out,
        seeds=seeds,
    )
    print(f"results in {run_dir} (comparison.json, selection.json, validation_curve.png, checkpoints/)")
    chosen = json.loads((run_dir / "selection.json").read_text())["selected"]
    print(f"evaluate it: flowlights evaluate --checkpoint {run_dir / 'checkpoints' / chosen}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    if args.scenario is not None:
        return cmd_train_recipe(args)
    if args.exp_config and not args.resume:
        experiment = load_experiment(args.exp_config)
        scenario = recipe_scenario(experiment)
        if scenario is not None:  # the config chooses no set-up of its own: the training recipe on its network
            print(
                f"{args.exp_config} chooses no set-up of its own: it runs the training recipe on {scenario}",
                file=sys.stderr,
            )
            args.exp_config, args.scenario = None, scenario
            args.protocol = args.protocol or (experiment.protocol if experiment.protocol != "flowlights" else None)
            return cmd_train_recipe(args)
    for name in ("validation_episodes", "confirmation_episodes", "test_episodes"):
        if getattr(args, name) is not None:
            raise FlowlightsError(
                f"--{name.replace('_', '-')} sets the training recipe's seeds: give it with --scenario."
            )
    settings = TrainSettings(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainSettings)})
    run_dir = train(args.exp_config, settings, out=args.out, resume=args.resume, protocol=args.protocol)
    print(f"results in {run_dir} (params.json, progress.csv, checkpoints/, learning_curve.png)")
    print(
        f"evaluate it: flowlights evaluate --checkpoint {run_dir}  (or: python scripts/visualizer_rllib.py {run_dir} "
        "--render_mode no_render)"
    )
    return 0


def _controller(args: argparse.Namespace) -> tuple[Any, dict]:
    """A trained policy from a results folder, or a baseline by name, and its scenario kwargs."""
    if args.result_dir:
        path = (
            args.result_dir
            if args.checkpoint is None
            else args.result_dir / "checkpoints" / f"iter_{args.checkpoint:06d}"
        )
        policy = TrainedPolicy(path)
        keys = SCENARIO_KEYS + ("begin", "end")
        return policy, {k: policy.scenario_kwargs[k] for k in keys if k in policy.scenario_kwargs}
    if not args.scenario:
        raise FlowlightsError("give RESULT_DIR (a trained run) or --scenario S with --controller C.")
    return make_controller(args.controller), _scenario_kwargs(args.scenario)


def cmd_visualize(args: argparse.Namespace) -> int:
    controller, kwargs = _controller(args)
    path = replay(
        controller,
        seconds=args.seconds,
        delay_ms=args.delay,
        video=args.video,
        frame_every=args.frame_every,
        speed=args.speed,
        seed=args.seed,
        **kwargs,
    )
    if path:
        print(f"wrote {path}")
    return 0


def cmd_movie(args: argparse.Namespace) -> int:
    print(f"wrote {make_movie(args.run_dir, args.out, fps=args.fps, speed=args.speed, seed=args.seed)}")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    for path in plot_results(args.result_dir):
        print(f"wrote {path}")
    return 0


def bench_speed(argv: Sequence[str]) -> int:
    """``flowlights benchmark speed`` = ``flowlights bench``."""
    return main(["bench", *argv])


def bench_scale(argv: Sequence[str]) -> int:
    """``flowlights benchmark scale`` = ``flowlights bench-scale``."""
    return main(["bench-scale", *argv])


def bench_rllib(argv: Sequence[str]) -> int:
    """``flowlights benchmark rllib`` = ``flowlights bench-rllib``."""
    return main(["bench-rllib", *argv])


def cmd_benchmark(args: argparse.Namespace) -> int:
    if args.list or args.name is None:
        print("flowlights benchmark NAME [its options; NAME --help lists them]:\n" + listing())
        return 0
    return run(args.name, args.options)


def cmd_bench(args: argparse.Namespace) -> int:
    scenarios = args.scenarios
    if not scenarios:
        resco_grid = resco_dir() / "grid4x4" / "grid4x4.sumocfg"
        scenarios = ["grid4x4"] + ([str(resco_grid)] if resco_grid.is_file() else [])
    python = sumo_rl_python(args.sumo_rl_venv or default_venv()) if args.sumo_rl else None
    window: dict[str, Any] = {"end": args.end} if args.end is not None else {}
    if args.protocol is not None:
        window["protocol"] = args.protocol
    results = []
    for scenario in scenarios:
        for backend in args.backend:
            results.append(
                speed.bench_scenario(
                    scenario,
                    repeats=args.repeats,
                    sumo_rl_python=python if backend == "libsumo" else None,
                    backend=backend,
                    all_red=args.all_red,
                    **window,
                    **_scenario_kwargs(scenario),
                )
            )
    print(speed.format_results(results))
    return 0


def cmd_bench_scale(args: argparse.Namespace) -> int:
    results = []
    for size in args.sizes:
        print(f"  {size}x{size} grid: one {args.end:g} s episode ...", file=sys.stderr)
        results.append(scale.bench_size(size, vehs_per_hour=args.vehs_per_hour, end=args.end))
        print(scale.format_results(results[-1:]).splitlines()[-1], file=sys.stderr)
    print(scale.format_results(results))
    return 0


def cmd_bench_rllib(args: argparse.Namespace) -> int:
    training = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise FlowlightsError(f"--set {item!r}: use KEY=VALUE, e.g. --set minibatch_size=1800.")
        training[key] = yaml.safe_load(value)
    results = [
        rllib_throughput.bench_rllib(
            args.experiment, runners, iterations=args.iterations, training=training, protocol=args.protocol
        )
        for runners in args.runners
    ]
    print(rllib_throughput.format_results(results))
    return 0


def cmd_netgen(args: argparse.Namespace) -> int:
    cfg = write_grid_scenario(
        args.out,
        args.rows,
        args.cols,
        lanes=args.lanes,
        length=args.length,
        vehs_per_hour=args.vehs_per_hour,
        end=args.end,
        pedestrians_per_hour=args.pedestrians_per_hour,
    )
    print(f"wrote {cfg}")
    return 0


def _dataclass_options(parser: argparse.ArgumentParser, name: str, budget: tuple[str, ...] = ()) -> None:
    """One option per field of a settings dataclass, with its default, help and choices (one home for them);
    the fields in ``budget`` exclude each other."""
    cls = getattr(settings_module, name)
    hints = typing.get_type_hints(cls)
    group = parser.add_mutually_exclusive_group() if budget else parser
    for f in dataclasses.fields(cls):
        kind = next((t for t in (int, float, str) if t in (hints[f.name], *typing.get_args(hints[f.name]))), str)
        where = group if f.name in budget else parser
        default = "" if f.default is None else f" (default {f.default})"
        where.add_argument(
            "--" + f.name.replace("_", "-"),
            type=kind,
            default=f.default,
            choices=f.metadata.get("choices"),
            help=f.metadata.get("help", "") + ("" if "default" in f.metadata.get("help", "") else default),
        )


def _trust_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trust-code",
        action="store_true",
        help="load a results folder this machine did not train although it runs code (its config module, "
        "classes, pickled checkpoints): only for folders from someone you trust",
    )


def _protocol_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--protocol",
        default=None,
        choices=list(PROTOCOLS),
        help="MDP settings: "
        + "; ".join(f"{p.name}: {p.summary}" for p in PROTOCOLS.values())
        + " (default: flowlights, or the experiment's)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowlights", description="Multi-agent RL for SUMO traffic lights.")
    sub = parser.add_subparsers(dest="command", required=True)

    ev = sub.add_parser("evaluate", help="run a controller for episodes; print and write its metrics")
    ev.add_argument(
        "--scenario",
        default=None,
        help="bundled name, .sumocfg, or folder holding one (default grid4x4; with --checkpoint, the experiment's own)",
    )
    ev.add_argument(
        "--checkpoint",
        default=None,
        help="evaluate a trained policy: a 'flowlights train' results folder or checkpoint",
    )
    ev.add_argument(
        "--controller",
        default="max_pressure",
        help="fixed, webster, actuated, delay_based, max_pressure, max_pressure_gap, greedy, greedy_gap, greedy_clear, greedy_spillback, sotl or random "
        "(default max_pressure)",
    )
    ev.add_argument("--episodes", type=int, default=1)
    add_sim_options(ev, "seed", "end", "time_to_teleport", "backend")
    add_params_options(ev, EnvParams, ["delta_time"], default_text={"delta_time": "the protocol's"})
    _protocol_option(ev)
    ev.add_argument("--out", type=Path, default=None, help="folder for metrics.json, episodes.csv and SUMO outputs")
    ev.add_argument(
        "--record",
        action="store_true",
        help="also record what each episode did (vehicles, light states, decisions) into --out, for 'flowlights movie'",
    )
    _trust_option(ev)
    ev.set_defaults(func=cmd_evaluate)

    dep = sub.add_parser("deploy", help="run every light as its own service (Ray actors) talking over a message bus")
    dep.add_argument(
        "result_dir", nargs="?", type=Path, default=None, help="a 'flowlights train' results folder (or checkpoint)"
    )
    dep.add_argument("--scenario", default=None, help="with --controller: bundled name, .sumocfg or folder")
    dep.add_argument(
        "--controller",
        default="max_pressure",
        help="a deployable baseline: fixed, webster, max_pressure, max_pressure_gap, greedy, greedy_gap, greedy_clear, greedy_spillback, sotl",
    )
    dep.add_argument("--bus", default="ray", help="ray (default, no server), redis://HOST:PORT or kafka://HOST:PORT")
    dep.add_argument(
        "--namespace",
        default=None,
        help="prefix of every topic (default: a fresh deploy-XXXXXXXX): deployments sharing a broker stay apart",
    )
    dep.add_argument(
        "--bus-key",
        default=None,
        help="sign every message with this key (HMAC-SHA256) and drop unsigned ones; "
        "or set FLOWLIGHTS_BUS_KEY (not visible in the process list)",
    )
    dep.add_argument(
        "--realtime", action="store_true", help="run against the wall clock (default: lockstep, deterministic)"
    )
    dep.add_argument(
        "--speed", type=float, default=1.0, help="with --realtime: simulated seconds per wall second (default 1)"
    )
    dep.add_argument(
        "--dashboard", type=int, default=None, metavar="PORT", help="serve the live dashboard on this port"
    )
    dep.add_argument(
        "--dashboard-host",
        default="127.0.0.1",
        help="address the dashboard listens on (default 127.0.0.1: this machine only; another one warns)",
    )
    dep.add_argument(
        "--out", type=Path, default=None, help="folder for metrics.json (as evaluate writes it, plus 'deploy')"
    )
    dep.add_argument("--episodes", type=int, default=1)
    add_sim_options(dep, "seed", "end")
    dep.add_argument("--clusters", default=None, help='JSON, e.g. \'{"cluster0": ["A0", "A1"]}\' (topics per cluster)')
    dep.add_argument("--couplings", default=None, help="JSON, e.g. '[[\"A0\", \"B0\"]]' (influencer, follower)")
    dep.add_argument(
        "--train",
        action="store_true",
        help="the lights keep learning from their own experience "
        "(online actor-critic per light) and save their modules (--save, default OUT/lights)",
    )
    dep.add_argument(
        "--save", type=Path, default=None, help="with --train: folder for each light's module (<dir>/<light>)"
    )
    dep.add_argument(
        "--restore", type=Path, default=None, help="lights' own saved modules (<dir>/<light>) to start from"
    )
    dep.add_argument(
        "--kill",
        action="append",
        default=[],
        metavar="LIGHT@SECONDS",
        help="fault injection: kill that light's service at that simulated time (repeatable)",
    )
    _trust_option(dep)
    dep.set_defaults(func=cmd_deploy)

    exp = sub.add_parser("export", help="a trained policy as weights and JSON (no code, nothing pickled) to share")
    exp.add_argument(
        "run", type=Path, help="a 'flowlights train' results folder (its latest checkpoint) or a checkpoint"
    )
    exp.add_argument("--out", type=Path, required=True, help="a new folder for the export")
    _trust_option(exp)
    exp.set_defaults(func=cmd_export)

    rf = sub.add_parser(
        "regularflow",
        help="the simulation side of Regularflow light scripts (newAgent/startDemo/startAgent) over Kafka",
    )
    rf.add_argument("--scenario", required=True, help="bundled name, .sumocfg or folder")
    rf.add_argument("--bus", required=True, help="the scripts' Kafka broker: kafka://HOST:PORT")
    rf.add_argument(
        "--cluster", action="append", default=None, help="cluster topic (repeatable, one per cluster; default cluster0)"
    )
    rf.add_argument(
        "--manager",
        action="append",
        default=None,
        help="its manager topic (repeatable, in --cluster order; default manager0)",
    )
    rf.add_argument(
        "--lights",
        action="append",
        default=None,
        help="its SUMO lights, comma-separated: agent id i is the i-th (repeatable; default: every light, sorted)",
    )
    rf.add_argument("--display", default="display", help="the display topic (default display)")
    rf.add_argument("--out", type=Path, default=None, help="folder for metrics.json (as evaluate) and decisions.csv")
    rf.add_argument("--episodes", type=int, default=1)
    add_sim_options(rf, "seed", "end")
    rf.add_argument("--dashboard", type=int, default=None, metavar="PORT", help="serve the live dashboard on this port")
    rf.add_argument(
        "--dashboard-host",
        default="127.0.0.1",
        help="address the dashboard listens on (default 127.0.0.1: this machine only; another one warns)",
    )
    rf.add_argument(
        "--wait",
        type=float,
        default=600.0,
        help="seconds to wait for the scripts before the first decision (default 600)",
    )
    rf.set_defaults(func=cmd_regularflow)

    cbe = sub.add_parser(
        "cbengine-evaluate",
        help="score a KDD Cup 2021 (CBEngine) agent folder on SUMO, as the starter kit's evaluate.py does",
    )
    cbe.add_argument("--input_dir", default=None, help="the agent folder: agent.py (agent_specs) and gym_cfg.py")
    cbe.add_argument(
        "--controller", default=None, help="instead of --input_dir: one of our baselines (max_pressure...)"
    )
    cbe.add_argument(
        "--checkpoint",
        default=None,
        help="instead of --input_dir: a 'flowlights train' run folder (trained under protocol cbengine)",
    )
    cbe.add_argument("--output_dir", required=True, help="scores go to OUTPUT_DIR/<flow index>/scores.json")
    cbe.add_argument("--sim_cfg", required=True, help="CBEngine simulator.cfg (road_file_addr, vehicle_file_addr...)")
    cbe.add_argument("--metric_period", type=int, default=3600, help="score every this many simulated seconds")
    cbe.add_argument("--threshold", type=float, default=1.6, help="stop once the delay index passes this")
    cbe.add_argument("--thread_num", type=int, default=8, help="accepted for compatibility (SUMO steps on one thread)")
    cbe.add_argument("--vehicle_info_path", default="./log", help="CBEngine's info_step logs go to DIR/<flow index>/")
    add_sim_options(cbe, "backend")
    cbe.set_defaults(func=cmd_cbengine_evaluate)

    cmp = sub.add_parser("compare", help="one table and one bar chart from several evaluate --out folders")
    cmp.add_argument("folders", nargs="+", type=Path)
    cmp.add_argument("--out", type=Path, default=Path("compare.png"), help="bar chart PNG (default compare.png)")
    cmp.set_defaults(func=cmd_compare)

    tr = sub.add_parser("train", help="train the lights with RLlib from an experiment config (.py or .yaml)")
    tr.add_argument(
        "exp_config", nargs="?", default=None, help="experiment config; optional with --resume or --scenario"
    )
    tr.add_argument(
        "--scenario",
        default=None,
        help="train with the training recipe on this network (a bundled name, "
        "a .sumocfg or a folder holding one; no config needed): the best classical controller copied, then "
        "PPO, the policy chosen on validation seeds, and a comparison with every classical controller on "
        "test seeds (default budget --minutes 30)",
    )
    tr.add_argument(
        "--validation-episodes",
        type=int,
        default=None,
        help="with --scenario: validation seeds 200.. (every choice; default 5)",
    )
    tr.add_argument(
        "--confirmation-episodes",
        type=int,
        default=None,
        help="with --scenario: fresh validation seeds right after those, on which the best checkpoint must beat the "
        f"copy beyond noise to replace it (default 10, at least {MIN_CONFIRMATION})",
    )
    tr.add_argument(
        "--test-episodes",
        type=int,
        default=None,
        help="with --scenario: test seeds 100.. (only the comparison; default 20)",
    )
    _dataclass_options(tr, "TrainSettings", budget=("iterations", "timesteps", "minutes"))
    tr.add_argument("--resume", type=Path, default=None, help="a results folder (or checkpoint) to continue")
    tr.add_argument("--out", type=Path, default=Path("results"), help="parent folder of the run's results folder")
    _protocol_option(tr)
    _trust_option(tr)
    tr.set_defaults(func=cmd_train)

    viz = sub.add_parser("visualize", help="replay a trained policy or a baseline in sumo-gui, live or as a video")
    viz.add_argument("result_dir", nargs="?", type=Path, default=None, help="a 'flowlights train' results folder")
    viz.add_argument("--checkpoint", type=int, default=None, help="iteration of the checkpoint (default: the latest)")
    viz.add_argument("--scenario", default=None, help="with --controller: a baseline on this scenario")
    viz.add_argument("--controller", default="max_pressure")
    viz.add_argument("--delay", type=float, default=0.0, help="sumo-gui delay per step in ms (live replay)")
    viz.add_argument("--seconds", type=float, default=None, help="simulated seconds to replay (default: the episode)")
    viz.add_argument("--video", type=Path, default=None, help="write out.mp4 or out.gif instead of showing it live")
    viz.add_argument("--frame-every", type=float, default=1.0, help="simulated seconds between video frames")
    viz.add_argument("--speed", type=float, default=10.0, help="video speed, times real time")
    viz.add_argument("--seed", type=int, default=0)
    _trust_option(viz)
    viz.set_defaults(func=cmd_visualize)

    movie = sub.add_parser("movie", help="a video of an episode recorded by 'evaluate --record' (no SUMO, no GUI)")
    movie.add_argument("run_dir", type=Path, help="the --out folder of 'flowlights evaluate --record'")
    movie.add_argument("--fps", type=float, default=10.0, help="frames per second of the video (default 10)")
    movie.add_argument("--speed", type=float, default=10.0, help="simulated seconds per second of video (default 10)")
    movie.add_argument("--seed", type=int, default=None, help="which recorded episode (default: the first)")
    movie.add_argument("--out", type=Path, default=None, help=".mp4 or .gif (default RUN_DIR/movie_seed<K>.mp4)")
    movie.set_defaults(func=cmd_movie)

    plot = sub.add_parser(
        "plot", help="learning curves of a training run; per-light queue/delay heat maps of an evaluation"
    )
    plot.add_argument("result_dir", type=Path)
    plot.set_defaults(func=cmd_plot)

    bm = sub.add_parser("benchmark", help="run one benchmark by name (flowlights benchmark --list)")
    bm.add_argument("name", nargs="?", default=None, help="the benchmark (see --list)")
    bm.add_argument("options", nargs=argparse.REMAINDER, help="its own options (NAME --help lists them)")
    bm.add_argument("--list", action="store_true", help="list the benchmarks")
    bm.set_defaults(func=cmd_benchmark)

    bench = sub.add_parser("bench", help="simulated s per wall s beside plain sumo on the same scenario")
    bench.add_argument(
        "scenarios",
        nargs="*",
        help="bundled names or .sumocfg paths (default: bundled grid4x4 and RESCO grid4x4 when ../shared is there)",
    )
    bench.add_argument("--repeats", type=int, default=3)
    bench.add_argument(
        "--backend",
        nargs="+",
        default=["libsumo"],
        choices=list(BACKENDS),
        help="one or both (traci: through a socket, as sumo-gui runs need)",
    )
    bench.add_argument(
        "--all-red",
        type=float,
        default=0.0,
        help="all-red clearance in s (default 0: the same light timing as sumo-rl, which has none)",
    )
    bench.add_argument("--end", type=float, default=None, help="end of the episode in s (default: the scenario's)")
    _protocol_option(bench)
    bench.add_argument(
        "--sumo-rl", action="store_true", help="also time sumo-rl (libsumo), installed into a throwaway venv"
    )
    bench.add_argument("--sumo-rl-venv", type=Path, default=None, help="that venv (default: in the flowlights cache)")
    bench.set_defaults(func=cmd_bench)

    scale_parser = sub.add_parser(
        "bench-scale", help="generated NxN grids: overhead per light and decision, peak memory"
    )
    scale_parser.add_argument("--sizes", type=int, nargs="+", default=[10, 32])
    scale_parser.add_argument(
        "--vehs-per-hour", type=float, default=120.0, help="flow on every entry road (default 120)"
    )
    scale_parser.add_argument("--end", type=float, default=3600.0, help="episode length in s (default 3600)")
    scale_parser.set_defaults(func=cmd_bench_scale)

    rl = sub.add_parser("bench-rllib", help="environment steps per second inside RLlib training")
    rl.add_argument("experiment", nargs="?", default="grid4x4_shared", help="experiment config or bundled name")
    rl.add_argument(
        "--runners", type=int, nargs="+", default=[0, 1], help="numbers of env runners to compare (default 0 1)"
    )
    rl.add_argument(
        "--iterations", type=int, default=3, help="timed iterations after one warm-up iteration (default 3)"
    )
    rl.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a training setting of the experiment, e.g. --set minibatch_size=1800 (repeatable)",
    )
    _protocol_option(rl)
    rl.set_defaults(func=cmd_bench_rllib)

    netgen = sub.add_parser("netgen", help="write a grid scenario folder (net, flows, .sumocfg)")
    netgen.add_argument("--rows", type=int, default=2)
    netgen.add_argument("--cols", type=int, default=2)
    netgen.add_argument("--lanes", type=int, default=1)
    netgen.add_argument("--length", type=float, default=200.0)
    netgen.add_argument("--vehs-per-hour", type=float, default=300.0)
    netgen.add_argument(
        "--pedestrians-per-hour",
        type=float,
        default=0.0,
        help="sidewalks, signalised crossings and people walking from every entry road (default 0: none)",
    )
    netgen.add_argument("--end", type=float, default=3600.0)
    netgen.add_argument("--out", type=Path, required=True)
    netgen.set_defaults(func=cmd_netgen)
    return parser


# the optional packages (setup.cfg's extras) by import name, and the extra that installs each
EXTRA_OF = {
    "ray": "rllib",
    "torch": "rllib",
    "matplotlib": "viz",
    "PIL": "viz",
    "imageio": "viz",
    "moviepy": "viz",
    "redis": "deploy",
    "confluent_kafka": "deploy",
    "stable_baselines3": "sb3",
    "sb3_contrib": "sb3",
    "supersuit": "sb3",
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if hasattr(signal, "SIGUSR1"):  # `kill -USR1 PID` prints where a long or stuck run is, and it goes on
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    if getattr(args, "trust_code", False):
        allow_trusted_code()
    try:
        return args.func(args)
    except FlowlightsError as exc:
        print(f"flowlights: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("flowlights: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:  # an optional package: name the extra that installs it
        top = (exc.name or "").split(".")[0]
        if top not in EXTRA_OF:
            raise
        extra = EXTRA_OF[top]
        print(
            f"flowlights: error: `flowlights {args.command}` needs {top}, which the {extra} extra installs: "
            f"pip install 'flowlights[{extra}]' (from a checkout: pip install -e '.[{extra}]')",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
