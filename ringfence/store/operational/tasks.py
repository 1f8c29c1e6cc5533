"""Inspection tasks (the officers' queue) and the outcomes recorded against them."""

from __future__ import annotations

from ringfence.store.operational.base import StoreBase


class TaskStore(StoreBase):
    """Inspection tasks (the officers' queue) and the outcomes recorded against them."""
