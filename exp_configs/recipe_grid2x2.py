"""A config that chooses no set-up of its own: `flowlights train exp_configs/recipe_grid2x2.py --minutes 10` runs the
training recipe on its network (docs/recipe.md), as `flowlights train --scenario grid2x2 --minutes 10` does."""

from flowlights.params import EnvParams, SumoParams
from flowlights.params.experiment import NetParams

flow_params = dict(
    exp_tag="recipe_grid2x2",
    env_name="TrafficLightEnv",
    network="NetworkFile",
    simulator="libsumo",
    sim=SumoParams(),
    env=EnvParams(),
    net=NetParams(scenario="grid2x2"),
)
