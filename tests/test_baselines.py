"""Baseline controllers: safety on what SUMO ran, a measured max-pressure win on unbalanced
demand, Webster's plan, and metrics that agree with SUMO's tripinfo file."""

from __future__ import annotations

import pytest

from conftest import check_light, read_tls_states, resco_cfg, tls_recorder
from flowlights.baselines import CONTROLLERS, make_controller
from flowlights.baselines.webster import webster_greens
from flowlights.evaluation.episode import run_controller_episode
from flowlights.evaluation.tripinfo import read_tripinfos
from flowlights.networks import GridNetwork
from flowlights.networks.scenario_writer import write_scenario


class Recording:
    """Wraps a controller to keep the env for inspection after the episode."""

    def __init__(self, inner):
        self.inner, self.name, self.env_overrides = inner, inner.name, inner.env_overrides

    def reset(self, env):
        self.env = env
        self.inner.reset(env)

    def act(self, env, obs):
        return self.inner.act(env, obs)


@pytest.mark.parametrize("name", sorted(CONTROLLERS))
def test_each_controller_respects_the_safety_rules(tmp_path, name):
    args, out = tls_recorder(tmp_path)
    ctrl = Recording(make_controller(name))
    metrics = run_controller_episode(
        ctrl, seed=1, workdir=tmp_path / "w", progress=False, scenario="grid2x2", end=900, sumo_args=args
    )
    env = ctrl.env
    records = read_tls_states(out)
    for tls in env.possible_agents:
        check_light(tls, records[tls], env.topology.lights[tls].states, env)
        assert len({s for _, s in records[tls]}) >= 3, f"{name}: {tls} never switched"
    assert metrics["throughput"] > 300


def test_sumo_logic_controllers_on_a_resco_scenario(tmp_path):
    cfg = resco_cfg("cologne3")
    for name in ("actuated", "max_pressure"):
        args, out = tls_recorder(tmp_path / name)
        ctrl = Recording(make_controller(name))
        run_controller_episode(
            ctrl, seed=0, workdir=tmp_path / name, progress=False, sumocfg=cfg, end=25200 + 900, sumo_args=args
        )
        records = read_tls_states(out)
        for tls in ctrl.env.possible_agents:
            check_light(tls, records[tls], ctrl.env.topology.lights[tls].states, ctrl.env)


@pytest.fixture(scope="module")
def unbalanced_grid(tmp_path_factory):
    """2x2 grid: 700 veh/h per west-east entry, 100 veh/h per south-north entry."""
    folder = tmp_path_factory.mktemp("unbalanced")
    grid = GridNetwork(rows=2, cols=2)
    net = grid.build(folder / "net")
    demand = grid.demand(net, vehs_per_hour=100, main_axis_factor=7.0, straight_share=0.9, end=1800)
    return write_scenario(folder / "scn", "unbalanced", net, demand, end=1800)


def test_max_pressure_beats_the_fixed_plan_on_unbalanced_demand(tmp_path, unbalanced_grid):
    delays = {}
    for name in ("fixed", "max_pressure"):
        runs = [
            run_controller_episode(
                make_controller(name), seed=s, workdir=tmp_path / name, progress=False, sumocfg=unbalanced_grid
            )
            for s in (0, 1)
        ]
        delays[name] = sum(r["mean_delay"] for r in runs) / len(runs)
    assert delays["max_pressure"] < 0.8 * delays["fixed"], delays


def test_webster_gives_the_busy_approach_more_green(unbalanced_grid):
    import flowlights
    from flowlights.baselines.webster import WebsterPlan

    env = flowlights.parallel_env(sumocfg=unbalanced_grid)
    plan = WebsterPlan().green_times(env)
    for tls, greens in plan.items():
        states = env.controller.machines[tls].greens
        light = env.topology.lights[tls]
        # greens that serve the busy west-east approaches must get the longer times
        we = [
            i
            for i, s in enumerate(states)
            if any(s[idx] in "Gg" and _horizontal(env, lane) for idx, pairs in light.links.items() for lane, _ in pairs)
        ]
        ns = [i for i in range(len(states)) if i not in we]
        assert we and ns and min(greens[i] for i in we) > max(greens[i] for i in ns), (tls, greens)
    assert webster_greens([0.0, 0.0], 10, 5)[0] == webster_greens([0.0, 0.0], 10, 5)[1] >= 5
    assert webster_greens([0.4, 0.1], 10, 5)[0] > 3 * webster_greens([0.4, 0.1], 10, 5)[1]


def _horizontal(env, lane) -> bool:
    f, t = env.topology.edge_ends[env.topology.lanes[lane].edge]
    (x0, y0), (x1, y1) = env.topology.junction_xy[f], env.topology.junction_xy[t]
    return abs(x1 - x0) > abs(y1 - y0)


def test_episode_metrics_agree_with_tripinfo(tmp_path):
    metrics = run_controller_episode(
        make_controller("max_pressure"),
        seed=3,
        workdir=tmp_path,
        progress=False,
        scenario="grid2x2",
        end=900,
        time_to_teleport=-1,
    )
    trips = read_tripinfos(tmp_path / "tripinfo_seed3.xml")
    finished = [t for t in trips if float(t["arrival"]) >= 0]
    assert len(finished) == metrics["throughput"] > 200
    mean = lambda rows, key: sum(float(r[key]) for r in rows) / len(rows)  # noqa: E731
    assert metrics["mean_travel_time"] == pytest.approx(mean(finished, "duration"), abs=0.01)
    assert metrics["mean_delay"] == pytest.approx(mean(finished, "timeLoss"), abs=0.01)
    assert metrics["mean_waiting_time"] == pytest.approx(mean(finished, "waitingTime"), abs=0.01)
    unfinished = len(trips) - len(finished)
    assert unfinished == metrics["in_network"]
    resco = (sum(float(t["timeLoss"]) + float(t["departDelay"]) for t in trips)) / len(trips)
    if metrics["never_departed"] == 0:
        assert metrics["resco_delay"] == pytest.approx(resco, abs=1e-6)
    assert metrics["resco_delay"] >= resco - 1e-6


def drive(name: str, sumocfg, check, **env_kwargs) -> None:
    """Run controller ``name`` for an episode (on an env with ``env_kwargs`` too), calling
    ``check(env, controller, tls, reading, action, observation)`` for every light at every decision, with the
    reading the decision was made from and the light's observation at that moment."""
    import flowlights

    controller = make_controller(name)
    env = flowlights.parallel_env(sumocfg=sumocfg, end=900, **{**env_kwargs, **controller.env_overrides})
    try:
        obs, _ = env.reset(seed=2)
        controller.reset(env)
        while env.agents:
            readings = controller.sense(env, obs)
            actions = {tls: controller.deciders[tls](reading) for tls, reading in readings.items()}
            for tls, reading in readings.items():
                check(env, controller, tls, reading, actions[tls], obs[tls])
            obs, *_ = env.step(actions)
    finally:
        env.close()


def test_max_pressure_gap_holds_a_green_while_vehicles_approach_on_it(unbalanced_grid):
    """Read from the controller's own per-movement counts at every decision: it only leaves a green when
    no vehicle that has not stopped is approaching on it, and then for the green of highest pressure;
    it holds greens that plain max-pressure would have left."""
    import numpy as np

    seen = {"switches": 0, "holds": 0}

    def check(env, controller, tls, reading, action, observation):
        served, green = controller.served[tls], reading["green"]
        approaching = float(served[green] @ (np.asarray(reading["in_near"]) - np.asarray(reading["in_queued"])))
        pressure = served @ (np.asarray(reading["in_queued"]) - np.asarray(reading["fed_queued"]))
        if action != green:
            assert reading["can_switch"] and approaching < 1, (tls, reading)
            assert pressure[action] == pressure.max() > pressure[green]
            seen["switches"] += 1
        elif reading["can_switch"] and pressure.max() > pressure[green]:
            assert approaching >= 1, (tls, reading)
            seen["holds"] += 1

    drive("max_pressure_gap", unbalanced_grid, check)
    assert seen["switches"] > 10 and seen["holds"] > 10, seen


def test_greedy_spillback_counts_movements_into_a_full_lane_against_a_green(short_link_grid):
    """Every decision read against the controller's own counts and SUMO's vehicle counts on the exit lanes:
    a movement is blocked exactly when a lane it leads into holds lane_room vehicles; after min green the
    light takes the green whose unblocked minus blocked vehicles is highest — a green plain greedy would
    have taken is refused for one that sends no vehicle into a full lane."""
    import numpy as np

    from flowlights.features.junction import lane_room

    seen = {"refused": 0, "blocked": 0}

    def check(env, controller, tls, reading, action, observation):
        for movement, full in zip(controller.movements[tls], reading["out_full"]):
            counts = [env.sim.api.lane.getLastStepVehicleNumber(lane) for lane in movement.exit_lanes]
            rooms = [lane_room(env.topology.lanes[lane].length) for lane in movement.exit_lanes]
            assert full == float(any(c >= r for c, r in zip(counts, rooms))), (tls, movement, counts)
            seen["blocked"] += int(full)
        near, full = np.asarray(reading["in_near"]), np.asarray(reading["out_full"])
        scores = controller.served[tls] @ np.where(full > 0, -near, near)
        plain = controller.served[tls] @ near
        green = reading["green"]
        if not reading["can_switch"]:
            assert action == green
            return
        assert scores[action] == scores.max()
        assert action == green or scores[action] > scores[green]
        if plain[action] < plain.max() > plain[green]:
            seen["refused"] += 1

    drive("greedy_spillback", short_link_grid, check)
    assert seen["blocked"] > 50 and seen["refused"] > 5, seen


def test_green_spillback_score_is_what_greedy_spillback_compares(short_link_grid):
    """The env's green_spillback_score (detection zones at greedy's 50 m) read against greedy_spillback's own scores
    at every decision: proportional to them, one scale per light, so the green it takes has the largest
    observed score and a tie keeps the current one — a copy seeing it can decide exactly as the controller does."""
    import numpy as np

    seen = {"negative": 0, "switches": 0}

    def check(env, controller, tls, reading, action, observation):
        near, full = np.asarray(reading["in_near"]), np.asarray(reading["out_full"])
        scores = controller.served[tls] @ np.where(full > 0, -near, near)
        view = env.views[tls]
        widest = (view.served @ view.movement_lanes).sum(axis=1).max()
        assert observation == pytest.approx(np.clip(scores / (50.0 / 7.5 * widest), -1, 1)), tls
        seen["negative"] += int((observation < 0).sum())
        if reading["can_switch"]:
            best = observation.max()
            assert observation[action] == best
            assert action == reading["green"] or observation[reading["green"]] < best
            seen["switches"] += int(action != reading["green"])

    drive("greedy_spillback", short_link_grid, check, observation=["green_spillback_score"], detection_distance=50.0)
    assert seen["negative"] > 20 and seen["switches"] > 20, seen


def test_greedy_gap_leaves_a_green_only_when_nothing_approaches_on_it_within_50_m(unbalanced_grid):
    """Read from the controller's own counts at every decision: greedy_gap leaves a green only when no moving vehicle
    approaches on it within its 50 m, and then for the green serving the most vehicles; it holds greens that plain
    greedy would have left."""
    import numpy as np

    seen = {"switches": 0, "holds": 0}

    def check(env, controller, tls, reading, action, observation):
        served, green = controller.served[tls], reading["green"]
        approaching = float(served[green] @ (np.asarray(reading["in_near"]) - np.asarray(reading["in_queued"])))
        scores = served @ np.asarray(reading["in_near"])
        if action != green:
            assert reading["can_switch"] and approaching < 1, (tls, reading)
            assert scores[action] == scores.max() > scores[green]
            seen["switches"] += 1
        elif reading["can_switch"] and scores.max() > scores[green]:
            assert approaching >= 1, (tls, reading)
            seen["holds"] += 1

    assert make_controller("greedy_gap").distance == 50.0
    drive("greedy_gap", unbalanced_grid, check)
    assert seen["switches"] > 10 and seen["holds"] > 10, seen


@pytest.mark.parametrize("max_green", [60.0, None])
def test_greedy_clear_leaves_a_green_only_when_it_is_clear_within_50_m_or_has_run_60_s(unbalanced_grid, max_green):
    """Read from the controller's own counts at every decision: greedy_clear leaves a green only when no vehicle,
    queued or moving, is within its 50 m on it, or when the green has run its 60 s; then for the green serving the
    most vehicles. It holds greens that greedy_gap would have left (vehicles queued, none moving). With no max green
    (RESCO's protocol), its own 60 s limit is what ends a green on the busy axis."""
    import numpy as np

    seen = {"switches": 0, "holds_on_a_queue": 0, "limit": 0}

    def check(env, controller, tls, reading, action, observation):
        served, green = controller.served[tls], reading["green"]
        near = float(served[green] @ np.asarray(reading["in_near"]))
        moving = float(served[green] @ (np.asarray(reading["in_near"]) - np.asarray(reading["in_queued"])))
        scores = served @ np.asarray(reading["in_near"])
        if action != green:
            assert reading["can_switch"] and (near < 1 or reading["time_in_green"] >= 60.0), (tls, reading)
            assert scores[action] == scores.max() > scores[green]
            seen["switches"] += 1
            seen["limit"] += int(near >= 1)
        elif reading["can_switch"] and scores.max() > scores[green] and moving < 1:
            assert near >= 1 and reading["time_in_green"] < 60.0, (tls, reading)
            seen["holds_on_a_queue"] += 1

    assert make_controller("greedy_clear").distance == 50.0
    drive("greedy_clear", unbalanced_grid, check, max_green=max_green)
    assert seen["switches"] > 10 and seen["holds_on_a_queue"] > 10, seen
    if max_green is None:
        assert seen["limit"] > 0, seen


SCORES = {  # controller -> (observation, its per-movement score from the controller's own counts)
    "greedy": ("green_score", lambda r: r["in_near"]),
    "max_pressure": ("green_pressure", lambda r: r["in_queued"] - r["fed_queued"]),
    "max_pressure_gap": ("green_approach", lambda r: r["in_near"] - r["in_queued"]),
    "greedy_gap": ("green_approach", lambda r: r["in_near"] - r["in_queued"]),
}


@pytest.mark.parametrize("name", sorted(SCORES))
def test_green_scores_are_what_each_controller_compares(short_link_grid, name):
    """Each controller's per-green score (or, for the gap-out controllers, the hold score), computed from the
    controller's own counts at every decision, against the env's observation read over the controller's own
    detection range: equal on one scale per light — what the training recipe's copies see of their teacher. Where
    the score chooses the green (greedy, max_pressure), the green taken has the largest observed score."""
    import numpy as np

    feature, score = SCORES[name]
    seen = {"nonzero": 0, "switches": 0}

    def check(env, controller, tls, reading, action, observation):
        counts = {k: np.asarray(v) for k, v in reading.items() if k.startswith(("in_", "fed_"))}
        scores = controller.served[tls] @ score(counts)
        view = env.views[tls]
        widest = (view.served @ view.movement_lanes).sum(axis=1).max()
        assert observation == pytest.approx(np.clip(scores / (controller.distance / 7.5 * widest), -1, 1), abs=1e-6), (
            tls
        )
        seen["nonzero"] += int((observation != 0).sum())
        if name in ("greedy", "max_pressure") and reading["can_switch"] and action != reading["green"]:
            assert observation[action] == observation.max() > observation[reading["green"]]
            seen["switches"] += 1

    drive(name, short_link_grid, check, observation=[feature], detection_distance=make_controller(name).distance)
    assert seen["nonzero"] > 50, seen
    if name in ("greedy", "max_pressure"):
        assert seen["switches"] > 10, seen


@pytest.mark.parametrize(
    "name", ["greedy", "greedy_gap", "greedy_clear", "greedy_spillback", "max_pressure", "max_pressure_gap"]
)
def test_choice_feature_is_the_green_the_controller_takes(short_link_grid, name):
    """``choice_<controller>``, read over the controller's own detection range, is one-hot of the very green the
    controller takes at every decision (its own rule on its own counts): what lets the training recipe's copy of a
    teacher be exact. Checked where the controller switches and where it holds."""
    import numpy as np

    seen = {"switches": 0, "holds": 0}

    def check(env, controller, tls, reading, action, observation):
        n = env.views[tls].n_greens
        assert observation.sum() == 1.0 and int(np.argmax(observation)) == action, (tls, observation, action)
        assert observation.shape == (n,)
        seen["switches" if action != reading["green"] else "holds"] += 1

    # greedy_clear holds these queues to max green, which switches for it: with none, its own 60 s limit decides
    more = {"max_green": None} if name == "greedy_clear" else {}
    distance = make_controller(name).distance
    drive(name, short_link_grid, check, observation=[f"choice_{name}"], detection_distance=distance, **more)
    assert seen["switches"] > 10 and seen["holds"] > 10, seen
