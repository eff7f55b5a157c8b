"""Global fit, per-chunk predict: `prepare_forecast` once, `forecast_chunk` per chunk of items.

`prepare_forecast` does everything pooled across items: the history panel, the rolling-origin
selection of a model per group of items (`models.select`), the fit of each chosen model on its
items, and the category priors for items without history. The result is picklable and holds
per-item parameters only (no sample paths), so a flow can ship it to workers.

`forecast_chunk` draws the paths of any subset of items. Each item's random numbers come from
its own Generator, seeded by (seed, crc32 of its unique_id): an item's paths are the same
whichever chunk it is in, and `forecast` == `Forecast.concat` of chunks, for any chunking.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from models.base import ForecastArrays, Forecaster, check_int, check_levels, check_positive_int
from models.blend import Blend
from models.calendar import calendar_factors, history_divisors
from models.classify import item_classes
from models.correction import rescale_paths, stage_corrections
from models.global_rate import GlobalRate
from models.latent import LatentRate
from models.outliers import CAP_RATIO, cap_outliers
from models.panel import PERIODS_PER_YEAR, future_periods, to_panel
from models.prior import (
    CategoryPrior,
    category_pools,
    one_period_prior,
    stage_scales,
    start_counts,
    start_paths,
    started_share,
    young_scale,
)
from models.registry import make_forecaster
from models.result import (
    CATEGORY_PRIOR,
    LAUNCH_FORECAST,
    MIN_HISTORY,
    NO_HISTORY,
    QUANTILES,
    Forecast,
    history,
    plan_items,
    quantile_names,
)
from models.sampling import sample_pool
from models.select import KEEP_MARGIN, backtest, item_groups, select

AUTO = "auto"
# The prior key of items with a period of demand in a category without history
ALL_ITEMS = "(all items)"
# ... and of items with a period of demand when no item has history (`one_period_prior`)
ONE_PERIOD = "(all items, one period)"
# Weight of the category prior (or a planner's launch_forecast) against an item's own demand
# when it has fewer than MIN_HISTORY periods: worth this many years of the item's own periods.
# Chosen on carparts and RAF (each item's first demand after 12 periods without, rate over the
# 12 periods after it; bench/README): 5, 10 and 30 months scored a Poisson deviance of
# 0.62/0.59/0.67 (carparts) and 5.26/5.01/5.83 (RAF) against 0.82 and 9.34 for the prior alone.
PRIOR_YEARS = 10 / 12
# The candidates of model="auto": smoothing of level/occurrence x spread of the latent rate.
AUTO_GRID = {
    "alpha": (0.02, 0.04, 0.07, 0.12, 0.2),
    "shape": (0.5, 1.0, 2.0, 4.0, 8.0, 32.0, 128.0),
}
# The global model's candidates differ in the spread only (they share one boosting fit).
GLOBAL_SHAPES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)
# ... and in the law of the rate multiplier (lognormal: tighter 0.9, as long a tail).
GLOBAL_LAWS = ("gamma", "lognormal")
# Blends of both (half the paths each): smoothing x (latent shape, global shape).
BLEND_GRID = {
    "alpha": (0.02, 0.05, 0.12),
    "shapes": ((0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 8.0)),
}


def _law_suffix(law: str) -> str:
    """Label part of a candidate's multiplier law: none for the Gamma default."""
    return "" if law == "gamma" else f",law={law}"


def auto_candidates(horizon: int = 12) -> dict[str, Forecaster]:
    """Label -> unfitted candidate: LatentRate over `AUTO_GRID`, GlobalRate over
    `GLOBAL_SHAPES` x `GLOBAL_LAWS` (rates learned for `horizon` periods ahead), Blend over
    `BLEND_GRID`."""
    latent = {
        f"latent(alpha={a},shape={k})": LatentRate(alpha=a, shape=k)
        for a in AUTO_GRID["alpha"]
        for k in AUTO_GRID["shape"]
    }
    glob = {
        f"global(shape={k}{_law_suffix(law)})": GlobalRate(horizon=horizon, shape=k, law=law)
        for law in GLOBAL_LAWS
        for k in GLOBAL_SHAPES
    }
    blend = {
        f"blend(alpha={a},shapes={kl},{kg}{_law_suffix(law)})": Blend(
            alpha=a, latent_shape=kl, global_shape=kg, horizon=horizon, law=law
        )
        for law in GLOBAL_LAWS
        for a in BLEND_GRID["alpha"]
        for kl, kg in BLEND_GRID["shapes"]
    }
    return {**latent, **glob, **blend}


def item_rng(seed: int, unique_id: str) -> np.random.Generator:
    """The Generator of one item: seeded by (seed, crc32 of unique_id), stable across runs."""
    return np.random.default_rng([int(seed), zlib.crc32(str(unique_id).encode())])


@dataclass(frozen=True)
class PreparedForecast:
    """Everything `forecast_chunk` needs, per item in `unique_id` order.

    label: model label per item; row: the item's row in `fitted[label]`; group: selection
    group; end_of_life: datetime64 (NaT = none); score: backtest score of the chosen model
    (lead-time WQL of the item's h-period totals, NaN if not scored); table: per-group scores;
    classes: per item demand_class, adi, cv2, n_demands, lifecycle_stage
    (`models.classify.item_classes`); stage_factor: per item the factor of its lifecycle
    stage on its demand (None = 1): the backtest's bias correction on the chosen model's
    paths for items with history (`models.correction`), the stage's scale of the category
    prior's rate for new items (`models.prior.stage_scales`); calendar: factor per future
    period on every item's demand (`models.calendar`; None = 1); start_counts, waiting:
    (started, waiting) items of the last h periods (`models.prior.start_counts`) and per item
    whether it is on the category prior without any demand yet, so its paths start at a
    random period (None: every item sells from the first period); selected_h: the h the
    models were selected for, when `ds` holds extra periods after it (None: len(ds));
    own_periods, own_units: per item on the category prior or a launch_forecast, the periods
    of its own history (fewer than MIN_HISTORY) and the units sold in them (calendar-adjusted
    as the models' history), weighed against the prior's rate as `prior_periods` periods of
    it (`own_rate`; None: not weighed).
    """

    unique_id: np.ndarray
    ds: pd.DatetimeIndex
    freq: str
    label: np.ndarray
    row: np.ndarray
    group: np.ndarray
    category: np.ndarray
    end_of_life: np.ndarray
    score: np.ndarray
    fitted: dict[str, Forecaster]
    priors: dict[str, CategoryPrior]
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    launch: np.ndarray | None = None
    capped: tuple[str, ...] = ()  # one-off demands capped before fitting (models.outliers)
    classes: pd.DataFrame = field(default_factory=pd.DataFrame)
    stage_factor: np.ndarray | None = None
    calendar: np.ndarray | None = None
    start_counts: tuple[int, int] | None = None
    waiting: np.ndarray | None = None
    selected_h: int | None = None
    own_periods: np.ndarray | None = None
    own_units: np.ndarray | None = None
    prior_periods: float = 0.0

    @property
    def h(self) -> int:
        """Periods forecast (the length of the paths)."""
        return len(self.ds)

    @property
    def horizon(self) -> int:
        """Periods the models were selected for and start counts measured over (`selected_h`;
        None: h)."""
        return self.selected_h or self.h

    def adjustments(self) -> list[str]:
        """What moved this forecast away from the chosen models, in words: the lifecycle
        stages' factors (items with history: the backtest bias of their models; new items:
        the stage's scale of the category prior), the calendar profile and the selection
        groups that kept an earlier night's model over a slightly better one."""
        lines = []
        if self.stage_factor is not None:
            stage = self.classes["lifecycle_stage"].to_numpy(dtype=object)
            kinds = np.where(self.label == CATEGORY_PRIOR, "category prior of new items",
                             "demand of items with history")  # fmt: skip
            moved = pd.DataFrame({"stage": stage, "kind": kinds, "factor": self.stage_factor})
            moved = moved[moved["factor"] != 1.0]
            for (name, kind), rows in moved.groupby(["stage", "kind"], sort=True):
                lines.append(f"lifecycle stage {name}: {kind} x{rows['factor'].median():.2f} "
                             f"({len(rows)} items)")  # fmt: skip
        if self.waiting is not None and self.waiting.any() and self.start_counts:
            started, waiting = self.start_counts
            lines.append(f"new items without any demand yet: each starts within the horizon "
                         f"with probability about {(started + 1) / (waiting + 2):.0%}, as "
                         f"{started} of {waiting} items without demand did over the last "
                         f"{self.horizon} periods ({int(self.waiting.sum())} items)")  # fmt: skip
        if note := self.calendar_note():
            lines.append(note)
        if note := self.unused_launch_note():
            lines.append(note)
        if self.capped:
            shown = ", ".join(self.capped[:10])
            more = f" and {len(self.capped) - 10} more" if len(self.capped) > 10 else ""
            lines.append(f"one-off demands capped before fitting at {CAP_RATIO:g} times the "
                         f"item's 75th percentile of period demand ({len(self.capped)} items): "
                         f"{shown}{more}")  # fmt: skip
        if "kept" in self.table:
            for row in self.table[self.table["kept"]].itertuples(index=False):
                lines.append(f"selection group {row.group}: the earlier night's model "
                             f"{row.model} kept, its backtest score within the margin of the "
                             f"best ({row.n_items} items)")  # fmt: skip
        return lines

    def own_rate(self, i: int, prior_rate: float, periods: float | None = None) -> float:
        """Demand per period (units) of item `i` on a prior of `prior_rate` (units per
        period), weighed with its own periods: (a * prior_rate + own units) / (a + own
        periods), a = `periods` (None: `prior_periods`; the Gamma-Poisson posterior mean); the
        prior's rate without own periods."""
        if self.own_periods is None or self.own_units is None or self.own_periods[i] == 0:
            return prior_rate
        a = self.prior_periods if periods is None else periods
        own = max(float(self.own_units[i]), 0.0)
        return (a * prior_rate + own) / (a + float(self.own_periods[i]))

    def unused_launch_note(self, shown: int = 10) -> str | None:
        """Items with a launch_forecast that their demand history overrides (the forecast is
        the chosen model's; a planner who entered a launch rate must see it is not used)."""
        if self.launch is None:
            return None
        unused = (self.label != LAUNCH_FORECAST) & ~np.isnan(self.launch)
        unused &= ~np.isin(self.label, (CATEGORY_PRIOR, NO_HISTORY))
        if not unused.any():
            return None
        ids = [str(u) for u in self.unique_id[unused]]
        more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
        items, their = ("item", "its") if len(ids) == 1 else ("items", "their")
        return (f"launch_forecast not used for {len(ids):,} {items} with demand history, "
                f"forecast by {their} model: {', '.join(ids[:shown])}{more} (clear it once an "
                "item sells)")  # fmt: skip

    def calendar_note(self) -> str | None:
        """The calendar factors that move this forecast, in words (None: none)."""
        if self.calendar is None or (self.calendar == 1.0).all():
            return None
        moved = [f"x{f:.2f} in the period starting {d.date()}"
                 for d, f in zip(self.ds, self.calendar, strict=True) if f != 1.0]  # fmt: skip
        return "calendar profile of the whole panel: demand " + ", ".join(moved)

    def group_models(self) -> dict[str, str]:
        """Selection group -> the model label chosen for it: next night's `incumbent`."""
        if self.table.empty:
            return {}
        return dict(zip(self.table["group"].astype(str), self.table["model"], strict=True))

    def selection(self) -> pd.DataFrame:
        """unique_id, group, model, score, stage_factor, then the item's `classes` columns:
        the chosen model per item, its backtest score, its lifecycle stage's factor on its
        demand and what the item was classified as."""
        chosen = pd.DataFrame(
            {
                "unique_id": self.unique_id,
                "group": self.group,
                "model": self.label,
                "score": self.score,
                "stage_factor": 1.0 if self.stage_factor is None else self.stage_factor,
            }
        )
        return pd.concat([chosen, self.classes.reset_index(drop=True)], axis=1)


def _candidates(model: str | Forecaster, h: int) -> dict[str, Forecaster]:
    if isinstance(model, str) and model == AUTO:
        return auto_candidates(h)
    forecaster = make_forecaster(model)
    return {forecaster.name: forecaster}


def prepare_forecast(
    demand: pd.DataFrame,
    items: pd.DataFrame | None = None,
    freq: str = "M",
    last_period: pd.Timestamp | None = None,
    h: int = 12,
    model: str | Forecaster = AUTO,
    seed: int = 0,
    n_origins: int = 2,
    backtest_paths: int = 100,
    extra_periods: int = 0,
    incumbent: Mapping[str, str] | None = None,
    margin: float = KEEP_MARGIN,
) -> PreparedForecast:
    """The pooled part of `forecast` (see `models.forecast` for demand, items, freq,
    last_period, h). model: "auto" (`auto_candidates`, chosen per group by backtest),
    a registry name or a Forecaster. n_origins, backtest_paths: size of the backtest.
    extra_periods: periods drawn after the h the models are selected for (a plan that starts
    inside the first period overlaps h + 1 of them); selection, backtest and start counts
    stay those of h, so the chosen models do not depend on the day of the month.
    incumbent: selection group -> model label chosen last time (`PreparedForecast.selection()`
    of last night); a group keeps it while its backtest score is within `margin` (relative)
    of the best (`models.select.select`)."""
    h = check_positive_int(h, "h")
    extra = check_int(extra_periods, "extra_periods", 0)
    candidates = _candidates(model, h)
    panel = to_panel(demand, freq, last_period)
    plan = plan_items(panel, items)
    ids = plan["unique_id"].to_numpy(dtype=object)
    future = future_periods(panel.ds[-1], h + extra, freq)
    origins = [panel.ds.size - k * h for k in range(1, n_origins + 1)]
    calendar, profile = calendar_factors(panel.y, panel.ds, future, freq, origins)
    y = history(panel, ids)
    observed = (~np.isnan(y)).sum(axis=1)  # periods of history per item
    has = observed >= MIN_HISTORY
    # the models fit demand without the calendar's dips (a January level is not held down by
    # the New Year weeks); the forecast gets the calendar back per future period
    divisors = history_divisors(profile, panel.ds, freq)
    raw = y[has] / divisors
    yh, caps = cap_outliers(raw)
    stages = plan["lifecycle_stage"].to_numpy(dtype=object)
    chosen = _Chosen.empty(ids.size)
    if has.any():
        backtest_size = (h, n_origins, backtest_paths, seed)
        chosen.fit(yh, has, stages, candidates, backtest_size, freq, incumbent, margin)
    category, priors = _new_items(chosen, plan, y / divisors, yh, has, observed, freq)
    counts = start_counts(y, h)
    short = ~has & (chosen.label != NO_HISTORY)
    waiting = ~(np.nan_to_num(y) > 0).any(axis=1) & (chosen.label == CATEGORY_PRIOR)
    return PreparedForecast(
        unique_id=ids,
        ds=future,
        freq=freq,
        label=chosen.label,
        row=chosen.row,
        group=chosen.group,
        category=category,
        end_of_life=plan["end_of_life"].to_numpy(dtype="datetime64[ns]"),
        score=chosen.score,
        fitted=chosen.fitted,
        priors=priors,
        table=chosen.table,
        launch=plan["launch_forecast"].to_numpy(dtype=float),
        capped=_capped_notes(ids[has], raw, caps, y[has], panel.ds),
        classes=item_classes(y, stages),
        stage_factor=chosen.stage_factor,
        calendar=calendar,
        start_counts=counts,
        waiting=waiting if counts is not None else None,
        selected_h=h,
        own_periods=np.where(short, observed, 0),
        own_units=np.where(short, np.nansum(y / divisors, axis=1), 0.0),
        prior_periods=PRIOR_YEARS * PERIODS_PER_YEAR[freq],
    )


@dataclass
class _Chosen:
    """Per item (all items of the panel): the model label, its selection group, its row in the
    fitted model of its label, its backtest score and its lifecycle stage factor; per label the
    fitted model, and the selection table."""

    label: np.ndarray
    group: np.ndarray
    row: np.ndarray
    score: np.ndarray
    stage_factor: np.ndarray
    fitted: dict[str, Forecaster] = field(default_factory=dict)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def empty(cls, n: int) -> _Chosen:
        """No item with history: every item NO_HISTORY in the `short` group, factor 1."""
        return cls(
            label=np.full(n, NO_HISTORY, dtype=object),
            group=np.full(n, "short", dtype=object),
            row=np.zeros(n, dtype=np.int64),
            score=np.full(n, np.nan),
            stage_factor=np.ones(n),
        )

    def fit(
        self,
        yh: np.ndarray,
        has: np.ndarray,
        stages: np.ndarray,
        candidates: dict[str, Forecaster],
        backtest_size: tuple[int, int, int, int],
        freq: str,
        incumbent: Mapping[str, str] | None,
        margin: float,
    ) -> None:
        """Select a model per group of the items with history (`has`; `yh` their history) by
        backtest (`backtest_size`: h, origins, paths, seed), fit each chosen model on every
        item (a global model learns from all) keeping its group's rows, and set their stage
        factors from the backtest's bias."""
        group_of = partial(item_groups, periods_per_year=PERIODS_PER_YEAR[freq], stages=stages[has])
        groups = group_of(yh)
        bt = backtest(yh, candidates, *backtest_size, group_of)
        default = next(iter(candidates))
        chosen, self.table = select(bt, groups, default=default, incumbent=incumbent, margin=margin)
        where = np.flatnonzero(has)
        for lab in dict.fromkeys(chosen.tolist()):
            members = chosen == lab
            self.fitted[lab] = (
                make_forecaster(candidates[lab]).fit(yh).take(np.flatnonzero(members))
            )
            self.row[where[members]] = np.arange(members.sum())
            self.score[where[members]] = bt.item_score(lab)[members]
        self.label[has], self.group[has] = chosen, groups
        factors = stage_corrections(bt, chosen, stages[has])
        self.stage_factor[has] = [factors.get(str(s), 1.0) for s in stages[has]]


def _new_items(
    chosen: _Chosen,
    plan: pd.DataFrame,
    y: np.ndarray,
    yh: np.ndarray,
    has: np.ndarray,
    observed: np.ndarray,
    freq: str,
) -> tuple[np.ndarray, dict]:
    """Label the items without enough history (in `chosen`): their category's prior (scaled by
    their stage), a planner's launch_forecast, all items' prior for an item with a period of
    its own in a category without history, or NO_HISTORY. `y`: every item's history without the
    calendar's dips, `yh`: the (capped) history of the items with enough. Returns each item's
    prior key (its category, or ALL_ITEMS / ONE_PERIOD) and the priors by key."""
    label, group, stage_factor = chosen.label, chosen.group, chosen.stage_factor
    stages = plan["lifecycle_stage"].to_numpy(dtype=object)
    category = plan["group"].to_numpy(dtype=object)
    priors = {}
    window = PERIODS_PER_YEAR[freq]
    if (~has).any():
        priors = category_pools(yh, category[has], window)
        scales = stage_scales(yh, category[has], stages[has], window)
        young = young_scale(yh, category[has], window)
        stage_factor[~has] = [_prior_scale(s, scales, young) for s in stages[~has]]
    label[~has & np.isin(category, list(priors))] = CATEGORY_PRIOR
    label[~has & ~np.isnan(plan["launch_forecast"].to_numpy(dtype=float))] = LAUNCH_FORECAST
    # an item with a period of its own in a category without history: all items' prior
    alone = (label == NO_HISTORY) & (observed > 0)
    if alone.any() and has.any():
        pooled = np.full(int(has.sum()), ALL_ITEMS, dtype=object)
        priors[ALL_ITEMS] = category_pools(yh, pooled, window)[ALL_ITEMS]
        category = np.where(alone, ALL_ITEMS, category)
        label[alone], group[alone] = CATEGORY_PRIOR, ALL_ITEMS
    elif alone.any():  # no item has history: the items' one period is all there is
        seen = observed > 0
        priors[ONE_PERIOD] = one_period_prior(np.nansum(y[seen], axis=1), label.size)
        category = np.where(alone, ONE_PERIOD, category)
        label[alone], group[alone] = CATEGORY_PRIOR, ONE_PERIOD
    stage_factor[~has & (label != CATEGORY_PRIOR)] = 1.0  # a planner's launch rate stays
    return category, priors


def _prior_scale(stage: Any, scales: dict[str, float], young: float | None) -> float:
    """A new item's factor on its category prior: its stage's scale, else (a stage with too
    few donors) the young donors' scale, else 1 (no stage given, or neither known)."""
    if pd.isna(stage):
        return 1.0
    return scales.get(str(stage), 1.0 if young is None else young)


def _apply_calendar(
    factors: np.ndarray, mean: np.ndarray, paths: np.ndarray, rngs: list[np.random.Generator]
) -> None:
    """Scale each period's mean and paths (in place) by its calendar factor (h,)."""
    for j in np.flatnonzero(factors != 1.0):
        mean[:, j] *= factors[j]
        for i, rng in enumerate(rngs):
            paths[i, :, j] = rescale_paths(paths[i, :, j], float(factors[j]), rng)


def period_lengths(ds: pd.DatetimeIndex) -> np.ndarray:
    """Length in days of each period starting at `ds` (a month its own 28-31 days): by
    ds.freq; else starts on the 1st of consecutive months are months, and other starts last
    until the next (the last as long as the one before; a single one a week)."""
    if ds.freq is not None:
        return ((ds + ds.freq) - ds).days.to_numpy().astype(float)
    if len(ds) > 1 and (ds.day == 1).all() and (np.diff(ds.month) % 12 == 1).all():
        return ds.days_in_month.to_numpy().astype(float)
    gaps = np.diff(ds.to_numpy()) / np.timedelta64(1, "D")
    return np.append(gaps, gaps[-1] if len(gaps) else 7.0).astype(float)


def end_of_life_shares(ds: pd.DatetimeIndex, end_of_life: np.ndarray) -> np.ndarray:
    """(k, h) share of each period's days up to and including each item's end_of_life
    (datetime64, NaT = none): 1 before it, 0 after it, the share of days in the period it
    falls in (a monthly plan counted January whole for an end of life on 10 January)."""
    starts = ds.to_numpy()
    lengths = period_lengths(ds) * np.timedelta64(1, "D")
    last = end_of_life.astype("datetime64[ns]")[:, None] + np.timedelta64(1, "D")
    share = (last - starts[None, :]) / lengths[None, :]
    share = np.clip(np.nan_to_num(share.astype(float), nan=1.0), 0.0, 1.0)
    return np.where(np.isnat(last), 1.0, share)


def _until_end_of_life(
    shares: np.ndarray, mean: np.ndarray, paths: np.ndarray, rngs: list[np.random.Generator]
) -> None:
    """Scale mean and paths (in place) by the share of each period before the end of life:
    zero after it, thinned in the period it falls in."""
    mean *= shares
    paths *= (shares > 0)[:, None, :]
    for i, j in zip(*np.nonzero((shares > 0) & (shares < 1)), strict=True):
        paths[i, :, j] = rescale_paths(paths[i, :, j], float(shares[i, j]), rngs[i])


def _capped_notes(
    ids: np.ndarray, scaled: np.ndarray, caps: np.ndarray, y: np.ndarray, ds: pd.DatetimeIndex
) -> tuple[str, ...]:
    """'P-1: 1,000 in the period starting 2026-10-05' per item with a capped period (its
    largest, in units as sold)."""
    notes = []
    for i in np.flatnonzero(~np.isnan(caps)):
        t = int(np.nanargmax(scaled[i]))
        notes.append(f"{ids[i]}: {y[i, t]:,.0f} in the period starting {ds[t].date()}")
    return tuple(notes)


def _positions(prepared: PreparedForecast, unique_ids: Sequence[Any]) -> np.ndarray:
    wanted = np.asarray([str(u) for u in unique_ids], dtype=object)
    pos = pd.Index(prepared.unique_id).get_indexer(wanted)
    if (pos < 0).any():
        raise ValueError(f"unique_id {wanted[pos < 0][0]!r} was not prepared")
    return pos


def _model_paths(
    model: Forecaster, rngs: list[np.random.Generator], h: int, n_paths: int
) -> ForecastArrays:
    """Paths of a fitted model's series, each from its own Generator."""
    if model.item_streams:
        return model.predict(h, n_paths, rngs)
    parts = [model.take([i]).predict(h, n_paths, rng) for i, rng in enumerate(rngs)]
    return ForecastArrays(
        mean=np.concatenate([p.mean for p in parts]),
        paths=np.concatenate([p.paths for p in parts]),
    )


def launch_paths(
    rate: float, prior: CategoryPrior | None, rng: np.random.Generator, shape: tuple[int, int]
) -> np.ndarray:
    """Paths at `rate` units per period (a planner's launch forecast; a prior's rate weighed
    with an item's own periods): the category prior's shapes (mean 1) times the rate, so the
    spread relative to the mean is the category's; Poisson at the rate when the category has
    no donor."""
    if prior is None or prior.pool.size == 0:
        return rng.poisson(rate, shape).astype(np.int32)
    return sample_pool(rng, prior.pool / prior.pool.mean(), rate, shape)


def forecast_chunk(
    prepared: PreparedForecast,
    unique_ids: Sequence[Any],
    n_paths: int,
    seed: int,
    quantiles: Sequence[float] = QUANTILES,
) -> Forecast:
    """The forecast of the prepared items `unique_ids` (in that order); see module docstring."""
    n_paths = check_positive_int(n_paths, "n_paths")
    levels = tuple(float(q) for q in check_levels(quantiles))
    quantile_names(levels)
    pos = _positions(prepared, unique_ids)
    h, k = prepared.h, pos.size
    rngs = [item_rng(seed, uid) for uid in prepared.unique_id[pos]]
    mean = np.zeros((k, h))
    paths = np.zeros((k, n_paths, h), dtype=np.int32)
    labels = prepared.label[pos]
    for lab in dict.fromkeys(labels.tolist()):
        sel = np.flatnonzero(labels == lab)
        if lab in prepared.fitted:
            model = prepared.fitted[lab].take(prepared.row[pos[sel]])
            fc = _model_paths(model, [rngs[i] for i in sel], h, n_paths)
            mean[sel], paths[sel] = fc.mean, fc.paths
            if prepared.stage_factor is not None:
                for i in sel[prepared.stage_factor[pos[sel]] != 1.0]:
                    factor = float(prepared.stage_factor[pos[i]])
                    mean[i] *= factor
                    paths[i] = rescale_paths(paths[i], factor, rngs[i])
        elif lab == CATEGORY_PRIOR:
            for i in sel:
                prior = prepared.priors[prepared.category[pos[i]]]
                if prepared.stage_factor is not None:
                    prior = prior.scaled(float(prepared.stage_factor[pos[i]]))
                mean[i] = prepared.own_rate(pos[i], prior.mean, prior.periods)
                paths[i] = launch_paths(float(mean[i, 0]), prior, rngs[i], (n_paths, h))
                if prepared.waiting is not None and prepared.waiting[pos[i]]:
                    counts = prepared.start_counts
                    mean[i] *= started_share(counts, prepared.horizon, h)
                    paths[i] = start_paths(paths[i], counts, prepared.horizon, rngs[i])
        elif lab == LAUNCH_FORECAST:
            for i in sel:
                rate = prepared.own_rate(pos[i], float(prepared.launch[pos[i]]))
                mean[i] = rate
                paths[i] = launch_paths(rate, prepared.priors.get(prepared.category[pos[i]]),
                                        rngs[i], (n_paths, h))  # fmt: skip
    if prepared.calendar is not None:
        _apply_calendar(prepared.calendar, mean, paths, rngs)
    shares = end_of_life_shares(prepared.ds, prepared.end_of_life[pos])
    _until_end_of_life(shares, mean, paths, rngs)
    arrays = ForecastArrays(mean=mean, paths=paths)
    return Forecast(
        unique_id=prepared.unique_id[pos],
        ds=prepared.ds,
        model=labels,
        mean=arrays.mean,
        paths=arrays.paths,
        quantile_levels=levels,
        quantiles=arrays.quantiles(levels),
        scores=prepared.score[pos],
        day_shares=shares,
    )
