"""Background jobs with progress (e.g. an uploaded feed being ingested)."""

from __future__ import annotations

from ringfence.store.operational.base import StoreBase


class JobStore(StoreBase):
    """Background jobs with progress (e.g. an uploaded feed being ingested)."""
