"""Stock on hand and open purchase orders, sized by each item's recent weekly demand."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

from warehouse.demo.streams import stream


def weekly_rate(items: pd.DataFrame, lines: pd.DataFrame, n_days: int) -> np.ndarray:
    """Units per week per item: the larger of the last 13 weeks and the whole history."""
    sales = lines[lines.quantity > 0]
    recent_start = sales.order_date.max() - pd.Timedelta(days=90) if len(sales) else None
    recent = sales[sales.order_date >= recent_start] if len(sales) else sales
    recent_rate = recent.groupby("sku").quantity.sum() / 13
    total_rate = sales.groupby("sku").quantity.sum() / (n_days / 7)
    both = pd.concat([recent_rate, total_rate], axis=1).max(axis=1)
    return both.reindex(items.sku, fill_value=0.0).to_numpy(dtype=float)


def draw_stock(seed: int, items: pd.DataFrame, weekly: np.ndarray) -> pd.DataFrame:
    """on_hand of 3-14 weeks of demand (a planner's usual cover, lead times included) for
    about 95% of the items, 5% of those at zero (a stockout already under way)."""
    rng = stream(seed, "stock")
    n = len(items)
    on_hand = np.rint(weekly * rng.uniform(3, 14, n)).astype(np.int64)
    on_hand[rng.random(n) < 0.05] = 0
    listed = rng.random(n) < 0.95
    return pd.DataFrame({"sku": items.sku[listed], "on_hand": on_hand[listed]})


def draw_open_orders(
    seed: int, items: pd.DataFrame, offers: pd.DataFrame, weekly: np.ndarray, as_of: date
) -> pd.DataFrame:
    """Purchase orders for ~10% of the items, due in 0-8 weeks; the first two are overdue."""
    rng = stream(seed, "purchase")
    alive = np.flatnonzero(items.pattern.to_numpy() != "dead")
    n = min(len(alive), max(1, round(0.1 * len(items))))
    picked = np.sort(rng.choice(alive, size=n, replace=False))
    by_sku = offers.groupby("sku")
    first_po = int(rng.integers(1000, 5000))
    rows = []
    for k, i in enumerate(picked):
        offer = by_sku.get_group(items.sku.iloc[i])
        offer = offer.iloc[int(rng.integers(len(offer)))]
        wanted = weekly[i] * rng.uniform(3, 8)
        quantity = max(int(offer.moq), math.ceil(wanted / offer.pack_size) * int(offer.pack_size))
        late = k < 2
        days = -int(rng.integers(1, 11)) if late else int(rng.integers(0, 57))
        due = as_of + timedelta(days=days)
        po_id = f"PO-{as_of.year}-{first_po + k:05d}"
        rows.append((po_id, offer.sku, offer.supplier_id, quantity, due.isoformat()))
    return pd.DataFrame(rows, columns=["po_id", "sku", "supplier_id", "quantity", "due_date"])
