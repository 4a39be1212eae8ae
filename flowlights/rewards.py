"""Kept import path (documented): the code lives in ``flowlights.features.rewards``; this name is that very module."""

import sys

from flowlights.features import rewards as _module

sys.modules[__name__] = _module
