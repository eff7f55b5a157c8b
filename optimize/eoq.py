"""The economic order quantity (EOQ) with quantity discounts: the textbook answers, and the
cost per period of cover that the plan's `cost_per_period` objective uses.

Classic model (Harris; with discounts: Hadley & Whitin 1963, Nahmias "Production and
Operations Analysis" §4.7, Snyder & Shen "Fundamentals of Supply Chain Theory" §3.6): demand
is deterministic at `demand_rate` units per period, no stockouts, lead time known (it does not
change the cost), each order costs `fixed_cost`, holding one unit for a period costs
`holding_cost_rate` × its unit price (the book's i, in the time unit of `demand_rate`; the
offer-level functions take it per planning period as `holding_rate_per_period`). The
cost per period of ordering Q units every Q / demand_rate periods is

    g(Q) = C(Q) × λ / Q + K × λ / Q + i × (C(Q) / Q) × Q / 2

with C(Q) the purchase cost of Q units (pricing.purchase_cost), λ the demand rate, K the fixed
cost. Units held are valued at the lot's average unit price C(Q) / Q (all-units: the tier
price c_j; incremental: Hadley-Whitin's i × C(Q) / 2 term).

Price breaks are (min_qty, unit_price) pairs as in `optimize.data`: from unit `min_qty` on the
price applies (the first break's price also below it). The book's breakpoints b_0 = 0 < b_1 <
... are then b_j = min_qty_j for all-units (Q >= b_j earns c_j) and b_j = min_qty_j − 1 for
incremental (the units bought before band j starts), so that "30 cents for the first 500
units, 29 cents for the next 500" is [(1, 0.30), (501, 0.29), (1001, 0.28)].

Algorithms (both exact for the continuous model):
- all-units: for each region j, the EOQ at price c_j, Q_j = sqrt(2 K λ / (i c_j)); candidates
  are every realizable Q_j (b_j <= Q_j < b_{j+1}) and every breakpoint b_j (j >= 1); the
  cheapest candidate wins (g_j is convex in Q, so inside region j its minimum is Q_j clipped
  to the region, and an unrealizable Q_j above the region is dominated by region j+1).
- incremental: in region j, C(Q) = c̄_j + c_j Q with c̄_j = Σ_{k<j} c_k (b_{k+1} − b_k) −
  c_j b_j; Q_j = sqrt(2 (K + c̄_j) λ / (i c_j)); only realizable Q_j are candidates (the cost
  curve has no breakpoint minima).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from optimize.data import Offer, PriceBreak
from optimize.pricing import purchase_cost

DiscountType = Literal["all_units", "incremental"]
MAX_COVER_PERIODS = 1000


@dataclass(frozen=True)
class EOQSolution:
    """Optimal lot (units, continuous), the region's unit price (currency per unit; the
    marginal price for incremental), the tier index and the cost per period (currency)."""

    order_quantity: float
    unit_price: float
    tier: int
    cost_per_period: float


def economic_order_quantity(
    fixed_cost: float,
    holding_cost_rate: float,
    demand_rate: float,
    price_breaks: list[tuple[float, float]] | tuple[PriceBreak, ...],
    discount_type: DiscountType = "all_units",
) -> EOQSolution:
    """EOQ with all-units or incremental quantity discounts (see the module docstring).

    `price_breaks`: (min_qty, unit_price) pairs or PriceBreak, sorted or not; the first break
    may start at 0 or 1 (both mean "from the first unit"). `holding_cost_rate` and
    `demand_rate` share one time unit (e.g. per year, or per planning period).
    """
    _check_positive(holding_cost_rate, "holding_cost_rate")
    _check_positive(demand_rate, "demand_rate")
    if fixed_cost < 0:
        raise ValueError("fixed_cost must not be negative")
    mins, prices = _regions(price_breaks, discount_type)
    if discount_type == "all_units":
        candidates = _all_units(fixed_cost, holding_cost_rate, demand_rate, mins, prices)
    else:
        candidates = _incremental(fixed_cost, holding_cost_rate, demand_rate, mins, prices)
    q, j, g = min(candidates, key=lambda c: (c[2], c[0]))
    return EOQSolution(float(q), float(prices[j]), int(j), float(g))


def eoq_cost(
    order_quantity: float,
    fixed_cost: float,
    holding_cost_rate: float,
    demand_rate: float,
    price_breaks: list[tuple[float, float]] | tuple[PriceBreak, ...],
    discount_type: DiscountType = "all_units",
) -> float:
    """Cost per period g(Q) of ordering `order_quantity` every Q / demand_rate periods (the
    same price_breaks convention as economic_order_quantity)."""
    _check_positive(order_quantity, "order_quantity")
    mins, prices = _regions(price_breaks, discount_type)
    purchase = _purchase(order_quantity, mins, prices, discount_type)
    cycles = demand_rate / order_quantity
    return (purchase + fixed_cost) * cycles + holding_cost_rate * purchase / 2


def best_integer_lot(
    offer: Offer, demand_rate: float, holding_rate_per_period: float
) -> tuple[int, float]:
    """Cheapest feasible lot of `offer` (a pack multiple >= min_lot) by cost per period of cover,
    and its cost per period: the textbook answer restricted to the lots an order can have.
    `holding_rate_per_period` in 1/period (`ItemProblem.holding_rate_per_period`). Exact: the
    candidates are eoq_candidates(offer, ...)."""
    lots = eoq_candidates(offer, demand_rate, holding_rate_per_period)
    costs = cost_per_period(offer, lots, demand_rate, holding_rate_per_period)
    k = int(np.argmin(costs))
    return int(lots[k]), float(costs[k])


def replenishment_cost(
    offer: Offer, demand_rate: float, holding_rate_per_period: float, max_cover: float
) -> tuple[int, float]:
    """(lot, cost per unit of demand) of supplying demand at `demand_rate` (units per period)
    by repeated orders of `offer`: the feasible lot with the lowest cost per period of cover
    (`cost_per_period`) among those whose expected usable units cover at most `max_cover`
    periods and the smallest lot, and that cost per period / demand_rate (currency per unit:
    its price, fixed cost and the holding of its sawtooth). `holding_rate_per_period` in
    1/period (`ItemProblem.holding_rate_per_period`).
    Exact: g is convex inside each price region (usable units are q × (1 − reject_rate)), so
    the best lot under the cap is one of `eoq_candidates` below it or the largest feasible lot
    below it."""
    if demand_rate <= 0:
        raise ValueError("demand_rate must be positive")
    most = math.floor(max_cover * demand_rate / (1.0 - offer.reject_rate) + 1e-9)
    first, pack = offer.smallest_lot, offer.pack_size
    top = (most // pack) * pack
    lots = eoq_candidates(offer, demand_rate, holding_rate_per_period)
    lots = np.union1d(lots[lots <= top], [first, top] if top >= first else [first])
    costs = cost_per_period(offer, lots.astype(np.int64), demand_rate, holding_rate_per_period)
    k = int(np.argmin(costs))
    return int(lots[k]), float(costs[k]) / demand_rate


def eoq_candidates(offer: Offer, demand_rate: float, holding_rate_per_period: float) -> np.ndarray:
    """Feasible lots of `offer` among which the one with the lowest cost per period of cover
    is (exactly; with rejects the lots are grossed up by 1 / (1 − reject_rate)): in each
    tier region the two feasible lots around the region's continuous minimizer clipped to the
    region, and the first feasible lot of each region. A lot covers at most MAX_COVER_PERIODS
    periods of demand (without holding cost the EOQ is unbounded)."""
    if demand_rate <= 0:
        return np.array([offer.smallest_lot], dtype=np.int64)
    mins, prices = _regions(offer.price_breaks, offer.discount_type)
    bounds = np.append(mins, np.inf)
    usable = 1.0 - offer.reject_rate
    lots: set[int] = {offer.smallest_lot}
    rate = max(holding_rate_per_period, 1e-12)
    for j in range(len(prices)):
        lo, hi = max(bounds[j], 1.0), bounds[j + 1]
        offset = _incremental_offset(j, mins, prices) if offer.discount_type == "incremental" else 0
        q = math.sqrt(2 * max(offer.fixed_cost + offset, 0.0) * demand_rate / (rate * prices[j]))
        q /= usable  # lots are grossed up for rejects
        top = hi - 1 if math.isfinite(hi) else max(lo, MAX_COVER_PERIODS * demand_rate)
        q = min(max(q, lo), top)
        first = offer.feasible_at_least(math.ceil(lo))
        lots.add(first)
        below = (math.floor(q) // offer.pack_size) * offer.pack_size
        for lot in (below, below + offer.pack_size):
            lots.add(offer.feasible_at_least(max(lot, 1)))
    return np.array(sorted(lots), dtype=np.int64)


def discounted(offer: Offer, discount: float) -> Offer:
    """`offer` with every unit price less `discount` (a fraction; fixed cost unchanged)."""
    breaks = tuple(PriceBreak(b.min_qty, b.unit_price * (1 - discount)) for b in offer.price_breaks)
    return dataclasses.replace(offer, price_breaks=breaks)


def cost_per_period(
    offer: Offer,
    qty: np.ndarray,
    demand_rate: float,
    holding_rate_per_period: float,
    fixed_cost: bool = True,
) -> np.ndarray:
    """g(Q) of lots `qty` of `offer` (currency per period): purchase and fixed cost per period
    of cover plus holding of the sawtooth (usable units / 2 on average, valued at the lot's
    average unit price). Cover = usable units / demand_rate periods, usable = Q × (1 −
    reject_rate) on average (Offer.usable). `holding_rate_per_period` in 1/period
    (`ItemProblem.holding_rate_per_period`). Lots of 0 usable units cost +inf. Without
    `fixed_cost`: only the part a supplier-wide discount scales."""
    q = np.asarray(qty, dtype=np.int64)
    purchase = purchase_cost(offer, q).astype(float)
    usable = offer.usable(q).astype(float)
    price = purchase / np.maximum(q, 1)
    fixed = offer.fixed_cost if fixed_cost else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        per_cycle = np.where(usable > 0, demand_rate / usable, np.inf)
        cost = (purchase + fixed) * per_cycle + holding_rate_per_period * price * usable / 2
    return np.where(usable > 0, cost, np.inf)


def _all_units(k: float, i: float, lam: float, mins: np.ndarray, prices: np.ndarray) -> list:
    candidates = []
    top = len(prices) - 1
    for j, c in enumerate(prices):
        q = math.sqrt(2 * k * lam / (i * c))
        if q >= mins[j] and (j == top or q < mins[j + 1]) and q > 0:
            candidates.append((q, j, c * lam + k * lam / q + i * c * q / 2))
        if j >= 1:
            b = float(mins[j])
            candidates.append((b, j, c * lam + k * lam / b + i * c * b / 2))
    return candidates


def _incremental(k: float, i: float, lam: float, mins: np.ndarray, prices: np.ndarray) -> list:
    candidates = []
    top = len(prices) - 1
    for j, c in enumerate(prices):
        offset = _incremental_offset(j, mins, prices)
        q = math.sqrt(2 * (k + offset) * lam / (i * c))
        if q >= mins[j] and (j == top or q < mins[j + 1]) and q > 0:
            g = c * lam + i * offset / 2 + (k + offset) * lam / q + i * c * q / 2
            candidates.append((q, j, g))
    return candidates


def _incremental_offset(j: int, mins: np.ndarray, prices: np.ndarray) -> float:
    """c̄_j: purchase cost of Q in region j is c̄_j + c_j Q (continuous bands [b_j, b_{j+1}))."""
    paid = sum(prices[k] * (mins[k + 1] - mins[k]) for k in range(j))
    return float(paid - prices[j] * mins[j])


def _purchase(q: float, mins: np.ndarray, prices: np.ndarray, discount_type: str) -> float:
    j = int(np.searchsorted(mins, q, side="right") - 1)
    if discount_type == "all_units":
        return float(prices[j] * q)
    return _incremental_offset(j, mins, prices) + float(prices[j] * q)


def _regions(price_breaks, discount_type: str) -> tuple[np.ndarray, np.ndarray]:
    """The book's breakpoints b_j (b_0 = 0) and prices c_j from (min_qty, unit_price) pairs."""
    if discount_type not in ("all_units", "incremental"):
        raise ValueError("discount_type must be all_units or incremental")
    pairs = sorted(
        (float(b.min_qty), float(b.unit_price)) if isinstance(b, PriceBreak) else tuple(b)
        for b in price_breaks
    )
    if not pairs:
        raise ValueError("price_breaks must not be empty")
    mins = np.array([p[0] for p in pairs], dtype=float)
    prices = np.array([p[1] for p in pairs], dtype=float)
    if discount_type == "incremental":
        mins -= 1.0
    mins[0] = 0.0  # the first break's price applies from the first unit on
    if np.any(prices <= 0):
        raise ValueError("unit_price must be positive")
    if np.any(np.diff(mins) <= 0):
        raise ValueError("price break min_qty must not repeat")
    return mins, prices


def _check_positive(value: float, name: str) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be positive")
