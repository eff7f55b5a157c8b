import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest

from optimize.costs import stockout_cost_for_service_level
from optimize.data import RecentSpike
from optimize.inputs import build_problem, left_out_by_inputs

AS_OF = date(2025, 3, 2)


def tables():
    items = pd.DataFrame(
        {
            "sku": ["A", "B", "C", "D"],
            "lifecycle_stage": ["series", "phase_out", "pilot", "series"],
            "unit_volume": [1.0, 0.5, 2.0, 1.0],
            "holding_cost_rate": [0.2, 0.3, 0.25, 0.2],
            "end_of_life": [None, "2025-03-20", None, None],
            "salvage_value": [0.5, None, 0.0, 0.0],
            "stockout_cost": [None, 40.0, None, None],
        }
    )
    suppliers = pd.DataFrame(
        {
            "supplier_id": ["S1", "S2"],
            "lead_time": [10, 0],
            "fixed_cost": [25.0, 5.0],
            "reject_rate": [0.1, None],
        }
    )
    supplier_items = pd.DataFrame(
        {
            "supplier_id": ["S1", "S2", "S1", "S2"],
            "sku": ["A", "A", "B", "C"],
            "moq": [10, 1, 5, 1],
            "pack_size": [5, 1, 5, 1],
            "discount_type": ["all_units", "incremental", "all_units", "all_units"],
        }
    )
    price_breaks = pd.DataFrame(
        {
            "supplier_id": ["S1", "S1", "S2", "S1"],
            "sku": ["A", "A", "A", "B"],
            "min_qty": [1, 50, 1, 1],
            "unit_price": [4.0, 3.5, 4.5, 10.0],
        }
    )
    stock = pd.DataFrame({"sku": ["A", "B"], "on_hand": [7, 3]})
    open_orders = pd.DataFrame(
        {
            "po_id": ["O1", "O2", "O3"],
            "sku": ["A", "A", "B"],
            "supplier_id": ["S1"] * 3,
            "quantity": [4, 6, 2],
            "due_date": pd.to_datetime(["2025-02-20", "2025-03-17", "2025-03-10"]),
        }
    )
    return items, suppliers, supplier_items, price_breaks, stock, open_orders


def test_tables_become_items_with_periods_costs_and_offers():
    ids = np.array(["A", "B", "C", "E"])
    paths = np.ones((4, 3, 4), dtype=np.int32)
    problem, unplannable = build_problem(*tables(), (ids, paths), AS_OF, 7.0, service_level=0.9)
    a, b = problem.items
    assert [o.supplier_id for o in a.offers] == ["S1", "S2"]
    assert [o.lead_time for o in a.offers] == [2, 0]  # ceil(10 / 7), ceil(0 / 7)
    assert a.offers[0].reject_rate == 0.1 and a.offers[1].reject_rate == 0.0
    assert a.open_orders == ((0, 4), (3, 6))  # overdue -> 0; 15 days -> period 3, as a lead time
    assert a.on_hand == 7 and a.obsolescence == 0.05
    assert a.stockout_cost == pytest.approx(
        stockout_cost_for_service_level(0.9, 4.0, 0.2, 4 * 7 / 365.25, 0.05, 0.5)
    )
    assert b.obsolescence == 1.0  # end_of_life before the horizon end
    assert b.stockout_cost == 40.0 and b.salvage_value == 0.0
    reasons = dict(zip(unplannable["sku"], unplannable["reason"], strict=True))
    assert set(reasons) == {"C", "D", "E"}
    assert not unplannable["planned"].any()
    assert "no price breaks (sku C, supplier S2)" in reasons["C"]
    assert reasons["D"] == "no demand scenarios"
    assert reasons["E"] == "unknown sku: not in items"


def test_a_bad_value_leaves_out_the_offer_or_the_item_and_says_why():
    items, suppliers, supplier_items, price_breaks, stock, open_orders = tables()
    price_breaks.loc[2, "unit_price"] = float("nan")  # S2's only break for A
    stock["on_hand"] = [7.0, 2.5]  # B: 2.5
    ids = np.array(["A", "B"])
    paths = np.ones((2, 3, 4), dtype=np.int32)
    tables_ = (items, suppliers, supplier_items, price_breaks, stock, open_orders)
    problem, unplannable = build_problem(*tables_, (ids, paths), AS_OF, 7.0)
    (a,) = problem.items
    assert a.sku == "A" and [o.supplier_id for o in a.offers] == ["S1"]
    rows = unplannable.set_index("sku")
    assert rows.loc["B", "reason"] == (
        "invalid input: on_hand must be a whole number, got 2.5 (sku B)"
    )
    assert not rows.loc["B", "planned"]
    assert rows.loc["A", "reason"] == (
        "offer left out: price break unit_price must be a finite number, got nan "
        "(sku A, supplier S2)"
    )
    assert rows.loc["A", "planned"]


def test_a_salvage_value_above_every_price_leaves_the_item_out_naming_the_cheapest_break():
    items, *rest = tables()
    items.loc[1, "salvage_value"] = 12.0  # B: S1 sells it at 10.0
    ids = np.array(["A", "B"])
    problem, unplannable = build_problem(items, *rest, (ids, np.ones((2, 3, 4), int)), AS_OF, 7.0)
    assert [i.sku for i in problem.items] == ["A"]
    assert unplannable.set_index("sku").loc["B", "reason"] == (
        "invalid input: salvage_value 12 is above the lowest unit price 10 (S1, min_qty 1): "
        "a leftover unit would be worth more than it costs (sku B)"
    )


def test_salvage_above_the_price_after_a_supplier_wide_discount_leaves_the_item_out():
    items, *rest = tables()
    items.loc[1, "salvage_value"] = 9.5  # B: S1 sells it at 10.0, less 10% from 500 spent
    tiers = pd.DataFrame(
        {"supplier_id": ["S1"], "basis": ["spend"], "min_total": [500.0], "discount_rate": [0.1]}
    )
    ids = np.array(["A", "B"])
    paths = (ids, np.ones((2, 3, 4), int))
    problem, unplannable = build_problem(items, *rest, paths, AS_OF, 7.0, supplier_tiers=tiers)
    assert [i.sku for i in problem.items] == ["A"]
    assert unplannable.set_index("sku").loc["B", "reason"] == (
        "invalid input: salvage_value 9.5 is above the lowest unit price 9 (S1, min_qty 1, "
        "less its supplier-wide discount of 10% from 500 spent): a leftover unit would be "
        "worth more than it costs (sku B)"
    )
    assert [t.supplier_id for t in problem.limits.supplier_tiers] == ["S1"]  # A buys from S1


def test_items_whose_stock_or_open_orders_are_unknown_are_left_out_with_the_reason():
    items, suppliers, supplier_items, price_breaks, stock, open_orders = tables()
    open_orders["quantity"] = [4.0, 6.0, 2.5]  # B's only open order: 2.5
    unknown = pd.DataFrame({"sku": ["A"], "reason": ["stock.csv row 1 is in quarantine (x)"]})
    ids, paths = np.array(["A", "B"]), np.ones((2, 3, 4), dtype=np.int32)
    tables_ = (items, suppliers, supplier_items, price_breaks, stock, open_orders)
    problem, unplannable = build_problem(*tables_, (ids, paths), AS_OF, 7.0)
    assert [i.sku for i in problem.items] == ["A"]
    rows = unplannable.set_index("sku")
    assert rows.loc["B", "reason"] == (
        "stock or open orders unknown: open order O3 due 2025-03-10: quantity 2.5 is not a "
        "whole number > 0"
    )
    problem, unplannable = build_problem(*tables_, (ids, paths), AS_OF, 7.0, unknown_inputs=unknown)
    assert problem.items == ()
    reasons = unplannable.set_index("sku")["reason"]
    assert reasons["A"] == "stock or open orders unknown: stock.csv row 1 is in quarantine (x)"
    assert not unplannable["planned"].any()


def test_an_item_whose_supplier_items_row_is_quarantined_names_that_row():
    """D's only supplier_items row was quarantined (pack_size 0): the reason said "no supplier
    offer with price breaks" as if D had no offer in the files."""
    ids, paths = np.array(["A", "D"]), np.ones((2, 3, 4), dtype=np.int32)
    quarantined = pd.DataFrame(
        {
            "sku": ["A", "D"],
            "file": ["supplier_items.csv"] * 2,
            "row_number": [4, 5],
            "reason": ["moq 0 must be greater than 0", "pack_size 0 must be greater than 0"],
        }
    )
    _, plain = build_problem(*tables(), (ids, paths), AS_OF, 7.0)
    assert plain.set_index("sku").loc["D", "reason"] == (
        "no usable offer: no supplier offer with price breaks"
    )
    problem, unplannable = build_problem(
        *tables(), (ids, paths), AS_OF, 7.0, quarantined_supplier_items=quarantined
    )
    assert [i.sku for i in problem.items] == ["A"]  # A is planned with its loaded offers
    a = unplannable.set_index("sku").loc["A"]
    assert a["planned"] and a["reason"] == (
        "offer left out: supplier_items.csv row 4 is in quarantine (moq 0 must be greater than 0)"
    )
    assert unplannable.set_index("sku").loc["D", "reason"] == (
        "no usable offer: supplier_items.csv row 5 is in quarantine (pack_size 0 must be "
        "greater than 0)"
    )


def test_an_item_whose_own_row_is_quarantined_is_left_out_naming_that_row():
    """Q's items row is in quarantine: with demand (order lines loaded before) or without
    (its order lines quarantined with it), it is named, not left out silently."""
    lost = pd.DataFrame(
        {"sku": ["Q", "R"], "file": ["items.csv"] * 2, "row_number": [4, 6],
         "reason": ["end_of_life '31.12.2026' is not a date"] * 2}
    )  # fmt: skip
    ids, paths = np.array(["A", "Q", "Z"]), np.ones((3, 3, 4), dtype=np.int32)
    _, unplannable = build_problem(*tables(), (ids, paths), AS_OF, 7.0, quarantined_items=lost)
    reasons = unplannable.set_index("sku")["reason"]
    why = "not in items: items.csv row {} is in quarantine (end_of_life '31.12.2026' is not a date)"
    assert reasons["Q"] == why.format(4) and reasons["R"] == why.format(6)
    assert reasons["Z"] == "unknown sku: not in items"
    # A's own row loaded, a second row that disagrees is in quarantine: which is right?
    second = pd.DataFrame({"sku": ["A"], "file": ["items.csv"], "row_number": [5],
                           "reason": ["duplicate key sku='A' (first at row 1)"]})  # fmt: skip
    problem, left_out = build_problem(*tables(), (ids, paths), AS_OF, 7.0, quarantined_items=second)
    assert "A" not in [i.sku for i in problem.items]
    assert left_out.set_index("sku").loc["A", "reason"] == (
        "items rows disagree: items.csv row 5 is in quarantine (duplicate key sku='A' (first at "
        "row 1))"
    )


def test_limits_pass_through():
    ids, paths = np.array(["A"]), np.ones((1, 2, 3), dtype=np.int32)
    problem, _ = build_problem(
        *tables(), (ids, paths), AS_OF, 30.0, budget=100.0, capacity=5.0, max_orders=1
    )
    assert (problem.limits.budget, problem.limits.capacity, problem.limits.max_orders) == (
        100.0,
        5.0,
        1,
    )
    assert problem.items[0].offers[0].lead_time == 1


def test_supplier_tiers_and_min_service_level_reach_the_problem():
    ids, paths = np.array(["A", "B"]), np.ones((2, 2, 3), dtype=np.int32)
    tiers = pd.DataFrame(
        {
            "supplier_id": ["S1", "S1", "S9"],
            "basis": ["spend", "spend", "units"],
            "min_total": [500.0, 2000.0, 10.0],
            "discount_rate": [0.02, 0.05, 0.1],
        }
    )
    problem, _ = build_problem(
        *tables(), (ids, paths), AS_OF, 7.0, supplier_tiers=tiers, min_service_level=0.9
    )
    # S9 sells nothing in the run: its tier is left out
    assert [
        (t.supplier_id, t.min_total, t.discount_rate, t.basis)
        for t in problem.limits.supplier_tiers
    ] == [
        ("S1", 500.0, 0.02, "spend"),
        ("S1", 2000.0, 0.05, "spend"),
    ]
    assert [i.min_service_level for i in problem.items] == [0.9, 0.9]
    plain, _ = build_problem(*tables(), (ids, paths), AS_OF, 7.0)
    assert plain.limits.supplier_tiers == () and plain.items[0].min_service_level is None


def test_a_plan_inside_a_week_drops_the_demand_already_sold():
    """as_of Sunday 2025-03-02 + 3 days = Wednesday: the calendar week that started Monday
    2025-03-03 is 3/7 gone, so plan week 0 (Thursday..Wednesday) gets 4/7 of that week's
    demand and 3/7 of the next one's; the plan is one period shorter than the scenarios."""
    ids = np.array(["A", "B"])
    paths = np.zeros((2, 4000, 4), dtype=np.int64)
    paths[:, :, 0] = 70  # calendar week 0
    paths[:, :, 1:] = 7
    as_of = date(2025, 3, 5)
    problem, _ = build_problem(*tables(), (ids, paths), as_of, 7.0, first_period=date(2025, 3, 3))
    a = problem.items[0]
    assert a.horizon == 3
    # expected 70 * 4/7 + 7 * 3/7 = 43 in plan week 0, 7 after; each unit moves once
    assert a.scenarios[:, 0].mean() == pytest.approx(43, abs=0.2)
    assert a.scenarios[:, 1:].mean() == pytest.approx(7, abs=0.1)
    assert (a.scenarios.sum(axis=1) <= paths[0].sum(axis=1)).all()
    # the split of an item does not depend on the items planned with it
    alone, _ = build_problem(
        *tables(), (ids[:1], paths[:1]), as_of, 7.0, first_period=date(2025, 3, 3)
    )
    assert (alone.items[0].scenarios == a.scenarios).all()
    # aligned scenarios (the night before a Monday, or no first_period) are used as they are
    same, _ = build_problem(*tables(), (ids, paths), date(2025, 3, 2), 7.0,
                            first_period=date(2025, 3, 3))  # fmt: skip
    assert same.items[0].horizon == 4 and (same.items[0].scenarios == paths[0]).all()


@pytest.mark.parametrize("first", [date(2025, 3, 7), date(2025, 2, 26)])
def test_scenarios_must_start_within_a_period_before_the_plan(first):
    ids, paths = np.array(["A"]), np.ones((1, 2, 3), dtype=np.int64)
    with pytest.raises(ValueError, match=r"first_period .* within one period before the plan"):
        build_problem(*tables(), (ids, paths), date(2025, 3, 5), 7.0, first_period=first)


def test_plan_periods_after_the_end_of_life_have_no_demand():
    """B ends on Thursday 2025-03-20: plan weeks from Monday 2025-03-03 hold it in week 2;
    week 3 starts after it. Moved onto plan periods from a Wednesday night, the calendar week
    of the end of life still carried demand into the plan week after it."""
    ids = np.array(["A", "B"])
    paths = np.full((2, 5, 6), 7, dtype=np.int64)
    problem, _ = build_problem(*tables(), (ids, paths), AS_OF, 7.0)
    a, b = problem.items
    assert (a.scenarios == 7).all()
    assert (b.scenarios[:, :3] == 7).all() and (b.scenarios[:, 3:] == 0).all()
    inside, _ = build_problem(*tables(), (ids, paths), date(2025, 3, 5), 7.0,
                              first_period=date(2025, 3, 3))  # fmt: skip
    # plan weeks from Thursday 03-06: week 2 (03-20..03-26) holds the end of life
    assert (inside.items[1].scenarios[:, 3:] == 0).all()
    assert inside.items[1].scenarios[:, 2].sum() > 0


def test_the_week_of_the_end_of_life_keeps_only_its_days_after_as_of():
    """B ends on Thursday 2025-03-20. The forecast holds its week's demand up to then (Monday
    to Thursday, 4 x 10 units); planned from Wednesday night, only Thursday's 10 are left.
    Thinned once for the end of life and again for the elapsed days, the plan kept 4/7 of
    the 40 (22.9)."""
    ids = np.array(["A", "B"])
    paths = np.zeros((2, 20000, 3), dtype=np.int64)
    paths[0, :, 0], paths[1, :, 0] = 70, 40  # A has no end of life: 70 a week
    shares = np.array([[1.0, 1.0, 1.0], [4 / 7, 0.0, 0.0]])  # the forecast's (Forecast.day_shares)
    problem, _ = build_problem(*tables(), (ids, paths), date(2025, 3, 19), 7.0,
                               first_period=date(2025, 3, 17), day_shares=shares)  # fmt: skip
    a, b = problem.items
    assert b.scenarios[:, 0].mean() == pytest.approx(10, abs=0.1)
    assert a.scenarios[:, 0].mean() == pytest.approx(40, abs=0.2)  # 4 of 7 days, as before


def test_a_month_inside_the_plan_is_split_by_its_own_length():
    """as_of 2026-02-27: 27 of February's 28 days are gone (0.964), not 27 of 30.44 days
    (0.887, which planned 11% of February's demand instead of 3.6%)."""
    ids = np.array(["A"])
    paths = np.zeros((1, 20000, 3), dtype=np.int64)
    paths[:, :, 0] = 280  # February
    month = 365.25 / 12
    problem, _ = build_problem(*tables(), (ids, paths), date(2026, 2, 27), month,
                               first_period=date(2026, 2, 1), first_period_days=28)  # fmt: skip
    assert problem.items[0].scenarios[:, 0].mean() == pytest.approx(280 / 28, rel=0.02)


def test_an_end_of_life_in_a_later_month_is_split_by_the_forecast_s_own_shares():
    """B ends on 2027-03-01: the forecast keeps 1/31 of March (31 units, all on March 1st),
    which falls in plan period 2 (from February 7th). The plan recomputed the shares with
    months after the first of 30.44 days: March looked wholly past the end of life and 81% of
    its units were moved into plan period 3, which starts after it and was zeroed."""
    items, *rest = tables()
    items = items.assign(end_of_life=[None, "2027-03-01", None, None])
    ids = np.array(["B"])
    paths = np.zeros((1, 2000, 5), dtype=np.int64)
    paths[0, :, 3] = 31  # March
    shares = np.array([[1.0, 1.0, 1.0, 1 / 31, 0.0]])
    problem, _ = build_problem(items, *rest, (ids, paths), date(2026, 12, 6), 365.25 / 12,
                               first_period=date(2026, 12, 1), first_period_days=31,
                               day_shares=shares)  # fmt: skip
    assert (problem.items[0].scenarios[:, 2] == 31).all()
    assert problem.items[0].scenarios[:, 3:].sum() == 0


def test_plan_periods_start_the_day_after_as_of():
    from optimize.inputs import plan_period_starts

    weeks = plan_period_starts(date(2026, 6, 30), 7.0, 3)
    assert weeks == [date(2026, 7, 1), date(2026, 7, 8), date(2026, 7, 15)]
    assert plan_period_starts(date(2026, 6, 30), 365.25 / 12, 2)[1] == date(2026, 7, 31)


def test_lead_times_in_days_become_whole_periods_with_a_tolerance_for_calendar_months():
    """A planner's "2-month" supplier (61 days) planned as arriving in month 4 and an
    "11-month" one (335 days) in month 13: plan months are 30.44 days."""
    from optimize.inputs import lead_time_periods

    week, month = 7.0, 365.25 / 12
    assert [lead_time_periods(d, week) for d in (0, 1, 7, 8, 14, 15)] == [0, 1, 1, 2, 2, 3]
    assert [lead_time_periods(d, month) for d in (7, 30, 31, 32, 61, 62, 335)] == [
        1, 1, 1, 2, 2, 2, 11]  # fmt: skip


def test_the_explanation_names_the_open_orders_and_stock_the_plan_counted():
    from optimize.plan import plan

    ids, paths = np.array(["A", "B"]), np.ones((2, 3, 4), dtype=np.int32)
    problem, _ = build_problem(*tables(), (ids, paths), AS_OF, 7.0)
    a = problem.items[0]
    # O2 is due in 15 days: counted from week 3, as a lot with a lead time of 15 days
    assert (a.sku, a.open_order_ids, a.open_orders) == ("A", ("O1", "O2"), ((0, 4), (3, 6)))
    explanation = plan(problem).lots[0].explanation
    assert explanation["on_hand"] == 7
    s1 = {"supplier_id": "S1", "on_time_rate": 1.0, "reject_rate": 0.1}  # as its lots
    assert explanation["open_orders"] == [
        {"po_id": "O1", "due_period": 0, "quantity": 4, **s1},  # overdue: counted as now
        {"po_id": "O2", "due_period": 3, "quantity": 6, **s1},
    ]
    with pytest.raises(ValueError, match="open_order_ids must name every open order or none"):
        dataclasses.replace(a, open_order_ids=("O1",))


def test_an_open_order_counts_from_the_period_a_new_lot_due_that_day_would():
    """An order due in 6 days counted for this whole week (stockout risk 0% with nothing on
    hand), while a lot with a lead time of 6 days arrives only next week; monthly, an order due
    on 29 December counted for all of December."""
    from optimize.inputs import _open_orders, lead_time_periods

    for period_days, days in ((7.0, range(-3, 30)), (365.25 / 12, range(-3, 100))):
        orders = pd.DataFrame({
            "sku": "A", "po_id": [f"P{d}" for d in days], "quantity": 1,
            "due_date": [AS_OF + pd.Timedelta(days=d) for d in days],
        })  # fmt: skip
        due = [p for p, _, _, _ in _open_orders(orders, AS_OF, period_days)["A"]]
        assert due == [lead_time_periods(max(d, 0), period_days) for d in days]
    assert [p for p, *_ in _open_orders(orders.iloc[[3, 4, 9, 32]], AS_OF, 7.0)["A"]] == [
        0, 1, 1, 5]  # fmt: skip


def _tier_tables(end_of_life: str, lead_time: int):
    """A (steady seller, 100.00) and DEAD (10.00, salvage 9.00) from S1, whose units tier of
    400 pays 5% on everything bought from it."""
    items = pd.DataFrame(
        {"sku": ["A", "DEAD"], "lifecycle_stage": ["series", "phase_out"],
         "unit_volume": [1.0, 1.0], "holding_cost_rate": [0.2, 0.2],
         "end_of_life": [None, end_of_life], "salvage_value": [0.0, 9.0],
         "stockout_cost": [None, None]}
    )  # fmt: skip
    suppliers = pd.DataFrame({"supplier_id": ["S1"], "lead_time": [lead_time],
                              "fixed_cost": [10.0]})  # fmt: skip
    supplier_items = pd.DataFrame({"supplier_id": ["S1", "S1"], "sku": ["A", "DEAD"],
                                   "moq": [1, 1], "pack_size": [1, 1],
                                   "discount_type": ["all_units"] * 2})  # fmt: skip
    price_breaks = pd.DataFrame({"supplier_id": ["S1", "S1"], "sku": ["A", "DEAD"],
                                 "min_qty": [1, 1], "unit_price": [100.0, 10.0]})  # fmt: skip
    stock = pd.DataFrame({"sku": ["A", "DEAD"], "on_hand": [0, 0]})
    open_orders = pd.DataFrame(columns=["po_id", "sku", "supplier_id", "quantity", "due_date"])
    tiers = pd.DataFrame({"supplier_id": ["S1"], "basis": ["units"], "min_total": [400.0],
                          "discount_rate": [0.05]})  # fmt: skip
    rng = np.random.default_rng(0)
    paths = np.stack([rng.poisson(25, (200, 8)), rng.poisson(10, (200, 8))])
    tables = (items, suppliers, supplier_items, price_breaks, stock, open_orders)
    return tables, (np.array(["A", "DEAD"]), paths), tiers


@pytest.mark.parametrize(
    ("end_of_life", "lead_time", "why"),
    [
        ("2025-02-01", 7, "No order: its end of life 2025-02-01 has passed"),
        # plan weeks from 03-03: the end of life falls in week 1, a lot arrives in week 3
        (
            "2025-03-05",
            14,
            "No order: a lot ordered now would arrive after its end of life 2025-03-05",
        ),
    ],
)
def test_no_lot_is_ordered_for_an_item_that_has_no_demand_left_before_it_could_arrive(
    end_of_life, lead_time, why
):
    """DEAD's end of life is past (or comes before any lot could arrive): the plan bought 300
    of it (expected leftover 300 units) only to reach S1's supplier-wide tier of 400 units."""
    from optimize.plan import plan

    tables, scenarios, tiers = _tier_tables(end_of_life, lead_time)
    problem, unplannable = build_problem(*tables, scenarios, AS_OF, 7.0, supplier_tiers=tiers)
    assert unplannable.empty
    frame = plan(problem).frame().set_index("sku")
    assert frame.loc["DEAD", "quantity"] == 0
    assert frame.loc["DEAD", "reason"].startswith(why)
    assert frame.loc["A", "quantity"] > 0


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        ("stockout_cost", 1e15, "stockout_cost 1e+15 makes costs of up to 1e+16 (over 10 units)"),
        ("holding_cost_rate", 1e14, "holding_cost_rate 1e+14 makes costs of up to 3.45e+14"),
        ("unit_price", 1e12, "unit_price 4.5e+12 makes costs of up to 4.5e+13 (over 10 units)"),
    ],
)
def test_an_item_whose_costs_are_beyond_what_the_solvers_keep_exact_is_left_out(
    column, value, named
):
    """A stockout_cost of 1e15 (or a holding_cost_rate of 1e14) per unit planned: under a
    budget CBC called the plan infeasible and every item went without a lot ('the solver found
    no plan'), HiGHS ended 'Unknown' near 1e30. The item is left out naming the parameter (a
    unit price of trillions, not its holding_cost_rate, which only multiplies it); the others
    are planned, proven optimal by both solvers."""
    from optimize.plan import plan

    items, *rest = tables()
    if column == "unit_price":  # A's price breaks, times value
        rest[2].loc[rest[2]["sku"] == "A", column] *= value
    else:
        items[column] = items[column].astype(float)
        items.loc[0, column] = value  # A
    ids = np.array(["A", "B", "C"])
    scenarios = (ids, np.ones((3, 3, 4), int))
    problem, unplannable = build_problem(items, *rest, scenarios, AS_OF, 7.0, budget=60.0)
    assert [i.sku for i in problem.items] == ["B"]  # C: no price break
    reason = unplannable.set_index("sku").loc["A", "reason"]
    assert reason.startswith(f"invalid input: {named}"), reason
    assert reason.endswith(f"beyond the 1e+13 the MILP solvers keep exact: check {column} (sku A)")
    for solver in ("highs", "cbc"):
        assert plan(problem, solver=solver).optimal


def test_items_of_one_supplier_are_planned_on_their_own_supplier_items_lead_times():
    """S1 delivers A in 7 days, but B in 28 and C in 100 (their supplier_items lead_time, as a
    spare parts catalogue gives them): all three were planned on S1's 7 days, C ordered as if
    it came within the 8-week horizon. Now B's lot arrives in week 5 and C gets no lot, the
    reason pointing at supplier_items; A (empty) keeps S1's lead time."""
    from optimize.plan import plan

    skus = ["A", "B", "C"]
    items = pd.DataFrame({"sku": skus, "lifecycle_stage": ["series"] * 3,
                          "unit_volume": [1.0] * 3, "holding_cost_rate": [0.2] * 3,
                          "end_of_life": [None] * 3, "salvage_value": [0.0] * 3,
                          "stockout_cost": [None] * 3})  # fmt: skip
    suppliers = pd.DataFrame({"supplier_id": ["S1"], "lead_time": [7], "fixed_cost": [10.0]})
    supplier_items = pd.DataFrame({"supplier_id": ["S1"] * 3, "sku": skus, "moq": [1] * 3,
                                   "pack_size": [1] * 3, "discount_type": ["all_units"] * 3,
                                   "lead_time": [None, 28, 100]})  # fmt: skip
    price_breaks = pd.DataFrame({"supplier_id": ["S1"] * 3, "sku": skus, "min_qty": [1] * 3,
                                 "unit_price": [10.0] * 3})  # fmt: skip
    stock = pd.DataFrame({"sku": skus, "on_hand": [30] * 3})
    open_orders = pd.DataFrame(columns=["po_id", "sku", "supplier_id", "quantity", "due_date"])
    paths = np.random.default_rng(0).poisson(10, (3, 200, 8))
    tables = (items, suppliers, supplier_items, price_breaks, stock, open_orders)
    problem, _ = build_problem(*tables, (np.array(skus), paths), AS_OF, 7.0)
    offers = {i.sku: i.offers[0] for i in problem.items}
    assert [(offers[s].lead_time, offers[s].lead_time_days) for s in skus] == [
        (1, 7.0), (4, 28.0), (15, 100.0)]  # fmt: skip
    assert [offers[s].lead_time_table for s in skus] == ["suppliers", *["supplier_items"] * 2]
    lots = plan(problem).frame().set_index("sku")
    assert lots.loc["B", "quantity"] > 0 and ", arriving in week 5:" in lots.loc["B", "reason"]
    assert lots.loc["C", "quantity"] == 0
    assert lots.loc["C", "reason"].startswith(
        "No order: a lot ordered now cannot arrive within the horizon (8 weeks): the fastest "
        "offer, S1, takes 100 days by its lead_time in supplier_items ("
    )


def test_what_the_inputs_leave_out_is_what_the_run_leaves_out_whatever_the_forecast():
    """`reorder load` names the items and offers a run leaves out (`left_out_by_inputs`):
    the same rows and words as `build_problem` over a forecast of every item."""
    items, suppliers, supplier_items, price_breaks, _stock, open_orders = tables()
    lost = pd.DataFrame({"sku": ["Q"], "file": ["items.csv"], "row_number": [4],
                         "reason": ["end_of_life '31.12.2026' is not a date"]})  # fmt: skip
    offers = pd.DataFrame({"sku": ["A"], "file": ["supplier_items.csv"], "row_number": [4],
                           "reason": ["moq 0 must be greater than 0"]})  # fmt: skip
    unknown = pd.DataFrame({"sku": ["B"], "reason": ["stock.csv row 2 is in quarantine (x)"]})
    given = {"unknown_inputs": unknown, "quarantined_supplier_items": offers,
             "quarantined_items": lost}  # fmt: skip
    ids = np.array(["A", "B", "C", "D"])
    _, run = build_problem(*tables(), (ids, np.ones((4, 3, 4), dtype=np.int32)), AS_OF, 7.0,
                           **given)  # fmt: skip
    load = left_out_by_inputs(items, suppliers, supplier_items, price_breaks, open_orders, **given)
    assert load.to_dict("records") == run.to_dict("records")
    # Q's own items row is in quarantine: listed first, the row to fix to plan it at all
    assert load["sku"].tolist() == ["Q", "B", "C", "D", "A"]


def test_a_built_problem_keeps_its_order_cost_shares_for_the_plan():
    """build_problem computes the order cost shares its offers carry; plan reuses them (the
    same plan as with them computed again) instead of computing them a second time."""
    from optimize.plan import plan
    from optimize.sharing import order_cost_shares, problem_shares

    items, suppliers, *rest = tables()
    suppliers = suppliers.assign(order_cost=[40.0, 15.0])
    paths = np.random.default_rng(1).poisson(2.0, (3, 20, 6))
    problem, _ = build_problem(items, suppliers, *rest, (np.array(["A", "B", "C"]), paths),
                               AS_OF, 7.0)  # fmt: skip
    kept = problem.order_cost_shares
    assert kept is not None and kept.items is problem.items
    assert problem_shares(problem) == order_cost_shares(problem.items, {"S1": 40.0, "S2": 15.0})
    again = plan(dataclasses.replace(problem, order_cost_shares=None))
    assert plan(problem).frame().equals(again.frame())


def test_a_recent_spike_reaches_its_item():
    ids = np.array(["A", "B"])
    spikes = pd.DataFrame({"sku": ["B"], "ds": [pd.Timestamp("2025-02-24")], "quantity": [161.0],
                           "usual": [4.5], "other_demands": [20]})  # fmt: skip
    problem, _ = build_problem(
        *tables(), (ids, np.ones((2, 3, 4), int)), AS_OF, 7.0, recent_spikes=spikes
    )
    a, b = problem.items
    assert a.recent_spike is None
    assert b.recent_spike == RecentSpike(date(2025, 2, 24), 161.0, 4.5, 20)
