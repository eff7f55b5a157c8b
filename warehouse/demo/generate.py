"""`write_demo_data`: draws every part, mixes in the bad rows and writes the eight files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from warehouse.demo.broken import (
    BadRow,
    Broken,
    draw_broken_lines,
    draw_broken_masters,
    insert_bad_rows,
)
from warehouse.demo.catalog import ITEM_COLUMNS, draw_items
from warehouse.demo.demand import draw_order_lines
from warehouse.demo.files import as_text, write_csv
from warehouse.demo.offers import draw_offers, draw_suppliers
from warehouse.demo.requirements import draw_requirements
from warehouse.demo.stock import draw_open_orders, draw_stock, weekly_rate
from warehouse.demo.streams import stream
from warehouse.schema import INPUT_TABLES

# Every input table but the optional supplier_tiers (the demo has no supplier-wide tiers).
TABLES = tuple(t for t in INPUT_TABLES if t != "supplier_tiers")


@dataclass(frozen=True)
class DemoSummary:
    """What `write_demo_data` wrote. Counts are of good rows unless named `rows`."""

    folder: Path
    as_of: date
    paths: dict[str, Path]  # table -> file, in load order
    rows: dict[str, int]  # data rows per file, bad rows included
    items: int
    suppliers: int
    supplier_items: int
    orders: int
    order_lines: int  # credit lines included
    credit_lines: int
    patterns: dict[str, str]  # sku -> demand pattern (see PATTERNS)
    bad_rows: tuple[BadRow, ...]


def write_demo_data(
    folder: Path,
    as_of: date,
    seed: int = 7,
    n_items: int = 300,
    years: float = 2.5,
    bad_rows: bool = True,
) -> DemoSummary:
    """Write the eight input files of docs/design.md into `folder` (created if missing).

    Order lines cover `years` of daily history ending at `as_of`; requirements.csv holds a
    pilot build, its series start after the 13-week horizon and an overdue service campaign
    (`requirements.draw_requirements`). With `bad_rows`, 8 broken rows (listed in the summary
    with the quarantine reason to expect) are mixed in.
    """
    if n_items < 1:
        raise ValueError(f"n_items must be at least 1, not {n_items}")
    if years <= 0:
        raise ValueError(f"years must be positive, not {years}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    items, spare = draw_items(seed, n_items, as_of)
    suppliers, serves = draw_suppliers(seed)
    offers, breaks = draw_offers(seed, items, suppliers, serves)
    offers = offers.sort_values(["supplier_id", "sku"], ignore_index=True)
    breaks = breaks.sort_values(["supplier_id", "sku", "min_qty"], ignore_index=True)
    days = pd.date_range(end=pd.Timestamp(as_of), periods=max(28, round(years * 365.25)), freq="D")
    lines = draw_order_lines(seed, items, days)
    weekly = weekly_rate(items, lines, len(days))
    stock = draw_stock(seed, items, weekly)
    tables = {
        "items": items[ITEM_COLUMNS],
        "suppliers": suppliers,
        "supplier_items": offers,
        "price_breaks": breaks,
        "stock": stock,
        "open_orders": draw_open_orders(seed, items, offers, weekly, as_of),
        "requirements": draw_requirements(seed, items, suppliers, offers, stock, weekly, as_of),
        "order_lines": lines,
    }
    broken: dict[str, list[Broken]] = {}
    if bad_rows:
        rng = stream(seed, "bad")
        broken = draw_broken_masters(rng, items, spare[0], suppliers, offers, breaks)
        broken["order_lines"] = draw_broken_lines(rng, lines, spare[1], as_of)
    paths, rows, records = {}, {}, []
    for table in TABLES:
        text, bad = insert_bad_rows(table, as_text(tables[table]), broken.get(table, []))
        paths[table] = folder / f"{table}.csv"
        write_csv(text, paths[table])
        rows[table] = len(text)
        records.extend(bad)
    return DemoSummary(
        folder=folder,
        as_of=as_of,
        paths=paths,
        rows=rows,
        items=len(items),
        suppliers=len(suppliers),
        supplier_items=len(offers),
        orders=lines.order_id.nunique(),
        order_lines=len(lines),
        credit_lines=int((lines.quantity < 0).sum()),
        patterns=dict(zip(items.sku, items.pattern, strict=True)),
        bad_rows=tuple(records),
    )
