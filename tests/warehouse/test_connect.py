"""connect(): creates the file and schema, closes it, waits for and reports a held lock."""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from warehouse import DatabaseBusyError, DatabaseError, connect, ensure_schema, table_counts
from warehouse.schema import ALL_TABLES

connect_module = importlib.import_module("warehouse.connect")  # `connect` is the function

HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[3] == "ro")
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
            ("night_decisions",),
            ("night_runs",),
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


def _hold_lock(path, seconds: float, read_only: bool = False) -> subprocess.Popen:
    mode = "ro" if read_only else "rw"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds), mode],
        stdout=subprocess.PIPE,
        text=True,
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
    holder = _hold_lock(path, 30, read_only=True)  # a reader: read-only opens still work
    try:
        with (
            pytest.raises(DatabaseError, match="written by an older version of reorder") as caught,
            connect(path, read_only=True, wait_seconds=0.3),
        ):
            pass
        assert "opening it for writing once" in str(caught.value) and str(path) in str(caught.value)
    finally:
        _release(holder)


SCHEMAS = sorted((Path(__file__).parent / "data" / "schemas").glob("*.sql"))


@pytest.mark.parametrize("schema", SCHEMAS, ids=[s.stem for s in SCHEMAS])
def test_every_earlier_schema_upgrades_to_the_current_one(tmp_path, schema):
    """The schema each earlier version wrote (dumped from git history, 2026-11-21 on): a column
    added to a CREATE TABLE without its ALTER in UPGRADES (items.launch_forecast) left files
    of the first two versions short of it, so every read-only open tried to upgrade again."""
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(schema.read_text())
    with connect(path, read_only=True) as con:  # raises if the upgrade leaves anything out
        assert con.execute("SELECT count(*) FROM current_run").fetchone() == (0,)
    with duckdb.connect(str(path), read_only=True) as con:
        assert connect_module._schema_columns() <= connect_module._columns(con)


def test_a_current_file_opens_read_only_beside_another_reader_without_a_write(
    tmp_path, monkeypatch
):
    """Only a file an older version wrote is opened for writing: for a current one that open
    would fail whenever another process reads the file."""
    path = tmp_path / "warehouse.duckdb"
    with connect(path):
        pass
    monkeypatch.setattr(connect_module, "_upgrade", lambda *a: pytest.fail("upgraded"))
    holder = _hold_lock(path, 30, read_only=True)
    try:
        with connect(path, read_only=True, wait_seconds=0.3) as con:
            assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    finally:
        _release(holder)


def test_a_duckdb_file_that_is_no_warehouse_is_refused_and_left_alone(tmp_path):
    """`reorder lots --db other.duckdb` wrote the warehouse's 27 tables and views into it."""
    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE mydata (x INTEGER)")
    for read_only in (True, False):
        with (
            pytest.raises(DatabaseError, match=r"not a reorder warehouse \(its tables: mydata"),
            connect(path, read_only=read_only),
        ):
            pass
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("mydata",)]
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with (
        pytest.raises(DatabaseError, match="holds no warehouse yet"),
        connect(empty, read_only=True),
    ):
        pass


def test_a_warehouse_from_before_supplier_items_lead_time_opens_with_the_suppliers(tmp_path):
    """A file of e22d26f (the schema before supplier_items had lead_time) gets the column on
    open, its offers on their supplier's lead time (NULL), and loads files that give one."""
    from tests.warehouse.conftest import AS_OF, BASE, write_folder
    from warehouse import load_folder, read_planning_inputs

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute((Path(__file__).parent / "data/schemas/2026-12-07_e22d26f.sql").read_text())
        old.execute("INSERT INTO supplier_items VALUES ('S1', 'A', 100, 10, 'all_units')")
    with connect(path, read_only=True) as con:
        rows = read_planning_inputs(con)["supplier_items"]
        assert rows["sku"].tolist() == ["A"] and rows["lead_time"].isna().all()
    offers = BASE["supplier_items.csv"].replace("\n", ",\n").replace("type,", "type,lead_time")
    offers = offers.replace("S1,A,100,10,all_units,", "S1,A,100,10,all_units,45")
    with connect(path) as con:
        load_folder(con, write_folder(tmp_path / "in", supplier_items__csv=offers), AS_OF)
        assert con.execute("SELECT lead_time FROM supplier_items WHERE sku = 'A' AND "
                           "supplier_id = 'S1'").fetchone() == (45.0,)  # fmt: skip


def test_a_warehouse_from_before_order_cost_opens_with_none_and_loads_one(tmp_path):
    """A file of 68c6591 (the schema before suppliers had order_cost) gets the column on open,
    its suppliers at 0 (no cost per purchase order), and loads files that give one."""
    from tests.warehouse.conftest import AS_OF, BASE, write_folder
    from warehouse import load_folder, read_planning_inputs

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute((Path(__file__).parent / "data/schemas/2026-12-07_68c6591.sql").read_text())
        old.execute("INSERT INTO suppliers VALUES ('S1', 'Acme', 14, 50, 1, 0)")
    with connect(path, read_only=True) as con:
        rows = read_planning_inputs(con)["suppliers"]
        assert rows["order_cost"].tolist() == [0.0]
    suppliers = BASE["suppliers.csv"].replace("reject_rate\n", "reject_rate,order_cost\n")
    suppliers = suppliers.replace("0.95,0.01\n", "0.95,0.01,120\n").replace("30,,\n", "30,,,\n")
    with connect(path) as con:
        load_folder(con, write_folder(tmp_path / "in", suppliers__csv=suppliers), AS_OF)
        rows = con.execute("SELECT supplier_id, order_cost FROM suppliers ORDER BY 1").fetchall()
        assert rows == [("S1", 120.0), ("S2", 0.0)]


def test_a_warehouse_from_before_min_order_value_opens_with_none_and_loads_one(tmp_path):
    """A file of 05b6757 (the schema before suppliers had min_order_value) gets the column on
    open, its suppliers at 0 (no minimum), and loads files that give one."""
    from tests.warehouse.conftest import AS_OF, BASE, write_folder
    from warehouse import load_folder, read_planning_inputs

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute((Path(__file__).parent / "data/schemas/2026-12-07_05b6757.sql").read_text())
        old.execute("INSERT INTO suppliers VALUES ('S1', 'Acme', 14, 50, 1, 0, 120)")
    with connect(path, read_only=True) as con:
        rows = read_planning_inputs(con)["suppliers"]
        assert rows[["order_cost", "min_order_value"]].values.tolist() == [[120.0, 0.0]]
    suppliers = BASE["suppliers.csv"].replace("reject_rate\n", "reject_rate,min_order_value\n")
    suppliers = suppliers.replace("0.95,0.01\n", "0.95,0.01,250\n").replace("30,,\n", "30,,,\n")
    with connect(path) as con:
        load_folder(con, write_folder(tmp_path / "in", suppliers__csv=suppliers), AS_OF)
        rows = con.execute("SELECT supplier_id, min_order_value FROM suppliers ORDER BY 1")
        assert rows.fetchall() == [("S1", 250.0), ("S2", 0.0)]
