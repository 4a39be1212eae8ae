"""Train traffic lights with RLlib, as in Flow: ``python scripts/train_rllib.py EXP_CONFIG [options]``.

The same as ``flowlights train EXP_CONFIG``; Flow's flags (``--rl_trainer rllib --num_cpus N
--num_steps N --rollout_size N --checkpoint_path DIR``) work with Flow's meaning; EXP_CONFIG is a
path or a bundled experiment's name.
"""

import sys

from flowlights.flow.cli import main_train

if __name__ == "__main__":
    sys.exit(main_train())
