import dataclasses
import json
import math
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest

from optimize.data import (
    ItemProblem,
    Limits,
    Offer,
    PriceBreak,
    Problem,
    RecentSpike,
    Requirement,
    SupplierTier,
)
from optimize.evaluate import evaluate_item, evaluate_lots, evaluate_plan
from optimize.plan import COLUMNS, _share, plan
from optimize.solve import NO_SOLVER_STATUS
from tests.optimize.test_model_solve import over_a_limit, reached_only_together

BREAKS = (PriceBreak(1, 5.0), PriceBreak(40, 4.0), PriceBreak(200, 3.0))


def item(sku: str, on_hand: int, rate: float = 4.0) -> ItemProblem:
    offer = Offer("S-03", 10, 10, "all_units", BREAKS, 15.0, 1, sku=sku)
    demand = np.random.default_rng(len(sku) + on_hand).poisson(rate, (100, 6))
    return ItemProblem(sku, demand, on_hand, (), (offer,), 0.25, 7 / 365.25, 0.5, 0.1, 25.0, 2.0)


def test_frame_has_the_recommendation_columns_and_json_explanations():
    result = plan(Problem((item("P-1", 0), item("P-2", 500))))
    frame = result.frame()
    assert tuple(frame.columns) == COLUMNS
    assert result.optimal and result.solver_status == NO_SOLVER_STATUS
    ordered, idle = frame.iloc[0], frame.iloc[1]
    assert ordered["quantity"] > 0 and ordered["supplier_id"] == "S-03"
    assert ordered["order_value"] == pytest.approx(ordered["quantity"] * ordered["unit_price"])
    assert ordered["reason"].startswith(f"Order {ordered['quantity']} from S-03 at ")
    explanation = json.loads(ordered["explanation"])
    cost = explanation["cost"]
    parts = cost["purchase"] + cost["fixed"] + cost["holding"] + cost["stockout"]
    parts += cost["replenish"]
    assert parts + cost["leftover_credit"] == pytest.approx(ordered["expected_cost"])
    versus = explanation["versus_smallest_lot"]
    assert versus["quantity"] == 10
    assert versus["expected_cost_difference"] == pytest.approx(
        versus["expected_cost"] - ordered["expected_cost"]
    )
    # savings: the discount against the first-tier price 5.00, nothing else
    assert ordered["savings"] == pytest.approx(ordered["quantity"] * 5.0 - ordered["order_value"])
    assert idle["quantity"] == 0 and pd.isna(idle["supplier_id"])
    assert idle["reason"].startswith("No order: stock 500 covers the horizon")
    assert result.objective == pytest.approx(frame["expected_cost"].sum())


def test_a_lot_below_the_first_price_break_is_not_bought_at_its_price():
    """S4 quotes 500.00 from 5 units (moq 1), S3 650.00 from 1: the plan ordered 1 from S4 at
    500.00, a price S4 never quoted for one unit."""
    s3 = Offer("S3", 1, 1, "all_units", (PriceBreak(1, 650.0),), 0.0, 0, sku="P")
    s4 = Offer("S4", 1, 1, "all_units", (PriceBreak(5, 500.0),), 0.0, 0, sku="P")
    demand = np.zeros((200, 6), dtype=np.int64)
    demand[:, 0] = 1  # one unit now, nothing after: 5 units leave 4 on the shelf
    unit = ItemProblem("P", demand, 0, (), (s3, s4), 0.25, 7 / 365.25, 0.0, 1.0, 5000.0, 1.0)
    lot = plan(Problem((unit,))).lots[0]
    assert (lot.supplier_id, lot.quantity) == ("S3", 1)
    with pytest.raises(
        ValueError,
        match=r"lot 1 is not feasible: quantity 1 is below the first price break \(5 units\)",
    ):
        evaluate_plan(unit, "S4", 1)


def test_next_tier_is_what_the_evaluation_says():
    result = plan(Problem((item("P-1", 0),)))
    lot = result.lots[0]
    nxt = lot.explanation["next_tier"]
    menu = evaluate_item(item("P-1", 0))
    at = int(np.flatnonzero(menu.quantity == nxt["quantity"])[0])
    assert nxt["min_qty"] > lot.quantity
    assert nxt["extra_expected_cost"] == pytest.approx(menu.expected_cost[at] - lot.expected_cost)
    assert nxt["extra_expected_cost"] >= -1e-9  # the plan is optimal: the next tier costs more


def test_binding_budget_is_named_in_the_reason():
    result = plan(Problem((item("P-1", 0),), Limits(budget=0.0)))
    lot = result.lots[0]
    assert lot.quantity == 0
    assert lot.reason.startswith("No order: budget limit")
    assert lot.explanation["limits"] == ["budget"]


def test_a_limit_that_changes_only_the_supplier_is_named():
    # Found by a probe: without a budget the best lot is 40 from S1; the budget of 196 only
    # allows 40 from S2 (cheaper, but 2 weeks late). The quantity is the same, the supplier not.
    s1 = Offer("S1", 40, 40, "all_units", (PriceBreak(1, 5.0),), 0.0, 0, sku="A")
    s2 = Offer("S2", 40, 40, "all_units", (PriceBreak(1, 4.9),), 0.0, 2, sku="A")
    one = ItemProblem("A", np.full((10, 6), 6), 0, (), (s1, s2), 0.25, 7 / 365.25, 0, 0.1, 20.0,
                      1.0)  # fmt: skip
    free = plan(Problem((one,))).lots[0]
    assert (free.supplier_id, free.quantity) == ("S1", 40)
    lot = plan(Problem((one,), Limits(budget=196.0))).lots[0]
    assert (lot.supplier_id, lot.quantity) == ("S2", 40)
    assert lot.explanation["limits"] == ["budget"]
    assert lot.explanation["best_without_limits"]["supplier_id"] == "S1"
    assert lot.reason.endswith("Held back by the budget limit (best alone: 40 from S1).")


def test_no_order_reason_when_no_lot_can_arrive_within_the_horizon():
    offer = Offer("S1", 1, 1, "all_units", BREAKS, 15.0, 6, sku="P-6")
    late = ItemProblem("P-6", np.full((20, 6), 4), 0, (), (offer,), 0.25, 7 / 365.25, 0.5, 0.1,
                       25.0, 2.0)  # fmt: skip
    lot = plan(Problem((late,))).lots[0]
    assert lot.quantity == 0 and lot.stockout_risk == 1.0
    assert lot.reason.startswith("No order: a lot ordered now cannot arrive within the horizon (")
    assert "cover" not in lot.reason


def test_the_explanation_names_the_offer_with_the_shortest_lead_time():
    """The run's note on items whose lots cannot arrive named the items, not the supplier
    whose lead_time (400 days, days as the supplier's row gives them) was too long."""
    slow = Offer("S1", 1, 1, "all_units", BREAKS, 15.0, 58, sku="P-7", lead_time_days=400.0)
    slower = Offer("S2", 1, 1, "all_units", BREAKS, 15.0, 60, sku="P-7", lead_time_days=413.0)
    late = ItemProblem("P-7", np.full((20, 13), 4), 0, (), (slower, slow), 0.25, 7 / 365.25,
                       0.5, 0.1, 25.0, 2.0)  # fmt: skip
    explanation = plan(Problem((late,))).lots[0].explanation
    assert explanation["shortest_lead_time_periods"] == 58
    assert explanation["shortest_lead_time_offer"] == {
        "supplier_id": "S1", "lead_time_days": 400, "lead_time_table": "suppliers"}  # fmt: skip


@pytest.mark.parametrize(
    ("period_days", "days", "lead_time", "takes"),
    [
        (7.0, 400.0, 58, "(13 weeks): the fastest offer, S-111, takes 400 days ("),
        (365.25 / 12, 400.0, 14, "(13 months): the fastest offer, S-111, takes 400 days ("),
        (365.25 / 12, None, 14, "(13 months): the fastest offer, S-111, takes 14 months ("),
    ],
)
def test_the_reason_of_an_item_whose_lot_cannot_arrive_names_the_fastest_offer(
    period_days, days, lead_time, takes
):
    """'No order: a lot ordered now cannot arrive within the horizon (stock 0 runs out ...'
    named no supplier while the run's lead-times note said 'S-111's lead time 400 days': the
    reason names the fastest offer and its lead time, in days as the supplier's row gives
    them (periods of the run when not known)."""
    fast = Offer("S-111", 1, 1, "all_units", BREAKS, 15.0, lead_time, sku="P-7",
                 lead_time_days=days)  # fmt: skip
    slow = dataclasses.replace(fast, supplier_id="S-112", lead_time=lead_time + 2)
    late = ItemProblem("P-7", np.full((20, 13), 4), 0, (), (slow, fast), 0.25,
                       period_days / 365.25, 0.5, 0.1, 25.0, 2.0)  # fmt: skip
    reason = plan(Problem((late,))).lots[0].reason
    start = "No order: a lot ordered now cannot arrive within the horizon "
    assert reason.startswith(start + takes), reason


def test_unit_prices_below_a_tenth_keep_three_significant_digits():
    breaks = (PriceBreak(1, 0.004), PriceBreak(50_000, 0.003))
    offer = Offer("S1", 1_000, 1_000, "all_units", breaks, 5.0, 0, sku="P-7")
    cheap = ItemProblem("P-7", np.full((10, 6), 12_000), 0, (), (offer,), 0.25, 7 / 365.25, 0.0,
                        0.1, 0.01, 0.001)  # fmt: skip
    lot = plan(Problem((cheap,))).lots[0]
    assert lot.quantity >= 50_000
    assert "at 0.003/unit (tier ≥ 50,000)" in lot.reason
    assert "on the base price 0.004" in lot.reason


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"time_limit": -1}, "time_limit must be a number of seconds > 0, got -1"),
        ({"time_limit": float("nan")}, "time_limit must be a number of seconds > 0, got nan"),
        ({"time_limit": 0}, "time_limit must be a number of seconds > 0, got 0"),
        ({"gap": -1}, "gap must be a fraction >= 0, got -1"),
    ],
)
def test_solver_limits_are_checked_before_any_work(limits, message):
    with pytest.raises(ValueError, match=message):
        plan(Problem((item("P-1", 0),), Limits(budget=100.0)), **limits)


def test_limits_hold_in_the_plan():
    problem = Problem(
        tuple(item(f"P-{k}", k) for k in range(6)), Limits(budget=600, capacity=300, max_orders=4)
    )
    frame = plan(problem, solver="cbc").frame()
    assert frame["order_value"].sum() <= 600 + 1e-6
    assert (frame["quantity"] * 2.0).sum() <= 300 + 1e-6
    assert (frame["quantity"] > 0).sum() <= 4
    assert (frame["quantity"] % 10 == 0).all()


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_no_items_give_an_empty_optimal_plan(solver):
    result = plan(Problem((), Limits(budget=10.0)), solver=solver)
    assert result.optimal and result.objective == 0.0
    assert result.solver_status == "empty model"
    assert result.frame().empty and tuple(result.frame().columns) == COLUMNS


def test_reason_is_written_for_a_buyer():
    big = ItemProblem(
        "P-9",
        np.random.default_rng(2).poisson(400, (60, 6)),
        0,
        (),
        (
            Offer(
                "S-03",
                10,
                10,
                "all_units",
                (PriceBreak(1, 5.0), PriceBreak(2000, 4.5)),
                15.0,
                1,
                sku="P-9",
            ),
        ),
        0.25,
        7 / 365.25,
        0.5,
        0.1,
        25.0,
        2.0,
    )
    lot = plan(Problem((big,))).lots[0]
    assert lot.quantity >= 2000
    assert f"Order {lot.quantity:,} from S-03 at 4.50/unit (tier ≥ 2,000)" in lot.reason
    assert f"saving {lot.quantity * 0.5:,.2f} on the base price 5.00" in lot.reason
    assert lot.savings == pytest.approx(lot.quantity * 0.5)


def test_stockout_before_the_earliest_arrival_is_called_unavoidable():
    offer = Offer("S-03", 10, 10, "all_units", BREAKS, 15.0, 1, sku="P-5")
    demand = np.full((50, 6), 4)  # stock 0, lead time 1: week 1 is short in every scenario
    late = ItemProblem("P-5", demand, 0, (), (offer,), 0.25, 7 / 365.25, 0.5, 0.1, 25.0, 2.0)
    lot = plan(Problem((late,))).lots[0]
    assert lot.stockout_risk == 1.0
    assert lot.explanation["stockout_risk_unavoidable"] == 1.0
    assert lot.explanation["stockout_risk_decided"] == 0.0
    assert "stock 0 runs out before a lot ordered now can arrive in week 2" in lot.reason
    assert "stockout risk this order decides 0%" in lot.reason


def test_supplier_wide_discount_is_reached_named_and_counted():
    items_ = tuple(item(f"P-{k}", 0) for k in range(4))
    plain = plan(Problem(items_))
    spend = sum(lot.order_value for lot in plain.lots)
    # a 10% discount from a spend the plan without it does not reach: worth buying up to it
    tier = SupplierTier("S-03", min_total=spend + 60.0, discount_rate=0.10)
    result = plan(Problem(items_, Limits(supplier_tiers=(tier,))))
    bought = sum(lot.order_value for lot in result.lots)
    assert result.optimal and bought >= spend + 60.0
    reached = result.supplier_discounts["S-03"]
    assert reached["discount"] == pytest.approx(0.10 * bought)
    assert reached["expected_saving"] < reached["discount"]  # lots left over at a lower value
    assert result.objective == pytest.approx(
        sum(lot.expected_cost for lot in result.lots) - reached["expected_saving"]
    )
    assert result.objective < plain.objective
    ordered = next(lot for lot in result.lots if lot.quantity)
    assert "the plan reaches S-03's supplier-wide discount of 10% on " in ordered.reason
    assert json.loads(result.frame()["explanation"][0])["supplier_tier"]["discount_rate"] == 0.1


def _review_item(on_hand: int, lead_time: int, horizon: int = 13) -> ItemProblem:
    offer = Offer("S1", 100, 1, "all_units", (PriceBreak(1, 10.0),), 30.0, lead_time)
    demand = np.random.default_rng(0).poisson(3, (200, horizon))
    return ItemProblem("A", demand, on_hand, (), (offer,), 0.25, 7 / 365.25, 0.0, 0.05, 50.0,
                       1.0, review_period=1)  # fmt: skip


@pytest.mark.parametrize(
    ("on_hand", "lead_time", "horizon", "start", "absent"),
    [
        # stock 6 against 3 a week lasts about 2 of 13 weeks: it covers the demand until an
        # order placed next week arrives (review_period 1 + lead_time 0), not the horizon
        (6, 0, 13, "No order: stock 6 covers the demand until an order placed at the next "
         "review can arrive in week 2 (", "horizon"),
        # no lot arrives within 6 weeks: "before week 7" would name a week beyond the plan
        (2, 8, 6, "No order: a lot ordered now cannot arrive within the horizon (6 weeks): the "
         "fastest offer, S1, takes 8 weeks (stock 2 runs out within the 6-week horizon in "
         "100% of scenarios (unavoidable)", "week 7"),
    ],
)  # fmt: skip
def test_a_no_order_reason_names_the_window_the_stock_really_covers(
    on_hand, lead_time, horizon, start, absent
):
    (lot,) = plan(Problem((_review_item(on_hand, lead_time, horizon),))).lots
    assert lot.quantity == 0
    assert lot.reason.startswith(start), lot.reason
    assert absent not in lot.reason


def test_the_lot_does_not_grow_with_the_horizon_when_later_orders_can_buy_the_rest():
    """Weekly review, 31 units a week, fixed cost 25, holding 25%/year: a lot now covers what
    is cheapest to buy now; the rest of a longer horizon comes from later economic lots. Later
    orders used to be priced as 1-unit lots paying the whole fixed cost each, and the lot grew
    with the horizon: 394 units for 13 weeks, 795 for 26."""

    def lot(horizon: int) -> int:
        offer = Offer("S1", 1, 1, "all_units", (PriceBreak(1, 10.0),), 25.0, 1)
        demand = np.random.default_rng(1).poisson(31, (200, horizon))
        item = ItemProblem("A", demand, 40, (), (offer,), 0.25, 7 / 365.25, 0.0, 0.05, 30.0,
                           1.0, review_period=1)  # fmt: skip
        return plan(Problem((item,))).lots[0].quantity

    eoq = math.sqrt(2 * 25.0 * 31 / (0.25 * 10.0 * 7 / 365.25))  # 180 units
    assert abs(lot(13) - lot(26)) <= 5  # scenario noise only
    assert 0.8 * eoq < lot(26) < 1.2 * eoq


def test_a_supplier_tier_beyond_what_demand_needs_is_on_the_menu():
    """A spend tier of 450 (45 units) when demand alone buys 12 (199.08 expected): at 10% off
    the 45 units cost 219.00 - 0.10 x 219.00 = 197.10 and are bought (the menu used to stop
    near 12, and the plan called 12 optimal without running a solver). At 5% off they cost
    208.05 and are not: the 33 units left over are held and worth what they cost after the
    discount (credited at the full price, the tier paid off on stock never needed)."""
    demand = np.random.default_rng(0).poisson(5, (200, 4))
    offer = Offer("S1", 1, 1, "all_units", (PriceBreak(1, 10.0),), 0.0, 0)
    item = ItemProblem("A", demand, 0, (), (offer,), 0.2, 7 / 365.25, 0.0, 0.05, 50.0, 1.0,
                       review_period=1)  # fmt: skip
    alone = plan(Problem((item,)))
    cost = evaluate_plan(item, "S1", 45)
    tiered = {
        rate: plan(Problem((item,), Limits(supplier_tiers=(SupplierTier("S1", 450.0, rate),))))
        for rate in (0.05, 0.10)
    }
    assert alone.lots[0].quantity == 12
    assert tiered[0.10].optimal and tiered[0.10].lots[0].quantity == 45
    assert tiered[0.10].objective == pytest.approx(cost.expected_cost - 0.10 * cost.discountable)
    assert tiered[0.10].objective < alone.objective
    assert tiered[0.05].lots[0].quantity == 12
    assert tiered[0.05].objective == pytest.approx(alone.objective)
    assert cost.expected_cost - 0.05 * cost.discountable > alone.objective


@pytest.mark.parametrize(("fixed_cost", "lead_time"), [(400.0, 8), (800.0, 4), (1600.0, 1)])
def test_stock_0_and_steady_demand_orders_despite_a_large_fixed_cost(fixed_cost, lead_time):
    """Later orders are charged their fixed cost per unit served inside the horizon; a lot
    ordered now paid all of it while its units used after the horizon were worth their price
    only, so deferring always looked cheaper and every night deferred again (no order, stock
    0, 20 units a week lost)."""
    from optimize.costs import stockout_cost_for_service_level

    offer = Offer("S", 1, 1, "all_units", (PriceBreak(1, 10.0),), fixed_cost, lead_time)
    stockout = stockout_cost_for_service_level(0.95, 10.0, 0.25, 13 * 7 / 365.25, 0.0, 0.0)
    item = ItemProblem("A", np.full((50, 13), 20), 0, (), (offer,), 0.25, 7 / 365.25, 0.0,
                       0.0, stockout, 1.0, review_period=1)  # fmt: skip
    (lot,) = plan(Problem((item,))).lots
    assert lot.quantity >= 20 * (13 - lead_time)  # at least what the horizon needs from it


def test_a_tier_two_items_reach_together_beyond_their_menus_is_found():
    """Two items of 10 a week over 4 weeks, dying (obsolescence 1), and a 40% units tier at
    130: the best joint plan buys 130 between them (789.20); each menu stopped near 60 units
    and the lot reaching the tier alone was 130, so the plan bought 10 + 10 (800.14)."""

    def one(sku: str) -> ItemProblem:
        offer = Offer("A", 1, 1, "all_units", (PriceBreak(1, 10.0),), 0.0, 0)
        return ItemProblem(sku, np.full((20, 4), 10), 0, (), (offer,), 0.25, 7 / 365.25, 0.0,
                           1.0, 20.0, 1.0, review_period=1)  # fmt: skip

    items = (one("X"), one("Y"))
    result = plan(Problem(items, Limits(supplier_tiers=(SupplierTier("A", 130, 0.4, "units"),))))
    q = np.arange(201)
    lots = [evaluate_lots(i, np.where(q > 0, 0, -1), q) for i in items]
    joint = lots[0].expected_cost[:, None] + lots[1].expected_cost[None, :]
    reached = (q[:, None] + q[None, :]) >= 130
    joint -= 0.4 * reached * (lots[0].discountable[:, None] + lots[1].discountable[None, :])
    assert result.optimal and result.objective == pytest.approx(joint.min())
    assert sum(lot.quantity for lot in result.lots) >= 130


def _one_item_lot(on_hand, rate, shape, seed, moq, fixed_cost, lead_time):
    """The planned lot of one item (price 10.0, weekly Poisson demand of `rate`, review 1)."""
    offer = Offer("S1", moq, 1, "all_units", (PriceBreak(1, 10.0),), fixed_cost, lead_time)
    demand = np.random.default_rng(seed).poisson(rate, shape)
    item = ItemProblem("A", demand, on_hand, (), (offer,), 0.25, 7 / 365.25, 0.0, 0.05, 12.0,
                       1.0, review_period=1)  # fmt: skip
    (lot,) = plan(Problem((item,))).lots
    return lot


def test_a_no_order_reason_names_the_stock_once():
    lot = _one_item_lot(6, 3.0, (200, 13), seed=0, moq=100, fixed_cost=30.0, lead_time=2)
    assert lot.quantity == 0
    assert lot.reason.startswith(
        "No order: an order would cost more than the shortages it avoids until an order placed "
        "at the next review can arrive in week 4 (stock 6 runs out "
        "before a lot ordered now can arrive in week 3 in 41% of scenarios (unavoidable)"
    ), lot.reason
    assert lot.reason.count("stock 6") == 1


def test_no_order_does_not_say_stock_covers_when_it_runs_out_in_a_fifth_of_scenarios():
    """Stock 0, 0.1 a week, lead time 1: short before any lot can arrive in ~10% of scenarios
    and in the week a lot could serve in another ~10%. The reason said "stock 0 covers the
    demand until ..." next to a stockout risk of 18%."""
    lot = _one_item_lot(0, 0.1, (400, 6), seed=6, moq=1, fixed_cost=50.0, lead_time=1)
    assert lot.quantity == 0 and lot.stockout_risk > 0.1
    assert lot.explanation["stockout_risk_unavoidable"] <= 0.1
    assert "covers" not in lot.reason
    assert lot.reason.startswith("No order: an order would cost more than the shortages it avoids")


def test_a_no_order_reason_for_stock_0_does_not_say_the_stock_covers_the_demand():
    """Stock 0, 0.08 a week, lead time 2: short before any lot can arrive in ~15% of scenarios,
    in the week after the earliest arrival in ~8%. The reason said "from the earliest arrival
    of a lot ordered now, stock 0 covers the demand until ..." beside "stock 0 runs out"."""
    lot = _one_item_lot(0, 0.08, (400, 6), seed=0, moq=1, fixed_cost=50.0, lead_time=2)
    assert lot.quantity == 0
    assert lot.explanation["stockout_risk_unavoidable"] > 0.1
    assert lot.explanation["stockout_risk_decided"] <= 0.1
    assert "cover" not in lot.reason
    assert lot.reason.startswith(
        "No order: little or no demand is expected from week 3, the earliest arrival of a lot "
        "ordered now, until an order placed at the next review can arrive in week 4 (stock 0 "
        "runs out before a lot ordered now can arrive in week 3 in 14% of scenarios"
    ), lot.reason


def test_a_level_short_of_its_target_never_reads_as_the_target() -> None:
    assert [_share(0.9), _share(0.896), _share(0.95)] == ["90%", "89.6%", "95%"]
    assert _share(0.98996, short=True) == "98.9%"  # rounded it read "99%" beside a 99% target
    assert [_share(0.29, short=True), _share(0.5, short=True)] == ["29%", "50%"]


@pytest.mark.parametrize("reject_rate", [0.0, 0.01])
def test_a_small_reject_rate_does_not_add_a_unit_to_a_one_unit_lot(reject_rate):
    """Each scenario needs exactly 1 unit in week 2. Usable units were rounded down, so with 1%
    rejects a lot of 1 counted as 0 units and the plan bought 2 of a 5,498.94 part (a fresh
    user's RAF data: 33.6k spend against 23.6k without the reject rate). Now 1 unit, and its
    risk is the 1% chance that the unit is rejected."""
    offer = Offer("S1", 1, 1, "all_units", (PriceBreak(1, 5498.94),), 50.0, 1,
                  reject_rate=reject_rate)  # fmt: skip
    demand = np.zeros((50, 8), np.int64)
    demand[:, 1] = 1
    item = ItemProblem("RAF-1899", demand, 0, (), (offer,), 0.25, 7 / 365.25, 0.0, 0.05,
                       3 * 5498.94, 0.0)  # fmt: skip
    (lot,) = plan(Problem((item,))).lots
    assert lot.quantity == 1 and lot.stockout_risk == pytest.approx(reject_rate)


def test_a_large_reject_rate_is_not_rounded_into_a_sure_unit():
    """Rounded to the nearest unit, a lot of 1 with 50% rejects counted as 1 sure unit: the
    plan ordered 1 and reported no stockout risk. Its risk is the 50% chance of a reject."""
    offer = Offer("S1", 1, 1, "all_units", (PriceBreak(1, 100.0),), 0.0, 1, reject_rate=0.5)
    demand = np.zeros((50, 8), np.int64)
    demand[:, 1] = 1
    item = ItemProblem("P", demand, 0, (), (offer,), 0.25, 7 / 365.25, 0.0, 0.05, 300.0, 0.0)
    one = evaluate_lots(item, np.array([0]), np.array([1]))
    assert one.stockout_risk[0] == pytest.approx(0.5) and one.expected_lost[0] == 0.5
    (lot,) = plan(Problem((item,))).lots
    assert lot.quantity == 2  # 2 units: 1 usable, the expectation (a whole number)


def test_a_small_expected_leftover_is_not_written_as_0_units():
    """'expected leftover 0 units (405.06)': 0.38 units were rounded away next to their value."""
    from optimize.explain import few_units

    assert [few_units(v) for v in (0.0, 0.38, 1.0, 9.94, 9.96, 1234.4)] == [
        "0.0 units", "0.4 units", "1.0 units", "9.9 units", "10 units", "1,234 units"]  # fmt: skip
    lot = _one_item_lot(0, 2.0, (200, 8), 1, 1, 5.0, 1)  # 12 units, 0.7 expected left
    assert lot.quantity > 0
    assert re.search(r"expected leftover \d\.\d units \(\d", lot.reason), lot.reason


def test_stock_0_with_a_small_risk_does_not_read_as_stock_that_covers_the_demand():
    """Stock 0, lead time 0, 0.01 a week: nothing runs out before a lot could arrive, so the
    reason said "stock 0 covers the demand until ..." (23 items of a planner's RAF night, with
    a fill of 0%)."""
    lot = _one_item_lot(0, 0.01, (400, 8), 3, 1, 50.0, 0)
    assert lot.quantity == 0 and 0 < lot.stockout_risk < 0.1
    assert "cover" not in lot.reason
    assert lot.reason.startswith("No order: little or no demand is expected from week 1")


def test_open_orders_that_refill_the_stock_are_the_reason_not_little_demand():
    """Stock 0, about 3 a week, 400 units on order arriving in week 2, a lot ordered now in
    week 3: short in week 1 in every scenario, so the reason said "little or no demand is
    expected from week 3", beside a forecast of 3 a week (14 of 56 reasons of a planner's
    weekly night)."""
    offer = Offer("S1", 1, 1, "all_units", (PriceBreak(1, 10.0),), 20.0, 2)
    demand = np.random.default_rng(5).poisson(3.0, (200, 8)).astype(np.int64) + 1
    item = ItemProblem("P", demand, 0, ((1, 400),), (offer,), 0.25, 7 / 365.25, 0.0, 0.05,
                       30.0, 0.0, review_period=1)  # fmt: skip
    (lot,) = plan(Problem((item,))).lots
    assert lot.quantity == 0 and lot.explanation["stockout_risk_unavoidable"] > 0.5
    assert "little or no demand" not in lot.reason
    assert lot.reason.startswith(
        "No order: from the earliest arrival of a lot ordered now, stock 0 and open orders 400 "
        "cover the demand until an order placed at the next review can arrive in week 4 "
        "(stock 0 and open orders 400 fall short before a lot ordered now can arrive in week 3 "
        "(unavoidable)"
    ), lot.reason


def test_the_unavoidable_shortage_names_only_the_open_orders_that_come_before_a_lot_could():
    """'stock 0 and open orders 12 fall short before a lot ordered now can arrive in week 2'
    named 12 units due in week 7: they cannot help before week 2."""
    offer = Offer("S1", 1, 1, "all_units", (PriceBreak(1, 10.0),), 20.0, 1)
    demand = np.random.default_rng(5).poisson(3.0, (200, 8)).astype(np.int64) + 1
    item = ItemProblem("P", demand, 0, ((6, 12),), (offer,), 0.25, 7 / 365.25, 0.0, 0.05,
                       30.0, 0.0, review_period=1)  # fmt: skip
    (lot,) = plan(Problem((item,))).lots
    assert "stock 0 runs out before a lot ordered now can arrive in week 2 (unavoidable)" in (
        lot.reason
    ), lot.reason
    # a no-order reason names the stock once (it said "(stock 0 and open orders 100; stock 0
    # runs out before ...)")
    late = dataclasses.replace(item, stockout_cost=1.0, open_orders=((2, 100),))
    (lot,) = plan(Problem((late,))).lots
    assert lot.quantity == 0 and lot.reason.count("stock 0") == 1, lot.reason
    assert "; open orders 100 arrive from week 3)" in lot.reason, lot.reason


def test_items_a_budget_cut_together_name_it_even_when_each_would_fit_alone():
    """A planner's budget run cut 795 items; 227 of them named no limit, because each one's
    best lot alone fit in the 75.75 the plan left, though together they needed 10,022. Only a
    plan short of the optimum leaves such a lot out (taking it would cost less): a gap of 5%
    of the cost the choices can avoid lets HiGHS stop at one here (at 1e-4 of the whole
    objective it did; since the gap is on the avoidable cost it proves the optimum)."""

    def one(k: int) -> ItemProblem:
        rng = np.random.default_rng(2400 + k)
        demand = rng.poisson(rng.uniform(0.5, 3), (100, 8))
        price = float(np.random.default_rng(24 * 7 + k).choice([3, 8, 20]))
        offer = Offer("S1", 1, 1, "all_units", (PriceBreak(1, price), PriceBreak(20, 0.9 * price)),
                      5.0, 1, sku=f"I{k}")  # fmt: skip
        return ItemProblem(f"I{k}", demand, int(rng.integers(0, 4)), (), (offer,), 0.25,
                           7 / 365.25, 0.0, 0.05, 3 * price, 0.0, review_period=1)  # fmt: skip

    items = tuple(one(k) for k in range(12))
    free = plan(Problem(items))
    budget = 0.85 * sum(lot.order_value for lot in free.lots)
    result = plan(Problem(items, Limits(budget=budget)), gap=0.05)
    left = budget - sum(lot.order_value for lot in result.lots)
    cut = [(lot, alone) for lot, alone in zip(result.lots, free.lots, strict=True)
           if lot.quantity != alone.quantity]  # fmt: skip
    fits = [lot for lot, alone in cut if alone.order_value - lot.order_value <= left]
    assert len(cut) >= 2 and fits  # some cut item alone would fit in what is left
    for lot, _ in cut:
        assert "budget limit" in lot.reason, lot.reason
        assert lot.explanation["limits"] == ["budget"]


def test_a_menu_grows_while_its_cost_less_the_supplier_discount_falls():
    # 30% off from 28 units: the cost without the discount rises at the menu's end, with it
    # it still falls, and the menu had stopped 0.07 short of the best lot (a seeded instance)
    offer = Offer("S", 2, 2, "incremental", (PriceBreak(1, 4.5),), 2.0, 0, on_time_rate=0.5,
                  reject_rate=0.5)  # fmt: skip
    item = ItemProblem(
        "A", np.array([[1, 5, 5], [9, 8, 3], [7, 5, 7], [7, 12, 4]]), 1, (), (offer,),
        holding_cost_rate=0.0, period_years=1 / 12, salvage_value=0.0, obsolescence=0.0,
        stockout_cost=8.0, unit_volume=0.5, review_period=1,
    )  # fmt: skip
    tier = SupplierTier("S", 28.0, 0.3, "units")
    q = np.arange(2, 400, 2)
    lots = evaluate_lots(item, np.zeros(q.size, int), q)
    cost = lots.expected_cost - np.where(q >= 28, 0.3 * lots.discountable, 0.0)
    best = min(cost.min(), evaluate_plan(item, None, 0).expected_cost)
    result = plan(Problem((item,), Limits(supplier_tiers=(tier,))), gap=1e-9, max_candidates=1000)
    assert result.optimal
    assert result.objective == pytest.approx(best, rel=1e-9)


def _brute_single(item: ItemProblem, top: int = 200) -> float:
    """The cheapest lot of a lone item (no shared limits) meeting its target, by scanning
    every feasible lot of every offer up to `top` units."""
    best = evaluate_plan(item, None, 0).expected_cost if item.min_service_level is None else np.inf
    for k, offer in enumerate(item.offers):
        q = np.arange(offer.min_lot, top + 1)
        q = q[q % offer.pack_size == 0]
        lots = evaluate_lots(item, np.full(q.size, k), q)
        ok = lots.fill_rate_decided >= (item.min_service_level or 0) - 1e-12
        best = min(best, float(np.min(lots.expected_cost[ok], initial=np.inf)))
    return best


def test_a_menu_grows_where_a_slow_fall_after_a_tier_jump_ends_below_an_early_dip():
    # incremental breaks: the cost dips at 12 units (111.80), jumps at the break at 17, then
    # falls slowly to 106.23 at 84; the menu stopped at 40 units (114.82, 3% above the dip)
    b = PriceBreak
    offers = (
        Offer("S0", 2, 1, "all_units", (b(1, 8.1), b(9, 3.0)), 5.0, 0, on_time_rate=0.8),
        Offer("S1", 5, 3, "incremental", (b(1, 6.5), b(19, 4.5)), 2.0, 1),
        Offer("S2", 3, 4, "incremental", (b(1, 8.9), b(17, 2.9), b(19, 2.6)), 5.0, 0,
              reject_rate=0.25),
    )  # fmt: skip
    item = ItemProblem(
        "P0", np.array([[6, 6], [7, 4], [7, 4], [4, 12], [10, 6]]), 0, ((3, 1),), offers,
        holding_cost_rate=0.0, period_years=7 / 365.25, salvage_value=2.6, obsolescence=0.3,
        stockout_cost=0.0, unit_volume=2.0, review_period=1, min_service_level=0.95,
    )  # fmt: skip
    result = plan(Problem((item,)), gap=1e-9, max_candidates=1000)
    assert result.optimal and (result.lots[0].supplier_id, result.lots[0].quantity) == ("S2", 84)
    assert result.objective == pytest.approx(_brute_single(item), rel=1e-9)


def test_a_menu_grows_where_its_own_lots_still_fall_below_the_tier_lots_above_them():
    # the menu's own lots end at 8 units with the cost still falling (best: 10); the lots
    # that reach S0's tiers alone (up to 24) sat above them and hid that edge
    b = PriceBreak
    offers = (
        Offer("S0", 5, 1, "incremental", (b(1, 4.2),), 20.0, 1),
        Offer("S1", 3, 4, "incremental", (b(1, 6.1), b(11, 1.5)), 0.0, 1, on_time_rate=0.8,
              reject_rate=0.1),
    )  # fmt: skip
    item = ItemProblem(
        "P0", np.array([[1, 0], [0, 1], [1, 1], [0, 1], [1, 4]]), 0, (), offers,
        holding_cost_rate=0.25, period_years=7 / 365.25, salvage_value=0.0, obsolescence=0.0,
        stockout_cost=30.0, unit_volume=0.5,
    )  # fmt: skip
    tiers = (SupplierTier("S0", 16.0, 0.05, "units"), SupplierTier("S0", 24.0, 0.1, "units"))
    result = plan(Problem((item,), Limits(supplier_tiers=tiers)), gap=1e-9, max_candidates=1000)
    q = np.arange(5, 200)
    lots = evaluate_lots(item, np.zeros(q.size, int), q)
    rate = np.select([q >= 24, q >= 16], [0.1, 0.05], 0.0)
    best = min(_brute_single(dataclasses.replace(item, offers=offers[1:])),
               float(np.min(lots.expected_cost - rate * lots.discountable)))  # fmt: skip
    assert result.optimal and result.objective == pytest.approx(best, rel=1e-9)


def test_a_menu_grows_past_a_small_lot_less_a_tier_discount_it_cannot_reach():
    # the cheapest candidate had been an 8-unit lot less S0's 30% from 27 units, which it
    # cannot reach: the bar fell below the menu's edge and a plan at 30 units, 31.4608, was
    # called optimal where 32 units cost 31.4414 (a review's random campaign: 26 in 18,365)
    b = PriceBreak
    offers = (
        Offer("S0", 3, 2, "incremental", (b(1, 5.5), b(14, 3.2)), 5.0, 0, on_time_rate=0.8,
              reject_rate=0.1),
        Offer("S1", 5, 2, "incremental", (b(1, 7.3), b(16, 4.1), b(23, 3.7)), 2.0, 0,
              on_time_rate=0.8),
    )  # fmt: skip
    item = ItemProblem(
        "P", np.array([[4, 1], [10, 8], [9, 6], [8, 7], [2, 5]]), 4, (), offers,
        holding_cost_rate=0.1, period_years=7 / 365.25, salvage_value=0.642, obsolescence=0.1,
        stockout_cost=0.0, unit_volume=1.0, review_period=1, min_service_level=0.9,
    )  # fmt: skip
    tier = SupplierTier("S0", 27.0, 0.3, "units")
    result = plan(Problem((item,), Limits(supplier_tiers=(tier,))), gap=1e-9, max_candidates=1000)
    q = np.arange(4, 200, 2)
    lots = evaluate_lots(item, np.zeros(q.size, int), q)
    cost = lots.expected_cost - np.where(q >= 27, 0.3 * lots.discountable, 0.0)
    cost = np.where(lots.fill_rate_decided >= 0.9 - 1e-12, cost, np.inf)
    best = min(_brute_single(dataclasses.replace(item, offers=offers[1:])), float(cost.min()))
    assert result.optimal and result.objective == pytest.approx(best, rel=1e-9)


def test_periods_short_reads_explanations_stored_before_the_key_was_renamed():
    """`shortest_lead_time` (periods) became `shortest_lead_time_periods`: a run stored before
    still tells by how much its horizon fell short."""
    from optimize.explain import periods_short

    assert periods_short({"shortest_lead_time_periods": 7, "horizon_periods": 6}) == 2
    assert periods_short({"shortest_lead_time": 7, "horizon_periods": 6}) == 2
    assert periods_short({}) == 0


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("limits", [Limits(budget=27.0), Limits(capacity=10.0)])
def test_a_tier_only_a_lot_over_a_limit_reaches_leaves_a_proven_plan(limits, solver):
    # the tier state's model held that lot: CBC 2.10 crashed on it (exit code -11) and the
    # plan read "Not proven optimal (CBC failed (exit code -11), no solution): No order: ..."
    problem = over_a_limit(limits)
    result = plan(problem, solver=solver)
    assert result.optimal and result.solver_status == NO_SOLVER_STATUS
    assert result.lots[0].quantity == 0
    assert result.lots[0].reason.startswith("No order: an order would cost more than")


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize(
    ("name", "limits"),
    [("budget", Limits(budget=27.0)), ("capacity", Limits(capacity=10.0)),
     ("max_orders", Limits(max_orders=0))],
)  # fmt: skip
def test_an_item_whose_every_lot_breaks_a_limit_names_that_limit(name, limits, solver):
    # every lot of P0 is dropped from the model, not from the menu: its best lot is still named
    result = plan(over_a_limit(limits, on_hand=0, stockout_cost=60.0), solver=solver)
    lot = result.lots[0]
    assert result.optimal and lot.quantity == 0
    assert lot.reason.startswith(f"No order: {name} limit (best alone: 15 from S0; ")
    assert lot.explanation["limits"] == [name]
    assert "no shared limit binds" not in result.solver_status


def test_a_lot_arriving_after_a_later_order_could_names_the_order_the_plan_counts_on():
    """Stock 30 at 10 a week; FAST delivers in 1 week, SLOW in 6 at 30% off from 60 units. The
    plan orders SLOW's discount lot, arriving in week 7, and counts on an order from FAST next
    week for weeks 3-6: the reason said only "arriving in week 7 ...; stockout risk 0%" (12 of
    the demo's 92 lots, e.g. 160 units arriving in week 10 with stock 190 gone before it in 78%
    of scenarios, "stockout risk this order decides 2%")."""
    fast = Offer("FAST", 1, 1, "all_units", (PriceBreak(1, 10.0),), 20.0, 1)
    slow = Offer("SLOW", 1, 1, "all_units", (PriceBreak(1, 10.0), PriceBreak(60, 7.0)), 20.0, 6)
    demand = np.random.default_rng(0).poisson(10, (200, 13))
    item = ItemProblem("P", demand, 30, (), (fast, slow), 0.25, 7 / 365.25, 0.0, 0.05, 30.0,
                       1.0, review_period=1)  # fmt: skip
    (lot,) = plan(Problem((item,))).lots
    assert lot.supplier_id == "SLOW" and lot.quantity >= 60
    assert lot.explanation["later_orders"] == {"supplier_id": "FAST", "from_period": 2}
    assert (
        "; stockout risk 0%. Until it arrives, the plan counts on an order from FAST placed at "
        "the next review (arriving in week 3): stock 30 runs out before week 7. Without it, "
        "later orders would buy 99 units (from FAST at 10.44/unit), with it 30: "
    ) in lot.reason, lot.reason
    # a lot from the supplier later orders come from arrives first: nothing to name
    (own,) = plan(Problem((dataclasses.replace(item, on_hand=0, offers=(fast,)),))).lots
    assert own.quantity > 0 and "counts on" not in own.reason, own.reason


def test_a_bridged_lot_names_the_open_orders_arriving_with_it_and_what_it_replaces():
    """P-63734 on the demo (60 of an open order of 140 received early): 258 on hand and 80 on
    order due with a lot of the slow supplier ordered 80 more, 198 and 140 none, and the reason
    named neither the open order nor why: stock gone before the slow lot arrives leaves
    nothing for the periods after it, open orders arriving with it do; there the lot buys at
    its price break what later orders of the fast supplier would buy at theirs. Each state
    is the cheapest lot over every lot of both offers (brute force with the evaluation)."""
    fast = Offer("FAST", 2, 1, "all_units", (PriceBreak(1, 11.0),), 20.0, 2)
    slow = Offer("SLOW", 20, 5, "all_units", (PriceBreak(20, 12.0), PriceBreak(80, 10.0)), 10.0, 9)
    demand = np.random.default_rng(0).poisson(33, (200, 13))
    early = ItemProblem("P", demand, 258, ((9, 80),), (fast, slow), 0.25, 7 / 365.25, 3.0, 0.05,
                        60.0, 1.0, review_period=1, open_order_ids=("PO-1",))  # fmt: skip
    late = dataclasses.replace(early, on_hand=198, open_orders=((9, 140),))
    for state, chosen in ((early, ("SLOW", 80)), (late, (None, 0))):
        lots = [(None, 0)] + [(o.supplier_id, q) for o in (fast, slow) for q in
                              range(o.smallest_lot, 301, o.pack_size)]  # fmt: skip
        best = min(lots, key=lambda lot: evaluate_plan(state, *lot).expected_cost)
        (lot,) = plan(Problem((state,))).lots
        assert (lot.supplier_id, lot.quantity) == best == chosen
    (lot,) = plan(Problem((early,))).lots
    none, ordered = evaluate_plan(early, None, 0), evaluate_plan(early, "SLOW", 80)
    assert none.later_supplier_id == "FAST" and ordered.expected_replenished < 40
    assert lot.reason.endswith(
        "stock 258 runs out before week 10 in 98% of scenarios; open orders 80 arrive in week "
        f"10. Without it, later orders would buy {none.expected_replenished:.0f} units (from "
        f"FAST at {none.replenish_cost / none.expected_replenished:.2f}/unit), with it "
        f"{ordered.expected_replenished:.0f}: expected cost "
        f"{none.expected_cost - ordered.expected_cost:.2f} below no order."
    ), lot.reason
    versus = lot.explanation["versus_no_order"]
    assert versus["expected_cost_difference"] == pytest.approx(
        none.expected_cost - ordered.expected_cost
    )


def _leftover_lot(obsolescence: float, end_of_life: date | None = None):
    """The planned lot of one item (price 10.0, salvage 2.0, 3 a week, lead time 1, fixed
    cost 20) whose leftover is never used with probability `obsolescence`."""
    offer = Offer("S1", 1, 1, "all_units", (PriceBreak(1, 10.0),), 20.0, 1)
    demand = np.random.default_rng(3).poisson(3.0, (300, 13))
    item = ItemProblem("A", demand, 0, (), (offer,), 0.25, 7 / 365.25, 2.0, obsolescence, 60.0,
                       1.0, review_period=1, end_of_life=end_of_life,
                       end_of_life_periods=None if end_of_life is None else 13)  # fmt: skip
    (lot,) = plan(Problem((item,))).lots
    assert lot.quantity > 0 and lot.expected_leftover > 0.05
    return lot


def test_a_reason_gives_the_leftover_at_cost_and_at_what_salvage_prices_it():
    """P-95476, 4 weeks before its end of life: 'expected leftover 3.9 units (726.42)', its
    units at cost, where the plan had valued them at their salvage value, 178.81. The reason
    says which figure is which, and for an item whose leftover is likely never used (end of
    life within the horizon, phase_out) the value the decision used."""
    from optimize.explain import few_units, money

    ended = _leftover_lot(1.0, date(2027, 1, 4))
    cost = ended.explanation["leftover_value"]
    valued = -ended.explanation["cost"]["leftover_credit"]
    assert valued == pytest.approx(2.0 * ended.expected_leftover)  # all of it at salvage
    assert (
        f"expected leftover {few_units(ended.expected_leftover)} ({money(cost)} at cost; the plan "
        f"values it at {money(valued)}: salvage value 2.00/unit after its end of life "
        "2027-01-04); "
    ) in ended.reason, ended.reason
    phase_out = _leftover_lot(0.5)
    valued = money(-phase_out.explanation["cost"]["leftover_credit"])
    assert (
        f" at cost; the plan values it at {valued}: salvage value 2.00/unit in the 50% of cases "
        "it is never used); "
    ) in phase_out.reason, phase_out.reason
    series = _leftover_lot(0.05)
    assert f"({money(series.explanation['leftover_value'])} at cost); " in series.reason


def test_a_tier_two_items_reach_only_together_over_the_budget_leaves_a_proven_cbc_plan():
    # the state reaching S's tier crashed CBC 2.10.3 after it proved the state infeasible, and
    # every reason read "Not proven optimal (CBC failed (exit code -11), no solution): ..."
    problem = reached_only_together()
    highs, cbc = plan(problem, solver="highs"), plan(problem, solver="cbc")
    assert highs.optimal and cbc.optimal, cbc.solver_status
    assert cbc.solver_status == "Optimal solution found"
    assert [(x.supplier_id, x.quantity) for x in cbc.lots] == [("S", 10), (None, 0)]
    assert [(x.supplier_id, x.quantity) for x in highs.lots] == [("S", 10), (None, 0)]
    assert cbc.objective == pytest.approx(highs.objective, rel=1e-9)
    assert not any(lot.reason.startswith("Not proven optimal") for lot in cbc.lots)


SPIKE = RecentSpike(date(2026, 11, 30), 161.0, 4.5, 20)


def test_a_lot_resting_on_one_recent_large_demand_says_so_last():
    spiked = dataclasses.replace(item("P-84518", 0, rate=10.0), recent_spike=SPIKE)
    lot = plan(Problem((spiked,))).lots[0]
    assert lot.quantity > 0
    assert lot.reason.endswith(
        ". The forecast rests on one recent week of 161 units (starting 2026-11-30), 36x the "
        "item's usual 4.5 (the median of its 20 other weeks with demand): check it is not a "
        "one-off before approving."
    )
    assert lot.explanation["recent_spike"] == {
        "period_start": "2026-11-30", "quantity": 161.0, "usual": 4.5, "other_demands": 20,
        "order_date": None, "day_units": None,
    }  # fmt: skip


def test_a_lot_resting_on_a_recent_large_demand_ends_with_the_command_that_marks_it():
    """A planner who finds it a one-off could only reject the lot, and the next night's lot
    rested on the same demand again: the reason now ends with the command that marks it."""
    command = "reorder review one-off --db /srv/wh.duckdb P-84518 2026-12-01"
    spike = dataclasses.replace(
        SPIKE, order_date=date(2026, 12, 1), day_units=150.0, mark_command=command
    )
    spiked = dataclasses.replace(item("P-84518", 0, rate=10.0), recent_spike=spike)
    lot = plan(Problem((spiked,))).lots[0]
    assert lot.reason.endswith(
        "(the median of its 20 other weeks with demand): check it is not a one-off before "
        "approving; if it is, leave the 150 units ordered on 2026-12-01 out of the forecasts: "
        + command
    )
    assert lot.explanation["recent_spike"]["order_date"] == "2026-12-01"
    assert lot.explanation["recent_spike"]["day_units"] == 150.0


def test_a_spike_near_a_requirement_needed_now_asks_whether_it_was_met():
    """A met requirement left in requirements.csv counted its units twice (as needed now and
    in the forecast learning its order lines), and neither sentence said so."""
    spike = dataclasses.replace(SPIKE, order_date=date(2026, 12, 1), day_units=150.0)
    met = Requirement("PB-17", date(2026, 12, 1), 150, period=0, note="pilot build")
    later = Requirement("PB-18", date(2027, 1, 20), 150, period=7)
    small = Requirement("SC-3", date(2026, 11, 30), 20, period=0)
    spiked = dataclasses.replace(
        item("P-84518", 0, rate=10.0), recent_spike=spike, requirements=(small, met, later)
    )
    lot = plan(Problem((spiked,))).lots[0]
    assert (
        " Requirement PB-17 (150 units due 2026-12-01) counts as needed now, but the recent "
        "week of 161 units may be it, met: if so, drop PB-17 from requirements.csv (or its "
        "units are bought a second time) and mark the day as a one-off. The forecast rests on "
    ) in lot.reason
    far = dataclasses.replace(met, due_date=date(2026, 10, 1))  # 61 days before: not it
    spiked = dataclasses.replace(spiked, requirements=(small, far, later))
    assert "may be it, met" not in plan(Problem((spiked,))).lots[0].reason


def test_no_order_and_an_item_without_a_spike_say_nothing_of_one():
    covered = dataclasses.replace(item("P-1", 500), recent_spike=SPIKE)
    lots = plan(Problem((covered, item("P-2", 0, rate=10.0)))).lots
    assert lots[0].quantity == 0 and lots[1].quantity > 0
    assert not any("one-off" in lot.reason for lot in lots)
    assert lots[1].explanation["recent_spike"] is None


def test_a_monthly_plan_names_a_recent_month():
    monthly = dataclasses.replace(
        item("P-3", 0, rate=10.0),
        period_years=1 / 12,
        recent_spike=RecentSpike(date(2026, 11, 1), 70.0, 7.0, 1),
    )
    lot = plan(Problem((monthly,))).lots[0]
    assert lot.reason.endswith(
        " one recent month of 70 units (starting 2026-11-01), 10x the item's usual 7 (the "
        "median of its 1 other month with demand): check it is not a one-off before approving."
    )
