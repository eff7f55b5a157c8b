"""Projected stock per scenario for one lot and no later order."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings

from optimize.data import ItemProblem, Offer, PriceBreak
from optimize.evaluate import evaluate_lots
from optimize.projection import projected_stock
from tests.optimize.reference import items


def _item(reject_rate: float = 0.0, lead_time: int = 2) -> ItemProblem:
    offer = Offer("S1", 1, 1, "all_units", (PriceBreak(1, 5.0),), 0.0, lead_time,
                  reject_rate=reject_rate, sku="P-1")  # fmt: skip
    demand = np.array([[2, 2, 2, 2], [0, 5, 0, 0]])
    # 3 on hand, 2 more due in period 1
    return ItemProblem("P-1", demand, 3, ((1, 2),), (offer,), 0.25, 0.1, 0.0, 0.0, 9.0, 1.0)


def test_stock_walks_through_arrivals_and_lost_demand_by_hand():
    item = _item()
    # scenario 1: 3-2=1, 1+2-2=1, 1+6-2=5, 5-2=3; scenario 2: 3, 3+2-5=0, 0+6=6, 6
    assert projected_stock(item, "S1", 6).tolist() == [[1, 1, 5, 3], [3, 0, 6, 6]]
    # no order: scenario 1 runs out in period 2 (the unmet unit is lost, stock stays 0)
    assert projected_stock(item, None, 0).tolist() == [[1, 1, 0, 0], [3, 0, 0, 0]]


def test_rejected_units_and_lots_after_the_horizon_do_not_count():
    rejects = _item(reject_rate=0.25)  # 8 -> 6 usable; 6 -> 4.5: 4 or 5 units, half each
    assert projected_stock(rejects, "S1", 8)[0].tolist() == [1, 1, 5, 3]
    assert projected_stock(rejects, "S1", 6)[0].tolist() == [1, 1, 3.5, 1.5]
    late = _item(lead_time=4)  # arrives after the 4 planned periods
    np.testing.assert_array_equal(projected_stock(late, "S1", 6), projected_stock(late, None, 0))
    with pytest.raises(KeyError, match="P-1"):
        projected_stock(_item(), "S9", 6)


@settings(max_examples=60, deadline=None)
@given(items())
def test_mean_end_stock_is_the_optimizers_expected_leftover(item):
    # the optimizer's evaluation, for on-time lots and no later order, leaves the same stock
    offers = tuple(dataclasses.replace(o, on_time_rate=1.0) for o in item.offers)
    item = dataclasses.replace(item, offers=offers, review_period=None)
    for k, offer in enumerate(item.offers):
        for qty in (0, offer.smallest_lot, offer.smallest_lot + 3 * offer.pack_size):
            stock = projected_stock(item, offer.supplier_id if qty else None, qty)
            costs = evaluate_lots(item, np.array([k if qty else -1]), np.array([qty]))
            usable = qty * (1 - offer.reject_rate)
            after = usable if qty and offer.lead_time >= item.horizon else 0  # all left over
            assert stock[:, -1].mean() + after == pytest.approx(costs.expected_leftover[0])
            assert (stock >= 0).all()
