"""Screening: match a new party against the watchlist and every resolved entity (docs/screening.md).

``ScreeningIndex.load(settings)`` builds the in-memory index once; ``index.screen(query)``
returns the best ``Match``es with a score in [0, 1] (0.5 = match threshold) and reasons.
"""

from ringfence.resolve.screen.index import ScreeningIndex
from ringfence.resolve.screen.scoring import Match
from ringfence.resolve.screen.weights import Weights, from_splink, load_weights

__all__ = ["Match", "ScreeningIndex", "Weights", "from_splink", "load_weights"]
