"""requirements.csv: planners' dated known demand, loaded like open_orders.csv."""

from __future__ import annotations

from pathlib import Path

import warehouse
from tests.warehouse.conftest import AS_OF, quarantined, write_folder
from warehouse import load_folder, table_counts
from warehouse.tables import MASTER_TABLES

GOOD = "requirement_id,sku,due_date,quantity,note\nPB-17,A,2024-05-02,200,pilot build\n"


def test_requirements_load_and_are_read_for_the_plan(con, tmp_path):
    load_folder(con, write_folder(tmp_path / "in", requirements__csv=GOOD), AS_OF)
    frame = warehouse.read_planning_inputs(con)["requirements"]
    assert frame[["requirement_id", "sku", "quantity", "note"]].values.tolist() == [
        ["PB-17", "A", 200.0, "pilot build"]
    ]
    assert str(frame["due_date"].iloc[0])[:10] == "2024-05-02"


def test_bad_requirement_rows_go_to_quarantine_naming_the_row(con, tmp_path):
    rows = (
        GOOD
        + "PB-18,X,2024-05-02,10,\n"  # row 2: unknown sku
        + "PB-19,a,2024-05-02,10,\n"  # row 3: another case
        + "PB-20,A,02.05.2024,10,\n"  # row 4: bad date
        + "PB-21,A,2024-05-02,2.5,\n"  # row 5: fraction
        + "PB-22,A,2024-05-02,0,\n"  # row 6: not > 0
        + "PB-17,A,2024-05-02,300,\n"  # row 7: duplicate key, other values
        + "PB-23,B,2027-01-05,10,\n"  # row 8: after B's end_of_life 2026-12-31
    )
    load_folder(con, write_folder(tmp_path / "in", requirements__csv=rows), AS_OF)
    reasons = {row: reason for row, _, reason in quarantined(con, "requirements")}
    assert reasons[2] == "unknown sku 'X' (not in items)"
    assert reasons[3] == "unknown sku 'a' (not in items, which has 'A')"
    assert reasons[4].startswith("due_date '02.05.2024' is not a date in the format %Y-%m-%d")
    assert reasons[5].startswith("quantity '2.5' is not a whole number")
    assert reasons[6] == "quantity 0 must be greater than 0"
    assert reasons[7] == "duplicate key requirement_id='PB-17', sku='A' (first at row 1)"
    assert reasons[8].startswith("due_date 2027-01-05 is after the item's end_of_life 2026-12-31")
    assert table_counts(con)["requirements"] == 1
    # as for open orders, an item with a requirement row in quarantine is not planned
    unknown = warehouse.read_planning_inputs(con)["unknown_inputs"]
    assert unknown.set_index("sku")["table_name"].to_dict() == {
        "A": "requirements",
        "B": "requirements",
    }


def test_a_repeated_requirement_row_is_harmless(con, tmp_path):
    load_folder(con, write_folder(tmp_path / "in", requirements__csv=GOOD + GOOD[-35:]), AS_OF)
    assert quarantined(con, "requirements")[0][2].endswith("same values)")
    assert warehouse.read_planning_inputs(con)["unknown_inputs"].empty


def test_a_requirements_file_that_lost_its_rows_loads_as_none_with_a_note(con, tmp_path):
    folder = write_folder(tmp_path / "in", requirements__csv=GOOD)
    load_folder(con, folder, AS_OF)
    write_folder(folder, requirements__csv=GOOD.splitlines()[0] + "\n")
    report = load_folder(con, folder, AS_OF)
    assert table_counts(con)["requirements"] == 0
    assert any(
        n.startswith("requirements.csv has no rows below the header, the last load had 1 "
                     "requirement: the plan counts no requirement")
        for n in report.notes
    )  # fmt: skip
    load_folder(con, write_folder(folder, requirements__csv=GOOD), AS_OF)
    report = load_folder(con, write_folder(folder, requirements__csv=None), AS_OF)
    assert table_counts(con)["requirements"] == 0
    assert any(n.startswith("requirements.csv is not in the folder") for n in report.notes)


def test_a_requirement_long_overdue_is_named_on_every_load(con, tmp_path):
    old = GOOD + "PB-9,B,2024-01-15,20,service campaign\n"
    folder = write_folder(tmp_path / "in", requirements__csv=old)
    report = load_folder(con, folder, AS_OF)
    note = (
        "1 requirement more than 30 days overdue counts in the first plan period: PB-9 (B, due "
        "2024-01-15); drop it from requirements.csv once met, or re-date"
    )
    assert note in report.notes
    assert note in load_folder(con, folder, AS_OF).notes  # unchanged files: said again


def test_readme_describes_every_master_file_with_its_columns():
    """README's Data formats has a section per master file naming each column, the required
    ones in bold (requirements.csv had none)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for table in MASTER_TABLES:
        head = f"### {table.name}.csv ("
        assert head in readme, head
        section = readme.split(head, 1)[1].split("\n### ", 1)[0]
        for column in table.columns:
            shown = f"**{column.name}**" if column.required else column.name
            assert shown in section, (table.name, shown)
