"""Stage 5, act & learn: recorded outcomes become labels, seizures confirm counterfeiters."""

from ringfence.act.outcomes import SyncSummary, sync_outcomes

__all__ = ["SyncSummary", "sync_outcomes"]
