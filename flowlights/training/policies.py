"""Policy set-ups: one shared policy, one per light, or one per junction shape."""

from __future__ import annotations

from typing import Any, Callable

from flowlights.errors import ConfigError


def agent_space(env: Any, name: str, agent: str) -> Any:
    """An agent's space: PettingZoo's ``observation_space(agent)`` or a per-agent dict (RLlib's ``observation_spaces``)."""
    spaces = getattr(env, f"{name}s", None)
    return spaces[agent] if isinstance(spaces, dict) else getattr(env, name)(agent)


def space_signature(env: Any, agent: str) -> str:
    obs, act = agent_space(env, "observation_space", agent), agent_space(env, "action_space", agent)
    shape = obs["observation"].shape if hasattr(obs, "spaces") else obs.shape
    actions = act.n if hasattr(act, "n") else "x".join(map(str, act.shape))
    return f"obs{'x'.join(map(str, shape))}_act{actions}"


class MapTo:
    """Picklable policy_mapping_fn: a fixed policy, or a lookup table by agent id."""

    def __init__(self, table: dict[str, str] | None = None, fixed: str | None = None) -> None:
        self.table, self.fixed = table, fixed

    def __call__(self, agent_id: str, episode: Any = None, **kwargs: Any) -> str:
        return self.fixed if self.fixed is not None else self.table[agent_id]  # type: ignore[index]


def policy_setup(mode: str, env: Any) -> tuple[set[str], Callable[..., str]]:
    """Policy ids and mapping for a mode, checked against the env's spaces."""
    agents = list(env.possible_agents)
    signatures = {a: space_signature(env, a) for a in agents}
    if mode == "shared":
        if len(set(signatures.values())) > 1:
            raise ConfigError(
                "policies 'shared' needs one observation/action shape for all lights, but they differ "
                f"({', '.join(sorted(set(signatures.values())))}); set env.pad_observations: true or use 'per_shape'."
            )
        return {"shared"}, MapTo(fixed="shared")
    if mode == "per_light":
        return set(agents), MapTo(table={a: a for a in agents})
    if mode == "per_shape":
        return set(signatures.values()), MapTo(table=signatures)
    raise ConfigError(f"policies {mode!r} is unknown; use shared, per_light or per_shape.")
