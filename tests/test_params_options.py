"""Command-line options generated from the params classes: every setting is described once, in its class's
docstring, and the commands' help says what that docstring says."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from flowlights.cli import build_parser
from flowlights.errors import ConfigError
from flowlights.params import EnvParams, SumoParams
from flowlights.params.options import add_params_options, field_docs


@pytest.mark.parametrize("cls", [SumoParams, EnvParams])
def test_every_setting_is_described_in_its_class_docstring(cls):
    docs = field_docs(cls)
    undescribed = [f.name for f in dataclasses.fields(cls) if not docs.get(f.name)]
    assert not undescribed, f"{cls.__name__}'s docstring does not describe {undescribed}"


def test_an_entry_naming_several_fields_describes_each():
    docs = field_docs(EnvParams)
    assert docs["yellow"] == docs["all_red"] and "transition" in docs["yellow"]
    assert docs["horizon"] == docs["warmup_steps"] and "Flow" in docs["horizon"]
    assert "action_mode" not in docs["min_green"], "an entry ends where the next one starts"


def _help_of(command: str) -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return " ".join(sub.choices[command].format_help().split())


@pytest.mark.parametrize("command", ["evaluate", "deploy", "regularflow"])
def test_the_commands_describe_sumo_settings_as_sumo_params_does(command):
    text = _help_of(command)
    for name in ("seed", "end"):
        assert field_docs(SumoParams)[name] in text, f"{command} --{name}"


def test_generated_options_parse_their_field_types_and_keep_a_commands_defaults():
    parser = argparse.ArgumentParser()
    add_params_options(parser, EnvParams, ["delta_time", "pad_observations", "reward"], defaults={"reward": "queue"})
    add_params_options(parser, SumoParams, ["backend"], choices={"backend": ("libsumo", "traci")})
    args = parser.parse_args(["--delta-time", "10", "--pad-observations"])
    assert args.delta_time == 10.0 and args.pad_observations is True and args.reward == "queue"
    assert args.backend is None, "not given and no default of the command's: the params' own applies"
    with pytest.raises(SystemExit):
        parser.parse_args(["--backend", "sumo-rl"])


def test_an_undescribed_or_unknown_setting_is_a_named_error():
    @dataclasses.dataclass
    class Settings:
        """What it holds.

        alpha: described.
        """

        alpha: float = 1.0
        beta: float = 2.0

    with pytest.raises(ConfigError, match="Settings.beta"):
        add_params_options(argparse.ArgumentParser(), Settings, ["beta"])
    with pytest.raises(ConfigError, match="Settings.gamma"):
        add_params_options(argparse.ArgumentParser(), Settings, ["gamma"])
