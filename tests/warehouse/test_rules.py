"""One test per quarantine rule: the bad row goes to quarantine with a reason, good rows load."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

import optimize
from optimize.pricing import purchase_cost
from tests.warehouse.conftest import AS_OF, BASE, quarantined, write_folder
from warehouse import load_folder, read_planning_inputs
from warehouse.config import LoadConfig
from warehouse.validate import falling_run


def _load(con, tmp_path: Path, **files: str):
    return load_folder(con, write_folder(tmp_path / "in", **files), AS_OF)


def _count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_unparseable_number_is_quarantined_and_good_rows_load(con, tmp_path):
    items = BASE["items.csv"] + "C,Washer,fasteners,series,abc,0.2,,,\n"
    report = _load(con, tmp_path, items__csv=items)
    assert quarantined(con, "items") == [
        (3, "unit_volume", "unit_volume 'abc' is not a number (decimal separator '.')")
    ]
    assert _count(con, "items") == 2
    entry = next(f for f in report.files if f.table == "items")
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (3, 2, 1)


def test_unparseable_date_is_quarantined(con, tmp_path):
    lines = BASE["order_lines.csv"] + "O3,1,2024-13-01,A,1,3.50,C3\nO4,1,2023-02-29,A,1,3.5,C\n"
    lines += "O5,1,0000-01-01,A,1,3.5,C\n"  # year 0 parsed, then stopped the load (no date)
    _load(con, tmp_path, order_lines__csv=lines)
    assert quarantined(con, "order_lines") == [
        (4, "order_date", "order_date '2024-13-01' is not a date in the format %Y-%m-%d"),
        # it said 'not a date in the format %Y-%m-%d' of a date in that very format
        (
            5,
            "order_date",
            "order_date '2023-02-29' is past the end of its month (format %Y-%m-%d)",
        ),
        (6, "order_date", "order_date '0000-01-01' is not a date in the format %Y-%m-%d"),
    ]
    assert _count(con, "order_lines") == 3


def test_a_date_in_a_common_other_shape_names_the_date_format_that_reads_it(con, tmp_path):
    """An ERP writes 07.06.2024, 2024-06-07T00:00:00 or 06/13/2024: every order line went to
    quarantine as 'not a date in the format %Y-%m-%d', and nothing said that load.toml's
    date_format reads them. Now the reason names the format, for dd/mm/yyyy both readings
    unless the day says which; a shape no common format reads keeps the plain reason."""
    lines = "order_id,line,order_date,sku,quantity,unit_price,customer\n"
    days = ["07.03.2024", "2024-03-07T00:00:00", "2024-03-07 08:15", "07/03/2024"]
    days += ["03/13/2024", "20240307", "7 March 2024"]
    for n, day in enumerate(days, 1):
        lines += f"O{n},1,{day},A,1,3.50,C1\n"
    items = BASE["items.csv"].replace("2026-12-31", "31.12.26")
    _load(con, tmp_path, order_lines__csv=lines, items__csv=items)
    where = " under [order_lines] in load.toml"
    assert [r[2] for r in quarantined(con, "order_lines")] == [
        "order_date '07.03.2024' is not a date in the format %Y-%m-%d (for dates written so, "
        f'set date_format = "%d.%m.%Y"{where})',
        "order_date '2024-03-07T00:00:00' is not a date in the format %Y-%m-%d (for dates "
        f'written so, set date_format = "%Y-%m-%dT%H:%M:%S"{where})',
        "order_date '2024-03-07 08:15' is not a date in the format %Y-%m-%d (for dates written "
        f'so, set date_format = "%Y-%m-%d %H:%M"{where})',
        "order_date '07/03/2024' is not a date in the format %Y-%m-%d (for dates written so, "
        f'set date_format = "%d/%m/%Y"{where}, or "%m/%d/%Y" if the month comes first)',
        "order_date '03/13/2024' is not a date in the format %Y-%m-%d (for dates written so, "
        f'set date_format = "%m/%d/%Y"{where})',
        "order_date '20240307' is not a date in the format %Y-%m-%d (for dates written so, "
        f'set date_format = "%Y%m%d"{where})',
        "order_date '7 March 2024' is not a date in the format %Y-%m-%d",
    ]
    assert quarantined(con, "items")[0][2] == (
        "end_of_life '31.12.26' is not a date in the format %Y-%m-%d (for dates written so, "
        'set date_format = "%d.%m.%y" under [master_files] in load.toml)'
    )


def test_missing_required_value_is_quarantined(con, tmp_path):
    suppliers = BASE["suppliers.csv"] + "S3,Cora,,20,,\n"
    _load(con, tmp_path, suppliers__csv=suppliers)
    assert quarantined(con, "suppliers") == [(3, "lead_time", "lead_time is missing")]


def test_non_positive_price_break_and_negative_sales_price_are_quarantined(con, tmp_path):
    breaks = BASE["price_breaks.csv"] + "S1,B,50,0\n"
    lines = BASE["order_lines.csv"] + "O3,1,2024-03-13,A,1,-3.50,C3\n"
    _load(con, tmp_path, price_breaks__csv=breaks, order_lines__csv=lines)
    assert quarantined(con, "price_breaks") == [
        (5, "unit_price", "unit_price 0 must be greater than 0")
    ]
    assert quarantined(con, "order_lines") == [
        (4, "unit_price", "unit_price -3.50 must be at least 0")
    ]


def test_price_break_rising_with_quantity_is_quarantined(con, tmp_path):
    breaks = (
        "supplier_id,sku,min_qty,unit_price\n"
        "S1,A,50,3.90\nS1,A,100,4.20\nS1,A,200,3.80\nS1,B,10,4\n"
    )
    _load(con, tmp_path, price_breaks__csv=breaks)
    reason = (
        "unit_price 4.20 at min_qty 100 is higher than 3.90 at min_qty 50 (row 1, which prices "
        "the offer now: if its price is the typo, fix row 1)"
    )
    assert quarantined(con, "price_breaks") == [(2, "unit_price", reason)]
    tiers = con.execute("SELECT min_qty FROM price_breaks WHERE sku = 'A' ORDER BY 1").fetchall()
    assert tiers == [(50.0,), (200.0,)]


def test_a_rate_written_as_a_percentage_is_told_to_be_written_as_a_fraction(con, tmp_path):
    """An ERP export with '25%' for holding_cost_rate put its items row in quarantine as
    "holding_cost_rate '25%' is not a number (decimal separator ',')": nothing said how to
    write it. A rate or fraction column (holding_cost_rate, on_time_rate, reject_rate,
    discount_rate) with a % sign says so, in the decimal separator configured; the value is
    not read as 0.25 silently, and a % sign elsewhere keeps the plain reason."""
    masters = {n: t.replace(",", ";").replace(".", ",") for n, t in BASE.items()}
    del masters["order_lines.csv"]
    masters["items.csv"] += "C;Washer;fasteners;series;12,5%;25%;;0;\n"
    masters["suppliers.csv"] += "S3;Cargo;5;20;95 %;1%\n"
    masters["supplier_tiers.csv"] = (
        "supplier_id;basis;min_total;discount_rate\nS1;spend;500;0,02\nS1;spend;1000;3%\n"
    )
    folder = write_folder(tmp_path / "in", **{n.replace(".", "__"): t for n, t in masters.items()})
    load_folder(con, folder, AS_OF, LoadConfig(master_delimiter=";", master_decimal=","))
    fraction = "is not a number: write the rate as a fraction"
    assert quarantined(con, "items") == [
        (3, "holding_cost_rate", f"holding_cost_rate '25%' {fraction} (0,25 for 25%)"),
        (3, "unit_volume", "unit_volume '12,5%' is not a number (decimal separator ',')"),
    ]
    assert quarantined(con, "suppliers") == [
        (3, "on_time_rate", f"on_time_rate '95 %' {fraction} (0,95 for 95 %)"),
        (3, "reject_rate", f"reject_rate '1%' {fraction} (0,01 for 1%)"),
    ]
    assert quarantined(con, "supplier_tiers") == [
        (2, "discount_rate", f"discount_rate '3%' {fraction} (0,03 for 3%)")
    ]
    assert con.execute("SELECT count(*) FROM items WHERE sku = 'C'").fetchone() == (0,)


def test_a_typo_in_the_first_tier_quarantines_that_tier_not_the_right_tiers_after_it(con, tmp_path):
    """0,059 typed for 0,59 at min_qty 1, then 0,55 at 50 and 0,50 at 100 (an ERP import): a
    row above the lowest price before it went to quarantine, so both right tiers did and the
    offer was priced at 0.059 a unit. The load now keeps the longest run of tiers whose price
    does not rise and quarantines the typo, naming the rows it contradicts; the plan prices the
    offer by the right tiers, and its smallest lot is the first of them (50): no price is
    quoted for fewer."""
    masters = {n: t.replace(",", ";").replace(".", ",") for n, t in BASE.items()}
    del masters["order_lines.csv"]
    masters["supplier_items.csv"] = masters["supplier_items.csv"].replace("S1;B;10;", "S1;B;1;")
    masters["price_breaks.csv"] = (
        "supplier_id;sku;min_qty;unit_price\n"
        "S1;A;100;2,00\nS1;B;1;0,059\nS1;B;50;0,55\nS1;B;100;0,50\n"
    )
    folder = write_folder(tmp_path / "in", **{n.replace(".", "__"): t for n, t in masters.items()})
    load_folder(con, folder, AS_OF, LoadConfig(master_delimiter=";", master_decimal=","))
    reason = (
        "unit_price 0,059 at min_qty 1 is lower than 0,55 at min_qty 50 and 0,50 at min_qty 100 "
        "(rows 3, 4), whose prices fall with the quantity: if those are right, fix row 2"
    )
    assert quarantined(con, "price_breaks") == [(2, "unit_price", reason)]
    inputs = read_planning_inputs(con, as_of=AS_OF)
    skus = inputs["items"]["sku"].to_numpy()
    paths = np.ones((len(skus), 20, 8), dtype=np.int64)
    problem, _ = optimize.build_problem(
        **inputs, scenarios=(skus, paths), as_of=AS_OF, period_days=7.0
    )
    item = next(i for i in problem.items if i.sku == "B")
    (offer,) = item.offers
    assert [(b.min_qty, b.unit_price) for b in offer.price_breaks] == [(50, 0.55), (100, 0.50)]
    assert offer.smallest_lot == 50
    assert "below the first price break (50 units)" in offer.lot_error(10)
    assert purchase_cost(offer, 60) == 60 * 0.55


def test_a_typo_in_a_middle_tier_quarantines_that_tier(con, tmp_path):
    """A tier typed too low between right ones (0.059 at 50 for 0.59) put every tier after it
    in quarantine; now only the typo goes, and the tier before it is not named: it agrees."""
    breaks = "supplier_id,sku,min_qty,unit_price\nS1,B,10,0.60\nS1,B,50,0.059\nS1,B,100,0.55\n"
    breaks += "S1,B,200,0.50\n"
    _load(con, tmp_path, price_breaks__csv=breaks)
    assert quarantined(con, "price_breaks") == [
        (
            2,
            "unit_price",
            "unit_price 0.059 at min_qty 50 is lower than 0.55 at min_qty 100 and 0.50 at "
            "min_qty 200 (rows 3, 4), whose prices fall with the quantity: if those are right, "
            "fix row 2",
        )
    ]
    tiers = con.execute("SELECT min_qty FROM price_breaks WHERE sku = 'B' ORDER BY 1").fetchall()
    assert tiers == [(10.0,), (100.0,), (200.0,)]


def _greedy(prices: list[float]) -> list[int]:
    """The rule before: a row is kept unless its price is above the lowest price before it."""
    kept: list[int] = []
    for i, price in enumerate(prices):
        if not kept or price <= prices[kept[-1]]:
            kept.append(i)
    return kept


def test_the_falling_run_is_the_longest_and_the_old_rule_s_where_that_one_is():
    """Brute force over every price list of up to 6 tiers from 4 prices: the kept rows never
    rise, no run is longer, and where the old rule kept a longest run (a single row rising,
    say), the same rows are kept as before."""
    for n in range(7):
        for prices in itertools.product([1.0, 2.0, 3.0, 4.0], repeat=n):
            kept = falling_run(list(prices))
            assert all(prices[a] >= prices[b] for a, b in itertools.pairwise(kept))
            longest = max(
                (k for k in range(n + 1) for run in itertools.combinations(prices, k)
                 if all(a >= b for a, b in itertools.pairwise(run))),
                default=0,
            )  # fmt: skip
            assert len(kept) == longest
            greedy = _greedy(list(prices))
            if len(greedy) == longest:
                assert kept == greedy
            for at in set(range(n)) - set(kept):  # what the reason can name
                before = [prices[k] for k in kept if k < at]
                after = [k for k in kept if k > at and prices[k] > prices[at]]
                assert (before and before[-1] < prices[at]) != (len(after) >= 2)


def test_moq_or_pack_size_not_positive_is_quarantined(con, tmp_path):
    supplier_items = (
        "supplier_id,sku,moq,pack_size,discount_type\n"
        "S1,A,0,10,all_units\nS2,A,50,-5,incremental\nS1,B,10,1,all_units\n"
    )
    _load(con, tmp_path, supplier_items__csv=supplier_items)
    assert quarantined(con, "supplier_items") == [
        (1, "moq", "moq 0 must be greater than 0"),
        (2, "pack_size", "pack_size -5 must be greater than 0"),
    ]
    assert con.execute("SELECT supplier_id, sku FROM supplier_items").fetchall() == [("S1", "B")]


def test_unknown_sku_and_supplier_id_are_quarantined(con, tmp_path):
    supplier_items = BASE["supplier_items.csv"] + "S9,A,1,1,all_units\n"
    breaks = BASE["price_breaks.csv"] + "S2,B,10,4.10\n"
    lines = BASE["order_lines.csv"] + "O3,1,2024-03-13,Z,1,1.00,C3\n"
    _load(
        con,
        tmp_path,
        supplier_items__csv=supplier_items,
        price_breaks__csv=breaks,
        order_lines__csv=lines,
    )
    assert quarantined(con, "supplier_items") == [
        (4, "supplier_id", "unknown supplier_id 'S9' (not in suppliers)")
    ]
    assert quarantined(con, "price_breaks") == [
        (5, "sku", "supplier_id 'S2' × sku 'B' is not in supplier_items")
    ]
    assert quarantined(con, "order_lines") == [(4, "sku", "unknown sku 'Z' (not in items)")]


def test_duplicate_key_within_a_file_keeps_the_first_row(con, tmp_path):
    items = BASE["items.csv"] + "A,Bolt M8 again,fasteners,series,0.2,0.25,,0,\n"
    _load(con, tmp_path, items__csv=items)
    assert quarantined(con, "items") == [(3, "sku", "duplicate key sku='A' (first at row 1)")]
    assert con.execute("SELECT description FROM items WHERE sku = 'A'").fetchone() == ("Bolt M8",)


def test_order_date_after_as_of_is_quarantined(con, tmp_path):
    lines = BASE["order_lines.csv"] + "O3,1,2024-04-01,A,1,3.50,C3\n"
    _load(con, tmp_path, order_lines__csv=lines)
    assert quarantined(con, "order_lines") == [
        (4, "order_date", "order_date 2024-04-01 is after as_of 2024-03-31")
    ]


def test_an_order_date_after_as_of_read_in_another_format_says_how_it_was_read(con, tmp_path):
    """Under a date_format other than ISO the reason shows the date as read too: a file in
    month/day order configured as day/month puts 04/03 in April, and said only '04/03/2024'."""
    lines = BASE["order_lines.csv"] + "O3,1,2024-03-04,A,1,3.50,C3\nO3,2,04/03/2024,A,1,3.50,C3\n"
    folder = write_folder(tmp_path / "in", order_lines__csv=lines)
    load_folder(con, folder, AS_OF, LoadConfig(date_format="%m/%d/%Y"))
    assert quarantined(con, "order_lines") == [
        (5, "order_date", "order_date 04/03/2024 (read as 2024-04-03 under date_format "
                          "%m/%d/%Y) is after as_of 2024-03-31"),
    ]  # fmt: skip


def test_unknown_lifecycle_stage_and_discount_type_are_quarantined(con, tmp_path):
    items = BASE["items.csv"] + "C,Washer,fasteners,mass_production,0.1,0.2,,,\n"
    supplier_items = BASE["supplier_items.csv"].replace("S1,B,10,1,all_units", "S1,B,10,1,bulk")
    _load(con, tmp_path, items__csv=items, supplier_items__csv=supplier_items)
    assert quarantined(con, "items") == [
        (
            3,
            "lifecycle_stage",
            "lifecycle_stage 'mass_production' is not one of pilot, ramp_up, series, phase_out",
        )
    ]
    assert quarantined(con, "supplier_items") == [
        (3, "discount_type", "discount_type 'bulk' is not one of all_units, incremental")
    ]


def test_allowed_values_in_another_case_load_as_the_allowed_value_with_a_note(con, tmp_path):
    """'Series' (a spreadsheet's autocapitalize) quarantined the item: planned as not in items,
    its order lines quarantined with it, over a letter's case."""
    items = BASE["items.csv"].replace(",series,", ",Series,").replace(",ramp_up,", ", RAMP_UP ,")
    items += "C,Washer,fasteners,SERIES,0.1,0.2,,,\nD,Disc,fasteners,Serie,0.1,0.2,,,\n"
    supplier_items = BASE["supplier_items.csv"].replace(
        "S1,A,100,10,all_units", "S1,A,100,10,All_Units"
    )
    tiers = "supplier_id,basis,min_total,discount_rate\nS1,Spend,1000,0.02\nS1,spend,5000,0.05\n"
    report = _load(
        con, tmp_path, items__csv=items, supplier_items__csv=supplier_items,
        supplier_tiers__csv=tiers,
    )  # fmt: skip
    stages = "SELECT sku, lifecycle_stage FROM items ORDER BY sku"
    assert con.execute(stages).fetchall() == [("A", "series"), ("B", "ramp_up"), ("C", "series")]
    assert con.execute("SELECT discount_type FROM supplier_items WHERE sku = 'A' AND "
                       "supplier_id = 'S1'").fetchall() == [("all_units",)]  # fmt: skip
    assert con.execute("SELECT basis FROM supplier_tiers").fetchall() == [("spend",), ("spend",)]
    allowed = "pilot, ramp_up, series, phase_out"
    assert quarantined(con, "items") == [
        (4, "lifecycle_stage", f"lifecycle_stage 'Serie' is not one of {allowed}")
    ]
    assert [n for n in report.notes if "another case" in n] == [
        "items.csv: 3 values in another case read as the allowed value: lifecycle_stage "
        "'Series' as 'series' (row 1), 'RAMP_UP' as 'ramp_up' (row 2), 'SERIES' as 'series' "
        "(row 3)",
        "supplier_items.csv: 1 value in another case read as the allowed value: "
        "discount_type 'All_Units' as 'all_units' (row 1)",
        "supplier_tiers.csv: 1 value in another case read as the allowed value: basis "
        "'Spend' as 'spend' (row 1)",
    ]


def test_rates_outside_zero_to_one_are_quarantined(con, tmp_path):
    suppliers = BASE["suppliers.csv"] + "S3,Cora,5,20,1.2,\nS4,Dex,5,20,,-0.1\n"
    _load(con, tmp_path, suppliers__csv=suppliers)
    assert quarantined(con, "suppliers") == [
        (3, "on_time_rate", "on_time_rate 1.2 must be between 0 and 1"),
        (4, "reject_rate", "reject_rate -0.1 must be between 0 and 1"),
    ]


def test_supplier_item_without_valid_price_break_is_quarantined(con, tmp_path):
    breaks = "supplier_id,sku,min_qty,unit_price\nS1,A,100,2.00\nS2,A,50,-1\nS1,B,10,4\n"
    report = _load(con, tmp_path, price_breaks__csv=breaks)
    assert quarantined(con, "supplier_items") == [
        (2, "sku", "supplier_id 'S2' × sku 'A' has no valid price break")
    ]
    offers = con.execute("SELECT supplier_id, sku FROM supplier_items ORDER BY 1, 2").fetchall()
    assert offers == [("S1", "A"), ("S1", "B")]
    entry = next(f for f in report.files if f.table == "supplier_items")
    assert (entry.rows_loaded, entry.rows_quarantined) == (2, 1)


def test_row_with_wrong_number_of_fields_is_quarantined(con, tmp_path):
    lines = BASE["order_lines.csv"] + "O3,1,2024-03-13,A,1,3.50,C3,extra\n"
    _load(con, tmp_path, order_lines__csv=lines)
    assert quarantined(con, "order_lines") == [
        (4, None, "row has 8 fields, the header has 7 (check the delimiter and quotes)")
    ]
    assert _count(con, "order_lines") == 3


def test_negative_launch_forecast_is_quarantined_and_a_valid_one_loads(con, tmp_path):
    header, *rows = BASE["items.csv"].splitlines()
    items = "\n".join(
        [
            header + ",launch_forecast",
            rows[0] + ",",
            rows[1] + ",4",
            "C,Washer,fasteners,pilot,0.1,0.2,,,,-1",
        ]
    )
    _load(con, tmp_path, items__csv=items + "\n")
    assert quarantined(con, "items") == [
        (3, "launch_forecast", "launch_forecast -1 must be at least 0")
    ]
    assert con.execute("SELECT launch_forecast FROM items ORDER BY sku").fetchall() == [
        (None,),
        (4.0,),
    ]


def test_supplier_tiers_with_bad_rate_basis_or_order_are_quarantined_and_reach_planning(
    con, tmp_path
):
    tiers = """\
supplier_id,basis,min_total,discount_rate
S1,spend,1000,0.02
S1,spend,5000,0.05
S1,units,8000,0.07
S1,spend,9000,0.04
S2,units,100,1.5
S9,spend,100,0.01
"""
    _load(con, tmp_path, supplier_tiers__csv=tiers)
    assert quarantined(con, "supplier_tiers") == [
        (3, "basis", "basis 'units' differs from 'spend' of 'S1'"),
        (4, "discount_rate", "discount_rate 0.04 at min_total 9000 does not rise above 0.05"),
        (5, "discount_rate", "discount_rate 1.5 must be less than 1"),
        (6, "supplier_id", "unknown supplier_id 'S9' (not in suppliers)"),
    ]
    frames = read_planning_inputs(con, skus=["A"])
    assert frames["supplier_tiers"][["supplier_id", "min_total"]].values.tolist() == [
        ["S1", 1000.0],
        ["S1", 5000.0],
    ]


def test_supplier_tier_rows_of_one_threshold_that_disagree_discount_neither(con, tmp_path):
    """S1 at min_total 5000 with 5% and 3%: the first one loaded as if it were right."""
    tiers = "supplier_id,basis,min_total,discount_rate\n"
    tiers += "S1,spend,1000,0.02\nS1,spend,5000,0.05\nS1,spend,5000,0.03\n"
    _load(con, tmp_path, supplier_tiers__csv=tiers)
    assert [r[0] for r in quarantined(con, "supplier_tiers")] == [2, 3]
    frames = read_planning_inputs(con, skus=["A"])
    assert frames["supplier_tiers"]["min_total"].tolist() == [1000.0]


def test_absent_supplier_tiers_file_empties_the_table(con, tmp_path):
    tiers = "supplier_id,basis,min_total,discount_rate\nS1,spend,1000,0.02\n"
    _load(con, tmp_path, supplier_tiers__csv=tiers)
    assert _count(con, "supplier_tiers") == 1
    _load(con, tmp_path, supplier_tiers__csv=None)
    assert _count(con, "supplier_tiers") == 0


def test_a_number_too_large_to_be_finite_is_quarantined(con, tmp_path):
    lines = BASE["order_lines.csv"] + "O3,1,2024-03-13,A,1e999,3.50,C3\n"
    breaks = BASE["price_breaks.csv"] + "S1,B,50,1e400\n"
    _load(con, tmp_path, order_lines__csv=lines, price_breaks__csv=breaks)
    assert quarantined(con, "order_lines") == [
        (4, "quantity", "quantity '1e999' is not a number (decimal separator '.')")
    ]
    assert quarantined(con, "price_breaks") == [
        (5, "unit_price", "unit_price '1e400' is not a number (decimal separator '.')")
    ]


def test_unit_quantities_of_offers_must_be_whole(con, tmp_path):
    supplier_items = BASE["supplier_items.csv"].replace("S1,B,10,1,", "S1,B,10,2.5,")
    breaks = BASE["price_breaks.csv"].replace("S2,A,50,2.20", "S2,A,0.5,2.20")
    _load(con, tmp_path, supplier_items__csv=supplier_items, price_breaks__csv=breaks)
    assert (3, "pack_size", "pack_size '2.5' is not a whole number (at most 15 digits)") in (
        quarantined(con, "supplier_items")
    )
    assert (3, "min_qty", "min_qty '0.5' is not a whole number (at most 15 digits)") in (
        quarantined(con, "price_breaks")
    )


def test_a_line_number_beyond_15_digits_is_quarantined_not_a_crash(con, tmp_path):
    lines = BASE["order_lines.csv"] + "O3,99999999999999999999,2024-03-13,A,1,3.50,C3\n"
    _load(con, tmp_path, order_lines__csv=lines)
    assert quarantined(con, "order_lines") == [
        (4, "line", "line '99999999999999999999' is not a whole number (at most 15 digits)")
    ]
    assert _count(con, "order_lines") == 3


def test_an_order_date_decades_before_as_of_is_quarantined(con, tmp_path):
    lines = BASE["order_lines.csv"] + "O3,1,0024-03-13,A,1,3.50,C3\n"
    _load(con, tmp_path, order_lines__csv=lines)
    assert quarantined(con, "order_lines") == [
        (4, "order_date", "order_date 0024-03-13 is more than 50 years before as_of 2024-03-31")
    ]


def test_an_end_of_life_decades_before_as_of_is_quarantined(con, tmp_path):
    """end_of_life 1850-01-01 (a typo) loaded: the item's forecast was zero from the first
    period on, and the plan said 'No order: stock 99 covers the demand' of an item selling
    every week, without a word of the date."""
    items = BASE["items.csv"].replace("2026-12-31", "1850-01-01")
    _load(con, tmp_path, items__csv=items)
    assert quarantined(con, "items") == [
        (2, "end_of_life", "end_of_life 1850-01-01 is more than 50 years before as_of 2024-03-31")
    ]
    lost = read_planning_inputs(con)["quarantined_items"]
    assert lost["sku"].tolist() == ["B"]


def test_stock_or_open_order_units_beyond_ten_million_are_quarantined(con, tmp_path):
    """An EAN pasted into on_hand or an open order's quantity loaded: the item was planned with
    4 trillion units on hand or on their way, so never ordered, its reason blaming the stock.
    An order line with such a quantity was already a typo in quarantine."""
    stock = "sku,on_hand\nA,4006381333931\nB,10000000\n"
    opens = BASE["open_orders.csv"] + "PO2,B,S1,4006381333931,2024-04-20\n"
    _load(con, tmp_path, stock__csv=stock, open_orders__csv=opens)
    typo = "beyond 10,000,000: a typo (an EAN, a date?), not units"
    assert quarantined(con, "stock") == [(1, "on_hand", f"on_hand 4006381333931 is {typo}")]
    assert quarantined(con, "open_orders") == [(2, "quantity", f"quantity 4006381333931 is {typo}")]
    assert con.execute("SELECT sku, on_hand FROM stock").fetchall() == [("B", 10_000_000)]
    unknown = read_planning_inputs(con)["unknown_inputs"]
    assert unknown["sku"].tolist() == ["A", "B"]


def test_offer_units_beyond_ten_million_are_quarantined(con, tmp_path):
    """An EAN pasted into moq, pack_size or min_qty loaded as an offer no lot could ever meet
    (or a first tier no lot reaches), while on_hand and open order quantities had the bound."""
    supplier_items = BASE["supplier_items.csv"].replace("S2,A,50,5,", "S2,A,4006381333931,5,")
    supplier_items = supplier_items.replace("S1,B,10,1,", "S1,B,10,10000000,")
    breaks = BASE["price_breaks.csv"] + "S1,A,20240315,1.70\n"
    _load(con, tmp_path, supplier_items__csv=supplier_items, price_breaks__csv=breaks)
    typo = "beyond 10,000,000: a typo (an EAN, a date?), not units"
    assert quarantined(con, "supplier_items") == [(2, "moq", f"moq 4006381333931 is {typo}")]
    assert (5, "min_qty", f"min_qty 20240315 is {typo}") in quarantined(con, "price_breaks")
    held = "SELECT sku, pack_size FROM supplier_items WHERE supplier_id = 'S1' ORDER BY sku"
    assert con.execute(held).fetchall() == [("A", 10), ("B", 10_000_000)]


def test_empty_markers_read_as_empty_in_optional_columns_and_missing_in_required(con, tmp_path):
    """A spreadsheet's "N/A" or "-" means no value: optional columns take their default (and
    the load says so), a required column is missing; the item is not lost over it."""
    items = (
        BASE["items.csv"].replace(
            "A,Bolt M8,fasteners,series,0.1,0.25,,0,",
            "A,Bolt M8,fasteners,series,0.1,0.25,-,n/a,N/A",
        )
        + "C,Washer,fasteners,series,0.1,NULL,,,\n"
    )
    report = _load(con, tmp_path, items__csv=items)
    assert quarantined(con, "items") == [
        (3, "holding_cost_rate", "holding_cost_rate is missing ('NULL')")
    ]
    row = con.execute(
        "SELECT end_of_life, salvage_value, stockout_cost FROM items WHERE sku = 'A'"
    ).fetchall()
    assert row == [(None, 0.0, None)]
    assert (
        "items.csv: read as empty, so the column's default applies: end_of_life '-' (row 1), "
        "salvage_value 'n/a' (row 1), stockout_cost 'N/A' (row 1)"
    ) in report.notes


def test_spreadsheet_error_values_are_quarantined_not_loaded_as_skus(con, tmp_path):
    """Excel's #N/A (a lookup that found nothing) is not a part number, and #REF! in an
    optional column is a broken formula, not "no value"."""
    items = BASE["items.csv"] + "#N/A,Lookup failed,fasteners,series,0.1,0.2,,,\n"
    items += "C,Washer,fasteners,series,0.1,0.2,,#REF!,\n"
    lines = BASE["order_lines.csv"] + "O3,1,2024-03-13,#N/A,1,3.50,C3\n"
    _load(con, tmp_path, items__csv=items, order_lines__csv=lines)
    reason = "is a spreadsheet error value (a formula broke in the export)"
    assert quarantined(con, "items") == [
        (3, "sku", f"sku '#N/A' {reason}"),
        (4, "salvage_value", f"salvage_value '#REF!' {reason}"),
    ]
    assert quarantined(con, "order_lines") == [(4, "sku", f"sku '#N/A' {reason}")]
    assert sorted(r[0] for r in con.execute("SELECT sku FROM items").fetchall()) == ["A", "B"]


def test_a_lead_time_beyond_ten_years_is_quarantined_and_years_long_ones_load(con, tmp_path):
    """suppliers.csv's lead_time 1e20 loaded: its items were 'No order: ... the fastest offer,
    S1, takes 100,000,000,000,000,000,000 days', with nothing saying the row is a typo. Beyond
    ten years it is quarantined naming the row (its offers left out with the reason); a lead
    time of three years (an aircraft part's) loads."""
    suppliers = BASE["suppliers.csv"].replace("S1,Acme,14,", "S1,Acme,1e20,")
    suppliers = suppliers.replace("S2,Brix,7,", "S2,Brix,1095,")
    _load(con, tmp_path, suppliers__csv=suppliers)
    assert quarantined(con, "suppliers") == [
        (1, "lead_time", "lead_time 1e20 is beyond 3,653 days (10 years): a typo? lead_time is "
         "the days from order to delivery")
    ]  # fmt: skip
    assert con.execute("SELECT supplier_id, lead_time FROM suppliers").fetchall() == [
        ("S2", 1095.0)
    ]


def test_items_without_lifecycle_stage_or_unit_volume_load_with_their_defaults(con, tmp_path):
    """A planner's catalogue (the RAF parts) has neither a lifecycle stage nor volumes: both
    were required, so the file had to be padded with made-up columns, or every item was in
    quarantine. They load as series and 0 litres, and the load says so once per file."""
    items = "sku,description,category,holding_cost_rate\nA,Bolt M8,fasteners,0.25\n"
    items += "B,Nut M8,fasteners,0.2\n"
    report = _load(con, tmp_path, items__csv=items)
    assert quarantined(con, "items") == []
    rows = con.execute("SELECT sku, lifecycle_stage, unit_volume FROM items ORDER BY sku")
    assert rows.fetchall() == [("A", "series", 0.0), ("B", "series", 0.0)]
    assert (
        "items.csv: no lifecycle_stage column: every item planned as series (its obsolescence "
        "risk and bias correction); no unit_volume column: every item 0 litres: the item takes "
        "no space under a capacity limit"
    ) in report.notes


def test_an_empty_lifecycle_stage_or_unit_volume_takes_the_default_and_is_named(con, tmp_path):
    items = BASE["items.csv"].replace("A,Bolt M8,fasteners,series,0.1,", "A,Bolt M8,fasteners,,,")
    report = _load(con, tmp_path, items__csv=items)
    rows = con.execute("SELECT sku, lifecycle_stage, unit_volume FROM items ORDER BY sku")
    assert rows.fetchall() == [("A", "series", 0.0), ("B", "ramp_up", 0.05)]
    assert (
        "items.csv: lifecycle_stage empty (row 1): planned as series (its obsolescence risk and "
        "bias correction); unit_volume empty (row 1): 0 litres: the item takes no space under a "
        "capacity limit"
    ) in report.notes


def test_offers_without_moq_pack_size_or_discount_type_load_with_their_defaults(con, tmp_path):
    """An ERP export of purchasing info records often has no pack size or discount type: the
    three columns were required, so every offer went to quarantine and no item was planned."""
    offers = "supplier_id,sku,moq\nS1,A,100\nS2,A,\nS1,B,20\n"
    report = _load(con, tmp_path, supplier_items__csv=offers)
    assert quarantined(con, "supplier_items") == []
    rows = con.execute(
        "SELECT supplier_id, sku, moq, pack_size, discount_type FROM supplier_items "
        "ORDER BY supplier_id, sku"
    ).fetchall()
    assert rows == [("S1", "A", 100, 1, "all_units"), ("S1", "B", 20, 1, "all_units"),
                    ("S2", "A", 1, 1, "all_units")]  # fmt: skip
    assert (
        "supplier_items.csv: moq empty (row 2): ordered without a minimum (moq 1); no "
        "pack_size column: every offer ordered in single units (pack_size 1); no discount_type "
        "column: every offer priced all_units (a price break's price on every unit of the lot)"
    ) in report.notes


def test_a_supplier_items_lead_time_loads_and_a_bad_one_is_quarantined_naming_the_row(
    con, tmp_path
):
    """A lead time could only be given per supplier: a catalogue with one per part (RAF spare
    parts, 0-33 months with the same supplier) had to be split into invented suppliers. The
    optional supplier_items column loads under suppliers.lead_time's bounds; empty is the
    supplier's (NULL), and a bad value quarantines its row with the reason."""
    offers = """\
supplier_id,sku,moq,pack_size,discount_type,lead_time
S1,A,100,10,all_units,1000
S2,A,50,5,incremental,
S1,B,10,1,all_units,1e20
"""
    _load(con, tmp_path, supplier_items__csv=offers)
    assert quarantined(con, "supplier_items") == [
        (3, "lead_time", "lead_time 1e20 is beyond 3,653 days (10 years): a typo? lead_time is "
         "the days from order to delivery")
    ]  # fmt: skip
    rows = con.execute("SELECT supplier_id, sku, lead_time FROM supplier_items ORDER BY 1, 2")
    assert rows.fetchall() == [("S1", "A", 1000.0), ("S2", "A", None)]
    bad = {"-3": "lead_time -3 must be at least 0",
           "x": "lead_time 'x' is not a number (decimal separator '.')"}  # fmt: skip
    for value, reason in bad.items():
        _load(con, tmp_path, supplier_items__csv=offers.replace("1e20", value))
        assert quarantined(con, "supplier_items") == [(3, "lead_time", reason)]
    unplanned = read_planning_inputs(con)["quarantined_supplier_items"]
    assert unplanned[["sku", "row_number"]].values.tolist() == [["B", 3]]


def test_supplier_items_without_a_lead_time_column_load_as_before(con, tmp_path):
    """Files of before the column (BASE has none) load, every offer on its supplier's."""
    _load(con, tmp_path)
    assert quarantined(con, "supplier_items") == []
    assert con.execute("SELECT count(*), count(lead_time) FROM supplier_items").fetchone() == (3, 0)


def test_a_holding_cost_rate_typed_as_a_percent_is_named(con, tmp_path):
    """holding_cost_rate 25 (a percent typed for 0.25) loaded without a word, and every unit
    was held at 25 times its price a year: the plan bought next to nothing."""
    items = BASE["items.csv"].replace(
        "A,Bolt M8,fasteners,series,0.1,0.25,", "A,Bolt M8,fasteners,series,0.1,25,"
    )
    report = _load(con, tmp_path, items__csv=items)
    assert con.execute("SELECT holding_cost_rate FROM items WHERE sku = 'A'").fetchall() == [
        (25.0,)
    ]
    assert (
        "items.csv: holding_cost_rate above 1 per year for 1 item: A (25); the rate is a fraction "
        "of the unit price per year (0.25 for 25%), so a percent typed there holds each unit at "
        "that many times its price a year and the plan buys little"
    ) in report.notes
    assert not [
        n for n in _load(con, tmp_path, items__csv=BASE["items.csv"]).notes if "above 1" in n
    ]


def test_neighbouring_price_breaks_five_times_apart_are_named(con, tmp_path):
    """5,00 at min_qty 1, then 0,45 at 50: a price typed 10 times too high that still falls
    with the quantity loaded without a word. It loads as given (in small series a 1-piece
    price several times the lot price is real), and the load names the offer, rows and
    prices; tiers less than 5 times apart (B's 0.60 and 0.13) are not named."""
    breaks = (
        "supplier_id,sku,min_qty,unit_price\n"
        "S1,A,1,5.00\nS1,A,50,0.45\nS1,A,100,0.43\nS1,A,500,0.08\n"
        "S2,A,50,2.20\nS1,B,10,0.60\nS1,B,20,0.13\n"
    )
    report = _load(con, tmp_path, price_breaks__csv=breaks)
    assert quarantined(con, "price_breaks") == []
    note = (
        "price_breaks.csv: neighbouring price breaks 5 or more times apart in 1 offer: S1's "
        "offer of A: 5.00 at min_qty 1 (row 1) to 0.45 at min_qty 50 (row 2) and 0.43 at "
        "min_qty 100 (row 3) to 0.08 at min_qty 500 (row 4); loaded as given (in small series "
        "a 1-piece price can be that many times the lot price), but a price typed 10 times too "
        "high or low looks the same: check those rows"
    )
    assert note in report.notes
    assert f"note: {note}" in report.summary()
    breaks = breaks.replace("S1,A,1,5.00", "S1,A,1,2.20").replace("500,0.08", "500,0.09")
    assert not [n for n in _load(con, tmp_path, price_breaks__csv=breaks).notes if "apart" in n]


def test_a_supplier_order_cost_loads_and_a_bad_one_is_quarantined_naming_the_row(con, tmp_path):
    """order_cost (currency per purchase order to the supplier on one night, shared by its
    lots) is optional: empty is 0; a negative, unreadable or absurd value quarantines the row
    with the reason, as fixed_cost's do."""
    suppliers = """\
supplier_id,name,lead_time,fixed_cost,on_time_rate,reject_rate,order_cost
S1,Acme,14,50,0.95,0.01,120
S2,Brix,7,30,,,
S3,Crux,7,30,,,1e12
"""
    _load(con, tmp_path, suppliers__csv=suppliers)
    assert quarantined(con, "suppliers") == [
        (3, "order_cost", "order_cost 1e12 is beyond 1,000,000,000: a typo? order_cost is the "
         "currency per purchase order")
    ]  # fmt: skip
    rows = con.execute("SELECT supplier_id, order_cost FROM suppliers ORDER BY 1").fetchall()
    assert rows == [("S1", 120.0), ("S2", 0.0)]
    bad = {"-5": "order_cost -5 must be at least 0",
           "x": "order_cost 'x' is not a number (decimal separator '.')"}  # fmt: skip
    for value, reason in bad.items():
        _load(con, tmp_path, suppliers__csv=suppliers.replace("1e12", value))
        assert quarantined(con, "suppliers") == [(3, "order_cost", reason)]


def test_suppliers_without_an_order_cost_column_load_as_before(con, tmp_path):
    """Files of before the column (BASE has none) load with no cost per purchase order and
    no note about it."""
    report = _load(con, tmp_path)
    assert quarantined(con, "suppliers") == []
    assert con.execute("SELECT count(*), sum(order_cost) FROM suppliers").fetchone() == (2, 0.0)
    assert not [note for note in report.notes if "order_cost" in note]


def test_a_supplier_min_order_value_loads_and_a_bad_one_is_quarantined_naming_the_row(
    con, tmp_path
):
    """min_order_value (the least purchase value of one purchase order to the supplier,
    currency) is optional: empty is 0 (none); a negative, unreadable or absurd value
    quarantines the row with the reason, as order_cost's do."""
    suppliers = """\
supplier_id,name,lead_time,fixed_cost,on_time_rate,reject_rate,min_order_value
S1,Acme,14,50,0.95,0.01,250
S2,Brix,7,30,,,
S3,Crux,7,30,,,1e12
"""
    _load(con, tmp_path, suppliers__csv=suppliers)
    assert quarantined(con, "suppliers") == [
        (3, "min_order_value", "min_order_value 1e12 is beyond 1,000,000,000: a typo? "
         "min_order_value is the least purchase value of one purchase order (currency)")
    ]  # fmt: skip
    rows = con.execute("SELECT supplier_id, min_order_value FROM suppliers ORDER BY 1").fetchall()
    assert rows == [("S1", 250.0), ("S2", 0.0)]
    bad = {"-5": "min_order_value -5 must be at least 0",
           "x": "min_order_value 'x' is not a number (decimal separator '.')"}  # fmt: skip
    for value, reason in bad.items():
        _load(con, tmp_path, suppliers__csv=suppliers.replace("1e12", value))
        assert quarantined(con, "suppliers") == [(3, "min_order_value", reason)]


def test_suppliers_without_a_min_order_value_column_load_as_before(con, tmp_path):
    """Files of before the column (BASE has none) load with no minimum and no note about it."""
    report = _load(con, tmp_path)
    assert quarantined(con, "suppliers") == []
    assert con.execute("SELECT count(*), sum(min_order_value) FROM suppliers").fetchone() == (2, 0)
    assert not [note for note in report.notes if "min_order_value" in note]
