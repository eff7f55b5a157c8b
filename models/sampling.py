"""Vectorized sampling helpers shared by the models: integer paths from per-series parameters."""

from __future__ import annotations

import numpy as np

# Cells (series x paths x periods) drawn at once: bounds memory to a few tens of MB.
_CHUNK_CELLS = 2_000_000


def stochastic_round(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round non-negative reals to int32 up or down at random, keeping the expectation:
    x = 2.3 gives 3 with probability 0.3, else 2 (plain rounding would bias the mean)."""
    low = np.floor(x)
    up = rng.random(x.shape) < (x - low)
    return (low + up).astype(np.int32)


def size_pool(y: np.ndarray, window: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The last `window` nonzero demands (sizes) of each series, right-aligned.

    Returns pool (n, K) with the most recent size in the last column (unused cells 0) and
    counts (n,) of sizes held per series (0 for a series without demand).
    """
    nonzero = np.nan_to_num(y) > 0
    total = nonzero.sum(axis=1)
    width = int(total.max()) if total.size else 0
    if window is not None:
        width = min(width, window)
    pool = np.zeros((y.shape[0], max(width, 1)), dtype=np.float64)
    if width == 0:
        return pool, np.zeros(y.shape[0], dtype=np.int64)
    from_right = np.cumsum(nonzero[:, ::-1], axis=1)[:, ::-1]
    rows, cols = np.nonzero(nonzero & (from_right <= width))
    pool[rows, pool.shape[1] - from_right[rows, cols]] = y[rows, cols]
    return pool, np.minimum(total, width).astype(np.int64)


def size_prior(
    pool: np.ndarray, counts: np.ndarray, extra: int, bins: int = 5, min_items: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """`size_pool` output with `extra` pseudo-sizes added in front of each series' own sizes:
    evenly spaced quantiles of the relative sizes (size / the series' mean size) of all
    series with 2 or more sizes and a similar mean size (`bins` bins of equal count on the
    mean size, at least `min_items` series each), times the series' own mean size.

    Why: a series seen through a few demands has a crude size distribution (one demand of 3
    units says nothing about 2 or 6); drawing a size from its own N sizes with weight
    N / (N + extra) and from what similar series showed with the rest is the empirical-Bayes
    compromise. Series without sizes, or a panel without series of 2+ sizes, are unchanged.
    Returns new arrays: pool (n, K + extra) and counts.
    """
    has = counts > 0
    reference = counts >= 2
    if extra == 0 or not reference.any():
        return pool.copy(), counts.copy()
    n, width = pool.shape
    mean = np.divide(pool.sum(axis=1), counts, out=np.ones(n), where=has)
    n_bins = max(1, min(bins, int(reference.sum()) // min_items))
    inner = np.linspace(0, 1, n_bins + 1)[1:-1]
    # unique: when many series share one mean size (all sizes 1 unit), quantiles repeat
    edges = np.unique(np.quantile(np.log(mean[reference]), inner))
    n_bins = edges.size + 1
    item_bin = np.searchsorted(edges, np.log(mean))
    own = np.arange(width)[None, :] >= (width - counts)[:, None]  # cells holding sizes
    rel = pool / mean[:, None]
    levels = (np.arange(extra) + 0.5) / extra
    pseudo = np.empty((n_bins, extra))
    for b in range(n_bins):
        members = reference & (item_bin == b)
        # a bin without reference series (above the last edge when many series share the
        # largest mean size, e.g. every part sold one unit at a time) takes all of them
        members = members if members.any() else reference
        pseudo[b] = np.quantile(rel[own & members[:, None]], levels)
    out = np.zeros((n, width + extra))
    out[:, extra:] = pool
    rows = np.flatnonzero(has)
    cols = (width - counts[rows])[:, None] + np.arange(extra)[None, :]
    out[rows[:, None], cols] = pseudo[item_bin[rows]] * mean[rows, None]
    return out, np.where(has, counts + extra, 0)


def sample_occurrence_size(
    rng: np.random.Generator,
    prob: np.ndarray,
    pool: np.ndarray,
    counts: np.ndarray,
    scale: np.ndarray,
    n_paths: int,
    h: int,
) -> np.ndarray:
    """Paths (n, n_paths, h) int32: a demand occurs in a period with probability `prob[i]`;
    its size is drawn from the last `counts[i]` sizes in `pool[i]`, times `scale[i]`, then
    stochastically rounded. Expected demand per period: prob * scale * mean(pool sizes).
    Series with counts == 0 get zeros.
    """
    n = prob.shape[0]
    out = np.zeros((n, n_paths, h), dtype=np.int32)
    active = np.flatnonzero((counts > 0) & (prob > 0) & (scale > 0))
    chunk = max(1, _CHUNK_CELLS // (n_paths * h))
    width = pool.shape[1]
    for start in range(0, active.size, chunk):
        rows = active[start : start + chunk]
        draws = rng.random((rows.size, n_paths, h), dtype=np.float32)
        cells = np.flatnonzero(draws < prob[rows, None, None].astype(np.float32))
        series = rows[cells // (n_paths * h)]
        pick = (rng.random(cells.size) * counts[series]).astype(np.int64)
        sizes = pool[series, width - 1 - pick] * scale[series]
        block = np.zeros(draws.shape, dtype=np.int32)
        block.reshape(-1)[cells] = stochastic_round(sizes, rng)
        out[rows] = block
    return out


def sample_pool(
    rng: np.random.Generator, pool: np.ndarray, factor: float, shape: tuple[int, ...]
) -> np.ndarray:
    """i.i.d. draws from a 1-D `pool`, times `factor`, stochastically rounded, int32 `shape`."""
    if pool.size == 0 or factor <= 0:
        return np.zeros(shape, dtype=np.int32)
    picks = rng.integers(0, pool.size, size=shape)
    return stochastic_round(pool[picks] * factor, rng)
