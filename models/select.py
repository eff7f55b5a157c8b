"""Model selection per group of items by a rolling-origin backtest on a probabilistic score.

Only the history is used: for each origin the candidates are fitted on the periods before it
and scored on the `h` periods after it (never on anything the final forecast is scored on).
Score of a candidate on a group = (per-period WQL over 0.1..0.9 + lead-time WQL of the
h-period totals over 0.5..0.99) / 2, each summed over the group's items and the origins before
dividing (the definitions of `models.metrics.wql`). The group's best candidate serves all its
items; a group with fewer than `min_group` scored items uses the best candidate over all items,
except `inactive` and `phase_out`, which choose by their own items whenever one is scored.

Groups: the demand class of `models.classify` over the history, `inactive` for items without
demand in the last half year (dying items behave alike, whatever their class), and
`phase_out` for the other items the item master says are being phased out. The models are
chosen for the items' groups now, but scored on each item in the group it was in at each
origin (`backtest(group_of=...)`): grouped by the whole history, an item inactive now had no
demand in the backtest's windows by definition, and its group always chose the fastest death.
The best candidate over all items is what the selling items need (on a small panel, the
slowest smoother): it kept an item silent for 8 months at 9 units a week, and with no stock it
was ordered, and a phase-out part whose weekly demand fell from 45 to 4 at 12.8 a week. How
fast demand dies is only seen on the items that die, so these groups always choose by them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.base import Forecaster, path_quantiles
from models.classify import _adi_cv2, _demand_class
from models.metrics import WQL_LEVELS, pinball
from models.registry import make_forecaster

INACTIVE = "inactive"
PHASE_OUT = "phase_out"  # the lifecycle stage, and the selection group of its selling items
OWN_GROUPS = (INACTIVE, PHASE_OUT)  # groups that choose by their own items however few
LTD_LEVELS = (0.5, 0.75, 0.9, 0.95, 0.99)
# Upper levels of the totals whose coverage is checked, and the weight of the miss in the
# score: a sharp candidate whose 0.99 quantile holds 93% of items must not win on WQL alone.
COVER_LEVELS = (0.9, 0.95, 0.99)
CALIBRATION_WEIGHT = 1.0
# How much worse (relative score) last night's model of a group may be and still be kept
KEEP_MARGIN = 0.1


def item_groups(
    y: np.ndarray,
    periods_per_year: int,
    min_demands: int = 3,
    stages: np.ndarray | None = None,
) -> np.ndarray:
    """Selection group per series of a left-padded array (module docstring); `stages`: the
    items' lifecycle_stage (None: not known)."""
    adi, cv2, n_demands, _ = _adi_cv2(y)
    groups = _demand_class(adi, cv2, n_demands < min_demands).astype(object)
    if stages is not None:
        groups[np.asarray(stages, dtype=object) == PHASE_OUT] = PHASE_OUT
    recent = np.nan_to_num(y[:, -max(1, periods_per_year // 2) :]).sum(axis=1)
    groups[(recent == 0) & (n_demands > 0)] = INACTIVE
    return groups


@dataclass(frozen=True)
class Backtest:
    """Per candidate, item and origin: per-period and lead-time losses (units) and coverage."""

    period_loss: dict[str, np.ndarray]  # (n, origins), 0 where not scored
    total_loss: dict[str, np.ndarray]  # (n, origins)
    covered: dict[str, np.ndarray]  # (n, origins, len(COVER_LEVELS)) 1: total <= quantile
    # (n, origins) h-period totals: actual units and each candidate's mean of its paths (NaN
    # where the item was not scored at that origin; `models.correction` reads them)
    actual_total: np.ndarray
    forecast_total: dict[str, np.ndarray]
    # (n, origins) each item's selection group from the history before the origin (None:
    # not computed, the caller's groups of the whole history stand for every origin)
    groups: np.ndarray | None = None

    @property
    def scored_cells(self) -> np.ndarray:
        """(n, origins) the item was scored at that origin."""
        return ~np.isnan(self.actual_total)

    @property
    def n_origins(self) -> np.ndarray:
        """(n,) origins at which the item was scored."""
        return self.scored_cells.sum(axis=1)

    @property
    def scored(self) -> np.ndarray:
        """(n,) the item was scored at some origin."""
        return self.n_origins > 0

    @property
    def actual_sum(self) -> np.ndarray:
        """(n,) units that came over the scored origins' windows."""
        return np.nansum(self.actual_total, axis=1)

    def cells(self, mask: np.ndarray) -> np.ndarray:
        """(n, origins) scored cells of `mask`: items (n,) at every origin, or cells."""
        mask = np.asarray(mask, dtype=bool)
        return (mask[:, None] if mask.ndim == 1 else mask) & self.scored_cells

    def group_score(self, label: str, mask: np.ndarray) -> float:
        """(WQL + lead-time WQL) / 2 + CALIBRATION_WEIGHT x mean |coverage - level| of the
        totals' upper quantiles, over the scored cells of `mask` (items, or item-origins)."""
        c = self.cells(mask)
        denom = max(self.actual_total[c].sum(), 1e-9)  # Σ|y| over cells = Σ|Y| over totals
        loss = self.period_loss[label][c].sum() + self.total_loss[label][c].sum()
        cover = self.covered[label][c].sum(axis=0) / max(int(c.sum()), 1)
        miss = np.abs(cover - np.asarray(COVER_LEVELS)).mean()
        return float(loss / 2 / denom + CALIBRATION_WEIGHT * miss)

    def item_score(self, label: str) -> np.ndarray:
        """Per item: lead-time WQL of its own totals (denominator at least 1 unit)."""
        loss = self.total_loss[label].sum(axis=1)
        return np.where(self.scored, loss / np.maximum(self.actual_sum, 1.0), np.nan)


def backtest(
    y: np.ndarray,
    candidates: Mapping[str, Forecaster],
    h: int,
    n_origins: int = 2,
    n_paths: int = 100,
    seed: int = 0,
    group_of: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Backtest:
    """Fit every candidate at origins T - h, T - 2h, ... (up to `n_origins`, keeping at least
    h periods before each) and record its losses on the h periods after each origin.
    All candidates sample from the same seeded stream at an origin (common random numbers);
    each is fitted as a fresh copy, so `candidates` stay unfitted.
    group_of: the selection group per item of a history (e.g. `item_groups`), applied to the
    history before each origin: an item is scored in the group it was in when forecast.
    Groups of the whole history look ahead: an item silent in the last half year is
    `inactive` now because it sold nothing in the backtest's windows, so that group always
    chose the model that dies fastest, and every part that sold again was a surprise."""
    n, t = y.shape
    cells = np.zeros((n, n_origins))
    period_loss = {label: cells.copy() for label in candidates}
    total_loss = {label: cells.copy() for label in candidates}
    covered = {label: np.zeros((n, n_origins, len(COVER_LEVELS))) for label in candidates}
    actual_total = np.full((n, n_origins), np.nan)
    forecast_total = {label: actual_total.copy() for label in candidates}
    groups = np.full((n, n_origins), None, dtype=object)
    cover_cols = [LTD_LEVELS.index(level) for level in COVER_LEVELS]
    levels, ltd_levels = np.asarray(WQL_LEVELS), np.asarray(LTD_LEVELS)
    for k in range(1, n_origins + 1):
        cut, j = t - k * h, k - 1
        if cut < h:
            break
        train, actual = y[:, :cut], y[:, cut : cut + h]
        ok = (~np.isnan(train)).sum(axis=1) >= 2  # fully observed after the origin too
        if not ok.any():  # an early origin of a short history: no item to fit there
            continue
        actual = np.nan_to_num(actual)
        actual_total[ok, j] = actual[ok].sum(axis=1)
        if group_of is not None:
            groups[ok, j] = np.asarray(group_of(train), dtype=object)[ok]
        for label, model in candidates.items():
            # common random numbers: every candidate draws the same stream at an origin, so
            # their scores differ by the models, not by sampling noise. A fresh copy is fitted
            # and dropped: fitted in place, each of 75 candidates kept its per-item state
            # (size pools) to the end, 1.1 GB at 10,000 items.
            fitted = make_forecaster(model).fit(train[ok])
            fc = fitted.predict(h, n_paths, np.random.default_rng([seed, k]))
            pl = pinball(actual[ok], path_quantiles(fc.paths, levels), levels)
            totals = fc.totals()
            tq = path_quantiles(totals[:, :, None], ltd_levels)[:, :, 0]
            total = actual[ok].sum(axis=1)
            forecast_total[label][ok, j] = totals.mean(axis=1)
            period_loss[label][ok, j] = pl.sum(axis=1)
            total_loss[label][ok, j] = pinball(total, tq, ltd_levels)
            covered[label][ok, j] = total[:, None] <= tq[:, cover_cols]
    return Backtest(period_loss, total_loss, covered, actual_total, forecast_total,
                    None if group_of is None else groups)  # fmt: skip


def select(
    bt: Backtest,
    groups: np.ndarray,
    default: str,
    min_group: int = 30,
    incumbent: Mapping[str, str] | None = None,
    margin: float = 0.0,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Label per item (n,) of `groups` (each item's group now) and the table group, n_items,
    model, alone (the group had
    `min_group` scored items to choose by, `inactive` and `phase_out` one; else it took the
    choice over all items), kept (an
    incumbent kept over a better score; an equal one is not), then one column per candidate's
    score. Without any scored item every item gets `default`. A group's scores come from the
    items that were in it at each origin when the backtest has `groups`, else from `groups`.

    incumbent: group -> the label chosen last time (e.g. last night); a group keeps it while
    its score is within `margin` (relative) of the best, and the groups too small to choose
    alone keep the incumbent most of their items had while it is within `margin` over all
    items. Among dozens of candidates the best changes with the noise of two origins, and
    every change moves the forecast's tail, which the order decision follows
    (bench/simulate.py: more and smaller orders)."""
    labels = list(bt.period_loss)
    everyone = np.ones(groups.size, dtype=bool)
    incumbent = incumbent or {}
    names = sorted(set(groups.tolist()))
    # a group is scored on its items as they were at each origin (`Backtest.groups`)
    where = {g: bt.cells(groups == g if bt.groups is None else bt.groups == g) for g in names}
    scored = {g: int(where[g].any(axis=1).sum()) for g in names}
    alone = {g: scored[g] >= (1 if g in OWN_GROUPS else min_group) for g in names}
    fallback, fallback_kept = default, False
    if bt.scored.any():
        overall = {lab: bt.group_score(lab, everyone) for lab in labels}
        fresh = min(overall, key=overall.__getitem__)
        # the groups too small to choose alone keep the model most of their items had last
        # time (not the one most groups that chose alone had)
        small: Counter[str] = Counter()
        for g in names:
            if not alone[g] and g in incumbent:
                small[incumbent[g]] += int((groups == g).sum())
        previous = min(small, key=lambda lab: (-small[lab], lab)) if small else None
        fallback = _keep(overall, fresh, previous, margin)
        fallback_kept = overall[fallback] > overall[fresh]  # a tie is no choice kept
    chosen = np.full(groups.size, fallback, dtype=object)
    rows = []
    for group in names:
        mask = groups == group
        scores = {lab: bt.group_score(lab, where[group]) for lab in labels}
        if alone[group]:
            best = min(scores, key=scores.__getitem__)
            label = _keep(scores, best, incumbent.get(group), margin)
            kept = scores[label] > scores[best]
        else:
            label, kept = fallback, fallback_kept
        chosen[mask] = label
        rows.append({"group": group, "n_items": int(mask.sum()), "model": label,
                     "alone": alone[group], "kept": bool(kept), **scores})  # fmt: skip
    return chosen, pd.DataFrame(rows)


def _keep(scores: Mapping[str, float], best: str, previous: str | None, margin: float) -> str:
    """`previous` if it is a candidate scoring within `margin` (relative) of `best`, else best."""
    if previous in scores and scores[previous] <= scores[best] * (1 + margin):
        return str(previous)
    return best


def group_incumbents(selection: pd.DataFrame, candidates: Iterable[str]) -> dict[str, str]:
    """Selection group -> the candidate label most of its items had (`selection`: model,
    selection_group per item of an earlier night); labels that are no candidate (a category
    prior, a launch forecast) do not count."""
    known = selection[selection["model"].isin(set(candidates))]
    if known.empty:
        return {}
    counts = known.groupby(["selection_group", "model"]).size().reset_index(name="n")
    top = counts.sort_values(["n", "model"], ascending=[False, True]).drop_duplicates(
        "selection_group"
    )
    return dict(zip(top["selection_group"].astype(str), top["model"], strict=True))
