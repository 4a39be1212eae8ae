"""A named registry: ``@table.register("name")`` adds an entry (a name already taken raises, unless
``override=True``), ``table.get_or_fail(name)`` finds it or raises a ConfigError listing what is registered."""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

from flowlights.errors import ConfigError

T = TypeVar("T")


class Registry(dict, Generic[T]):
    def __init__(self, kind: str, hint: str = "") -> None:
        super().__init__()
        self.kind, self.hint = kind, hint

    def register(self, name: str, override: bool = False) -> Callable[[T], T]:
        if name in self and not override:
            raise ConfigError(
                f"{self.kind} {name!r} is already registered; choose another name, or pass override=True to replace it."
            )

        def wrap(entry: T) -> T:
            self[name] = entry
            return entry

        return wrap

    def get_or_fail(self, name: str) -> T:
        if name not in self:
            raise ConfigError(f"unknown {self.kind} {name!r}; {self.hint or 'registered'}: {', '.join(sorted(self))}.")
        return self[name]
