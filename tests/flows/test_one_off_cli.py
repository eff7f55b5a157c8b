"""`reorder review one-off` on a real warehouse file: mark, list, unmark, and refusals that
name the bad sku or day (exit code 1) or the usage (2)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import warehouse
from flows.cli import main
from tests.warehouse.conftest import write_folder


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "wh.duckdb"
    with warehouse.connect(path) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), date(2024, 3, 31))
    return path


def _one_off(db: Path, *words: str) -> Result:
    return CliRunner().invoke(main, ["review", "one-off", "--db", str(db), *words])


def test_a_planner_marks_lists_and_unmarks_a_one_off(db: Path) -> None:
    assert _one_off(db, "--list").output == "no one-offs marked\n"
    out = _one_off(db, "A", "2024-03-04", "--note", "project order", "--by", "anna")
    assert out.exit_code == 0, out.output
    assert out.output == (
        "A 2024-03-04: marked as a one-off (1 order line, 10 units): the next run's forecast "
        "leaves them out\n"
    )
    again = _one_off(db, "A", "2024-03-04", "--by", "anna")
    assert "already marked as a one-off (1 order line, 10 units), note kept" in again.output
    listed = _one_off(db, "--list").output.splitlines()
    assert listed[0] == "1 one-off marked (units: what the day's lines hold now):"
    assert listed[1].split() == ["sku", "order_date", "units", "lines", "note", "marked_by",
                                 "marked_at"]  # fmt: skip
    assert listed[2].split()[:7] == ["A", "2024-03-04", "10", "1", "project", "order", "anna"]
    assert len(listed) == 3  # one row: marking again added none
    out = _one_off(db, "--remove", "A", "2024-03-04", "--by", "ben")
    assert out.exit_code == 0, out.output
    assert out.output.startswith("A 2024-03-04: no longer a one-off")
    assert _one_off(db, "--list").output == "no one-offs marked\n"
    with warehouse.connect(db, read_only=True) as con:  # kept for `reorder changes`
        assert con.execute("SELECT sku, order_date, note, marked_by, removed_by FROM "
                           "one_off_removals").fetchall() == [
            ("A", date(2024, 3, 4), "project order", "anna", "ben")
        ]  # fmt: skip
    out = _one_off(db, "A", "2024-03-04", "--by", "carl")  # marked again after the removal
    assert out.output.startswith("A 2024-03-04: marked as a one-off"), out.output
    again = _one_off(db, "--list").output.splitlines()[2].split()
    assert again[:5] == ["A", "2024-03-04", "10", "1", "carl"]


def test_a_bad_sku_or_day_is_refused_naming_it(db: Path) -> None:
    out = _one_off(db, "Z-9", "2024-03-04")
    assert (out.exit_code, out.output) == (1, "Error: sku Z-9: not in the items\n")
    out = _one_off(db, "A", "2024-03-05")  # B's day, not A's
    assert out.exit_code == 1
    assert out.output == (
        "Error: sku A: no order line on 2024-03-05 (its order days within a week: "
        "2024-03-04 (10 units), 2024-03-12 (5 units))\n"
    )
    out = _one_off(db, "--remove", "A", "2024-03-04")
    assert (out.exit_code, out.output) == (
        1, "Error: sku A: 2024-03-04 is not marked as a one-off (it has none)\n"
    )  # fmt: skip
    assert _one_off(db, "A", "04.03.2024").exit_code == 2  # not a date: a usage error
    assert "name SKU and DATE" in _one_off(db, "A").output
    assert "--list takes no SKU" in _one_off(db, "--list", "A", "2024-03-04").output


def test_a_mistyped_warehouse_is_refused_not_created(tmp_path: Path) -> None:
    out = _one_off(tmp_path / "nope.duckdb", "--list")
    assert out.exit_code == 1
    assert not (tmp_path / "nope.duckdb").exists()
