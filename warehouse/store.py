"""Write checked rows, their quarantine and the `loads` record of one file (load.py calls these).

Table and column names come from `warehouse.tables`, never from input files.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
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
                "WHERE starts_with(upper(po_id), 'RV-') ON CONFLICT DO NOTHING",
                [record.as_of],
            )
        con.execute("DELETE FROM quarantine WHERE table_name = ?", [table.name])
        _insert_problems(con, record, checked.problems)
        _insert_load(con, record, checked)


def replace_order_lines(
    con: duckdb.DuckDBPyConnection, table: Table, checked: Checked, record: LoadRecord
) -> None:
    """Order lines: rows from a file of the same name are replaced; of a key (order_id, line)
    in several files, the file last in name order wins (whichever was loaded last), so the same
    folder always gives the same rows. A file's row excluded on purpose (a cancelled line, ...)
    holds its key too (`order_lines_excluded`): the latest file's word on a line counts. The
    rows a later file overrides wait in `order_lines_overridden` (and count as excluded in
    their file's `loads` record) until no later file holds their key: then the row of the file
    last in name order comes back, unless a later file excluded that line."""
    file = record.file
    with transaction(con):
        released = _drop_file(con, file)
        gone = checked.excluded_keys.astype({"order_id": str, "line": "int64"})
        con.register(_ROWS, checked.valid.assign(_pos=range(len(checked.valid))))
        con.register(_GONE, gone)
        try:
            _set_aside(con, "SELECT DISTINCT o.order_id, o.line, o.file FROM order_lines AS o "
                       f"JOIN (SELECT order_id, line FROM {_ROWS} UNION ALL SELECT order_id, "
                       f"line FROM {_GONE}) AS k ON k.order_id = o.order_id AND k.line = "
                       f"o.line WHERE {_named('o.file')} < {_named('?')}",
                       [file, file])  # fmt: skip
            ((shadowed,),) = con.execute(
                f"SELECT list(n._pos ORDER BY n._pos) FROM {_ROWS} AS n SEMI JOIN (SELECT "
                f"order_id, line FROM order_lines AS o WHERE {_named('o.file')} > "
                f"{_named('$1')} UNION ALL SELECT order_id, line FROM order_lines_excluded AS e "
                f"WHERE {_named('e.file')} > {_named('$1')}) AS later ON later.order_id = "
                "n.order_id AND later.line = n.line",
                [file],
            ).fetchall()
            con.execute(
                f"INSERT INTO {EXCLUDED} SELECT DISTINCT CAST(order_id AS VARCHAR), "
                f"CAST(line AS BIGINT), ? FROM {_GONE}",
                [file],
            )
        finally:
            con.unregister(_ROWS)
            con.unregister(_GONE)
        valid = checked.valid
        if shadowed:
            aside = valid.index[shadowed]
            _insert_rows(con, table, valid.loc[aside], (file, record.load_id), OVERRIDDEN)
            checked = replace(checked, valid=valid.drop(aside),
                              excluded=checked.excluded + len(aside))  # fmt: skip
        _insert_rows(con, table, checked.valid, extra=(file, record.load_id))
        _bring_back(con, released)
        con.execute("DELETE FROM quarantine WHERE table_name = ? AND file = ?", [table.name, file])
        _insert_problems(con, record, checked.problems)
        _insert_load(con, record, checked)


def forget_order_lines(con: duckdb.DuckDBPyConnection, file: str) -> tuple[int, int] | None:
    """Drop every row an order-lines file loaded (valid, set aside, excluded), its quarantine
    and its `loads` records, so that a copy loaded by mistake stops counting and a file of
    that name loads afresh; rows of other files it overrode count again. Returns (rows
    dropped, excluded ones included; rows back), or None, changing nothing, when nothing of
    a file of that name is in the warehouse."""
    with transaction(con):
        ((dropped, known, before),) = con.execute(
            "SELECT (SELECT count(*) FROM order_lines WHERE file = $1) + (SELECT count(*) FROM "
            "order_lines_overridden WHERE file = $1) + (SELECT count(*) FROM "
            "order_lines_excluded WHERE file = $1), (SELECT count(*) FROM loads WHERE "
            "table_name = 'order_lines' AND file = $1) + (SELECT count(*) FROM quarantine "
            "WHERE table_name = 'order_lines' AND file = $1), (SELECT count(*) FROM order_lines)",
            [file],
        ).fetchall()
        if not dropped and not known:
            return None
        ((own,),) = con.execute(
            "SELECT count(*) FROM order_lines WHERE file = ?", [file]
        ).fetchall()
        _bring_back(con, _drop_file(con, file))
        con.execute("DELETE FROM quarantine WHERE table_name = 'order_lines' AND file = ?", [file])
        con.execute("DELETE FROM loads WHERE table_name = 'order_lines' AND file = ?", [file])
        ((after,),) = con.execute("SELECT count(*) FROM order_lines").fetchall()
    return int(dropped), int(after - (before - own))


def _drop_file(con: duckdb.DuckDBPyConnection, file: str) -> pd.DataFrame:
    """Delete a file's order lines (valid, set aside, excluded); the keys it held in
    order_lines or excluded (order_id, line), whose overridden rows may come back."""
    released = con.execute(
        "SELECT order_id, line FROM order_lines WHERE file = $1 UNION "
        "SELECT order_id, line FROM order_lines_excluded WHERE file = $1",
        [file],
    ).df()
    for name in ("order_lines", OVERRIDDEN, EXCLUDED):
        con.execute(f"DELETE FROM {name} WHERE file = ?", [file])
    return released


def _named(expr: str) -> str:
    """SQL sort key of a file name: name order ignores case (files match their patterns in
    any case, so ORDER_LINES_0622.CSV comes after order_lines_0621.csv); names that differ
    only in case fall back to their bytes."""
    return f"[lower({expr}), {expr}]"


OVERRIDDEN = "order_lines_overridden"
EXCLUDED = "order_lines_excluded"
_GONE = "_load_excluded_keys"
_LINE_COLUMNS = "order_id, line, order_date, sku, quantity, unit_price, customer, file, load_id"
_KEYS = "_load_keys"


def _set_aside(con: duckdb.DuckDBPyConnection, keys_sql: str, params: list[object]) -> None:
    """Move the order_lines rows whose (order_id, line, file) `keys_sql` selects to
    order_lines_overridden, moving their count from loaded to excluded in their loads."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_KEYS} AS {keys_sql}", params)
    _move_keyed_rows(con, "order_lines", OVERRIDDEN, -1)


def _bring_back(con: duckdb.DuckDBPyConnection, released: pd.DataFrame) -> None:
    """Keys no file holds any more in order_lines get back their overridden row of the file
    last in name order (unless a file after it excluded the line)."""
    if released.empty:
        return
    con.register(_ROWS, released)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_KEYS} AS SELECT order_id, line, "
            f"arg_max(file, {_named('file')}) AS file "
            f"FROM {OVERRIDDEN} JOIN {_ROWS} USING (order_id, line) WHERE (order_id, line) NOT "
            "IN (SELECT (order_id, line) FROM order_lines) GROUP BY order_id, line"
        )
        # a line excluded by a file after the one that would come back stays excluded
        con.execute(
            f"DELETE FROM {_KEYS} AS k WHERE EXISTS (SELECT 1 FROM {EXCLUDED} AS e WHERE "
            f"e.order_id = k.order_id AND e.line = k.line AND {_named('e.file')} > "
            f"{_named('k.file')})"
        )
    finally:
        con.unregister(_ROWS)
    _move_keyed_rows(con, OVERRIDDEN, "order_lines", 1)


def _move_keyed_rows(con: duckdb.DuckDBPyConnection, source: str, target: str, sign: int) -> None:
    """Move the rows of `source` whose (order_id, line, file) is in the temp table _KEYS to
    `target` (then drop _KEYS); `sign` × their count moves from rows_excluded to rows_loaded in
    their loads (+1: they load again, -1: they are set aside)."""
    match = f"(order_id, line, file) IN (SELECT (order_id, line, file) FROM {_KEYS})"
    counts = con.execute(f"SELECT load_id, count(*) FROM {source} WHERE {match} GROUP BY 1")
    for load_id, k in counts.fetchall():
        con.execute(
            "UPDATE loads SET rows_loaded = rows_loaded + ?, rows_excluded = rows_excluded - ? "
            "WHERE load_id = ?",
            [sign * k, sign * k, load_id],
        )
    con.execute(f"INSERT INTO {target} SELECT {_LINE_COLUMNS} FROM {source} WHERE {match}")
    con.execute(f"DELETE FROM {source} WHERE {match}")
    con.execute(f"DROP TABLE {_KEYS}")


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
    into: str | None = None,
) -> None:
    """Insert rows with the table's column casts into `table` (or the table `into`)."""
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
            f"INSERT INTO {into or table.name} ({', '.join(names)}) "
            f"SELECT {', '.join(casts)} FROM {_ROWS}",
            params,
        )
    finally:
        con.unregister(_ROWS)


def _insert_problems(
    con: duckdb.DuckDBPyConnection, record: LoadRecord, problems: pd.DataFrame
) -> None:
    if problems.empty:
        return
    problems = problems.assign(**{k: None for k in ("sku", "supplier_id") if k not in problems})
    frame = problems[[ROW, "column_name", "value", "reason", "sku", "supplier_id"]].astype(
        {"column_name": object, "value": object, "reason": object, "sku": object,
         "supplier_id": object}
    )  # fmt: skip
    con.register(_PROBLEMS, frame)
    try:
        con.execute(
            "INSERT INTO quarantine (load_id, table_name, file, row_number, column_name, value, "
            "reason, loaded_at, sku, supplier_id) SELECT ?, ?, ?, CAST(_row AS BIGINT), "
            "CAST(column_name AS VARCHAR), CAST(value AS VARCHAR), CAST(reason AS VARCHAR), ?, "
            f"CAST(sku AS VARCHAR), CAST(supplier_id AS VARCHAR) FROM {_PROBLEMS} ORDER BY _row",
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
