"""Plain-text views for the terminal: lots as a buyer reads them."""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd

import warehouse
from flows.params import MAX_HORIZON, PERIOD_WORDS, changed_parameters, periods_text
from optimize.explain import expected_units, lead_time_text, price, share, units
from optimize.inputs import OFFER_LEFT_OUT

# '1 lot', '3 lots'; later order lines in quarantine: one wording for every layer
from warehouse.commands import command_line
from warehouse.load_notes import counted, later_lines

MAX_QUANTITY = 10**9  # units: a decided quantity beyond is a typo, not a lot
WHOLE_UNITS = "a quantity is whole units"

BUYER_FORMATS = {
    # how a buyer reads each figure of a lot
    "quantity": "{:,.0f}".format,
    "unit_price": price,
    "order_value": "{:,.2f}".format,
    "savings": "{:,.2f}".format,
    "expected_leftover": expected_units,
    "stockout_risk": "{:.0%}".format,
    "decided_quantity": "{:,.0f}".format,
    "decided_order_value": "{:,.2f}".format,
}
_HEADERS = {
    "sku": "sku",
    "supplier_id": "supplier",
    "quantity": "quantity",
    "unit_price": "unit price",
    "order_value": "order value",
    "savings": "discount saved",
    "expected_leftover": "exp. leftover",
    # both parts: before a lot can arrive (unavoidable) and what this lot decides (the reason
    # splits them)
    "stockout_risk": "total stockout risk",
}

_DECIDED = {
    "decided_supplier_id": "decided supplier",
    "decided_quantity": "decided qty",
    "decided_order_value": "decided value",
    "decided_by": "by",
}


# a lot's order value is before the supplier-wide tier discounts, which come off the invoice:
# the run summary's and the report's spend are after them (one wording wherever it is shown)
BEFORE_TIERS = "order value (before supplier-wide tier discounts)"
# the key figure of the suppliers' order_cost the plan pays, apart from the spend
ORDER_COSTS = "order costs (per purchase order, apart from the spend)"
# an order below this many times its supplier's min_order_value is named as near it
NEAR_MINIMUM = 1.2


def tier_value_note(reached: pd.DataFrame, suppliers: Iterable[object]) -> str | None:
    """'order value (before supplier-wide tier discounts): S-103's 2% tier takes 246.91 off
    its invoice of 12,345.67; the run summary's spend is after it' for the `suppliers` of the
    lots shown that reach a tier (`warehouse.reached_supplier_tiers`); None: none does, and
    the order values are what the invoices say."""
    shown = set(suppliers)
    rows = [r for r in reached.itertuples(index=False) if r.supplier_id in shown]
    if not rows:
        return None
    each = [f"{r.supplier_id}'s {r.discount_rate:.0%} tier takes {r.discount:,.2f} off its "
            f"invoice of {r.spend:,.2f}" for r in rows]  # fmt: skip
    it = "it" if len(rows) == 1 else "them"
    return f"{BEFORE_TIERS}: {'; '.join(each)}; the run summary's spend is after {it}"


def order_cost_text(orders: dict) -> str | None:
    """'360.00 on 3 purchase orders (S-101 120.00 shared by 4 lots; S-102 120.00 for 1 lot;
    ...)' for `optimize.Plan.orders` (per supplier its order_cost and the lots on its purchase
    order tonight), then the minimums the orders reach, naming those within NEAR_MINIMUM of
    theirs ('; min_order_value reached by 14 orders, near it: S-103 262.00 of 250.00': every
    order with a minimum reaches it, 14 of them listed said nothing); None when the plan
    places no order with a cost or a minimum: the suppliers' order_cost is paid once per
    order, apart from the lots' order values and the spend."""
    costly = {s: o for s, o in sorted(orders.items()) if o["order_cost"] > 0}
    parts = []
    if costly:
        total = sum(o["order_cost"] for o in costly.values())
        each = [
            f"{s} {o['order_cost']:,.2f} "
            + (f"shared by {o['lots']} lots" if o["lots"] > 1 else "for 1 lot")
            for s, o in costly.items()
        ]
        n = len(costly)
        orders_word = f"purchase order{'' if n == 1 else 's'}"
        parts.append(f"{total:,.2f} on {n} {orders_word} ({'; '.join(each)})")
    if reached := {s: o for s, o in sorted(orders.items()) if "min_order_value" in o}:
        n = len(reached)
        near = [
            f"{s} {o['purchase']:,.2f} of {o['min_order_value']:,.2f}"
            for s, o in reached.items()
            if o["purchase"] < NEAR_MINIMUM * o["min_order_value"]
        ]
        parts.append(
            f"min_order_value reached by {n} order{'' if n == 1 else 's'}"
            + (f", near it: {'; '.join(near)}" if near else "")
        )
    return "; ".join(parts) or None


def lots_text(lots: pd.DataFrame, width: int = 110, extra: tuple[str, ...] = ()) -> str:
    """A table of the lots' figures (and `extra` columns), then one wrapped reason per lot."""
    shown = lots[[c for c in _HEADERS if c in lots.columns] + list(extra)].copy()
    for column, fmt in BUYER_FORMATS.items():
        if column in shown:
            shown[column] = [fmt(v) if pd.notna(v) else "" for v in shown[column]]
    shown = shown.astype(object).where(shown.notna(), "")
    table = shown.rename(columns={**_HEADERS, **_DECIDED}).to_string(index=False)
    reasons = [
        textwrap.fill(
            f"{sku}: {reason}", width=width, initial_indent="  ", subsequent_indent="    "
        )
        for sku, reason in zip(lots["sku"], lots["reason"], strict=True)
    ]
    return table + "\n\nWhy:\n" + "\n".join(reasons)


def plan_periods(parameters: dict[str, Any]) -> str:
    """'monthly, horizon 13 months': the periods a run planned in, from its stored parameters
    ('' for a run that stored no freq). Reasons read "arriving in month 2" and nothing else
    said which: a monthly rerun that replaced the weekly plan of the night looked like it."""
    freq = parameters.get("freq")
    return periods_text(freq, parameters.get("horizon")) if freq in PERIOD_WORDS else ""


def planned_unlike(other: dict[str, Any], this: dict[str, Any]) -> str:
    """'planned weekly, horizon 13 weeks': how a run with stored parameters `other` planned,
    when its freq or horizon differ from those of `this` run ('' when the same or not
    stored). Weekly and monthly lots of one item differ a lot (39 against 290 units)."""
    periods = plan_periods(other)
    same = all(other.get(name) == this.get(name) for name in ("freq", "horizon"))
    return f"planned {periods}" if periods and not same else ""


# what a plan is made with besides the data: a night planned otherwise moves lots for that alone
PLAN_LIMITS = ("budget", "capacity", "max_orders", "service_level", "min_service_level",
               "keep_margin")  # fmt: skip


def limits_unlike(other: dict[str, Any], this: dict[str, Any]) -> str:
    """'budget 150,000 (this night: none)': the limits, service levels and keep_margin a run
    with stored parameters `other` planned with where they differ from those of `this` run
    ('' when the same or not stored; a name only one of them stores is not compared): a night
    after a --budget what-if compares with lots cut to fit."""
    if not other or not this:
        return ""

    def shown(value: Any) -> str:
        return "none" if value is None else f"{value:,.10g}"

    return "; ".join(
        f"{name} {shown(other.get(name))} (this night: {shown(this.get(name))})"
        for name in PLAN_LIMITS
        if name in other and name in this and other[name] != this[name]
    )


def replacing_text(replaced: dict[str, str] | None) -> str:
    """'replacing run 2026-12-06-979fe802dc of this night (planned weekly, horizon 13
    weeks)': the run of the night whose plan a published run replaced, when its parameters
    differ (the run summary's `replaced_run`); '' for none."""
    if not replaced:
        return ""
    planned = f" ({replaced['planned']})" if replaced.get("planned") else ""
    return f"replacing run {replaced['run_key']} of this night{planned}"


def counted_note(sku: str, explanation: object) -> str | None:
    """'A-1: stock 26; open orders PO-2001 80 (counted from week 2), RV-... 38 (due now)': what
    the plan counted for the item, so a planner can check that an approved lot the ERP
    carries counts once (an order due at or after the horizon is listed as not counted; one
    counted late or short by its supplier's record with it: '(counted from week 2; S1 on time
    60%)');
    None for an explanation without these fields (older runs)."""
    info = json.loads(explanation) if isinstance(explanation, str) else explanation
    if not isinstance(info, dict) or "on_hand" not in info:
        return None
    horizon, word = info.get("horizon_periods"), info.get("period", "period")
    orders = [
        f"{o.get('po_id') or '(no po_id)'} {o['quantity']:,} "
        f"({_due(o['due_period'], horizon, word)}{_delivery(o, horizon)})"
        for o in info.get("open_orders", [])
    ]
    text = f"{sku}: stock {info['on_hand']:,}; open orders " + (", ".join(orders) or "none")
    return text + _requirements(info.get("requirements", []), horizon, word)


def _requirements(rows: list[dict], horizon: int | None, word: str) -> str:
    """'; requirements PB-17 200 (due 2027-03-01, counted in week 13)' ('' for none)."""
    if not rows:
        return ""
    named = [
        f"{r['requirement_id']} {r['quantity']:,} (due {r['due_date']}, "
        + (f"after the {horizon}-{word} horizon: not counted)"
           if horizon is not None and r["due_period"] >= horizon
           else f"counted in {word} {r['due_period'] + 1})")
        for r in rows
    ]  # fmt: skip
    return "; requirements " + ", ".join(named)


def _delivery(order: dict, horizon: int | None) -> str:
    """'; S1 on time 60%, 5% rejected': the supplier's record by which the plan counted a
    counted order late or short ('' for an order counted as due and whole: its supplier always
    on time without rejects, not in suppliers, an overdue order without rejects, or after the
    horizon)."""
    late, rejects = 1 - order.get("on_time_rate", 1.0), order.get("reject_rate", 0.0)
    period = order["due_period"]
    terms = [f"on time {share(1 - late)}"] if late > 0 and period > 0 else []
    terms += [f"{share(rejects)} rejected"] if rejects > 0 else []
    if not terms or (horizon is not None and period >= horizon):
        return ""
    return f"; {order['supplier_id']} {', '.join(terms)}"


def _due(period: int, horizon: int | None, word: str) -> str:
    """When an open order counts, numbered as the reasons number periods (the first is 1)."""
    if horizon is not None and period >= horizon:
        return f"counts from {word} {period + 1}, after the {horizon}-{word} horizon: not counted"
    return "due now" if period == 0 else f"counted from {word} {period + 1}"


def held_back_note(group: dict, shown: int = 20) -> str:
    """'7 items held back (a smaller lot or none) by the budget limit: MB-1000, ...' for one
    group of the run summary's `held_back` (limits, items, skus), with the first `shown`
    skus."""
    n, limits = group["items"], group["limits"]
    return (f"{n} item{'' if n == 1 else 's'} held back (a smaller lot or none) by the "
            f"{' and '.join(limits)} limit{'s' if len(limits) > 1 else ''}: "
            f"{_skus(group, shown)}")  # fmt: skip


def order_cost_held_note(group: dict, shown: int = 20) -> str:
    """'2 items whose best lot is not ordered (another lot or none) for its supplier's purchase
    order: P-71472 (S-109's order_cost: no other lot shares the order tonight), P-12 (S-2's
    min_order_value: the lots worth ordering do not reach it)' for the run summary's
    `order_cost_held` group (items, skus, offers: sku -> [supplier, what held the lot])."""
    n, offers, skus = group["items"], group["offers"], group["skus"][:shown]
    why = {
        "order_cost": "order_cost: no other lot shares the order tonight",
        "min_order_value": "min_order_value: the lots worth ordering do not reach it",
    }
    named = ", ".join(f"{s} ({offers[s][0]}'s {why[offers[s][1]]})" for s in skus)
    more = f" and {n - len(skus)} more" if n > len(skus) else ""
    return (f"{n} item{'' if n == 1 else 's'} whose best lot is not ordered (another lot or "
            f"none) for its supplier's purchase order: {named}{more}")  # fmt: skip


def beyond_horizon_note(group: dict, shown: int = 20) -> str:
    """'52 items whose lots cannot arrive within the 13-week horizon (...): P-7, P-9 (S-113's
    lead time 400 days); ...' for the run summary's `beyond_horizon` group: the skus by the
    offer with their shortest lead time, the supplier whose lead_time a planner checks (its
    `offers`; summaries before 2026-12-07 name only the skus, and not the horizon), in
    supplier_items when that is where the offer's lead time comes from."""
    n, period, short = group["items"], group["period"], group["periods_short"]
    beyond = group.get("beyond_longest", [])  # summaries of runs before 2026-12-06: none
    far = group.get("beyond_longest_items", len(beyond))
    offers = group.get("offers", {})
    longest = f"the longest horizon, {MAX_HORIZON} {period}s"
    if beyond and short <= 0:
        one = n == 1
        why = (
            f"{'it has' if one else 'they have'} a lead time beyond {longest}: check "
            f"{_lead_times(beyond, offers, 'its' if one else 'their')}"
        )
    else:
        why = f"a horizon up to {short} {period}{'' if short == 1 else 's'} longer plans "
        why += f"{n - far} of them" if beyond else "them"
        if beyond:
            more = f" and {far - len(beyond)} more" if far > len(beyond) else ""
            why += (
                f"; {far} ha{'s' if far == 1 else 've'} a lead time beyond {longest}: check "
                f"{_lead_times(beyond, offers, 'their')}: {_by_offer(beyond, offers, period)}"
                f"{more}"
            )
    items = f"{n} item{'' if n == 1 else 's'}"
    horizon = group.get("horizon")
    within = "the horizon" if horizon is None else f"the {horizon}-{period} horizon"
    skus = group["skus"][:shown]
    more = f" and {n - len(skus)} more" if n > len(skus) else ""
    return (f"{items} whose lots cannot arrive within {within} ({why}): "
            f"{_by_offer(skus, offers, period)}{more}")  # fmt: skip


def _lead_times(skus: list[str], offers: dict, their: str) -> str:
    """Which lead_time a planner checks for `skus`: "their suppliers' lead_time", "their
    lead_time in supplier_items" when their offers' lead times come from there (`offers`' 4th
    value, absent before 2026-12-07: suppliers), or both tables."""
    tables = {o[3] if len(o) > 3 else "suppliers" for s in skus if (o := offers.get(s))}
    if tables == {"supplier_items"}:
        return f"{their} lead_time in supplier_items"
    if "supplier_items" in tables:
        return f"{their} lead_time in supplier_items or suppliers"
    return f"{their} suppliers' lead_time"


def _by_offer(skus: list[str], offers: dict, period: str) -> str:
    """'P-7, P-9 (S-113's lead time 400 days); P-3 (S-109's lead time 200 days)': `skus` by the
    offer with their shortest lead time (`offers`: sku -> [supplier_id, days or None,
    periods]), in the order of their first sku; a sku without one is named alone."""
    groups: dict[str, list[str]] = {}
    for sku in skus:
        groups.setdefault(_slow_offer(offers.get(sku), period), []).append(sku)
    return "; ".join(
        ", ".join(names) + (f" ({offer})" if offer else "") for offer, names in groups.items()
    )


def _slow_offer(offer: list | None, period: str) -> str:
    """ "S-113's lead time 400 days" ("58 weeks" when the days are not known; "400 days in
    supplier_items" when the item's own row there gives it), '' for None."""
    if offer is None:
        return ""
    supplier, days, periods = offer[:3]
    where = "" if len(offer) < 4 or offer[3] == "suppliers" else f" in {offer[3]}"
    return f"{supplier}'s lead time {lead_time_text(days, periods, period)}{where}"


def _skus(group: dict, shown: int) -> str:
    """'A, B and 5 more': the first `shown` skus of a summary group of `items` items."""
    skus = group["skus"][:shown]
    more = group["items"] - len(skus)
    return ", ".join(skus) + (f" and {more} more" if more > 0 else "")


def quarantined_text(summary: dict) -> str:
    """'5,378 input rows, 5,371 of them order lines dated after as_of ...' for the run summary:
    an earlier night planned from today's files quarantines the later lines on purpose (and a
    typo'd future date is quarantined the same way). A run of some items (`run_skus`) loads
    the whole folder: its count says so."""
    text = counted(summary["rows_quarantined"], "input row")
    if summary.get("run_skus") is not None:
        text += " of the whole load"
    return text + later_lines(summary.get("rows_after_as_of", 0), summary["rows_quarantined"])


def elsewhere_notes(
    elsewhere: pd.DataFrame, of_items: bool = False, parameters: dict[str, Any] | None = None
) -> list[str]:
    """One note per other run of the night with decisions (`warehouse.decided_elsewhere`);
    `of_items`: the decisions of some items only (a run of some items, a review of some skus),
    counted as lots of these items and named; `parameters`: those of the run the notes are
    read beside, to say how another run planned when its freq or horizon differ."""
    notes = []
    for other in elsewhere.itertuples(index=False):
        n = other.lots
        of = f"these items ({listed(other.skus)})" if of_items else "this night"
        lots_were = f"{n} lot of {of} was" if n == 1 else f"{n} lots of {of} were"
        planned = planned_unlike(_json(getattr(other, "parameters", None)), parameters or {})
        notes.append(f"{lots_were} decided on run {other.run_key} (another run of the same "
                     f"night{', ' + planned if planned else ''}); the newest decision per sku "
                     "counts as an open order and is in `reorder export`")  # fmt: skip
    return notes


def listed(skus: Iterable[object], shown: int = 10) -> str:
    """'A, B, C' or 'A, ..., J and 5 more'."""
    names = [str(s) for s in skus]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def left_alone(skus: Iterable[object]) -> str:
    """What approving all pending lots (terminal `approve --all`, the review form's
    approve_all) leaves alone: the lots whose item was decided on another run of the night."""
    names = [str(s) for s in skus]
    return (f"left alone: {counted(len(names), 'lot')} whose item was decided on another run "
            f"of this night ({listed(names)}); name a sku to decide it on this run")  # fmt: skip


def late_left_alone(skus: Iterable[object], how: str) -> str:
    """What approving all pending lots (terminal `approve --all`, the review form's
    approve_all and approve_suppliers) leaves alone: the lots whose item an earlier night
    approved after this plan was made (`warehouse.approved_after_plan`); `how` says how to
    approve one anyway."""
    names = list(dict.fromkeys(str(s) for s in skus))
    it = "it" if len(names) == 1 else "them"
    return (f"left alone: {counted(len(names), 'lot')} whose item an earlier night approved "
            f"after this plan was made ({listed(names)}): approving {it} as well orders the "
            f"item twice; reject {it}, or {how}")  # fmt: skip


def other_run_notes(lots: pd.DataFrame, form: bool = False) -> list[str]:
    """One note per pending lot whose item was decided on another run of the night
    (`warehouse.review_lots`' other_* columns): that decision counts for the night, and
    `--all` leaves the lot alone rather than order the item twice; `form`: in the words of the
    review flow's form (approve all, its list of lots), which has no --all."""
    how = (
        "approve all leaves this lot alone: list its sku under lots"
        if form
        else "`--all` leaves this lot alone: name the sku"
    )
    notes = []
    for r in lots[lots["other_run_key"].notna()].itertuples(index=False):
        lot = lot_text(r.other_quantity, r.other_supplier_id)
        decided = {"approve": f"approved {lot}", "override": f"overridden to {lot}"}.get(
            r.other_action, "rejected"
        )
        notes.append(f"{r.sku}: {decided} on run {r.other_run_key} (another run of this night), "
                     f"which counts for the night; {how} to decide it on this run")  # fmt: skip
    return notes


def changed_notes(
    changed: pd.DataFrame, published: bool = True, todo: str | None = None
) -> list[str]:
    """One note per decision made on a recommendation the night's latest run no longer gives
    (`warehouse.changed_decisions`): the decision still counts, so the planner must see it.
    published: whether that run is the published one (review and export act on it only).
    todo: what to do instead of the default advice (`export --night` of an earlier night)."""
    notes = []
    todo = todo or (
        "decide again with `reorder review` if it should change"
        if published
        else "`reorder review` and `export` act on the published plan, not on this night"
    )
    for d in changed.itertuples(index=False):
        then = lot_text(d.recommended_quantity, d.recommended_supplier_id)
        now = (
            "no lot (the item is not in the plan)"
            if pd.isna(d.quantity_now)
            else lot_text(d.quantity_now, d.supplier_id_now)
        )
        holds = "it still counts as an open order" + (
            " and is in `reorder export`" if published else ""
        )
        if d.action == "reject":
            decided, holds = f"rejected {then}", "the rejection still holds"
        elif d.action == "approve":
            decided = f"approved {then}"
        else:
            decided = f"overridden to {lot_text(d.quantity, d.supplier_id)} ({then} recommended)"
        erp = getattr(d, "erp_quantity", None)
        if pd.notna(erp):  # the ERP's order counts, with its quantity, and changes there
            holds = f"the ERP carries it ({erp:,.0f} open), which counts as the open order"
        then_do = "change it in the ERP if it should change" if pd.notna(erp) else todo
        notes.append(
            f"{d.sku}: {decided}; the latest run of the night recommends {now}; {holds}: {then_do}"
        )
    return notes


def late_notes(late: pd.DataFrame) -> list[str]:
    """One note per pending lot whose item an earlier night approved after this plan was made
    (`warehouse.approved_after_plan`, a review form answered late): the plan did not count
    that lot, so approving this one as well orders the item twice."""
    return [
        f"{r.sku}: {lot_text(r.quantity, r.supplier_id)} was approved on the night of "
        f"{pd.Timestamp(r.night):%Y-%m-%d} ({r.po_id}) after this plan was made, which does "
        f"not count it: approving this lot ({lot_text(r.quantity_now, r.supplier_id_now)}) as well "
        "orders the item twice; reject it, or rerun the night to plan with that lot"
        for r in late.itertuples(index=False)
    ]


def decision_notes(
    con: Any, run_key: str, published: bool = True, skus: list[str] | None = None
) -> list[str]:
    """Decisions on other runs of the run_key's night (its own lots start pending, and a
    planner must not approve a night twice without knowing), decisions of a rerun's night made
    on a lot it no longer recommends (they still count), and lots recommended again after an
    earlier night rejected them; `skus`: the items of a run of some items (the decisions on
    other runs of the night of these items only), None: all."""
    elsewhere = warehouse.decided_elsewhere(con, run_key, skus)
    parameters = warehouse.run_parameters(con, run_key)
    notes = elsewhere_notes(elsewhere, of_items=skus is not None, parameters=parameters)
    notes += changed_notes(warehouse.changed_decisions(con, run_key), published)
    return notes + rejected_notes(warehouse.earlier_rejections(con, run_key))


def rejected_notes(rejected: pd.DataFrame) -> list[str]:
    """One note per lot recommended again after its item's lot was rejected on an earlier
    night (`warehouse.earlier_rejections`), so a rejection does not go unseen."""
    notes = []
    for r in rejected.itertuples(index=False):
        said = f": '{r.comment}'" if isinstance(r.comment, str) and r.comment else ""
        notes.append(
            f"{r.sku}: {lot_text(r.recommended_quantity, r.recommended_supplier_id)} was rejected "
            f"on the night of {pd.Timestamp(r.rejected_as_of):%Y-%m-%d} (by {r.decided_by}"
            f"{said}); tonight's plan recommends {lot_text(r.quantity_now, r.supplier_id_now)}"
        )
    return notes


def failed_notes(
    failed: pd.DataFrame, published_as_of: object, db_path: object, shown: int = 3
) -> list[str]:
    """One warning per failed run since the published one (`warehouse.failed_since_published`,
    newest first): the lots a planner reads are then older than the newest night, or not the
    latest attempt of theirs; commands to copy name the warehouse, `db_path`."""
    notes = []
    for f in failed.head(shown).itertuples(index=False):
        night, started = f"{pd.Timestamp(f.as_of):%Y-%m-%d}", pd.Timestamp(f.started_at)
        error = str(f.error or "no error recorded").splitlines()[0]
        error = error if len(error) <= 200 else error[:199] + "…"
        plan = _published_plan(f.as_of, published_as_of)
        notes.append(
            f"the run of night {night} started {started:%Y-%m-%d %H:%M} UTC failed ({error}); "
            f"{plan}"
        )
    if len(failed) > shown:
        more = counted(len(failed) - shown, "more failed run")
        notes.append(f"{more} since: `{command_line('reorder', 'runs', '--db', db_path)}`")
    return notes


def _published_plan(night: object, published_as_of: object) -> str:
    """Which lots are published while a run of `night` failed or has not finished."""
    if published_as_of is None:
        return "no plan is published yet"
    if pd.Timestamp(night) == pd.Timestamp(published_as_of):
        return "the published lots are those of an earlier run of that night"
    return f"the published lots are of night {pd.Timestamp(published_as_of):%Y-%m-%d}"


def unfinished_notes(runs: pd.DataFrame, published_as_of: object) -> list[str]:
    """One warning per run still `running` since the published one
    (`warehouse.unfinished_since_published`): one whose process is gone was killed, and the
    lots a planner reads are not the newest; one that runs may replace them soon."""
    notes = []
    for r in runs.itertuples(index=False):
        night, started = f"{pd.Timestamp(r.as_of):%Y-%m-%d}", pd.Timestamp(r.started_at)
        plan = _published_plan(r.as_of, published_as_of)
        if r.alive:
            notes.append(f"the run of night {night} started {started:%Y-%m-%d %H:%M} UTC is "
                         f"still running; {plan} until it publishes")  # fmt: skip
        else:
            notes.append(f"the run of night {night} started {started:%Y-%m-%d %H:%M} UTC did not "
                         "finish (its process is gone: killed?) and may have loaded newer "
                         f"inputs; {plan}; run the night again")  # fmt: skip
    return notes


def run_warnings(con: Any, db_path: object) -> list[str]:
    """Warnings on the runs that failed, were killed or still run since the published one
    (`unfinished_notes`, then `failed_notes`): its lots are then not the newest night's, or not
    the latest attempt; commands to copy name the warehouse, `db_path`."""
    latest = warehouse.latest_run(con)
    published = latest and latest[2]
    unfinished = unfinished_notes(warehouse.unfinished_since_published(con), published)
    return unfinished + failed_notes(warehouse.failed_since_published(con), published, db_path)


def end_of_life_notes(late: pd.DataFrame) -> list[str]:
    """One note per decided lot due after its item's end of life
    (`warehouse.past_end_of_life`)."""
    return [
        f"{r.sku}: the lot is due {pd.Timestamp(r.due_date):%Y-%m-%d}, after the item's end of "
        f"life {pd.Timestamp(r.end_of_life):%Y-%m-%d} (the plan expects no demand after it)"
        for r in late.itertuples(index=False)
    ]


def units_problem(number: float, typed: object) -> str | None:
    """Why a decided quantity (`number` units, `typed` as the planner wrote it) is not one, in
    the same words in the terminal and the review form: "'10.5' is not a whole number: a
    quantity is whole units (10 or 11?)"; None when it is whole and at most MAX_QUANTITY.
    Zero and negative numbers pass: the decision refuses them with the lot's terms."""
    if not math.isfinite(number):
        return f"{typed!r} is not a number: {WHOLE_UNITS}, e.g. 10"
    if not number.is_integer():
        near = f" ({math.floor(number):,} or {math.ceil(number):,}?)" if number > 1 else ""
        return f"{typed!r} is not a whole number: {WHOLE_UNITS}{near}"
    if number > MAX_QUANTITY:
        return f"{typed!r} units is above {MAX_QUANTITY:,}: a typo?"
    return None


def tier_notes(
    missed: pd.DataFrame, db_path: object, night: date | None = None, of: str = "this export"
) -> list[str]:
    """One note per supplier-wide tier the plan reached and the decided lots miss
    (`warehouse.missed_supplier_tiers`), pointing at `reorder review list` on the warehouse
    `db_path`. night: of lots that are not the published plan's (an export of an earlier
    night, a review form answered after a later run was published), which `reorder review
    list` does not show; `of` says whose lots they are."""
    notes = []
    for r in missed.itertuples(index=False):
        shown = (lambda v: f"{v:,.2f}") if r.basis == "spend" else (lambda v: f"{v:,.0f} units")
        of_supplier = ("--status", "all", "--supplier", r.supplier_id)
        where = (
            f"(`{command_line('reorder', 'review', 'list', '--db', db_path, *of_supplier)}`)"
            if night is None
            else f"of the night of {night:%Y-%m-%d} ({of}; `reorder review` decides on the "
            "published plan only)"
        )
        notes.append(
            f"{r.supplier_id}: the lots as decided total {shown(r.now)}, below the "
            f"{shown(r.min_total)} its supplier-wide discount of {r.discount_rate:.0%} needs; the "
            f"plan reached it with {shown(r.planned)} and may have sized lots for it: review "
            f"{r.supplier_id}'s lots {where}"
        )
    return notes


def order_notes(orders: pd.DataFrame, suppliers: Iterable[object] | None = None) -> list[str]:
    """One note per purchase order with an order_cost that the lots as decided change
    (`warehouse.decided_purchase_orders`; only `suppliers`' orders when given): an order the
    plan placed that no lot is on any more (its order_cost is not paid), one it did not place
    that a decision adds, and one the plan shared that now carries one lot alone; and one per
    order whose lots as decided fall below its supplier's min_order_value. The plan ordered
    those lots weighing the order_cost against what they save together, at or above each
    minimum."""
    notes = []
    for r in orders.itertuples(index=False):
        if suppliers is not None and r.supplier_id not in set(suppliers):
            continue
        if r.now and r.value < r.min_order_value - 1e-6:
            notes.append(
                f"{r.supplier_id}'s lots as decided tonight add up to {r.value:,.2f}, below its "
                f"min_order_value {r.min_order_value:,.2f} per purchase order: it may refuse "
                f"the order ({listed(list(r.now))}); add to it or reject them"
            )
        if not r.order_cost:
            continue
        cost = f"order_cost {r.order_cost:,.2f}"
        planned, now = list(r.planned), list(r.now)
        if planned and not now:
            notes.append(
                f"{r.supplier_id}'s purchase order tonight now has no lot: its {cost} is not "
                f"paid (the plan put {listed(planned)} on it)"
            )
        elif not planned and len(now) == 1:
            notes.append(
                f"{now[0]}: this adds a purchase order with {r.supplier_id} ({cost}) that no "
                "other approved or pending lot of tonight shares (the plan placed none with "
                f"{r.supplier_id})"
            )
        elif not planned and now:
            notes.append(
                f"{r.supplier_id}: the plan placed no purchase order with it tonight; "
                f"{listed(now)} now share one ({cost})"
            )
        elif len(planned) > 1 and len(now) == 1:
            notes.append(
                f"{now[0]} is now the only lot on {r.supplier_id}'s purchase order tonight and "
                f"pays its {cost} alone (the plan shared it among {counted(len(planned), 'lot')}: "
                f"{listed(planned)})"
            )
    return notes


def decided_suppliers(rows: pd.DataFrame) -> set[str]:
    """The suppliers whose purchase orders decided rows (`warehouse.record_decisions`' frame)
    touch: each lot's recommended supplier and the one decided."""
    ids = pd.concat([rows["recommended_supplier_id"], rows["supplier_id"]]).dropna()
    return set(ids.astype(str))


def lot_text(quantity: object, supplier_id: object) -> str:
    """'85 from S-106', or 'no order' for none."""
    if pd.isna(quantity) or float(quantity) <= 0:
        return "no order"
    return f"{units(float(quantity))} from {supplier_id}"


def frame_text(frame: pd.DataFrame) -> str:
    """Any frame as an aligned table with readable numbers; missing text shows empty."""
    text = frame.select_dtypes(include=["object", "string"]).columns
    shown = frame.astype({c: object for c in text}).fillna({c: "" for c in text})
    with pd.option_context("display.max_colwidth", 90, "display.width", 250):
        return shown.to_string(index=False, float_format=lambda v: f"{v:,.2f}")


def models_text(chosen: pd.DataFrame) -> str:
    """Per demand class the forecast models chosen (items, median backtest score: an item
    that sold nothing in the backtest scores its loss in units, which swamps a mean), then
    items per demand class and lifecycle stage, then items per lifecycle stage and stage factor;
    `chosen` as `warehouse.current_forecast_models`."""
    frame = chosen.fillna({"demand_class": "?", "lifecycle_stage": "?"})
    models = (
        frame.groupby(["demand_class", "model"])
        .agg(items=("sku", "size"), median_backtest_score=("backtest_score", "median"))
        .reset_index()
        .sort_values(["demand_class", "items", "model"], ascending=[True, False, True])
    )
    stages = pd.crosstab(frame["demand_class"], frame["lifecycle_stage"]).reset_index()
    stages.columns.name = None
    factors = (
        frame.assign(stage_factor=frame["stage_factor"].fillna(1.0).round(2))
        .groupby(["lifecycle_stage", "stage_factor"])
        .size()
        .rename("items")
        .reset_index()
    )
    return (
        "Forecast models by demand class (backtest score: lead-time WQL, lower is better):\n"
        + frame_text(models)
        + "\n\nItems by demand class and lifecycle stage:\n"
        + frame_text(stages)
        + "\n\nFactor of the lifecycle stage on the forecast demand (items with history: the"
        " backtest's bias of the stage; new items: the stage's scale of the category prior;"
        " 1 = none):\n" + frame_text(factors)
    )


ITEM_COLUMNS = ("run_key", "as_of", "sku", "model", "periods", "actual_units",
                "forecast_units", "loss_share", "total_actual", "total_q50", "total_q95",
                "total_position")  # fmt: skip


def item_accuracy_text(scores: pd.DataFrame, shown: int | None = 20, periods: str = "") -> str:
    """Per scored run the items largest loss first (`shown` per run, None: all), from
    `warehouse.item_accuracy`, with a header that says what the columns mean (`periods`:
    e.g. 'periods: months; ')."""
    head = (
        f"Per item, earlier forecasts against the demand that came ({periods}loss_share: the "
        "item's share of the run's weighted quantile loss, where the forecast missed most; "
        "total_position: where the item's demand summed over the passed periods fell among "
        "the forecast's quantiles of that sum, 'above q95' about 1 item in 20 if calibrated):"
    )
    rows = scores if shown is None else scores.groupby("run_key", sort=False).head(shown)
    shares = rows["loss_share"].map(lambda v: "n/a" if pd.isna(v) else share(float(v)))
    table = rows[list(ITEM_COLUMNS)].assign(loss_share=shares)
    lines = [head, frame_text(table)]
    for run_key, n in scores.groupby("run_key", sort=False).size().items():
        left = n - int((rows["run_key"] == run_key).sum())
        if left > 0:
            lines.append(f"... {counted(left, 'more item')} of run {run_key}")
    return "\n".join(lines)


def unused_note(row: dict[str, Any]) -> tuple[str, str]:
    """(label, text) of one item or offer the plan could not use: ("Not planned", "P-1: why")
    for an item, ("Left out", "offer of P-2 (planned with its other offers): why") for one
    offer of an item that is planned all the same."""
    sku, reason = row["sku"], str(row["reason"])
    if reason.startswith(OFFER_LEFT_OUT):
        why = reason.removeprefix(OFFER_LEFT_OUT)
        return "Left out", f"offer of {sku} (planned with its other offers): {why}"
    return "Not planned", f"{sku}: {reason}"


def more_unused_text(rows: list[dict], items: int, offers: int) -> str | None:
    """'2 more items not planned, 20 more offers left out': of the `items` not planned and
    `offers` left out in all, those not among the `rows` listed (`unused_note`), each counted
    on its own (a list cut short hid an item not planned among offers); None when all are
    listed."""
    offers_listed = sum(unused_note(row)[0] == "Left out" for row in rows)
    items_more, offers_more = items - (len(rows) - offers_listed), offers - offers_listed
    parts = []
    if items_more > 0:
        parts.append(f"{counted(items_more, 'more item')} not planned")
    if offers_more > 0:
        parts.append(f"{counted(offers_more, 'more offer')} left out")
    return ", ".join(parts) or None


STAGES = ("load", "demand", "forecast", "optimize", "publish")  # flows.nightly's, in order


def runs_text(history: pd.DataFrame, published: str | None, width: int = 60) -> str:
    """The run history (`warehouse.run_history`) one short line per run: the published run
    marked, seconds per stage, the solver's status without its explanation, and what made a
    run other than the nightly (its parameters that differ from the defaults; for a relaxed
    plan, then why it was relaxed) or why it failed. `published`: run_id of the published
    run."""
    rows = []
    for run in history.itertuples(index=False):
        stages = _json(run.stage_seconds)
        status = (_text(run.solver_status) or "").split(" (")[0]  # a failed run has none
        if status and (run.solver_gap or 0) > 0:
            status += f", gap {run.solver_gap:.2%}"
        note = _text(run.error) or _what_if(_json(run.parameters))
        relaxed = _text(run.infeasible_reason) if pd.notna(run.relaxed) and run.relaxed else None
        if relaxed and not _text(run.error):  # the parameters that asked for it, then why
            note = f"{note}; relaxed: {relaxed}" if note != "defaults" else f"relaxed: {relaxed}"
        rows.append({
            "run_id": run.run_id,
            "night": str(run.as_of)[:10],
            "status": run.status + (" (published)" if run.run_id == published else ""),
            "started (UTC)": f"{pd.Timestamp(run.started_at):%Y-%m-%d %H:%M}",
            "seconds": "" if pd.isna(run.seconds) else f"{run.seconds:,.0f}",
            "/".join(STAGES): " / ".join(
                f"{stages[s]:.1f}" if s in stages else "-" for s in STAGES
            ),
            "solver": status,
            "parameters or error": textwrap.shorten(str(note), width, placeholder=" ..."),
        })  # fmt: skip
    return left_aligned(rows, right=("seconds",)) if rows else "no runs yet"


def left_aligned(rows: list[dict[str, str]], right: tuple[str, ...] = ()) -> str:
    """Rows of text as a table, columns left-aligned (those in `right` right-aligned), two
    spaces apart, trailing spaces dropped."""
    names = list(rows[0])
    widths = {n: max(len(n), *(len(r[n]) for r in rows)) for n in names}
    lines = [[n for n in names], *([r[n] for n in names] for r in rows)]
    return "\n".join(
        "  ".join(v.rjust(widths[n]) if n in right else v.ljust(widths[n])
                  for n, v in zip(names, line, strict=True)).rstrip()
        for line in lines
    )  # fmt: skip


def _text(value: object) -> str | None:
    """Stored text, None for none (NULL reads as None or NaN)."""
    return value if isinstance(value, str) and value else None


def _json(text: object) -> dict:
    """A JSON object stored as text; {} for none (NULL reads as None or NaN)."""
    return json.loads(text) if isinstance(text, str) and text else {}


def _what_if(parameters: dict) -> str:
    """The parameters of a run that differ from the defaults (`changed_parameters`), e.g.
    'items P-1,P-2; budget 1,000.00', or 'defaults' (a nightly run)."""
    changed = []
    for name, value in changed_parameters(parameters).items():
        if isinstance(value, list):
            value = ",".join(map(str, value))
        elif isinstance(value, float) and name in ("budget", "capacity"):
            value = f"{value:,.2f}"
        changed.append(f"{name} {value}")
    return "; ".join(changed) or "defaults"


def marked_text(marked: warehouse.Marked) -> str:
    """What marking a one-off did, said alike by `reorder review one-off` and the review form:
    'P-84518 2026-12-01: marked as a one-off (1 order line, 161 units): the next run's
    forecast leaves them out' (a day marked before: 'already marked ..., note kept' or 'note
    replaced')."""
    lines = counted(marked.lines, "order line")
    what = "marked as a one-off" if marked.new else "already marked as a one-off"
    kept = "" if marked.new else ", note replaced" if marked.note_replaced else ", note kept"
    return (
        f"{marked.sku} {marked.order_date:%Y-%m-%d}: {what} ({lines}, {marked.units:,.0f} "
        f"units){kept}: the next run's forecast leaves them out"
    )
