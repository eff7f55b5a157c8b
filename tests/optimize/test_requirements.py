"""Requirements (planners' dated known demand) planned on top of the forecast."""

from datetime import date

import numpy as np
import pandas as pd

from optimize.inputs import build_problem, requirement_period
from optimize.plan import plan

AS_OF = date(2025, 3, 2)  # a Sunday: plan week 1 starts Monday 3 March


def tables(lead_time: float = 35.0) -> dict[str, pd.DataFrame]:
    """One pilot item P with no stock, no open order and one offer whose lots ordered now
    arrive in week 6 (period 5: 35 days), one week before a lot ordered next week."""
    return {
        "items": pd.DataFrame({"sku": ["P"], "lifecycle_stage": ["pilot"], "unit_volume": [1.0],
                               "holding_cost_rate": [0.2], "end_of_life": [None],
                               "salvage_value": [0.0], "stockout_cost": [None]}),
        "suppliers": pd.DataFrame({"supplier_id": ["S1"], "lead_time": [lead_time],
                                   "fixed_cost": [20.0]}),
        "supplier_items": pd.DataFrame({"supplier_id": ["S1"], "sku": ["P"], "moq": [1],
                                        "pack_size": [1], "discount_type": ["all_units"]}),
        "price_breaks": pd.DataFrame({"supplier_id": ["S1"], "sku": ["P"], "min_qty": [1],
                                      "unit_price": [3.0]}),
        "stock": pd.DataFrame({"sku": ["P"], "on_hand": [0]}),
        "open_orders": pd.DataFrame(
            {"po_id": [], "sku": [], "supplier_id": [], "quantity": [], "due_date": []}
        ),
    }  # fmt: skip


def requirements(*rows: tuple[str, str, int, str | None]) -> pd.DataFrame:
    """requirement_id, due_date, quantity, note of item P."""
    frame = pd.DataFrame(rows, columns=["requirement_id", "due_date", "quantity", "note"])
    return frame.assign(sku="P", due_date=pd.to_datetime(frame["due_date"]))


def zero_forecast(periods: int = 8) -> tuple[np.ndarray, np.ndarray]:
    return np.array(["P"]), np.zeros((1, 20, periods), dtype=np.int64)


def test_an_item_without_forecast_orders_for_its_requirement_and_says_so():
    wanted = requirements(("PB-17", "2025-04-08", 200, "pilot build"))  # period 5
    problem, _ = build_problem(**tables(), scenarios=zero_forecast(), as_of=AS_OF,
                               period_days=7.0, requirements=wanted)  # fmt: skip
    item = problem.items[0]
    assert item.scenarios[:, 5].tolist() == [200] * 20
    assert int(item.scenarios.sum()) == 200 * 20
    lot = plan(problem).lots[0]
    assert lot.quantity >= 200
    assert "It includes 200 units required by PB-17 on 2025-04-08 (pilot build)." in lot.reason
    assert lot.explanation["requirements"] == [
        {"requirement_id": "PB-17", "due_date": "2025-04-08", "quantity": 200, "due_period": 5,
         "note": "pilot build"}
    ]  # fmt: skip


def test_without_the_requirement_the_same_item_orders_nothing():
    problem, _ = build_problem(**tables(), scenarios=zero_forecast(), as_of=AS_OF,
                               period_days=7.0)  # fmt: skip
    assert plan(problem).lots[0].quantity == 0


def test_an_overdue_requirement_counts_in_the_first_period_and_one_beyond_is_not_counted():
    wanted = requirements(
        ("SC-3", "2025-02-01", 30, None),  # overdue: needed now
        ("PB-30", "2025-04-28", 500, "series start"),  # day 57: after the 8 weeks
    )
    inputs = tables(lead_time=0) | {"stock": pd.DataFrame({"sku": ["P"], "on_hand": [40]})}
    problem, _ = build_problem(**inputs, scenarios=zero_forecast(), as_of=AS_OF,
                               period_days=7.0, requirements=wanted)  # fmt: skip
    item = problem.items[0]
    assert [(r.requirement_id, r.period) for r in item.requirements] == [("SC-3", 0), ("PB-30", 8)]
    assert item.scenarios[0].tolist() == [30, 0, 0, 0, 0, 0, 0, 0]
    lot = plan(problem).lots[0]
    assert lot.quantity == 0
    assert (
        "30 units required by SC-3 on 2025-02-01: stock 40 and open orders 0 due by week 1 hold "
        "enough for them. Not counted: PB-30 (500 units on 2025-04-28), due after the 8-week "
        "horizon."
    ) in lot.reason


def test_a_requirement_falls_in_the_plan_period_of_its_day():
    # week k runs from day 7k + 1 to 7k + 7 after as_of
    assert requirement_period(date(2025, 3, 2), AS_OF, 7.0, 8) == 0  # as_of itself
    assert requirement_period(date(2025, 3, 9), AS_OF, 7.0, 8) == 0  # day 7
    assert requirement_period(date(2025, 3, 10), AS_OF, 7.0, 8) == 1  # day 8
    assert requirement_period(date(2025, 4, 27), AS_OF, 7.0, 8) == 7  # day 56: the last
    assert requirement_period(date(2025, 4, 28), AS_OF, 7.0, 8) == 8  # day 57: outside


def test_requirements_left_to_the_next_review_s_order_say_so():
    """P-49552 read 'stock 105 ... fall 95 units short of them' of a requirement that the
    order the plan counts on at the next review arrives in time for."""
    wanted = requirements(("PB-17", "2025-04-08", 200, None), ("PB-40", "2025-05-20", 100, None))
    problem, _ = build_problem(**tables(lead_time=7), scenarios=zero_forecast(12), as_of=AS_OF,
                               period_days=7.0, requirements=wanted)  # fmt: skip
    lot = plan(problem).lots[0]
    assert lot.quantity == 0  # next week's order arrives in time, and holds nothing before
    assert lot.reason.endswith(
        " 200 units required by PB-17 on 2025-04-08 and 100 units required by PB-40 on "
        "2025-05-20: stock 0 and open orders 0 due by week 12 fall 300 units short of them; the "
        "plan counts on an order from S1 placed at the next review (arriving in week 3) for the "
        "rest."
    ), lot.reason


def test_a_lot_includes_the_requirements_its_units_reach_and_names_who_covers_the_rest():
    """A lot of 200 read 'It includes 200 units required by PB-17 ... and 100 units required
    by PB-40 ...': 300 units it does not hold."""
    inputs = tables() | {
        "suppliers": pd.DataFrame({"supplier_id": ["S1", "S2"], "lead_time": [70.0, 7.0],
                                   "fixed_cost": [20.0, 20.0]}),
        "supplier_items": pd.DataFrame({"supplier_id": ["S1", "S2"], "sku": ["P", "P"],
                                        "moq": [1, 1], "pack_size": [1, 1],
                                        "discount_type": ["all_units"] * 2}),
        "price_breaks": pd.DataFrame({"supplier_id": ["S1", "S2"], "sku": ["P", "P"],
                                      "min_qty": [1, 1], "unit_price": [1.0, 5.0]}),
    }  # fmt: skip
    wanted = requirements(("PB-17", "2025-04-08", 200, None), ("PB-40", "2025-05-20", 100, None))
    problem, _ = build_problem(**inputs, scenarios=zero_forecast(12), as_of=AS_OF,
                               period_days=7.0, requirements=wanted)  # fmt: skip
    lot = plan(problem).lots[0]
    assert (lot.supplier_id, lot.quantity) == ("S2", 200)  # PB-40 left to S1's cheaper lots
    assert lot.reason.endswith(
        " It includes 200 units required by PB-17 on 2025-04-08. 100 units required by PB-40 "
        "on 2025-05-20: beyond the lot, the plan counts on later orders from S1 (from week 12)."
    ), lot.reason
