"""The night before's lot is kept while it is nearly as good (`plan(previous=...)`): its
expected cost may exceed the best lot's by KEEP_LOT_MARGIN of |that cost|. On the demo 34 of
101 lots changed between two nights of one week with the same files, by a median 0.61 of
expected cost (bench/nervousness.py)."""

import dataclasses

import numpy as np
import pytest

from optimize.data import ItemProblem, Limits, Offer, Problem
from optimize.evaluate import evaluate_item, evaluate_plan
from optimize.plan import KEEP_LOT_MARGIN, plan
from tests.optimize.test_plan import BREAKS


def item(sku: str, on_hand: int, rate: float = 20.0) -> ItemProblem:
    """An item bought by the unit (moq and pack size 1): neighbouring lots cost nearly the
    same (at 20 a week and none on hand, 204 costs 0.17% more than the best lot, 200)."""
    offer = Offer("S-03", 1, 1, "all_units", BREAKS, 15.0, 1, sku=sku)
    demand = np.random.default_rng(3).poisson(rate, (200, 6))
    return ItemProblem(sku, demand, on_hand, (), (offer,), 0.25, 7 / 365.25, 0.5, 0.1, 25.0, 2.0)


def _near_tie(unit, margin: float = KEEP_LOT_MARGIN) -> tuple[tuple[str, int], float]:
    """A lot of `unit` other than its best whose expected cost is within `margin` of the
    best's |cost|, and its relative difference."""
    menu = evaluate_item(unit)
    best = float(menu.expected_cost.min())
    gap = (menu.expected_cost - best) / abs(best)
    near = np.flatnonzero((gap > 1e-9) & (gap < margin) & (menu.quantity > 0))
    assert near.size, "no near tie on this menu"
    k = int(near[np.argmax(gap[near])])
    return (str(menu.supplier_id[k]), int(menu.quantity[k])), float(gap[k])


def test_a_near_tie_keeps_the_night_befores_lot_and_says_so():
    """Tonight's best lot differs from last night's by less than the margin: before, the plan
    moved to it (a planner saw the lot jump for 0.1% of expected cost)."""
    unit = item("P-1", 0)
    before, gap = _near_tie(unit)
    fresh = plan(Problem((unit,))).lots[0]
    assert (fresh.supplier_id, fresh.quantity) != before
    result = plan(Problem((unit,)), previous={"P-1": before})
    lot = result.lots[0]
    assert (lot.supplier_id, lot.quantity) == before
    # its own cost, not the credited one; the objective too
    assert lot.expected_cost == pytest.approx(evaluate_plan(unit, *before).expected_cost)
    assert result.objective == pytest.approx(lot.expected_cost)
    kept = lot.explanation["kept"]
    assert (kept["supplier_id"], kept["quantity"]) == (fresh.supplier_id, fresh.quantity)
    assert kept["expected_cost_difference"] == pytest.approx(
        lot.expected_cost - fresh.expected_cost
    )
    assert "Kept from the night before: " in lot.reason
    assert f"{fresh.quantity} from S-03 would cost" in lot.reason
    # a margin below the difference: tonight's best
    tight = plan(Problem((unit,)), previous={"P-1": before}, keep_margin=gap / 2).lots[0]
    assert (tight.supplier_id, tight.quantity) == (fresh.supplier_id, fresh.quantity)
    assert "kept" not in tight.explanation


def test_a_material_change_still_moves_the_lot():
    """Stock that covers the horizon: last night's lot (planned with none on hand) is dropped,
    and a lot gone up in demand is not kept either."""
    empty = plan(Problem((item("P-1", 0),))).lots[0]
    assert empty.quantity > 0
    previous = {"P-1": (empty.supplier_id, empty.quantity)}
    full = plan(Problem((item("P-1", 500),)), previous=previous).lots[0]
    assert full.quantity == 0 and "kept" not in full.explanation
    busy = plan(Problem((item("P-1", 0, rate=40.0),)), previous=previous).lots[0]
    assert busy.quantity > empty.quantity and "kept" not in busy.explanation


def test_no_order_is_kept_on_a_near_tie_and_a_lot_no_longer_feasible_is_not():
    unit = item("P-1", 0)
    menu = evaluate_item(unit)
    best = float(menu.expected_cost.min())
    none = float(menu.expected_cost[menu.quantity == 0][0])
    margin = 1.01 * (none - best) / abs(best)
    lot = plan(Problem((unit,)), previous={"P-1": (None, 0)}, keep_margin=margin).lots[0]
    assert lot.quantity == 0
    assert lot.reason.startswith("No order, kept from the night before: ordering ")
    # below the moq, or of a supplier without an offer: planned as without
    moq = item("P-1", 0)
    moq = dataclasses.replace(moq, offers=(dataclasses.replace(moq.offers[0], moq=50),))
    for one, previous in ((moq, ("S-03", 10)), (unit, ("S-99", 40))):
        fresh = plan(Problem((one,))).lots[0]
        lot = plan(Problem((one,)), previous={"P-1": previous}, keep_margin=1.0).lots[0]
        assert (lot.supplier_id, lot.quantity) == (fresh.supplier_id, fresh.quantity)


def test_a_kept_lot_stays_within_the_shared_limits():
    """The keep rule is a credit in the objective: a budget still holds (with a margin of
    100% either bigger lot would be kept alone; the budget takes one of them)."""
    units = (item("P-1", 0), item("P-2", 0))
    free = plan(Problem(units)).lots
    bigger = {lot.sku: (lot.supplier_id, lot.quantity + 200) for lot in free}
    extra = [evaluate_plan(u, *bigger[u.sku]).purchase_cost - f.order_value
             for u, f in zip(units, free, strict=True)]  # fmt: skip
    budget = sum(lot.order_value for lot in free) + 0.75 * sum(extra)  # one bigger lot fits
    result = plan(Problem(units, Limits(budget=budget)), previous=bigger, keep_margin=1.0)
    assert sum(lot.order_value for lot in result.lots) <= budget + 1e-6
    kept = [(lot.supplier_id, lot.quantity) == bigger[lot.sku] for lot in result.lots]
    assert kept.count(True) == 1


def test_the_same_inputs_give_the_same_plan():
    unit = item("P-1", 0)
    before, _ = _near_tie(unit)
    runs = [plan(Problem((unit,)), previous={"P-1": before}).frame() for _ in range(2)]
    assert runs[0].equals(runs[1])


def test_a_negative_margin_is_refused():
    with pytest.raises(ValueError, match="keep_margin must be a number >= 0"):
        plan(Problem((item("P-1", 0),)), keep_margin=-0.1)


@pytest.mark.parametrize(("margin", "text"), [(KEEP_LOT_MARGIN, "0.2%"), (0.0025, "0.25%")])
def test_the_reason_names_the_margin_the_lot_was_kept_with(margin: float, text: str):
    """A run's keep_margin of 0.25% read "within 0.2%" (one decimal), as if the default."""
    unit = item("P-1", 0)
    before, _ = _near_tie(unit)
    lot = plan(Problem((unit,)), previous={"P-1": before}, keep_margin=margin).lots[0]
    assert lot.explanation["kept"]["margin"] == margin
    assert lot.reason.endswith(f", within {text} of the item's expected cost.")
