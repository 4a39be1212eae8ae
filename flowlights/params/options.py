"""Command-line options from the params classes: an option's type, default and help come from its field and
from the class docstring, so a setting is described once, where it lives (``SumoParams``, ``EnvParams``)."""

from __future__ import annotations

import argparse
import dataclasses
import re
import typing
from typing import Any, Iterable, Optional

from flowlights.errors import ConfigError
from flowlights.params import BACKENDS, SumoParams

# an entry of a params docstring: "name: text", "a/b: text" or "a, b, c: text", at a line's start or after ". "/"; "
ENTRY = re.compile(r"(?:^|(?<=\. )|(?<=; ))\s*([a-z_]+(?:(?:/|, )[a-z_]+)*): ", re.M)
BASIC = (bool, int, float, str)


def field_docs(cls: type) -> dict[str, str]:
    """Each field's description, cut from the class docstring's entries (an entry naming several fields
    describes each of them); fields the docstring does not describe are absent."""
    fields = {f.name for f in dataclasses.fields(cls)}
    text = typing.cast(str, cls.__doc__ or "")
    starts = [m for m in ENTRY.finditer(text) if set(re.split(r"/|, ", m.group(1))) <= fields]
    docs: dict[str, str] = {}
    for here, after in zip(starts, [*starts[1:], None]):
        body = text[here.end() : after.start() if after is not None else len(text)]
        body = " ".join(body.replace("``", "").split()).rstrip(";").strip()
        for name in re.split(r"/|, ", here.group(1)):
            docs.setdefault(name, body)
    return docs


def option_type(cls: type, name: str) -> type:
    """The basic type (bool, int, float, str) a field's value is given in on a command line."""
    hint = typing.get_type_hints(cls)[name]
    for kind in (hint, *typing.get_args(hint)):
        if kind in BASIC:
            return kind
    raise ConfigError(f"{cls.__name__}.{name} ({hint}) has no command-line form; give it its own option.")


def add_params_options(
    parser: argparse.ArgumentParser | Any,
    cls: type,
    names: Iterable[str],
    defaults: Optional[dict[str, Any]] = None,
    choices: Optional[dict[str, Iterable[str]]] = None,
    default_text: Optional[dict[str, str]] = None,
) -> None:
    """``--name`` for each field in ``names``. Not given, an option is None (the params' own default
    applies) unless ``defaults`` gives the command's own; ``default_text`` says in words what not giving it
    means (e.g. "the scenario's"). Help: the field's description from ``cls``'s docstring."""
    docs = field_docs(cls)
    defaults, choices, default_text = defaults or {}, choices or {}, default_text or {}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name in names:
        if name not in fields or name not in docs:
            raise ConfigError(f"{cls.__name__}.{name}: no such field, or its docstring does not describe it.")
        kind, default = option_type(cls, name), defaults.get(name)
        if name in default_text:
            said = default_text[name]
        elif default is not None:
            said = f"{default}"
        else:
            said = f"{fields[name].default}"
        help_text = f"{docs[name]} (default: {said})".replace("%", "%%")
        flag = "--" + name.replace("_", "-")
        if kind is bool:
            parser.add_argument(flag, action="store_true", default=bool(default), help=help_text)
            continue
        parser.add_argument(
            flag,
            type=kind,
            default=default,
            choices=list(choices[name]) if name in choices else None,
            help=help_text,
        )


def add_sim_options(parser: argparse.ArgumentParser | Any, *names: str, **defaults: Any) -> None:
    """SumoParams' fields as options, as commands use them: episode seeds from 0, the scenario's end, no
    teleports (-1, as RESCO), libsumo; ``defaults`` gives a command's own."""
    add_params_options(
        parser,
        SumoParams,
        names,
        defaults={"seed": 0, "time_to_teleport": -1.0, "backend": "libsumo", **defaults},
        choices={"backend": BACKENDS},
        default_text={
            name: text
            for name, text in {"end": "the scenario's", "time_to_teleport": "-1, as RESCO: no teleports"}.items()
            if name not in defaults
        },
    )
