"""Sharing agreements between organisations."""

from __future__ import annotations

from ringfence.store.operational.base import StoreBase


class SharingStore(StoreBase):
    """Sharing agreements between organisations."""
