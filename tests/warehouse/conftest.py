"""Small input folders written as CSV text, and a real DuckDB warehouse file in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from warehouse import connect

AS_OF = date(2024, 3, 31)  # a Sunday: the week of 25 March and the month of March are complete

BASE = {
    "items.csv": """\
sku,description,category,lifecycle_stage,unit_volume,holding_cost_rate,end_of_life,salvage_value,stockout_cost
A,Bolt M8,fasteners,series,0.1,0.25,,0,
B,Nut M8,fasteners,ramp_up,0.05,0.2,2026-12-31,0.5,12
""",
    "suppliers.csv": """\
supplier_id,name,lead_time,fixed_cost,on_time_rate,reject_rate
S1,Acme,14,50,0.95,0.01
S2,Brix,7,30,,
""",
    "supplier_items.csv": """\
supplier_id,sku,moq,pack_size,discount_type
S1,A,100,10,all_units
S2,A,50,5,incremental
S1,B,10,1,all_units
""",
    "price_breaks.csv": """\
supplier_id,sku,min_qty,unit_price
S1,A,100,2.00
S1,A,500,1.80
S2,A,50,2.20
S1,B,10,4.00
""",
    "stock.csv": """\
sku,on_hand
A,120
B,5
""",
    "open_orders.csv": """\
po_id,sku,supplier_id,quantity,due_date
PO1,A,S1,100,2024-04-10
""",
    "order_lines.csv": """\
order_id,line,order_date,sku,quantity,unit_price,customer
O1,1,2024-03-04,A,10,3.50,C1
O1,2,2024-03-05,B,2,6.00,C1
O2,1,2024-03-12,A,5,3.50,C2
""",
}


def write_folder(folder: Path, **files: str | None) -> Path:
    """Write BASE with some files replaced (name -> text) or left out (name -> None).

    Keyword names use '__' for '.', e.g. `items__csv="..."`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    contents = dict(BASE)
    contents.update({k.replace("__", "."): v for k, v in files.items()})
    for name, text in contents.items():
        path = folder / name
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(tmp_path / "db" / "warehouse.duckdb") as connection:
        yield connection


def quarantined(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[int, str, str]]:
    """(row_number, column_name, reason) of a table's quarantine rows, in file order."""
    return con.execute(
        "SELECT row_number, column_name, reason FROM quarantine WHERE table_name = ? "
        "ORDER BY file, row_number, column_name",
        [table],
    ).fetchall()
