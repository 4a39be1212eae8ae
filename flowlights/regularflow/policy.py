"""An influencer's policy: what it sees in its manager's reading and its peers' states, its reward, and
the online actor-critic of ``flowlights deploy --train`` on an RLlib PPO module that starts fresh or from
``_restore``d weights (plain tensors: nothing is unpickled)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np

from flowlights.deploy.online import OnlineLearner
from flowlights.errors import ConfigError
from flowlights.training.weights import build_ppo_module, load_weights, save_weights

SCALE = 10.0  # cars and pedestrians are seen in tens


def observe(reading: dict[str, Any], peers: dict[int, dict[str, Any]]) -> np.ndarray:
    """Cars and pedestrians per approach, the current green (one-hot), whether it may switch, time in green,
    then per peer (by id) its cars, pedestrians and green — what a Regularflow light knows of its cluster."""
    greens = int(reading["greens"])
    own = [
        *(np.asarray(reading["cars"], dtype=float) / SCALE),
        *(np.asarray(reading.get("pedestrians", []), dtype=float) / SCALE),
        *np.eye(greens)[int(reading["green"])],
        float(reading.get("can_switch", True)),
        float(reading.get("time_in_green", 0.0)) / 60.0,
    ]
    for peer in sorted(peers):
        state = peers[peer]
        own += [
            float(np.sum(state.get("cars", []))) / SCALE,
            float(np.sum(state.get("pedestrians", []))) / SCALE,
            float(state.get("green", 0)) / max(int(state.get("greens", 2)) - 1, 1),
        ]
    return np.asarray(own, dtype=np.float32)


def cluster_reward(reading: dict[str, Any], peers: dict[int, dict[str, Any]]) -> float:
    """Minus what waits at this light (cars and pedestrians) and the mean of what waits at its peers, in tens:
    a light that bottles up a neighbour pays for it."""
    own = float(np.sum(reading["cars"]) + np.sum(reading.get("pedestrians", [])))
    others = [float(np.sum(s.get("cars", [])) + np.sum(s.get("pedestrians", []))) for s in peers.values()]
    return -(own + (float(np.mean(others)) if others else 0.0)) / SCALE


class InfluencerPolicy(OnlineLearner):
    """Decides on ``observe(reading, peers)``; learns online when ``learn`` (Regularflow's ``startAgent``),
    greedy otherwise (``startDemo``). Its module is built on the first reading unless weights were restored."""

    def __init__(self, light: str, learn: bool, seed: int = 0, lr: float = 1e-3) -> None:
        super().__init__(Path("."), light, lr=lr, seed=seed, learn=learn)
        self.restored: Optional[dict[str, Any]] = None
        self.size = 0

    def restore(self, folder: Path) -> None:
        self.module, self.restored = load_weights(folder)

    def _load_module(self, observation: np.ndarray) -> Any:
        return build_ppo_module(observation.shape[0], self.actions)

    def decide(self, reading: dict[str, Any], peers: dict[int, dict[str, Any]]) -> int:
        """The green to ask for, given this light's reading and its peers' states for the same decision."""
        observation = observe(reading, peers)
        self.actions, self.size = int(reading["greens"]), int(observation.shape[0])
        if self.restored is not None and (self.restored["observation_size"], self.restored["actions"]) != (
            self.size,
            self.actions,
        ):
            raise ConfigError(
                f"the restored weights see {self.restored['observation_size']} numbers and choose among "
                f"{self.restored['actions']} greens; light {self.light}'s readings give {self.size} numbers and "
                f"{self.actions} greens: they were saved by a light with other approaches, greens or peers."
            )
        return self({"observation": observation, "reward": cluster_reward(reading, peers)})

    def observation(self, reading: dict[str, Any]) -> np.ndarray:
        return reading["observation"]

    def save(self, folder: Path) -> Path:
        if self.module is None:
            raise ConfigError(
                f"light {self.light}: nothing to save yet (its policy is built on its first reading); "
                "call _save() after startDemo/startAgent, or _restore() weights first."
            )
        size = self.size if self.restored is None else self.restored["observation_size"]
        meta = {"observation_size": size, "actions": int(self.module.action_space.n), "light": self.light}
        return save_weights(self.module, folder, meta)
