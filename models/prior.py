"""Category prior: a forecast for items without enough history of their own.

Rule: the donors are the items of the same category that have a history (>= 2 periods).
Each donor's last `window` observed periods are divided by that donor's mean demand over
them (its rate), so every donor contributes the *shape* of its demand with mean 1; donors
selling nothing contribute no shape. The pooled shapes are rescaled to the median donor rate
(zero-rate donors included), deliberately below the mean rate: a new item is assumed to sell
like a typical item of its category, not like the average, which the best sellers dominate.
Periods are drawn i.i.d. from the pool and stochastically rounded to whole units.

A new item's lifecycle stage (items master) scales that rate when enough donors share the
stage: a pilot part sells like a pilot part, not like a typical series part of its category
(`stage_scales`: the median over the stage's donors of donor rate / the donor's category
median rate, so the scale is unit-free and categories of any size pool into it). A stage with
too few donors (the first pilot parts of a new product) takes the scale of the young donors
instead, the items whose first demand came within the window (`young_scale`): a new part sells
like parts did right after their launch. An item without any demand yet may not start at
once: each of its paths starts at a period drawn with the hazard implied by `start_counts`
(how many of the items without demand h periods ago have had some since).

When no item has two periods of history yet (a first night on one period of order history),
there is no donor: the items with their one period form the prior instead
(`one_period_prior`): its rate is their median demand, its shapes their demands over the mean
(the only spread one period shows: across items), and an item's own period weighs as the share
p of the planned items that sold in it (`CategoryPrior.periods` = (1 - p) / p).

`category_pools` is the pooled (global) part, computed once; `prepare.launch_paths` draws
one item's paths from its own Generator, so the result does not depend on chunking.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class CategoryPrior:
    """rate: median donor demand per period, units; pool: donor shapes (mean 1), 1-D;
    periods: how many of an item's own periods the prior weighs as against an item's own
    demand (None: the forecast's `PRIOR_YEARS`)."""

    rate: float
    pool: np.ndarray
    periods: float | None = None

    @property
    def mean(self) -> float:
        return float(self.rate * self.pool.mean()) if self.pool.size and self.rate > 0 else 0.0

    def scaled(self, factor: float) -> CategoryPrior:
        """The same shapes at `factor` times the rate (a lifecycle stage's scale)."""
        return self if factor == 1.0 else replace(self, rate=self.rate * factor)


def _recent_rates(donors: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(the last `window` periods (m, window), mean demand per observed period among them)."""
    recent = donors[:, -window:]
    observed = (~np.isnan(recent)).sum(axis=1)
    return recent, np.nansum(recent, axis=1) / np.maximum(observed, 1)


def category_pools(
    donors: np.ndarray, donor_groups: np.ndarray, window: int
) -> dict[str, CategoryPrior]:
    """Per category with at least one donor: its prior, from donor demand (m, T) left-padded."""
    recent, rate = _recent_rates(donors, window)
    out: dict[str, CategoryPrior] = {}
    for group in dict.fromkeys(donor_groups.tolist()):
        members = donor_groups == group
        selling = members & (rate > 0)
        shapes = recent[selling] / rate[selling, None]
        pool = shapes[~np.isnan(shapes)]
        out[group] = CategoryPrior(float(np.median(rate[members])), pool)
    return out


def one_period_prior(units: np.ndarray, planned: int) -> CategoryPrior:
    """The prior when no item has two periods of history: from `units` (m,), the demand of
    each item with one period in it, among `planned` items (those without a period included).

    rate: their median (zeros included, as `category_pools`); pool: units / their mean, the
    spread of one period's demand across items (a donor's own shape of one period is 1, no
    spread at all); periods: (1 - p) / p, p = the share of the planned items that sold in
    the period, so the forecast rate is p x own units + (1 - p) x rate: an item of a panel
    where every item sold is forecast at its own demand, one of a panel where a tenth did
    mostly at the typical item's (an item sells in about one period out of 1 / p there, so
    one period with demand says little of its rate). bench/README.md: first nights on
    carparts, RAF and the demo.
    """
    sold = float((units > 0).sum())
    if sold == 0:
        return CategoryPrior(0.0, np.empty(0), 0.0)
    share = sold / max(planned, units.size)
    return CategoryPrior(float(np.median(units)), units / units.mean(), (1 - share) / share)


def stage_scales(
    donors: np.ndarray,
    donor_groups: np.ndarray,
    donor_stages: np.ndarray,
    window: int,
    min_donors: int = 5,
) -> dict[str, float]:
    """Per lifecycle stage with at least `min_donors` donors in categories whose median
    rate is positive: the median of (donor rate / its category's median rate) over them.
    Stages not given (None, NaN) or with fewer donors get no scale (use 1)."""
    ratio = _ratios(donors, donor_groups, window)
    stages = pd.Series(donor_stages, dtype=object)
    usable = ~np.isnan(ratio) & stages.notna().to_numpy()
    by_stage = pd.Series(ratio[usable]).groupby(stages[usable].astype(str).to_numpy())
    counts, medians = by_stage.size(), by_stage.median()
    return {str(k): float(v) for k, v in medians[counts >= min_donors].items()}


def young_scale(
    donors: np.ndarray, donor_groups: np.ndarray, window: int, min_donors: int = 5
) -> float | None:
    """The scale of a new item whose stage has too few donors: the median ratio (as in
    `stage_scales`) over the young donors, whose history spans at most `window` periods (their
    first demand came within it: how parts did right after their launch). None with fewer
    than `min_donors` of them."""
    ratio = _ratios(donors, donor_groups, window)
    young = ((~np.isnan(donors)).sum(axis=1) <= window) & ~np.isnan(ratio)
    return float(np.median(ratio[young])) if young.sum() >= min_donors else None


def start_counts(y: np.ndarray, h: int, min_items: int = 5) -> tuple[int, int] | None:
    """(started, waiting): among the items (rows of y, (n, T) left-padded, all NaN without any
    row) that had no demand before the last h periods (waiting), those that had some in them
    (started): how often an item without demand starts within h periods. Every such item
    counts as listed h periods ago (the items master has no listing date), so it errs towards
    a later start. None with fewer than `min_items` waiting items or less than 2h periods."""
    x = np.nan_to_num(y)
    cut = x.shape[1] - h
    if cut < h:
        return None
    waiting = ~(x[:, :cut] > 0).any(axis=1)
    if waiting.sum() < min_items:
        return None
    return int((x[waiting, cut:] > 0).any(axis=1).sum()), int(waiting.sum())


def _beta(counts: tuple[int, int]) -> tuple[int, int]:
    """Beta parameters of the probability of a start within h periods: Beta(started + 1,
    waiting - started + 1), the uncertainty of a share seen on few items."""
    started, waiting = counts
    return started + 1, waiting - started + 1


def start_paths(
    paths: np.ndarray, counts: tuple[int, int], h: int, rng: np.random.Generator
) -> np.ndarray:
    """Paths (n_paths, h) with demand only from a start period drawn per path: each path
    draws its probability p of a start within h periods (`_beta`), then the
    start from the geometric law with that per-period hazard, so a path may not start within
    the horizon at all."""
    p = rng.beta(*_beta(counts), paths.shape[0])
    hazard = np.clip(1 - (1 - p) ** (1 / h), 1e-12, 1.0)
    start = rng.geometric(hazard) - 1
    return paths * (np.arange(paths.shape[1])[None, :] >= start[:, None])


def started_share(counts: tuple[int, int], h: int, periods: int) -> np.ndarray:
    """(periods,) probability that a start drawn as in `start_paths` came by each period."""
    from scipy.stats import beta

    p = beta.ppf((np.arange(200) + 0.5) / 200, *_beta(counts))[:, None]  # 200 quantiles
    return (1 - (1 - p) ** (np.arange(1, periods + 1)[None, :] / h)).mean(axis=0)


def _ratios(donors: np.ndarray, donor_groups: np.ndarray, window: int) -> np.ndarray:
    """Per donor: its rate over the last `window` periods / its category's median rate (NaN
    where that median is 0)."""
    _, rate = _recent_rates(donors, window)
    groups = pd.Series(donor_groups, dtype=object)
    median = pd.Series(rate).groupby(groups).transform("median").to_numpy()
    return np.divide(rate, median, out=np.full(rate.shape, np.nan), where=median > 0)
