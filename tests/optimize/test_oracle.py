import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimize.data import Limits, Problem
from optimize.plan import plan
from tests.optimize.oracle import full_scenario_milp
from tests.optimize.reference import items


@st.composite
def linear_problems(draw) -> Problem:
    """Small problems inside the oracle's assumptions (see oracle.py)."""
    chosen = []
    for k in range(draw(st.integers(1, 2))):
        item = draw(items(sku=f"P-{k}"))
        offers = tuple(
            dataclasses.replace(o, discount_type="all_units", reject_rate=0.0, on_time_rate=1.0)
            for o in item.offers
        )
        chosen.append(
            dataclasses.replace(
                item,
                offers=offers,
                holding_cost_rate=0.0,
                obsolescence=1.0,
                review_period=None,
                stockout_cost=max(item.stockout_cost, item.salvage_value),
            )
        )
    limits = Limits(
        budget=draw(st.none() | st.sampled_from([0.0, 25.0, 80.0])),
        capacity=draw(st.none() | st.sampled_from([5.0, 30.0])),
        max_orders=draw(st.none() | st.integers(0, 1)),
    )
    return Problem(tuple(chosen), limits)


@settings(max_examples=25, deadline=None)
@given(linear_problems())
def test_menu_plan_equals_the_full_scenario_milp(problem):
    result = plan(problem, gap=1e-9, max_candidates=1000)
    assert result.optimal
    # HiGHS accepts integers within 1e-6 (mip_feasibility_tolerance): times cost coefficients
    # of a few units the oracle can land a few 1e-6 below the true optimum (found by
    # hypothesis: 1.3333323 against 1.3333333)
    assert result.objective == pytest.approx(full_scenario_milp(problem), rel=1e-7, abs=1e-5)
