import dataclasses

import numpy as np
import pytest

from optimize.data import ItemProblem, Limits, Offer, PriceBreak, Problem, SupplierTier

BREAKS = (PriceBreak(1, 5.0),)


def make_offer(**changes) -> Offer:
    fields = dict(
        supplier_id="S2",
        moq=1,
        pack_size=1,
        discount_type="all_units",
        price_breaks=BREAKS,
        fixed_cost=0.0,
        lead_time=0,
        sku="P-1",
    )
    return Offer(**(fields | changes))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"moq": 0}, r"moq must be positive \(sku P-1, supplier S2\)"),
        ({"pack_size": -2}, "pack_size must be positive"),
        ({"discount_type": "volume"}, "discount_type must be one of"),
        ({"price_breaks": ()}, "price_breaks must not be empty"),
        ({"price_breaks": (PriceBreak(1, 5.0), PriceBreak(10, 6.0))}, "must not rise"),
        ({"price_breaks": (PriceBreak(1, 5.0), PriceBreak(1, 4.0))}, "repeats"),
        ({"reject_rate": 1.0}, "reject_rate"),
        ({"lead_time": -1}, "lead_time must not be negative"),
        ({"moq": 2.5}, r"moq must be a whole number, got 2.5 \(sku P-1, supplier S2\)"),
        ({"pack_size": float("nan")}, "pack_size must be a whole number, got nan"),
        ({"fixed_cost": float("inf")}, "fixed_cost must be a finite number, got inf"),
        ({"price_breaks": (PriceBreak(1, float("inf")),)}, "price break unit_price must be a fin"),
        ({"price_breaks": (PriceBreak(1.5, 5.0),)}, "price break min_qty must be a whole number"),
    ],
)
def test_offer_rejects_bad_terms_with_a_clear_message(changes, message):
    with pytest.raises(ValueError, match=message):
        make_offer(**changes)


def test_offer_sorts_price_breaks_and_rounds_lots_to_packs():
    o = make_offer(moq=7, pack_size=5, price_breaks=(PriceBreak(20, 4.0), PriceBreak(1, 5.0)))
    assert [b.min_qty for b in o.price_breaks] == [1, 20]
    assert o.smallest_lot == 10
    assert o.feasible_at_least(21) == 25
    assert o.feasible_at_least(3) == 10


def test_no_lot_is_below_the_first_price_break():
    """A supplier that quotes 500.00 from 5 units quotes no price for 1: with moq 1 a lot of 1
    was priced at 500.00 and reported as reaching the tier of 5."""
    o = make_offer(moq=1, price_breaks=(PriceBreak(5, 500.0),))
    assert (o.min_lot, o.smallest_lot) == (5, 5)
    assert make_offer(moq=1, pack_size=4, price_breaks=(PriceBreak(5, 500.0),)).smallest_lot == 8
    assert make_offer(moq=7, price_breaks=(PriceBreak(5, 500.0),)).min_lot == 7


@pytest.mark.parametrize(
    ("moq", "pack_size", "first"), [(1, 1, 1), (7, 5, 1), (1, 4, 5), (30, 25, 60)]
)
def test_lot_error_refuses_exactly_the_lots_the_offer_does_not_build(moq, pack_size, first):
    """One rule: the lots `feasible_at_least` builds are the quantities lot_error accepts."""
    o = make_offer(moq=moq, pack_size=pack_size, price_breaks=(PriceBreak(first, 5.0),))
    for q in range(-1, 200):
        assert (o.lot_error(q) is None) == (q > 0 and o.feasible_at_least(q) == q), q
    assert o.lot_error(o.smallest_lot) is None
    assert o.lot_error(o.smallest_lot + 0.5) == (
        f"quantity {o.smallest_lot + 0.5:g} must be a positive whole number"
    )


def test_item_places_open_orders_in_periods():
    item = ItemProblem(
        "P-1",
        np.ones((2, 3), int),
        0,
        ((-2, 4), (1, 3), (3, 9)),
        (make_offer(),),
        0.2,
        0.1,
        0.0,
        0.1,
        1.0,
        1.0,
    )
    assert item.base_arrivals.tolist() == [4, 3, 0]  # overdue -> 0, beyond horizon ignored
    assert item.horizon == 3


def test_item_and_problem_validation():
    with pytest.raises(ValueError, match=r"scenarios must not be negative \(sku P-1\)"):
        ItemProblem("P-1", -np.ones((2, 3), int), 0, (), (make_offer(),), 0, 0.1, 0, 0, 1, 1)
    with pytest.raises(ValueError, match="obsolescence"):
        ItemProblem("P-1", np.ones((2, 3), int), 0, (), (make_offer(),), 0, 0.1, 0, 2, 1, 1)
    with pytest.raises(ValueError, match="budget must not be negative"):
        Limits(budget=-1)
    item = ItemProblem("P-1", np.ones((1, 1), int), 0, (), (make_offer(),), 0, 0.1, 0, 0, 1, 1)
    with pytest.raises(ValueError, match="sku repeats"):
        Problem((item, item))


def test_usable_units_of_a_lot_are_the_rejects_expectation_split_into_two_whole_numbers():
    offer = Offer("S1", 1, 1, "all_units", (PriceBreak(1, 1.0),), 0.0, 0, reject_rate=0.1)
    assert offer.usable(10) == pytest.approx(9.0) and offer.usable(9) == pytest.approx(8.1)
    whole, share = offer.usable_split(np.array([0, 10, 9, 15]))
    assert whole.tolist() == [0, 9, 8, 13] and share == pytest.approx([0, 0, 0.1, 0.5])
    # rounded down, 1% rejects took a whole unit off every lot below 100 (a lot of 1 gave
    # none); rounded to the nearest unit, 50% rejects made a lot of 1 a sure unit
    whole, share = dataclasses.replace(offer, reject_rate=0.01).usable_split(np.array([1, 100]))
    assert whole.tolist() == [0, 99] and share == pytest.approx([0.99, 0.0])
    whole, share = dataclasses.replace(offer, reject_rate=0.5).usable_split(np.array([1, 3]))
    assert whole.tolist() == [0, 1] and share == pytest.approx([0.5, 0.5])


def test_whole_floats_are_stored_as_integers():
    offer = make_offer(moq=np.float64(10.0), pack_size=5.0, lead_time=np.int64(2))
    assert (offer.moq, offer.pack_size, offer.lead_time) == (10, 5, 2)
    assert all(type(v) is int for v in (offer.moq, offer.pack_size, offer.lead_time))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"on_hand": 7.9}, r"on_hand must be a whole number, got 7.9 \(sku P-1\)"),
        ({"unit_volume": float("inf")}, r"unit_volume must be a finite number, got inf \(sku P-1"),
        ({"stockout_cost": float("inf")}, "stockout_cost must be a finite number"),
        ({"salvage_value": float("nan")}, "salvage_value must be a finite number"),
        ({"open_orders": ((1, 2.5),)}, r"open order \(due 1, quantity 2.5\) must be whole"),
        (
            {"salvage_value": 9.5},
            r"salvage_value 9.5 is above the lowest unit price 5 \(S2, min_qty 1\): a "
            r"leftover unit would be worth more than it costs \(sku P-1\)",
        ),
    ],
)
def test_item_rejects_non_finite_and_fractional_inputs_naming_the_sku(changes, message):
    fields = dict(
        sku="P-1", scenarios=np.ones((2, 3), int), on_hand=0, open_orders=(),
        offers=(make_offer(),), holding_cost_rate=0.2, period_years=0.1, salvage_value=0.0,
        obsolescence=0.1, stockout_cost=1.0, unit_volume=1.0,
    )  # fmt: skip
    with pytest.raises(ValueError, match=message):
        ItemProblem(**(fields | changes))


def test_limits_must_be_finite_and_max_orders_whole():
    with pytest.raises(ValueError, match="capacity must be a finite number, got inf"):
        Limits(capacity=float("inf"))
    with pytest.raises(ValueError, match="budget must be a finite number, got nan"):
        Limits(budget=float("nan"))
    with pytest.raises(ValueError, match=r"max_orders must be a whole number, got 1\.5"):
        Limits(max_orders=1.5)


def test_problem_refuses_salvage_above_the_price_after_a_supplier_wide_discount():
    # 2.00 a unit less 20% from 10 units is 1.60: every leftover unit (worth 2.00) would be
    # a gain, and the plan bought as far as its menu reached and called it optimal
    offer = Offer("S", 1, 1, "all_units", (PriceBreak(1, 2.0),), 0.0, 0)
    item = ItemProblem(
        "A", np.array([[2, 2]]), 0, (), (offer,), holding_cost_rate=0.0, period_years=1 / 12,
        salvage_value=2.0, obsolescence=1.0, stockout_cost=10.0, unit_volume=0.0,
    )  # fmt: skip
    Problem((item,))  # without the tier: salvage equal to the price is allowed
    # equal after the discount is allowed too: 1.30 less 30% is 0.9099999... in floats
    cheap = dataclasses.replace(item, offers=(dataclasses.replace(offer, price_breaks=(
        PriceBreak(1, 1.3),)),), salvage_value=0.91)  # fmt: skip
    Problem((cheap,), Limits(supplier_tiers=(SupplierTier("S", 10.0, 0.3, "units"),)))
    tier = SupplierTier("S", 10.0, 0.2, "units")
    with pytest.raises(ValueError) as raised:
        Problem((item,), Limits(supplier_tiers=(SupplierTier("T", 5.0, 0.5), tier)))
    assert str(raised.value) == (
        "salvage_value 2 is above the lowest unit price 1.6 (S, min_qty 1, less its "
        "supplier-wide discount of 20% from 10 units): a leftover unit would be worth more "
        "than it costs (sku A)"
    )


def test_an_item_keeps_int64_scenarios_without_a_copy():
    """build_problem's scenarios are int64 already: each item copied its own (199 MB more at
    10,000 items); other integer arrays are still converted."""
    paths = np.ones((50, 13), np.int64)
    item = ItemProblem(sku="P-1", scenarios=paths, on_hand=0, open_orders=(),
                       offers=(make_offer(),), holding_cost_rate=0.2, period_years=1 / 52,
                       salvage_value=0.0, obsolescence=0.0, stockout_cost=10.0,
                       unit_volume=0.0)  # fmt: skip
    assert np.shares_memory(item.scenarios, paths)
    floats = dataclasses.replace(item, scenarios=paths.astype(float))
    assert floats.scenarios.dtype == np.int64
