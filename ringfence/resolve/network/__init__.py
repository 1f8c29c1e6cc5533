"""The network of entities joined by shared identifiers and trade, and risk propagated over it.

See docs/network.md. Entry points: ``compute_network_risk`` (dataset ``network_risk``),
``expand_entity`` (neighbourhood of an id), ``export_entities`` and ``export_ftm``.
"""

from ringfence.resolve.network.risk import NetworkRiskSummary, compute_network_risk

__all__ = ["NetworkRiskSummary", "compute_network_risk"]
