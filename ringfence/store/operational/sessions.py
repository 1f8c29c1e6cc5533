"""Browser sessions (hashed cookie tokens)."""

from __future__ import annotations

from ringfence.store.operational.base import StoreBase


class SessionStore(StoreBase):
    """Browser sessions (hashed cookie tokens)."""
