"""Replay a trained policy, as in Flow: ``python scripts/visualizer_rllib.py RESULT_DIR CHECKPOINT_NUM
[--num_rollouts N] [--render_mode sumo_gui|no_render] [--horizon H] [--gen_emission]``.

Without Flow's arguments it is ``flowlights visualize RESULT_DIR [--checkpoint N] [--video out.mp4]``.
"""

import sys

from flowlights.flow.cli import main_visualizer

if __name__ == "__main__":
    sys.exit(main_visualizer())
