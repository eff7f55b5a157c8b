"""Deliberately broken rows, the quarantine reason each should get, and their insertion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from warehouse.demo.offers import round_price

REASON_UNKNOWN_SKU = "unknown sku"
REASON_BAD_DATE = "unparseable date"
REASON_FUTURE_DATE = "order_date after as_of"
REASON_MISSING = "missing required value"
REASON_PRICE_RISES = "unit price rises with quantity"
REASON_PACK_SIZE = "pack_size <= 0"
REASON_RATE = "rate outside 0..1"
REASON_STAGE = "unknown lifecycle_stage"


@dataclass(frozen=True)
class BadRow:
    """A deliberately broken row and the quarantine reason the loader should give it."""

    table: str
    row_number: int  # 1-based data row of the file, header not counted
    column: str
    value: str  # as written in the file ("" = empty)
    reason: str


@dataclass(frozen=True)
class Broken:
    """A bad row to insert before the good row at `position` (fractions sort in between)."""

    position: float
    row: dict[str, str]
    column: str
    reason: str


def insert_bad_rows(
    table: str, frame: pd.DataFrame, broken: list[Broken]
) -> tuple[pd.DataFrame, list[BadRow]]:
    """Text frame with the bad rows inserted, and their `BadRow` records."""
    if not broken:
        return frame, []
    keys = np.concatenate([np.arange(len(frame), dtype=float), [b.position for b in broken]])
    extra = pd.DataFrame([{c: b.row.get(c, "") for c in frame.columns} for b in broken])
    order = np.argsort(keys, kind="stable")
    combined = pd.concat([frame, extra], ignore_index=True).iloc[order].reset_index(drop=True)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    records = [
        BadRow(table, int(rank[len(frame) + k]) + 1, b.column, b.row[b.column], b.reason)
        for k, b in enumerate(broken)
    ]
    return combined, records


def draw_broken_masters(
    rng: np.random.Generator,
    items: pd.DataFrame,
    spare_sku: str,
    suppliers: pd.DataFrame,
    offers: pd.DataFrame,
    breaks: pd.DataFrame,
) -> dict[str, list[Broken]]:
    """One bad row each in items, suppliers, supplier_items and price_breaks.

    Each is a row no good row depends on, so it quarantines nothing else.
    """
    item = {
        "sku": spare_sku,
        "description": "Prototype bracket welded",
        "category": "castings",
        "lifecycle_stage": "prototype",
        "unit_volume": "2.5",
        "holding_cost_rate": "0.2",
        "salvage_value": "0.0",
    }
    item_at = np.searchsorted(items.sku.to_numpy(), spare_sku) - 0.5
    supplier = {
        "supplier_id": f"S-{101 + len(suppliers)}",
        "name": "Interim Trading GmbH",
        "lead_time": "14",
        "fixed_cost": "35.0",
        "on_time_rate": "1.15",
        "reject_rate": "0.01",
    }
    i = int(rng.integers(len(items)))
    sku = items.sku.iloc[i]
    linked = set(offers.supplier_id[offers.sku == sku])
    free = [s for s in suppliers.supplier_id if s not in linked]
    offer = {
        "supplier_id": free[int(rng.integers(len(free)))] if free else supplier["supplier_id"],
        "sku": sku,
        "moq": "10",
        "pack_size": "0",
        "discount_type": "all_units",
    }
    offer_keys = (offers.supplier_id + "|" + offers.sku).to_numpy()
    offer_at = np.searchsorted(offer_keys, offer["supplier_id"] + "|" + sku) - 0.5
    last = int(rng.integers(len(breaks)))
    group = (breaks.supplier_id == breaks.supplier_id.iloc[last]) & (
        breaks.sku == breaks.sku.iloc[last]
    )
    last = int(np.flatnonzero(group)[-1])
    rising = {
        "supplier_id": breaks.supplier_id.iloc[last],
        "sku": breaks.sku.iloc[last],
        "min_qty": str(int(breaks.min_qty.iloc[last]) * 2),
        "unit_price": repr(round_price(float(breaks.unit_price.iloc[last]) * 1.1)),
    }
    return {
        "items": [Broken(item_at, item, "lifecycle_stage", REASON_STAGE)],
        "suppliers": [Broken(len(suppliers) - 0.5, supplier, "on_time_rate", REASON_RATE)],
        "supplier_items": [Broken(offer_at, offer, "pack_size", REASON_PACK_SIZE)],
        "price_breaks": [Broken(last + 0.5, rising, "unit_price", REASON_PRICE_RISES)],
    }


def draw_broken_lines(
    rng: np.random.Generator, lines: pd.DataFrame, spare_sku: str, as_of: date
) -> list[Broken]:
    """Four bad order lines, each its own new order, at random places in the file."""
    prefix = f"SO-{as_of.year}-"
    own_year = lines.order_id[lines.order_id.str.startswith(prefix)]
    next_seq = int(own_year.str[len(prefix) :].astype(int).max()) + 1 if len(own_year) else 1
    problems = [
        ("sku", spare_sku, REASON_UNKNOWN_SKU),
        ("order_date", f"{as_of.year}-02-30", REASON_BAD_DATE),
        ("order_date", (as_of + timedelta(days=3)).isoformat(), REASON_FUTURE_DATE),
        ("quantity", "", REASON_MISSING),
    ]
    broken = []
    for k, (column, value, reason) in enumerate(problems):
        model = lines.iloc[int(rng.integers(len(lines)))]
        row = {
            "order_id": f"{prefix}{next_seq + k:06d}",
            "line": "1",
            "order_date": model.order_date.strftime("%Y-%m-%d"),
            "sku": model.sku,
            "quantity": str(int(abs(model.quantity))),
            "unit_price": repr(float(model.unit_price)),
            "customer": model.customer,
        }
        row[column] = value
        broken.append(Broken(float(rng.integers(len(lines))) + 0.5, row, column, reason))
    return broken
