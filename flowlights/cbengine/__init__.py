"""The KDD Cup 2021 City Brain Challenge's CBEngine world on SUMO (its files and their conversion are in
flowlights.networks.cbengine_formats / cbengine_network): the world an agent sees (world), the Gym and RLlib envs (gym_env, rllib_env), the kit's evaluation
(evaluate) and what its agent folders import (kit_modules). See docs/cbengine.md."""
