"""What Regularflow's lights and managers say to each other over Kafka, checked on arrival.

Topics (the user creates them, or the simulation side does): the manager topic (``manager0``) has one
partition per light of the cluster, partition ``id`` carrying light ``id``'s readings; the cluster topic
(``cluster0``) has the same partitions, light ``id`` publishing its state and its decision on partition
``id`` (its peers and the simulation read them all); ``display`` carries the simulation's frames.

Messages are JSON objects with a ``kind``:

* ``reading`` (manager → light): ``id``, ``seq`` (one per decision of the run), ``time``, ``approaches``
  (incoming road ids), ``cars`` (vehicles halting per approach), ``pedestrians`` (persons
  waiting to cross each approach), ``green`` / ``greens`` (current green index, how many), ``can_switch``,
  ``time_in_green``, ``complement`` ({peer id: this light's green for each of the peer's greens}),
  ``peers`` (states and decisions the simulation already holds for this ``seq``: a light restarted
  mid-decision gets them here), ``resend``.
* ``hello`` (light → cluster): ``id``, ``role``, ``instance`` — a light that starts (or restarts).
* ``state`` (light → cluster): ``id``, ``seq``, ``role``, ``followers``, ``cars``, ``pedestrians``, ``green``.
* ``decision`` (light → cluster): ``id``, ``seq``, ``action`` (the green index it asks for), ``instance``.
* ``end`` (manager → light): the run is over; ``startDemo`` / ``startAgent`` return.
"""

from __future__ import annotations

from typing import Any, Optional

ROLES = ("influencer", "follower")
KINDS = ("reading", "hello", "state", "decision", "end")


def checked(message: Any) -> Optional[dict[str, Any]]:
    """The message when it is well formed for its kind, else None (the caller drops and counts it)."""
    if not isinstance(message, dict) or message.get("kind") not in KINDS:
        return None
    if not isinstance(message.get("id"), int) or isinstance(message.get("id"), bool):
        return None
    kind = message["kind"]
    if kind in ("reading", "state", "decision") and not isinstance(message.get("seq"), int):
        return None
    if kind == "decision" and not (isinstance(message.get("action"), int) and message["action"] >= 0):
        return None
    if kind == "reading" and not (isinstance(message.get("cars"), list) and isinstance(message.get("greens"), int)):
        return None
    if kind in ("hello", "state") and message.get("role") not in ROLES:
        return None
    return message


def complementary_green(table: list[int], influencer_green: int) -> int:
    """The follower's green for its influencer's green (``table`` from the reading's ``complement``)."""
    return int(table[influencer_green])
