"""Exploration aimed at what the model does not know: sizes, exact PPS draws, label weights."""
