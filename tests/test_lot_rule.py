"""One rule for a lot a supplier takes, in two layers that may not import each other.

`optimize.Offer.lot_error` is the rule the optimizer builds its lots by; `warehouse.check_lot`
checks planners' decisions against the stored terms (warehouse/ imports no optimize, see
test_layers.py). They must refuse the same quantities with the same words.
"""

from __future__ import annotations

import itertools

import pytest

import warehouse
from optimize.data import Offer, PriceBreak


def _refusal(terms: dict, quantity: float) -> str | None:
    """check_lot's reason without its 'sku ..., supplier ...: ' prefix, or None."""
    try:
        warehouse.check_lot(terms, "A", "S1", quantity)
    except warehouse.DecisionError as error:
        return str(error).removeprefix("sku A, supplier S1: ")
    return None


@pytest.mark.parametrize(
    ("moq", "pack_size", "first"),
    list(itertools.product((1, 6, 30), (1, 4, 25), (1, 5, 60))),
)
def test_check_lot_and_offer_refuse_the_same_lots_for_the_same_reason(moq, pack_size, first):
    breaks = [(first, 5.0), (first + 100, 4.0)]
    terms = {"moq": float(moq), "pack_size": float(pack_size), "price_breaks": breaks}
    offer = Offer(
        "S1", moq, pack_size, "all_units", tuple(PriceBreak(m, p) for m, p in breaks), 0.0, 0
    )
    for quantity in [*range(-2, 250), 0.5, 7.5, 60.25]:
        assert _refusal(terms, float(quantity)) == offer.lot_error(quantity), quantity
