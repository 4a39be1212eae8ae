"""Type checks of params dataclasses against their annotations, so that a wrong type is a ConfigError
naming the field (and what it takes), never a TypeError deep inside a run."""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any, Union

import numpy as np

from flowlights.errors import ConfigError

INFINITE_OK = {"max_green"}  # fields where inf means something (no max green)


def _describe(hint: Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Union:
        return " or ".join(_describe(a) for a in args)
    if origin is not None:
        return f"{getattr(origin, '__name__', str(origin))} of {', '.join(_describe(a) for a in args)}"
    return "None" if hint is type(None) else getattr(hint, "__name__", str(hint))


def _matches(value: Any, hint: Any, name: str) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin is Union:
        return any(_matches(value, a, name) for a in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, (bool, np.bool_))
    if hint is int:
        return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if hint is float:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            return False
        return math.isfinite(value) or (name in INFINITE_OK and math.isinf(value) and value > 0)
    if hint is str:
        return isinstance(value, str)
    if origin in (list, tuple, typing.Sequence, __import__("collections.abc").abc.Sequence):
        if isinstance(value, str):  # a single name where a list is expected: the dataclass wraps it
            return args[:1] == (str,)
        if not isinstance(value, (list, tuple)):
            return False
        item = args[0] if args else Any
        return all(_matches(v, item, name) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True  # an annotation this check does not know: leave it to the dataclass


def check_types(params: Any) -> None:
    """Raise a ConfigError for the first field of ``params`` whose value does not fit its annotation."""
    hints = typing.get_type_hints(type(params))
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if not _matches(value, hints.get(f.name, Any), f.name):
            raise ConfigError(
                f"{type(params).__name__}: {f.name}={value!r} is not a valid value; "
                f"it takes {_describe(hints[f.name])}{' (finite)' if 'float' in _describe(hints[f.name]) else ''}."
            )


def one_home(key: str, current: Any, default: Any, value: Any, here: str, there: str) -> Any:
    """A setting given in a second place (``there``, giving ``value``): taken, unless ``here`` already
    holds a non-default ``current`` that differs — then a ConfigError naming both places."""
    if current != default and current != value:
        raise ConfigError(f"{here}={current!r} and {there} set {key} differently (to {value!r}); keep one of them.")
    return value
