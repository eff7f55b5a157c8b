"""EOQ with quantity discounts: published examples, brute force, and the plan's
`cost_per_period` objective agreeing with the textbook answer."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimize.data import ItemProblem, Limits, Offer, PriceBreak, Problem, SupplierTier
from optimize.eoq import (
    MAX_COVER_PERIODS,
    best_integer_lot,
    cost_per_period,
    economic_order_quantity,
    eoq_cost,
)
from optimize.plan import plan

EXAMPLES = json.loads((Path(__file__).parent / "data" / "eoq_examples.json").read_text())
BY_NAME = {e["name"]: e for e in EXAMPLES["examples"]}


def solve(example: dict):
    return economic_order_quantity(
        example["fixed_cost"],
        example["holding_cost_rate"],
        example["demand_rate"],
        [tuple(b) for b in example["price_breaks"]],
        example["discount_type"],
    )


def check_example(name: str) -> None:
    example = BY_NAME[name]
    result = solve(example)
    # books state the lot rounded to a unit
    assert result.order_quantity == pytest.approx(example["expected_order_quantity"], abs=0.5)
    assert result.tier == example["expected_tier"]
    if "expected_cost_per_period" in example:
        assert result.cost_per_period == pytest.approx(example["expected_cost_per_period"])


def test_snyder_shen_example_3_6_all_units():
    check_example("snyder_shen_example_3_6")


def test_snyder_shen_example_3_7_incremental():
    check_example("snyder_shen_example_3_7")


def test_stockpyl_all_units_docstring_example():
    check_example("stockpyl_all_units_docstring")


def test_stockpyl_incremental_docstring_example():
    check_example("stockpyl_incremental_docstring")


def test_evaluating_the_answer_gives_its_cost():
    for example in EXAMPLES["examples"]:
        result = solve(example)
        cost = eoq_cost(
            result.order_quantity,
            example["fixed_cost"],
            example["holding_cost_rate"],
            example["demand_rate"],
            [tuple(b) for b in example["price_breaks"]],
            example["discount_type"],
        )
        assert cost == pytest.approx(result.cost_per_period)


def test_inputs_are_checked_first():
    with pytest.raises(ValueError, match="holding_cost_rate must be positive"):
        economic_order_quantity(8, 0, 100, [(1, 1.0)])
    with pytest.raises(ValueError, match="discount_type"):
        economic_order_quantity(8, 0.2, 100, [(1, 1.0)], "some")


breaks_strategy = st.lists(
    st.tuples(st.integers(2, 400), st.floats(0.5, 0.99)), min_size=0, max_size=3
).map(lambda extra: _breaks(extra))


def _breaks(extra: list[tuple[int, float]]) -> tuple[PriceBreak, ...]:
    """First break at 1 unit, price 10; later breaks at distinct quantities, falling."""
    mins = sorted({m for m, _ in extra})
    result, price = [PriceBreak(1, 10.0)], 10.0
    for m, (_, factor) in zip(mins, sorted(extra, key=lambda e: e[0]), strict=False):
        price *= factor
        result.append(PriceBreak(m, round(price, 4)))
    return tuple(result)


@settings(max_examples=60, deadline=None)
@given(
    breaks=breaks_strategy,
    kind=st.sampled_from(["all_units", "incremental"]),
    fixed=st.floats(0.5, 300),
    rate=st.floats(0.5, 80),
    holding=st.floats(0.001, 0.2),
)
def test_textbook_answer_beats_a_fine_grid(breaks, kind, fixed, rate, holding):
    pairs = [(b.min_qty, b.unit_price) for b in breaks]
    result = economic_order_quantity(fixed, holding, rate, pairs, kind)
    grid = np.linspace(0.25, 3 * max(result.order_quantity, pairs[-1][0]) + 10, 4000)
    costs = [eoq_cost(q, fixed, holding, rate, pairs, kind) for q in grid]
    assert result.cost_per_period <= min(costs) + 1e-7 * abs(min(costs))


@settings(max_examples=60, deadline=None)
@given(
    breaks=breaks_strategy,
    kind=st.sampled_from(["all_units", "incremental"]),
    moq=st.integers(1, 60),
    pack=st.integers(1, 12),
    fixed=st.floats(0.5, 300),
    rate=st.floats(0.5, 80),
    holding=st.floats(0.001, 0.2),
)
def test_best_integer_lot_equals_enumeration(breaks, kind, moq, pack, fixed, rate, holding):
    offer = Offer("S", moq, pack, kind, breaks, fixed, 0)
    lot, cost = best_integer_lot(offer, rate, holding)
    answer = economic_order_quantity(
        fixed, holding, rate, [(b.min_qty, b.unit_price) for b in breaks], kind
    )
    top = offer.feasible_at_least(int(3 * max(answer.order_quantity, breaks[-1].min_qty)) + 10)
    # a lot covers at most MAX_COVER_PERIODS of demand (without holding the EOQ is unbounded):
    # the candidates stop at the pack multiple above that cover (found by hypothesis: holding
    # 0.001, rate 0.5, an incremental break at 236 whose minimizer lies past 1,000 periods)
    cover = math.floor(MAX_COVER_PERIODS * rate) // pack * pack + pack
    top = min(top, offer.feasible_at_least(cover))
    every = np.arange(offer.smallest_lot, top + 1, pack)
    costs = cost_per_period(offer, every, rate, holding)
    assert cost == pytest.approx(costs.min(), rel=1e-12)
    assert lot == every[int(np.argmin(costs))] or costs[every == lot][0] == pytest.approx(cost)
    # integer lots never beat the continuous optimum
    assert cost >= answer.cost_per_period - 1e-9 * answer.cost_per_period


def eoq_item(example: dict, periods_per_year: int = 12, horizon: int = 6) -> ItemProblem:
    """The example as a deterministic item: demand_rate / periods_per_year each period, stock
    0, lead time 0, yearly holding_cost_rate; demand that is not served costs 10× the price."""
    per_period = example["demand_rate"] / periods_per_year
    breaks = tuple(PriceBreak(int(m), float(p)) for m, p in example["price_breaks"])
    offer = Offer("S", 1, 1, example["discount_type"], breaks, example["fixed_cost"], 0)
    scenarios = np.full((3, horizon), per_period)
    assert np.all(scenarios == np.round(scenarios)), "a whole number of units per period"
    return ItemProblem(
        "EOQ",
        scenarios,
        0,
        (),
        (offer,),
        example["holding_cost_rate"],
        1 / periods_per_year,
        0.0,
        0.0,
        10 * breaks[0].unit_price,
        0.0,
    )


@pytest.mark.parametrize(
    "name",
    [
        "snyder_shen_example_3_6",
        "snyder_shen_example_3_7",
        "stockpyl_all_units_docstring",
        "stockpyl_incremental_docstring",
    ],
)
def test_plan_per_period_chooses_the_textbook_lot(name):
    example = BY_NAME[name]
    periods = 12 if example["demand_rate"] % 12 == 0 else 1
    item = eoq_item(example, periods_per_year=periods)
    result = plan(Problem((item,), objective="cost_per_period"))
    chosen = result.lots[0]
    answer = solve(example)
    assert result.optimal
    # the integer lot next to the continuous answer (the cost is convex in its tier)
    assert chosen.quantity in (math.floor(answer.order_quantity), math.ceil(answer.order_quantity))
    assert chosen.explanation["objective"] == "cost_per_period"
    yearly = chosen.explanation["cost_per_period"] * periods
    assert yearly == pytest.approx(answer.cost_per_period, rel=1e-6)


def test_per_period_objective_takes_a_supplier_wide_discount_per_period():
    # 10 a period at 1.00 with 50 per order: the EOQ is 316. 10% off from 3,000 spent does
    # not pay (3,000 units cost 22.67 a period); the discount had been taken off the cost per
    # period at its size over the horizon, so the plan bought 3,000 at an objective of -289
    offer = Offer("S", 1, 1, "all_units", (PriceBreak(1, 1.0),), 50.0, 0)
    item = ItemProblem(
        "A", np.full((1, 12), 10), 0, (), (offer,), holding_cost_rate=0.12,
        period_years=1 / 12, salvage_value=0.0, obsolescence=0.0, stockout_cost=5.0,
        unit_volume=0.0,
    )  # fmt: skip
    tier = Limits(supplier_tiers=(SupplierTier("S", 3000.0, 0.1, "spend"),))
    plain = plan(Problem((item,), objective="cost_per_period"), gap=1e-9)
    tiered = plan(Problem((item,), tier, objective="cost_per_period"), gap=1e-9)
    assert plain.lots[0].quantity == tiered.lots[0].quantity == 316
    assert tiered.objective == pytest.approx(plain.objective) == pytest.approx(13.1623, abs=1e-4)
    # a discount that pays is still taken, per period: brute force over every lot
    deep = Limits(supplier_tiers=(SupplierTier("S", 400.0, 0.4, "spend"),))
    cheap = plan(Problem((item,), deep, objective="cost_per_period"), gap=1e-9)
    q = np.arange(1, 5000)
    fixed = 50.0 * 10 / q
    costs = np.where(q >= 400, 0.6 * (cost_per_period(offer, q, 10.0, 0.01) - fixed), 0.0)
    costs += np.where(q >= 400, fixed, cost_per_period(offer, q, 10.0, 0.01))
    assert cheap.lots[0].quantity == q[costs.argmin()] >= 400
    assert cheap.objective == pytest.approx(costs.min(), rel=1e-9)


def test_default_objective_is_unchanged_by_the_per_period_mode():
    example = BY_NAME["stockpyl_incremental_docstring"]  # 2,400 a year: 200 a month
    item = eoq_item(example)
    horizon_plan = plan(Problem((item,)))
    # over a short horizon without later orders the horizon objective buys about what
    # the horizon needs, not the EOQ
    assert abs(horizon_plan.lots[0].quantity - example["expected_order_quantity"]) > 100
    assert "objective" not in horizon_plan.lots[0].explanation


@settings(max_examples=40, deadline=None)
@given(
    breaks=breaks_strategy,
    kind=st.sampled_from(["all_units", "incremental"]),
    moq=st.integers(1, 40),
    pack=st.integers(1, 10),
    fixed=st.floats(1, 300),
    demand=st.integers(1, 60),
    yearly_holding=st.floats(0.05, 0.6),
)
def test_plan_per_period_equals_eoq_on_random_deterministic_items(
    breaks, kind, moq, pack, fixed, demand, yearly_holding
):
    offer = Offer("S", moq, pack, kind, breaks, fixed, 0, sku="R")
    item = ItemProblem(
        "R", np.full((2, 4), demand), 0, (), (offer,), yearly_holding, 1 / 52, 0.0, 0.0, 1e4, 0.0
    )
    result = plan(Problem((item,), objective="cost_per_period"))
    lot, cost = best_integer_lot(offer, float(demand), yearly_holding / 52)
    chosen = result.lots[0]
    assert chosen.quantity % pack == 0 and chosen.quantity >= moq
    assert chosen.explanation["cost_per_period"] == pytest.approx(cost, rel=1e-9)
    assert chosen.quantity == lot or cost_per_period(
        offer, np.array([chosen.quantity]), float(demand), yearly_holding / 52
    )[0] == pytest.approx(cost, rel=1e-12)


def test_replenishment_cost_is_the_best_lots_cost_per_unit_under_a_cover_cap():
    from optimize.eoq import replenishment_cost

    breaks = (PriceBreak(1, 10.0), PriceBreak(200, 9.5), PriceBreak(1000, 9.0))
    offer = Offer("S", 5, 5, "all_units", breaks, 25.0, 1, reject_rate=0.02)
    rate = 0.25 * 7 / 365.25  # holding per week, share of the price
    # no binding cap: the textbook answer restricted to feasible lots (best_integer_lot)
    lot, per_unit = replenishment_cost(offer, 31.0, rate, max_cover=1e6)
    assert (lot, per_unit) == pytest.approx(
        (best_integer_lot(offer, 31.0, rate)[0], best_integer_lot(offer, 31.0, rate)[1] / 31.0)
    )
    # brute force over every feasible lot that covers at most 13 weeks (403 units usable)
    lots = np.arange(5, 412, 5)
    lots = lots[offer.usable(lots) <= 13 * 31]
    costs = cost_per_period(offer, lots, 31.0, rate) / 31.0
    capped = replenishment_cost(offer, 31.0, rate, max_cover=13)
    assert capped == (int(lots[np.argmin(costs)]), pytest.approx(costs.min()))
    assert capped[1] > 9.0  # the 1,000-unit tier is beyond a 13-week cover
    # a cap below the smallest lot leaves the smallest lot
    assert replenishment_cost(offer, 0.1, rate, max_cover=2)[0] == 5


@pytest.mark.parametrize(
    ("moq", "pack", "reject", "fixed", "price", "rate", "cover"),
    [(1, 1, 0.02, 50.0, 10.0, 20.0, 13), (5, 5, 0.05, 0.0, 18.81, 50.0, 4),
     (3, 2, 0.3, 12.0, 7.5, 0.4, 26), (1, 1, 0.6, 20.0, 10.0, 0.3, 13)],
)  # fmt: skip
def test_replenishment_cost_with_rejects_is_the_brute_force_best(
    moq, pack, reject, fixed, price, rate, cover
):
    """Usable units are q × (1 − reject_rate) on average, so the EOQ grossed up by 1 / (1 −
    reject_rate) is exact (rounded down, a 1-unit lot with 2% rejects yielded none, and the
    grossed-up optimum missed the best lot: lot 210 at 20.03 per unit where lot 20 cost
    19.82)."""
    from optimize.eoq import replenishment_cost

    offer = Offer("S", moq, pack, "all_units", (PriceBreak(1, price),), fixed, 1,
                  reject_rate=reject)  # fmt: skip
    holding = 0.25 * 7 / 365.25
    lots = np.arange(offer.smallest_lot, 5_000, pack)
    usable = offer.usable(lots)
    fits = (usable > 0) & ((usable <= cover * rate) | (lots == lots[usable > 0][0]))
    costs = cost_per_period(offer, lots[fits], rate, holding) / rate
    lot, per_unit = replenishment_cost(offer, rate, holding, cover)
    assert per_unit == pytest.approx(costs.min()) and math.isfinite(per_unit)
    assert lot == lots[fits][np.argmin(costs)]
