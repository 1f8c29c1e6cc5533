"""Ringfence: partners stop counterfeit goods together.

The package follows the loop data travels round: ``ingest`` → ``resolve`` → ``score`` →
``target`` → ``act``, with ``model`` (the canonical data model every stage shares), ``store``
(operational and analytical stores), ``service`` and ``web`` (the multi-organisation service) and
``sim`` (the synthetic world used by the demo and the tests).
"""

__version__ = "0.1.0"
