"""Turn the warehouse tables (design.md) and demand scenarios into a Problem.

Conversions: an offer's `lead_time` days (supplier_items' lead_time of the item if given,
else the supplier's) -> periods = ceil(days / period_days − LEAD_TIME_TOLERANCE); open order
`due_date` -> due period by the same rule on (due_date − as_of).days (an open order counts
from the period a new lot due that day would), overdue -> 0; its supplier's on_time_rate and
reject_rate (suppliers) -> `ItemProblem.open_order_suppliers` (a supplier_id not in suppliers:
None, the order counts as on time and all usable);
`period_years` = period_days / 365.25; obsolescence from lifecycle_stage and end_of_life
(costs.obsolescence_for); stockout_cost from the item's column when given (> 0), else from
`service_level` at the item's reference price (cheapest first-tier price). `review_period`
(periods until the next chance to order, default 1: the nightly run orders again next period)
is set on every item; see evaluate.py for the replenishment rule.
Plan periods run from the day after `as_of` (period k = days k·period_days + 1 .. (k+1)·
period_days after it). Demand scenarios come per calendar period; when the first of them started
before that day (`first_period`: a nightly run inside a week or month), `plan_demand` moves
them onto the plan periods: its days up to as_of have been sold already (they are out of the
stock on hand), so counting that period whole would buy for demand that is gone.
Supplier-wide tiers come from the optional `supplier_tiers` table (`SupplierTier` has its
columns' names). Items with scenarios but without a usable offer, or missing from
`items`, or with a value ItemProblem refuses (e.g. a NaN stock), are returned as unplannable
with a reason, and so are items of `items` without scenarios.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Collection, Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd

from optimize.costs import obsolescence_for, stockout_cost_for_service_level
from optimize.data import (
    Delivery,
    ItemProblem,
    Limits,
    Offer,
    PriceBreak,
    Problem,
    RecentSpike,
    Requirement,
    SupplierTier,
    cost_error,
    salvage_error,
)
from optimize.sharing import with_order_cost_shares

DAYS_PER_YEAR = 365.25


# A lot ordered now is taken to arrive `lead_time` days after as_of ends (time in days from
# then; plan period k is (k, k + 1] × period_days); arriving within this share of a period
# after the period starts, it counts from that start. Plan months are 30.44 days while
# calendar months run 28-31, so a "2-month" lead time of 61 days (July + August) planned as 3
# months and a "1-month" one of 31 days as 2. Open orders count from the period a new lot due
# the same day would (they counted from the period their due date fell in: an order due in 6
# days covered this week's demand, a lot arriving the same day only next week's).
LEAD_TIME_TOLERANCE = 0.05
OFFER_LEFT_OUT = "offer left out: "  # an offer of an item planned with its other offers
NOT_IN_ITEMS = "not in items: "  # an item whose items row is in quarantine


def lead_time_periods(days: float, period_days: float) -> int:
    """Whole periods until a lot ordered now arrives: days rounded up to periods, less
    LEAD_TIME_TOLERANCE (7 days is 1 week, 8 days 2 weeks; 31 or 61 days 1 or 2 months)."""
    return max(math.ceil(days / period_days - LEAD_TIME_TOLERANCE - 1e-9), 0)


def build_problem(
    items: pd.DataFrame,
    suppliers: pd.DataFrame,
    supplier_items: pd.DataFrame,
    price_breaks: pd.DataFrame,
    stock: pd.DataFrame,
    open_orders: pd.DataFrame,
    scenarios: tuple[np.ndarray, np.ndarray],
    as_of: date,
    period_days: float,
    service_level: float = 0.95,
    budget: float | None = None,
    capacity: float | None = None,
    max_orders: int | None = None,
    obsolescence_defaults: dict[str, float] | None = None,
    review_period: int | None = 1,
    supplier_tiers: pd.DataFrame | None = None,
    min_service_level: float | None = None,
    first_period: date | None = None,
    first_period_days: float | None = None,
    day_shares: np.ndarray | None = None,
    unknown_inputs: pd.DataFrame | None = None,
    quarantined_supplier_items: pd.DataFrame | None = None,
    quarantined_items: pd.DataFrame | None = None,
    no_forecast: Mapping[str, str] | None = None,
    recent_spikes: pd.DataFrame | None = None,
    skus: Collection[str] | None = None,
    order_cost_shares: Mapping[str, float] | None = None,
    requirements: pd.DataFrame | None = None,
) -> tuple[Problem, pd.DataFrame]:
    """(Problem, unplannable[sku, reason, planned]) from the input tables and scenarios (ids, paths
    (n, S, periods) of demand in units per calendar period, the first starting on `first_period`
    (None = the day after as_of) and `first_period_days` long (a month its own 28-31 days; None:
    period_days); `day_shares` (n, periods; None = 1): the share of each period's days the
    forecast holds demand for (`models.Forecast.day_shares`: less in the period of an end of
    life). A first period that started on or before as_of makes a plan of one period fewer than
    the scenarios (`plan_demand`).
    unplannable: the items left out of the Problem with the reason (planned False), then the
    offers left out of planned items (planned True: the item is planned with its other offers;
    reason "offer left out: ...", naming sku and supplier). `supplier_tiers` (supplier_id,
    basis, min_total, discount_rate; optional) become Limits.supplier_tiers (tiers of suppliers
    without an offer in the run are dropped); `min_service_level` is set on every item
    (ItemProblem.min_service_level). unknown_inputs (sku, reason; optional): items whose stock
    or open orders are not known for sure (e.g. a row in quarantine); they are left out with the
    reason, as are items with an open order of a quantity that is not a whole number > 0 or
    without a due date. quarantined_supplier_items (sku, file, row_number, reason; optional): an
    item left without a usable offer names these rows as the reason rather than "no supplier
    offer"; a planned item lists each as an offer left out. quarantined_items (same columns;
    optional): items whose own row is in quarantine, left out with it as the reason ("not in
    items: items.csv row 7 is in quarantine (...)"), whether or not they have demand scenarios;
    an item of `items` listed there (a second row that disagrees) is left out too ("items rows
    disagree: ..."). no_forecast (sku -> why; optional): items whose scenarios are zeros for
    want of a forecast (`ItemProblem.no_forecast`), not a forecast of no demand.
    recent_spikes (sku, ds, quantity, usual, other_demands, optionally order_date, day_units,
    mark_command; optional: `models.recent_spikes`
    with unique_id as sku): items whose forecast rests on one recent demand far above their
    usual size (`ItemProblem.recent_spike`).
    skus (optional): build these items only, each as in the Problem of all of them (the
    others are neither planned nor in unplannable); an item's later orders then pay the
    `order_cost_shares` (supplier_id -> currency; `Plan.order_cost_shares` of the run's
    Problem; None: the shares of the items built).
    requirements (requirement_id, sku, due_date, quantity, note; optional): planners' dated
    known demand, added to every scenario of the item in the plan period its due_date falls
    in (`requirement_period`), after the split onto plan periods and the end-of-life zeroing
    (`ItemProblem.requirements`)."""
    ids, paths = scenarios
    if skus is not None:
        keep = np.isin(np.asarray(ids).astype(str), list(map(str, skus)))
        ids, paths = ids[keep], paths[keep]
        day_shares = None if day_shares is None else day_shares[keep]
        items, supplier_items, price_breaks, quarantined_items = (
            _of_skus(t, skus) for t in (items, supplier_items, price_breaks, quarantined_items)
        )
    elapsed = _elapsed(first_period, as_of, first_period_days or period_days)
    paths = plan_demand(ids, paths, elapsed, day_shares)
    horizon = int(paths.shape[2])
    horizon_end = as_of + timedelta(days=horizon * period_days)
    offers, offer_errors = _offers(suppliers, supplier_items, price_breaks, period_days)
    on_hand = dict(zip(stock["sku"], stock["on_hand"], strict=True))
    unknown = _unknown(unknown_inputs, open_orders)
    quarantined = _quarantined(quarantined_supplier_items)
    lost_items = {sku: "; ".join(whys) for sku, whys in _quarantined(quarantined_items).items()}
    incoming = _open_orders(open_orders, as_of, period_days, _deliveries(suppliers))
    spikes = _recent_spikes(recent_spikes)
    known = _requirements(requirements, as_of, period_days, horizon)
    rows = {r["sku"]: r for r in items.to_dict("records")}
    planned, unplannable = [], []
    for sku, item_paths in zip(ids, paths, strict=True):
        sku = str(sku)
        why = _left_out(sku, rows, lost_items, offers, offer_errors, quarantined, unknown)
        if why is not None:
            unplannable.append((sku, why))
            continue
        row = rows[sku]
        try:
            obsolescence = obsolescence_for(
                row["lifecycle_stage"],
                _date(row.get("end_of_life")),
                horizon_end,
                obsolescence_defaults,
            )
            ended = _until_end_of_life(
                item_paths, _date(row.get("end_of_life")), as_of, period_days
            )
            planned.append(
                _item_problem(
                    row,
                    with_requirements(ended, known.get(sku, ())),
                    on_hand.get(sku, 0),
                    incoming.get(sku, ()),
                    tuple(offers[sku]),
                    period_days,
                    obsolescence,
                    service_level,
                    review_period,
                    min_service_level,
                    as_of,
                    (no_forecast or {}).get(sku),
                    spikes.get(sku),
                    known.get(sku, ()),
                )
            )
        except ValueError as error:  # ItemProblem names the value; the item is left out
            unplannable.append((sku, f"invalid input: {error}"))
    tiers = _supplier_tiers(supplier_tiers, {o.supplier_id for i in planned for o in i.offers})
    for item in list(planned):
        if (error := salvage_error(item, tiers) or cost_error(item)) is not None:
            planned.remove(item)
            unplannable.append((item.sku, f"invalid input: {error} (sku {item.sku})"))
    seen = {str(s) for s in ids}
    unplannable += [(s, "no demand scenarios") for s in rows if s not in seen]
    unplannable += [(s, _not_in_items(s, lost_items)) for s in sorted(lost_items) if s not in seen]
    dropped = _offers_left_out({item.sku for item in planned}, offer_errors, quarantined)
    used = {o.supplier_id for item in planned for o in item.offers}
    limits = Limits(
        budget=budget,
        capacity=capacity,
        max_orders=max_orders,
        supplier_tiers=_supplier_tiers(supplier_tiers, used),
        order_cost=_supplier_amount(suppliers, used, "order_cost"),
        min_order_value=_supplier_amount(suppliers, used, "min_order_value"),
    )
    problem = with_order_cost_shares(Problem(tuple(planned), limits), order_cost_shares)
    return problem, _left_out_frame(unplannable, dropped)


def left_out_by_inputs(
    items: pd.DataFrame,
    suppliers: pd.DataFrame,
    supplier_items: pd.DataFrame,
    price_breaks: pd.DataFrame,
    open_orders: pd.DataFrame,
    unknown_inputs: pd.DataFrame | None = None,
    quarantined_supplier_items: pd.DataFrame | None = None,
    quarantined_items: pd.DataFrame | None = None,
    period_days: float = 7.0,
) -> pd.DataFrame:
    """sku, reason, planned: what `build_problem` leaves out whatever the forecast, with its
    words: the items its input tables cannot plan (not in items, items rows that disagree, no
    usable offer, stock or open orders unknown; planned False: the skus of
    `quarantined_items` not in `items` first, then the others in `items` order), then the
    offers left out of the other items (planned True). Arguments as `build_problem`'s;
    `period_days` only turns lead times into periods. What only a run knows is not here:
    items without demand scenarios, and values checked against the forecast and horizon
    ("invalid input: ...")."""
    offers, offer_errors = _offers(suppliers, supplier_items, price_breaks, period_days)
    unknown = _unknown(unknown_inputs, open_orders)
    quarantined = _quarantined(quarantined_supplier_items)
    lost_items = {sku: "; ".join(whys) for sku, whys in _quarantined(quarantined_items).items()}
    rows = {str(sku): None for sku in items["sku"]}
    skus = [*rows, *sorted(s for s in lost_items if s not in rows)]
    whys = {s: _left_out(s, rows, lost_items, offers, offer_errors, quarantined, unknown)
            for s in skus}  # fmt: skip
    unplannable = [(sku, why) for sku, why in whys.items() if why is not None]
    planned = {sku for sku, why in whys.items() if why is None}
    return _left_out_frame(unplannable, _offers_left_out(planned, offer_errors, quarantined))


def _left_out(
    sku: str,
    rows: Mapping[str, object],
    lost_items: Mapping[str, str],
    offers: Mapping[str, list[Offer]],
    offer_errors: Mapping[str, list[str]],
    quarantined: Mapping[str, list[str]],
    unknown: Mapping[str, str],
) -> str | None:
    """Why the input tables cannot plan the item `sku` (None: they can): `rows` its items
    rows by sku, the others as `build_problem` computes them."""
    if sku not in rows:
        return _not_in_items(sku, lost_items)
    if sku in lost_items:  # a second items row disagrees with the loaded one
        return f"items rows disagree: {lost_items[sku]}"
    if not offers.get(sku):
        whys = offer_errors.get(sku, []) + quarantined.get(sku, [])
        return f"no usable offer: {'; '.join(whys) or 'no supplier offer with price breaks'}"
    return unknown.get(sku)


def _offers_left_out(
    planned: Collection[str],
    offer_errors: Mapping[str, list[str]],
    quarantined: Mapping[str, list[str]],
) -> list[tuple[str, str]]:
    """(sku, "offer left out: why") of each offer dropped from a `planned` item."""
    return [
        (sku, f"{OFFER_LEFT_OUT}{why}")
        for errors in (offer_errors, quarantined)
        for sku, whys in errors.items()
        if sku in planned
        for why in whys
    ]


def _left_out_frame(
    unplannable: list[tuple[str, str]], dropped: list[tuple[str, str]]
) -> pd.DataFrame:
    """sku, reason, planned: the items left out (False; first those whose items row is in
    quarantine, the row a planner fixes to plan them at all), then the offers left out
    (True)."""
    unplannable = sorted(unplannable, key=lambda r: not r[1].startswith(NOT_IN_ITEMS))
    left_out = [(*r, False) for r in unplannable] + [(*r, True) for r in dropped]
    return pd.DataFrame(left_out, columns=["sku", "reason", "planned"]).astype({"planned": bool})


def _of_skus(table: pd.DataFrame | None, skus: Collection[str]) -> pd.DataFrame | None:
    """The rows of `skus` (by the table's sku column); None stays None."""
    return None if table is None else table[table["sku"].astype(str).isin(list(map(str, skus)))]


def _not_in_items(sku: str, lost_items: Mapping[str, str]) -> str:
    """Why an item is not in `items`: its row is in quarantine, or there is none."""
    if sku in lost_items:
        return f"{NOT_IN_ITEMS}{lost_items[sku]}"
    return "unknown sku: not in items"


def _quarantined(rows: pd.DataFrame | None) -> dict[str, list[str]]:
    """sku -> "supplier_items.csv row 12 is in quarantine (reason)" per quarantined row."""
    out: dict[str, list[str]] = {}
    if rows is None:
        return out
    for r in rows.itertuples(index=False):
        out.setdefault(str(r.sku), []).append(
            f"{r.file} row {r.row_number} is in quarantine ({r.reason})"
        )
    return out


def _unknown(unknown_inputs: pd.DataFrame | None, open_orders: pd.DataFrame) -> dict[str, str]:
    """sku -> why its stock, open orders or requirements are not known for sure:
    `unknown_inputs` (sku, reason, optionally table_name), then open orders without a due date
    or whose quantity is not a whole number > 0."""
    out = {}
    if unknown_inputs is not None:
        tables = unknown_inputs.get("table_name", pd.Series(None, index=unknown_inputs.index))
        for sku, why, table in zip(unknown_inputs["sku"], unknown_inputs["reason"], tables,
                                   strict=True):  # fmt: skip
            out[str(sku)] = f"{_UNKNOWN.get(table, _UNKNOWN[None])}{why}"
    if open_orders.empty:
        return out
    qty = pd.to_numeric(open_orders["quantity"], errors="coerce").to_numpy(dtype=float)
    due = pd.to_datetime(open_orders["due_date"])
    bad = ~((qty > 0) & (qty == np.floor(qty))) | due.isna().to_numpy()
    names = open_orders.get("po_id", pd.Series("", index=open_orders.index)).astype(str)
    for sku, name, day, q in zip(open_orders["sku"][bad], names[bad], due[bad], qty[bad],
                                 strict=True):  # fmt: skip
        if pd.isna(day):
            why = f"open order {name} has no due date"
        else:
            why = f"open order {name} due {day.date()}: quantity {q:g} is not a whole number > 0"
        out.setdefault(str(sku), f"{_UNKNOWN[None]}{why}")
    return out


# how the reason of an item left out for a row in quarantine begins, by the row's table
_UNKNOWN = {
    None: "stock or open orders unknown: ",
    "requirements": "requirements unknown: ",
}


def plan_demand(
    ids: np.ndarray, paths: np.ndarray, elapsed: float, days: np.ndarray | None = None
) -> np.ndarray:
    """Demand per plan period (n, S, periods − 1) from demand per calendar period (n, S,
    periods) when the plan starts `elapsed` (0..1) of a period after the first calendar period;
    `paths` unchanged when elapsed is 0.

    Each calendar period's demand splits into the part before and after that point by binomial
    thinning (each unit falls before it with probability `elapsed`); plan period k gets the
    later part of calendar period k and the earlier part of period k + 1. So the expected
    demand of plan period k is (1 − elapsed) E[D_k] + elapsed E[D_k+1], and the units of
    calendar period 0 before the plan starts are dropped. `days` (n, periods), optional: the
    share of each calendar period that has demand (1; less in the period of an item's end of
    life, whose forecast holds only the days up to it; `models.Forecast.day_shares`): a unit
    falls before the point with
    probability min(1, elapsed / share), so an end of life on Friday of a week planned from
    Thursday keeps two days of demand, not the share of the whole week after Wednesday. An
    item's split comes from its own Generator (crc32 of its id): the same whichever other
    items are planned with it."""
    if elapsed == 0:
        return paths
    before_p = np.full(paths.shape[::2], elapsed) if days is None else np.divide(
        elapsed, days, out=np.full(days.shape, elapsed), where=days > 0
    )  # fmt: skip
    before_p = np.minimum(before_p, 1.0)
    if paths.shape[2] < 2:
        raise ValueError(
            "scenarios that start before the plan need 2 or more periods, got "
            f"{paths.shape[2]}: forecast one period more than the plan's horizon"
        )
    out = np.empty((*paths.shape[:2], paths.shape[2] - 1), dtype=np.int64)
    for i, (sku, demand) in enumerate(zip(ids, paths, strict=True)):
        rng = np.random.default_rng(zlib.crc32(str(sku).encode()))
        before = rng.binomial(np.asarray(demand, dtype=np.int64), before_p[i])
        out[i] = demand[:, :-1] - before[:, :-1] + before[:, 1:]
    return out


def plan_period_starts(as_of: date, period_days: float, n: int) -> list[date]:
    """Start day of each of the first `n` plan periods: the day after as_of, then every
    period_days days (a month counts as period_days, e.g. 365.25 / 12)."""
    first = as_of + timedelta(days=1)
    return [first + timedelta(days=math.floor(k * period_days)) for k in range(n)]


def _until_end_of_life(
    paths: np.ndarray, end_of_life: date | None, as_of: date, period_days: float
) -> np.ndarray:
    """Paths with zero demand in the plan periods that start after `end_of_life`. The forecast
    zeroes calendar periods that start after it; a plan period starting inside the calendar
    period of the end of life would otherwise still get the demand of its later days."""
    if end_of_life is None:
        return paths
    starts = np.array(plan_period_starts(as_of, period_days, paths.shape[-1]))
    ended = starts > end_of_life
    return np.where(ended, 0, paths) if ended.any() else paths


def _elapsed(first_period: date | None, as_of: date, period_days: float) -> float:
    """Share of the first calendar period that lies before the plan (0 <= share < 1)."""
    if first_period is None:
        return 0.0
    share = (as_of + timedelta(days=1) - first_period).days / period_days
    if not 0 <= share < 1:
        raise ValueError(
            f"first_period {first_period} must start within one period before the plan "
            f"(the day after as_of {as_of})"
        )
    return share


def _item_problem(
    row: dict,
    paths: np.ndarray,
    on_hand: int,
    open_orders: tuple[tuple[int, int, str, Delivery | None], ...],
    offers: tuple[Offer, ...],
    period_days: float,
    obsolescence: float,
    service_level: float,
    review_period: int | None,
    min_service_level: float | None = None,
    as_of: date | None = None,
    no_forecast: str | None = None,
    recent_spike: RecentSpike | None = None,
    requirements: tuple[Requirement, ...] = (),
) -> ItemProblem:
    period_years = period_days / DAYS_PER_YEAR
    end_of_life, ends = _date(row.get("end_of_life")), None
    if end_of_life is not None and as_of is not None:  # plan periods starting by then
        starts = plan_period_starts(as_of, period_days, paths.shape[1])
        ends = sum(start <= end_of_life for start in starts)
    salvage = _number(row.get("salvage_value"), 0.0)
    stockout_cost = _number(row.get("stockout_cost"), 0.0)
    if stockout_cost <= 0:
        stockout_cost = stockout_cost_for_service_level(
            service_level,
            unit_price=min(o.price_breaks[0].unit_price for o in offers),
            holding_cost_rate=float(row["holding_cost_rate"]),
            horizon_years=paths.shape[1] * period_years,
            obsolescence=obsolescence,
            salvage_value=salvage,
        )
    return ItemProblem(
        sku=str(row["sku"]),
        scenarios=np.asarray(paths, dtype=np.int64),
        on_hand=on_hand,
        open_orders=tuple((due, qty) for due, qty, _, _ in open_orders),
        offers=offers,
        holding_cost_rate=float(row["holding_cost_rate"]),
        period_years=period_years,
        salvage_value=salvage,
        obsolescence=obsolescence,
        stockout_cost=stockout_cost,
        unit_volume=float(row["unit_volume"]),
        review_period=review_period,
        min_service_level=min_service_level,
        open_order_ids=tuple(po_id for _, _, po_id, _ in open_orders),
        open_order_suppliers=tuple(delivery for _, _, _, delivery in open_orders),
        end_of_life=end_of_life,
        end_of_life_periods=ends,
        no_forecast=no_forecast,
        recent_spike=recent_spike,
        requirements=requirements,
    )


def requirement_period(due_date: date, as_of: date, period_days: float, horizon: int) -> int:
    """The plan period `due_date` falls in, by the plan's own days (`plan_period_starts`): 0
    for a day on or before as_of (overdue: needed now), `horizon` for a day after the plan's
    last one (outside the plan)."""
    starts = plan_period_starts(as_of, period_days, horizon + 1)
    return max(sum(start <= due_date for start in starts) - 1, 0)


def with_requirements(paths: np.ndarray, requirements: tuple[Requirement, ...]) -> np.ndarray:
    """Scenarios (S, H) with each requirement's units added to its period in every scenario
    (those outside the horizon left out): certain demand on top of the forecast."""
    inside = [r for r in requirements if r.period < paths.shape[-1]]
    if not inside:
        return paths
    extra = np.zeros(paths.shape[-1], dtype=np.int64)
    for r in inside:
        extra[r.period] += r.quantity
    return paths + extra


def _requirements(
    frame: pd.DataFrame | None, as_of: date, period_days: float, horizon: int
) -> dict[str, tuple[Requirement, ...]]:
    """sku -> its Requirements by due_date (`requirement_period` of each)."""
    if frame is None or frame.empty:
        return {}
    out: dict[str, list[Requirement]] = {}
    for r in frame.sort_values(["due_date", "requirement_id"]).itertuples(index=False):
        due = pd.Timestamp(r.due_date).date()
        note = getattr(r, "note", None)
        out.setdefault(str(r.sku), []).append(
            Requirement(
                requirement_id=str(r.requirement_id),
                due_date=due,
                quantity=int(r.quantity),
                period=requirement_period(due, as_of, period_days, horizon),
                note="" if note is None or pd.isna(note) else str(note),
            )
        )
    return {sku: tuple(v) for sku, v in out.items()}


def _recent_spikes(frame: pd.DataFrame | None) -> dict[str, RecentSpike]:
    """sku -> RecentSpike of the rows of `recent_spikes` (sku, ds, quantity, usual,
    other_demands; optional: order_date, day_units, mark_command)."""
    if frame is None or frame.empty:
        return {}
    spikes = {}
    for r in frame.itertuples(index=False):
        day = getattr(r, "order_date", None)
        units = getattr(r, "day_units", None)
        spikes[str(r.sku)] = RecentSpike(
            pd.Timestamp(r.ds).date(),
            float(r.quantity),
            float(r.usual),
            int(r.other_demands),
            order_date=None if day is None or pd.isna(day) else pd.Timestamp(day).date(),
            day_units=None if units is None or pd.isna(units) else float(units),
            mark_command=str(getattr(r, "mark_command", "") or ""),
        )
    return spikes


def _supplier_amount(suppliers: pd.DataFrame, used: set[str], column: str) -> dict[str, float]:
    """supplier_id -> `column` (order_cost: currency per purchase order; min_order_value:
    least purchase value of one, currency) of the suppliers with an offer in the run and a
    value above 0 (a column missing or empty: none)."""
    if column not in suppliers:
        return {}
    costs = zip(suppliers["supplier_id"], suppliers[column], strict=True)
    return {str(s): float(v) for s, v in costs if str(s) in used and _number(v, 0.0) > 0}


def _supplier_tiers(frame: pd.DataFrame | None, used: set[str]) -> tuple[SupplierTier, ...]:
    """SupplierTier per row of supplier_tiers whose supplier has an offer in the run."""
    if frame is None or frame.empty:
        return ()
    return tuple(
        SupplierTier(
            supplier_id=str(r.supplier_id),
            min_total=float(r.min_total),
            discount_rate=float(r.discount_rate),
            basis=str(r.basis),
        )
        for r in frame.itertuples(index=False)
        if str(r.supplier_id) in used
    )


def _offers(
    suppliers: pd.DataFrame,
    supplier_items: pd.DataFrame,
    price_breaks: pd.DataFrame,
    period_days: float,
) -> tuple[dict[str, list[Offer]], dict[str, list[str]]]:
    """Valid offers per sku, and why the others were dropped."""
    terms = {r["supplier_id"]: r for r in suppliers.to_dict("records")}
    breaks: dict[tuple[str, str], list[PriceBreak]] = {}
    for r in price_breaks.itertuples(index=False):
        key = (str(r.supplier_id), str(r.sku))
        # Offer checks the values (whole min_qty, finite price) and names the sku and supplier
        breaks.setdefault(key, []).append(PriceBreak(r.min_qty, r.unit_price))
    offers: dict[str, list[Offer]] = {}
    errors: dict[str, list[str]] = {}
    for r in supplier_items.to_dict("records"):
        sku, supplier_id = str(r["sku"]), str(r["supplier_id"])
        try:
            offers.setdefault(sku, []).append(
                _offer(r, terms.get(supplier_id), breaks.get((supplier_id, sku)), period_days)
            )
        except (ValueError, KeyError) as error:
            errors.setdefault(sku, []).append(str(error).strip("'\""))
    return offers, errors


def _offer(row: dict, terms: dict | None, breaks: list | None, period_days: float) -> Offer:
    where = f"(sku {row['sku']}, supplier {row['supplier_id']})"
    if terms is None:
        raise ValueError(f"unknown supplier {where}")
    if not breaks:
        raise ValueError(f"no price breaks {where}")
    days, table = _lead_time(row, terms)
    return Offer(
        supplier_id=str(row["supplier_id"]),
        moq=row["moq"],
        pack_size=row["pack_size"],
        discount_type=row["discount_type"],
        price_breaks=tuple(breaks),
        fixed_cost=float(terms["fixed_cost"]),
        lead_time=lead_time_periods(days, period_days),
        lead_time_days=days,
        lead_time_table=table,
        on_time_rate=_number(terms.get("on_time_rate"), 1.0),
        reject_rate=_number(terms.get("reject_rate"), 0.0),
        sku=str(row["sku"]),
    )


def _lead_time(row: dict, terms: dict) -> tuple[float, str]:
    """The offer's lead time, days, and the table it comes from: the supplier item's own
    (`supplier_items.lead_time`, optional) if given, else the supplier's."""
    own = row.get("lead_time")
    if own is None or pd.isna(own):
        return float(terms["lead_time"]), "suppliers"
    return float(own), "supplier_items"


def _deliveries(suppliers: pd.DataFrame) -> dict[str, Delivery]:
    """supplier_id -> how it delivers (on_time_rate, reject_rate; missing: 1 and 0, as for
    its offers)."""
    return {
        str(r["supplier_id"]): Delivery(
            supplier_id=str(r["supplier_id"]),
            on_time_rate=_number(r.get("on_time_rate"), 1.0),
            reject_rate=_number(r.get("reject_rate"), 0.0),
        )
        for r in suppliers.to_dict("records")
    }


def _open_orders(
    open_orders: pd.DataFrame,
    as_of: date,
    period_days: float,
    deliveries: Mapping[str, Delivery] | None = None,
) -> dict[str, tuple[tuple[int, int, str, Delivery | None], ...]]:
    """(due period, quantity, po_id, supplier's Delivery) per sku: the period a new lot
    arriving on the due date counts from (`lead_time_periods`); overdue orders are due in
    period 0; the supplier as `deliveries` (supplier_id -> Delivery) has it, None for one not
    there (the order counts as on time and all usable)."""
    if open_orders.empty:
        return {}
    deliveries = deliveries or {}
    supplier = open_orders.get("supplier_id", pd.Series(None, index=open_orders.index))
    days = (pd.to_datetime(open_orders["due_date"]) - pd.Timestamp(as_of)).dt.days
    # a missing due date stays NaN: ItemProblem refuses it, naming the sku
    period = [
        d if np.isnan(d) else lead_time_periods(max(d, 0.0), period_days)
        for d in days.to_numpy(dtype=float)
    ]
    result: dict[str, list[tuple[int, int, str, Delivery | None]]] = {}
    for sku, due, qty, po_id, supplier_id in zip(
        open_orders["sku"], period, open_orders["quantity"], open_orders["po_id"], supplier,
        strict=True,
    ):  # fmt: skip
        delivery = deliveries.get(str(supplier_id))
        result.setdefault(str(sku), []).append((due, qty, str(po_id), delivery))
    return {sku: tuple(v) for sku, v in result.items()}


def _number(value: object, default: float) -> float:
    """float(value), or `default` for a missing value (None, NaN)."""
    if value is None or pd.isna(value):
        return default
    return float(value)


def _date(value: object) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()
