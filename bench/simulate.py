"""Rolling-horizon simulation on RAF spare parts (not a test): does the pipeline's order
decision beat a planner's textbook reorder-point policy on real intermittent demand?

    .venv/bin/python bench/simulate.py [--items 200] [--months 12] [--service-levels 0.9 0.95]
                                       [--max-lead 6] [--fixed-cost 20] [--seed 0]
                                       [--fit-on sample|eligible]

Data: `../shared/data/raf` next to the repository (monthly demand of 5,000 RAF parts, Jan 1996
to Dec 2002; lead time in months and unit price in GBP per part); skipped with a message when
absent. A seeded sample of `--items` parts with a unit price > 0 and a lead time of at most
`--max-lead` months (default 6: with a 12-month window, an order of a part with a lead time of
12 months or more could never arrive inside it, and the policies would differ only in what
they buy, not in what they serve; 1,598 of the 5,000 parts qualify) is simulated over the last
`--months` months of the data; all history before month t is what the decision at month t sees.

Each month t (a review every month), for every part, in this order: orders due at t arrive;
each policy orders (a lot ordered at t with lead time L arrives at the start of t + L, so with
L = 0 it serves month t); month t's demand is served from stock, unmet demand is lost (lost
sales, as in the optimizer's model); month-end stock is held. All policies see the same demand
(the data) and start from the same state.

Assumptions (all policies, all in GBP and units):
- one supplier per part: lead time and unit price p from raf_items; moq 1, pack size 1;
  all-units price breaks: p from 1 unit, 0.95 p from a lot covering 6 months of the part's
  mean demand over the 24 months before the window (at least 2 units); a fixed cost of
  `--fixed-cost` (20) per order.
- holding: 0.25 per year of the stock value at p, charged on month-end stock (1/12 a month).
- lost-sales penalty: the optimizer's stockout cost per unit lost,
  `stockout_cost_for_service_level(service_level, p, 0.25, horizon / 12 years, obsolescence
  0.05 (lifecycle "series"), salvage 0)`, the value the pipeline plans with (it includes p: a
  lost unit is a unit not bought).
- start: stock on hand = round(mean demand of the 24 months before the window × (L + 1)), no
  open orders; the same for every policy (roughly a reorder point without safety stock).
- pipeline: `models.prepare_forecast` + `forecast_chunk` (model "auto", monthly, 200 paths, the
  same --seed every month, as the nightly flow samples with its seed 0 every night; each group
  keeps last month's model while within --keep-margin of the best, as the nightly flow keeps an
  earlier night's) on the history before month t of the sampled parts (`--fit-on sample`) or
  of every eligible part the sample is drawn from (`--fit-on eligible`: 1,598 parts, as the
  nightly flow fits the whole catalogue; 1.5-3 times the forecast time), the sampled parts'
  paths taken; horizon = max lead time in the sample + 7 months (later orders arrive from
  L + 1 on, then 6 more months: 13 with --max-lead 6; the nightly flow plans all items over
  one horizon too), `optimize.build_problem`
  from plain tables (items, suppliers, supplier_items, price_breaks, stock, open_orders; as_of =
  the last day of month t − 1, open orders due mid-month of their arrival month, lead time in
  days = L × 365.25 / 12, review_period 1) and `optimize.plan` (HiGHS). The forecast does not
  depend on the service level or the stock, so it runs once per month and its seconds count in
  every pipeline row.
- pipeline_min: the same plan with `min_service_level` = the service level (the hard
  control: only lots whose fill rate from their arrival until a later order can
  arrive reaches it; the service level alone is a stockout cost, which against a fixed cost
  per order can make a lost sale of a cheap part cheaper than an order).
- pipeline_once: the same plan with review_period None (the plan counts on no later order
  inside the horizon, so a lot covers the horizon's demand; the order is still revised every
  month): a diagnostic of the review-period-1 rule.
- rop: (s, S) on the inventory position (stock + open orders): mean m and sample std sd
  (ddof 1) of the last 24 months, s = m (L + 1) + z sd sqrt(L + 1) with z = Φ⁻¹(service level);
  when the position is <= s, order ceil(s + EOQ − position) (nothing when m = 0);
  EOQ = sqrt(2 × fixed cost × 12 m / (0.25 p)) at the base price (the price break is taken
  when the lot reaches it, not sought).
- rop_croston: the same with m = the SBA mean (alpha 0.1, `models.SBA`) of the whole history.
- none: never orders (what the starting stock alone achieves), for reference.

Per policy and service level: cost = purchase + fixed order costs + holding + lost-sales
penalty over the window (penalties differ by service level: compare rows of one level);
net_cost = cost − the value at p of the stock on hand and the open orders left at the end
(leftover credited at full price: the truth lies between cost and net_cost); net_live = the
same crediting only parts with demand in the last 12 months of the data (hindsight: stock of
the others written off); fill = units served / units demanded; vfill = the same in value at
p (units are dominated by parts costing pennies); cycle = share of part-months with demand
that lost no unit; orders = lots placed; avg_stock = mean month-end stock value; end_stock =
stock value on hand at the end, open_end = value of open orders at the end, dead = share of
end_stock on parts without demand in the last 12 months of the data; seconds = wall time of
the policy's decisions. The last line is JSON of every row.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from statistics import NormalDist

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# import this checkout's packages, not those of the editable install the venv may point at
# elsewhere (a clone's bench measured the main checkout's models), nor bench/optimize.py for
# the package `optimize`
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [os.path.dirname(_HERE), *(p for p in sys.path if os.path.abspath(p or ".") != _HERE)]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import models  # noqa: E402
import optimize  # noqa: E402
from models.select import KEEP_MARGIN  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "raf"
HOLDING_RATE = 0.25  # 1/year of the stock value
OBSOLESCENCE = 0.05  # lifecycle "series"
PERIOD_DAYS = 365.25 / 12
STATS_MONTHS = 24  # demand window of the planner's statistics and the start stock
BREAK_MONTHS, BREAK_DISCOUNT = 6, 0.05  # price break: 5% off a lot of 6 months' mean demand
COVER_MONTHS = 6  # horizon beyond the first month a later order can arrive
DEAD_MONTHS = 12
N_PATHS = 200
POLICIES = ("pipeline", "pipeline_min", "pipeline_once", "rop", "rop_croston", "none")


@dataclass(frozen=True)
class Parts:
    """The sampled parts: ids (n,) sorted as strings; demand (n, T) units per month; ds (T,)
    month starts; lead (n,) months; price (n,) GBP/unit; start (first simulated month index);
    mean24 (n,) units/month over the STATS_MONTHS before the window; break_qty (n,) units."""

    ids: np.ndarray
    demand: np.ndarray
    ds: pd.DatetimeIndex
    lead: np.ndarray
    price: np.ndarray
    start: int
    mean24: np.ndarray
    break_qty: np.ndarray

    @property
    def horizon(self) -> int:
        """Planned months: the longest lead time + 1 + COVER_MONTHS."""
        return int(self.lead.max()) + 1 + COVER_MONTHS

    def unit_cost(self, qty: np.ndarray) -> np.ndarray:
        """Unit price of lots `qty` (all-units break), GBP/unit."""
        return np.where(qty >= self.break_qty, (1 - BREAK_DISCOUNT) * self.price, self.price)


def load(n_items: int, months: int, max_lead: int, seed: int) -> Parts | None:
    """The seeded sample of parts, or None when the data is absent."""
    demand_file, items_file = DATA / "raf_long.parquet", DATA / "raf_items.csv"
    if not (demand_file.exists() and items_file.exists()):
        print(f"skipped: no RAF data at {DATA}")
        return None
    terms = pd.read_csv(items_file, dtype={"unique_id": str})
    pool = _eligible(terms, max_lead)
    rng = np.random.default_rng(seed)
    chosen = pool.iloc[np.sort(rng.choice(len(pool), min(n_items, len(pool)), replace=False))]
    chosen = chosen.sort_values("unique_id")
    long = pd.read_parquet(demand_file)
    long = long[long["unique_id"].astype(str).isin(set(chosen["unique_id"]))]
    wide = long.pivot(index="unique_id", columns="ds", values="y").loc[chosen["unique_id"]]
    demand = np.nan_to_num(wide.to_numpy(dtype=float)).round().astype(np.int64)
    start = demand.shape[1] - months
    mean24 = demand[:, start - STATS_MONTHS : start].mean(axis=1)
    return Parts(
        ids=chosen["unique_id"].to_numpy(dtype=object),
        demand=demand,
        ds=pd.DatetimeIndex(wide.columns),
        lead=chosen["lead_time_months"].to_numpy(dtype=np.int64),
        price=chosen["price_gbp"].to_numpy(dtype=float),
        start=start,
        mean24=mean24,
        break_qty=np.maximum(2, np.ceil(BREAK_MONTHS * mean24)).astype(np.int64),
    )


def _eligible(terms: pd.DataFrame, max_lead: int) -> pd.DataFrame:
    """The parts a sample is drawn from: unit price > 0, lead time <= max_lead months."""
    pool = terms[(terms["price_gbp"] > 0) & (terms["lead_time_months"] <= max_lead)]
    return pool.sort_values("unique_id")


def fit_panel(parts: Parts, fit_on: str, max_lead: int) -> pd.DataFrame:
    """Long monthly demand (unique_id, ds, y units) the forecasts are fitted on: the sampled
    parts ("sample") or every eligible part ("eligible", see load)."""
    if fit_on == "sample":
        ids, demand = parts.ids, parts.demand
    else:
        terms = pd.read_csv(DATA / "raf_items.csv", dtype={"unique_id": str})
        ids = _eligible(terms, max_lead)["unique_id"].to_numpy(dtype=object)
        long = pd.read_parquet(DATA / "raf_long.parquet")
        long["unique_id"] = long["unique_id"].astype(str)
        wide = long.pivot(index="unique_id", columns="ds", values="y").loc[ids, parts.ds]
        demand = np.nan_to_num(wide.to_numpy(dtype=float)).round().astype(np.int64)
    return pd.DataFrame(
        {
            "unique_id": np.repeat(ids, len(parts.ds)),
            "ds": np.tile(parts.ds, len(ids)),
            "y": demand.ravel().astype(float),
        }
    )


def stockout_costs(parts: Parts, service_level: float) -> np.ndarray:
    """Penalty per unit lost (GBP/unit), as optimize.build_problem derives it."""
    return np.array(
        [
            optimize.stockout_cost_for_service_level(
                service_level, p, HOLDING_RATE, parts.horizon / 12, OBSOLESCENCE, 0.0
            )
            for p in parts.price
        ]
    )


def forecasts(
    parts: Parts,
    months: int,
    seed: int,
    margin: float | None = KEEP_MARGIN,
    long: pd.DataFrame | None = None,
) -> tuple[list[models.Forecast], float]:
    """One forecast of the sampled parts per simulated month, fitted on the history of `long`
    (fit_panel; default: the sampled parts) before it; wall seconds of all. margin: a group
    keeps last month's model while within it of the best (None: no incumbent, every month
    selects afresh)."""
    long = fit_panel(parts, "sample", 0) if long is None else long
    out, begin, incumbent = [], time.perf_counter(), None
    for t in range(months):
        history = long[long["ds"] < parts.ds[parts.start + t]]
        prepared = models.prepare_forecast(
            history, h=parts.horizon, freq="M", seed=seed, incumbent=incumbent,
            margin=margin or 0.0,
        )  # fmt: skip
        fc = models.forecast_chunk(prepared, parts.ids, N_PATHS, seed)
        incumbent = None if margin is None else prepared.group_models()
        if list(fc.unique_id) != list(parts.ids):
            raise RuntimeError("forecast items are not the sampled parts in order")
        out.append(fc)
        print(f"  forecast month {t + 1}/{months}: {time.perf_counter() - begin:.1f} s", flush=True)
    return out, time.perf_counter() - begin


class Pipeline:
    """optimize.plan on the month's forecast, stock and open orders (HiGHS); review_period
    as ItemProblem's (1: the plan counts on an order next month; None: on none inside the
    horizon)."""

    def __init__(
        self,
        parts: Parts,
        service_level: float,
        fc: list,
        fixed_cost: float,
        review_period: int | None = 1,
        min_service_level: float | None = None,
    ) -> None:
        self.parts, self.service_level, self.fc = parts, service_level, fc
        self.review_period, self.min_service_level = review_period, min_service_level
        self.tables = _master_tables(parts, fixed_cost)
        self.not_optimal = 0

    def order(self, t: int, on_hand: np.ndarray, incoming: np.ndarray) -> np.ndarray:
        """Units to order per part at month t; incoming (n, k) arrivals in months t+1.."""
        parts, fc = self.parts, self.fc[t]
        as_of = parts.ds[parts.start + t].date() - timedelta(days=1)
        problem, left_out = optimize.build_problem(
            **self.tables,
            stock=pd.DataFrame({"sku": parts.ids, "on_hand": on_hand}),
            open_orders=_open_orders(parts, incoming, as_of),
            scenarios=(fc.unique_id, fc.paths),
            as_of=as_of,
            period_days=PERIOD_DAYS,
            service_level=self.service_level,
            review_period=self.review_period,
            min_service_level=self.min_service_level,
            first_period=fc.ds[0].date(),
        )
        if len(left_out):
            raise RuntimeError(f"parts left out of the plan: {left_out.head().to_dict('records')}")
        _check_problem(problem, incoming, stockout_costs(parts, self.service_level))
        result = optimize.plan(problem, solver="highs")
        self.not_optimal += not result.optimal
        qty = {lot.sku: lot.quantity for lot in result.lots}
        return np.array([qty[s] for s in parts.ids], dtype=np.int64)


def _check_problem(problem: optimize.Problem, incoming: np.ndarray, penalty: np.ndarray) -> None:
    """The plan sees the simulation's open orders in their months and prices stockouts as
    the simulation charges them (the table conversions of build_problem are not bypassed)."""
    for item, arriving, cost in zip(problem.items, incoming, penalty, strict=True):
        seen = item.base_arrivals[1 : 1 + arriving.size]
        if item.base_arrivals[0] or not np.array_equal(seen, arriving[: seen.size]):
            raise RuntimeError(f"open orders of {item.sku} land in other periods: {seen}")
        if not math.isclose(item.stockout_cost, cost, rel_tol=1e-9):
            raise RuntimeError(f"stockout cost of {item.sku}: {item.stockout_cost} != {cost}")


def _master_tables(parts: Parts, fixed_cost: float) -> dict[str, pd.DataFrame]:
    """items, suppliers (one per part), supplier_items and price_breaks as the warehouse
    hands them to optimize.build_problem."""
    sku = parts.ids
    supplier = np.array([f"S-{s}" for s in sku], dtype=object)
    n = len(sku)
    return {
        "items": pd.DataFrame(
            {
                "sku": sku,
                "lifecycle_stage": "series",
                "unit_volume": 0.0,
                "holding_cost_rate": HOLDING_RATE,
                "salvage_value": 0.0,
            }
        ),
        "suppliers": pd.DataFrame(
            {
                "supplier_id": supplier,
                "lead_time": parts.lead * PERIOD_DAYS,
                "fixed_cost": fixed_cost,
            }
        ),
        "supplier_items": pd.DataFrame(
            {
                "supplier_id": supplier,
                "sku": sku,
                "moq": np.ones(n, np.int64),
                "pack_size": np.ones(n, np.int64),
                "discount_type": "all_units",
            }
        ),
        "price_breaks": pd.DataFrame(
            {
                "supplier_id": np.concatenate([supplier, supplier]),
                "sku": np.concatenate([sku, sku]),
                "min_qty": np.concatenate([np.ones(n, np.int64), parts.break_qty]),
                "unit_price": np.concatenate([parts.price, (1 - BREAK_DISCOUNT) * parts.price]),
            }
        ),
    }


def _open_orders(parts: Parts, incoming: np.ndarray, as_of: date) -> pd.DataFrame:
    """Open orders arriving k = 1.. months after month t, due on the first day of plan period
    k (periods of 365.25 / 12 days from the day after as_of; an open order counts from the
    period a lot arriving that day would, so a due date inside a period counts from the next)."""
    rows, ks = np.nonzero(incoming)
    starts = optimize.plan_period_starts(as_of, PERIOD_DAYS, incoming.shape[1] + 1)
    due = [starts[int(k) + 1] for k in ks]
    return pd.DataFrame(
        {
            "po_id": [f"PO-{i}-{k}" for i, k in zip(rows, ks, strict=True)],
            "sku": parts.ids[rows],
            "supplier_id": [f"S-{parts.ids[i]}" for i in rows],
            "quantity": incoming[rows, ks],
            "due_date": pd.to_datetime(due),
        }
    )


class ReorderPoint:
    """(s, S) on the inventory position; mean from the last 24 months or SBA."""

    def __init__(self, parts: Parts, service_level: float, fixed_cost: float, sba: bool) -> None:
        self.parts, self.fixed_cost, self.sba = parts, fixed_cost, sba
        self.z = NormalDist().inv_cdf(service_level)

    def order(self, t: int, on_hand: np.ndarray, incoming: np.ndarray) -> np.ndarray:
        parts = self.parts
        now = parts.start + t
        window = parts.demand[:, now - STATS_MONTHS : now].astype(float)
        mean, sd = window.mean(axis=1), window.std(axis=1, ddof=1)
        if self.sba:
            sba = models.make_forecaster("sba").fit(parts.demand[:, :now].astype(float))
            mean = sba.predict(1, n_paths=1).mean[:, 0]
        cover = parts.lead + 1
        s = mean * cover + self.z * sd * np.sqrt(cover)
        annual = 12 * mean
        eoq = np.sqrt(2 * self.fixed_cost * annual / (HOLDING_RATE * parts.price))
        position = on_hand + incoming.sum(axis=1)
        qty = np.ceil(s + eoq - position - 1e-9).astype(np.int64)
        return np.where((position <= s) & (mean > 0), np.maximum(qty, 0), 0)


class NoOrder:
    """Never orders."""

    def order(self, t: int, on_hand: np.ndarray, incoming: np.ndarray) -> np.ndarray:
        return np.zeros_like(on_hand)


def simulate(parts: Parts, policy, months: int, penalty: np.ndarray, fixed_cost: float) -> dict:
    """Run one policy over the window; its cost and service figures (see module docstring)."""
    n = len(parts.ids)
    rows = np.arange(n)
    on_hand = np.round(parts.mean24 * (parts.lead + 1)).astype(np.int64)
    arrivals = np.zeros((n, months + int(parts.lead.max()) + 1), np.int64)
    cost = dict.fromkeys(("purchase", "fixed", "holding", "penalty"), 0.0)
    served = lost = orders = 0
    value = np.zeros(2)  # GBP at p of units served, demanded
    stock_value, cycles, demand_months, seconds = [], 0, 0, 0.0
    for t in range(months):
        on_hand += arrivals[:, t]
        begin = time.perf_counter()
        qty = policy.order(t, on_hand, arrivals[:, t + 1 :])
        seconds += time.perf_counter() - begin
        cost["purchase"] += float((qty * parts.unit_cost(qty)).sum())
        cost["fixed"] += fixed_cost * int((qty > 0).sum())
        orders += int((qty > 0).sum())
        np.add.at(arrivals, (rows, t + parts.lead), qty)
        on_hand += np.where(parts.lead == 0, qty, 0)
        demand = parts.demand[:, parts.start + t]
        sold = np.minimum(on_hand, demand)
        on_hand -= sold
        served, lost = served + int(sold.sum()), lost + int((demand - sold).sum())
        value += (float(sold @ parts.price), float(demand @ parts.price))
        cost["penalty"] += float(((demand - sold) * penalty).sum())
        cost["holding"] += float((on_hand * parts.price).sum()) * HOLDING_RATE / 12
        stock_value.append(float((on_hand * parts.price).sum()))
        demand_months += int((demand > 0).sum())
        cycles += int(((demand > 0) & (sold == demand)).sum())
    service = {
        "fill": served / max(served + lost, 1),
        "vfill": value[0] / max(value[1], 1e-9),
        "cycle": cycles / max(demand_months, 1),
    }
    return _summary(parts, cost, on_hand, arrivals[:, months:], service, orders, stock_value,
                    seconds)  # fmt: skip


def _summary(parts, cost, on_hand, open_end, service, orders, stock_value, seconds) -> dict:
    dead = parts.demand[:, -DEAD_MONTHS:].sum(axis=1) == 0
    end = on_hand * parts.price
    position = end + open_end.sum(axis=1) * parts.price
    total = sum(cost.values())
    end_value = float(end.sum())
    return {
        **{k: round(v) for k, v in cost.items()},
        "cost": round(total),
        "net_cost": round(total - float(position.sum())),
        "net_live": round(total - float(position[~dead].sum())),
        **{k: round(float(v), 4) for k, v in service.items()},
        "orders": orders,
        "avg_stock": round(float(np.mean(stock_value))),
        "end_stock": round(end_value),
        "open_end": round(float(position.sum()) - end_value),
        "dead": round(float(end[dead].sum()) / max(end_value, 1e-9), 4),
        "seconds": round(seconds, 2),
    }


def make_policy(name: str, parts: Parts, service_level: float, fc: list, fixed_cost: float):
    if name.startswith("pipeline"):
        review = None if name == "pipeline_once" else 1
        hard = service_level if name == "pipeline_min" else None
        return Pipeline(parts, service_level, fc, fixed_cost, review, hard)
    if name == "none":
        return NoOrder()
    return ReorderPoint(parts, service_level, fixed_cost, sba=name == "rop_croston")


COLUMNS = ("cost", "net_cost", "net_live", "purchase", "fixed", "holding", "penalty", "fill",
           "vfill", "cycle", "orders", "avg_stock", "end_stock", "open_end", "dead",
           "seconds")  # fmt: skip
RATIOS = ("fill", "vfill", "cycle", "dead")


def print_row(row: dict, header: bool) -> None:
    if header:
        print(f"{'policy':<14}{'SL':>5}" + "".join(f"{c:>{_width(c)}}" for c in COLUMNS))
    cells = "".join(
        f"{row[c]:>{_width(c)}.3f}" if c in RATIOS else f"{row[c]:>{_width(c)},}" for c in COLUMNS
    )
    print(f"{row['policy']:<14}{row['service_level']:>5}" + cells, flush=True)


def _width(column: str) -> int:
    return max(9, len(column) + 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--service-levels", type=float, nargs="+", default=[0.9, 0.95])
    parser.add_argument("--max-lead", type=int, default=6, help="months")
    parser.add_argument("--fixed-cost", type=float, default=20.0, help="GBP per order")
    parser.add_argument("--policies", nargs="+", default=list(POLICIES), choices=POLICIES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--keep-margin", type=float, default=KEEP_MARGIN,
        help="a group keeps last month's model while within this relative score of the best "
        "(negative: select afresh every month)",
    )  # fmt: skip
    parser.add_argument(
        "--fit-on", choices=("sample", "eligible"), default="sample",
        help="fit each month's forecast on the sampled parts or on every eligible part",
    )  # fmt: skip
    args = parser.parse_args()
    wall = time.perf_counter()
    parts = load(args.items, args.months, args.max_lead, args.seed)
    if parts is None:
        return
    _describe(parts, args)
    fc, fc_seconds = [], 0.0
    if any(p.startswith("pipeline") for p in args.policies):
        margin = None if args.keep_margin < 0 else args.keep_margin
        long = fit_panel(parts, args.fit_on, args.max_lead)
        fc, fc_seconds = forecasts(parts, args.months, args.seed, margin, long)
    rows = []
    for sl in args.service_levels:
        penalty = stockout_costs(parts, sl)
        for name in args.policies:
            policy = make_policy(name, parts, sl, fc, args.fixed_cost)
            row = simulate(parts, policy, args.months, penalty, args.fixed_cost)
            if name.startswith("pipeline"):
                row["seconds"] = round(row["seconds"] + fc_seconds, 2)
                row["not_optimal"] = policy.not_optimal
            rows.append({"policy": name, "service_level": sl, **row})
            print_row(rows[-1], header=len(rows) == 1)
    print(f"wall {time.perf_counter() - wall:.1f} s (forecasts {fc_seconds:.1f} s, shared)")
    print(json.dumps({"items": len(parts.ids), "months": args.months, "rows": rows}))


def _describe(parts: Parts, args) -> None:
    first, last = parts.ds[parts.start], parts.ds[-1]
    leads = pd.Series(parts.lead).value_counts().sort_index().to_dict()
    print(
        f"RAF: {len(parts.ids)} parts (seed {args.seed}, lead <= {args.max_lead} months: "
        f"{leads}), window {first:%Y-%m} .. {last:%Y-%m}, horizon {parts.horizon} months, "
        f"fixed cost {args.fixed_cost:g} GBP/order, median price {np.median(parts.price):.2f}, "
        f"forecasts fitted on the {args.fit_on} parts"
    )
    share = (parts.demand[:, parts.start :] > 0).mean()
    print(f"part-months with demand in the window: {share:.1%}", flush=True)


if __name__ == "__main__":
    main()
