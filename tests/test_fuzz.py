"""Fuzzed input: random values and types for every params field, make_env keyword and YAML config
field give a ConfigError naming the field (or a working object) — never another exception; malformed
actions give a clear error."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowlights
from conftest import TINY
from flowlights.errors import ConfigError
from flowlights.params import EnvParams, SumoParams
from flowlights.params.experiment import InitialConfig, NetParams, TrafficLightParams
from flowlights.training.experiment import experiment_from_dict

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.one_of(st.text(max_size=6), st.integers(), st.none()), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(["queue", "phase", "libsumo", "traci", "resco", "flowlights", "switch", -1, 0, 0.5, 1e9]),
)
PARAMS = [SumoParams, EnvParams, TrafficLightParams, InitialConfig]
FUZZ = settings(
    max_examples=int(os.environ.get("FLOWLIGHTS_FUZZ_EXAMPLES", 150)),
    deadline=None,
    derandomize=os.environ.get("FLOWLIGHTS_FUZZ_EXAMPLES") is None,  # CI: the same examples every run
    suppress_health_check=[HealthCheck.too_slow],
)


def build_or_config_error(cls, **kwargs):
    try:
        return cls(**kwargs)
    except ConfigError as exc:
        return exc


@pytest.mark.parametrize("cls", PARAMS, ids=lambda c: c.__name__)
@FUZZ
@given(data=st.data())
def test_params_fields_fuzzed(cls, data):
    field = data.draw(st.sampled_from([f.name for f in dataclasses.fields(cls)]))
    value = data.draw(ANY_VALUE)
    result = build_or_config_error(cls, **{field: value})
    if isinstance(result, ConfigError):
        assert field in str(result) or field.replace("_", "-") in str(result), f"{field}={value!r}: {result}"


@FUZZ
@given(data=st.data())
def test_make_env_keywords_fuzzed(data):
    names = [f.name for c in (SumoParams, EnvParams) for f in dataclasses.fields(c)] + ["bogus", "render_mode"]
    key = data.draw(st.sampled_from(names))
    value = data.draw(ANY_VALUE)
    try:
        env = flowlights.make_env(scenario="single", **{key: value})  # builds spaces; SUMO starts only on reset
    except ConfigError as exc:
        assert key in str(exc) or "render_mode" in str(exc) or key == "bogus", f"{key}={value!r}: {exc}"
    else:
        env.close()


TINY_CONFIG = yaml.safe_load(TINY.replace("POLICIES", "shared"))


@FUZZ
@given(data=st.data())
def test_yaml_config_fields_fuzzed(data):
    config = {k: dict(v) if isinstance(v, dict) else v for k, v in TINY_CONFIG.items()}
    section = data.draw(st.sampled_from(sorted(config) + ["protocol", "extra"]))
    if isinstance(config.get(section), dict) and data.draw(st.booleans()):
        config[section][data.draw(st.sampled_from(["end", "delta_time", "reward", "scenario", "seed", "nope"]))] = (
            data.draw(ANY_VALUE)
        )
    else:
        config[section] = data.draw(ANY_VALUE)
    try:
        experiment_from_dict(config, "fuzz.yaml")
    except ConfigError as exc:
        assert "fuzz.yaml" in str(exc) or section in str(exc), str(exc)


def test_net_params_reject_bad_types():
    with pytest.raises(ConfigError, match="NetParams: additional_params=5"):
        NetParams(additional_params=5)


@pytest.fixture(scope="module")
def running_env():
    env = flowlights.parallel_env(scenario="grid2x2", end=3600)
    env.reset(seed=0)
    yield env
    env.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(action=ANY_VALUE)
def test_malformed_actions_are_config_errors(running_env, action):
    agent = running_env.agents[0]
    n = running_env.action_space(agent).n
    valid = isinstance(action, (int, np.integer)) and not isinstance(action, bool) and 0 <= action < n
    if valid:
        running_env.step({agent: action})
    else:
        with pytest.raises(ConfigError, match=rf"action .* for {agent!r} is not in its action space"):
            running_env.step({agent: action})


def test_left_out_and_unknown_agents(running_env):
    machines = running_env.controller.machines
    before = {a: machines[a].green for a in running_env.agents}
    running_env.step({})  # nobody asks: every light keeps its green
    assert {a: machines[a].green for a in running_env.agents} == before
    with pytest.raises(ConfigError, match="which is not an agent now"):
        running_env.step({"no-such-light": 0})
    with pytest.raises(ConfigError, match=r"step\(\) takes a dict"):
        running_env.step([0, 1])
