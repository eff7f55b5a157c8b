"""Purchase cost of a lot under price breaks, vectorized over quantities.

`all_units`: the price of the highest break reached applies to every unit.
`incremental`: each break's price applies to the units inside its band
[min_qty, next min_qty - 1]. No lot is below the first break (`Offer.min_lot`); at 0 units
the first price is what `average_unit_price` shows.
"""

from __future__ import annotations

import numpy as np

from optimize.data import Offer


def tier_index(offer: Offer, quantity: np.ndarray | int) -> np.ndarray:
    """Index of the highest break with min_qty <= quantity (0 below the first break)."""
    mins = np.array([b.min_qty for b in offer.price_breaks], dtype=np.int64)
    idx = np.searchsorted(mins, np.asarray(quantity, dtype=np.int64), side="right") - 1
    return np.maximum(idx, 0)


def purchase_cost(offer: Offer, quantity: np.ndarray | int) -> np.ndarray:
    """Purchase cost of `quantity` units (currency), float array shaped like `quantity`."""
    q = np.asarray(quantity, dtype=np.int64)
    prices = np.array([b.unit_price for b in offer.price_breaks], dtype=float)
    if offer.discount_type == "all_units":
        return q * prices[tier_index(offer, q)]
    # Units bought before band i starts: 0 for the first band, min_qty - 1 after.
    starts = np.array([0] + [b.min_qty - 1 for b in offer.price_breaks[1:]], dtype=np.int64)
    widths = np.append(np.diff(starts), np.iinfo(np.int64).max).astype(np.int64)
    in_band = np.clip(q[..., None] - starts, 0, widths)
    return (in_band * prices).sum(axis=-1)


def average_unit_price(offer: Offer, quantity: np.ndarray | int) -> np.ndarray:
    """Purchase cost / quantity (currency per unit); the first-tier price at quantity 0."""
    q = np.asarray(quantity, dtype=np.int64)
    cost = purchase_cost(offer, q)
    first = offer.price_breaks[0].unit_price
    return np.where(q > 0, cost / np.maximum(q, 1), first)


def tier_min_qty(offer: Offer, quantity: np.ndarray | int) -> np.ndarray:
    """min_qty of the tier reached by quantity (units)."""
    mins = np.array([b.min_qty for b in offer.price_breaks], dtype=np.int64)
    return mins[tier_index(offer, quantity)]
