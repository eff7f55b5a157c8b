"""Input of the order decision: offers, items, limits (frozen, validated on creation).

Units: quantities in units, prices in currency per unit, `lead_time` and periods in
periods of the planning bucket, `holding_cost_rate` in 1/year, `unit_volume` in litres.

Pricing below the first break: a supplier's first break may start above 1 unit (or above the
moq). The first break's unit price then applies to every quantity below it too, so every
feasible lot has a price; the reported tier is still the first break.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np

DiscountType = Literal["all_units", "incremental"]
DISCOUNT_TYPES: tuple[str, ...] = ("all_units", "incremental")
LATE_PERIODS = 1  # periods a late delivery (a lot or an open order) comes after its due one


@dataclass(frozen=True)
class PriceBreak:
    """From `min_qty` units on, `unit_price` applies (currency per unit)."""

    min_qty: int
    unit_price: float


@dataclass(frozen=True)
class Offer:
    """One supplier's terms for one item; `sku` only serves error messages."""

    supplier_id: str
    moq: int
    pack_size: int
    discount_type: DiscountType
    price_breaks: tuple[PriceBreak, ...]
    fixed_cost: float
    lead_time: int  # periods
    on_time_rate: float = 1.0  # a late delivery arrives LATE_PERIODS (1) period late
    reject_rate: float = 0.0
    sku: str = ""
    lead_time_days: float | None = None  # as the input row gives it, for notes only
    # the input table the lead time comes from (suppliers, or supplier_items for an item's
    # own), for notes only: the one a planner checks
    lead_time_table: str = "suppliers"
    # what a later order of this offer pays of its supplier's order_cost (currency per lot, on
    # top of fixed_cost; `optimize.sharing`); the lot ordered now carries none of it: the MILP
    # shares the order_cost among the night's lots (Limits.order_cost)
    order_cost_share: float = 0.0

    def __post_init__(self) -> None:
        where = f"(sku {self.sku or '?'}, supplier {self.supplier_id})"
        _whole(self, ("moq", "pack_size", "lead_time"), where)
        _finite(self, ("fixed_cost", "on_time_rate", "reject_rate", "order_cost_share"), where)
        _check(self.order_cost_share >= 0, f"order_cost_share must not be negative {where}")
        _check(self.moq > 0, f"moq must be positive {where}")
        _check(self.pack_size > 0, f"pack_size must be positive {where}")
        _check(
            self.discount_type in DISCOUNT_TYPES,
            f"discount_type must be one of {DISCOUNT_TYPES} {where}",
        )
        _check(self.fixed_cost >= 0, f"fixed_cost must not be negative {where}")
        _check(self.lead_time >= 0, f"lead_time must not be negative {where}")
        _check(0 <= self.on_time_rate <= 1, f"on_time_rate must be within 0..1 {where}")
        _check(0 <= self.reject_rate < 1, f"reject_rate must be within 0..1 (< 1) {where}")
        _check(len(self.price_breaks) > 0, f"price_breaks must not be empty {where}")
        for b in self.price_breaks:
            _whole(b, ("min_qty",), where, "price break ")
            _finite(b, ("unit_price",), where, "price break ")
        breaks = tuple(sorted(self.price_breaks, key=lambda b: b.min_qty))
        for b in breaks:
            _check(b.min_qty > 0, f"price break min_qty must be positive {where}")
            _check(b.unit_price > 0, f"price break unit_price must be positive {where}")
        for lo, hi in itertools.pairwise(breaks):
            _check(lo.min_qty != hi.min_qty, f"price break min_qty {lo.min_qty} repeats {where}")
            _check(
                hi.unit_price <= lo.unit_price,
                f"price breaks must not rise with quantity (min_qty {hi.min_qty}) {where}",
            )
        object.__setattr__(self, "price_breaks", breaks)

    @property
    def min_lot(self) -> int:
        """Fewest units a lot may hold: the moq, or the first price break's min_qty when that is
        higher (the supplier quotes no price for fewer; pricing them at the first break
        claimed a tier the lot does not reach)."""
        return max(self.moq, self.price_breaks[0].min_qty)

    @property
    def smallest_lot(self) -> int:
        """Smallest feasible order quantity: the first pack multiple >= min_lot (units)."""
        return -(-self.min_lot // self.pack_size) * self.pack_size

    def lot_error(self, quantity: float) -> str | None:
        """Why a lot of `quantity` units is not one the supplier takes, or None: a lot is a
        positive whole number, at least the moq and the first price break's min_qty
        (`min_lot`), and a multiple of pack_size. `smallest_lot` and `feasible_at_least` build
        lots by this rule; warehouse.check_lot says the same of planners' decisions in the same
        words (it may not import optimize: tests/test_lot_rule.py keeps the two in step)."""
        if quantity <= 0 or quantity != int(quantity):
            return f"quantity {quantity:g} must be a positive whole number"
        if quantity < self.moq:
            return f"quantity {quantity:g} is below the moq {self.moq:g}"
        first = self.price_breaks[0].min_qty
        if quantity < first:
            return (
                f"quantity {quantity:g} is below the first price break ({first:g} units): "
                "the supplier quotes no price for fewer"
            )
        if quantity % self.pack_size:
            return f"quantity {quantity:g} is not a multiple of the pack_size {self.pack_size:g}"
        return None

    def usable(self, quantity: Any) -> Any:
        """Expected usable units of a lot of `quantity` (int or int array): quantity × (1 −
        reject_rate), a float (array)."""
        usable = np.asarray(quantity, dtype=float) * (1.0 - self.reject_rate)
        return float(usable) if usable.ndim == 0 else usable

    def usable_split(self, quantity: Any) -> tuple[np.ndarray, np.ndarray]:
        """(whole, share): a lot of `quantity` (int array) yields whole + 1 usable units with
        probability `share` and `whole` otherwise, so that it yields `usable` units on average.
        The evaluation mixes both exactly, as it mixes late deliveries. Why not one whole
        number: rounded down, a 1% reject rate took a whole unit off every lot below 100 (the
        plan bought 2 units where it wanted 1); rounded to the nearest unit, a 1-unit lot with
        50% rejects counted as 1 sure unit."""
        return usable_split(quantity, self.reject_rate)

    def feasible_at_least(self, quantity: Any) -> Any:
        """Smallest feasible lot >= quantity (units; int or int array, like `usable`)."""
        packs = -(-np.asarray(quantity, dtype=np.int64) // self.pack_size) * self.pack_size
        lots = np.maximum(packs, self.smallest_lot)
        return int(lots) if lots.ndim == 0 else lots


def usable_split(quantity: Any, reject_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """(whole, share) of `Offer.usable_split` for `quantity` units (int or int array) of a
    supplier with `reject_rate`."""
    usable = np.asarray(quantity, dtype=float) * (1.0 - reject_rate)
    whole = np.floor(usable + 1e-9)
    share = np.clip(usable - whole, 0.0, 1.0)
    return whole.astype(np.int64), np.where(share < 1e-9, 0.0, share)


@dataclass(frozen=True)
class Delivery:
    """How a supplier delivers (its suppliers row), for an open order from it: on time with
    probability `on_time_rate`, else LATE_PERIODS later; `reject_rate` of its units unusable
    on average. The same rule as a lot ordered now (`Offer`)."""

    supplier_id: str
    on_time_rate: float = 1.0
    reject_rate: float = 0.0

    def __post_init__(self) -> None:
        where = f"(supplier {self.supplier_id})"
        _finite(self, ("on_time_rate", "reject_rate"), where)
        _check(0 <= self.on_time_rate <= 1, f"on_time_rate must be within 0..1 {where}")
        _check(0 <= self.reject_rate < 1, f"reject_rate must be within 0..1 (< 1) {where}")


@dataclass(frozen=True)
class RecentSpike:
    """One recent period of an item's history with demand far above its usual size
    (`models.recent_spikes`): the forecast rests on it, and a planner checks it is not a
    one-off before approving the lot. period_start: the period's first day; quantity: its
    units; usual: the median of the item's other periods with demand (units); other_demands:
    how many other periods had demand; order_date, day_units: the day of the period whose
    order lines hold the most of it, and their units (None: not known); mark_command: the
    command that marks that day's lines as a one-off, which forecasts then leave out ('':
    none)."""

    period_start: date
    quantity: float
    usual: float
    other_demands: int
    order_date: date | None = None
    day_units: float | None = None
    mark_command: str = ""


@dataclass(frozen=True)
class Requirement:
    """Demand a planner knows ahead with a date (requirements.csv), which the order lines and
    so the forecast cannot know: `quantity` units needed on `due_date`, planned as certain
    demand in plan period `period` of every scenario (0: due now or overdue; at or past the
    horizon: outside the plan, not counted); `note`: the planner's words ('' for none)."""

    requirement_id: str
    due_date: date
    quantity: int
    period: int
    note: str = ""


@dataclass(frozen=True, eq=False)
class ItemProblem:
    """One item: demand scenarios (S, H), stock, open orders, offers and cost parameters.

    `open_orders` are (due_period, quantity); overdue ones arrive in period 0, those due at or
    after the horizon are outside the decision and ignored. `open_order_suppliers`: how the
    supplier of each open order delivers, in order (None: not known; empty: none known); an
    order of a known supplier is late and loses rejects as a lot of it would, per demand
    scenario (`scenario_arrivals`); one of an unknown supplier arrives on its due period, all
    usable. `base_arrivals` (H,): the open orders per period as due, all usable. `obsolescence`
    is the probability that stock left at the horizon end is never used. `review_period`:
    periods until the next chance to order (None: none before the horizon end); see evaluate.py
    for the rule. `min_service_level`: optional hard target, the fill rate (share of demand
    served from stock) that the lot decides, from its earliest arrival until a later order can
    arrive; see plan.py for what happens when it cannot be met. `open_order_ids`: the po_id of
    each open order, in order (for the explanation, so a planner can check what the plan
    counted; empty: not known). `end_of_life`: the item's last day with demand (None: none);
    `end_of_life_periods`: the plan periods that start on or before it (0: it has passed; None:
    no end of life). A lot arriving after them serves no demand, so the menus hold no lot of an
    offer that cannot arrive by then (a supplier-wide tier bought 300 units of an item past its
    end of life); a planner's override can still order one (a last buy). `no_forecast`: why the
    item's scenarios are zeros for want of a forecast rather than a forecast of no demand (None:
    they are its forecast); its no-order reason says so. `recent_spike`: a recent period of
    demand far above the item's usual size that its forecast rests on (None: none); the reason
    of a lot to order ends by naming it.
    """

    sku: str
    scenarios: np.ndarray
    on_hand: int
    open_orders: tuple[tuple[int, int], ...]
    offers: tuple[Offer, ...]
    holding_cost_rate: float
    period_years: float
    salvage_value: float
    obsolescence: float
    stockout_cost: float
    unit_volume: float
    review_period: int | None = None
    min_service_level: float | None = None
    open_order_ids: tuple[str, ...] = ()
    end_of_life: date | None = None
    end_of_life_periods: int | None = None
    no_forecast: str | None = None
    recent_spike: RecentSpike | None = None
    open_order_suppliers: tuple[Delivery | None, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    base_arrivals: np.ndarray = field(init=False, repr=False)

    def arrives_too_late(self, offer: Offer) -> bool:
        """True if a lot of `offer` ordered now arrives (on time) after the item's end of life,
        where it serves no demand."""
        ends = self.end_of_life_periods
        return ends is not None and offer.lead_time >= ends

    @property
    def holding_rate_per_period(self) -> float:
        """Holding cost per unit of stock value and period (1/period): holding_cost_rate
        (1/year) × period_years."""
        return self.holding_cost_rate * self.period_years

    def __post_init__(self) -> None:
        where = f"(sku {self.sku})"
        paths = np.asarray(self.scenarios)
        _check(paths.ndim == 2, f"scenarios must be (scenarios, horizon) {where}")
        _check(paths.shape[0] > 0 and paths.shape[1] > 0, f"scenarios must not be empty {where}")
        _check(np.all(paths >= 0), f"scenarios must not be negative {where}")
        _check(np.all(paths == np.round(paths)), f"scenarios must be integers {where}")
        # no copy of int64 paths (build_problem's are: 199 MB at 10,000 items)
        object.__setattr__(self, "scenarios", paths.astype(np.int64, copy=False))
        _whole(self, ("on_hand",), where)
        _finite(self, ("holding_cost_rate", "period_years", "salvage_value", "obsolescence",
                       "stockout_cost", "unit_volume"), where)  # fmt: skip
        if self.review_period is not None:
            _whole(self, ("review_period",), where)
        _check(self.on_hand >= 0, f"on_hand must not be negative {where}")
        _check(len(self.offers) > 0, f"at least one offer is needed {where}")
        ids = [o.supplier_id for o in self.offers]
        _check(len(set(ids)) == len(ids), f"supplier_id repeats among offers {where}")
        _check(self.holding_cost_rate >= 0, f"holding_cost_rate must not be negative {where}")
        _check(self.period_years > 0, f"period_years must be positive {where}")
        _check(self.salvage_value >= 0, f"salvage_value must not be negative {where}")
        error = salvage_error(self)
        _check(error is None, f"{error} {where}")
        _check(0 <= self.obsolescence <= 1, f"obsolescence must be within 0..1 {where}")
        _check(self.stockout_cost >= 0, f"stockout_cost must not be negative {where}")
        _check(self.unit_volume >= 0, f"unit_volume must not be negative {where}")
        _check(
            self.review_period is None or self.review_period >= 1,
            f"review_period must be at least 1 period {where}",
        )
        _check(
            self.min_service_level is None or 0 <= self.min_service_level < 1,
            f"min_service_level must be within 0..1 (< 1) {where}",
        )
        if self.end_of_life_periods is not None:
            _whole(self, ("end_of_life_periods",), where)
            _check(self.end_of_life_periods >= 0, f"end_of_life_periods must be >= 0 {where}")
        _check(
            not self.open_order_ids or len(self.open_order_ids) == len(self.open_orders),
            f"open_order_ids must name every open order or none {where}",
        )
        suppliers = self.open_order_suppliers
        _check(
            not suppliers or len(suppliers) == len(self.open_orders),
            f"open_order_suppliers must give every open order's supplier or none {where}",
        )
        arrivals = np.zeros(self.horizon, dtype=np.int64)
        for due, quantity in self.open_orders:
            whole = _is_whole(due) and _is_whole(quantity)
            _check(
                whole, f"open order (due {due}, quantity {quantity}) must be whole numbers {where}"
            )
            _check(quantity > 0, f"open order quantity must be positive {where}")
            if due < self.horizon:
                arrivals[max(int(due), 0)] += int(quantity)
        orders = tuple((int(due), int(quantity)) for due, quantity in self.open_orders)
        object.__setattr__(self, "open_orders", orders)
        object.__setattr__(self, "base_arrivals", arrivals)

    @property
    def horizon(self) -> int:
        """Number of planned periods."""
        return int(self.scenarios.shape[1])

    def uncertain_order_indices(self) -> list[int]:
        """Positions in `open_orders` of the orders inside the horizon whose arrival or usable
        units are not certain: of a known supplier that is late or rejects units (an overdue
        order, due in period 0, only by its rejects: see `scenario_arrivals`)."""
        suppliers = self.open_order_suppliers or (None,) * len(self.open_orders)
        return [
            k for k, ((due, _), s) in enumerate(zip(self.open_orders, suppliers, strict=True))
            if s is not None and due < self.horizon and (s.reject_rate > 0 or (
                due > 0 and s.on_time_rate < 1))
        ]  # fmt: skip

    def uncertain_orders(self) -> list[tuple[int, int, Delivery]]:
        """(due period, quantity, supplier) of the `uncertain_order_indices` orders."""
        orders, suppliers = self.open_orders, self.open_order_suppliers
        return [
            (max(orders[k][0], 0), orders[k][1], suppliers[k])
            for k in self.uncertain_order_indices()
        ]

    def scenario_arrivals(self) -> np.ndarray:
        """Units of open orders arriving per period: `base_arrivals` (H,), shared by every
        scenario, when no open order is uncertain (`uncertain_orders`); else (S, H), one row
        per demand scenario, drawn anew on each call (not kept: 2,000 scenarios × 52 periods
        are 0.8 MB an item). An uncertain order is late (LATE_PERIODS later; at or after the
        horizon end: not in it) in a share 1 − on_time_rate of the scenarios and yields the
        usable units of a lot of its quantity (`usable_split`: whole units, one more in a
        share of the scenarios); an overdue one is not made later still: it arrives now.
        Each share is spread exactly: floor(S × share) scenarios, one more with the
        probability of the remainder, chosen at random, independently per order, from a
        Generator seeded by the sku (crc32), so the same item gets the same arrivals in every
        run and whichever items are planned with it."""
        uncertain = self.uncertain_orders()
        if not uncertain:
            return self.base_arrivals
        n, horizon = self.scenarios.shape
        out = np.tile(self.base_arrivals, (n, 1))
        rng = np.random.default_rng([zlib.crc32(self.sku.encode()), 1])
        rows = np.arange(n)
        for due, quantity, supplier in uncertain:
            out[:, due] -= quantity
            whole, share = usable_split(quantity, supplier.reject_rate)
            units = whole + _spread(rng, n, float(share))
            arrival = np.full(n, due)
            if due > 0:
                arrival += LATE_PERIODS * _spread(rng, n, 1.0 - supplier.on_time_rate)
            inside = arrival < horizon
            np.add.at(out, (rows[inside], arrival[inside]), units[inside])
        return out

    @property
    def reference_price(self) -> float:
        """Cheapest first-tier unit price over the offers: the value of stock not from a lot."""
        return min(o.price_breaks[0].unit_price for o in self.offers)

    def offer(self, supplier_id: str) -> Offer:
        """The offer of `supplier_id`; KeyError names the sku if there is none."""
        for o in self.offers:
            if o.supplier_id == supplier_id:
                return o
        raise KeyError(f"no offer from supplier {supplier_id} for sku {self.sku}")


TierBasis = Literal["spend", "units"]
Objective = Literal["expected_cost", "cost_per_period"]
OBJECTIVES: tuple[str, ...] = ("expected_cost", "cost_per_period")


@dataclass(frozen=True)
class SupplierTier:
    """Supplier-wide tier (a row of `supplier_tiers`): when the total bought from
    `supplier_id` in this run reaches `min_total` (currency of purchase cost for basis
    "spend", units for "units"), `discount_rate` (a fraction) is taken off the whole purchase
    cost bought from that supplier. Of several tiers of one supplier the highest one reached
    applies."""

    supplier_id: str
    min_total: float
    discount_rate: float
    basis: TierBasis = "spend"

    def __post_init__(self) -> None:
        where = f"(supplier {self.supplier_id})"
        _finite(self, ("min_total", "discount_rate"), where, "supplier tier ")
        _check(self.min_total > 0, f"supplier tier min_total must be positive {where}")
        _check(
            0 < self.discount_rate < 1, f"supplier tier discount_rate must be within 0..1 {where}"
        )
        _check(self.basis in ("spend", "units"), f"basis must be spend or units {where}")


@dataclass(frozen=True)
class Limits:
    """Shared limits of one run: `budget` on purchase cost before supplier-wide discounts
    (currency), `capacity` on the volume ordered (litres), `max_orders` on the number of items
    ordered (None = no limit), supplier-wide tiers, and `order_cost`: supplier_id -> currency
    per purchase order the plan places with that supplier on this night, shared by every lot
    on it (absent or 0: none; an offer's fixed_cost is per lot), and `min_order_value`:
    supplier_id -> the least purchase value of one purchase order to that supplier (currency,
    Σ of its lots' purchase cost before supplier-wide discounts; absent or 0: none): the plan
    orders at least that much from it, or nothing."""

    budget: float | None = None
    capacity: float | None = None
    max_orders: int | None = None
    supplier_tiers: tuple[SupplierTier, ...] = ()
    order_cost: Mapping[str, float] = field(default_factory=dict)
    min_order_value: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("order_cost", "min_order_value"):
            for supplier, value in getattr(self, name).items():
                where = f"(supplier {supplier})"
                _check(_is_finite(value), f"{name} must be a finite number, got {value!r} {where}")
                _check(0 <= value <= MAX_COST, f"{name} must be within 0..{MAX_COST:g} {where}")
            object.__setattr__(self, name, {s: float(v) for s, v in getattr(self, name).items()})
        for name in ("budget", "capacity", "max_orders"):
            value = getattr(self, name)
            if value is not None:
                _finite(self, (name,), "(None = no limit)")
            _check(value is None or value >= 0, f"{name} must not be negative")
        if self.max_orders is not None:
            _whole(self, ("max_orders",), "(None = no limit)")
        for supplier, tiers in self.tiers_by_supplier().items():
            _check(
                len({t.basis for t in tiers}) == 1,
                f"supplier tiers of {supplier} must share one basis",
            )
            _check(
                len({t.min_total for t in tiers}) == len(tiers),
                f"supplier tier min_total values of {supplier} repeat",
            )
            for lo, hi in itertools.pairwise(tiers):
                _check(
                    hi.discount_rate > lo.discount_rate,
                    f"supplier tier discount_rate of {supplier} must rise with min_total",
                )

    def tiers_by_supplier(self) -> dict[str, list[SupplierTier]]:
        """Tiers per supplier, sorted by min_total."""
        result: dict[str, list[SupplierTier]] = {}
        for tier in sorted(self.supplier_tiers, key=lambda t: t.min_total):
            result.setdefault(tier.supplier_id, []).append(tier)
        return result

    @property
    def shared(self) -> bool:
        """True if any limit or supplier tier couples the items."""
        return (
            self.budget is not None
            or self.capacity is not None
            or self.max_orders is not None
            or bool(self.supplier_tiers)
            or bool(self.orders())
            or bool(self.minimums())
        )

    def orders(self) -> dict[str, float]:
        """The suppliers whose purchase order costs something: supplier_id -> order_cost."""
        return {s: v for s, v in self.order_cost.items() if v > 0}

    def minimums(self) -> dict[str, float]:
        """The suppliers with a minimum order value: supplier_id -> min_order_value."""
        return {s: v for s, v in self.min_order_value.items() if v > 0}

    def po_suppliers(self) -> list[str]:
        """The suppliers whose purchase order is a column of the MILP (optimize.model): those
        with an order_cost or a min_order_value, sorted."""
        return sorted(set(self.orders()) | set(self.minimums()))


@dataclass(frozen=True, eq=False)
class OrderCostShares:
    """What a later order pays of each supplier's order_cost (`shares`, supplier_id ->
    currency: `sharing.order_cost_shares`) as computed from the items tuple `items` and the
    order costs `orders` (Limits.orders()): true of a Problem with these very items and order
    costs (`sharing.problem_shares`)."""

    items: tuple[ItemProblem, ...]
    orders: Mapping[str, float]
    shares: Mapping[str, float]


@dataclass(frozen=True)
class Problem:
    """All items of one run plus the limits they share.

    `objective` says what the plan minimizes:
    - "expected_cost" (default, the nightly run): the expected total cost of each item's lot
      over the horizon's scenarios (evaluate.py). Right for sparse, ending or uncertain demand:
      it prices leftover risk and stockouts.
    - "cost_per_period": each lot's cost per period of the demand it covers, the classic
      EOQ-with-quantity-discounts criterion (eoq.py): (purchase + fixed cost) × mean demand
      per period / usable units + holding of the sawtooth (usable units / 2 at the lot's average
      unit price); no order costs stockout_cost × mean demand per period. For steady series
      items bought again and again, where a lot is one of many cycles and the horizon end is
      not an end of demand: with deterministic steady demand the chosen lot is the textbook
      EOQ answer among feasible lots (tests/optimize/test_eoq.py). It ignores variability
      (no safety stock), stock on hand and the suppliers' order_cost (a cost per purchase
      order has no share per period of cover); the explanations still show the scenario
      costs.
    """

    items: tuple[ItemProblem, ...]
    limits: Limits = field(default_factory=Limits)
    objective: Objective = "expected_cost"
    # the shares its offers' order_cost_share came from (`sharing.with_order_cost_shares`;
    # None: not known), so that a plan need not compute them again (about 1 s at 5,000 items)
    order_cost_shares: OrderCostShares | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        skus = [i.sku for i in self.items]
        _check(len(set(skus)) == len(skus), "sku repeats among items")
        _check(self.objective in OBJECTIVES, f"objective must be one of {OBJECTIVES}")
        for item in self.items:
            error = salvage_error(item, self.limits.supplier_tiers)
            _check(error is None, f"{error} (sku {item.sku})")


def _spread(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """(n,) 0/1, 1 in floor(n × share) entries and in one more with probability the rest, at
    random: a share of the scenarios exact to one scenario, and exact on average."""
    count = int(np.floor(n * share + 1e-9))
    if n * share - count > 1e-9 and rng.random() < n * share - count:
        count += 1
    return (rng.permutation(n) < count).astype(np.int64)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _is_whole(value: Any) -> bool:
    """A finite whole number (int, numpy integer or a float like 10.0)."""
    try:
        return bool(np.isfinite(value)) and float(value) == round(float(value))
    except (TypeError, ValueError):
        return False


def _whole(obj: Any, names: tuple[str, ...], where: str, prefix: str = "") -> None:
    """Each attribute must be a whole number (units, periods); stored as int."""
    for name in names:
        value = getattr(obj, name)
        _check(_is_whole(value), f"{prefix}{name} must be a whole number, got {value!r} {where}")
        object.__setattr__(obj, name, int(value))


def _finite(obj: Any, names: tuple[str, ...], where: str, prefix: str = "") -> None:
    """Each attribute must be a finite number (NaN and infinity have no price or volume)."""
    for name in names:
        value = getattr(obj, name)
        _check(_is_finite(value), f"{prefix}{name} must be a finite number, got {value!r} {where}")


def _is_finite(value: Any) -> bool:
    try:
        return bool(np.isfinite(float(value)))
    except (TypeError, ValueError):
        return False


def largest_tiers(tiers: tuple[SupplierTier, ...]) -> dict[str, SupplierTier]:
    """Per supplier_id, its tier with the largest discount."""
    best: dict[str, SupplierTier] = {}
    for tier in tiers:
        top = best.get(tier.supplier_id)
        if top is None or tier.discount_rate > top.discount_rate:
            best[tier.supplier_id] = tier
    return best


# currency: the MILP solvers lose exactness on costs far above this (probe of a 20-item plan
# under a budget: CBC 2.10 called it infeasible once one item's expected costs neared 1e15,
# losing every lot; HiGHS ended "Unknown" near 1e31); a 500,000 part stays far below it
MAX_COST = 1e13


def cost_error(item: ItemProblem) -> str | None:
    """Why the item's costs are beyond what the MILP keeps exact (MAX_COST), naming the
    parameter that makes them so, or None. A lot's costs are about a unit's holding over the
    horizon, price or stockout cost times its units (the most demanded over the horizon in
    any scenario, or the smallest lot allowed), plus an order's fixed_cost."""
    smallest = max(o.min_lot for o in item.offers)
    units = float(max(1, item.scenarios.sum(axis=1).max(), smallest))
    price = max(o.price_breaks[0].unit_price for o in item.offers)
    fixed = max(o.fixed_cost for o in item.offers)
    held = item.holding_rate_per_period * item.horizon * price
    for name, value, cost in (  # the price first: holding and stockout costs grow with it
        ("unit_price", price, price * units),
        ("holding_cost_rate", item.holding_cost_rate, held * units),
        ("fixed_cost", fixed, fixed),
        ("stockout_cost", item.stockout_cost, item.stockout_cost * units),
    ):
        if cost > MAX_COST:
            return (
                f"{name} {value:g} makes costs of up to {cost:.3g} (over {units:,.0f} units), "
                f"beyond the {MAX_COST:g} the MILP solvers keep exact: check {name}"
            )
    return None


def salvage_error(item: ItemProblem, tiers: tuple[SupplierTier, ...] = ()) -> str | None:
    """Why the item's salvage_value cannot be planned with, or None. A leftover unit worth
    more than the cheapest unit price, after the largest supplier-wide discount of `tiers`
    (which lowers the price paid but not what a leftover is worth), would make every extra
    unit bought a gain: the plan would buy without end (a probe: salvage_value 1.5 against
    price breaks down to 1.02 bought 109,192 units). Equal is allowed: holding costs still
    bound it."""
    best = largest_tiers(tiers)
    rate = {s: t.discount_rate for s, t in best.items()}
    offer, cheapest = min(
        ((o, b) for o in item.offers for b in o.price_breaks),
        key=lambda ob: ob[1].unit_price * (1 - rate.get(ob[0].supplier_id, 0.0)),
    )
    paid = cheapest.unit_price * (1 - rate.get(offer.supplier_id, 0.0))
    if item.salvage_value <= paid * (1 + 1e-9) + 1e-12:  # 1.30 less 30% is 0.9099999...
        return None
    tier = best.get(offer.supplier_id)
    less = ""
    if tier is not None:
        unit = "units" if tier.basis == "units" else "spent"
        reached = f"{tier.min_total:g} {unit}"
        less = f", less its supplier-wide discount of {tier.discount_rate * 100:g}% from {reached}"
    return (
        f"salvage_value {item.salvage_value:g} is above the lowest unit price {paid:g} "
        f"({offer.supplier_id}, min_qty {cheapest.min_qty:g}{less}): a leftover unit would be "
        "worth more than it costs"
    )
