"""RESCO's published average delays (s), as its repository records them.

Source: Pi-Star-Lab/RESCO, ``resco_benchmark/utils/avg_timeLoss.py`` (what ``utils/graph.py``
plots). Each run there is named ``ALGORITHM map trial state_fn reward_fn`` — e.g.
``MAXWAVE grid4x4 0 wave wait`` and ``MAXPRESSURE grid4x4 0 mplight wait`` — so the state
function in the name ties each series to its controller. Baselines: mean over the recorded
episodes (30 or 100); learners: their best episode, as RESCO reports them. FIXED is the net's own
program (none recorded for the two synthetic grids).
"""

from __future__ import annotations

SCENARIOS = ("grid4x4", "arterial4x4", "cologne1", "cologne3", "cologne8", "ingolstadt1", "ingolstadt7", "ingolstadt21")
LEARNERS = ("IDQN", "IPPO", "MPLight", "FMA2C")

PUBLISHED: dict[str, dict[str, float]] = {
    "grid4x4": {"MAXWAVE": 34.32, "MAXPRESSURE": 52.55, "IDQN": 32.95, "IPPO": 44.00, "MPLight": 46.91, "FMA2C": 99.77},
    "arterial4x4": {
        "MAXWAVE": 820.81,
        "MAXPRESSURE": 952.75,
        "IDQN": 1168.32,
        "IPPO": 686.62,
        "MPLight": 837.75,
        "FMA2C": 654.13,
    },
    "cologne1": {
        "FIXED": 56.61,
        "MAXWAVE": 27.81,
        "MAXPRESSURE": 65.85,
        "IDQN": 26.05,
        "IPPO": 43.24,
        "MPLight": 28.74,
        "FMA2C": 30.79,
    },
    "cologne3": {
        "FIXED": 46.35,
        "MAXWAVE": 90.67,
        "MAXPRESSURE": 162.28,
        "IDQN": 23.99,
        "IPPO": 24.03,
        "MPLight": 83.65,
        "FMA2C": 26.86,
    },
    "cologne8": {
        "FIXED": 63.77,
        "MAXWAVE": 21.87,
        "MAXPRESSURE": 47.73,
        "IDQN": 22.06,
        "IPPO": 21.62,
        "MPLight": 60.42,
        "FMA2C": 33.88,
    },
    "ingolstadt1": {
        "FIXED": 39.40,
        "MAXWAVE": 28.32,
        "MAXPRESSURE": 23.62,
        "IDQN": 21.48,
        "IPPO": 20.90,
        "MPLight": 28.31,
        "FMA2C": 27.00,
    },
    "ingolstadt7": {
        "FIXED": 91.31,
        "MAXWAVE": 80.56,
        "MAXPRESSURE": 46.82,
        "IDQN": 31.19,
        "IPPO": 31.68,
        "MPLight": 48.21,
        "FMA2C": 51.39,
    },
    "ingolstadt21": {
        "FIXED": 133.10,
        "MAXWAVE": 76.32,
        "MAXPRESSURE": 136.72,
        "IDQN": 59.64,
        "IPPO": 93.11,
        "MPLight": 78.16,
        "FMA2C": 90.29,
    },
}
OUR_NAME = {"FIXED": "program", "MAXWAVE": "greedy", "MAXPRESSURE": "max_pressure"}  # RESCO baseline -> our controller


def best_learner(scenario: str) -> tuple[str, float]:
    """RESCO's best published learner on ``scenario`` and its delay."""
    name = min(LEARNERS, key=lambda n: PUBLISHED[scenario][n])
    return name, PUBLISHED[scenario][name]
