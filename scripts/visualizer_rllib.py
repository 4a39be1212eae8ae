"""Replay a trained policy in sumo-gui, as in Flow: ``python scripts/visualizer_rllib.py RESULT_DIR [--checkpoint N]``.

The same as ``flowlights visualize RESULT_DIR``; add ``--video out.mp4`` to record it headless.
"""
import sys

from flowlights.cli import main

if __name__ == "__main__":
    sys.exit(main(["visualize", *sys.argv[1:]]))
