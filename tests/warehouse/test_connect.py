"""connect(): creates the file and schema, closes it, waits for and reports a held lock."""

from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import pytest

from warehouse import DatabaseBusyError, DatabaseError, connect, ensure_schema, table_counts
from warehouse.schema import ALL_TABLES

HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_connect_creates_folders_and_schema_and_closes(tmp_path):
    path = tmp_path / "a" / "b" / "warehouse.duckdb"
    with connect(path) as con:
        assert set(table_counts(con)) == set(ALL_TABLES)
        ensure_schema(con)  # idempotent
        views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        assert sorted(views) == [
            ("current_recommendations",),
            ("current_run",),
            ("lot_decisions",),
            ("planned_orders",),
        ]
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")
    with connect(path, read_only=True) as reader:
        assert reader.execute("SELECT count(*) FROM runs").fetchone() == (0,)


def test_read_only_needs_an_existing_file(tmp_path):
    with (
        pytest.raises(DatabaseError, match="no warehouse at"),
        connect(tmp_path / "missing.duckdb", read_only=True),
    ):
        pass


def _hold_lock(path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def _release(holder: subprocess.Popen) -> None:
    holder.kill()
    holder.wait()
    holder.stdout.close()


def test_lock_held_by_another_process_gives_busy_error_naming_file_and_pid(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with connect(path):
        pass
    holder = _hold_lock(path, 30)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseBusyError) as caught, connect(path, wait_seconds=0.5):
            pass
        assert 0.5 <= time.monotonic() - started < 10
        assert str(path) in str(caught.value)
        assert f"process {holder.pid}" in str(caught.value)
    finally:
        _release(holder)


def test_connect_waits_until_the_lock_is_released(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    holder = _hold_lock(path, 1.0)
    try:
        with connect(path, wait_seconds=20) as con:
            assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    finally:
        _release(holder)
