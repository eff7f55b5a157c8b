"""Write checked rows, their quarantine and the `loads` record of one file (load.py calls these).

Table and column names come from `warehouse.tables`, never from input files.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from warehouse.read import ROW
from warehouse.tables import Table
from warehouse.validate import Checked

_SQL_TYPES = {"text": "VARCHAR", "number": "DOUBLE", "integer": "BIGINT", "date": "DATE"}
_ROWS = "_load_rows"
_PROBLEMS = "_load_problems"


@dataclass(frozen=True)
class LoadRecord:
    """One row of `loads` (the counts are filled in from `Checked`)."""

    load_id: str
    run_id: str | None
    table: str
    file: str | None
    sha256: str | None
    context_sha256: str | None
    rows_read: int
    as_of: date
    loaded_at: datetime


def replace_snapshot(
    con: duckdb.DuckDBPyConnection, table: Table, checked: Checked, record: LoadRecord
) -> None:
    """Master data: the table becomes the file's valid rows; its quarantine is replaced."""
    with transaction(con):
        con.execute(f"DELETE FROM {table.name}")
        _insert_rows(con, table, checked.valid)
        if table.name == "open_orders":
            con.execute(
                "INSERT INTO erp_proposals SELECT DISTINCT po_id, ? FROM open_orders "
                "WHERE starts_with(po_id, 'RV-') ON CONFLICT DO NOTHING",
                [record.as_of],
            )
        con.execute("DELETE FROM quarantine WHERE table_name = ?", [table.name])
        _insert_problems(con, record, checked.problems)
        _insert_load(con, record, checked)


def replace_order_lines(
    con: duckdb.DuckDBPyConnection, table: Table, checked: Checked, record: LoadRecord
) -> None:
    """Order lines: rows from a file of the same name are replaced; of rows with the same key
    in several files, the file last in name order wins (whichever was loaded last), so the same
    folder always gives the same rows. This file's rows that a later file holds count as
    excluded."""
    with transaction(con):
        con.execute("DELETE FROM order_lines WHERE file = ?", [record.file])
        con.register(_ROWS, checked.valid.assign(_pos=range(len(checked.valid))))
        try:
            con.execute(
                f"DELETE FROM order_lines USING {_ROWS} AS n WHERE order_lines.order_id = "
                "n.order_id AND order_lines.line = n.line AND order_lines.file < ?",
                [record.file],
            )
            ((shadowed,),) = con.execute(
                f"SELECT list(n._pos) FROM {_ROWS} AS n JOIN order_lines AS o "
                "ON o.order_id = n.order_id AND o.line = n.line WHERE o.file > ?",
                [record.file],
            ).fetchall()
        finally:
            con.unregister(_ROWS)
        if shadowed:
            kept = checked.valid.drop(checked.valid.index[shadowed])
            checked = Checked(kept, checked.problems, checked.excluded + len(shadowed))
        _insert_rows(con, table, checked.valid, extra=(record.file, record.load_id))
        con.execute(
            "DELETE FROM quarantine WHERE table_name = ? AND file = ?", [table.name, record.file]
        )
        _insert_problems(con, record, checked.problems)
        _insert_load(con, record, checked)


def quarantine_unpriced(
    con: duckdb.DuckDBPyConnection, record: LoadRecord, problems: pd.DataFrame
) -> None:
    """Move supplier items without a valid price break from `supplier_items` to quarantine.

    `problems` has the supplier_items problem columns plus `supplier_id`, `sku`.
    """
    if problems.empty:
        return
    with transaction(con):
        con.register(_ROWS, problems[["supplier_id", "sku"]])
        try:
            con.execute(
                f"DELETE FROM supplier_items USING {_ROWS} AS u "
                "WHERE supplier_items.supplier_id = u.supplier_id AND supplier_items.sku = u.sku"
            )
        finally:
            con.unregister(_ROWS)
        _insert_problems(con, record, problems)
        n = len(problems)
        con.execute(
            "UPDATE loads SET rows_loaded = rows_loaded - ?, "
            "rows_quarantined = rows_quarantined + ? WHERE load_id = ?",
            [n, n, record.load_id],
        )


def record_absent(con: duckdb.DuckDBPyConnection, table: Table, record: LoadRecord) -> None:
    """An optional table without a file in the folder: empty it and record that."""
    empty = Checked(pd.DataFrame({c: [] for c in (*table.names, ROW)}), _no_problems())
    replace_snapshot(con, table, empty, record)


def _no_problems() -> pd.DataFrame:
    return pd.DataFrame(
        {ROW: pd.Series([], dtype="int64"), "column_name": [], "value": [], "reason": []}
    )


def _insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    rows: pd.DataFrame,
    extra: tuple[str | None, str] | None = None,
) -> None:
    casts = [f"CAST({c.name} AS {_SQL_TYPES[c.kind]})" for c in table.columns]
    names = list(table.names)
    params: list[object] = []
    if extra is not None:
        names += ["file", "load_id"]
        casts += ["?", "?"]
        params += list(extra)
    con.register(_ROWS, rows[list(table.names)])
    try:
        con.execute(
            f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(casts)} FROM {_ROWS}",
            params,
        )
    finally:
        con.unregister(_ROWS)


def _insert_problems(
    con: duckdb.DuckDBPyConnection, record: LoadRecord, problems: pd.DataFrame
) -> None:
    if problems.empty:
        return
    frame = problems[[ROW, "column_name", "value", "reason"]].astype(
        {"column_name": object, "value": object, "reason": object}
    )
    con.register(_PROBLEMS, frame)
    try:
        con.execute(
            "INSERT INTO quarantine SELECT ?, ?, ?, CAST(_row AS BIGINT), "
            f"CAST(column_name AS VARCHAR), CAST(value AS VARCHAR), CAST(reason AS VARCHAR), ? "
            f"FROM {_PROBLEMS} ORDER BY _row",
            [record.load_id, record.table, record.file, record.loaded_at],
        )
    finally:
        con.unregister(_PROBLEMS)


def _insert_load(con: duckdb.DuckDBPyConnection, record: LoadRecord, checked: Checked) -> None:
    con.execute(
        "INSERT INTO loads (load_id, run_id, table_name, file, sha256, context_sha256, "
        "rows_read, rows_loaded, rows_quarantined, rows_excluded, as_of, loaded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            record.load_id,
            record.run_id,
            record.table,
            record.file,
            record.sha256,
            record.context_sha256,
            record.rows_read,
            len(checked.valid),
            checked.quarantined_rows,
            checked.excluded,
            record.as_of,
            record.loaded_at,
        ],
    )


_OPEN: set[int] = set()  # connections inside a transaction of this module


class transaction:
    """BEGIN ... COMMIT, ROLLBACK and re-raise on any error. Nested in another one on the same
    connection it joins it: the outer one commits or rolls back everything (a load of all
    master files is one transaction made of one per file)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.outer = False

    def __enter__(self) -> None:
        if id(self.con) not in _OPEN:
            self.con.execute("BEGIN TRANSACTION")
            _OPEN.add(id(self.con))
            self.outer = True

    def __exit__(self, kind, error, trace) -> bool:
        if not self.outer:
            return False
        _OPEN.discard(id(self.con))
        if kind is None:
            self.con.execute("COMMIT")
            return False
        # the error may have ended the transaction itself (a COMMIT that could not write its
        # WAL on a full disk): "cannot rollback - no transaction is active" would hide it
        with contextlib.suppress(duckdb.Error):
            self.con.execute("ROLLBACK")
        return False
