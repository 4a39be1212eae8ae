"""Train traffic lights with RLlib, as in Flow: ``python scripts/train_rllib.py EXP_CONFIG [options]``.

The same as ``flowlights train EXP_CONFIG``; see ``--help`` for the options.
"""
import sys

from flowlights.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
