"""Purchase proposals: approved and overridden lots per supplier, as Excel and CSV files.

Excel (openpyxl): one sheet per supplier with a header block, one row per lot, number formats
for units (#,##0) and money (#,##0.00), and a totals row (a number, not a formula). CSV: one
file with every lot, whole units and prices rounded (`_csv_ready`), in the dialect of the
run's load.toml when it had one (`csv_dialect`: an ERP that exports with `;` and decimal `,`
imports so too), else comma-separated with `.` decimals, UTF-8 with a byte-order mark.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

import warehouse

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

CSV_COLUMNS = ("supplier_id", "supplier_name", *(column for column, *_ in COLUMNS))


@dataclass(frozen=True)
class CsvDialect:
    """How the proposal CSV is written: field `delimiter`, `decimal` mark and text `encoding`
    (the default's byte-order mark makes Excel read names like "Müller" as UTF-8)."""

    delimiter: str = ","
    decimal: str = "."
    encoding: str = "utf-8-sig"

    def describe(self) -> str:
        """The line's words for it: `';' and decimal ',' (cp1252)`."""
        encoding = "UTF-8 with BOM" if self.encoding == "utf-8-sig" else self.encoding
        return f"{self.delimiter!r} and decimal {self.decimal!r} ({encoding})"


STANDARD_CSV = CsvDialect()


def csv_dialect(config: str | None) -> tuple[CsvDialect, str | None]:
    """The dialect of the run's load.toml (`config`, the path as the run was given it; None:
    no load.toml) and a line saying which dialect the CSV is written in (None: the default,
    unsaid). Its [master_files] dialect (our columns in the ERP's format, as a proposal is)
    unless only [order_lines] sets one. A load.toml gone or broken since the run gives the
    default, with a note saying so."""
    if not config:
        return STANDARD_CSV, None
    path = Path(config)
    if not path.is_file():
        where = "" if path.is_absolute() else f" from {Path.cwd()}"
        return STANDARD_CSV, (
            f"note: the run's load.toml {config} is not found{where}: CSV written with "
            f"{STANDARD_CSV.describe()}, not in the ERP's dialect"
        )
    try:
        loaded = warehouse.load_config(path)
    except warehouse.ConfigError as error:
        return STANDARD_CSV, (
            f"note: the run's load.toml cannot be read now ({error}): CSV written with "
            f"{STANDARD_CSV.describe()}, not in the ERP's dialect"
        )
    masters = CsvDialect(loaded.master_delimiter, loaded.master_decimal, loaded.master_encoding)
    lines = CsvDialect(loaded.delimiter, loaded.decimal, loaded.encoding)
    section, dialect = (
        ("[order_lines]", lines) if masters == STANDARD_CSV else ("[master_files]", masters)
    )
    if dialect == STANDARD_CSV:
        return dialect, None
    return dialect, (
        f"CSV written with {dialect.describe()} as load.toml reads the ERP's files "
        f"({section} of {config})"
    )


def unwritable_notes(lots: pd.DataFrame, dialect: CsvDialect) -> list[str]:
    """One note per text column with values the dialect's encoding cannot hold (a supplier
    name in Polish in cp1252): the CSV holds '?' for those characters, the Excel file all."""
    notes = []
    for column in CSV_COLUMNS:
        values = lots[column].dropna()
        bad = sorted({v for v in values if isinstance(v, str) and not _encodes(v, dialect)})
        if bad:
            shown = ", ".join(repr(v) for v in bad[:3]) + (", ..." if len(bad) > 3 else "")
            notes.append(
                f"{column} {shown}: {dialect.encoding} cannot write some of its characters, "
                "the CSV holds '?' for them (the Excel file holds them all)"
            )
    return notes


def _encodes(text: str, dialect: CsvDialect) -> bool:
    try:
        text.encode(dialect.encoding)
    except UnicodeEncodeError:
        return False
    return True


def write_proposals(
    lots: pd.DataFrame,
    out_dir: str | Path,
    run_key: str,
    suppliers: tuple[str, ...] = (),
    dialect: CsvDialect = STANDARD_CSV,
) -> list[Path]:
    """Write `proposals_<run_key>.xlsx` and `.csv` into out_dir; return both paths.

    `lots`: warehouse.approved_lots(...) rows (po_id, supplier_id, supplier_name, sku, ...).
    `suppliers`: the export was limited to these; their ids go into the file names, so that
    one supplier's proposal never overwrites the full one (or another supplier's).
    `dialect`: the CSV's (`csv_dialect`); characters its encoding cannot hold are written '?'.
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
    _csv_ready(lots[list(CSV_COLUMNS)]).to_csv(
        csv,
        index=False,
        sep=dialect.delimiter,
        decimal=dialect.decimal,
        encoding=dialect.encoding,
        errors="replace",
    )
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
