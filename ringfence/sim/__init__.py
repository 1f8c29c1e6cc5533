"""The synthetic world: brands, counterfeit rings, legitimate trade and each partner's feeds,
with ground truth.

``simulate(out_dir, seed, days, scale)`` writes it all; see docs/simulation.md.
"""

from ringfence.sim.run import SimulationSummary, simulate

__all__ = ["SimulationSummary", "simulate"]
