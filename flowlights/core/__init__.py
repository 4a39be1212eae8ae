"""Flow's ``flow.core`` import paths on flowlights (``from flowlights.core.params import SumoParams``)."""
