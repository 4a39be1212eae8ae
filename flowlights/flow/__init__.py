"""Everything Flow-compatible, in one package that mirrors Flow's own layout:

- ``kernel`` — Flow's kernel (``env.k``) over libsumo or TraCI;
- ``networks`` — Flow's networks described in Python (ring roads, the light grid);
- ``envs`` — Flow's env classes (``Env``, ``multiagent.MultiEnv`` and the ring and grid envs);
- ``training`` / ``evaluation`` — which classes a ``flow_params`` names, Flow's policy names, its rollouts;
- ``params``, ``rewards``, ``controllers``, ``registry``, ``compat``, ``cli`` — ``flow.core.params``, Flow's
  rewards and vehicle controllers, ``make_create_env``, the old-stack policy names, ``train_rllib.py`` and
  ``visualizer_rllib.py``.

The subpackages sit on the layers of the parts they extend (docs/design.md). Flow users keep Flow's paths:
``flowlights.core.params``, ``flowlights.envs.multiagent``, ``flowlights.controllers``,
``flowlights.utils.registry``, ``flowlights.compat`` (``flowlights.common.kept_paths``)."""
