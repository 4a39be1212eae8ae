"""Kept import path (documented): the code lives in ``flowlights.params.experiment``; this name is that very module."""

import sys

from flowlights.params import experiment as _module

sys.modules[__name__] = _module
