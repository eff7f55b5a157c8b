"""Input of the order decision: offers, items, limits (frozen, validated on creation).

Units: quantities in units, prices in currency per unit, `lead_time` and periods in
periods of the planning bucket, `holding_cost_rate` in 1/year, `unit_volume` in litres.

Pricing below the first break: a supplier's first break may start above 1 unit (or above the
moq). The first break's unit price then applies to every quantity below it too, so every
feasible lot has a price; the reported tier is still the first break.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

DiscountType = Literal["all_units", "incremental"]
DISCOUNT_TYPES: tuple[str, ...] = ("all_units", "incremental")


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
    on_time_rate: float = 1.0  # carried, not yet used: late deliveries come later
    reject_rate: float = 0.0
    sku: str = ""

    def __post_init__(self) -> None:
        where = f"(sku {self.sku or '?'}, supplier {self.supplier_id})"
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
    def smallest_lot(self) -> int:
        """Smallest feasible order quantity: the first pack multiple >= moq (units)."""
        return -(-self.moq // self.pack_size) * self.pack_size

    def feasible_at_least(self, qty: int) -> int:
        """Smallest feasible lot >= qty (units)."""
        return max(self.smallest_lot, -(-int(qty) // self.pack_size) * self.pack_size)


@dataclass(frozen=True, eq=False)
class ItemProblem:
    """One item: demand scenarios (S, H), stock, open orders, offers and cost parameters.

    `open_orders` are (due_period, quantity); overdue ones arrive in period 0, those due at or
    after the horizon are outside the decision and ignored. `obsolescence` is the probability
    that stock left at the horizon end is never used.
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
    base_arrivals: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        where = f"(sku {self.sku})"
        paths = np.asarray(self.scenarios)
        _check(paths.ndim == 2, f"scenarios must be (scenarios, horizon) {where}")
        _check(paths.shape[0] > 0 and paths.shape[1] > 0, f"scenarios must not be empty {where}")
        _check(np.all(paths >= 0), f"scenarios must not be negative {where}")
        _check(np.all(paths == np.round(paths)), f"scenarios must be integers {where}")
        object.__setattr__(self, "scenarios", paths.astype(np.int64))
        _check(self.on_hand >= 0, f"on_hand must not be negative {where}")
        _check(len(self.offers) > 0, f"at least one offer is needed {where}")
        ids = [o.supplier_id for o in self.offers]
        _check(len(set(ids)) == len(ids), f"supplier_id repeats among offers {where}")
        _check(self.holding_cost_rate >= 0, f"holding_cost_rate must not be negative {where}")
        _check(self.period_years > 0, f"period_years must be positive {where}")
        _check(self.salvage_value >= 0, f"salvage_value must not be negative {where}")
        _check(0 <= self.obsolescence <= 1, f"obsolescence must be within 0..1 {where}")
        _check(self.stockout_cost >= 0, f"stockout_cost must not be negative {where}")
        _check(self.unit_volume >= 0, f"unit_volume must not be negative {where}")
        arrivals = np.zeros(self.horizon, dtype=np.int64)
        for due, qty in self.open_orders:
            _check(qty > 0, f"open order quantity must be positive {where}")
            if due < self.horizon:
                arrivals[max(int(due), 0)] += int(qty)
        object.__setattr__(self, "base_arrivals", arrivals)

    @property
    def horizon(self) -> int:
        """Number of planned periods."""
        return int(self.scenarios.shape[1])

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


@dataclass(frozen=True)
class Limits:
    """Shared limits of one run: `budget` on purchase cost (currency), `capacity` on the
    volume ordered (litres), `max_orders` on the number of items ordered. None = no limit."""

    budget: float | None = None
    capacity: float | None = None
    max_orders: int | None = None

    def __post_init__(self) -> None:
        for name in ("budget", "capacity", "max_orders"):
            value = getattr(self, name)
            _check(value is None or value >= 0, f"{name} must not be negative")


@dataclass(frozen=True)
class Problem:
    """All items of one run plus the limits they share."""

    items: tuple[ItemProblem, ...]
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        skus = [i.sku for i in self.items]
        _check(len(set(skus)) == len(skus), "sku repeats among items")


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
