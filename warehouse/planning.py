"""Read the master data the optimizer needs, as frames with the table's column names."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from warehouse.decisions import planned_orders
from warehouse.runs import quarantined_keys
from warehouse.schema import INPUT_TABLES, recased_sku
from warehouse.validate import DUPLICATE_KEY, SAME_VALUES

PLANNING_TABLES = tuple(t for t in INPUT_TABLES if t != "order_lines")
_ORDER = {
    "items": "sku",
    "suppliers": "supplier_id",
    "supplier_items": "sku, supplier_id",
    "price_breaks": "sku, supplier_id, min_qty",
    "stock": "sku",
    "open_orders": "sku, due_date, po_id",
    "supplier_tiers": "supplier_id, min_total",
    "requirements": "sku, due_date, requirement_id",
}
_NO_SKU = ("suppliers", "supplier_tiers")


def read_planning_inputs(
    con: duckdb.DuckDBPyConnection, skus: list[str] | None = None, as_of: date | None = None
) -> dict[str, pd.DataFrame]:
    """Frames of items, suppliers, supplier_items, price_breaks, stock, open_orders,
    supplier_tiers and requirements (empty when the optional file was absent).

    `skus` limits every table with a sku column to those items (None: all); suppliers and
    supplier_tiers are all returned. Rows are sorted by their key so that results are
    reproducible. With `as_of`, open_orders also holds the lots planners approved on earlier
    nights (see warehouse.decisions.planned_orders); its column `source` says `erp` or
    `approved`. `unknown_inputs` (sku, reason), `quarantined_supplier_items` and
    `quarantined_items` (sku, file, row_number, reason) are the quarantined rows that leave
    items unplanned (of items, only those of skus that no loaded row holds).
    """
    frames = {}
    for table in PLANNING_TABLES:
        where = "WHERE list_contains(?, sku)" if skus is not None and table not in _NO_SKU else ""
        params = [list(skus)] if where else []
        frames[table] = con.execute(
            f"SELECT * FROM {table} {where} ORDER BY {_ORDER[table]}", params
        ).df()
    frames["unknown_inputs"] = _unknown_inputs(con, skus)
    frames["quarantined_supplier_items"] = _quarantined_rows(con, "supplier_items", skus)
    frames["quarantined_items"] = _quarantined_rows(con, "items", skus)
    if as_of is not None:
        frames["open_orders"] = _with_planned(frames["open_orders"], con, as_of, skus)
    return frames


# a quarantined row q of item i: its sku, or that sku in another case (`schema.recased_sku`)
_ROW_OF_ITEM = f"(q.sku = i.sku OR {recased_sku('q.sku', 'i.sku')})"


def _unknown_inputs(con: duckdb.DuckDBPyConnection, skus: list[str] | None) -> pd.DataFrame:
    """sku, reason, table_name: items whose stock (a row of theirs in quarantine, e.g. a second
    row of a sku with another on_hand, or no loaded stock row and one without a sku in
    quarantine), open orders (a row in quarantine) or requirements (a row in quarantine, but a
    repeat of a loaded row) are not known for sure, with the first such row and its table (a
    row of the sku in another case is theirs: `_ROW_OF_ITEM`). The
    plan leaves them out rather than plan them with nothing on hand, with one of two
    conflicting stock rows, without an order on its way or a known demand."""
    return con.execute(
        "SELECT i.sku, first(q.file || ' row ' || q.row_number || ' is in quarantine (' || "
        "q.reason || ')' ORDER BY q.table_name DESC, q.row_number) AS reason, "
        "first(q.table_name ORDER BY q.table_name DESC, q.row_number) AS table_name "
        f"FROM items AS i JOIN quarantine AS q ON ({_ROW_OF_ITEM} AND q.table_name IN "
        "('open_orders', 'stock', 'requirements')) OR (q.sku IS NULL AND q.table_name = 'stock') "
        "WHERE (q.table_name = 'open_orders' OR (q.sku IS NOT NULL AND NOT ends_with(q.reason, ?)) "
        "OR (q.table_name = 'stock' AND i.sku NOT IN (SELECT sku FROM stock))) "
        "AND (? IS NULL OR list_contains(?, i.sku)) GROUP BY i.sku ORDER BY i.sku",
        [SAME_VALUES, skus, skus],
    ).df()


def _quarantined_rows(
    con: duckdb.DuckDBPyConnection, table: str, skus: list[str] | None
) -> pd.DataFrame:
    """sku, file, row_number, reason: the quarantined rows of supplier_items or items (their
    problems joined by '; '), so that an item left without an offer is not reported as having
    none, and an item whose own row is in quarantine is named rather than left out silently
    (items: skus without a loaded row, and second rows of a sku that disagree with its first:
    which of them is right is not known)."""
    return con.execute(
        "SELECT sku, file, row_number, string_agg(reason, '; ' ORDER BY column_name) AS reason "
        "FROM quarantine WHERE table_name = ? AND sku IS NOT NULL "
        "AND (? IS NULL OR list_contains(?, sku)) "
        "AND (table_name <> 'items' OR sku NOT IN (SELECT sku FROM items) OR ("
        "starts_with(reason, ?) AND NOT ends_with(reason, ?))) "
        "GROUP BY sku, file, row_number ORDER BY sku, row_number",
        [table, skus, skus, DUPLICATE_KEY, SAME_VALUES],
    ).df()


def _missing_text(con: duckdb.DuckDBPyConnection, missing: list[str], items: list) -> str:
    """Why the `missing` skus are not among the `items` (sku, category): the quarantined row
    of each that has one, then the others as unknown (named with an item's sku in another
    case)."""
    quarantined = quarantined_keys(con, "sku", missing)
    folded = {sku.casefold(): sku for sku, _ in items}
    named = [
        f"{m} (items has {folded[m.casefold()]})" if m.casefold() in folded else m
        for m in missing
        if m not in quarantined
    ]
    unknown = "unknown sku" if len(named) == 1 else "unknown skus"
    unknown = f"{unknown} {', '.join(named)}; skus match exactly" if named else ""
    return "; ".join([*quarantined.values(), *([unknown] if unknown else [])])


def _with_planned(
    open_orders: pd.DataFrame,
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    skus: list[str] | None,
) -> pd.DataFrame:
    planned = planned_orders(con, as_of, skus).assign(source="approved")
    frames = [f for f in (open_orders.assign(source="erp"), planned) if len(f)]
    if not frames:
        return open_orders.assign(source=pd.Series(dtype=object))
    return pd.concat(frames, ignore_index=True)


def select_skus(
    con: duckdb.DuckDBPyConnection,
    skus: list[str] | tuple[str, ...] | None = None,
    category: str | None = None,
) -> list[str] | None:
    """The skus a run plans: the given ones and/or one category; None means every item.

    Raises ValueError naming skus that are not in `items`, so that a typo in a rerun's item
    filter is not silently an empty plan; one whose items row is in quarantine is named with
    that row and its reason (`runs.quarantined_keys`).
    """
    if skus is None and category is None:
        return None
    items = con.execute("SELECT sku, category FROM items ORDER BY sku").fetchall()
    if skus is not None:
        missing = sorted(set(skus) - {sku for sku, _ in items})
        if missing:
            raise ValueError(f"items filter: {_missing_text(con, missing, items)}")
    wanted = None if category is None else category.strip().casefold()
    named = {str(cat).casefold() for _, cat in items if cat is not None}
    if wanted is not None and wanted not in named:
        known = ", ".join(sorted({str(cat) for _, cat in items if cat is not None}))
        known = f"known: {known}" if known else "no item has a category"
        raise ValueError(f"items filter: no item has category {category!r} ({known})")
    selected = [
        sku
        for sku, cat in items
        if (skus is None or sku in skus)
        and (wanted is None or (cat is not None and str(cat).casefold() == wanted))
    ]
    if not selected:
        named = list(skus or [])
        which = (f"sku {named[0]} does not have" if len(named) == 1
                 else f"none of the skus {', '.join(named)} has")  # fmt: skip
        raise ValueError(f"items filter: {which} category {category!r}")
    return selected
