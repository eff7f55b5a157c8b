"""Idempotent loads, corrected files, unreadable and missing files, Parquet input."""

from __future__ import annotations

import codecs
import re
from datetime import date, timedelta

import pandas as pd
import pytest

import warehouse
from tests.warehouse.conftest import AS_OF, BASE, quarantined, write_folder
from warehouse import LoadError, load_folder, table_counts
from warehouse.load import FileLoad, LoadReport


def _lines(con) -> list[tuple]:
    return con.execute(
        "SELECT order_id, line, quantity, file FROM order_lines ORDER BY order_id, line"
    ).fetchall()


def test_loading_the_same_files_twice_adds_nothing(con, tmp_path):
    folder = write_folder(tmp_path / "in")
    first = load_folder(con, folder, AS_OF)
    counts = table_counts(con)
    second = load_folder(con, folder, AS_OF)
    assert not any(f.unchanged for f in first.files)
    assert all(f.unchanged for f in second.files)
    assert second.load_ids == ()
    assert table_counts(con) == counts
    assert [(f.file, f.rows_loaded) for f in second.files] == [
        (f.file, f.rows_loaded) for f in first.files
    ]
    assert "unchanged" in second.summary()


def test_corrected_order_lines_file_replaces_what_it_loaded(con, tmp_path):
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    corrected = "order_id,line,order_date,sku,quantity,unit_price,customer\n"
    corrected += "O1,1,2024-03-04,A,12,3.50,C1\nO2,1,2024-03-12,A,5,3.50,C2\n"
    write_folder(folder, order_lines__csv=corrected)
    report = load_folder(con, folder, AS_OF)
    assert _lines(con) == [
        ("O1", 1, 12.0, "order_lines.csv"),
        ("O2", 1, 5.0, "order_lines.csv"),
    ]
    changed = [f.file for f in report.files if not f.unchanged]
    assert changed == ["order_lines.csv"]


def test_key_from_another_file_is_replaced_by_the_newer_file(con, tmp_path):
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    later = (
        "order_id,line,order_date,sku,quantity,unit_price,customer\nO2,1,2024-03-12,A,7,3.5,C2\n"
    )
    (folder / "order_lines_2024-03b.csv").write_text(later)
    load_folder(con, folder, AS_OF)
    assert ("O2", 1, 7.0, "order_lines_2024-03b.csv") in _lines(con)
    assert len(_lines(con)) == 3
    # editing the earlier file reloads it, but the later file keeps its key: the same folder
    # gives the same rows whatever was loaded when (it gave 5 units from order_lines.csv)
    write_folder(folder, order_lines__csv=BASE["order_lines.csv"].replace(",10,", ",11,"))
    report = load_folder(con, folder, AS_OF)
    assert ("O2", 1, 7.0, "order_lines_2024-03b.csv") in _lines(con)
    assert ("O1", 1, 11.0, "order_lines.csv") in _lines(con)
    assert len(_lines(con)) == 3
    entry = next(f for f in report.files if f.file == "order_lines.csv")
    assert (entry.rows_loaded, entry.rows_excluded) == (2, 1)
    fresh = tmp_path / "fresh.duckdb"
    with warehouse.connect(fresh) as other:
        load_folder(other, folder, AS_OF)
        assert sorted(_lines(other)) == sorted(_lines(con))


def test_a_line_dropped_by_the_later_file_comes_back_from_the_earlier(con, tmp_path):
    """Order lines overridden by a later file are kept aside, not deleted: when the later
    file no longer holds the key (or the earlier file is loaded last), the earlier row is
    what a fresh load of the folder gives."""
    header = "order_id,line,order_date,sku,quantity,unit_price,customer\n"
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    later = folder / "order_lines_2024-03b.csv"
    later.write_text(header + "O2,1,2024-03-12,A,7,3.5,C2\nO9,1,2024-03-14,A,1,3.5,C9\n")
    load_folder(con, folder, AS_OF)
    assert ("O2", 1, 7.0, "order_lines_2024-03b.csv") in _lines(con)
    later.write_text(header + "O9,1,2024-03-14,A,1,3.5,C9\n")
    report = load_folder(con, folder, AS_OF)
    assert ("O2", 1, 5.0, "order_lines.csv") in _lines(con)
    entry = next(f for f in report.files if f.file == "order_lines.csv")
    assert entry.unchanged and (entry.rows_loaded, entry.rows_excluded) == (3, 0)
    with warehouse.connect(tmp_path / "fresh.duckdb") as other:
        load_folder(other, folder, AS_OF)
        assert _lines(other) == _lines(con)
    # the other way round: the earlier file reloaded while a later one holds the key keeps
    # its row aside too, and gets it back when the later file is emptied of it
    later.write_text(header + "O1,1,2024-03-04,A,3,3.5,C1\n")
    load_folder(con, folder, AS_OF)
    write_folder(folder, order_lines__csv=BASE["order_lines.csv"].replace(",10,", ",11,"))
    load_folder(con, folder, AS_OF)
    assert ("O1", 1, 3.0, "order_lines_2024-03b.csv") in _lines(con)
    later.write_text(header + "O9,1,2024-03-14,A,1,3.5,C9\n")
    load_folder(con, folder, AS_OF)
    assert ("O1", 1, 11.0, "order_lines.csv") in _lines(con)
    with warehouse.connect(tmp_path / "fresh2.duckdb") as other:
        load_folder(other, folder, AS_OF)
        assert _lines(other) == _lines(con)


def test_items_with_stock_or_open_order_rows_in_quarantine_are_unknown_inputs(con, tmp_path):
    opens = BASE["open_orders.csv"] + "PO9,B,S1,-2,2024-04-20\n"
    stock = 'sku,on_hand\nA,5\nB,"1,292"\n'
    folder = write_folder(tmp_path / "in", stock__csv=stock, open_orders__csv=opens)
    load_folder(con, folder, AS_OF)
    skus = "SELECT table_name, sku FROM quarantine ORDER BY table_name"
    assert con.execute(skus).fetchall() == [("open_orders", "B"), ("stock", "B")]
    unknown = warehouse.read_planning_inputs(con)["unknown_inputs"]
    assert unknown["sku"].tolist() == ["B"]
    assert (
        unknown["reason"]
        .iloc[0]
        .startswith("stock.csv row 2 is in quarantine (on_hand '1,292' is not a number")
    )
    assert warehouse.read_planning_inputs(con, ["A"])["unknown_inputs"].empty
    # known again once the rows load
    write_folder(folder, stock__csv="sku,on_hand\nA,5\nB,1292\n", open_orders__csv=opens)
    load_folder(con, folder, AS_OF)
    unknown = warehouse.read_planning_inputs(con)["unknown_inputs"]
    assert unknown["reason"].tolist() == [
        "open_orders.csv row 2 is in quarantine (quantity -2 must be greater than 0)"
    ]


def test_a_stock_or_open_order_row_of_a_sku_in_other_case_leaves_its_item_unknown(con, tmp_path):
    """An export that writes 'a' for item A (a stock or ERP system of its own) quarantined the
    row as an unknown sku, and the plan counted A with nothing on hand and no order on its
    way: it ordered A again, and the load's note said A had no stock row now. Such a row is
    A's row in quarantine; a row of a sku that no item matches in any case leaves nothing
    unknown."""
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    stock = "sku,on_hand\na,120\nB,5\nZ,3\n"
    opens = "po_id,sku,supplier_id,quantity,due_date\nPO1,b,S1,100,2024-04-10\n"
    write_folder(folder, stock__csv=stock, open_orders__csv=opens)
    report = load_folder(con, folder, AS_OF)
    # A is not planned at all, not "planned with nothing on hand" as a row lost from the file
    assert not [n for n in report.notes if "nothing on hand" in n]
    unknown = warehouse.read_planning_inputs(con)["unknown_inputs"]
    assert unknown[["sku", "reason"]].values.tolist() == [
        ["A", "stock.csv row 1 is in quarantine (unknown sku 'a' (not in items, which has 'A'))"],
        ["B", "open_orders.csv row 1 is in quarantine (unknown sku 'b' (not in items, which has "
              "'B'))"],
    ]  # fmt: skip
    assert warehouse.read_planning_inputs(con, ["B"])["unknown_inputs"]["sku"].tolist() == ["B"]


def test_order_lines_of_a_sku_in_other_case_are_named_as_missing_from_its_history(con, tmp_path):
    """An export that writes 'a' for item A quarantined A's order lines as unknown skus, and
    the run forecast A from its category's typical item ("check the lot") with only a count
    of quarantined rows to say why. A note names the item, the spelling and what it means
    for the forecast; when only some lines are in another case, that its history misses them.
    A line dated after as_of is not counted; a run of some items hears only of its own."""
    lines = BASE["order_lines.csv"].replace(",A,", ",a,")
    lines += "O3,1,2024-03-20,B,4,6.00,C2\nO3,2,2024-03-21,b,3,6.00,C2\n"
    lines += "O4,1,2024-04-02,a,1,3.50,C1\n"
    report = load_folder(con, write_folder(tmp_path / "in", order_lines__csv=lines), AS_OF)
    expected = [
        "A: its 2 order lines are in quarantine (sku written a; items has A): forecast from its "
        "category's typical item, not its own history",
        "B: 1 of its 3 order lines is in quarantine (sku written b; items has B): its demand "
        "history and forecast miss it",
    ]
    assert [n for n in report.notes if "quarantine (sku written" in n] == expected
    assert [n for n in report.item_notes if "sku written" in n] == expected
    assert warehouse.item_notes(con, AS_OF, ["B"]) == expected[1:]


def test_an_open_order_due_at_a_placeholder_date_leaves_its_item_unknown(con, tmp_path):
    """An ERP writes 9999-12-31 for an open order without a date: it loaded and never counted
    in the plan (due after the horizon), so the item was ordered again without a word. A due
    date more than 10 years after as_of is quarantined; its item is an unknown input."""
    opens = BASE["open_orders.csv"] + "PO9,B,S1,20,9999-12-31\nPO10,A,S1,5,2034-03-30\n"
    load_folder(con, write_folder(tmp_path / "in", open_orders__csv=opens), AS_OF)
    assert quarantined(con, "open_orders") == [(
        2, "due_date", "due_date 9999-12-31 is more than 10 years after as_of 2024-03-31 (an "
        "ERP's placeholder for no date?); write the date the order is expected",
    )]  # fmt: skip
    unknown = warehouse.read_planning_inputs(con)["unknown_inputs"]
    assert unknown["sku"].tolist() == ["B"]
    assert unknown["reason"].iloc[0].startswith("open_orders.csv row 2 is in quarantine (due_")
    due = "SELECT po_id, due_date FROM open_orders WHERE po_id = 'PO10'"
    assert con.execute(due).fetchall() == [("PO10", date(2034, 3, 30))]


def test_price_breaks_of_a_quarantined_supplier_item_name_its_row(con, tmp_path):
    """pack_size 0 quarantines S1 × B in supplier_items; its price break said "supplier_id
    'S1' × sku 'B' is not in supplier_items" although the row is in the file."""
    offers = BASE["supplier_items.csv"].replace("S1,B,10,1,", "S1,B,10,0,")
    breaks = BASE["price_breaks.csv"] + "S2,B,10,4.50\n"
    folder = write_folder(tmp_path / "in", supplier_items__csv=offers, price_breaks__csv=breaks)
    load_folder(con, folder, AS_OF)
    assert quarantined(con, "supplier_items") == [
        (3, "pack_size", "pack_size 0 must be greater than 0")
    ]
    assert [r[2] for r in quarantined(con, "price_breaks")] == [
        "supplier_id 'S1' × sku 'B' is quarantined in supplier_items (supplier_items.csv row 3: "
        "pack_size 0 must be greater than 0)",
        "supplier_id 'S2' × sku 'B' is not in supplier_items",  # nowhere in the file
    ]
    rows = warehouse.read_planning_inputs(con)["quarantined_supplier_items"]
    assert rows.values.tolist() == [
        ["B", "supplier_items.csv", 3, "pack_size 0 must be greater than 0"]
    ]
    assert warehouse.read_planning_inputs(con, ["A"])["quarantined_supplier_items"].empty


def test_a_second_stock_row_of_a_sku_leaves_its_stock_unknown(con, tmp_path):
    """Two rows for A (two locations, or a doubled export): the first loaded, the second went
    to quarantine, and A was planned on the first row's 0 units as if it were all."""
    load_folder(
        con, write_folder(tmp_path / "in", stock__csv="sku,on_hand\nA,0\nB,5\nA,500\n"), AS_OF
    )
    unknown = warehouse.read_planning_inputs(con)["unknown_inputs"]
    assert unknown["sku"].tolist() == ["A"]
    assert unknown["reason"].iloc[0].startswith("stock.csv row 3 is in quarantine (duplicate key")


def test_a_doubled_row_is_harmless_and_rows_that_disagree_leave_the_item_unknown(con, tmp_path):
    """A doubled export line (same values) left the item's stock unknown; two items rows of
    B with other holding costs planned B on the first, as if it were right."""
    items = BASE["items.csv"] + "B,Nut M8,fasteners,ramp_up,0.05,0.9,2026-12-31,0.5,12\n"
    stock = "sku,on_hand\nA,120\nB,5\nA,120\n"
    load_folder(con, write_folder(tmp_path / "in", items__csv=items, stock__csv=stock), AS_OF)
    assert [r[2] for r in quarantined(con, "stock")] == [
        "duplicate key sku='A' (first at row 1, same values)"
    ]
    inputs = warehouse.read_planning_inputs(con)
    assert inputs["unknown_inputs"].empty
    lost = inputs["quarantined_items"]
    assert lost[["sku", "row_number", "reason"]].values.tolist() == [
        ["B", 3, "duplicate key sku='B' (first at row 2)"]
    ]


def test_a_row_of_a_key_in_quarantine_for_a_bad_value_leaves_the_key_unknown(con, tmp_path):
    """Two items rows of B, the second with another holding cost and an unknown
    lifecycle_stage: only its stage was quarantined, and B was planned on the first row as if
    it were right (two rows that disagree leave an item unplanned). With the bad row first,
    the second loaded as if it were the only one; so did a supplier's."""
    items = BASE["items.csv"] + "B,Nut M8,fasteners,prototype,0.05,0.9,2026-12-31,0.5,12\n"
    load_folder(con, write_folder(tmp_path / "in", items__csv=items), AS_OF)
    assert quarantined(con, "items") == [
        (3, "lifecycle_stage", "lifecycle_stage 'prototype' is not one of pilot, ramp_up, "
         "series, phase_out"),
        (3, "sku", "duplicate key sku='B' (first at row 2)"),
    ]  # fmt: skip
    lost = warehouse.read_planning_inputs(con)["quarantined_items"]
    assert lost[["sku", "row_number"]].values.tolist() == [["B", 3]]
    header, a, b = BASE["items.csv"].splitlines()
    first_bad = f"{header}\n{a}\n{b.replace('ramp_up', 'prototype')}\n{b}\n"
    suppliers = BASE["suppliers.csv"] + "S1,Acme,x,50,0.95,0.01\n"
    folder = write_folder(tmp_path / "in", items__csv=first_bad, suppliers__csv=suppliers)
    load_folder(con, folder, AS_OF)
    assert con.execute("SELECT sku FROM items").fetchall() == [("A",)]
    assert [r[:2] for r in quarantined(con, "items")] == [(2, "lifecycle_stage"), (3, "sku")]
    assert con.execute("SELECT supplier_id FROM suppliers").fetchall() == [("S2",)]
    assert quarantined(con, "suppliers") == [
        (1, "supplier_id", "duplicate key supplier_id='S1' (row 3 has other values: which "
         "row is right is not known)"),
        (3, "lead_time", "lead_time 'x' is not a number (decimal separator '.')"),
        (3, "supplier_id", "duplicate key supplier_id='S1' (first at row 1)"),
    ]  # fmt: skip


def test_supplier_or_offer_rows_that_disagree_leave_the_offer_out(con, tmp_path):
    """A second suppliers row of S2 with another lead time, and a second supplier_items row of
    S1 x A with another moq: the first rows loaded and A was planned on S2's 7 days and S1's
    moq 100 as if they were right, while the run said only "offer left out" of the doubled row
    (or nothing at all, for the supplier). A doubled line with the same values stays harmless."""
    suppliers = BASE["suppliers.csv"] + "S2,Brix,70,30,,\nS1,Acme,14,50,0.95,0.01\n"
    offers = BASE["supplier_items.csv"] + "S1,A,1000,10,all_units\n"
    load_folder(
        con,
        write_folder(tmp_path / "in", suppliers__csv=suppliers, supplier_items__csv=offers),
        AS_OF,
    )
    assert con.execute("SELECT supplier_id FROM suppliers").fetchall() == [("S1",)]
    assert quarantined(con, "suppliers") == [
        (2, "supplier_id", "duplicate key supplier_id='S2' (row 3 has other values: which "
         "row is right is not known)"),
        (3, "supplier_id", "duplicate key supplier_id='S2' (first at row 2)"),
        (4, "supplier_id", "duplicate key supplier_id='S1' (first at row 1, same values)"),
    ]  # fmt: skip
    offers = con.execute("SELECT supplier_id, sku, moq FROM supplier_items").fetchall()
    assert offers == [("S1", "B", 10)]
    rows = warehouse.read_planning_inputs(con)["quarantined_supplier_items"]
    assert rows[["sku", "row_number", "reason"]].values.tolist() == [
        ["A", 1, "duplicate key supplier_id='S1', sku='A' (row 4 has other values: which row "
         "is right is not known)"],
        ["A", 2, "supplier_id 'S2' is quarantined in suppliers (suppliers.csv row 2: duplicate "
         "key supplier_id='S2' (row 3 has other values: which row is right is not known))"],
        ["A", 4, "duplicate key supplier_id='S1', sku='A' (first at row 1)"],
    ]  # fmt: skip


def test_price_break_rows_of_one_tier_that_disagree_price_neither(con, tmp_path):
    """Two rows of S1 x A at min_qty 500 (1.80 and 1.50): the first one priced the tier as if
    it were right. Neither does now; the rest of the offer's tiers still price it."""
    breaks = BASE["price_breaks.csv"] + "S1,A,500,1.50\n"
    load_folder(con, write_folder(tmp_path / "in", price_breaks__csv=breaks), AS_OF)
    tiers = "SELECT supplier_id, sku, min_qty FROM price_breaks ORDER BY ALL"
    assert con.execute(tiers).fetchall() == [("S1", "A", 100), ("S1", "B", 10), ("S2", "A", 50)]
    assert [r[0] for r in quarantined(con, "price_breaks")] == [2, 5]


def test_a_tier_in_quarantine_is_named_with_its_item_on_every_load(con, tmp_path):
    """S1's first tier of A had unit_price 0: only that row went to quarantine, A's offer
    was then priced from the 500 tier (its smallest lot moved up) and no note named A."""
    breaks = BASE["price_breaks.csv"].replace("S1,A,100,2.00", "S1,A,100,0") + "S1,B,10,4.00\n"
    folder = write_folder(tmp_path / "in", price_breaks__csv=breaks)
    first = load_folder(con, folder, AS_OF)
    (note,) = [n for n in first.notes if "price break" in n]
    assert note.startswith(
        "1 price break row in quarantine: this item's offer is priced by its other tiers, "
        "without that one: A (price_breaks.csv row 1: unit_price 0"
    )
    assert "A (price_breaks.csv row 1: unit_price 0" in note  # the doubled B row: not named
    again = load_folder(con, folder, AS_OF)  # unchanged files are not read again
    assert [n for n in again.notes if "price break" in n] == [note]


def test_quarantine_notes_count_one_row_in_the_singular_and_more_in_the_plural(con, tmp_path):
    """'1 price break row(s) in quarantine: these items' offers are ...' and '1 row(s) in
    quarantine' for one row of one item: the notes say '1 row' and '2 rows' and agree with it."""
    one = BASE["price_breaks.csv"].replace("S1,A,100,2.00", "S1,A,100,0") + "S1,B,20,3.90\n"
    report = load_folder(con, write_folder(tmp_path / "one", price_breaks__csv=one), AS_OF)
    assert "1 row in quarantine: see reorder quarantine --db " in report.summary()
    (note,) = [n for n in report.notes if "price break" in n]
    assert note.startswith("1 price break row in quarantine: this item's offer is priced by its "
                           "other tiers, without that one: A (")  # fmt: skip
    two = one.replace("S1,B,10,4.00", "S1,B,10,-4")
    report = load_folder(con, write_folder(tmp_path / "two", price_breaks__csv=two), AS_OF)
    assert "2 rows in quarantine: see reorder quarantine --db " in report.summary()
    (note,) = [n for n in report.notes if "price break" in n]
    assert note.startswith("2 price break rows in quarantine: these items' offers are priced by "
                           "their other tiers, without those: A (")  # fmt: skip
    assert "; B (price_breaks.csv row 4: " in note


def test_commands_in_load_notes_name_the_warehouse_file(tmp_path, monkeypatch):
    """'; and 1 more (reorder quarantine --rows)' and '`reorder forget --db ... FILE`' named
    no warehouse, and the terminal has none by default: a copied command stopped at "Missing
    option '--db'". They name the file the load wrote, absolute (the load ran elsewhere), and
    a path with a space in quotes: unquoted, the copied command's --db took '/tmp/my'."""
    import shlex

    from warehouse.load_notes import tiers_left_out

    folder = tmp_path / "my data"
    folder.mkdir()
    monkeypatch.chdir(folder)
    breaks = BASE["price_breaks.csv"].replace("S1,A,100,2.00", "S1,A,100,0")
    with warehouse.connect("wh.duckdb") as con:
        load_folder(con, write_folder(tmp_path / "in", price_breaks__csv=breaks), AS_OF)
        (note,) = tiers_left_out(con, shown=0)
    db = folder / "wh.duckdb"
    assert note.endswith(f"; and 1 more (reorder quarantine --db '{db}' --rows)")
    command = note.rpartition("(")[2].removesuffix(")")
    assert shlex.split(command) == ["reorder", "quarantine", "--db", str(db), "--rows"]


def test_an_offer_whose_only_tier_is_in_quarantine_is_named_as_left_out(con, tmp_path):
    """S2's only tier of A had unit_price 0: S2's offer of A was left out (no valid price
    break), and the note said A's offers were priced by their other tiers. It names that offer
    as left out, apart from S1's offer of A, which its other tier still prices."""
    breaks = (
        BASE["price_breaks.csv"]
        .replace("S1,A,100,2.00", "S1,A,100,0")
        .replace("S2,A,50,2.20", "S2,A,50,0")
    )
    report = load_folder(con, write_folder(tmp_path / "in", price_breaks__csv=breaks), AS_OF)
    assert quarantined(con, "supplier_items") == [
        (2, "sku", "supplier_id 'S2' × sku 'A' has no valid price break")
    ]
    why = "unit_price 0 must be greater than 0"
    assert [n for n in report.notes if "price break" in n] == [
        "1 price break row in quarantine: this item's offer is priced by its other tiers, "
        f"without that one: A (price_breaks.csv row 1: {why})",
        "1 offer left out, its price break rows all in quarantine (no valid price break; "
        f"the item keeps its other offers): S2's offer of A (price_breaks.csv row 3: {why})",
    ]
    # quarantine keeps the row's supplier: the offer is known without the file
    assert con.execute(
        "SELECT table_name, row_number, supplier_id, sku FROM quarantine ORDER BY ALL"
    ).fetchall() == [("price_breaks", 1, "S1", "A"), ("price_breaks", 3, "S2", "A"),
                     ("supplier_items", 2, "S2", "A")]  # fmt: skip


def test_an_item_whose_own_row_is_quarantined_is_named_for_the_plan(con, tmp_path):
    """B's end_of_life '31.12.2026' quarantined its items row (and its order lines): B then
    vanished from the plan without a word, neither among the lots nor among the items the
    plan could not use."""
    items = BASE["items.csv"].replace("2026-12-31", "31.12.2026")
    load_folder(con, write_folder(tmp_path / "in", items__csv=items), AS_OF)
    rows = warehouse.read_planning_inputs(con)["quarantined_items"]
    assert rows[["sku", "file", "row_number"]].values.tolist() == [["B", "items.csv", 2]]
    assert "end_of_life" in rows["reason"].iloc[0]
    assert warehouse.read_planning_inputs(con, ["A"])["quarantined_items"].empty


def test_an_unsplittable_stock_row_leaves_the_items_without_stock_rows_unknown(con, tmp_path):
    """`B,1,292` has one field too many: its sku cannot be trusted, so no item without a
    loaded stock row is planned as if nothing were on hand."""
    folder = write_folder(tmp_path / "in", stock__csv="sku,on_hand\nA,5\nB,1,292\n")
    load_folder(con, folder, AS_OF)
    unknown = warehouse.read_planning_inputs(con)["unknown_inputs"]
    assert unknown["sku"].tolist() == ["B"]
    assert unknown["reason"].iloc[0].startswith("stock.csv row 2 is in quarantine (row has 3")


def test_changing_the_master_files_encoding_reloads_them(con, tmp_path):
    from warehouse.config import parse_config

    folder = write_folder(tmp_path / "in")
    text = BASE["items.csv"].replace("Bolt M8", "Schraube M\xfcller")
    (folder / "items.csv").write_text(text, encoding="utf-8")
    load_folder(con, folder, AS_OF, parse_config({"master_files": {"encoding": "cp1252"}}))
    load_folder(con, folder, AS_OF)  # the right encoding, the same bytes
    descriptions = [r[0] for r in con.execute("SELECT description FROM items").fetchall()]
    assert "Schraube M\xfcller" in descriptions


def test_an_earlier_file_emptied_while_a_later_one_overrides_it_is_refused(con, tmp_path):
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    lines = BASE["order_lines.csv"]
    (folder / "order_lines_b.csv").write_text(lines)  # overrides all 3 keys
    load_folder(con, folder, AS_OF)
    write_folder(folder, order_lines__csv=lines.splitlines()[0] + "\n")
    with pytest.raises(LoadError, match=r"the warehouse holds 3 of its rows"):
        load_folder(con, folder, AS_OF)


@pytest.mark.parametrize("emptied", ["header only", "missing"])
def test_a_stock_file_that_loses_all_its_rows_is_refused(con, tmp_path, emptied):
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    before = table_counts(con)
    write_folder(folder, stock__csv=None if emptied == "missing" else "sku,on_hand\n")
    with pytest.raises(LoadError, match=r"stock.* but the stock table holds 2 rows") as error:
        load_folder(con, folder, AS_OF)
    assert "on_hand 0" in str(error.value)
    assert table_counts(con) == before
    # an all-zero stock file is what a planner writes when nothing is on hand
    write_folder(folder, stock__csv="sku,on_hand\nA,0\n")
    load_folder(con, folder, AS_OF)
    assert con.execute("SELECT sku, on_hand FROM stock").fetchall() == [("A", 0.0)]
    write_folder(folder, stock__csv="sku,on_hand\n")
    with pytest.raises(LoadError, match=r"the stock table holds 1 row: loading"):
        load_folder(con, folder, AS_OF)


def test_a_line_a_later_file_cancels_stays_cancelled(con, tmp_path):
    """The latest file's word on a line counts, also when that word is "cancelled": the
    earlier file's row does not come back as demand."""
    from warehouse.config import parse_config

    config = parse_config(
        {"order_lines": {"cancelled_column": "status", "cancelled_values": ["storniert"]}}
    )
    header = "order_id,line,order_date,sku,quantity,unit_price,customer,status\n"
    base = header + "O1,1,2024-03-04,A,10,3.5,C1,ok\nO2,1,2024-03-12,A,5,3.5,C2,ok\n"
    folder = write_folder(tmp_path / "in", order_lines__csv=base)
    later = folder / "order_lines_b.csv"
    later.write_text(header + "O2,1,2024-03-12,A,5,3.5,C2,ok\n")
    load_folder(con, folder, AS_OF, config)
    later.write_text(header + "O2,1,2024-03-12,A,5,3.5,C2,storniert\n")
    load_folder(con, folder, AS_OF, config)
    assert [k for k, *_ in _lines(con)] == ["O1"]
    with warehouse.connect(tmp_path / "fresh.duckdb") as other:
        load_folder(other, folder, AS_OF, config)
        assert _lines(other) == _lines(con)
    # the later file cancels it, then drops it: the earlier row comes back
    later.write_text(header)
    (folder / "order_lines_c.csv").write_text(header + "O9,1,2024-03-14,A,1,3.5,C9,ok\n")
    with pytest.raises(LoadError, match="holds 1 of its rows"):  # an emptied export
        load_folder(con, folder, AS_OF, config)
    later.write_text(header + "O8,1,2024-03-14,A,1,3.5,C8,ok\n")
    load_folder(con, folder, AS_OF, config)
    assert ("O2", 1, 5.0, "order_lines.csv") in _lines(con)
    with warehouse.connect(tmp_path / "fresh2.duckdb") as other:
        load_folder(other, folder, AS_OF, config)
        assert _lines(other) == _lines(con)


def test_reload_replaces_the_quarantine_of_the_file(con, tmp_path):
    bad = BASE["order_lines.csv"] + "O3,1,2024-03-13,A,x,3.50,C3\n"
    folder = write_folder(tmp_path / "in", order_lines__csv=bad)
    load_folder(con, folder, AS_OF)
    assert len(quarantined(con, "order_lines")) == 1
    write_folder(folder, order_lines__csv=bad.replace(",x,", ",4,"))
    report = load_folder(con, folder, AS_OF)
    assert quarantined(con, "order_lines") == []
    assert report.quarantined == 0
    assert len(_lines(con)) == 4


def test_later_as_of_admits_lines_quarantined_as_future(con, tmp_path):
    lines = BASE["order_lines.csv"] + "O3,1,2024-04-02,A,1,3.50,C3\n"
    folder = write_folder(tmp_path / "in", order_lines__csv=lines)
    load_folder(con, folder, AS_OF)
    assert len(_lines(con)) == 3
    report = load_folder(con, folder, AS_OF + timedelta(days=7))
    assert len(_lines(con)) == 4
    assert quarantined(con, "order_lines") == []
    assert [f.unchanged for f in report.files if f.table == "order_lines"] == [False]


def test_a_rerun_of_an_earlier_night_counts_the_later_lines_of_unchanged_files(con, tmp_path):
    """A rerun of an earlier night skipped a daily file loaded on a later night (same bytes,
    nothing of it in quarantine): its lines dated after as_of stayed loaded, and the load
    said '1 of them an order line dated after as_of' where 3 were (the demo's rerun of
    2026-12-02: 1 where 6 were). Now such a file is read again: every later line is in
    quarantine, counted, and the next later night loads it again."""
    lines = BASE["order_lines.csv"] + "O9,1,2024-05-01,A,1,3.50,C9\n"  # a typo'd future date
    folder = write_folder(tmp_path / "in", order_lines__csv=lines)
    header = BASE["order_lines.csv"].splitlines()[0]
    daily = f"{header}\nO3,1,2024-04-02,A,1,3.50,C3\nO4,1,2024-04-02,B,2,6.00,C4\n"
    (folder / "order_lines_0402.csv").write_text(daily, encoding="utf-8")
    later = AS_OF + timedelta(days=2)
    assert load_folder(con, folder, later).after_as_of == 1
    assert len(_lines(con)) == 5
    rerun = load_folder(con, folder, AS_OF)
    assert rerun.after_as_of == 3 and rerun.quarantined == 3
    assert "3 rows in quarantine, all order lines dated after as_of (a later night loads them)" in (
        rerun.summary()
    )
    (newest,) = con.execute("SELECT max(order_date) FROM order_lines").fetchone()
    assert newest <= AS_OF
    again = load_folder(con, folder, AS_OF)  # the same night: skipped, the same count
    assert again.after_as_of == 3 and all(f.unchanged for f in again.files)
    assert load_folder(con, folder, later).after_as_of == 1 and len(_lines(con)) == 5


def test_changed_master_file_reloads_the_master_tables(con, tmp_path):
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    write_folder(folder, stock__csv="sku,on_hand\nA,80\n")
    report = load_folder(con, folder, AS_OF)
    assert con.execute("SELECT sku, on_hand FROM stock").fetchall() == [("A", 80.0)]
    assert {f.table for f in report.files if not f.unchanged} == {
        "items",
        "suppliers",
        "supplier_items",
        "price_breaks",
        "stock",
        "open_orders",
    }


def test_optional_tables_may_be_absent(con, tmp_path):
    folder = write_folder(tmp_path / "in", stock__csv=None, open_orders__csv=None)
    report = load_folder(con, folder, AS_OF)
    assert table_counts(con)["stock"] == 0
    assert table_counts(con)["open_orders"] == 0
    assert "stock" not in {f.table for f in report.files}
    # open orders may all be gone (stock may not: see the test below)
    write_folder(folder, stock__csv=None)
    load_folder(con, folder, AS_OF)
    write_folder(folder, stock__csv=None, open_orders__csv=None)
    load_folder(con, folder, AS_OF)
    assert table_counts(con)["open_orders"] == 0


@pytest.mark.parametrize("missing", ["items.csv", "price_breaks.csv", "order_lines.csv"])
def test_missing_required_table_raises_naming_it(con, tmp_path, missing):
    folder = write_folder(tmp_path / "in", **{missing.replace(".", "__"): None})
    stem = missing.removesuffix(".csv")
    with pytest.raises(LoadError, match=stem):
        load_folder(con, folder, AS_OF)
    assert table_counts(con)["items"] == 0


def test_no_order_lines_file_names_the_files_not_read_and_load_toml(con, tmp_path):
    """A first ERP export in the folder (Auftragspositionen_2025.csv) and no --config: the load
    said only "no order_lines file matching order_lines*.csv, order_lines*.parquet", not which
    files it saw nor that load.toml maps an export of another name."""
    from warehouse.config import parse_config

    folder = write_folder(tmp_path / "in", order_lines__csv=None)
    (folder / "Auftragspositionen_2025.csv").write_text("Belegnr;Pos\nRE-1;1\n")
    (folder / "load.toml").write_text("")
    with pytest.raises(LoadError) as error:
        load_folder(con, folder, AS_OF)
    assert str(error.value) == (
        f"{folder}: no order_lines file matching order_lines*.csv, order_lines*.parquet; "
        "files no table reads: Auftragspositionen_2025.csv: an ERP export of another name "
        "and columns loads when a load.toml lists it under [order_lines] files, with its "
        "columns and dialect (README, ERP exports: load.toml), passed with --config"
    )
    config = parse_config({"order_lines": {"files": ["Auftrag_*.csv"]}}, "load.toml")
    with pytest.raises(LoadError) as error:
        load_folder(con, folder, AS_OF, config)
    assert str(error.value) == (
        f"{folder}: no order_lines file matching Auftrag_*.csv (files under [order_lines] in "
        "the load.toml); files no table reads: Auftragspositionen_2025.csv"
    )
    assert table_counts(con)["loads"] == 0


@pytest.mark.parametrize("name", ["items.csv", "Stock.CSV", "order_lines_0621.csv"])
def test_a_directory_named_as_an_input_file_is_refused_naming_it(con, tmp_path, name):
    """A folder named items.csv (an unzipped export) was reported as "items.csv (or .parquet)
    is missing"; one named stock.csv was read as no stock at all, without a word."""
    folder = write_folder(tmp_path / "in", **{name.lower().replace(".", "__"): None})
    (folder / name).mkdir()
    with pytest.raises(LoadError) as error:
        load_folder(con, folder, AS_OF)
    assert str(error.value).startswith(f"{folder / name}: is a directory, not a file")
    assert table_counts(con)["loads"] == 0


def test_file_that_cannot_be_read_raises_naming_it_and_writes_nothing(con, tmp_path):
    folder = write_folder(tmp_path / "in")
    (folder / "order_lines.csv").write_bytes(b"order_id,line\n\xff\xfe\x00garbage\n")
    no_text = r"order_lines\.csv: cannot be read: not a text CSV file: byte 16 is a NUL byte"
    with pytest.raises(LoadError, match=no_text):
        load_folder(con, folder, AS_OF)
    assert table_counts(con)["items"] == 0
    assert table_counts(con)["loads"] == 0


def test_a_binary_file_named_csv_is_no_text_csv_not_an_encoding_to_set(con, tmp_path):
    """A workbook saved as stock.csv, or any binary file, was "byte 0x85 ... is not utf-8-sig;
    set `encoding` ... (e.g. cp1252)": no encoding reads it."""
    import io
    import zipfile

    from warehouse.config import parse_config

    workbook = io.BytesIO()
    with zipfile.ZipFile(workbook, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>" * 50)
    folder = write_folder(tmp_path / "in")
    excel = "not a text CSV file: it starts like an Excel workbook"
    for config in (None, parse_config({"order_lines": {"encoding": "cp1252"}})):
        (folder / "order_lines.csv").write_bytes(workbook.getvalue())
        with pytest.raises(LoadError, match=rf"^order_lines\.csv: cannot be read: {excel} "
                           r"\(\.xlsx\): save it as CSV$"):  # fmt: skip
            load_folder(con, folder, AS_OF, config)
    write_folder(folder)
    (folder / "stock.csv").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(500))
    with pytest.raises(LoadError, match=rf"^stock\.csv: cannot be read: {excel} \(\.xls\)"):
        load_folder(con, folder, AS_OF)
    (folder / "stock.csv").write_bytes(bytes(range(1, 256)) + bytes(range(256)))
    with pytest.raises(LoadError, match=r"^stock\.csv: cannot be read: not a text CSV file: byte "
                       r"255 is a NUL byte"):  # fmt: skip
        load_folder(con, folder, AS_OF)
    assert table_counts(con)["loads"] == 0


def test_corrupt_parquet_file_raises_naming_it(con, tmp_path):
    folder = write_folder(tmp_path / "in", order_lines__csv=None)
    (folder / "order_lines.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(LoadError, match=r"order_lines\.parquet: cannot be read"):
        load_folder(con, folder, AS_OF)


def test_missing_column_raises_naming_file_and_column(con, tmp_path):
    folder = write_folder(tmp_path / "in", stock__csv="sku|on_hand\nA|5\n")
    with pytest.raises(LoadError, match=r"stock\.csv: missing columns sku, on_hand \(") as error:
        load_folder(con, folder, AS_OF)
    # a master file has no column mapping, but a delimiter under [master_files]
    assert str(error.value).endswith(
        "(found: sku|on_hand); master files have our column names, separated by commas or the "
        "delimiter under [master_files] in load.toml (see README, Data formats)"
    )
    lines = "Belegnr,Pos,Datum,Artikel,Menge\nO1,1,2024-03-04,A,1\n"
    write_folder(folder, stock__csv="sku,on_hand\nA,5\n", order_lines__csv=lines)
    with pytest.raises(LoadError, match=r"check the delimiter and the column mapping$"):
        load_folder(con, folder, AS_OF)


def test_parquet_files_load_with_typed_columns(con, tmp_path):
    folder = write_folder(tmp_path / "in", order_lines__csv=None)
    frame = pd.DataFrame(
        {
            "order_id": ["O1", "O1", "O2"],
            "line": [1, 2, 1],
            "order_date": pd.to_datetime(["2024-03-04", "2024-03-05", "2024-04-02"]),
            "sku": ["A", "B", "A"],
            "quantity": [10.0, 2.5, 1.0],
            "unit_price": [3.5, None, 3.5],
            "customer": ["C1", None, "C2"],
        }
    )
    frame.to_parquet(folder / "order_lines.parquet")
    report = load_folder(con, folder, AS_OF)
    assert _lines(con) == [
        ("O1", 1, 10.0, "order_lines.parquet"),
        ("O1", 2, 2.5, "order_lines.parquet"),
    ]
    assert quarantined(con, "order_lines") == [
        (3, "order_date", "order_date 2024-04-02 is after as_of 2024-03-31")
    ]
    assert report.quarantined == 1 and report.after_as_of == 1
    # a past night's rerun quarantines every later line: 14,502 rows read as bad ones
    assert (
        "1 row in quarantine, an order line dated after as_of (a later night loads it): "
        "see reorder quarantine --db "
    ) in report.summary()
    again = load_folder(con, folder, AS_OF)  # skipped, unchanged: counts of its last load
    assert again.files[-1].unchanged and again.after_as_of == 1
    dates = con.execute("SELECT DISTINCT order_date FROM order_lines ORDER BY 1").fetchall()
    assert dates == [(date(2024, 3, 4),), (date(2024, 3, 5),)]


@pytest.mark.parametrize("emptied", ["items.csv", "price_breaks.csv"])
def test_a_required_file_with_only_its_header_is_refused_and_nothing_changes(
    con, tmp_path, emptied
):
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    before = table_counts(con)
    header = BASE[emptied].splitlines()[0] + "\n"
    write_folder(folder, **{emptied.replace(".", "__"): header})
    with pytest.raises(LoadError, match=rf"{emptied}: no rows below the header; .* required"):
        load_folder(con, folder, AS_OF)
    assert table_counts(con) == before


def test_an_emptied_order_lines_file_is_refused_a_new_empty_one_is_not(con, tmp_path):
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    header = BASE["order_lines.csv"].splitlines()[0] + "\n"
    (folder / "order_lines_delta.csv").write_text(header)
    load_folder(con, folder, AS_OF)  # a new delta file without rows: nothing to refuse
    write_folder(folder, order_lines__csv=header)
    with pytest.raises(LoadError, match=r"order_lines\.csv: no rows below the header, but the "
                       r"warehouse holds 3 of its rows; loading it would delete them"):  # fmt: skip
        load_folder(con, folder, AS_OF)
    assert table_counts(con)["order_lines"] == 3


def test_a_required_file_without_one_valid_row_stops_the_load(con, tmp_path):
    items = BASE["items.csv"].replace(",series,", ",serial,").replace(",ramp_up,", ",ramp,")
    folder = write_folder(tmp_path / "in", items__csv=items)
    with pytest.raises(LoadError, match=r"items\.csv: none of its 2 rows is valid \(row 1: "
                       r"lifecycle_stage 'serial' is not one of"):  # fmt: skip
        load_folder(con, folder, AS_OF)
    assert table_counts(con)["items"] == 0


def test_a_stray_quote_quarantines_its_row_and_a_bad_byte_is_located_in_the_file(con, tmp_path):
    """One description `"Special" bolt` stopped the whole load ("cannot be read: line 4"),
    and an unclosed quote swallowed the rows up to the next quote into one broken row."""
    lines = BASE["order_lines.csv"] + 'O3,1,2024-03-13,"A"x,1,3.50,C3\n'
    lines += "O4,1,2024-03-14,A,2,3.5,C4\n"
    items = BASE["items.csv"].replace("Nut M8", '"Nut 3/4"" x 10m') + (
        'C,"Hose",fasteners,series,0.1,0.25,,0,\nD,Disc,fasteners,series,0.1,0.25,,0,\n'
    )
    folder = write_folder(tmp_path / "in", order_lines__csv=lines, items__csv=items)
    load_folder(con, folder, AS_OF)
    assert quarantined(con, "order_lines") == [
        (2, "sku", "unknown sku 'B' (not in items)"),  # B's items row is the broken one
        (4, None, "line 5 cannot be split: ',' expected after '\"' (a stray quote?)"),
    ]
    assert table_counts(con)["order_lines"] == 3  # O4 loads
    assert [r[0] for r in con.execute("SELECT sku FROM items ORDER BY sku").fetchall()] == [
        "A", "C", "D"]  # fmt: skip
    assert quarantined(con, "items")[0][:2] == (2, None)
    # 0x81 is neither UTF-8 nor cp1252 (the fallback): no guess, the byte is named
    data = BASE["order_lines.csv"].encode() + b"O3,1,2024-03-13,A,1,3.50,M\x81ller\n"
    (folder / "order_lines.csv").write_bytes(data)
    offset = data.index(b"\x81")
    with pytest.raises(LoadError, match=rf"byte 0x81 on line 5 \(byte {offset} of the file\) "
                       r"is not utf-8-sig; set `encoding` under \[order_lines\] in "
                       r"load.toml"):  # fmt: skip
        load_folder(con, folder, AS_OF)
    assert table_counts(con)["order_lines"] == 3  # the unreadable file changed nothing
    # a UTF-8 byte order mark says UTF-8: 0xfc (cp1252's u-umlaut) is named, not read as
    # cp1252 with the mark turned into a header 'ï»¿order_id' ("missing column order_id")
    data = b"\xef\xbb\xbf" + BASE["order_lines.csv"].encode() + b"O3,1,2024-03-13,A,1,3,M\xfc\n"
    (folder / "order_lines.csv").write_bytes(data)
    damaged = r"byte 0xfc on line 5 .* is not UTF-8, though the file starts with UTF-8's byte "
    with pytest.raises(LoadError, match=damaged):
        load_folder(con, folder, AS_OF)
    # configured as cp1252 (what the hint said before), the mark became part of the header
    from warehouse.config import parse_config

    cp1252 = parse_config({"order_lines": {"encoding": "cp1252"}})
    with pytest.raises(LoadError, match=damaged):
        load_folder(con, folder, AS_OF, cp1252)


def test_a_file_in_the_other_encoding_than_configured_is_read_right_with_a_note(con, tmp_path):
    """Excel saves CSV in cp1252, ERPs write UTF-8: an umlaut in items.csv stopped the night
    ("cannot be read: byte 0xfc") and, with cp1252 configured, a UTF-8 stock.csv read
    "Müller" as "MÃ¼ller" without a word."""
    from warehouse.config import parse_config

    folder = write_folder(tmp_path / "in")
    text = BASE["items.csv"].replace("Bolt M8", "Schraube M\xfcller")
    (folder / "items.csv").write_bytes(text.encode("cp1252"))
    lines = BASE["order_lines.csv"].replace(",C1\n", ",K\xf6ln\n")
    (folder / "order_lines.csv").write_bytes(lines.encode("utf-8"))
    cp1252 = parse_config({"master_files": {"encoding": "cp1252"}, "order_lines": {
        "encoding": "cp1252"}})  # fmt: skip
    for config, notes in ((None, ["items.csv: read as cp1252, not UTF-8: its bytes are not "
                                  "UTF-8 (line 2: 'A,Schraube M\xfcller,"]),
                          (cp1252, ["order_lines.csv: read as UTF-8, not cp1252: its text is "
                                    "UTF-8, which cp1252 would misread (line 2: "])):  # fmt: skip
        con.execute("DELETE FROM loads")  # load everything again
        report = load_folder(con, folder, AS_OF, config)
        found = [n for n in report.notes if " read as " in n]
        assert [n[: len(want)] for n, want in zip(found, notes, strict=True)] == notes
        assert found[0].endswith("set `encoding` under [master_files] in load.toml") == (
            config is None
        )
        descriptions = [r[0] for r in con.execute("SELECT description FROM items").fetchall()]
        assert "Schraube M\xfcller" in descriptions
        customers = [r[0] for r in con.execute("SELECT customer FROM order_lines").fetchall()]
        assert "K\xf6ln" in customers


def _unicode_text(text: str, codec: str = "utf-16-le") -> bytes:
    """`text` as Excel's "Unicode Text" writes it: tab-separated, CRLF, UTF-16 with a byte
    order mark (`codec`: its byte order)."""
    bom = codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE
    return bom + text.replace(",", "\t").replace("\n", "\r\n").encode(codec)


def test_a_utf16_file_with_its_byte_order_mark_loads_as_its_utf8_twin(con, tmp_path):
    """Excel's "Unicode Text" (UTF-16, tab-separated) stopped the load: "byte 0xff on line 1
    ... is not utf-8-sig; set `encoding` ... (e.g. cp1252)", and with cp1252 set, its header
    read as 'ÿþs k u ...'. Its byte order mark names the encoding, whatever is configured."""
    from warehouse.config import parse_config

    items = BASE["items.csv"].replace("Bolt M8", "Schraube M\xfcller \u2300 8")
    folder = write_folder(tmp_path / "in", items__csv=items)
    load_folder(con, folder, AS_OF)
    want = con.execute("SELECT * FROM items ORDER BY sku").fetchall()
    lines = BASE["order_lines.csv"].replace(",C1\n", ",K\xf6ln\n")
    semicolon = {"delimiter": ";", "encoding": "cp1252"}
    cp1252 = parse_config({"master_files": {"encoding": "cp1252"}, "order_lines": semicolon})
    for config, codec in ((None, "utf-16-le"), (cp1252, "utf-16-be")):
        (folder / "items.csv").write_bytes(_unicode_text(items, codec))
        (folder / "order_lines.csv").write_bytes(_unicode_text(lines, codec))
        con.execute("DELETE FROM loads")  # load everything again
        report = load_folder(con, folder, AS_OF, config)
        assert con.execute("SELECT * FROM items ORDER BY sku").fetchall() == want
        assert con.execute("SELECT customer FROM order_lines ORDER BY order_id, line").fetchall(
            ) == [("K\xf6ln",), ("K\xf6ln",), ("C2",)]  # fmt: skip
        shown = "UTF-8" if config is None else "cp1252"
        assert [n for n in report.notes if "read as" in n] == [
            f"items.csv: read as UTF-16, not {shown}: it starts with UTF-16's byte order mark "
            '(as Excel\'s "Unicode Text" writes), which names its encoding',
            f"order_lines.csv: read as UTF-16, not {shown}: it starts with UTF-16's byte order "
            'mark (as Excel\'s "Unicode Text" writes), which names its encoding',
        ]
    # order lines configured as UTF-16 are read as configured: nothing to note of them
    utf16 = parse_config({"order_lines": {"encoding": "utf-16-be"}})
    con.execute("DELETE FROM loads")
    report = load_folder(con, folder, AS_OF, utf16)
    assert [n[:30] for n in report.notes if "read as" in n] == ["items.csv: read as UTF-16, not"]


def test_a_damaged_or_blank_utf16_file_is_named_as_utf16(con, tmp_path):
    """A UTF-16 file cut short is named as damaged UTF-16, not as a byte to set an encoding
    for; one with only its byte order mark and a line break has no rows."""
    folder = write_folder(tmp_path / "in")
    data = _unicode_text(BASE["stock.csv"])[:-1]  # an odd number of bytes
    (folder / "stock.csv").write_bytes(data)
    with pytest.raises(LoadError, match=rf"^stock\.csv: cannot be read: byte 0x0a on line 3 "
                       rf"\(byte {len(data) - 1} of the file\) is not UTF-16, though the file "
                       "starts with UTF-16's byte order mark"):  # fmt: skip
        load_folder(con, folder, AS_OF)
    (folder / "stock.csv").write_bytes(_unicode_text("\n"))
    load_folder(con, folder, AS_OF)
    assert table_counts(con)["stock"] == 0


def test_a_utf8_byte_order_mark_names_its_encoding_whatever_is_configured(con, tmp_path):
    """With cp1252 configured, a UTF-8 file with its byte order mark and otherwise ASCII was
    noted as 'its text is UTF-8, which cp1252 would misread ()' with a hint to set the
    encoding, which does not change how it is read."""
    from warehouse.config import parse_config

    folder = write_folder(tmp_path / "in")
    (folder / "items.csv").write_bytes(codecs.BOM_UTF8 + BASE["items.csv"].encode())
    report = load_folder(con, folder, AS_OF)
    assert not [n for n in report.notes if "read as" in n]
    con.execute("DELETE FROM loads")
    cp1252 = parse_config({"master_files": {"encoding": "cp1252"}})
    report = load_folder(con, folder, AS_OF, cp1252)
    assert [n for n in report.notes if "read as" in n] == [
        "items.csv: read as UTF-8, not cp1252: it starts with UTF-8's byte order mark, which "
        "names its encoding"
    ]
    assert table_counts(con)["items"] == 2


def test_a_parquet_duration_column_is_quarantined_not_a_crash(con, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = write_folder(tmp_path / "in", open_orders__csv=None)
    table = pa.table({
        "po_id": ["PO1"], "sku": ["A"], "supplier_id": ["S1"], "quantity": [100],
        "due_date": pa.array([timedelta(days=3)], pa.duration("s")),
    })  # fmt: skip
    pq.write_table(table, folder / "open_orders.parquet")
    load_folder(con, folder, AS_OF)
    assert quarantined(con, "open_orders") == [
        (1, "due_date", "due_date '3 days, 0:00:00' is not a date in the format %Y-%m-%d")
    ]


def test_master_files_load_all_or_nothing(con, tmp_path):
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    before = table_counts(con)
    items = BASE["items.csv"] + "C,Washer,fasteners,series,0.01,0.2,,,\n"
    breaks = BASE["price_breaks.csv"].replace(",2.00\n", ",0\n").replace(",1.80\n", ",0\n")
    breaks = breaks.replace(",2.20\n", ",0\n").replace(",4.00\n", ",0\n")
    write_folder(folder, items__csv=items, price_breaks__csv=breaks)
    with pytest.raises(LoadError, match=r"price_breaks\.csv: none of its 4 rows is valid .*no "
                       r"master file was loaded"):  # fmt: skip
        load_folder(con, folder, AS_OF)
    assert table_counts(con) == before  # items.csv, valid and loaded first, was rolled back


def test_order_lines_whose_dates_are_all_in_another_format_are_quarantined(con, tmp_path):
    lines = BASE["order_lines.csv"].replace("2024-03-0", "0").replace("2024-03-12", "12")
    lines = lines.replace(",04,", ",04.03.2024,").replace(",05,", ",05.03.2024,")
    lines = lines.replace(",12,A", ",12.03.2024,A")
    folder = write_folder(tmp_path / "in", order_lines__csv=lines)
    load_folder(con, folder, AS_OF)  # a column without one valid date crashed the load
    rows = quarantined(con, "order_lines")
    dotted = 'set date_format = "%d.%m.%Y" under [order_lines] in load.toml'
    assert [r[2] for r in rows] == [
        f"order_date '{d}.03.2024' is not a date in the format %Y-%m-%d (for dates written so, "
        f"{dotted})"
        for d in ("04", "05", "12")
    ]


def test_rows_of_an_item_whose_items_row_is_quarantined_name_that_row(con, tmp_path):
    """A date in another format in the optional end_of_life quarantines item B; its stock,
    supplier item, price break and order line then refer to it: their reason names B's
    quarantined items row, not "unknown sku" as if B were missing from items.csv."""
    items = BASE["items.csv"].replace("2026-12-31", "31.12.2026")
    orders = BASE["open_orders.csv"].replace("2024-04-10", "10.04.2024")
    folder = write_folder(tmp_path / "in", items__csv=items, open_orders__csv=orders)
    load_folder(con, folder, AS_OF)
    why = (
        "end_of_life '31.12.2026' is not a date in the format %Y-%m-%d (for dates written so, "
        'set date_format = "%d.%m.%Y" under [master_files] in load.toml)'
    )
    assert [r[2] for r in quarantined(con, "items")] == [why]
    where = f"items.csv row 2: {why}"
    for table in ("stock", "supplier_items", "order_lines"):
        assert [r[2] for r in quarantined(con, table)] == [
            f"sku 'B' is quarantined in items ({where})"
        ], table
    # a sku that is nowhere in items.csv keeps the plain reason
    lines = BASE["order_lines.csv"] + "O3,1,2024-03-13,Z,1,3.50,C3\n"
    load_folder(con, write_folder(tmp_path / "in", order_lines__csv=lines), AS_OF)
    assert "unknown sku 'Z' (not in items)" in [r[2] for r in quarantined(con, "order_lines")]


def test_files_named_in_another_case_are_read_and_unread_data_files_are_named(con, tmp_path):
    """STOCK.CSV, Open_Orders.csv and order_lines_0621.CSV were skipped without a word: every
    item would have been planned with nothing on hand and nothing on order."""
    folder = write_folder(tmp_path / "in")
    (folder / "stock.csv").rename(folder / "STOCK.CSV")
    (folder / "open_orders.csv").rename(folder / "Open_Orders.csv")
    header = BASE["order_lines.csv"].splitlines()[0]
    (folder / "order_lines_0621.CSV").write_text(f"{header}\nO3,1,2024-03-20,B,4,6.00,C3\n")
    (folder / "Stock_2024.csv").write_text("sku,on_hand\nA,1\n")
    (folder / "items.xlsx").write_bytes(b"PK\x03\x04")
    report = load_folder(con, folder, AS_OF)
    counts = table_counts(con)
    assert (counts["stock"], counts["open_orders"], counts["order_lines"]) == (2, 1, 4)
    assert report.notes == (
        "files not read: Stock_2024.csv, items.xlsx (the load reads items, suppliers, "
        "supplier_items, price_breaks, stock, open_orders, supplier_tiers, requirements as .csv or "
        ".parquet, "
        "and order lines matching order_lines*.csv, order_lines*.parquet; an Excel file must "
        "be saved as CSV)",
    )
    assert "note: files not read: Stock_2024.csv" in report.summary()


def test_an_unread_text_export_is_named_with_the_name_that_loads(con, tmp_path):
    """Excel's "Unicode Text" writes open_orders.txt: the note said only that an Excel file
    must be saved as CSV, which it is, in all but its name."""
    folder = write_folder(tmp_path / "in")
    (folder / "open_orders.csv").rename(folder / "open_orders.txt")
    report = load_folder(con, folder, AS_OF)
    assert table_counts(con)["open_orders"] == 0
    (note,) = [n for n in report.notes if n.startswith("files not read")]
    assert note.startswith("files not read: open_orders.txt (")
    assert note.endswith(
        "an Excel file must be saved as CSV; a text export loads renamed to .csv "
        "(open_orders.txt as open_orders.csv))"
    )


def test_master_headers_spelled_another_way_are_read_and_unknown_ones_named(con, tmp_path):
    """`End_of_Life`, `salvage value` and `OnTimeRate` were dropped without a word: no end of
    life, no salvage value, every supplier always on time."""
    items = (
        BASE["items.csv"]
        .replace(
            "lifecycle_stage,unit_volume,holding_cost_rate,end_of_life,salvage_value,stockout_cost",
            "Lifecycle Stage,unit_volume,holding_cost_rate,End_of_Life,salvage value,stockout_cost",
        )
        .replace("\n", ",\n")
        .replace("stockout_cost,", "stockout_cost,Colour", 1)
    )
    suppliers = BASE["suppliers.csv"].replace("on_time_rate", "OnTimeRate")
    folder = write_folder(tmp_path / "in", items__csv=items, suppliers__csv=suppliers)
    report = load_folder(con, folder, AS_OF)
    b = con.execute("SELECT end_of_life, salvage_value FROM items WHERE sku = 'B'").fetchall()
    assert b == [(date(2026, 12, 31), 0.5)]
    rates = con.execute("SELECT on_time_rate FROM suppliers ORDER BY supplier_id").fetchall()
    assert rates == [(0.95,), (1.0,)]
    assert report.notes == (
        "items.csv: columns not used: Colour (known: sku, description, category, "
        "lifecycle_stage, unit_volume, holding_cost_rate, end_of_life, salvage_value, "
        "stockout_cost, launch_forecast)",
    )


def test_a_blank_file_is_a_file_without_rows(con, tmp_path):
    """An ERP job with nothing to export writes 0 bytes: 'cannot be read: the file is empty'
    stopped the whole load."""
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    (folder / "order_lines_0701.csv").write_bytes(b"")
    (folder / "open_orders.csv").write_bytes(b"\xef\xbb\xbf\n")
    report = load_folder(con, folder, AS_OF)
    assert table_counts(con)["open_orders"] == 0 and table_counts(con)["order_lines"] == 3
    assert report.notes == (
        "open_orders.csv has no rows below the header, the last load had 1 open order: if "
        "some are still open, the export was cut short and every item will be ordered again",
    )
    (folder / "items.csv").write_bytes(b"")
    with pytest.raises(LoadError, match=r"items\.csv: no rows below the header; items is required"):
        load_folder(con, folder, AS_OF)


def test_an_open_orders_file_gone_from_the_folder_is_named(con, tmp_path):
    """Deleting open_orders.csv after a load with open orders emptied the table without a
    word: every item on order would be ordered again."""
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    (folder / "open_orders.csv").unlink()
    report = load_folder(con, folder, AS_OF)
    assert table_counts(con)["open_orders"] == 0
    assert report.notes == (
        "open_orders.csv is not in the folder, the last load had 1 open order: the load takes "
        "that as no open orders, so if some are still open every item will be ordered again",
    )
    assert load_folder(con, folder, AS_OF).notes == ()  # said once: the table is empty now
    # the file it names is the one the last load read (it said open_orders.csv for a parquet)
    parquet = tmp_path / "pq"
    write_folder(parquet)
    orders = pd.read_csv(parquet / "open_orders.csv", dtype=str)
    (parquet / "open_orders.csv").unlink()
    orders.to_parquet(parquet / "open_orders.parquet")
    load_folder(con, parquet, AS_OF)
    (parquet / "open_orders.parquet").unlink()
    notes = load_folder(con, parquet, AS_OF).notes
    assert notes[0].startswith("open_orders.parquet is not in the folder, the last load had 1")


def test_order_lines_a_file_no_longer_holds_are_named(con, tmp_path):
    """An order-lines file exported again without some of its rows (a rolling window, an
    export cut short at a line end) replaced its rows, and the history they held left the
    warehouse without a word; edited rows, quarantined rows and rows the file now excludes
    are still in it and are not named."""
    folder = write_folder(tmp_path / "in")
    more = "O3,1,2024-03-13,A,4,3.50,C1\nO3,2,2024-03-14,B,1,6.00,C1\nO4,1,2024-03-20,A,7,3.5,C2\n"
    load_folder(con, write_folder(folder, order_lines__csv=BASE["order_lines.csv"] + more), AS_OF)
    header = BASE["order_lines.csv"].splitlines()[0]
    shorter = f"{header}\nO2,1,2024-03-12,A,6,3.50,C2\nO3,1,2024-03-13,A,x,3.50,C1\n"
    report = load_folder(con, write_folder(folder, order_lines__csv=shorter), AS_OF)
    assert _lines(con) == [("O2", 1, 6.0, "order_lines.csv")]
    assert [n for n in report.notes if "not in the file now" in n] == [
        "order_lines.csv: 4 order lines of its last load are not in the file now and no "
        "longer count as demand: dated 2024-03-04 to 2024-03-20 (O1 line 1, O1 line 2, O3 "
        "line 2, O4 line 1); if the export was cut short, put the whole file back (a file "
        "replaces the rows it loaded before)"
    ]
    assert load_folder(con, folder, AS_OF).notes == ()  # said once: the file is unchanged
    # a file without a line column, numbered by the load: the same rows give the same keys
    numbered = shorter.replace(",1,2024", ",2024").replace("line,", "")
    notes = load_folder(con, write_folder(folder, order_lines__csv=numbered), AS_OF).notes
    assert not [n for n in notes if "not in the file now" in n]


def test_a_supplier_tiers_file_gone_or_emptied_is_named(con, tmp_path):
    """Deleting supplier_tiers.csv (or exporting it with its header only) after a load with
    tiers dropped every supplier-wide discount from the plan without a word."""
    tiers = "supplier_id,basis,min_total,discount_rate\nS1,spend,5000,0.02\nS1,spend,9000,0.03\n"
    folder = write_folder(tmp_path / "in", supplier_tiers__csv=tiers)
    load_folder(con, folder, AS_OF)
    assert table_counts(con)["supplier_tiers"] == 2
    header = "supplier_id,basis,min_total,discount_rate\n"
    report = load_folder(con, write_folder(folder, supplier_tiers__csv=header), AS_OF)
    assert table_counts(con)["supplier_tiers"] == 0
    assert report.notes == (
        "supplier_tiers.csv has no rows below the header, the last load had 2 supplier tiers: "
        "the plan counts no supplier-wide discount; if the export was cut short, put the "
        "whole file back",
    )
    load_folder(con, write_folder(folder, supplier_tiers__csv=tiers), AS_OF)
    report = load_folder(con, write_folder(folder, supplier_tiers__csv=None), AS_OF)
    assert table_counts(con)["supplier_tiers"] == 0
    assert report.notes == (
        "supplier_tiers.csv is not in the folder, the last load had 2 supplier tiers: the "
        "load takes that as no supplier-wide discounts; put the file back if they still hold",
    )
    assert load_folder(con, folder, AS_OF).notes == ()  # said once: the table is empty now


def test_long_overdue_open_orders_and_vanished_stock_rows_are_named(con, tmp_path):
    """A purchase order two years overdue counted as arriving now, and an item whose stock
    row left the file was planned with nothing on hand, both without a word."""
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    opens = BASE["open_orders.csv"] + "PO9,B,S1,5000,2022-03-01\nPO8,A,S1,10,2024-03-20\n"
    write_folder(folder, open_orders__csv=opens, stock__csv="sku,on_hand\nA,120\n")
    report = load_folder(con, folder, AS_OF)
    overdue = (
        "1 open order more than 30 days overdue counts as arriving now: PO9 (B, due "
        "2022-03-01); cancel or re-date it in the ERP if it will not come"
    )
    assert report.notes == (
        "stock.csv: 1 item with stock at the last load has no row now and is planned with "
        "nothing on hand: B (5) (on hand then)",
        overdue,
    )
    # the next night's load reads no file again (none changed): the order is still overdue
    assert load_folder(con, folder, AS_OF + timedelta(days=1)).notes == (overdue,)


def test_notes_on_one_order_or_item_are_singular_and_on_two_plural(con, tmp_path):
    """'1 open order(s) more than 30 days overdue count ...; cancel or re-date them' and
    'stock.csv: 1 item(s) with stock at the last load have no row now': each note now agrees
    with its count, one order or item in the singular and two in the plural."""
    items = BASE["items.csv"] + "C,Washer M8,fasteners,series,0.01,0.25,,0,\n"
    late = ["PO9,B,S1,5000,2022-03-01", "PO7,A,S1,10,2022-04-01"]

    def notes(stock: str, overdue: list[str]) -> list[str]:
        opens = BASE["open_orders.csv"] + "".join(f"{o}\n" for o in overdue)
        files = {"items__csv": items, "stock__csv": stock, "open_orders__csv": opens}
        report = load_folder(con, write_folder(tmp_path / "in", **files), AS_OF)
        return [n for n in report.notes if "no row now" in n or "overdue" in n]

    assert notes(BASE["stock.csv"] + "C,40\n", []) == []
    assert notes("sku,on_hand\nC,40\n", late) == [
        "stock.csv: 2 items with stock at the last load have no row now and are planned with "
        "nothing on hand: A (120), B (5) (on hand then)",
        "2 open orders more than 30 days overdue count as arriving now: PO9 (B, due "
        "2022-03-01), PO7 (A, due 2022-04-01); cancel or re-date them in the ERP if they will "
        "not come",
    ]
    assert notes("sku,on_hand\nA,120\n", late[:1]) == [
        "stock.csv: 1 item with stock at the last load has no row now and is planned with "
        "nothing on hand: C (40) (on hand then)",
        "1 open order more than 30 days overdue counts as arriving now: PO9 (B, due "
        "2022-03-01); cancel or re-date it in the ERP if it will not come",
    ]


def test_an_item_that_left_the_master_is_named_once_not_as_planned_without_stock(con, tmp_path):
    """B left items.csv (and so stock.csv): the load said B was "planned with nothing on
    hand", while it was not planned at all, and nothing named the item that left."""
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    items = "\n".join(BASE["items.csv"].splitlines()[:2]) + "\n"  # header and A
    stock = "sku,on_hand\nA,120\n"
    report = load_folder(con, write_folder(folder, items__csv=items, stock__csv=stock), AS_OF)
    assert [n for n in report.notes if "no row now" in n] == [
        "items.csv: 1 item of the last load has no row now and is no longer planned: B; "
        "its order lines, stock and open orders go to quarantine as unknown skus"
    ]
    assert (2, "sku", "unknown sku 'B' (not in items)") in quarantined(con, "order_lines")


def test_an_unknown_sku_in_other_case_names_the_known_one(con, tmp_path):
    """'a' in the order lines was quarantined as "unknown sku 'a' (not in items)" with no
    word of the item A; skus are matched exactly, so it stays quarantined."""
    lines = BASE["order_lines.csv"] + "O3,1,2024-03-25,a,4,3.50,C1\nO4,1,2024-03-25,Z,4,3.5,C1\n"
    load_folder(con, write_folder(tmp_path / "in", order_lines__csv=lines), AS_OF)
    assert quarantined(con, "order_lines") == [
        (4, "sku", "unknown sku 'a' (not in items, which has 'A')"),
        (5, "sku", "unknown sku 'Z' (not in items)"),
    ]


def test_categories_that_differ_only_in_case_are_named_with_their_items(con, tmp_path):
    """'Fasteners' and 'fasteners' were two categories without a word: a new item's category
    prior drew on its own spelling's items only, while `--category` took both. They stay the
    planner's labels (not merged); the note counts the loaded items per spelling (a row in
    quarantine does not count, surrounding spaces are not part of the label)."""
    items = BASE["items.csv"].replace(",fasteners,ramp_up,", ",fasteners ,ramp_up,") + (
        "C,Washer,Fasteners,series,0.1,0.2,,,\n"
        "D,Disc,FASTENERS,series,-1,0.2,,,\n"  # unit_volume < 0: in quarantine
        "E,Housing,housings,series,0.1,0.2,,,\n"
        "F,Cover,Housings,series,0.1,0.2,,,\n"
        "G,Valve,valves,series,0.1,0.2,,,\n"
        "H,Nut,Hex  nuts,series,0.1,0.2,,,\n"  # two spaces, one in the next: as alike
        "I,Nut,hex nuts,series,0.1,0.2,,,\n"
        "J,Seal,Dichtungen \u00e9,series,0.1,0.2,,,\n"  # composed and decomposed é
        "K,Seal,Dichtungen e\u0301,series,0.1,0.2,,,\n"
    )
    folder = write_folder(tmp_path / "in", items__csv=items)
    report = load_folder(con, folder, AS_OF)
    assert [n for n in report.notes if "categories" in n] == [
        "items.csv: categories that differ only in case or spaces count as different "
        "categories: 'Dichtungen e\u0301' (1 item), 'Dichtungen \u00e9' (1 item); 'Fasteners' "
        "(1 item), 'fasteners' (2 items); 'Hex  nuts' (1 item), 'hex nuts' (1 item); 'Housings' "
        "(1 item), 'housings' (1 item) (a new item's category prior draws on its own spelling's "
        "items only: spell them alike if they are one category)"
    ]
    categories = con.execute("SELECT DISTINCT category FROM items ORDER BY category").fetchall()
    assert len(categories) == 9 and ("valves",) in categories


def test_an_order_line_quantity_beyond_ten_million_units_is_quarantined(con, tmp_path):
    """An EAN pasted into the quantity loaded, then stopped the forecast of every item."""
    lines = (
        BASE["order_lines.csv"]
        + "O3,1,2024-03-25,A,4006381333931,3.50,C1\nO4,1,2024-03-25,A,-20000000,3.50,C1\n"
    )
    load_folder(con, write_folder(tmp_path / "in", order_lines__csv=lines), AS_OF)
    assert quarantined(con, "order_lines") == [
        (
            4,
            "quantity",
            "quantity 4006381333931 is beyond ±10,000,000: a typo (an EAN, a date?), not units",
        ),
        (
            5,
            "quantity",
            "quantity -20000000 is beyond ±10,000,000: a typo (an EAN, a date?), not units",
        ),
    ]


def test_numbered_lines_of_an_order_in_two_files_are_named(con, tmp_path):
    """Without a line column, a credit for O1 in a later file was numbered 1 and replaced
    O1's sale of 10 units with no word but 'excluded 1'."""
    head = "order_id,order_date,sku,quantity,unit_price,customer\n"
    folder = write_folder(tmp_path / "in", order_lines__csv=head + "O1,2024-03-04,A,10,3.5,C1\n")
    (folder / "order_lines_2.csv").write_text(head + "O1,2024-03-20,A,-3,3.5,C1\n")
    report = load_folder(con, folder, AS_OF)
    assert _lines(con) == [("O1", 1, -3.0, "order_lines_2.csv")]
    assert report.notes == (
        "lines numbered by the load (no line column) of 1 order are in several files "
        "(first: O1; order_lines.csv, order_lines_2.csv) under the same numbers: the file last "
        "in name order wins. Right for a re-exported order; for new lines of an order (a "
        "credit) map the export's position column as `line` in load.toml",
    )
    (folder / "order_lines_2.csv").write_text(head + "O2,2024-03-20,A,-3,3.5,C1\n")
    assert load_folder(con, folder, AS_OF).notes == ()


def test_a_removed_copy_that_overrides_is_named_and_can_be_forgotten(con, tmp_path):
    """A copy of order_lines.csv loaded by mistake, then deleted: its rows kept overriding
    order_lines.csv, whose correction (10 -> 90) never counted, and nothing said so."""
    folder = write_folder(tmp_path / "in")
    (folder / "order_lines_20240331.csv").write_text(BASE["order_lines.csv"])
    load_folder(con, folder, AS_OF)
    (folder / "order_lines_20240331.csv").unlink()
    lines = BASE["order_lines.csv"].replace("O1,1,2024-03-04,A,10,", "O1,1,2024-03-04,A,90,")
    report = load_folder(con, write_folder(folder, order_lines__csv=lines), AS_OF)
    assert _lines(con)[0] == ("O1", 1, 10.0, "order_lines_20240331.csv")
    assert report.notes == (
        "order_lines_20240331.csv: no longer in the folder, but its rows stay loaded (delta "
        "exports may be archived) and override 3 rows of files in it; put it back corrected, "
        "or drop its rows with `reorder forget --db "
        f"{tmp_path / 'db' / 'warehouse.duckdb'} order_lines_20240331.csv`",
    )
    assert warehouse.forget_order_lines(con, "order_lines_20240331.csv") == (3, 3)
    assert _lines(con) == [
        ("O1", 1, 90.0, "order_lines.csv"),
        ("O1", 2, 2.0, "order_lines.csv"),
        ("O2", 1, 5.0, "order_lines.csv"),
    ]
    assert load_folder(con, folder, AS_OF).notes == ()
    assert warehouse.forget_order_lines(con, "order_lines_20240331.csv") is None


def test_forgetting_a_file_of_excluded_lines_only_brings_back_what_it_overrode(con, tmp_path):
    """With returns ignored, a file holding one credit excluded the sale it overrode; forget
    brought the sale back, then said "no order lines of a file named ..." (exit 2)."""
    from warehouse.config import parse_config

    config = parse_config({"order_lines": {"returns": "ignore"}})
    folder = write_folder(tmp_path / "in")
    (folder / "order_lines_z.csv").write_text(
        BASE["order_lines.csv"].splitlines()[0] + "\nO1,1,2024-03-04,A,-10,3.5,C1\n"
    )
    load_folder(con, folder, AS_OF, config)
    assert ("O1", 1) not in [row[:2] for row in _lines(con)]  # the credit's key excludes it
    (folder / "order_lines_z.csv").unlink()
    assert warehouse.forget_order_lines(con, "order_lines_z.csv") == (1, 1)
    assert _lines(con)[0] == ("O1", 1, 10.0, "order_lines.csv")
    assert warehouse.forget_order_lines(con, "order_lines_z.csv") is None


def test_an_unclosed_quote_closed_by_a_later_inch_mark_loads_no_merged_row(con, tmp_path):
    """`"Bolt M8` left open until `Pipe 1/2",` two rows down made one record of the header's
    width: A loaded with C's values and B and C vanished without a quarantine row."""
    header = BASE["items.csv"].splitlines()[0]
    items = (
        f"{header}\n"
        'A,"Bolt M8,fasteners,series,0.1,0.25,,0,\n'
        "B,Nut M8,fasteners,ramp_up,0.05,0.2,2026-12-31,0.5,12\n"
        'C,Pipe 1/2",plumbing,pilot,0.3,0.3,,0,\n'
        'D,"Washer\nzinc plated",fasteners,series,0.1,0.25,,0,\n'
    )
    folder = write_folder(tmp_path / "in", items__csv=items)
    load_folder(con, folder, AS_OF)
    loaded = con.execute("SELECT sku, description, category FROM items ORDER BY sku").fetchall()
    assert loaded == [
        ("B", "Nut M8", "fasteners"),
        ("C", 'Pipe 1/2"', "plumbing"),
        ("D", "Washer\nzinc plated", "fasteners"),  # a quoted line break still loads
    ]
    assert quarantined(con, "items") == [
        (1, None, "line 2 cannot be split: a quote opened on it does not close on it")
    ]


def test_an_unclosed_quote_closed_on_the_next_line_loads_no_merged_row(con, tmp_path):
    """No row between them: each of the record's two lines still holds a whole row's
    delimiters, so A is quarantined and C loads (not A with C's values)."""
    header = BASE["items.csv"].splitlines()[0]
    items = (
        f"{header}\n"
        'A,"Bolt M8,fasteners,series,0.1,0.25,,0,\n'
        'C,Pipe 1/2",plumbing,pilot,0.3,0.3,,0,\n'
        "B,Nut M8,fasteners,ramp_up,0.05,0.2,2026-12-31,0.5,12\n"
    )
    load_folder(con, write_folder(tmp_path / "in", items__csv=items), AS_OF)
    loaded = con.execute("SELECT sku, description FROM items ORDER BY sku").fetchall()
    assert loaded == [("B", "Nut M8"), ("C", 'Pipe 1/2"')]
    assert [r[0] for r in quarantined(con, "items")] == [1]
    # a blank or short line inside the quote (no whole row) hid the swallowed row C again
    gap = items.replace("C,Pipe", "\nnote\nC,Pipe")
    load_folder(con, write_folder(tmp_path / "gap", items__csv=gap), AS_OF)
    loaded = con.execute("SELECT sku, description FROM items ORDER BY sku").fetchall()
    assert ("C", 'Pipe 1/2"') in loaded and "A" not in [sku for sku, _ in loaded]


def test_a_quoted_address_over_two_lines_with_commas_loads(con, tmp_path):
    """A supplier name holding a line break and as many commas as a row in all was taken
    for rows inside an unclosed quote: S1 was quarantined, and with it its offers."""
    suppliers = BASE["suppliers.csv"].replace(
        "S1,Acme,", 'S1,"Acme Supply Ltd, Unit 4, Riverside Park,\nHull, HU1 2AB, UK",'
    )
    load_folder(con, write_folder(tmp_path / "in", suppliers__csv=suppliers), AS_OF)
    assert con.execute("SELECT supplier_id, name, lead_time FROM suppliers").fetchall() == [
        ("S1", "Acme Supply Ltd, Unit 4, Riverside Park,\nHull, HU1 2AB, UK", 14),
        ("S2", "Brix", 7),
    ]
    assert quarantined(con, "suppliers") == []


def test_name_order_of_order_line_files_ignores_case(con, tmp_path):
    """Files match their patterns in any case, so ORDER_LINES_0622.CSV is the newer export
    of order_lines_0621.csv; byte order put it first and its correction (10 -> 8) was
    dropped without a note."""
    folder = write_folder(tmp_path / "in", order_lines__csv=None)
    head = BASE["order_lines.csv"].splitlines()[0]
    (folder / "order_lines_0621.csv").write_text(f"{head}\nO1,1,2024-03-04,A,10,3.5,C1\n")
    (folder / "ORDER_LINES_0622.CSV").write_text(f"{head}\nO1,1,2024-03-04,A,8,3.5,C1\n")
    load_folder(con, folder, AS_OF)
    assert _lines(con) == [("O1", 1, 8.0, "ORDER_LINES_0622.CSV")]
    # reloading the older file alone (a changed byte) keeps the newer one's word
    (folder / "order_lines_0621.csv").write_text(f"{head}\nO1,1,2024-03-04,A,11,3.5,C1\n")
    load_folder(con, folder, AS_OF)
    assert _lines(con) == [("O1", 1, 8.0, "ORDER_LINES_0622.CSV")]
    warehouse.forget_order_lines(con, "ORDER_LINES_0622.CSV")
    assert _lines(con) == [("O1", 1, 11.0, "order_lines_0621.csv")]


def test_a_trailing_delimiter_is_no_unused_column_but_unnamed_data_is(con, tmp_path):
    """Excel's trailing comma gave `suppliers.csv: columns not used:  (known: ...)`."""
    trailing = "".join(line + ",\n" for line in BASE["suppliers.csv"].splitlines())
    report = load_folder(con, write_folder(tmp_path / "a", suppliers__csv=trailing), AS_OF)
    assert not [n for n in report.notes if "not used" in n]
    assert table_counts(con)["suppliers"] == 2
    lines = BASE["suppliers.csv"].splitlines()
    unnamed = lines[0] + ",\n" + "".join(line + ",x\n" for line in lines[1:])
    report = load_folder(con, write_folder(tmp_path / "b", suppliers__csv=unnamed), AS_OF)
    assert [n for n in report.notes if "not used" in n] == [
        "suppliers.csv: columns not used: an unnamed column 7 (known: supplier_id, name, "
        "lead_time, fixed_cost, order_cost, min_order_value, on_time_rate, reject_rate)"
    ]


@pytest.mark.parametrize(
    ("stock", "message"),
    [
        ("on_hand\n5\n", "stock.csv: missing column sku (found: on_hand)"),
        ("sku,on_hand,sku\nA,5,A\n", "stock.csv: column sku appears more than once"),
        ("sku,on_hand,sku,on_hand\nA,5,A,5\n", "stock.csv: columns on_hand, sku appear more "
         "than once"),
    ],
)  # fmt: skip
def test_a_missing_or_repeated_column_is_named_in_the_singular_or_plural(
    con, tmp_path, stock, message
):
    """'missing column(s) sku' and 'column(s) sku appear more than once' for one column: the
    load names one column in the singular and two in the plural."""
    folder = write_folder(tmp_path / "in", stock__csv=stock)
    with pytest.raises(LoadError) as error:
        load_folder(con, folder, AS_OF)
    assert str(error.value).startswith(message)


def test_a_tab_separated_file_loads_as_its_comma_separated_twin(con, tmp_path):
    """Excel's "Text (Tab delimited)" and "Unicode Text" separate fields with tabs: items.csv
    so written stopped the load with "missing column(s) sku, ..." (one column)."""
    from warehouse.config import parse_config

    items = BASE["items.csv"].replace("Bolt M8", '"Bolt M8, zinc"')
    folder = write_folder(tmp_path / "in", items__csv=items)
    load_folder(con, folder, AS_OF)
    want = con.execute("SELECT * FROM items ORDER BY sku").fetchall()
    assert want[0][1] == "Bolt M8, zinc"
    tabbed = items.replace(",", "\t").replace('"Bolt M8\t zinc"', "Bolt M8, zinc")
    (folder / "items.csv").write_text(tabbed)
    (folder / "order_lines.csv").write_text(BASE["order_lines.csv"].replace(",", "\t"))
    con.execute("DELETE FROM loads")  # load everything again
    semicolon = parse_config({"order_lines": {"delimiter": ";"}})
    report = load_folder(con, folder, AS_OF, semicolon)
    assert con.execute("SELECT * FROM items ORDER BY sku").fetchall() == want
    assert table_counts(con)["order_lines"] == 3 and report.quarantined == 0


def test_a_semicolon_separated_file_loads_as_its_comma_separated_twin(con, tmp_path):
    """Excel's "CSV" in a German, French or Dutch locale separates fields with semicolons:
    items.csv so written stopped the load with "missing column(s) sku, ..." (one column)."""
    items = BASE["items.csv"].replace("Bolt M8", '"Bolt M8; zinc"')
    folder = write_folder(tmp_path / "in", items__csv=items)
    load_folder(con, folder, AS_OF)
    want = con.execute("SELECT * FROM items ORDER BY sku").fetchall()
    assert want[0][1] == "Bolt M8; zinc"
    (folder / "items.csv").write_text(items.replace(",", ";"))
    (folder / "stock.csv").write_text("sku\ton_hand\tnote; po\nA\t120\t\nB\t5\t\n")  # tabs first
    report = load_folder(con, folder, AS_OF)
    assert con.execute("SELECT * FROM items ORDER BY sku").fetchall() == want
    assert table_counts(con)["stock"] == 2 and report.quarantined == 0


def test_a_file_that_starts_with_excels_sep_line_loads_as_its_twin(con, tmp_path):
    """Exports meant for Excel start with a line `sep=;` naming the delimiter (Excel reads and
    hides it): the load took it for the header, "stock.csv: missing column(s) sku, on_hand
    (found: sep=, )", and the night stopped. Row numbers count from the header below it, as
    Excel shows the file."""
    folder = write_folder(tmp_path / "in")
    load_folder(con, folder, AS_OF)
    want = con.execute("SELECT * FROM stock ORDER BY sku").fetchall()
    stock = "sep=;\r\nsku;on_hand\r\nA;120\r\nB;5\r\nC;1\r\n"
    lines = "sep=,\n" + BASE["order_lines.csv"]
    report = load_folder(con, write_folder(folder, stock__csv=stock, order_lines__csv=lines), AS_OF)
    assert con.execute("SELECT * FROM stock ORDER BY sku").fetchall() == want
    assert table_counts(con)["order_lines"] == 3
    assert quarantined(con, "stock") == [(3, "sku", "unknown sku 'C' (not in items)")]
    assert report.quarantined == 1
    # a quoting error reads the file again line by line: the sep line is skipped there too
    broken = 'sep=;\nsku;on_hand\nA;120\n"B;5\nB;5\n'
    load_folder(con, write_folder(folder, stock__csv=broken), AS_OF)
    assert con.execute("SELECT * FROM stock ORDER BY sku").fetchall() == want
    assert [r[0] for r in quarantined(con, "stock")] == [2]


def _german(text: str) -> str:
    """`text` as German Excel saves it: semicolons, decimal commas, dates as 31.12.2026."""
    text = re.sub(r"(\d)\.(\d)", r"\1,\2", text.replace(",", ";"))
    return re.sub(r"(\d{4})-(\d\d)-(\d\d)", r"\3.\2.\1", text)


def _contents(con) -> dict[str, list[tuple]]:
    tables = ["items", "suppliers", "supplier_items", "price_breaks", "stock", "open_orders"]
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}


def test_master_files_in_german_excel_csv_load_as_the_standard_folder(con, tmp_path):
    """A planner's German Excel saves "CSV" with ';', '48,25' and 31.12.2026: [master_files]
    decimal and date_format read it (the delimiter follows decimal = ",")."""
    from warehouse.config import parse_config

    standard = dict(BASE, **{"items.csv": BASE["items.csv"].replace(",0.5,12", ",0.5,48.25")})
    folder = write_folder(tmp_path / "in", items__csv=standard["items.csv"])
    load_folder(con, folder, AS_OF)
    want = _contents(con)
    assert 48.25 in want["items"][1] and want["open_orders"]
    masters = [n for n in standard if n != "order_lines.csv"]
    german = {n.replace(".", "__"): _german(standard[n]) for n in masters}
    assert "B;Nut M8;fasteners;ramp_up;0,05;0,2;31.12.2026;0,5;48,25" in german["items__csv"]
    assert "PO1;A;S1;100;10.04.2024" in german["open_orders__csv"]
    folder = write_folder(tmp_path / "de", **german)
    config = parse_config({"master_files": {"decimal": ",", "date_format": "%d.%m.%Y"}})
    report = load_folder(con, folder, AS_OF, config)
    assert _contents(con) == want and report.quarantined == 0


def test_changing_the_master_files_dialect_reloads_them(con, tmp_path):
    """Unchanged master files load again under a new date_format, and the order lines
    checked against their items too."""
    from warehouse.config import parse_config

    items = BASE["items.csv"].replace("2026-12-31", "31.12.2026")
    orders = BASE["open_orders.csv"].replace("2024-04-10", "10.04.2024")
    folder = write_folder(tmp_path / "in", items__csv=items, open_orders__csv=orders)
    report = load_folder(con, folder, AS_OF)
    assert quarantined(con, "items") == [(
        2, "end_of_life",
        "end_of_life '31.12.2026' is not a date in the format %Y-%m-%d (for dates written so, "
        'set date_format = "%d.%m.%Y" under [master_files] in load.toml)',
    )]  # fmt: skip
    assert table_counts(con)["open_orders"] == 0
    assert table_counts(con)["order_lines"] == 2  # B's line: an unknown sku
    config = parse_config({"master_files": {"date_format": "%d.%m.%Y"}})
    report = load_folder(con, folder, AS_OF, config)
    assert not any(f.unchanged for f in report.files) and report.quarantined == 0
    assert table_counts(con)["order_lines"] == 3
    assert all(f.unchanged for f in load_folder(con, folder, AS_OF, config).files)


def test_a_decimal_comma_under_decimal_point_hints_at_the_setting(con, tmp_path):
    items = BASE["items.csv"].replace(",0.1,", ',"0,1",')
    lines = BASE["order_lines.csv"].replace(",6.00,", ',"6,00",')
    load_folder(con, write_folder(tmp_path / "in", items__csv=items, order_lines__csv=lines), AS_OF)
    hint = 'for decimal commas set decimal = "," under [{}] in load.toml)'
    assert quarantined(con, "items") == [
        (1, "unit_volume", "unit_volume '0,1' is not a number (decimal separator '.'; "
         + hint.format("master_files"))
    ]  # fmt: skip
    assert [q for q in quarantined(con, "order_lines") if q[1] == "unit_price"] == [(
        2, "unit_price", "unit_price '6,00' is not a number (decimal separator '.'; "
        + hint.format("order_lines")
    )]  # fmt: skip


def test_a_comma_grouping_thousands_under_decimal_point_is_not_sent_to_decimal_comma(con, tmp_path):
    """An export in an English locale writes 1250 as "1,250" and 1090.35 as "1,090.35". Under
    decimal '.' they are no number; the hint said to set decimal = ",", which reads '1,250'
    as 1.25 and every '3.50' of the file as no number. A value grouped with ',' names both
    readings, and one with a decimal point after the groups names only the grouping."""
    lines = BASE["order_lines.csv"].replace("O1,1,2024-03-04,A,10,", 'O1,1,2024-03-04,A,"1,250",')
    breaks = BASE["price_breaks.csv"].replace("S1,B,10,4.00", 'S1,B,10,"1,090.35"')
    offers = BASE["supplier_items.csv"].replace("S1,B,10,1,", 'S1,B,"1,000",1,')
    folder = write_folder(
        tmp_path / "in", order_lines__csv=lines, price_breaks__csv=breaks,
        supplier_items__csv=offers,
    )  # fmt: skip
    load_folder(con, folder, AS_OF)
    assert quarantined(con, "supplier_items") == [(
        3, "moq",
        "moq '1,000' is not a whole number (at most 15 digits); if ',' groups thousands (1000), "
        "export the numbers without it (no setting reads it); if it is a decimal comma (1), set "
        'decimal = "," under [master_files] in load.toml',
    )]  # fmt: skip
    assert quarantined(con, "order_lines") == [(
        1, "quantity",
        "quantity '1,250' is not a number (decimal separator '.'; if ',' groups thousands "
        "(1250), export the numbers without it (no setting reads it); if it is a decimal comma "
        '(1.25), set decimal = "," under [order_lines] in load.toml)',
    )]  # fmt: skip
    assert [q for q in quarantined(con, "price_breaks") if q[1] == "unit_price"] == [(
        4, "unit_price",
        "unit_price '1,090.35' is not a number (decimal separator '.'; ',' groups thousands "
        "(1090.35): export the numbers without it (no setting reads it))",
    )]  # fmt: skip


def test_new_line_rules_load_every_order_line_file_again(con, tmp_path, monkeypatch):
    """A warehouse loaded before order_lines_excluded existed (LINE_RULES 1) held a line a
    later file had cancelled as demand; that file, unchanged, was skipped by every later load,
    so the line stayed demand after the upgrade (a fresh warehouse had it cancelled)."""
    import warehouse.load
    from warehouse.config import parse_config

    config = parse_config(
        {"order_lines": {"cancelled_column": "status", "cancelled_values": ["storniert"]}}
    )
    header = "order_id,line,order_date,sku,quantity,unit_price,customer,status\n"
    base = header + "O1,1,2024-03-04,A,10,3.5,C1,ok\nO2,1,2024-03-12,A,5,3.5,C2,ok\n"
    folder = write_folder(tmp_path / "in", order_lines__csv=base)
    (folder / "order_lines_b.csv").write_text(header + "O2,1,2024-03-12,A,5,3.5,C2,storniert\n")
    monkeypatch.setattr(warehouse.load, "LINE_RULES", 1)
    load_folder(con, folder, AS_OF, config)
    # as the rules before 2026-12-06 left it: the cancelled line kept, no exclusion recorded
    con.execute("DELETE FROM order_lines_excluded")
    con.execute(
        "INSERT INTO order_lines SELECT * REPLACE ('O2' AS order_id, 5.0 AS quantity) "
        "FROM order_lines WHERE order_id = 'O1'"
    )
    (folder / "order_lines.csv").write_text(base + "O3,1,2024-03-13,A,7,3.5,C3,ok\n")
    monkeypatch.setattr(warehouse.load, "LINE_RULES", 2)
    report = load_folder(con, folder, AS_OF, config)
    assert [f.unchanged for f in report.files if f.table == "order_lines"] == [False, False]
    assert [k for k, *_ in _lines(con)] == ["O1", "O3"]
    assert all(f.unchanged for f in load_folder(con, folder, AS_OF, config).files)


def test_new_master_rules_load_every_master_file_again(con, tmp_path, monkeypatch):
    """A warehouse loaded before a supplier row that disagrees quarantined its first row
    (MASTER_RULES 1) kept S2 on the first row's lead time: the unchanged suppliers file was
    skipped by every later load, so the new rule never applied to it."""
    import warehouse.load
    import warehouse.validate

    suppliers = BASE["suppliers.csv"] + "S2,Brix,70,30,,\n"
    folder = write_folder(tmp_path / "in", suppliers__csv=suppliers)
    monkeypatch.setattr(warehouse.load, "MASTER_RULES", 1)
    monkeypatch.setattr(warehouse.validate, "_NO_FIRST_WINS", ())  # the rules of then
    load_folder(con, folder, AS_OF)
    assert ("S2",) in con.execute("SELECT supplier_id FROM suppliers").fetchall()
    monkeypatch.undo()
    report = load_folder(con, folder, AS_OF)
    assert not any(f.unchanged for f in report.files if f.table != "order_lines")
    assert con.execute("SELECT supplier_id FROM suppliers").fetchall() == [("S1",)]
    assert all(f.unchanged for f in load_folder(con, folder, AS_OF).files)


def test_new_master_rules_load_the_order_lines_again(con, tmp_path, monkeypatch):
    """Order lines are checked against the items the master rules let load: an item the new
    rules load, whose items file is unchanged, kept its order lines in quarantine as
    "quarantined in items" (planned without its history) until the order lines file changed."""
    import warehouse.load
    import warehouse.validate

    items = BASE["items.csv"].replace("2026-12-31", "1990-01-01")
    folder = write_folder(tmp_path / "in", items__csv=items)
    monkeypatch.setattr(warehouse.load, "MASTER_RULES", 1)
    monkeypatch.setattr(warehouse.validate, "HISTORY_YEARS", 20)  # rules that refuse B's row
    load_folder(con, folder, AS_OF)
    assert [r[:2] for r in quarantined(con, "order_lines")] == [(2, "sku")]
    monkeypatch.undo()
    report = load_folder(con, folder, AS_OF)
    assert not any(f.unchanged for f in report.files)
    assert quarantined(con, "order_lines") == []
    assert len(_lines(con)) == 3
    assert all(f.unchanged for f in load_folder(con, folder, AS_OF).files)


_GROUPS = "if '.' groups thousands in this file, set decimal = \",\" under [{}] in load.toml"


def test_unit_quantities_that_look_like_thousands_under_decimal_point_are_named(con, tmp_path):
    """German Excel writes 1000 units as '1.000': read under decimal '.' that was 1 unit, and
    12.500 was 12.5, without a word. Unit quantities so written are named in a note (a price
    1.250 is 1.25, not named); a whole-unit column that cannot take 12.5 quarantines it with
    the hint, and '1.000.000', no number under '.', says so too."""
    supplier_items = BASE["supplier_items.csv"].replace("S1,A,100,10,", "S1,A,1.000,10,")
    supplier_items = supplier_items.replace("S2,A,50,5,", "S2,A,50,12.500,")
    stock = "sku,on_hand\nA,1.200\nB,5\n"
    orders = BASE["open_orders.csv"] + "PO2,B,S1,1.000.000,2024-04-20\n"
    lines = "order_id,line,order_date,sku,quantity,unit_price,customer\n"
    lines += "O1,1,2024-03-04,A,1.000,,C1\nO1,2,2024-03-05,B,2,,C1\nO2,1,2024-03-12,A,2.500,,C2\n"
    lines += "O3,1,2024-03-13,A,-1.000,,C2\n"  # a credit of a thousand grouped the same way
    breaks = BASE["price_breaks.csv"].replace("S1,B,10,4.00", "S1,B,10,1.250")
    folder = write_folder(
        tmp_path / "in", supplier_items__csv=supplier_items, stock__csv=stock,
        open_orders__csv=orders, order_lines__csv=lines, price_breaks__csv=breaks,
    )  # fmt: skip
    report = load_folder(con, folder, AS_OF)
    masters = _GROUPS.format("master_files")
    assert [n for n in report.notes if "like thousands" in n] == [
        "supplier_items.csv moq: 1 value looks like thousands grouped with '.' (row 1: '1.000' "
        f"read as 1); {masters}",
        f"stock.csv on_hand: 1 value looks like thousands grouped with '.' (row 1: '1.200' read "
        f"as 1.2); {masters}",
        "order_lines.csv quantity: 3 values look like thousands grouped with '.' (row 1: "
        f"'1.000' read as 1); {_GROUPS.format('order_lines')}",
    ]
    assert quarantined(con, "supplier_items") == [(
        2, "pack_size",
        "pack_size '12.500' is not a whole number (at most 15 digits); if '.' groups thousands "
        'in this file (12500 units), set decimal = "," under [master_files] in load.toml',
    )]  # fmt: skip
    assert quarantined(con, "open_orders") == [(
        2, "quantity", f"quantity '1.000.000' is not a number (decimal separator '.'; {masters})"
    )]  # fmt: skip
    assert con.execute("SELECT unit_price FROM price_breaks WHERE sku = 'B'").fetchall() == [
        (1.25,)
    ]


def test_a_file_with_a_decimal_point_or_decimal_comma_setting_has_no_thousands_note(con, tmp_path):
    """'2.00' in price_breaks.csv shows that its '.' is a decimal point: min_qty '1.000' there
    is a quantity of one written with three decimals (as ERPs do), and '0.500' is never a
    thousands group; under decimal = "," '1.000' reads as 1000, as meant."""
    from warehouse.config import parse_config

    breaks = BASE["price_breaks.csv"].replace("S1,B,10,4.00", "S1,B,1.000,4.00")
    stock = "sku,on_hand\nA,0.500\nB,5\n"
    report = load_folder(
        con, write_folder(tmp_path / "in", price_breaks__csv=breaks, stock__csv=stock), AS_OF
    )
    assert not [n for n in report.notes if "like thousands" in n]
    supplier_items = "supplier_id;sku;moq;pack_size;discount_type\n"
    supplier_items += "S1;A;1.000;10;all_units\nS2;A;50;5;incremental\nS1;B;10;1;all_units\n"
    config = parse_config({"master_files": {"decimal": ",", "date_format": "%d.%m.%Y"}})
    masters = {n.replace(".", "__"): _german(BASE[n]) for n in BASE if n != "order_lines.csv"}
    masters["supplier_items__csv"] = supplier_items
    report = load_folder(con, write_folder(tmp_path / "de", **masters), AS_OF, config)
    assert not [n for n in report.notes if "like thousands" in n] and report.quarantined == 0
    moq = "SELECT moq FROM supplier_items WHERE supplier_id = 'S1' AND sku = 'A'"
    assert con.execute(moq).fetchall() == [(1000,)]


def _dotted(con, tmp_path, date_format: str = "%d.%m.%Y"):
    """A folder of dd.mm.yyyy dates with some ISO dates among them (another export, a
    planner's own row), loaded under `date_format` for master files and order lines."""
    from warehouse.config import parse_config

    orders = BASE["open_orders.csv"].replace("2024-04-10", "10.04.2024")
    orders += "PO2,B,S1,20,2024-04-20\n"  # items' B keeps its ISO end_of_life 2026-12-31
    lines = BASE["order_lines.csv"].replace("2024-03-04", "04.03.2024")
    lines += "O3,1,2024-3-13,A,1,3.50,C3\nO4,1,13/03/2024,A,1,3.50,C3\n"  # not ISO, not dd.mm
    folder = write_folder(tmp_path / "in", open_orders__csv=orders, order_lines__csv=lines)
    config = parse_config({
        "order_lines": {"date_format": date_format},
        "master_files": {"date_format": date_format},
    })  # fmt: skip
    return folder, config


def test_a_custom_date_format_also_reads_iso_dates(con, tmp_path):
    """ISO dates (YYYY-MM-DD) cannot be mistaken for another format's: under date_format
    "%d.%m.%Y" they went to quarantine (an item's end_of_life quarantined the item)."""
    folder, config = _dotted(con, tmp_path)
    load_folder(con, folder, AS_OF, config)
    assert quarantined(con, "items") == [] and quarantined(con, "open_orders") == []
    assert con.execute("SELECT end_of_life FROM items WHERE sku = 'B'").fetchall() == [
        (date(2026, 12, 31),)
    ]
    due = con.execute("SELECT po_id, due_date FROM open_orders ORDER BY po_id").fetchall()
    assert due == [("PO1", date(2024, 4, 10)), ("PO2", date(2024, 4, 20))]
    dates = con.execute("SELECT order_id, order_date FROM order_lines ORDER BY ALL").fetchall()
    assert dates == [("O1", date(2024, 3, 4)), ("O1", date(2024, 3, 5)), ("O2", date(2024, 3, 12))]
    # only exactly YYYY-MM-DD: '2024-3-13' is neither format
    formats = "is not a date in the format %d.%m.%Y or %Y-%m-%d"
    slashed = (
        '(for dates written so, set date_format = "%d/%m/%Y" under [order_lines] in load.toml)'
    )
    assert quarantined(con, "order_lines") == [
        (4, "order_date", f"order_date '2024-3-13' {formats}"),
        (5, "order_date", f"order_date '13/03/2024' {formats} {slashed}"),
    ]


def test_a_date_format_that_writes_iso_shaped_dates_reads_no_iso_fallback(con, tmp_path):
    """Under "%Y-%d-%m" '2024-04-03' is 4 March, not 3 April (after as_of), and '2024-03-13'
    is no date, not 13 March read as ISO: the file's own format decides."""
    folder, config = _dotted(con, tmp_path, "%Y-%d-%m")
    lines = BASE["order_lines.csv"].replace("2024-03-04", "2024-04-03")
    lines = lines.replace("2024-03-05,B", "2024-03-13,A").replace("2024-03-12", "2024-12-03")
    load_folder(con, write_folder(folder, order_lines__csv=lines), AS_OF, config)
    dates = con.execute("SELECT order_id, order_date FROM order_lines ORDER BY ALL").fetchall()
    assert dates == [("O1", date(2024, 3, 4)), ("O2", date(2024, 3, 12))]
    assert quarantined(con, "order_lines") == [
        (2, "order_date", "order_date '2024-03-13' is not a date in the format %Y-%d-%m")
    ]


def test_iso_dates_under_a_custom_date_format_load_once_the_rules_change(
    con, tmp_path, monkeypatch
):
    """A warehouse loaded before the ISO fallback holds the ISO rows of unchanged files in
    quarantine: the new rules' versions load every master and order lines file again."""
    import warehouse.load
    import warehouse.validate

    folder, config = _dotted(con, tmp_path)
    monkeypatch.setattr(warehouse.load, "LINE_RULES", 2)
    monkeypatch.setattr(warehouse.load, "MASTER_RULES", 4)
    monkeypatch.setattr(
        warehouse.validate, "_date_formats", lambda fmt, typed: (fmt, "%Y-%m-%d")[: 1 + typed]
    )  # the rules of then: a text column in date_format only
    load_folder(con, folder, AS_OF, config)
    assert [r[:2] for r in quarantined(con, "items")] == [(2, "end_of_life")]
    assert {r[0] for r in quarantined(con, "open_orders")} == {2}  # PO2: its due_date, item B
    monkeypatch.undo()
    report = load_folder(con, folder, AS_OF, config)
    assert not any(f.unchanged for f in report.files)
    assert quarantined(con, "items") == [] and quarantined(con, "open_orders") == []
    assert [r[0] for r in quarantined(con, "order_lines")] == [4, 5]
    assert all(f.unchanged for f in load_folder(con, folder, AS_OF, config).files)


@pytest.mark.parametrize(
    ("after", "quarantined", "text"),
    [
        (0, 3, "3 rows in quarantine: see"),
        (2, 2, "2 rows in quarantine, all order lines dated after as_of (a later night loads "
               "them)"),
        (1, 8, "8 rows in quarantine, 1 of them an order line dated after as_of (a later night "
               "loads it)"),
        (14_495, 14_502, "14,502 rows in quarantine, 14,495 of them order lines dated after as_of"),
        (21, 30, "30 rows in quarantine, 21 of them order lines dated"),
    ],
)  # fmt: skip
def test_the_quarantine_line_says_how_many_rows_are_only_later_order_lines(
    after, quarantined, text
):
    file = FileLoad("order_lines", "order_lines.csv", quarantined + 5, 5, quarantined, 0, False,
                    rows_after_as_of=after)  # fmt: skip
    report = LoadReport((file,), ("L1",))
    assert text in report.summary()


def test_the_load_summary_quotes_a_warehouse_path_with_a_space(tmp_path):
    """'see reorder quarantine --db /tmp/my data/w.duckdb' broke when pasted (the shell read
    --db /tmp/my): the summary's command quotes the path as every other printed command."""
    db = tmp_path / "my data" / "w.duckdb"
    db.parent.mkdir()
    one = BASE["price_breaks.csv"].replace("S1,A,100,2.00", "S1,A,100,0")
    with warehouse.connect(db) as con:
        report = load_folder(con, write_folder(tmp_path / "in", price_breaks__csv=one), AS_OF)
    assert f"1 row in quarantine: see reorder quarantine --db '{db}'" in report.summary()


def test_an_order_lines_files_text_rows_are_let_go_before_they_are_stored(
    con, tmp_path, monkeypatch
):
    """At 2.7 million order lines the text rows held about 850 MB while DuckDB copied the
    typed rows (bench/nightly.py, 10,000 items): they are let go once checked."""
    import gc
    import weakref

    from warehouse import load, store

    frames = []
    read = load._read_order_lines
    monkeypatch.setattr(
        load, "_read_order_lines",
        lambda *args: (raw := read(*args), frames.append(weakref.ref(raw.frame)))[0],
    )  # fmt: skip
    alive = []
    replace = store.replace_order_lines
    monkeypatch.setattr(
        store, "replace_order_lines",
        lambda *args: (gc.collect(), alive.append([f() is not None for f in frames]),
                       replace(*args)),
    )  # fmt: skip
    load_folder(con, write_folder(tmp_path / "in"), AS_OF)
    assert alive == [[False]]
    assert _lines(con)


def test_what_the_check_freed_is_given_back_before_duckdb_copies_a_big_file(
    con, tmp_path, monkeypatch
):
    """DuckDB allocates its own memory: the 250 MB the read and the check of 2.7 million
    order lines left in the C heap stayed resident under the copy's 650 MB (the load's peak,
    2,023 MB at 10,000 items). A file of TRIM_ROWS lines or more is trimmed first; a small
    daily file is not (a collection per file)."""
    from warehouse import load, memory, store

    calls = []
    release, replace_lines = memory.release_memory, store.replace_order_lines

    def released() -> bool:
        calls.append("release")
        return release()

    def stored(*args, **kwargs) -> None:
        calls.append("store")
        replace_lines(*args, **kwargs)

    monkeypatch.setattr(load, "release_memory", released)
    monkeypatch.setattr(store, "replace_order_lines", stored)
    folder = write_folder(tmp_path / "in")
    lines = len(pd.read_csv(folder / "order_lines.csv"))
    monkeypatch.setattr(load, "TRIM_ROWS", lines + 1)
    load_folder(con, folder, AS_OF)
    assert calls == ["store"]
    calls.clear()
    (folder / "order_lines.csv").write_text(
        (folder / "order_lines.csv").read_text() + "O3,1,2024-03-19,A,1,3.50,C3\n"
    )
    load_folder(con, folder, AS_OF)
    assert calls == ["release", "store"]


def test_empty_markers_and_sheet_errors_are_found_without_a_folded_copy_of_every_value():
    """The check folded the case of every value to find 'N/A' or '#REF!': at 2.7 million
    order ids a copy of each that raised the load's peak by about 60 MB. It folds only texts
    as short as the longest marker; the same rows are found."""
    import tracemalloc

    from warehouse.validate import EMPTY_MARKERS, SHEET_ERRORS, _among

    text = pd.Series(["N/A", " x", None, "#Ref!", "NULL", "n/a-ish", "\u2013", "A" * 40],
                     dtype=object)  # fmt: skip
    assert _among(text, EMPTY_MARKERS).tolist() == [1, 0, 0, 0, 1, 0, 1, 0]
    assert _among(text, SHEET_ERRORS).tolist() == [0, 0, 0, 1, 0, 0, 0, 0]
    ids = pd.Series([f"SO-2024-{i:012d}-REFERENCE" for i in range(100_000)], dtype=object)
    tracemalloc.start()
    try:
        found = _among(ids, EMPTY_MARKERS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not found.any()
    assert peak < 8 * 2**20  # with a folded copy of the 100,000 texts: 12.6 MB, now 4.9


def test_an_order_lines_file_none_of_whose_lines_loaded_is_named_on_every_load(con, tmp_path):
    """An ERP's new delta file written with US dates (12/01/2026) went to quarantine whole:
    the load's table said 'read 3, loaded 0, quarantined 3' among files of 84,000 lines, no
    note named it, and the night was planned without the newest week's demand. A note names
    the file with its first row's reason, on every load while it stands (the nightly run
    skips the unchanged file); lines only dated after as_of (an earlier night) are no such
    file, nor is one whose lines are all excluded."""
    folder = write_folder(tmp_path / "in")
    header = BASE["order_lines.csv"].splitlines()[0]
    delta = f"{header}\nO3,1,04/01/2024,A,1,3.50,C3\nO4,1,04/02/2024,B,2,6.00,C4\n"
    (folder / "order_lines_0402.csv").write_text(delta, encoding="utf-8")
    note = (
        "order_lines_0402.csv: none of its 2 order lines loaded, 2 are in quarantine (row 1: "
        "order_date '04/01/2024' is not a date in the format %Y-%m-%d (for dates written so, "
        'set date_format = "%d/%m/%Y" under [order_lines] in load.toml, or "%m/%d/%Y" if the '
        "month comes first)): the demand history misses them; fix the file, or load.toml, "
        "and load again"
    )
    later = AS_OF + timedelta(days=7)
    assert note in load_folder(con, folder, later).notes
    assert note in load_folder(con, folder, later).notes  # skipped, still named
    assert all(f.unchanged for f in load_folder(con, folder, later).files)
    fine = f"{header}\nO3,1,2024-04-01,A,1,3.50,C3\nO4,1,2024-04-02,B,2,6.00,C4\n"
    (folder / "order_lines_0402.csv").write_text(fine, encoding="utf-8")
    assert not [n for n in load_folder(con, folder, later).notes if "none of its" in n]
    earlier = load_folder(con, folder, AS_OF)  # an earlier night: all its lines come later
    assert earlier.after_as_of == 2
    assert not [n for n in earlier.notes if "none of its" in n]
