"""Purchase proposals: approved and overridden lots per supplier, as Excel and CSV files.

Excel (openpyxl): one sheet per supplier with a header block, one row per lot, number formats
for units (#,##0) and money (#,##0.00), and a totals row (a number, not a formula). CSV: one
file with every lot, whole units and prices rounded (`_csv_ready`).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

COLUMNS = (
    ("po_id", "Proposal", None, 34),
    ("sku", "SKU", None, 14),
    ("description", "Description", None, 28),
    ("quantity", "Quantity", "#,##0", 11),
    ("unit_price", "Unit price", "#,##0.00###", 12),
    ("order_value", "Order value", "#,##0.00", 14),
    ("due_date", "Due date", "yyyy-mm-dd", 12),
    ("action", "Decision", None, 10),
    ("decided_by", "Decided by", None, 12),
    ("comment", "Comment", None, 30),
)


def write_proposals(
    lots: pd.DataFrame, out_dir: str | Path, run_key: str, suppliers: tuple[str, ...] = ()
) -> list[Path]:
    """Write `proposals_<run_key>.xlsx` and `.csv` into out_dir; return both paths.

    `lots`: warehouse.approved_lots(...) rows (po_id, supplier_id, supplier_name, sku, ...).
    `suppliers`: the export was limited to these; their ids go into the file names, so that
    one supplier's proposal never overwrites the full one (or another supplier's).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"proposals_{run_key}{_suppliers_part(suppliers)}"
    xlsx = out_dir / f"{stem}.xlsx"
    csv = out_dir / f"{stem}.csv"
    book = Workbook()
    book.remove(book.active)
    for supplier_id, group in lots.groupby("supplier_id", sort=True):
        _sheet(book, str(supplier_id), group, run_key)
    if not book.sheetnames:
        book.create_sheet("no lots").append(["No approved lots for run", run_key])
    book.save(xlsx)
    keep = ["supplier_id", "supplier_name"] + [c for c, *_ in COLUMNS]
    # with a byte-order mark, so that Excel reads names like "Müller" as UTF-8
    _csv_ready(lots[keep]).to_csv(csv, index=False, encoding="utf-8-sig")
    return [xlsx, csv]


def _suppliers_part(suppliers: tuple[str, ...]) -> str:
    """ "_S-104_S-113" for a file name (characters a file name cannot hold become "-"); many
    suppliers: their count and a digest of their ids."""
    if not suppliers:
        return ""
    ids = sorted(set(suppliers))
    part = "".join("_" + re.sub(r"[^\w.-]", "-", s) for s in ids)
    if len(part) <= 80:
        return part
    digest = hashlib.sha1("\n".join(ids).encode()).hexdigest()[:8]
    return f"_{len(ids)}-suppliers-{digest}"


def _csv_ready(lots: pd.DataFrame) -> pd.DataFrame:
    """Numbers as an ERP import reads them: whole units (100, not 100.0), unit prices to 5
    decimals (an incremental lot's average price is not a round number), values to 2."""
    return lots.assign(
        quantity=lots["quantity"].round().astype("Int64"),
        unit_price=lots["unit_price"].round(5),
        order_value=lots["order_value"].round(2),
    )


def _sheet(book: Workbook, supplier_id: str, lots: pd.DataFrame, run_key: str) -> None:
    sheet = book.create_sheet(_sheet_name(supplier_id))
    name = lots["supplier_name"].iloc[0]
    sheet.append([f"Purchase proposal for {name or supplier_id} ({supplier_id})"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"Run {run_key}"])
    sheet.append([_order_cost_line(lots["order_cost"].iloc[0] if "order_cost" in lots else None)])
    sheet.append([title for _, title, _, _ in COLUMNS])
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = Font(bold=True)
    for lot in lots.itertuples(index=False):
        sheet.append([_cell(getattr(lot, column)) for column, *_ in COLUMNS])
    # a value, not =SUM(...): openpyxl cannot store a formula's result, and readers that do
    # not recalculate (pandas, previews, Excel's Protected View) would show no total
    total = round(float(lots["order_value"].sum()), 2)
    sheet.append(["Total", None, None, None, None, total])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    for i, (_, _, number_format, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
        for row in range(header + 1, sheet.max_row + 1):
            if number_format:
                sheet.cell(row, i).number_format = number_format
    sheet.freeze_panes = sheet.cell(header + 1, 1)


def _order_cost_line(order_cost: object) -> str | None:
    """The header line of a supplier whose purchase order has an order_cost (suppliers.csv,
    currency once per purchase order: not in the lots' order values or the total below);
    None (an empty line) otherwise."""
    if order_cost is None or pd.isna(order_cost) or not float(order_cost) > 0:
        return None
    return (
        f"Order cost {float(order_cost):,.2f} once for this purchase order "
        "(suppliers.csv order_cost), not in the order values or the total"
    )


def _cell(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def _sheet_name(supplier_id: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "_", supplier_id)[:31]
