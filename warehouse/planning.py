"""Read the master data the optimizer needs, as frames with the table's column names."""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse.schema import INPUT_TABLES

PLANNING_TABLES = tuple(t for t in INPUT_TABLES if t != "order_lines")
_ORDER = {
    "items": "sku",
    "suppliers": "supplier_id",
    "supplier_items": "sku, supplier_id",
    "price_breaks": "sku, supplier_id, min_qty",
    "stock": "sku",
    "open_orders": "sku, due_date, po_id",
}


def read_planning_inputs(
    con: duckdb.DuckDBPyConnection, skus: list[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Frames of items, suppliers, supplier_items, price_breaks, stock and open_orders.

    `skus` limits every table with a sku column to those items (None: all); suppliers are all
    returned. Rows are sorted by their key so that results are reproducible.
    """
    frames = {}
    for table in PLANNING_TABLES:
        where = "WHERE list_contains(?, sku)" if skus is not None and table != "suppliers" else ""
        params = [list(skus)] if where else []
        frames[table] = con.execute(
            f"SELECT * FROM {table} {where} ORDER BY {_ORDER[table]}", params
        ).df()
    return frames


def select_skus(
    con: duckdb.DuckDBPyConnection,
    skus: list[str] | tuple[str, ...] | None = None,
    category: str | None = None,
) -> list[str] | None:
    """The skus a run plans: the given ones and/or one category; None means every item.

    Raises ValueError naming skus that are not in `items`, so that a typo in a rerun's item
    filter is not silently an empty plan.
    """
    if skus is None and category is None:
        return None
    items = con.execute("SELECT sku, category FROM items ORDER BY sku").fetchall()
    if skus is not None:
        missing = sorted(set(skus) - {sku for sku, _ in items})
        if missing:
            raise ValueError(f"items filter: unknown sku(s) {', '.join(missing)}")
    selected = [
        sku
        for sku, cat in items
        if (skus is None or sku in skus) and (category is None or cat == category)
    ]
    if not selected:
        raise ValueError(f"items filter: no item matches skus={skus} category={category!r}")
    return selected
