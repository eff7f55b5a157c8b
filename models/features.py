"""Features of the global model: per series and origin, summaries of the demand before it.

All features are computed from observed periods only (left padding is skipped, windows count
observed periods), so a padded series gets the same features as the same series unpadded.
Demand features are divided by the series' scale (its mean demand over all observed periods
before the origin): the global model then learns ratios, shared by items of any size.
Recency and age are in periods.
"""

from __future__ import annotations

import numpy as np

WINDOWS = (1, 3, 6, 12, 24)
ALPHAS = (0.05, 0.15, 0.4)
FEATURES = (
    *(f"mean_{w}" for w in WINDOWS),
    *(f"occ_{w}" for w in WINDOWS[2:]),
    *(f"level_{a}" for a in ALPHAS),
    *(f"occ_level_{a}" for a in ALPHAS),
    "size_mean",
    "last_size",
    "since_last",
    "age",
    "n_demands",
    "adi",
)


def _running_smooth(x: np.ndarray, observed: np.ndarray, alpha: float) -> np.ndarray:
    """(n, T + 1): exponentially weighted mean after 0..T periods, start-up gain max(alpha,
    1/c) as in `models.latent.smooth`; 0 before the first observed period."""
    n, t = x.shape
    out = np.zeros((n, t + 1))
    level = np.zeros(n)
    seen = np.zeros(n)
    for j in range(t):
        obs = observed[:, j]
        seen += obs
        gain = np.maximum(alpha, 1.0 / np.maximum(seen, 1.0))
        level = np.where(obs, level + gain * (x[:, j] - level), level)
        out[:, j + 1] = level
    return out


def _window_sum(cum: np.ndarray, origins: np.ndarray, w: int) -> np.ndarray:
    """Sum over the last `w` periods before each origin; cum (n, T + 1), origins (n, m)."""
    start = np.maximum(origins - w, 0)
    return np.take_along_axis(cum, origins, 1) - np.take_along_axis(cum, start, 1)


def origin_features(y: np.ndarray, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features (n, m, len(FEATURES)) float32 and scale (n, m) at `origins` (n, m) (period
    indices 0..T: the features summarize y[:, :origin]). Scale 0 = no demand before it."""
    observed = ~np.isnan(y)
    x = np.nan_to_num(y)
    pos = (x > 0).astype(float)
    zero = np.zeros((y.shape[0], 1))
    cum_y = np.hstack([zero, np.cumsum(x, axis=1)])
    cum_obs = np.hstack([zero, np.cumsum(observed, axis=1)])
    cum_pos = np.hstack([zero, np.cumsum(pos, axis=1)])
    age = np.take_along_axis(cum_obs, origins, 1)
    total = np.take_along_axis(cum_y, origins, 1)
    n_dem = np.take_along_axis(cum_pos, origins, 1)
    scale = np.divide(total, age, out=np.zeros_like(total), where=age > 0)
    inv = np.divide(1.0, scale, out=np.zeros_like(scale), where=scale > 0)
    cols = []
    for w in WINDOWS:
        count = np.maximum(_window_sum(cum_obs, origins, w), 1.0)
        cols.append(_window_sum(cum_y, origins, w) / count * inv)
    for w in WINDOWS[2:]:
        count = np.maximum(_window_sum(cum_obs, origins, w), 1.0)
        cols.append(_window_sum(cum_pos, origins, w) / count)
    for a in ALPHAS:
        cols.append(np.take_along_axis(_running_smooth(x, observed, a), origins, 1) * inv)
    for a in ALPHAS:
        cols.append(np.take_along_axis(_running_smooth(pos, observed, a), origins, 1))
    cols.append(np.divide(total, n_dem, out=np.zeros_like(total), where=n_dem > 0) * inv)
    last_idx = np.where(pos > 0, np.arange(y.shape[1])[None, :], -1)
    last_seen = np.hstack([np.full((y.shape[0], 1), -1), np.maximum.accumulate(last_idx, 1)])
    last = np.take_along_axis(last_seen, origins, 1)
    last_size = np.take_along_axis(x, np.maximum(last, 0), 1)
    cols.append(np.where(last >= 0, last_size, 0.0) * inv)
    cols.append(np.where(last >= 0, origins - 1 - last, age))
    cols.append(age)
    cols.append(n_dem)
    cols.append(np.divide(age, n_dem, out=np.full_like(age, np.nan), where=n_dem > 0))
    return np.stack(cols, axis=-1).astype(np.float32), scale


def future_targets(y: np.ndarray, origins: np.ndarray, length: np.ndarray) -> np.ndarray:
    """(n, m, 2): mean demand and share of periods with demand over y[:, o:o + length]."""
    x = np.nan_to_num(y)
    zero = np.zeros((y.shape[0], 1))
    cum_y = np.hstack([zero, np.cumsum(x, axis=1)])
    cum_pos = np.hstack([zero, np.cumsum(x > 0, axis=1)])
    end = origins + length
    mean = (np.take_along_axis(cum_y, end, 1) - np.take_along_axis(cum_y, origins, 1)) / length
    occ = (np.take_along_axis(cum_pos, end, 1) - np.take_along_axis(cum_pos, origins, 1)) / length
    return np.stack([mean, occ], axis=-1)
