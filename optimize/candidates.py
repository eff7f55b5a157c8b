"""Candidate lots per item: 0 (no order) plus feasible lots of every offer.

Feasible lot of an offer: a multiple of `pack_size` that is >= `Offer.min_lot` (the moq, or the
first price break when higher). Lots run from the smallest feasible lot up to a cap that covers a
high quantile of the largest shortfall of stock and open orders against demand over the horizon
(open orders count from the period they arrive in each scenario) plus some extra periods of mean
demand (grossed up for rejects), and at least the largest break point; for incremental discounts at
least INCREMENTAL_REACH times it (there the average price keeps falling past the last break, and so
can the expected cost when leftover stock is worth that average price: the menu must see the fall to
extend itself, evaluate._at_cap).
If an offer has at most `max_candidates` feasible lots below the cap, all of them are kept
(the menu is exhaustive up to the cap). Otherwise the menu keeps the smallest feasible lot,
every break point rounded up to a feasible lot, and an even grid of feasible lots in between,
`max_candidates` in all (break points win over the grid if they are more).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from optimize.data import ItemProblem, Offer, SupplierTier
from optimize.pricing import purchase_cost

COVER_QUANTILE = 0.99
EXTRA_PERIODS = 2
INCREMENTAL_REACH = 2
TIER_PARTS = (0.25, 0.5, 0.75)  # shares of a tier-reaching lot also put on the menu
MAX_TIER_LOT = 10**9  # units: a tier needing more from one item is not put on its menu


def cover_need(item: ItemProblem) -> float:
    """Units to cover: the COVER_QUANTILE over scenarios of the largest shortfall of stock
    and open orders arrived so far against demand so far (an open order due after a peak of
    demand does not cover it), plus EXTRA_PERIODS of mean demand (before rejects)."""
    return float(cover_needs([item])[0])


def cover_needs(items: list[ItemProblem]) -> np.ndarray:
    """cover_need of many items of one shape at once."""
    if not items:
        return np.zeros(0)
    demand = np.cumsum(np.stack([i.scenarios for i in items]), axis=2)  # (m, S, H)
    # open orders as they arrive in each scenario (`scenario_arrivals`), one item at a time
    shortfall = np.stack([
        (d - i.on_hand - np.cumsum(i.scenario_arrivals(), axis=-1)).max(axis=1)
        for i, d in zip(items, demand, strict=True)
    ])  # fmt: skip
    high = np.quantile(shortfall, COVER_QUANTILE, axis=1)
    mean = demand[:, :, -1].mean(axis=1) / np.array([i.horizon for i in items])
    return high + EXTRA_PERIODS * mean


def lot_cap(item: ItemProblem, offer: Offer, need: float | None = None) -> int:
    """Largest lot considered for `offer` (units, feasible); `need` = cover_need(item)."""
    need = cover_need(item) if need is None else need
    need = max(need, 0.0) / (1.0 - offer.reject_rate)
    largest_break = offer.price_breaks[-1].min_qty
    if offer.discount_type == "incremental":
        largest_break *= INCREMENTAL_REACH
    return offer.feasible_at_least(max(int(np.ceil(need)), largest_break))


def offer_lots(
    item: ItemProblem, offer: Offer, max_candidates: int = 64, need: float | None = None
) -> np.ndarray:
    """Sorted feasible lots (> 0) of one offer, at most `max_candidates` unless break
    points alone are more."""
    if max_candidates < 2:
        raise ValueError("max_candidates must be at least 2")
    first, cap, pack = offer.smallest_lot, lot_cap(item, offer, need), offer.pack_size
    n_all = (cap - first) // pack + 1
    if n_all <= max_candidates:
        return np.arange(first, cap + 1, pack, dtype=np.int64)
    breaks = {offer.feasible_at_least(b.min_qty) for b in offer.price_breaks}
    keep = sorted(breaks | {first, cap})
    n_grid = max_candidates - len(keep)
    if n_grid <= 0:
        return np.array(keep, dtype=np.int64)
    # n_grid + 2 evenly spaced lot indices; both ends (first, cap) are already kept.
    steps = np.unique(np.round(np.linspace(0, n_all - 1, n_grid + 2)).astype(np.int64))
    grid = first + steps * pack
    return np.unique(np.concatenate([np.array(keep, dtype=np.int64), grid]))


def tier_lots(
    offer: Offer, tiers: Sequence[SupplierTier], spends: Sequence[float] = ()
) -> np.ndarray:
    """Feasible lots of `offer` that reach a supplier-wide tier on their own: for each tier of
    the offer's supplier, the smallest feasible lot at or above its threshold in units, or
    whose purchase cost is at or above its threshold in spend (for all-units prices one lot
    per price region, as the purchase cost drops at a break; incremental purchase cost only
    rises, so one lot); and `TIER_PARTS` of each of them. `spends`: more thresholds in spend
    of the offer's supplier (its min_order_value). The menus stop near what demand can use;
    without these lots a tier above that is never reached, and a plan that ignores it is
    called optimal. Parts help several items reach it together; a tier reached only by
    shares other than these can still be missed. Lots above MAX_TIER_LOT units are left out."""
    thresholds = [(t.basis, t.min_total) for t in tiers if t.supplier_id == offer.supplier_id]
    alone: list[int] = []
    for basis, total in thresholds + [("spend", v) for v in spends]:
        if basis == "units":
            alone.append(math.ceil(total - 1e-9))
        elif offer.discount_type == "all_units":
            alone += [max(b.min_qty, math.ceil(total / b.unit_price - 1e-9))
                      for b in offer.price_breaks]  # fmt: skip
        else:
            alone.append(_first_spending(offer, total))
    lots = offer.feasible_at_least(np.array([q for q in alone if q <= MAX_TIER_LOT], np.int64))
    # parts of those lots: a tier is mostly reached by several items together, each buying
    # more than its own menu's cap but less than the whole threshold
    parts = offer.feasible_at_least(np.ceil(np.outer(lots, TIER_PARTS)).ravel())
    return np.unique(np.concatenate([lots, parts]))


def _first_spending(offer: Offer, threshold: float) -> int:
    """Smallest feasible lot whose (rising, incremental) purchase cost reaches `threshold`:
    bisection over pack multiples (MAX_TIER_LOT + 1 if none below it does)."""
    cheapest = min(b.unit_price for b in offer.price_breaks)
    high = offer.feasible_at_least(min(math.ceil(threshold / cheapest), MAX_TIER_LOT + 1))
    low = offer.smallest_lot
    if float(purchase_cost(offer, high)) < threshold - 1e-9:
        return MAX_TIER_LOT + 1
    # over the lots low + k pack_size, k = 0..top (all pack multiples): the midpoint rounded
    # up to a feasible lot had met `high` and ended the search one pack above the answer
    first, top = 0, (high - low) // offer.pack_size
    while first < top:  # invariant: the lot at `top` reaches the threshold
        mid = (first + top) // 2
        if float(purchase_cost(offer, low + mid * offer.pack_size)) >= threshold - 1e-9:
            top = mid
        else:
            first = mid + 1
    return low + top * offer.pack_size


def item_candidates(
    item: ItemProblem,
    max_candidates: int = 64,
    need: float | None = None,
    extra: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(offer index, quantity) per candidate; candidate 0 is no order (offer index -1).
    `extra` adds feasible lots per supplier_id (e.g. the EOQ lots, eoq.eoq_candidates). An
    offer whose lots arrive after the item's end of life has none (they serve no demand; a
    supplier-wide tier must not buy them: `ItemProblem.arrives_too_late`)."""
    need = cover_need(item) if need is None else need
    offer_idx, qty = [np.array([-1])], [np.array([0])]
    for k, offer in enumerate(item.offers):
        if item.arrives_too_late(offer):
            continue
        lots = offer_lots(item, offer, max_candidates, need)
        if extra and offer.supplier_id in extra:
            lots = np.union1d(lots, np.asarray(extra[offer.supplier_id], np.int64))
        offer_idx.append(np.full(len(lots), k))
        qty.append(lots)
    return np.concatenate(offer_idx).astype(np.int64), np.concatenate(qty).astype(np.int64)
