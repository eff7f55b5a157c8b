"""Independent plain-Python re-simulation of a lot (loops per scenario, period and unit), and
hypothesis strategies for small items. Open orders of a supplier that may be late or reject
units arrive as `ItemProblem.scenario_arrivals` draws them (the costs are re-simulated). Written
from the rules in optimize/evaluate.py's docstring, without numpy vectorization or any optimize/
cost code."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from optimize.data import Delivery, ItemProblem, Offer, PriceBreak

CARRY_YEARS = 2.0


def unit_prices(offer: Offer, qty: int) -> list[float]:
    """Price paid for each of the qty units, unit by unit."""
    breaks = sorted(offer.price_breaks, key=lambda b: b.min_qty)

    def price_at(n: int) -> float:
        price = breaks[0].unit_price
        for b in breaks:
            if b.min_qty <= n:
                price = b.unit_price
        return price

    if offer.discount_type == "all_units":
        return [price_at(qty)] * qty
    return [price_at(k) for k in range(1, qty + 1)]


def reference_cost(item: ItemProblem, offer: Offer | None, qty: int) -> float:
    """Expected cost of ordering qty from offer (None/0: no order), loop by loop; a late
    delivery (probability 1 - on_time_rate) arrives one period late."""
    return reference(item, offer, qty)[0]


def reference(
    item: ItemProblem, offer: Offer | None, qty: int, discount: float = 0.0
) -> tuple[float, float, float, float]:
    """(expected cost, P(a unit lost before a later order can arrive), P(a unit lost from the
    earliest arrival of a lot ordered now until then), the share of the demand of those
    periods served: 1 − E[units lost] / E[demand], 1 without demand). `discount`: a
    supplier-wide discount on this lot's purchase cost (later orders pay full price). Later
    orders may come from any offer: the one giving the lowest expected cost (near ties: the
    earliest arrival, then the first offer)."""
    horizon = len(item.scenarios[0])
    options = []
    for k, later in enumerate(item.offers):
        rep_cost, rep_lead = replenisher(item, later)
        start = horizon if item.review_period is None else min(item.review_period + rep_lead,
                                                                  horizon)  # fmt: skip
        if not qty:
            result = _one_arrival(item, None, 0, None, rep_cost, start)
        else:
            # late deliveries one period late; usable units: the whole number below the
            # expected q × (1 − reject_rate), one more with its fractional part's probability
            expected = qty * (1 - offer.reject_rate)
            whole = math.floor(expected + 1e-9)
            share = max(expected - whole, 0.0) if expected - whole > 1e-9 else 0.0
            on_time = offer.on_time_rate
            result = [0.0] * 5
            for arrival, p_arrival in (
                (offer.lead_time, on_time),
                (offer.lead_time + 1, 1 - on_time),
            ):
                for units, p_units in ((whole, 1 - share), (whole + 1, share)):
                    if p_arrival * p_units > 0:
                        one = _one_arrival(item, offer, qty, arrival, rep_cost, start, discount,
                                           units)  # fmt: skip
                        result = [
                            r + p_arrival * p_units * v for r, v in zip(result, one, strict=True)
                        ]
        options.append((tuple(result), start, k))
    best = min(o[0][0] for o in options)
    near = [o for o in options if o[0][0] <= best + 1e-9 * (1 + abs(best))]
    cost, risk, decided, lost, demand = min(near, key=lambda o: (o[1], o[2]))[0]
    return cost, risk, decided, 1 - lost / demand if demand > 0 else 1.0


def replenisher(item: ItemProblem, offer: Offer) -> tuple[float, int]:
    """(cost per unit, lead time) of later orders of `offer`. Brute force over every feasible
    lot covering at most the horizon at the mean demand, and the smallest lot: the least
    (purchase + fixed cost) per period of cover plus the holding of the sawtooth, per unit
    of demand; without demand, the smallest lot's cost per usable unit. At most the stockout
    cost."""
    demand = sum(map(sum, item.scenarios)) / (len(item.scenarios) * len(item.scenarios[0]))
    rate = item.holding_cost_rate * item.period_years

    def usable(o: Offer, q: int) -> float:
        return q * (1 - o.reject_rate)

    def per_period(o: Offer, q: int) -> float:
        paid = sum(unit_prices(o, q))
        return (paid + o.fixed_cost) * demand / usable(o, q) + rate * paid / q * usable(o, q) / 2

    def per_unit(o: Offer) -> float:
        if demand <= 0:
            cost = sum(unit_prices(o, o.smallest_lot)) + o.fixed_cost
            return min(item.stockout_cost, cost / usable(o, o.smallest_lot))
        cap = len(item.scenarios[0]) * demand + 1e-9
        most = math.floor((cap + 1) / (1 - o.reject_rate))
        covered = [q for q in range(o.smallest_lot, most + 1, o.pack_size) if usable(o, q) <= cap]
        best = min(per_period(o, q) for q in [*covered, o.smallest_lot])
        return min(item.stockout_cost, best / demand)

    return per_unit(offer), offer.lead_time


def _one_arrival(
    item: ItemProblem,
    offer: Offer | None,
    qty: int,
    arrival: int | None,
    rep_cost: float,
    start: int,
    discount: float = 0.0,
    usable: int = 0,
):
    """One arrival period and one whole number of usable units of the lot."""
    ref = min(o.price_breaks[0].unit_price for o in item.offers)
    if qty:
        purchase = sum(unit_prices(offer, qty)) * (1 - discount)
        fixed, price = offer.fixed_cost, purchase / qty
    else:
        purchase, fixed, price, usable = 0.0, 0.0, ref, 0
    horizon = len(item.scenarios[0])
    per_period = item.holding_cost_rate * item.period_years
    first = min(min(o.lead_time for o in item.offers), horizon)
    total, lost_any, decided_any, lost_window, demand_window = 0.0, 0, 0, 0, 0
    # open orders whose supplier may be late or reject units: as they arrive in each scenario
    drawn = item.scenario_arrivals().tolist() if item.uncertain_orders() else None
    for s, path in enumerate(item.scenarios.tolist()):
        base, lot, penalty, holding = item.on_hand, 0, 0.0, 0.0
        lost = decided = False
        for t in range(horizon):
            if drawn is not None:
                base += drawn[s][t]
            for due, q in item.open_orders if drawn is None else ():
                if max(due, 0) == t:
                    base += q
            if arrival == t:
                lot += usable
            need = path[t]
            take = min(base, need)
            base, need = base - take, need - take
            take = min(lot, need)
            lot, need = lot - take, need - take
            penalty += need * (item.stockout_cost if t < start else rep_cost)
            lost |= need > 0 and t < start
            decided |= need > 0 and first <= t < start
            if first <= t < start:
                lost_window += need
                demand_window += path[t]
            holding += (base * ref + lot * price) * per_period
        if arrival is not None and arrival >= horizon:
            lot += usable
        # leftover units of the lot are worth what each usable unit cost on average, fixed cost
        # included
        value = (purchase + fixed) / (qty * (1 - offer.reject_rate)) if qty else price
        total += holding + penalty - _kept(item, _rate(item, path), base, lot, ref, value)
        lost_any += lost
        decided_any += decided
    n = len(item.scenarios)
    cost = purchase + fixed + total / n
    return cost, lost_any / n, decided_any / n, lost_window / n, demand_window / n


def _rate(item: ItemProblem, path: list[int]) -> float:
    """Demand per period after the horizon in this scenario: its total shrunk toward the mean
    total by the share of the variance of the counts of periods with demand above a constant
    rate's (binomial)."""
    paths = item.scenarios.tolist()
    horizon = len(path)
    totals = [sum(p) for p in paths]
    counts = [sum(1 for d in p if d > 0) for p in paths]
    m, n = sum(totals) / len(totals), sum(counts) / len(counts)
    v = sum((c - n) ** 2 for c in counts) / len(counts)
    v0 = n * (1 - n / horizon)
    w = 1 - v0 / v if v > v0 else 0.0
    return ((1 - w) * m + w * sum(path)) / horizon


def _kept(item: ItemProblem, mean: float, base: int, lot: int, ref: float, price: float):
    usable_within = math.floor(mean * CARRY_YEARS / item.period_years + 1e-9) if mean else 0
    value, k = 0.0, 0
    for units, unit_value in ((base, ref), (lot, price)):
        for _ in range(units):
            k += 1
            if k <= usable_within:
                used = (
                    unit_value - unit_value * item.holding_cost_rate * item.period_years * k / mean
                )
            else:
                used = item.salvage_value
            value += (1 - item.obsolescence) * used + item.obsolescence * item.salvage_value
    return value


@st.composite
def offers(draw, sku: str, supplier_id: str, horizon: int) -> Offer:
    n_breaks = draw(st.integers(1, 3))
    mins = sorted(draw(st.sets(st.integers(1, 15), min_size=n_breaks, max_size=n_breaks)))
    prices = sorted((draw(st.integers(10, 100)) / 10 for _ in range(n_breaks)), reverse=True)
    return Offer(
        supplier_id=supplier_id,
        moq=draw(st.integers(1, 6)),
        pack_size=draw(st.integers(1, 4)),
        discount_type=draw(st.sampled_from(["all_units", "incremental"])),
        price_breaks=tuple(PriceBreak(m, p) for m, p in zip(mins, prices, strict=True)),
        fixed_cost=float(draw(st.integers(0, 20))),
        lead_time=draw(st.integers(0, horizon + 1)),
        reject_rate=draw(st.sampled_from([0.0, 0.1, 0.25])),
        on_time_rate=draw(st.sampled_from([1.0, 0.8])),
        sku=sku,
    )


@st.composite
def items(draw, sku: str = "P-1") -> ItemProblem:
    horizon, n_scen = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**16))
    rate = draw(st.sampled_from([0.3, 1.0, 3.0]))
    scenarios = np.random.default_rng(seed).poisson(rate, (n_scen, horizon))
    n_offers = draw(st.integers(1, 2))
    orders = tuple(
        (draw(st.integers(-1, horizon + 1)), draw(st.integers(1, 5)))
        for _ in range(draw(st.integers(0, 2)))
    )
    deliveries = st.sampled_from(
        [None, Delivery("S0"), Delivery("S8", 0.5), Delivery("S9", 0.8, 0.25)]
    )
    return ItemProblem(
        sku=sku,
        scenarios=scenarios,
        on_hand=draw(st.integers(0, 8)),
        open_orders=orders,
        open_order_suppliers=tuple(draw(deliveries) for _ in orders),
        offers=tuple(draw(offers(sku, f"S{k}", horizon)) for k in range(n_offers)),
        holding_cost_rate=draw(st.sampled_from([0.0, 0.25, 1.0])),
        period_years=draw(st.sampled_from([7 / 365.25, 0.25, 0.5])),
        salvage_value=draw(st.sampled_from([0.0, 0.5])),
        obsolescence=draw(st.sampled_from([0.0, 0.2, 1.0])),
        stockout_cost=float(draw(st.integers(0, 20))),
        unit_volume=draw(st.sampled_from([0.0, 0.5, 2.0])),
        review_period=draw(st.sampled_from([None, 1, 2])),
    )
