"""Kept import path (documented): the code lives in ``flowlights.features.observations``; this name is that very module."""

import sys

from flowlights.features import observations as _module

sys.modules[__name__] = _module
