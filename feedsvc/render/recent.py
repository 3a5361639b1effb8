"""A process's last few results, kept within a budget of bytes: the digests and sealed pages one
publish made, which the next (the daemon's next ingest) finds again instead of hashing the same
bytes. Safe across threads: the papers of one service publish from the scheduler's threads."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """Values by key, the oldest put dropped first once their sizes pass `budget` bytes; a value
    larger than the budget is not kept. `get` answers without the lock (a dict look-up is atomic)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: dict[K, tuple[V, int]] = {}
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        return None if found is None else found[0]

    def put(self, key: K, value: V, size: int) -> None:
        with self._lock:
            old = self._items.pop(key, None)  # an older value of the key goes, kept or not
            if old is not None:
                self._size -= old[1]
            if size > self.budget:
                return
            while self._size + size > self.budget:
                self._size -= self._items.pop(next(iter(self._items)))[1]  # the oldest put
            self._items[key] = (value, size)
            self._size += size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size(self) -> int:
        return self._size
