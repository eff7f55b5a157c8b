"""Open the warehouse DuckDB file, waiting a while if another process holds its lock."""

from __future__ import annotations

import re
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
    path: str | Path, read_only: bool = False, wait_seconds: float = 30.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to the DuckDB file at `path` and close it on exit.

    Read-write: parent folders and the schema are created. Read-only: the file must exist.
    DuckDB lets one process hold a read-write connection; while another process holds the
    lock we retry for up to `wait_seconds` (seconds), then raise `DatabaseBusyError`.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise DatabaseError(f"no warehouse at {path}: run a load first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only, wait_seconds)
    try:
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
        con.close()


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
        "DuckDB allows one writing process at a time: wait for that run to finish "
        "or stop it, then try again."
    )
