"""Blend: an equal-footing ensemble of the per-item LatentRate and the cross-item GlobalRate.

The two models err differently: LatentRate follows each item's own smoothed history, GlobalRate
what similar items did next (decay of dying items, shrinkage of spikes). A share `weight` of
the sample paths comes from GlobalRate and the rest from LatentRate, so the paths are a
mixture of the two distributions (a wider middle where they disagree, each model's own tail)
and the mean is the same mixture of their means. Each item's paths come from its own
Generator (first the global paths, then the latent ones), so chunk invariance holds.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, ClassVar, Self

import numpy as np

from models.base import Forecaster, NotFittedError, check_number, check_positive_int
from models.global_rate import GlobalRate
from models.latent import LatentRate, check_law


class Blend(Forecaster):
    """Paths of GlobalRate(horizon, global_shape) (share `weight`) and LatentRate(alpha,
    latent_shape) (the rest); see the module docstring.

    weight: share of the paths from the global model, in [0, 1].
    law: distribution of both members' rate multipliers (`models.latent.LAWS`).
    """

    name: ClassVar[str] = "blend"
    item_streams: ClassVar[bool] = True

    def __init__(
        self,
        weight: float = 0.5,
        alpha: float = 0.07,
        latent_shape: float = 1.0,
        global_shape: float = 2.0,
        horizon: int = 12,
        law: str = "gamma",
    ):
        self.weight = weight
        self.alpha = alpha
        self.latent_shape = latent_shape
        self.global_shape = global_shape
        self.horizon = horizon
        self.law = law

    def _check_params(self) -> None:
        check_number(self.weight, "weight", 0, 1)
        check_positive_int(self.horizon, "horizon")
        check_law(self.law)

    def _fit(self, y: np.ndarray) -> None:
        self.global_ = GlobalRate(horizon=self.horizon, shape=self.global_shape, law=self.law)
        self.global_.fit(y)
        self.latent_ = LatentRate(alpha=self.alpha, shape=self.latent_shape, law=self.law).fit(y)

    def _predict(
        self, h: int, n_paths: int, rng: np.random.Generator | Sequence[np.random.Generator]
    ) -> tuple[np.ndarray, np.ndarray]:
        n_global = round(self.weight * n_paths)
        parts = []
        for model, k in ((self.global_, n_global), (self.latent_, n_paths - n_global)):
            if k > 0:
                parts.append((k, *model._predict(h, k, rng)))
        mean = sum(k / n_paths * m for k, m, _ in parts)
        return np.asarray(mean), np.concatenate([p for _, _, p in parts], axis=1)

    def take(self, rows: Any) -> Self:
        """A fitted copy restricted to the series `rows` (both members restricted)."""
        if not hasattr(self, "n_series_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit(y) first")
        out = copy.copy(self)
        out.global_ = self.global_.take(rows)
        out.latent_ = self.latent_.take(rows)
        out.n_series_ = out.latent_.n_series_
        return out
