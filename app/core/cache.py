"""Small per-worker caches with a time to live, for values every request would otherwise read
again (the question pool of a round, a round's settings for board reads, a checked bearer token).

Each lives in the app's ``extensions`` (so every app, and every test, has its own), holds at most
``MAX_ITEMS`` entries (emptied when full) and is read with ``time.monotonic``. A TTL of 0 turns a
cache off. What may be cached, for how long, and what it means for freshness is decided, and
documented, by each caller.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, has_app_context

T = TypeVar("T")
MAX_ITEMS = 50_000


def cached(name: str, key: object, ttl: float, load: Callable[[], T],
           keep: Callable[[T], bool] = lambda _value: True) -> T:
    """The value of ``key`` in the cache ``name`` if younger than ``ttl`` seconds, else
    ``load()``, remembered when ``keep(value)``."""
    if ttl <= 0:
        return load()
    store = current_app.extensions.setdefault(f"worker_cache:{name}", {})
    now = time.monotonic()
    hit = store.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    value = load()
    if keep(value):
        if len(store) >= MAX_ITEMS:
            store.clear()
        store[key] = (now, value)
    return value


def forget(name: str) -> None:
    """Empty the cache ``name`` of this worker."""
    if has_app_context():
        current_app.extensions.pop(f"worker_cache:{name}", None)
