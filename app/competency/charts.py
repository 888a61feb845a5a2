"""Charts drawn on the server with ``matplotlib.figure.Figure`` (never pyplot: it keeps global state
that is not safe in a web process), returned as PNG or SVG bytes.

Each function returns a ``Chart``: the image bytes, its media type and the alt text; the page shows
the same numbers as a table beside the image.

Drawing is slow (a bar chart of 100 labelled units is ~1 s of text layout and rasterizing), so the
bytes are cached, keyed by the chart kind, the format, the language and a hash of everything drawn
(labels, values, titles, threshold): identical data gives the cached image, any change in the
figures (a reports refresh, another ``?on=`` date, sort or threshold) gives a new key. The cache is
Redis when ``REDIS_URL`` is set (shared by the workers, ``CHART_CACHE_SECONDS``, default one day),
otherwise an in-process LRU of ``CHART_CACHE_ITEMS`` images (default 128).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import inspect
import io
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.typing import RcKeyType  # noqa: E402

from app.core import numbers  # noqa: E402

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
ACCENT = "#1f5fa8"
PALETTE = ("#1f5fa8", "#c0392b", "#1e8449", "#b9770e", "#6c3483", "#117a65")
# SVG text stays text (smaller, faster, selectable and readable by screen readers) instead of paths.
SVG_RC: dict[RcKeyType, Any] = {"svg.fonttype": "none"}
ANNOTATE_CELLS = 150


@dataclass
class Chart:
    data: bytes
    mimetype: str
    alt: str


def _save(fig: Figure, fmt: str, alt: str, tight: bool = True) -> Chart:
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format {fmt}")
    out = io.BytesIO()
    with matplotlib.rc_context(SVG_RC if fmt == "svg" else None):
        fig.savefig(
            out,
            format=fmt,
            dpi=96,
            bbox_inches="tight" if tight else None,
            metadata={"Title": alt[:200]} if fmt == "svg" else None,
        )
    return Chart(out.getvalue(), FORMATS[fmt], alt)


# --- cache of rendered bytes ------------------------------------------------------------------

class _LRU:
    """A small thread-safe in-process LRU of chart bytes (used when Redis is not configured)."""

    def __init__(self) -> None:
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            data = self.items.get(key)
            if data is not None:
                self.items.move_to_end(key)
            return data

    def put(self, key: str, data: bytes, limit: int) -> None:
        with self.lock:
            self.items[key] = data
            self.items.move_to_end(key)
            while len(self.items) > max(limit, 0):
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


memory_cache = _LRU()
stats = {"hits": 0, "misses": 0}


def _lang() -> str:
    try:
        from flask_babel import get_locale

        return str(get_locale() or "vi")
    except Exception:  # outside a request
        return "vi"


def cache_key(kind: str, fmt: str, payload: dict) -> str:
    """``chart:<kind>:<fmt>:<lang>:<sha256 of the drawn data>``."""
    digest = hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()[:32]
    return f"chart:{kind}:{fmt}:{_lang()}:{digest}"


def _redis():
    from flask import has_app_context

    if not has_app_context():
        return None
    from app.core.database import usable_redis

    return usable_redis()


def _config(name: str, default: int) -> int:
    from flask import current_app, has_app_context

    return int(current_app.config.get(name, default)) if has_app_context() else default


def cached_or_drawn(key: str, fmt: str, alt: str, draw: Callable[[], Chart]) -> Chart:
    """The cached bytes for ``key`` or, on a miss, ``draw()`` stored under it."""
    client = _redis()
    data: bytes | None = None
    if client is not None:
        try:
            raw = client.get(key)
            data = base64.b64decode(raw) if raw else None
        except Exception as exc:  # Redis down: draw anyway, and let other reads skip it for a while
            from app.core.database import redis_failed

            redis_failed(exc)
            client = None
    else:
        data = memory_cache.get(key)
    if data is not None:
        stats["hits"] += 1
        return Chart(data, FORMATS[fmt], alt)
    stats["misses"] += 1
    chart = draw()
    if client is not None:
        with contextlib.suppress(Exception):  # a cache that cannot be written is only slower
            client.set(key, base64.b64encode(chart.data).decode("ascii"),
                       ex=_config("CHART_CACHE_SECONDS", 86400))
    else:
        memory_cache.put(key, chart.data, _config("CHART_CACHE_ITEMS", 128))
    return chart


def cached(kind: str):
    """Cache a chart function's bytes by its arguments (see the module docstring)."""

    def wrap(fn):
        signature = inspect.signature(fn)

        @wraps(fn)
        def inner(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            payload = dict(bound.arguments)
            fmt = payload["fmt"]
            if fmt not in FORMATS:
                raise ValueError(f"unknown chart format {fmt}")
            key = cache_key(kind, fmt, payload)
            return cached_or_drawn(key, fmt, payload["alt"], lambda: fn(*args, **kwargs))

        inner.uncached = fn  # type: ignore[attr-defined]
        return inner

    return wrap


@cached("bars")
def bar_chart(
    labels: list[str],
    values: list[float],
    title: str,
    alt: str,
    fmt: str = "png",
    threshold: float | None = None,
    texts: list[str] | None = None,
) -> Chart:
    """Horizontal bars (one per child unit, the value written after the unit's name: ``texts``,
    the figures formatted for the reader, else the bare value); bars under ``threshold`` are drawn
    in red. Laid out by hand (no tight bounding box: that draws twice) with one text per bar, since
    text layout is most of the cost."""
    count = len(labels)
    shown = texts if texts is not None else [f"{value:g}" for value in values]
    ticks = [f"{label}  {text}" for label, text in zip(labels, shown, strict=True)]
    height = max(2.0, 0.25 * count + 1.0)
    fig = Figure(figsize=(6, height))
    longest = max((len(t) for t in ticks), default=4)
    fig.subplots_adjust(
        left=min(0.6, (0.07 * longest + 0.25) / 6), right=0.97, top=1 - 0.55 / height, bottom=0.45 / height
    )
    ax = fig.subplots()
    colors = [PALETTE[1] if threshold is not None and v < threshold else ACCENT for v in values]
    positions = list(range(count))
    ax.barh(positions, values, color=colors)
    ax.set_yticks(positions, labels=ticks, fontsize=8)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(max(count, 1) - 0.5, -0.5)  # an empty chart still gets a valid axis
    ax.set_xlim(0, max([100.0, *values]) if values else 100.0)
    if threshold is not None:
        ax.axvline(threshold, color="#555555", linestyle="--", linewidth=1)
    fig.text(0.5, 1 - 0.12 / height, title, ha="center", va="top", fontsize=11)
    return _save(fig, fmt, alt, tight=False)


@cached("heatmap")
def heatmap(
    rows: list[str],
    columns: list[str],
    values: list[list[float | None]],
    title: str,
    alt: str,
    fmt: str = "png",
) -> Chart:
    """A grid of mean levels (0–8): competence areas as rows, child units as columns."""
    if not columns:  # a unit without children: one empty column keeps the axes valid
        columns, values = [""], [[None] for _ in rows]
    fig = Figure(figsize=(max(4.0, 0.7 * len(columns) + 2.5), max(2.5, 0.45 * len(rows) + 1.2)))
    ax = fig.subplots()
    grid = [[(math.nan if v is None else v) for v in row] for row in values]
    image = ax.imshow(grid, cmap="Blues", vmin=0, vmax=8, aspect="auto")
    ax.set_xticks(range(len(columns)), labels=columns, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), labels=rows)
    # Numbers in the cells only while they stay legible (and cheap: text is most of the drawing
    # time); the table beside the chart always has them.
    annotate = len(rows) * len(columns) <= ANNOTATE_CELLS
    for i, row in enumerate(values if annotate else []):
        for j, v in enumerate(row):
            if v is not None:
                ax.text(
                    j,
                    i,
                    numbers.number(v, 1),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if v > 4 else "black",
                )
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title(title)
    return _save(fig, fmt, alt)


@cached("trend")
def trend_lines(
    weeks: list[str], series: dict[str, list[float]], title: str, alt: str, fmt: str = "png"
) -> Chart:
    """One line per figure over the weeks."""
    fig = Figure(figsize=(6, 3))
    ax = fig.subplots()
    for (name, values), color in zip(series.items(), PALETTE, strict=False):
        ax.plot(range(len(weeks)), values, marker="o", label=name, color=color)
    ax.set_xticks(range(len(weeks)), labels=weeks, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    ax.set_title(title)
    return _save(fig, fmt, alt)


@cached("radar")
def radar(labels: list[str], values: list[float], title: str, alt: str, fmt: str = "png") -> Chart:
    """A polar chart of levels 0–8, one spoke per competence area."""
    count = max(len(labels), 3)
    angles = [2 * math.pi * i / count for i in range(count)]
    vals = list(values) + [0] * (count - len(values))
    fig = Figure(figsize=(4.5, 4.5))
    ax = fig.add_subplot(projection="polar")
    ax.plot([*angles, angles[0]], [*vals, vals[0]], color=ACCENT)
    ax.fill([*angles, angles[0]], [*vals, vals[0]], color=ACCENT, alpha=0.25)
    ax.set_xticks(angles, labels=(list(labels) + [""] * (count - len(labels))), fontsize=8)
    ax.set_ylim(0, 8)
    ax.set_yticks(range(0, 9, 2))
    ax.set_title(title)
    return _save(fig, fmt, alt)
