import numpy as np
import pytest

from optimize.data import Offer, PriceBreak
from optimize.pricing import average_unit_price, purchase_cost, tier_min_qty

BREAKS = (PriceBreak(1, 10.0), PriceBreak(10, 8.0), PriceBreak(50, 6.0))


def offer(discount_type: str, breaks=BREAKS) -> Offer:
    return Offer("S1", 1, 1, discount_type, breaks, 0.0, 0, sku="P-1")


def test_all_units_price_applies_to_every_unit():
    cost = purchase_cost(offer("all_units"), np.array([0, 1, 9, 10, 49, 50, 60]))
    assert cost.tolist() == [0.0, 10.0, 90.0, 80.0, 392.0, 300.0, 360.0]


def test_incremental_price_applies_within_each_band():
    cost = purchase_cost(offer("incremental"), np.array([0, 9, 10, 12, 49, 50, 60]))
    # 9 units at 10; the 10th unit at 8; 49 = 9*10 + 40*8; 60 = 9*10 + 40*8 + 11*6
    assert cost.tolist() == [0.0, 90.0, 98.0, 114.0, 410.0, 416.0, 476.0]


def test_first_break_price_applies_below_the_first_break():
    late_start = (PriceBreak(5, 4.0), PriceBreak(20, 3.0))
    assert purchase_cost(offer("all_units", late_start), 3).item() == 12.0
    assert purchase_cost(offer("incremental", late_start), 22).item() == 19 * 4.0 + 3 * 3.0
    assert tier_min_qty(offer("all_units", late_start), 3).item() == 5


def test_tier_and_average_price():
    q = np.array([5, 10, 60])
    assert tier_min_qty(offer("all_units"), q).tolist() == [1, 10, 50]
    assert average_unit_price(offer("all_units"), q).tolist() == [10.0, 8.0, 6.0]
    assert average_unit_price(offer("incremental"), 60).item() == pytest.approx(476 / 60)
    assert average_unit_price(offer("incremental"), 0).item() == 10.0
