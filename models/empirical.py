"""Empirical baseline: a circular block bootstrap of each series' last `window` periods.

No smoothing and no distribution assumed: the future looks like the recent past, resampled
in blocks of `block` consecutive periods so that bursts of demand stay together in the
horizon total. Every sampled period is uniform over the window, so the expected demand per
period is exactly the window's mean (the `mean` forecast).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from models.base import Forecaster, check_positive_int
from models.sampling import stochastic_round

_CHUNK_CELLS = 2_000_000


class Empirical(Forecaster):
    """Block bootstrap of the last `window` observed periods (fewer if the series is shorter).

    window: periods of history resampled, >= 1.
    block: consecutive periods drawn together, >= 1 (capped at the series' window length).
    """

    name: ClassVar[str] = "empirical"

    def __init__(self, window: int = 12, block: int = 3) -> None:
        self.window = window
        self.block = block

    def _check_params(self) -> None:
        check_positive_int(self.window, "window")
        check_positive_int(self.block, "block")

    def _fit(self, y: np.ndarray) -> None:
        width = min(self.window, y.shape[1])
        recent = y[:, -width:]
        self.recent_ = np.nan_to_num(recent)
        self.length_ = (~np.isnan(recent)).sum(axis=1)
        self.integer_ = bool(np.all(self.recent_ == np.round(self.recent_)))
        total = self.recent_.sum(axis=1)
        self.mean_ = np.divide(
            total, self.length_, out=np.zeros_like(total), where=self.length_ > 0
        )

    def _predict(
        self, h: int, n_paths: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        n, width = self.recent_.shape
        paths = np.zeros((n, n_paths, h), dtype=np.int32)
        active = np.flatnonzero(self.mean_ > 0)
        chunk = max(1, _CHUNK_CELLS // (n_paths * h))
        for start in range(0, active.size, chunk):
            rows = active[start : start + chunk]
            paths[rows] = self._sample(rows, width, h, n_paths, rng)
        return np.repeat(self.mean_[:, None], h, axis=1), paths

    def _sample(
        self, rows: np.ndarray, width: int, h: int, n_paths: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Paths for `rows`: period t of a path is window cell (start_k + t mod b) mod L."""
        length = self.length_[rows]
        block = np.minimum(self.block, length)
        t = np.arange(h)
        which = (t[None, :] // block[:, None])[:, None, :]
        within = (t[None, :] % block[:, None])[:, None, :]
        starts = np.floor(
            rng.random((rows.size, n_paths, h), dtype=np.float32) * length[:, None, None]
        )
        starts = np.take_along_axis(
            starts.astype(np.int64), np.broadcast_to(which, starts.shape), 2
        )
        pos = (width - length)[:, None, None] + (starts + within) % length[:, None, None]
        values = self.recent_[rows[:, None, None], pos]
        if self.integer_:
            return values.astype(np.int32)
        return stochastic_round(values, rng)
