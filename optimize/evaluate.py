"""Exact expected cost of candidate lots over an item's demand scenarios.

Rules (one item, one lot ordered now, H planned periods):
- Of a lot of q units `q * (1 - reject_rate)` are usable on average: u = floor of that with
  probability 1 − f and u + 1 with probability f (f its fractional part; both evaluated and
  mixed exactly). They arrive at the start of period `lead_time` with probability
  `on_time_rate`, else LATE_PERIODS (1) period later (late deliveries as lead-time scenarios;
  the expectation mixes both exactly). A lot arriving at or after the horizon end is all
  left over.
- Open orders arrive at the start of their due period (overdue: period 0; due at or after the
  horizon: ignored). Arrivals are usable in the period they arrive. An open order of a known
  supplier follows the lot's rule: late by LATE_PERIODS with probability 1 − on_time_rate
  (an overdue order is not made later still: it arrives in period 0) and usable units split
  as a lot's; these are drawn per demand scenario (`ItemProblem.scenario_arrivals`: exact
  shares of the scenarios, seeded by the sku), so every expectation below is exact given the
  scenarios' arrivals.
- Other stock (on hand, open orders) is issued first, units of the lot last.
- Later orders (`review_period` R, None = no later order inside the horizon): the next chance
  to order is R periods from now; its lot arrives `lead_time` later, at T = R + lead_time of
  the offer later orders use. Demand not met from stock before T is lost and costs
  `stockout_cost` per unit; demand not met from period T on is bought then at the
  replenishment cost per unit (`replenish_unit_cost`: later orders are the offer's lots with
  the least cost per period of cover at the item's mean demand, at most a horizon's worth:
  price, fixed cost per unit and the holding of their sawtooth, each paying its share of its
  supplier's order_cost, `optimize.sharing`; at most `stockout_cost`). So a
  small lot is charged for what later orders cost, not for stockouts it could not cause, and a
  large lot pays off only through its price. Later orders may use any offer of the item,
  whichever supplier the lot ordered now comes from: each candidate is priced with the offer
  whose stockouts and replenishment cost it least (near ties: the earliest arrival). When
  later orders came from the lot's own supplier and no order from the cheapest one, a token
  lot of a fast supplier "bought" its short lead time for the later orders, every night.
- Holding: end-of-period stock in every period at unit value × holding_cost_rate ×
  period_years. Units of the lot are held at the lot's average unit price; other stock at the
  item's reference price (the cheapest first-tier price of its offers).
- Stock left at the horizon end: with probability 1 - obsolescence it is used at the scenario's
  rate after the horizon (`after_horizon_rate`; the k-th leftover unit after k / rate periods)
  and is worth its unit value less the holding cost until used; units not used within
  MAX_CARRY_YEARS (2) return `salvage_value`. With probability `obsolescence` all of it returns
  `salvage_value`. The unit value of the lot's units is what each usable unit cost on average
  ((purchase + fixed cost) / expected usable units): a later order is charged its fixed cost per
  unit served inside the horizon (replenish_unit_cost), so a lot ordered now must not carry the
  share of its units used after it (with stock 0 a lead time and a large fixed cost made every
  night defer the order); other stock is worth the reference price.
- Expected cost = purchase + fixed_cost (q > 0) + holding + stockout cost + replenishment cost
  − value retained by leftover stock, averaged over scenarios.

Method (exact, no per-candidate simulation; batched over items of one shape): with lost sales
the end stock is the walk W_t = stock + arrivals − cumulative demand reflected at 0. For u
usable units arriving at L, with a = units short before L and D_t = (−min_{L<=k<=t} W_k − a)^+,
the lot's end stock in period t >= L is (u − D_t)^+ and the units short up to t are a + (D_t −
u)^+. Every expectation is a sum of such hinge terms over scenarios, computed for all candidate
u at once by sorting the D values once and taking prefix sums (O(S·H log + C log S) per item and
arrival). Items that share an arrival period are processed together in one array, for every
later-order offer's first replenished period at once (`starts`, one column per offer)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from optimize.candidates import cover_needs, item_candidates
from optimize.data import LATE_PERIODS, ItemProblem, Offer
from optimize.eoq import replenishment_cost
from optimize.pricing import purchase_cost, tier_min_qty

MAX_CARRY_YEARS = 2.0
CHUNK = 256  # items evaluated together
MAX_CAP_DOUBLINGS = 6  # a menu still falling at its cap grows at most 64-fold
CAP_MARGIN = 0.01  # ... if the cap's cost is within 1% of the cheapest candidate's


@dataclass(frozen=True)
class LotCost:
    """Expected outcome of one lot of one item (currency, units, probability); the `_cost`
    fields are the lot's totals over the horizon (currency), e.g. `stockout_cost` = the item's
    stockout_cost per unit × expected_lost."""

    sku: str
    supplier_id: str | None
    quantity: int
    unit_price: float
    tier_min_qty: int | None
    purchase_cost: float
    fixed_cost: float
    holding_cost: float
    stockout_cost: float
    replenish_cost: float
    leftover_credit: float
    expected_cost: float
    discountable: float
    expected_lost: float
    expected_replenished: float
    expected_leftover: float
    leftover_value: float
    stockout_risk: float
    stockout_risk_unavoidable: float
    stockout_risk_decided: float
    replenished_from: int
    later_supplier_id: str
    fill_rate_decided: float


@dataclass(frozen=True, eq=False)
class LotCosts:
    """The same quantities as LotCost, one array entry per candidate lot."""

    sku: str
    supplier_id: np.ndarray  # object: str, None for no order
    quantity: np.ndarray
    unit_price: np.ndarray
    tier_min_qty: np.ndarray  # 0 for no order
    purchase_cost: np.ndarray
    fixed_cost: np.ndarray
    holding_cost: np.ndarray
    stockout_cost: np.ndarray  # the item's stockout_cost (per unit) × expected_lost
    replenish_cost: np.ndarray  # units bought by later orders × replenishment cost
    leftover_credit: np.ndarray
    expected_cost: np.ndarray
    # what a supplier-wide discount of 100% on the lot would take off expected_cost: its
    # purchase cost and the holding of its units, less the purchase's share in the value of
    # its leftover (a discount lowers what the stock is held and credited at, too)
    discountable: np.ndarray
    expected_lost: np.ndarray  # units lost (charged at the item's stockout_cost per unit)
    expected_replenished: np.ndarray  # units bought by later orders inside the horizon
    expected_leftover: np.ndarray
    leftover_value: np.ndarray  # book value of the expected leftover (units × unit value)
    # share of scenarios in which any unit is lost before a later order can arrive (not a
    # share of units: that is 1 - fill rate)
    stockout_risk: np.ndarray
    # share where stock runs out before a lot ordered now arrives
    stockout_risk_unavoidable: np.ndarray
    # share where any unit is lost from the earliest arrival on, before a later order can
    # arrive: the stockout risk the decision changes
    stockout_risk_decided: np.ndarray
    replenished_from: np.ndarray  # first period whose demand later orders serve (H: none)
    later_supplier_id: np.ndarray  # object: the offer whose later orders are priced
    # expected share of the demand from the earliest arrival until a later order can arrive
    # that stock serves (1 without demand there): the fill rate the decision sets
    fill_rate_decided: np.ndarray

    def __len__(self) -> int:
        return len(self.quantity)

    def lot(self, i: int) -> LotCost:
        """Candidate i as a LotCost."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "sku"}
        row = {k: v[i].item() if hasattr(v[i], "item") else v[i] for k, v in values.items()}
        row["tier_min_qty"] = row["tier_min_qty"] if row["quantity"] > 0 else None
        return LotCost(sku=self.sku, **row)


def evaluate_item(item: ItemProblem, max_candidates: int = 64) -> LotCosts:
    """Expected cost of every candidate lot of the item (candidate 0: no order)."""
    return evaluate_items([item], max_candidates)[0]


def evaluate_items(
    items: Sequence[ItemProblem],
    max_candidates: int = 64,
    extra: Sequence[dict[str, np.ndarray]] | None = None,
    discounts: Mapping[str, float] | None = None,
) -> list[LotCosts]:
    """Candidate lots and their expected cost for many items at once (one batch); `extra[i]`
    adds lots per supplier_id to item i's candidates; `discounts`: supplier_id -> its largest
    supplier-wide discount (a fraction), which a menu's cap allows for (`_at_cap`)."""
    needs = np.zeros(len(items))
    shapes: dict[tuple[int, int], list[int]] = {}
    for i, item in enumerate(items):
        shapes.setdefault(item.scenarios.shape, []).append(i)
    for members in shapes.values():
        needs[members] = cover_needs([items[i] for i in members])
    more = extra if extra is not None else [None] * len(items)
    lots = [
        item_candidates(i, max_candidates, n, e) for i, n, e in zip(items, needs, more, strict=True)
    ]
    menus = evaluate_batch(items, lots)
    # The cap is a heuristic: where an offer's cost still falls at its largest lot, it may
    # fall further beyond (e.g. incremental discounts lowering the average price of stock
    # that is cheap to hold), so that item's menu gains the lots up to twice the cap.
    pending = range(len(items))
    for _ in range(MAX_CAP_DOUBLINGS):
        edge = [
            i for i in pending if _at_cap(menus[i], lots[i], items[i], discounts or {}, more[i])
        ]
        if not edge:
            break
        added = {}
        for i in edge:  # only the lots the shorter menu lacks are evaluated
            needs[i] = 2.0 * max(float(needs[i]), float(lots[i][1].max()))
            longer = item_candidates(items[i], max_candidates, needs[i], more[i])
            added[i] = _new_pairs(lots[i], longer)
        grown = [i for i in edge if added[i][0].size]
        costs = evaluate_batch([items[i] for i in grown], [added[i] for i in grown])
        for i, menu in zip(grown, costs, strict=True):
            lots[i], menus[i] = _merged(lots[i], menus[i], added[i], menu)
        pending = grown
    return menus


def _new_pairs(
    old: tuple[np.ndarray, np.ndarray], new: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(offer index, quantity) candidates of `new` that are not in `old`."""
    known = set(zip(old[0].tolist(), old[1].tolist(), strict=True))
    keep = np.array([p not in known for p in zip(new[0].tolist(), new[1].tolist(), strict=True)])
    return new[0][keep], new[1][keep]


def _merged(
    lots: tuple[np.ndarray, np.ndarray],
    menu: LotCosts,
    more_lots: tuple[np.ndarray, np.ndarray],
    more: LotCosts,
) -> tuple[tuple[np.ndarray, np.ndarray], LotCosts]:
    """Both candidate lists and their costs as one, ordered by offer, then quantity (no order
    first, as `item_candidates` lists them)."""
    offer_idx = np.concatenate([lots[0], more_lots[0]])
    qty = np.concatenate([lots[1], more_lots[1]])
    order = np.lexsort((qty, offer_idx))
    arrays = {
        f.name: np.concatenate([getattr(menu, f.name), getattr(more, f.name)])[order]
        for f in fields(LotCosts)
        if f.name != "sku"
    }
    return (offer_idx[order], qty[order]), LotCosts(sku=menu.sku, **arrays)


def _at_cap(
    menu: LotCosts,
    lots: tuple[np.ndarray, np.ndarray],
    item: ItemProblem,
    discounts: Mapping[str, float],
    extra: dict[str, np.ndarray] | None = None,
) -> bool:
    """Whether some offer's largest lot costs less than its next smaller lot (or than no
    order if it is the offer's only lot) and, falling on at that rate for as many units
    again, would come within CAP_MARGIN of the cheapest candidate the plan may choose: the
    cost is still falling where the menu stops, and may fall below the best (a cost that
    dips at a small lot, jumps at a tier and then falls slowly had stopped at 40 units,
    114.82, 3% above the dip, where 84 units cost 106.23). The menu's edge is taken less
    the supplier's largest discount (`discounts`), the cheapest candidate without it, and
    with a min_service_level only the lots meeting it count as the cheapest (no order, cost
    0 without stockout cost, had stopped a menu at 10 units where 54 were the best that met
    the target). The largest lot is each offer's largest, and the largest of the menu's own
    too, without the `extra` lots (per supplier_id: tier lots far above it had hidden a cost
    still falling at 8 units). `lots` lists no order first, then each offer's lots in rising
    quantity."""
    offer_idx, qty = lots
    rate = np.array([discounts.get(str(s), 0.0) for s in menu.supplier_id])
    cost = menu.expected_cost - rate * menu.discountable
    allowed = meeting(item, menu)
    # the best without discounts: a small lot less a tier discount it cannot reach had set
    # the bar too low for the menu to grow (8% worse plans called optimal)
    plain = menu.expected_cost
    best = plain[allowed].min() if allowed.any() else plain.min()
    own = offer_idx >= 0
    for k, offer in enumerate(item.offers):
        added = (extra or {}).get(offer.supplier_id)
        if added is not None and len(added):
            own &= ~((offer_idx == k) & np.isin(qty, added))
    rows = np.arange(len(qty))
    tops = [rows[mask & (offer_idx == k)].max() for mask in (own, offer_idx >= 0)
            for k in np.unique(offer_idx[mask])]  # fmt: skip
    last = np.unique(np.array(tops, dtype=int))
    before = np.where(offer_idx[last - 1] == offer_idx[last], last - 1, 0)
    fall = (cost[before] - cost[last]) / np.maximum(qty[last] - qty[before], 1)
    reach = cost[last] - fall * qty[last]
    near = best + CAP_MARGIN * abs(best)
    return bool(np.any((cost[last] < cost[before]) & (reach <= near)))


def meeting(item: ItemProblem, lots: LotCosts) -> np.ndarray:
    """Per candidate, whether the fill rate it decides (`fill_rate_decided`) meets the item's
    min_service_level (all: no target)."""
    if item.min_service_level is None:
        return np.ones(len(lots), bool)
    return lots.fill_rate_decided >= item.min_service_level - 1e-12


def evaluate_plan(item: ItemProblem, supplier_id: str | None, quantity: int) -> LotCost:
    """Expected cost of one given lot (None or 0: no order); the lot must be feasible
    (`Offer.lot_error`)."""
    if supplier_id is None or quantity == 0:
        return evaluate_lots(item, np.array([-1]), np.array([0])).lot(0)
    offer = item.offer(supplier_id)
    k = item.offers.index(offer)
    if (why := offer.lot_error(quantity)) is not None:
        raise ValueError(f"lot {quantity} is not feasible: {why} (sku {item.sku}, supplier "
                         f"{supplier_id})")  # fmt: skip
    return evaluate_lots(item, np.array([k]), np.array([quantity])).lot(0)


def evaluate_lots(item: ItemProblem, offer_idx: np.ndarray, qty: np.ndarray) -> LotCosts:
    """Expected cost of lots `qty` from offers `offer_idx` (-1 with qty 0: no order)."""
    return evaluate_batch([item], [(np.asarray(offer_idx), np.asarray(qty))])[0]


def replenish_unit_cost(item: ItemProblem, offer: Offer) -> float:
    """Cost per unit of demand served by later orders of `offer` (currency per unit), at most
    `stockout_cost`: later orders are lots that cost the least per period of cover at the
    item's mean demand, covering at most the horizon (`eoq.replenishment_cost`: price, fixed
    cost per unit and the holding of the sawtooth; the fixed cost of a later order is the
    offer's fixed_cost plus its `order_cost_share`). Without demand: the smallest lot's
    (purchase + fixed cost) per usable unit.

    Why not the smallest lot always: with moq 1 its fixed cost falls on one unit, so every
    unit a later order would bring was priced at price + fixed cost, and a lot covering the
    whole horizon now always looked cheaper: lots grew with the horizon (monthly periods over
    13 months bought up to 18 months of demand)."""
    demand_rate = float(item.scenarios.mean()) if item.scenarios.size else 0.0
    # a later order pays its share of its supplier's order_cost: deferring the lot does not
    # avoid it (charged nothing, a part out of stock waited every night for another lot to
    # share the order with)
    later = replace(offer, fixed_cost=offer.fixed_cost + offer.order_cost_share)
    if demand_rate > 0:
        rate = item.holding_rate_per_period
        _, per_unit = replenishment_cost(later, demand_rate, rate, item.horizon)
        return min(item.stockout_cost, per_unit)
    lot = later.smallest_lot
    usable = later.usable(lot)
    if usable <= 0:
        return item.stockout_cost
    per_unit = (float(purchase_cost(later, lot)) + later.fixed_cost) / usable
    return min(item.stockout_cost, per_unit)


def earliest_arrival(item: ItemProblem) -> int:
    """First period in which a lot ordered now can arrive (the shortest lead time)."""
    return min(min(o.lead_time for o in item.offers), item.horizon)


def evaluate_batch(
    items: Sequence[ItemProblem], lots: Sequence[tuple[np.ndarray, np.ndarray]]
) -> list[LotCosts]:
    """Expected cost of given lots (offer index, quantity) per item; items of one shape are
    evaluated together."""
    result: list[LotCosts | None] = [None] * len(items)
    shapes: dict[tuple[int, int], list[int]] = {}
    for i, item in enumerate(items):
        shapes.setdefault(item.scenarios.shape, []).append(i)
    for members in shapes.values():
        for lo in range(0, len(members), CHUNK):  # bounded memory, linear time in items
            part = members[lo : lo + CHUNK]
            costs = _evaluate_shape([items[i] for i in part], [lots[i] for i in part])
            for i, c in zip(part, costs, strict=True):
                result[i] = c
    return result  # type: ignore[return-value]


def _evaluate_shape(items: list[ItemProblem], lots: list[tuple]) -> list[LotCosts]:
    terms = [
        _lot_terms(item, np.asarray(o, np.int64), np.asarray(q, np.int64))
        for item, (o, q) in zip(items, lots, strict=True)
    ]
    sizes = np.array([len(t["qty"]) for t in terms])
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    flat = {k: np.concatenate([t[k] for t in terms]) for k in terms[0] if k != "groups"}
    owner = np.repeat(np.arange(len(items)), sizes)
    base = _Base(items)
    # per item and later-order offer k (padded with offer 0): first replenished period, cost
    later_start, later_cost = _later_orders(items, base.horizon)
    acc = {name: np.zeros(bounds[-1]) for name in NAMES}
    for name in LATER_NAMES:
        acc[name] = np.zeros((bounds[-1], later_start.shape[1]))
    buckets: dict[int, list[tuple[int, np.ndarray, np.ndarray, int]]] = {}
    for i, t in enumerate(terms):
        for sel, arrival, weight, extra in t["groups"]:
            idx = np.flatnonzero(sel)
            task = (i, bounds[i] + idx, weight[idx], extra)
            buckets.setdefault(min(arrival, base.horizon), []).append(task)
    for arrival, tasks in buckets.items():
        item_of = np.array([i for i, _, _, _ in tasks])
        rows, task_row = np.unique(item_of, return_inverse=True)
        counts = [len(c) for _, c, _, _ in tasks]
        pairs = np.concatenate([c for _, c, _, _ in tasks])
        pair_row = np.repeat(task_row, counts)
        weight = np.concatenate([w for _, _, w, _ in tasks])
        usable = flat["usable"][pairs] + np.repeat([e for _, _, _, e in tasks], counts)
        starts = later_start[np.repeat(item_of, counts)]
        curves = _curves(base, rows, arrival, pair_row, usable, starts)
        for name in NAMES:
            np.add.at(acc[name], pairs, weight * curves[name])  # a pair may repeat
        for name in LATER_NAMES:
            np.add.at(acc[name], pairs, weight[:, None] * curves[name])
    p = base.params
    later = _cheapest_later(acc, p["stockout"][owner], later_cost[owner], later_start[owner])
    for name in LATER_NAMES:
        acc[name] = np.take_along_axis(acc[name], later[:, None], axis=1)[:, 0]
    price = flat["price"]
    holding = p["rate_per_period"][owner] * (
        price * acc["lot_stock"] + p["ref"][owner] * base.stock[owner]
    )
    stockout = p["stockout"][owner] * acc["lost"]
    replenished = acc["short"] - acc["lost"]
    replenish = later_cost[owner, later] * replenished
    credit = base.retained[owner] + _lot_retained(p, owner, flat["unit_cost"], acc)
    expected = flat["purchase"] + flat["fixed"] + holding + stockout + replenish - credit
    share = np.divide(flat["purchase"], flat["expected_usable"], out=np.zeros(len(price)),
                      where=flat["expected_usable"] > 0)  # fmt: skip
    discountable = (
        flat["purchase"]
        + p["rate_per_period"][owner] * price * acc["lot_stock"]
        - _lot_retained(p, owner, share, acc, with_salvage=False)
    )
    columns = {
        "supplier_id": flat["supplier"],
        "quantity": flat["qty"],
        "unit_price": price,
        "tier_min_qty": flat["tier"],
        "purchase_cost": flat["purchase"],
        "fixed_cost": flat["fixed"],
        "holding_cost": holding,
        "stockout_cost": stockout,
        "replenish_cost": replenish,
        "leftover_credit": credit,
        "expected_cost": expected,
        "discountable": discountable,
        "expected_lost": acc["lost"],
        "expected_replenished": replenished,
        "expected_leftover": base.left_mean[owner] + acc["left"],
        "leftover_value": base.left_mean[owner] * p["ref"][owner] + acc["left"] * price,
        "stockout_risk": acc["risk"],
        "stockout_risk_unavoidable": base.unavoidable[owner],
        "stockout_risk_decided": acc["decided"],
        "replenished_from": later_start[owner, later],
        "fill_rate_decided": base.fill_rate_decided(owner, later_start[owner, later], acc["lost"]),
        "later_supplier_id": np.array(
            [items[o].offers[k].supplier_id for o, k in zip(owner, later, strict=True)],
            dtype=object,
        ),
    }
    return [
        LotCosts(sku=item.sku, **{k: v[bounds[i] : bounds[i + 1]] for k, v in columns.items()})
        for i, item in enumerate(items)
    ]


NAMES = ("lot_stock", "short", "left", "used", "carry")
LATER_NAMES = ("lost", "risk", "decided")  # depend on when a later order can arrive


def _later_orders(items: list[ItemProblem], horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, K) first period whose demand a later order of offer k can serve (the horizon when
    none comes inside it) and its cost per unit (`replenish_unit_cost`); items with fewer
    than K offers repeat their first offer."""
    width = max(len(i.offers) for i in items)
    start = np.empty((len(items), width), np.int64)
    cost = np.empty((len(items), width))
    for n, item in enumerate(items):
        offers = list(item.offers) + [item.offers[0]] * (width - len(item.offers))
        start[n] = [min(_start(item.review_period, o.lead_time, horizon), horizon) for o in offers]
        cost[n] = [replenish_unit_cost(item, o) for o in offers]
    return start, cost


def _cheapest_later(
    acc: dict, stockout: np.ndarray, cost: np.ndarray, start: np.ndarray
) -> np.ndarray:
    """Per candidate, the later-order offer (column) whose stockouts and replenishment cost
    least after it; near ties go to the earliest arrival, then the first offer."""
    total = stockout[:, None] * acc["lost"] + cost * (acc["short"][:, None] - acc["lost"])
    best = total.min(axis=1, keepdims=True)
    near = total <= best + 1e-9 * (1.0 + np.abs(best))
    return np.argmin(np.where(near, start, np.iinfo(np.int64).max), axis=1)


def _lot_terms(item: ItemProblem, offer_idx: np.ndarray, qty: np.ndarray) -> dict:
    """Per candidate: average unit price, purchase cost, fixed cost, whole usable units
    (`Offer.usable_split`), expected usable units, tier min_qty, supplier_id; and the groups
    (candidates, arrival period, probability per candidate, extra usable unit 0 or 1): late
    deliveries and the two whole numbers of usable units, mixed exactly."""
    offer_idx = np.where(qty > 0, offer_idx, -1)
    n = len(qty)
    price = np.full(n, item.reference_price)
    unit_cost = price.copy()  # per usable unit, fixed cost included: what leftover is worth
    purchase, fixed = np.zeros(n), np.zeros(n)
    usable, tier = np.zeros(n, np.int64), np.zeros(n, np.int64)
    expected = np.zeros(n)
    supplier = np.full(n, None, dtype=object)
    groups = []
    no_order = offer_idx == -1
    if no_order.any():
        groups.append((no_order, item.horizon, np.ones(n), 0))
    for k, offer in enumerate(item.offers):
        sel = offer_idx == k
        if not sel.any():
            continue
        q = qty[sel]
        cost = purchase_cost(offer, q)
        got = offer.usable(q)
        price[sel] = cost / q
        unit_cost[sel] = (cost + offer.fixed_cost) / got
        purchase[sel] = cost
        fixed[sel] = offer.fixed_cost
        usable[sel], extra = offer.usable_split(q)
        expected[sel] = got
        tier[sel] = tier_min_qty(offer, q)
        supplier[sel] = offer.supplier_id
        groups += _usable_groups(sel, extra, offer.lead_time, offer.on_time_rate)
        if offer.on_time_rate < 1:
            late = 1 - offer.on_time_rate
            groups += _usable_groups(sel, extra, offer.lead_time + LATE_PERIODS, late)
    return {
        "qty": qty,
        "price": price,
        "unit_cost": unit_cost,
        "purchase": purchase,
        "fixed": fixed,
        "usable": usable,
        "expected_usable": expected,
        "tier": tier,
        "supplier": supplier,
        "groups": groups,
    }


def _usable_groups(sel: np.ndarray, extra: np.ndarray, arrival: int, weight: float) -> list:
    """The groups of the candidates `sel` arriving in `arrival` with probability `weight`:
    their whole usable units with probability 1 − extra, one more with probability extra."""
    share = np.zeros(len(sel))
    share[sel] = extra
    groups = [(sel & (share < 1), arrival, weight * (1 - share), 0)]
    if (share > 0).any():
        groups.append((sel & (share > 0), arrival, weight * share, 1))
    return groups


def _start(review: int | None, lead_time: int, horizon: int) -> int:
    """First period whose stockouts a later order can replenish (horizon: none)."""
    return horizon if review is None else review + lead_time


def after_horizon_rate(demand: np.ndarray) -> np.ndarray:
    """(N, S) demand per period at which a scenario uses stock left at the horizon end, from
    scenarios (N, S, H): the scenario's horizon total D shrunk toward the item's mean total m,
    ((1 - w) m + w D) / H, the posterior mean of a rate that varies between scenarios. w is
    the share of the variance of the scenarios' counts of periods with demand (n) that the
    rate's variation explains: 1 - v0 / Var(n), with v0 = E[n] (1 - E[n] / H) the variance of
    a constant rate (binomial), at least 0 (counts, not units: lumpy sizes are no evidence of
    a varying rate). A scenario without demand in the horizon is not a dead item: a slow mover
    sells nothing in half its 13-month scenarios while its rate is unchanged, and at its own
    mean (zero) every leftover unit was worth only its salvage value."""
    horizon = demand.shape[2]
    total = demand.sum(axis=2, dtype=float)
    count = (demand > 0).sum(axis=2, dtype=float)
    m, n = total.mean(axis=1, keepdims=True), count.mean(axis=1, keepdims=True)
    v, v0 = count.var(axis=1, keepdims=True), n * (1 - n / horizon)
    w = np.where(v > v0, 1 - np.divide(v0, v, out=np.ones_like(v), where=v > 0), 0.0)
    return ((1 - w) * m + w * total) / horizon


class _Base:
    """What does not depend on the lot, per item (rows): the walk of other stock, its
    holding, leftover and retained value, and the leftover-carry parameters per scenario."""

    def __init__(self, items: list[ItemProblem]) -> None:
        demand = np.stack([i.scenarios for i in items])  # (N, S, H)
        self.n, self.horizon = demand.shape[1], demand.shape[2]
        self.walk = _walk(items, demand)
        self.low = np.minimum.accumulate(self.walk, axis=2)
        end = self.walk - np.minimum(self.low, 0)
        self.params = {
            "ref": np.array([i.reference_price for i in items]),
            "rate_per_period": np.array([i.holding_rate_per_period for i in items]),
            "stockout": np.array([i.stockout_cost for i in items]),
            "salvage": np.array([i.salvage_value for i in items]),
            "obsolete": np.array([i.obsolescence for i in items]),
        }
        self.stock = end.sum(axis=2).mean(axis=1)
        left = end[:, :, -1].astype(float)
        self.left_mean = left.mean(axis=1)
        mean = after_horizon_rate(demand)
        years = np.array([[i.period_years] for i in items])
        cap = np.floor(mean * MAX_CARRY_YEARS / years + 1e-9)
        inv = np.divide(1.0, mean, out=np.zeros_like(mean, dtype=float), where=mean > 0)
        used = np.minimum(left, cap)
        carry = (used * (used + 1) / 2) * inv
        p = self.params
        ref, rate = p["ref"][:, None], p["rate_per_period"][:, None]
        kept = used * ref - ref * rate * carry + (left - used) * p["salvage"][:, None]
        obsolete = p["obsolete"][:, None]
        value = (1 - obsolete) * kept + obsolete * left * p["salvage"][:, None]
        self.retained = value.mean(axis=1)
        self.room = np.maximum(cap - left, 0)  # leftover lot units used within the carry
        self.alpha = (left + 0.5) * inv  # carry of the lot = alpha × used + beta × used²
        self.beta = 0.5 * inv
        first = np.array([earliest_arrival(i) for i in items])
        at_first = self.low[np.arange(len(items)), :, np.maximum(first - 1, 0)]  # (N, S)
        short = np.where(first[:, None] > 0, -np.minimum(at_first, 0), 0).astype(float)
        self.short_before_first = short  # units short before the earliest arrival
        self.unavoidable = (short > 0).mean(axis=1)
        self.first = first
        # (N, H + 1) mean demand of the periods before t
        self.demand_before = np.concatenate(
            (np.zeros((len(items), 1)), np.cumsum(demand.mean(axis=1), axis=1)), axis=1
        )

    def fill_rate_decided(
        self, owner: np.ndarray, start: np.ndarray, lost: np.ndarray
    ) -> np.ndarray:
        """Per candidate: 1 − units lost from the earliest arrival until `start` / the demand
        of those periods (1 without demand)."""
        before = self.demand_before[owner]
        rows = np.arange(len(owner))
        window = before[rows, start] - before[rows, np.minimum(self.first[owner], start)]
        decided = np.maximum(lost - self.short_before_first.mean(axis=1)[owner], 0.0)
        fill = 1.0 - np.divide(decided, window, out=np.zeros_like(window), where=window > 0)
        return np.clip(fill, 0.0, 1.0)

    def short_before(self, rows: np.ndarray, period: int) -> np.ndarray:
        """Units short before `period` per (row, scenario) with no lot."""
        if period <= 0:
            return np.zeros((len(rows), self.n))
        return -np.minimum(self.low[rows, :, period - 1], 0).astype(float)


def _walk(items: list[ItemProblem], demand: np.ndarray) -> np.ndarray:
    """(N, S, H) on hand plus the open orders arrived up to each period (per scenario when an
    item's open orders are uncertain: `scenario_arrivals`) less the demand up to it; one item's
    arrivals at a time, so no second (N, S, H) array."""
    walk = np.cumsum(demand, axis=2)
    np.negative(walk, out=walk)
    walk += np.array([i.on_hand for i in items], dtype=walk.dtype)[:, None, None]
    for n, item in enumerate(items):
        walk[n] += np.cumsum(item.scenario_arrivals(), axis=-1)
    return walk


class _RowPrefix:
    """Per row: sums of value planes over the entries whose key is < u (or <= u), for many
    (row, u) queries at once. Rows are sorted once; one flat searchsorted with row offsets.
    Planes: 0 = count, 1 = key, then the given values in order."""

    def __init__(self, keys: np.ndarray, values: list[np.ndarray], span: int) -> None:
        rows, width = keys.shape
        if values:
            order = np.argsort(keys, axis=1, kind="stable")
            sorted_keys = np.take_along_axis(keys, order, axis=1)
            planes = [sorted_keys] + [np.take_along_axis(v, order, axis=1) for v in values]
        else:
            sorted_keys = np.sort(keys, axis=1)
            planes = [sorted_keys]
        sums = np.empty((len(planes) + 1, rows, width + 1))
        sums[:, :, 0] = 0.0
        sums[0, :, 1:] = np.arange(1, width + 1)
        for k, plane in enumerate(planes, start=1):
            np.cumsum(plane, axis=1, out=sums[k, :, 1:])
        self.sums, self.width, self.span = sums, width, span
        self.flat = (sorted_keys + np.arange(rows)[:, None] * span).ravel()

    def below(self, row: np.ndarray, u: np.ndarray, strict: bool = True) -> np.ndarray:
        """(planes, pairs): sums over keys < u (strict) or <= u in each pair's row."""
        side = "left" if strict else "right"
        pos = np.searchsorted(self.flat, u + row * self.span, side=side) - row * self.width
        return self.sums[:, row, pos]

    def total(self, row: np.ndarray) -> np.ndarray:
        return self.sums[:, row, -1]


def _curves(
    base: _Base,
    rows: np.ndarray,
    arrival: int,
    pair_row: np.ndarray,
    u: np.ndarray,
    starts: np.ndarray,
) -> dict[str, np.ndarray]:
    """Expected lot quantities per (row, usable units u) pair for one arrival period:
    lot_stock (stock-periods of lot units), short (units not met from stock), left (lot units
    left at the end), used, carry (leftover lot units used after the horizon and their summed
    wait in periods); and per pair and column of `starts` (pairs, K), the first replenished
    periods of the later orders to price: lost (units short before it), risk (P(lost > 0)),
    decided (P(lost > 0 from the earliest arrival on))."""
    n, horizon = base.n, base.horizon
    a = base.short_before(rows, arrival)  # (B, S)
    if arrival < horizon:
        low = (
            base.low[rows, :, arrival:]
            if arrival == 0
            else np.minimum.accumulate(base.walk[rows, :, arrival:], axis=2)
        )
        deficit = np.maximum(-low - a[:, :, None].astype(np.int64), 0)  # D_t, t >= arrival
        pooled_keys = deficit.reshape(len(rows), -1)
    else:
        deficit = np.zeros((len(rows), n, 1), np.int64)  # nothing arrives: D = 0
        pooled_keys = np.zeros((len(rows), 0), np.int64)
    span = int(max(deficit.max(initial=0), u.max(initial=0))) + 2
    u = u.astype(float)
    last = deficit[:, :, -1]
    a_first = base.short_before_first[rows]  # short before the earliest arrival (<= a)
    clean = np.stack([(a == 0), (a == a_first)]).astype(float)
    alpha, beta, room = base.alpha[rows], base.beta[rows], base.room[rows].astype(np.int64)
    ends = _RowPrefix(
        last, [alpha, alpha * last, beta, beta * last, beta * last**2, clean[0], clean[1]], span
    )  # planes: count, key, alpha, alpha·d, beta, beta·d, beta·d², a == 0, a == a_first
    end2 = last + room
    capped = _RowPrefix(
        end2,
        [alpha, alpha * end2, beta, beta * last, beta * last**2, beta * room**2],
        span + int(room.max(initial=0)),
    )  # planes: count, key, alpha, alpha·(d+room), beta, beta·d, beta·d², beta·room²
    p = _RowPrefix(pooled_keys, [], span).below(pair_row, u)
    e = ends.below(pair_row, u)
    a_mean = a.mean(axis=1)
    hinge_below = u * e[0] - e[1]  # Σ (u − d)^+
    total = ends.total(pair_row)
    hinge_above = (total[1] - e[1]) - u * (n - e[0])  # Σ (d − u)^+
    out = {"lot_stock": (u * p[0] - p[1]) / n, "short": a_mean[pair_row] + hinge_above / n}
    for name in LATER_NAMES:  # per pair and later-order column
        out[name] = np.zeros(starts.shape)
    for first in np.unique(starts):
        m = starts == first
        hit = m.any(axis=1)
        lost, risk, decided = _lost(
            base, rows, arrival, int(first), deficit, ends, clean, span, pair_row[hit], u[hit],
            a_mean,
        )  # fmt: skip
        for name, value in zip(LATER_NAMES, (lost, risk, decided), strict=True):
            out[name][hit] = np.where(m[hit], value[:, None], out[name][hit])
    s = _RowPrefix.below(capped, pair_row, u)
    out["left"] = hinge_below / n
    out["used"] = (hinge_below - (u * s[0] - s[1])) / n
    linear = (u * e[2] - e[3]) - (u * s[2] - s[3])
    square = (u * u * e[4] - 2 * u * e[5] + e[6]) - (u * u * s[4] - 2 * u * s[5] + s[6] - s[7])
    out["carry"] = (linear + square) / n
    return out


def _lost(
    base: _Base,
    rows: np.ndarray,
    arrival: int,
    start: int,
    deficit: np.ndarray,
    ends: _RowPrefix,
    clean: np.ndarray,
    span: int,
    pair_row: np.ndarray,
    u: np.ndarray,
    a_mean: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected units lost before `start`, P(any lost) and P(any lost from the earliest
    arrival on): lost = a + (D_{start-1} − u)^+, or the units short before `start` when a
    later order comes before the lot."""
    n, horizon = base.n, base.horizon
    if start < horizon and start - 1 < arrival:  # does not depend on u
        fixed = base.short_before(rows, start)
        decided = (fixed > base.short_before_first[rows]).mean(axis=1)[pair_row]
        return fixed.mean(axis=1)[pair_row], (fixed > 0).mean(axis=1)[pair_row], decided
    if start < horizon:
        keys = deficit[:, :, start - 1 - arrival]
        prefix, plane = _RowPrefix(keys, [clean[0], clean[1]], span), 2
    else:
        prefix, plane = ends, 7
    q = prefix.below(pair_row, u)
    tot = prefix.total(pair_row)
    lost = a_mean[pair_row] + ((tot[1] - q[1]) - u * (n - q[0])) / n
    le = prefix.below(pair_row, u, strict=False)
    return lost, (n - le[plane]) / n, (n - le[plane + 1]) / n


def _lot_retained(
    p: dict, owner: np.ndarray, price: np.ndarray, acc: dict, with_salvage: bool = True
) -> np.ndarray:
    """Expected value kept by the lot's leftover units (see the module rules); without
    `with_salvage` only the part that scales with the unit value `price`."""
    rate, obsolete = p["rate_per_period"][owner], p["obsolete"][owner]
    salvage = p["salvage"][owner] if with_salvage else np.zeros(len(owner))
    used_value = price * acc["used"] - price * rate * acc["carry"]
    kept = used_value + salvage * (acc["left"] - acc["used"])
    return (1 - obsolete) * kept + obsolete * salvage * acc["left"]
