"""Flow's parameter vocabulary (flowlights.core.params): Flow's names, defaults and meaning onto
flowlights' own params, one warning for an option with no meaning here, errors for unknown names
and for a setting given twice with different values."""

from __future__ import annotations

import warnings

import pytest

from conftest import sumo_children
from flowlights.core.params import EnvParams, SumoParams
from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.errors import ConfigError
from flowlights.networks.network_file import resolve_scenario


def build(sim, env):
    return TrafficLightEnv(resolve_scenario(scenario="grid2x2"), sim, env)


def test_sumo_params_flow_names_and_defaults(tmp_path):
    sim = SumoParams(render=False, emission_path=str(tmp_path), restart_instance=True, lateral_resolution=0.8)
    assert sim.step_length == 0.1 and sim.time_to_teleport == -1, "Flow's defaults: sim_step 0.1 s, no teleports"
    assert sim.restart_instance and not sim.gui
    assert sim.sumo_args == ["--emission-output", str(tmp_path / "emission.xml"), "--lateral-resolution", "0.8"]
    assert SumoParams(sim_step=1, render=True).backend == "traci", "sumo-gui runs through TraCI"
    assert SumoParams(sim_step=1, seed=None).seed == 0, "runs stay reproducible"
    with pytest.raises(ConfigError, match="step_length=0.5 and sim_step=1 set step_length differently"):
        SumoParams(step_length=0.5, sim_step=1)
    with pytest.raises(ConfigError, match="unknown option 'sim_stepp'"):
        SumoParams(sim_stepp=1)


def test_options_without_meaning_warn_once_each():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SumoParams(sim_step=1, port=8813, pxpm=3)
        env_params = EnvParams(evaluate=True, clip_actions=False)  # Flow env classes read these
    messages = [str(w.message) for w in caught]
    for name in ("port", "pxpm"):
        assert sum(f"Flow's {name!r} has no meaning" in m for m in messages) == 1, messages
    assert (env_params.evaluate, env_params.clip_actions) == (True, False) and len(messages) == 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build(SumoParams(sim_step=1), env_params)
    assert sum("evaluate=True has no meaning in TrafficLightEnv" in str(w.message) for w in caught) == 1


def test_flow_only_vehicle_settings_warn_in_traffic_light_env():
    """Initial vehicles, Python controllers and placement options mean something to Flow env classes only:
    TrafficLightEnv (demand from the scenario) names each of them in one warning."""
    from flowlights.controllers import ContinuousRouter, IDMController, RLController
    from flowlights.core.params import InitialConfig, NetParams, VehicleParams
    from flowlights.training.env_kwargs import env_kwargs

    vehicles = VehicleParams()
    vehicles.add(
        "human",
        acceleration_controller=(IDMController, {"noise": 0.2}),
        routing_controller=(ContinuousRouter, {}),
        num_vehicles=5,
    )
    vehicles.add("rl", acceleration_controller=(RLController, {}))
    flow_params = dict(
        exp_tag="x",
        env_name="TrafficLightEnv",
        network="NetworkFile",
        simulator="libsumo",
        sim=SumoParams(sim_step=1),
        env=EnvParams(),
        net=NetParams(scenario="grid2x2"),
        veh=vehicles,
        initial=InitialConfig(spacing="random", bunching=10),
    )
    with pytest.warns(UserWarning) as caught:
        env_kwargs(flow_params)
    message = next(str(w.message) for w in caught if "Flow env classes only" in str(w.message))
    for part in (
        "human: num_vehicles=5",
        "human: IDMController noise=0.2",
        "rl: acceleration_controller=RLController",
        "spacing='random'",
        "bunching=10",
    ):
        assert part in message, message


def test_horizon_warmup_and_sims_per_step_count_env_steps():
    env = build(SumoParams(sim_step=1), EnvParams(horizon=40, warmup_steps=4, sims_per_step=5))
    try:
        assert env.env_params.delta_time == 5 and env.sim_params.warmup == 20
        env.reset(seed=0)
        assert env.sim.time == 20, "the warm-up runs first"
        decisions = 0
        while env.agents:
            env.step({})
            decisions += 1
        assert decisions == 40 and env.metrics()["sim_time"] == 220, "horizon counts env steps after the warm-up"
    finally:
        env.close()
    whole = build(SumoParams(sim_step=1), EnvParams(horizon=float("inf")))
    assert whole.sim.end == 3600, "an infinite horizon is the scenario's window"
    with pytest.raises(ConfigError, match="delta_time=10.0 and sims_per_step=5"):
        build(SumoParams(sim_step=1), EnvParams(sims_per_step=5, delta_time=10.0))
    with pytest.raises(ConfigError, match="end=100.0 and horizon=40"):
        build(SumoParams(sim_step=1, end=100.0), EnvParams(horizon=40))


def test_restart_instance_starts_a_fresh_sumo_each_episode():
    env = build(SumoParams(sim_step=1, restart_instance=True, backend="traci", end=30), EnvParams())
    try:
        env.reset(seed=0)
        first = env.sim.process.pid
        env.reset(seed=1)
        assert env.sim.process.pid != first
    finally:
        env.close()
    assert sumo_children() == []


def test_flow_traffic_light_additional_params():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env = build(
            SumoParams(sim_step=1),
            EnvParams(
                additional_params={
                    "switch_time": 8,
                    "discrete": True,
                    "num_observed": 3,
                    "tl_type": "controlled",
                    "target_velocity": 50,
                }
            ),
        )
    assert (env.env_params.min_green, env.env_params.action_mode, env.env_params.nearest_vehicles) == (8, "switch", 3)
    assert env.action_space("A0").n == 2, "Flow's keep/switch"
    unused = [str(w.message) for w in caught if "is not used by TrafficLightEnv" in str(w.message)]
    assert len(unused) == 2 and any("'tl_type'" in m for m in unused) and any("'target_velocity'" in m for m in unused)
    with pytest.raises(ConfigError, match="min_green=7.0 and additional_params\\['switch_time'\\]"):
        build(SumoParams(sim_step=1), EnvParams(min_green=7.0, additional_params={"switch_time": 8}))


def test_flow_style_vehicles_and_inflows_on_a_generated_grid(tmp_path, monkeypatch):
    """Flow's VehicleParams.add / SumoCarFollowingParams / InFlows.add(veh_type, edge, ...) with no
    destination: the grid routes the flows straight through and every vehicle has Flow's type."""
    from flowlights.controllers import GridRouter, SimCarFollowingController
    from flowlights.core.params import InitialConfig, NetParams, SumoCarFollowingParams, VehicleParams
    from flowlights.networks import InFlows
    from flowlights.training.create_env import make_create_env

    monkeypatch.setenv("FLOWLIGHTS_CACHE", str(tmp_path))
    vehicles = VehicleParams()
    vehicles.add(
        veh_id="human",
        acceleration_controller=(SimCarFollowingController, {}),
        car_following_params=SumoCarFollowingParams(min_gap=2.5, max_speed=12, decel=7.5),
        routing_controller=(GridRouter, {}),
    )
    inflow = InFlows()
    for edge in ("left0A0", "bottom0A0"):
        inflow.add(veh_type="human", edge=edge, vehs_per_hour=600, departLane="free", departSpeed=10)
    inflow.add(veh_type="human", edge="top0A0", period=12, departLane="free", departSpeed="max")
    flow_params = dict(
        exp_tag="flowgrid",
        env_name="TrafficLightEnv",
        network="GridNetwork",
        simulator="libsumo",
        sim=SumoParams(sim_step=1, end=300),
        env=EnvParams(),
        veh=vehicles,
        initial=InitialConfig(),
        net=NetParams(inflows=inflow, additional_params={"rows": 1, "cols": 1}),
    )
    create_env, _ = make_create_env(params=flow_params)
    env = create_env().env
    try:
        env.reset(seed=0)
        types, speeds, routes = set(), [], set()
        while env.agents:
            env.step({})
            api = env.sim.api
            for vid in api.vehicle.getIDList():
                types.add(api.vehicle.getTypeID(vid))
                speeds.append(api.vehicle.getSpeed(vid))
                routes.add(tuple(api.vehicle.getRoute(vid)))
        assert types == {"human"} and max(speeds) <= 12 + 1e-6
        assert ("left0A0", "A0right0") in routes and ("bottom0A0", "A0top0") in routes, (
            "straight through, as GridRouter"
        )
    finally:
        env.close()


def test_net_params_template_names_the_files():
    from flowlights.core.params import NetParams
    from flowlights.networks.network_file import bundled_dir
    from flowlights.training.env_kwargs import env_kwargs

    folder = bundled_dir("networks") / "grid2x2"
    net = NetParams(
        template={
            "net": str(folder / "grid2x2-flowlights.net.xml"),
            "rou": [str(folder / "grid2x2-flowlights.rou.xml")],
        }
    )
    assert net.net_file.endswith("grid2x2-flowlights.net.xml") and net.route_file[0].endswith(".rou.xml")
    kwargs = env_kwargs(
        dict(
            exp_tag="t",
            env_name="TrafficLightEnv",
            network="NetworkFile",
            simulator="libsumo",
            sim=SumoParams(sim_step=1, end=60),
            env=EnvParams(),
            net=net,
        )
    )
    env = flowlights_env(kwargs)
    try:
        env.reset(seed=0)
        while env.agents:
            env.step({})
        assert env.metrics()["sim_time"] == 60
    finally:
        env.close()
    with pytest.raises(ConfigError, match="template .* needs a 'net' path"):
        NetParams(template={"rou": "x.rou.xml"})


def flowlights_env(kwargs):
    import flowlights

    return flowlights.make_env(**kwargs)
