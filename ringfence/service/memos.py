"""Memos of ``Services``: values derived from the lake (and a caller's policy) kept until new
data lands, at most ``MEMO_SIZE`` per memo, least recently used dropped first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

# Most values each memo (``Services.memo``) keeps; the least recently used go first.
MEMO_SIZE = 50_000


class Memos:
    """``memo`` and ``memo_many`` over the ``_memos`` of a ``Services`` (its lock and data
    generation: a value computed before new data landed is handed back but not kept)."""

    _lock: threading.Lock
    _generation: int
    _memos: dict[str, OrderedDict[Hashable, Any]]

    def memo(self, name: str, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept under ``key`` in the memo ``name`` until new data lands.

        For values derived from the lake alone, or from the lake and a caller's policy with the
        policy's ``fingerprint`` in ``key`` (so a changed agreement never meets an old value).
        At most ``MEMO_SIZE`` values per memo, least recently used dropped first.
        """
        with self._lock:
            memo = self._memos.setdefault(name, OrderedDict())
            if key in memo:
                memo.move_to_end(key)
                return memo[key]
            generation = self._generation
        value = compute()
        with self._lock:
            if generation == self._generation:
                memo = self._memos.setdefault(name, OrderedDict())
                memo[key] = value
                if len(memo) > MEMO_SIZE:
                    memo.popitem(last=False)
        return value

    def memo_many(
        self,
        name: str,
        keys: list[Hashable],
        compute: Callable[[list[Hashable]], dict[Hashable, Any]],
    ) -> dict[Hashable, Any]:
        """``memo`` for several keys at once: ``compute`` gets the keys not kept yet and
        returns their values (every one of them)."""
        found: dict[Hashable, Any] = {}
        with self._lock:
            memo = self._memos.setdefault(name, OrderedDict())
            for key in keys:
                if key in memo:
                    memo.move_to_end(key)
                    found[key] = memo[key]
            generation = self._generation
        missing = [key for key in keys if key not in found]
        if not missing:
            return found
        computed = compute(missing)
        with self._lock:
            if generation == self._generation:
                memo = self._memos.setdefault(name, OrderedDict())
                for key in missing:
                    memo[key] = computed[key]
                while len(memo) > MEMO_SIZE:
                    memo.popitem(last=False)
        found.update(computed)
        return found
