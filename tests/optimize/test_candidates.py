import math

import numpy as np

from optimize.candidates import cover_need, item_candidates, lot_cap, offer_lots
from optimize.data import ItemProblem, Limits, Offer, PriceBreak, Problem
from optimize.plan import plan

BREAKS = (PriceBreak(1, 5.0), PriceBreak(30, 4.0))


def make_item(scale: int, moq=3, pack=4, breaks=BREAKS):
    offer = Offer("S1", moq, pack, "all_units", breaks, 10.0, 1, sku="P-1")
    rng = np.random.default_rng(3)
    return ItemProblem(
        "P-1", rng.poisson(scale, (50, 6)), 5, (), (offer,), 0.2, 0.05, 0.0, 0.1, 9.0, 1.0
    )


def test_small_menu_is_every_feasible_lot_up_to_the_cap():
    item = make_item(2)
    lots = offer_lots(item, item.offers[0], max_candidates=64)
    cap = lot_cap(item, item.offers[0])
    assert lots.tolist() == list(range(4, cap + 1, 4))
    assert cap >= 32  # at least the largest break rounded up to a pack
    assert cap >= np.quantile(item.scenarios.sum(axis=1), 0.99) - item.on_hand


def test_large_menu_keeps_smallest_lot_breaks_and_a_grid():
    breaks = (PriceBreak(1, 5.0), PriceBreak(101, 4.0), PriceBreak(250, 3.5))
    item = make_item(200, moq=10, pack=6, breaks=breaks)
    lots = offer_lots(item, item.offers[0], max_candidates=20)
    assert len(lots) <= 20
    assert np.all(lots % 6 == 0) and np.all(lots >= 10)
    assert {12, 102, 252} <= set(lots.tolist())  # smallest lot, breaks rounded up to packs
    assert lots.max() == lot_cap(item, item.offers[0])
    assert np.all(np.diff(lots) > 0)


def test_candidate_zero_is_no_order():
    offer_idx, qty = item_candidates(make_item(2))
    assert offer_idx[0] == -1 and qty[0] == 0
    assert np.all(qty[1:] > 0)


def test_an_open_order_due_after_the_demand_does_not_shrink_the_menu():
    # Found by test_oracle's hypothesis search: 1 unit arrives now, 3 units only in period 2,
    # demand 3 in period 1. Netting all open orders against the total (3 - 4 < 0) capped the
    # menu at 1 unit; the best lot is 2 (2 bought at 1.0 instead of 2 lost at 2.0 each).
    offer = Offer("S0", 1, 1, "all_units", (PriceBreak(1, 1.0),), 0.0, 0, sku="P-0")
    item = ItemProblem("P-0", np.array([[0, 3, 0]]), 0, ((2, 3), (0, 1)), (offer,),
                       0.0, 0.02, 0.0, 1.0, 2.0, 0.0)  # fmt: skip
    assert cover_need(item) == 2 + 2 * 1.0  # shortfall 3 - 1 in period 1, plus 2 periods' mean
    assert 2 in item_candidates(item)[1]
    result = plan(Problem(items=(item,), limits=Limits()), gap=1e-9)
    assert result.frame()["quantity"].tolist() == [2] and result.objective == 2.0


def test_tier_lots_reach_each_supplier_tier_alone():
    from optimize.candidates import tier_lots
    from optimize.data import SupplierTier
    from optimize.pricing import purchase_cost

    breaks = (PriceBreak(1, 10.0), PriceBreak(100, 8.0))
    tiers = (SupplierTier("S1", 50, 0.02, "units"), SupplierTier("S1", 900.0, 0.05, "spend"),
             SupplierTier("S2", 10.0, 0.1, "spend"))  # fmt: skip
    all_units = Offer("S1", 4, 4, "all_units", breaks, 0.0, 0)
    # units: 52 (a pack multiple); spend 900: 92 at 10.00 or, past the break, 116 at 8.00;
    # and a quarter, half and three quarters of each, as pack multiples
    alone = [52, 92, 116]
    parts = [math.ceil(math.ceil(q * s) / 4) * 4 for q in alone for s in (0.25, 0.5, 0.75)]
    assert tier_lots(all_units, tiers).tolist() == sorted({*alone, *parts})
    incremental = Offer("S1", 1, 1, "incremental", breaks, 0.0, 0)
    lots = tier_lots(incremental, tiers)
    # the smallest lot whose purchase cost reaches 900: 90 units at 10.00 (below the break)
    assert {50, 90} <= set(lots.tolist()) and purchase_cost(incremental, 90) >= 900
    assert purchase_cost(incremental, 89) < 900
    assert tier_lots(Offer("S3", 1, 1, "all_units", breaks, 0.0, 0), tiers).size == 0


def test_tier_lots_of_incremental_prices_and_absurd_thresholds():
    from optimize.candidates import tier_lots
    from optimize.data import SupplierTier
    from optimize.pricing import purchase_cost

    # 99 units at 10.00, then 1.00: 5,000 is first reached at 4,109 units (the stepwise search
    # stopped at 2,755, which costs 3,646, and at 5,000)
    offer = Offer("S", 1, 1, "incremental", (PriceBreak(1, 10.0), PriceBreak(100, 1.0)), 0.0, 0)
    lots = tier_lots(offer, (SupplierTier("S", 5000.0, 0.1, "spend"),))
    assert lots.max() == 4109 and purchase_cost(offer, 4108) < 5000 <= purchase_cost(offer, 4109)
    # thresholds no single lot can sensibly reach are left out (1e20 units overflowed int64)
    huge = (SupplierTier("S", 1e20, 0.1, "units"), SupplierTier("S", 1e13, 0.1, "spend"))
    assert tier_lots(offer, huge).size == 0


def test_the_first_lot_reaching_a_spend_tier_is_exact_for_every_pack_and_moq():
    """168 spent is first reached at 81 units (pack 3); the search returned 84: its midpoint,
    rounded up to a feasible lot, met the upper end and stopped one pack too high."""
    from optimize.candidates import _first_spending
    from optimize.pricing import purchase_cost

    for moq, pack in [(4, 3), (1, 1), (5, 4), (12, 5), (2, 7)]:
        offer = Offer("S", moq, pack, "incremental", (PriceBreak(1, 2.29), PriceBreak(37, 2.0)),
                      5.0, 0)  # fmt: skip
        lots = np.arange(offer.smallest_lot, 400, pack)
        for threshold in (10.0, 82.44, 168.0, 200.0, 555.5):
            first = lots[purchase_cost(offer, lots) >= threshold - 1e-9].min()
            assert _first_spending(offer, threshold) == first, (moq, pack, threshold)
