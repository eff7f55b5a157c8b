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
