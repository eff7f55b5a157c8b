"""Open orders are late and lose rejects by their supplier's record, as a lot ordered now of
that supplier would (ItemProblem.scenario_arrivals)."""

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest

from optimize.data import Delivery, ItemProblem, Offer, PriceBreak, Problem
from optimize.evaluate import LotCosts, evaluate_item, evaluate_plan
from optimize.inputs import build_problem
from optimize.plan import plan
from optimize.projection import projected_stock
from tests.optimize.reference import reference_cost

LATE = Delivery("S-LATE", on_time_rate=0.5)


def known_demand(price: float = 4.0, scenarios: int = 200, **changes) -> ItemProblem:
    """10 units a week for 4 weeks in every scenario, 10 on hand, open order PO-1 of 20 due in
    week 3 (period 2) from S-LATE, on time half the time; lots of S-1 arrive in week 2 (lead
    time 1), price `price`, stockout cost 10, nothing kept after the horizon, no holding."""
    offer = Offer("S-1", 1, 1, "all_units", (PriceBreak(1, price),), 0.0, 1, sku="P")
    fields = dict(
        sku="P",
        scenarios=np.full((scenarios, 4), 10),
        on_hand=10,
        open_orders=((2, 20),),
        offers=(offer,),
        holding_cost_rate=0.0,
        period_years=7 / 365.25,
        salvage_value=0.0,
        obsolescence=1.0,
        stockout_cost=10.0,
        unit_volume=1.0,
        review_period=None,
        open_order_ids=("PO-1",),
        open_order_suppliers=(LATE,),
    )
    return ItemProblem(**(fields | changes))


def mixed_item(suppliers: tuple) -> ItemProblem:
    """Poisson demand, an overdue order, one due in week 2, one in week 5, one after the
    horizon; `suppliers` one per order."""
    offers = (
        Offer("S-1", 5, 5, "all_units", (PriceBreak(1, 5.0), PriceBreak(40, 4.0)), 15.0, 1,
              on_time_rate=0.8, reject_rate=0.05, sku="M"),
        Offer("S-2", 1, 1, "incremental", (PriceBreak(1, 6.0),), 5.0, 3, sku="M"),
    )  # fmt: skip
    return ItemProblem(
        "M", np.random.default_rng(3).poisson(6.0, (300, 8)), 4,
        ((-1, 7), (1, 30), (4, 12), (9, 50)), offers, 0.25, 7 / 365.25, 0.5, 0.1, 30.0, 1.0,
        review_period=1, open_order_ids=("A", "B", "C", "D"), open_order_suppliers=suppliers,
    )  # fmt: skip


def same(a: LotCosts, b: LotCosts) -> bool:
    return all(
        np.array_equal(getattr(a, f.name), getattr(b, f.name))
        for f in dataclasses.fields(LotCosts)
        if f.name != "sku"
    )


def test_certain_or_unknown_suppliers_give_exactly_the_numbers_of_orders_without_one():
    """On time always and no rejects, or not in suppliers: an open order arrives on its due
    period, all usable, as before suppliers counted; an overdue order of a late supplier too
    (it is late already: it arrives now). One shared vector, bit for bit the same costs."""
    plain = mixed_item(())
    sure = Delivery("S-9")
    for suppliers in ((sure,) * 4, (None,) * 4, (LATE, sure, None, LATE)):
        item = mixed_item(suppliers)
        assert item.scenario_arrivals() is item.base_arrivals
        assert same(evaluate_item(item), evaluate_item(plain))
        assert np.array_equal(projected_stock(item, "S-1", 40), projected_stock(plain, "S-1", 40))
        (a,), (b,) = plan(Problem((item,))).lots, plan(Problem((plain,))).lots
        assert (a.supplier_id, a.quantity, a.expected_cost) == (
            b.supplier_id, b.quantity, b.expected_cost)  # fmt: skip
        assert a.reason == b.reason


def test_an_open_order_half_the_time_late_is_counted_late_in_half_the_scenarios():
    """By hand: 10 a week, 10 on hand, PO-1 20 due in week 3. Without a lot: on time, week 2
    is short 10; late (week 4), weeks 2 and 3 are short 20: 15 lost on average (counted on
    time: 10). A lot of q arriving in week 2: lost (10 − q)+ on time, (20 − q)+ late. At 4.00
    a unit against a stockout cost of 10, units 11-20 save 10 half the time: buy 20 (counted
    on time, 10 was the plan, leaving a 50% stockout risk)."""
    item = known_demand()
    arrivals = item.scenario_arrivals()
    assert arrivals.shape == (200, 4)
    assert sorted(map(tuple, np.unique(arrivals, axis=0))) == [(0, 0, 0, 20), (0, 0, 20, 0)]
    assert (arrivals[:, 2] == 20).sum() == 100  # exactly half on time
    for q, lost, risk in ((0, 15.0, 1.0), (10, 5.0, 0.5), (15, 2.5, 0.5), (20, 0.0, 0.0)):
        lot = evaluate_plan(item, "S-1" if q else None, q)
        assert lot.expected_lost == pytest.approx(lost)
        assert lot.stockout_risk == pytest.approx(risk)
        assert lot.expected_cost == pytest.approx(4.0 * q + 10.0 * lost)
        # brute force: the mixture of the order on time (week 3) and late (week 4), each exact
        on_time, late = (dataclasses.replace(item, open_orders=((d, 20),)) for d in (2, 3))
        sure = (dataclasses.replace(i, open_order_suppliers=()) for i in (on_time, late))
        offer = item.offers[0] if q else None
        assert lot.expected_cost == pytest.approx(
            np.mean([reference_cost(i, offer, q) for i in sure]))  # fmt: skip
    (chosen,) = plan(Problem((item,))).lots
    assert (chosen.supplier_id, chosen.quantity) == ("S-1", 20)
    assert chosen.stockout_risk == 0
    counted_on_time = dataclasses.replace(item, open_order_suppliers=())
    (before,) = plan(Problem((counted_on_time,))).lots
    assert (before.quantity, before.stockout_risk) == (10, 0)
    # dearer than the stockouts it half avoids: 10 units, and the risk the plan publishes
    (dear,) = plan(Problem((known_demand(price=6.0),))).lots
    assert (dear.quantity, dear.stockout_risk) == (10, pytest.approx(0.5))
    # the stock chart: week 3 ends with 10 on time, nothing late
    assert projected_stock(item, None, 0).mean(axis=0).tolist() == [0, 0, 5, 5]


def test_rejects_of_an_open_order_split_as_a_lots_and_an_overdue_order_arrives_now():
    """20 units with 10% rejects: 18 usable, as a lot of 20 of that supplier; 25 units: 22
    usable in half the scenarios, 23 in the other half (22.5 on average). Overdue: week 1."""
    rejects = Delivery("S-R", on_time_rate=0.5, reject_rate=0.1)
    item = known_demand(open_orders=((0, 20), (2, 25)), open_order_ids=("PO-0", "PO-1"),
                        open_order_suppliers=(rejects, rejects))  # fmt: skip
    arrivals = item.scenario_arrivals()
    assert (arrivals[:, 0] == 18).all()  # overdue: not later still, 10% rejected
    assert arrivals[:, 1].sum() == 0
    got = arrivals[:, 2:].sum(axis=1)
    assert sorted(set(got.tolist())) == [22, 23] and got.mean() == pytest.approx(22.5)
    assert (arrivals[:, 2] > 0).sum() == 100  # on time in half


def test_the_same_inputs_give_the_same_arrivals_and_plan_whatever_is_planned_with_them():
    suppliers = (LATE, Delivery("S-R", 0.7, 0.05), LATE, None)
    first, again = mixed_item(suppliers), mixed_item(suppliers)
    assert np.array_equal(first.scenario_arrivals(), again.scenario_arrivals())
    assert first.scenario_arrivals().ndim == 2
    other = dataclasses.replace(known_demand(), sku="Q")
    alone = plan(Problem((first,))).lots[0]
    together = plan(Problem((other, again))).frame().set_index("sku").loc["M"]
    assert (alone.supplier_id, alone.quantity) == (together["supplier_id"], together["quantity"])
    assert alone.expected_cost == together["expected_cost"]
    assert alone.stockout_risk == together["stockout_risk"]


def test_the_reason_and_explanation_name_the_open_orders_supplier_and_its_record():
    lot = plan(Problem((known_demand(),))).lots[0]
    assert lot.reason.endswith(" The open order counts as its supplier delivers: PO-1 from "
                               "S-LATE on time 50%.")  # fmt: skip
    assert lot.explanation["open_orders"] == [{"po_id": "PO-1", "due_period": 2, "quantity": 20,
        "supplier_id": "S-LATE", "on_time_rate": 0.5, "reject_rate": 0.0}]  # fmt: skip
    few = Delivery("S-LATE", on_time_rate=0.875, reject_rate=0.004)  # '<1%' said nothing
    lot = plan(Problem((known_demand(open_order_suppliers=(few,)),))).lots[0]
    assert lot.reason.endswith(": PO-1 from S-LATE on time 87.5%, 0.4% rejected.")
    sure = dataclasses.replace(known_demand(), open_order_suppliers=(Delivery("S-LATE"),))
    assert "counts as" not in plan(Problem((sure,))).lots[0].reason


def test_build_problem_carries_the_suppliers_record_and_none_for_a_supplier_not_known():
    as_of = date(2026, 12, 7)
    items = pd.DataFrame({"sku": ["P"], "category": ["c"], "lifecycle_stage": ["series"],
                          "unit_volume": [1.0], "holding_cost_rate": [0.2]})  # fmt: skip
    suppliers = pd.DataFrame({"supplier_id": ["S-1", "S-2"], "lead_time": [7, 7],
                              "fixed_cost": [0.0, 0.0], "on_time_rate": [0.6, None],
                              "reject_rate": [None, 0.02]})  # fmt: skip
    supplier_items = pd.DataFrame({"supplier_id": ["S-1"], "sku": ["P"], "moq": [1],
                                   "pack_size": [1], "discount_type": ["all_units"]})  # fmt: skip
    price_breaks = pd.DataFrame({"supplier_id": ["S-1"], "sku": ["P"], "min_qty": [1],
                                 "unit_price": [3.0]})  # fmt: skip
    stock = pd.DataFrame({"sku": ["P"], "on_hand": [5]})
    open_orders = pd.DataFrame({"po_id": ["O1", "O2", "O3"], "sku": ["P"] * 3,
                                "supplier_id": ["S-1", "S-2", "S-X"], "quantity": [4, 6, 8],
                                "due_date": pd.to_datetime(["2026-12-12"] * 3)})  # fmt: skip
    tables = (items, suppliers, supplier_items, price_breaks, stock, open_orders)
    paths = np.ones((1, 20, 5), dtype=np.int64)
    problem, left_out = build_problem(*tables, (np.array(["P"]), paths), as_of, 7.0)
    assert left_out.empty, left_out.to_dict("records")
    (item,) = problem.items
    assert item.open_order_suppliers == (Delivery("S-1", 0.6, 0.0), Delivery("S-2", 1.0, 0.02),
                                         None)  # fmt: skip
