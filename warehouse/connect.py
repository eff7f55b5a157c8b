"""Open the warehouse DuckDB file, waiting a while if another process holds its lock."""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.errors import DatabaseBusyError, DatabaseError
from warehouse.schema import ensure_schema

_LOCK_MARKERS = ("Could not set lock", "Conflicting lock")
_PID = re.compile(r"\(PID (\d+)\)")
_POLL_SECONDS = 0.25


@contextmanager
def connect(
    path: str | Path, read_only: bool = False, wait_seconds: float = 30.0, create: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to the DuckDB file at `path` and close it on exit.

    Read-write: parent folders and the schema are created (create=False: the file must exist,
    for commands that only work on a warehouse a run made). Read-only: the file must exist;
    a file an older version wrote (a table, view or column missing) is upgraded first by a
    read-write open (`reorder lots` as the first command after an upgrade failed on the
    missing view `current_run`). DuckDB lets one process hold a read-write connection; while
    another process holds the lock we retry for up to `wait_seconds` (seconds), then raise
    `DatabaseBusyError`.
    """
    path = Path(path)
    check_path(path, must_exist=read_only or not create)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = _open(path, read_only, wait_seconds)
    else:
        with _UPGRADE_LOCK:  # another thread's read-only connection would block the upgrade
            con = _open_current(path, wait_seconds)
    try:
        if not read_only:
            _check_warehouse(con, path, read_only)
            ensure_schema(con)
        yield con
    finally:
        con.close()


# tables every warehouse file has had since the first version: a file without either is not one
_MARKERS = frozenset({"runs", "loads"})
_UPGRADE_LOCK = threading.Lock()


def _open_current(path: Path, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a file with the current schema: a file an older version
    wrote (a table, view or column missing) is upgraded first by a read-write open."""
    con = _open(path, True, wait_seconds)
    try:
        _check_warehouse(con, path, read_only=True)
        missing = _schema_columns() - _columns(con)
    except BaseException:
        con.close()
        raise
    if not missing:
        return con
    con.close()
    _upgrade(path, wait_seconds)
    con = _open(path, True, wait_seconds)
    if missing := _schema_columns() - _columns(con):
        con.close()
        raise DatabaseError(f"{path}: upgrading its tables left out {sorted(missing)}")
    return con


def _check_warehouse(con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
    """Refuse a DuckDB file that is not a warehouse: a read-only command would find nothing
    (and its upgrade would write the warehouse's tables into it), a read-write one would add
    them to someone else's database. A file without tables becomes a warehouse read-write."""
    tables = {table for table, _ in _columns(con)}
    if tables & _MARKERS or not (tables or read_only):
        return
    if not tables:
        raise DatabaseError(f"{path} holds no warehouse yet (no tables): run a load first")
    raise DatabaseError(
        f"{path} is a DuckDB file but not a reorder warehouse (its tables: "
        f"{', '.join(sorted(tables)[:5])}{' ...' if len(tables) > 5 else ''}): give the "
        "warehouse's .duckdb file"
    )


def _columns(con: duckdb.DuckDBPyConnection) -> frozenset[tuple[str, str]]:
    """(table or view, column) of every table and view in the file."""
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall()
    return frozenset(rows)


@functools.cache
def _schema_columns() -> frozenset[tuple[str, str]]:
    """(table or view, column) of the schema this version writes (`ensure_schema`)."""
    con = duckdb.connect(":memory:")
    try:
        ensure_schema(con)
        return _columns(con)
    finally:
        con.close()


def _upgrade(path: Path, wait_seconds: float) -> None:
    """Add what an older version's file lacks (`ensure_schema`), or say why it cannot be."""
    try:
        con = _open(path, False, wait_seconds)
    except (DatabaseError, duckdb.ConnectionException) as error:
        raise DatabaseError(
            f"{path} was written by an older version of reorder and its tables need upgrading, "
            f"which takes opening it for writing once: {error}"
        ) from error
    try:
        ensure_schema(con)
    finally:
        con.close()


def database_file(con: duckdb.DuckDBPyConnection) -> str:
    """The warehouse file `con` opened, absolute as DuckDB keeps it ('FILE' in memory): the
    commands a load note or an error prints name it (the terminal has no default
    warehouse, and a relative path is of the folder the load ran in)."""
    (path,) = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return path or "FILE"


def check_path(path: str | Path, must_exist: bool = False) -> None:
    """Raise DatabaseError unless `path` can be the warehouse file: not a folder, not another
    kind of file (DuckDB would open e.g. a CSV file as an in-memory database and lose every
    write) and, with must_exist, already there."""
    path = Path(path)
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder: give the path of a DuckDB file (.duckdb)")
    if must_exist and not path.is_file():
        raise DatabaseError(f"no warehouse at {path}: run a load first")
    if path.is_file() and path.stat().st_size and not _is_duckdb(path):
        raise DatabaseError(f"{path} is not a DuckDB file: give the warehouse's .duckdb file")


def _is_duckdb(path: Path) -> bool:
    """The file starts with DuckDB's header (magic bytes "DUCK" at offset 8)."""
    with path.open("rb") as file:
        return file.read(12)[8:12] == b"DUCK"


def _open(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            message = str(error)
            if not any(marker in message for marker in _LOCK_MARKERS):
                raise DatabaseError(f"cannot open {path}: {message}") from error
            if time.monotonic() >= deadline:
                raise DatabaseBusyError(_busy_message(path, message, wait_seconds)) from error
            time.sleep(_POLL_SECONDS)


def _busy_message(path: Path, message: str, wait_seconds: float) -> str:
    match = _PID.search(message)
    holder = f"process {match.group(1)}" if match else "another process"
    return (
        f"{path} is locked by {holder}; gave up after waiting {wait_seconds:g} s. "
        "DuckDB allows one process at a time to open it for writing, and none while another "
        "has it open, even for reading: wait for that run or program (a DuckDB client, a "
        "notebook) to finish or close the file, then try again."
    )
