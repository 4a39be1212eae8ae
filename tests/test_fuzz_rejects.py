"""Bad values are rejected, not merely survived: every value of the wrong type for a params field, and every
broken network, route or .sumocfg file, is a ConfigError that names the field or the file."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowlights
from flowlights.errors import ConfigError
from flowlights.params import EnvParams, SumoParams
from flowlights.params.experiment import InitialConfig, TrafficLightParams
from flowlights.sim.sumo_home import sumo_binary

GRID = Path(__file__).resolve().parents[1] / "networks" / "grid2x2"
NET, ROUTES = GRID / "grid2x2-flowlights.net.xml", GRID / "grid2x2-flowlights.rou.xml"
FUZZ = settings(
    max_examples=int(os.environ.get("FLOWLIGHTS_FUZZ_EXAMPLES", 100)),
    deadline=None,
    derandomize=os.environ.get("FLOWLIGHTS_FUZZ_EXAMPLES") is None,
    suppress_health_check=[HealthCheck.too_slow],
)
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
NOT_A_NUMBER = st.one_of(
    WORDS, st.lists(st.integers(), min_size=1, max_size=3), st.dictionaries(WORDS, st.integers(), min_size=1)
)
NOT_A_STRING = st.one_of(
    st.lists(st.integers(), min_size=1, max_size=3), st.dictionaries(WORDS, st.integers(), min_size=1)
)


def fields_of_type(cls: type, kinds: tuple[type, ...]) -> list[str]:
    """Fields annotated with ``kinds`` only (or Optional of them): a value of no such type is wrong for them."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        options = typing.get_args(hint) if typing.get_origin(hint) is typing.Union else (hint,)
        others = [o for o in options if o is not type(None)]
        if others and all(o in kinds for o in others):
            out.append(f.name)
    return out


NUMERIC = [
    (cls, name)
    for cls in (SumoParams, EnvParams, TrafficLightParams, InitialConfig)
    for name in fields_of_type(cls, (float, int))
]
STRINGS = [(cls, name) for cls in (SumoParams, EnvParams) for name in fields_of_type(cls, (str,))]


def test_the_fuzzed_fields_are_many():
    assert len(NUMERIC) >= 20 and len(STRINGS) >= 3, (len(NUMERIC), len(STRINGS))


@FUZZ
@given(data=st.data())
def test_a_number_field_rejects_what_is_not_a_number(data):
    cls, name = data.draw(st.sampled_from(NUMERIC))
    value = data.draw(NOT_A_NUMBER)
    with pytest.raises(ConfigError) as caught:
        cls(**{name: value})
    assert name in str(caught.value), f"{cls.__name__}.{name}={value!r}: {caught.value}"


@FUZZ
@given(data=st.data())
def test_a_string_field_rejects_what_is_not_a_string(data):
    cls, name = data.draw(st.sampled_from(STRINGS))
    value = data.draw(NOT_A_STRING)
    with pytest.raises(ConfigError) as caught:
        cls(**{name: value})
    assert name in str(caught.value), f"{cls.__name__}.{name}={value!r}: {caught.value}"


def open_and_step(**where) -> None:
    env = flowlights.make_env(end=60, **where)
    try:
        env.reset(seed=0)
        env.step({a: 0 for a in env.agents})
    finally:
        env.close()


@pytest.mark.parametrize("broken", ["net", "rou"])
@FUZZ
@given(cut=st.floats(0.05, 0.95))
def test_a_truncated_scenario_file_is_rejected_naming_it(tmp_path_factory, broken, cut):
    folder = tmp_path_factory.mktemp("truncated")
    files = {"net": NET, "rou": ROUTES}
    text = files[broken].read_text()
    cut_file = folder / f"broken.{broken}.xml"
    cut_file.write_text(text[: int(len(text) * cut)])
    files[broken] = cut_file
    with pytest.raises(ConfigError) as caught:
        open_and_step(net_file=str(files["net"]), route_file=str(files["rou"]))
    assert cut_file.name in str(caught.value), str(caught.value)


def test_broken_scenarios_are_rejected_naming_the_file(tmp_path):
    unknown = tmp_path / "unknown.rou.xml"
    unknown.write_text('<routes><vehicle id="v" depart="0"><route edges="no_such_edge"/></vehicle></routes>')
    with pytest.raises(ConfigError, match="unknown.rou.xml"):
        open_and_step(net_file=str(NET), route_file=str(unknown))
    with pytest.raises(ConfigError, match="missing.net.xml"):
        open_and_step(net_file=str(tmp_path / "missing.net.xml"), route_file=str(ROUTES))
    cfg = tmp_path / "bad.sumocfg"
    cfg.write_text(
        f'<configuration><input><net-file value="nowhere.net.xml"/><route-files value="{ROUTES}"/></input></configuration>'
    )
    with pytest.raises(ConfigError, match="nowhere.net.xml"):
        open_and_step(sumocfg=str(cfg))
    plain = tmp_path / "plain.net.xml"  # a network without traffic lights
    made = subprocess.run(
        [sumo_binary("netgenerate"), "--grid", "--grid.number", "2", "-o", str(plain)], capture_output=True
    )
    assert made.returncode == 0, made.stderr
    trip = tmp_path / "trip.rou.xml"
    trip.write_text('<routes><trip id="t" depart="0" from="A0A1" to="A1B1"/></routes>')
    with pytest.raises(ConfigError, match="plain.net.xml"):
        open_and_step(net_file=str(plain), route_file=str(trip))
