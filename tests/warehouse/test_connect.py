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


def _as_an_older_version_wrote_it(path) -> None:
    """A warehouse from before the view current_run and the column quarantine.sku."""
    with connect(path) as con:
        con.execute("DROP VIEW current_recommendations")
        con.execute("DROP VIEW current_run")
        con.execute("ALTER TABLE quarantine DROP COLUMN sku")


def test_read_only_open_upgrades_a_file_an_older_version_wrote(tmp_path):
    """`reorder lots` as the first command after an upgrade: "Table with name current_run does
    not exist!" (read-only opens never added what the new version needs)."""
    path = tmp_path / "warehouse.duckdb"
    _as_an_older_version_wrote_it(path)
    with connect(path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM current_run").fetchone() == (0,)
        assert con.execute("SELECT count(sku) FROM quarantine").fetchone() == (0,)


def test_an_older_file_that_cannot_be_upgraded_now_says_why(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _as_an_older_version_wrote_it(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER.replace("connect(sys.argv[1])",
                                              "connect(sys.argv[1], read_only=True)"),
         str(path), "30"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "locked"  # a reader: read-only opens still work
    try:
        with (
            pytest.raises(DatabaseError, match="written by an older version of reorder") as caught,
            connect(path, read_only=True, wait_seconds=0.3),
        ):
            pass
        assert "opening it for writing once" in str(caught.value) and str(path) in str(caught.value)
    finally:
        _release(holder)
