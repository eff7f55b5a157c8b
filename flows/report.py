"""The run report: one static HTML file per run_key, charts embedded as base64 PNGs so the
file stands alone (mail it, open it from a share).

Content: key figures; portfolio charts (spend by supplier, expected leftover value, stockout
risk against leftover per lot); a table of every lot; for the `max_items` lots of the biggest
order value, up to `max_flagged` more whose forecast is not their item's own history
(flows.sources: a planner must look at those whatever their order value) and up to
`max_required` more whose reason names a requirement (drawn on the demand chart on top of the
forecast), the demand history with the forecast fan (quantiles of the forecasts) and the
expected cost against order quantity, with the price breaks and the chosen lot marked; up to
`max_required` items without a lot tonight whose reason names a requirement, one line each
with the reason (what covers it); for up
to `max_one_offs` more items whose marked one-offs the run left out (without a lot, or a lot
without charts), the demand history with the one-offs drawn. The cost curves come from
optimize's own `evaluate_lots` on the run's problem, so they are the numbers the optimizer
chose from.
Default place: `<folder of the DuckDB file>/reports/<run_key>.html`; recorded in `reports`.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

import models
import optimize
import warehouse
from flows import plots, tasks
from flows.change_text import changes_headline
from flows.console import ORDER_COSTS, order_cost_text, replacing_text
from flows.params import RunParameters
from flows.sources import prior_lots, prior_lots_headline, sources
from optimize.evaluate import evaluate_lots
from optimize.explain import expected_units, periods_short, price, share

MAX_ITEMS = 30  # lots of the biggest order value with charts
# lots beyond those whose forecast is not their item's own history, also with charts (each
# adds about 0.25 s and 160 kB to the report; 300-item demo: 8 s and 5 MB for 30 lots)
MAX_FLAGGED = 20
MAX_POINTS = 120  # quantities evaluated per supplier curve
# items without a chart above whose marked one-offs the run left out, charted in their own
# section (a demand chart each, about 0.1 s and 50 kB); the rest are named
MAX_ONE_OFFS = 10
# lots beyond those whose reason names a requirement (planners' dated known demand, which the
# fan chart draws on top of the forecast), also with charts; the rest are named
MAX_REQUIRED = 20


@dataclass(frozen=True)
class ReportData:
    """What one report shows: the run, its lots, problem items, demand and forecasts."""

    run_key: str
    run_id: str
    as_of: str
    freq: str
    lots: pd.DataFrame  # optimize.Plan.frame()
    items: dict[str, optimize.ItemProblem]  # of the charted lots at least (`charted_skus`)
    demand: pd.DataFrame  # unique_id, ds, y
    forecasts: pd.DataFrame  # unique_id, ds, model, mean, q05 ... q99
    supplier_names: dict[str, str]
    # warehouse.forecast_calibration(): earlier runs' quantiles against the demand that came
    calibration: pd.DataFrame | None = None
    service_level: float = 0.95  # the run's: a lot's stockout risk above 1 - this is counted
    period_days: float = 7.0  # of the plan's periods, which start the day after as_of
    # optimize.Plan.supplier_discounts: per tiered supplier its tier reached and `discount`,
    # the currency a supplier-wide tier takes off its invoices
    supplier_discounts: dict = field(default_factory=dict)
    # optimize.Plan.orders: per supplier with an order_cost or a minimum, its order tonight
    purchase_orders: dict = field(default_factory=dict)
    fill_target: float | None = None  # min_service_level if set; None: service_level
    settings: str = ""  # RunParameters.settings_text()
    # console.replacing_text: the run of the night whose plan this published run replaced
    replacing: str = ""
    relaxed: str | None = None  # why the service-level targets could not all be met
    # (label, text) of what a planner must see beside the lots: artifacts.report_notes
    notes: tuple[tuple[str, str], ...] = ()
    # warehouse.run_forecast_models(): sku, model, n_demands, group; a lot whose forecast is
    # not its item's own history (flows.sources) is named in its section, on its fan chart, in
    # the table and counted in the header (None: not named)
    forecast_models: pd.DataFrame | None = None
    # change_text.change_summary: the lots' changes since the night before (None: not shown)
    changes: dict | None = None
    # warehouse.excluded_one_offs(): sku, order_date, ds, units of the one-offs planners marked,
    # which the demand left out, of the lots' items: drawn on the items' demand charts, those
    # of items without a chart there in a section of their own (None: none)
    one_offs: pd.DataFrame | None = None

    @property
    def supplier_discount(self) -> float:
        """Currency all supplier-wide tiers take off the invoices."""
        return float(sum(d["discount"] for d in self.supplier_discounts.values()))


def default_path(db_path: str | Path, run_key: str, reports_dir: str | Path | None = None) -> Path:
    """<reports_dir>/<run_key>.html; by default reports_dir is a reports folder next to the
    DuckDB file. A warehouse not named reorder.duckdb prefixes its file stem: two warehouses
    in one folder planning the same night overwrote each other's report."""
    folder = Path(reports_dir) if reports_dir else Path(db_path).resolve().parent / "reports"
    stem = Path(db_path).stem
    return folder.resolve() / (f"{run_key}.html" if stem == "reorder" else f"{stem}-{run_key}.html")


def cost_curves(
    item: optimize.ItemProblem, upto: int, max_points: int = MAX_POINTS
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], float]:
    """Expected cost of feasible lots of every offer from its smallest lot to about `upto`
    units (at most `max_points` per offer, the price break lots always included), and the
    expected cost of ordering nothing."""
    curves = {}
    for k, offer in enumerate(item.offers):
        qty = _lot_grid(offer, upto, max_points)
        costs = evaluate_lots(item, np.full(len(qty), k), qty)
        curves[offer.supplier_id] = (qty, costs.expected_cost)
    none = evaluate_lots(item, np.array([-1]), np.array([0]))
    return curves, float(none.expected_cost[0])


def _lot_grid(offer: optimize.Offer, upto: int, max_points: int) -> np.ndarray:
    first, pack = offer.smallest_lot, offer.pack_size
    last = max(upto, first)
    step = pack * max(1, -(-(last - first) // (pack * max_points)))
    grid = set(range(first, last + 1, step))
    grid |= {offer.feasible_at_least(b.min_qty) for b in offer.price_breaks if b.min_qty <= last}
    return np.array(sorted(grid), dtype=np.int64)


def render(
    data: ReportData,
    max_items: int | None = None,
    on_item: Callable[[int, int], None] | None = None,
    max_flagged: int | None = None,
    max_one_offs: int | None = None,
    max_required: int | None = None,
) -> tuple[str, int]:
    """(HTML text, number of items with charts); `on_item(done, total)` reports progress.
    Charted: the `max_items` lots of the biggest order value (default MAX_ITEMS), up to
    `max_flagged` (MAX_FLAGGED) more whose forecast is not their item's own history and up to
    `max_required` (MAX_REQUIRED) more whose reason names a requirement, and up to
    `max_required` items without a lot whose reason names one get a line (`_covered`); of the
    other items whose marked one-offs the run left out (no lot tonight, or one without a
    chart) up to `max_one_offs` (MAX_ONE_OFFS) get a demand chart (`_one_offs`)."""
    ordered, top, found, flagged, more = _charted(
        data.lots, data.forecast_models, max_items, max_flagged
    )
    required, extra = _required(ordered, {*top["sku"], *more["sku"]}, max_required)
    unordered = data.lots[data.lots["quantity"] <= 0].sort_values("sku")
    covered, listed = _required(unordered, set(), max_required)
    shown = pd.concat([top, more, extra])
    beyond = flagged.iloc[len(more) :]
    sections = []
    for i, lot in enumerate(shown.itertuples(index=False), start=1):
        sections.append(_item_section(data, lot, found.get(lot.sku)))
        if on_item:
            on_item(i, len(shown))
    charted = set(shown["sku"])
    body = [
        _header(data, ordered),
        _priors(data, ordered, charted),
        _notes(data),
        _changes(data),
        _portfolio(data, ordered),
        _calibration(data),
        f"<h2>Lots in detail (top {len(top)} by order value)</h2>",
        *sections[: len(top)],
        _flagged(len(more), beyond[~beyond["sku"].isin(extra["sku"])]),
        *sections[len(top) : len(top) + len(more)],
        _required_heading(len(extra), required.iloc[len(extra) :]),
        *sections[len(top) + len(more) :],
        _covered(listed, covered.iloc[len(listed) :]),
        _one_offs(data, charted, MAX_ONE_OFFS if max_one_offs is None else max_one_offs),
        _rest(ordered[~ordered["sku"].isin(charted)]),
        _lots_table(ordered, charted, data.supplier_names, found),
    ]
    return _page(data, "\n".join(body)), len(shown)


def charted_skus(
    lots: pd.DataFrame,
    forecast_models: pd.DataFrame | None,
    max_items: int | None = None,
    max_flagged: int | None = None,
    max_required: int | None = None,
) -> list[str]:
    """The skus `render` charts (`ReportData.items` needs their problems only)."""
    ordered, top, _, _, more = _charted(lots, forecast_models, max_items, max_flagged)
    _, extra = _required(ordered, {*top["sku"], *more["sku"]}, max_required)
    return [*top["sku"], *more["sku"], *extra["sku"]]


def _charted(
    lots: pd.DataFrame,
    forecast_models: pd.DataFrame | None,
    max_items: int | None,
    max_flagged: int | None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, tuple[str, str]], pd.DataFrame, pd.DataFrame]:
    """(ordered, top, found, flagged, more): the lots to order by order value, the
    `max_items` first, `_sources` of the ordered, those after the top whose forecast is not
    their item's own history, and the first `max_flagged` of these."""
    max_items = MAX_ITEMS if max_items is None else max_items
    max_flagged = MAX_FLAGGED if max_flagged is None else max_flagged
    ordered = lots[lots["quantity"] > 0].sort_values(
        ["order_value", "sku"], ascending=[False, True]
    )
    top = ordered.head(max_items)
    found = _sources(forecast_models, ordered)
    flagged = ordered.iloc[len(top) :]
    flagged = flagged[flagged["sku"].isin(list(found))]
    return ordered, top, found, flagged, flagged.head(max_flagged)


def _required(
    lots: pd.DataFrame, charted: set[str], max_required: int | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(required, more): the `lots` not `charted` whose reason names a requirement (their
    explanation lists one), and the first `max_required` (MAX_REQUIRED) of these: a lot bought
    for a pilot build whose order value kept it out of the top had no chart to show the pilot
    build, and an item whose pilot build stock covers had no word in the report at all."""
    max_required = MAX_REQUIRED if max_required is None else max_required
    named = np.array(
        [isinstance(e, str) and bool(json.loads(e).get("requirements"))
         for e in lots["explanation"]],
        dtype=bool,
    )  # fmt: skip
    required = lots[named & ~lots["sku"].isin(list(charted)).to_numpy()]
    return required, required.head(max_required)


def _covered(listed: pd.DataFrame, beyond: pd.DataFrame) -> str:
    """One line each for the `listed` items without a lot tonight whose reason names a
    requirement (what covers it, or who orders it later), and a line naming those `beyond`
    the cap; empty without any."""
    if listed.empty:
        return ""
    rows = "".join(
        f'<li id="required-{_e(lot.sku)}"><b>{_e(lot.sku)}:</b> {_e(_readable(lot.reason))}</li>'
        for lot in listed.itertuples(index=False)
    )
    text = (f"<h2>Requirements of items without a lot tonight ({len(listed):,})</h2>"
            f"<ul class=notes>{rows}</ul>")  # fmt: skip
    return text + _beyond_line(len(listed), list(beyond["sku"]), "item", why="", linked=())


def _required_heading(charted: int, beyond: pd.DataFrame) -> str:
    """The heading over the `charted` lots outside those above whose reason names a
    requirement, and a line naming those `beyond` the cap; empty without any."""
    if not charted:
        return ""
    lots, names = ("lot", "names") if charted == 1 else ("lots", "name")
    text = (f"<h2>Lots for requirements ({charted:,}): {lots} outside those above whose "
            f"reason {names} a requirement (drawn on the demand chart)</h2>")  # fmt: skip
    return text + _beyond_line(charted, list(beyond["sku"]))


def _beyond_line(
    shown: int,
    skus: Sequence[str],
    noun: str = "lot",
    why: str = ", without charts",
    linked: Collection[str] | None = None,
) -> str:
    """'N more such lots are beyond these M, without charts: <names>' ('' for no `skus`): the
    line under a capped section naming what it left out, each name a link to its row in the
    table of all lots when `linked` holds it (None: all of them)."""
    if not len(skus):
        return ""
    names = ", ".join(
        f'<a href="#lot-{_e(s)}">{_e(s)}</a>' if linked is None or s in linked else _e(s)
        for s in skus
    )
    were = f"{noun} is" if len(skus) == 1 else f"{noun}s are"
    return (f"<p class=warning>{len(skus):,} more such {were} beyond these {shown:,}{why}: "
            f"{names}</p>")  # fmt: skip


def _flagged(charted: int, beyond: pd.DataFrame) -> str:
    """The heading over the `charted` lots outside the top ones whose forecast is not their
    item's own history, and a line naming those `beyond` the cap; empty without any."""
    if not charted:
        return ""
    lots = "lot" if charted == 1 else "lots"
    their = "its" if charted == 1 else "their"
    text = (f"<h2>More lots to check ({charted:,}): {lots} outside the top by order value "
            f"sized on a forecast that is not {their} item's own history</h2>")  # fmt: skip
    why = ", without charts (their forecast is named in the table of all lots)"
    return text + _beyond_line(charted, list(beyond["sku"]), why=why)


def _sources(
    forecast_models: pd.DataFrame | None, ordered: pd.DataFrame
) -> dict[str, tuple[str, str]]:
    """sku -> (note, short) of the lots whose forecast is not their item's own history."""
    if forecast_models is None:
        return {}
    found = sources(ordered, forecast_models)
    return {r.sku: (r.note, r.short) for r in found.itertuples(index=False)}


def _priors(data: ReportData, ordered: pd.DataFrame, charted: set[str], listed: int = 30) -> str:
    """A warning under the key figures: how many lots are sized on a forecast that is not
    their item's own history, with links to the first `listed` (their section, else their row
    in the table); empty without any."""
    if data.forecast_models is None:
        return ""
    group = prior_lots(ordered, data.forecast_models, shown=listed)
    if not group["items"]:
        return ""
    links = ", ".join(
        f'<a href="#{"item" if sku in charted else "lot"}-{_e(sku)}">{_e(sku)}</a>'
        for sku in group["skus"]
    )
    more = group["items"] - len(group["skus"])
    if more > 0:
        links += f" and {more:,} more (their forecast is named in the table of all lots)"
    return f"<p class=warning><b>Forecasts:</b> {_e(prior_lots_headline(group))}: {links}</p>"


def _notes(data: ReportData) -> str:
    """The run's exceptions (held back by limits, lead times past the horizon, input the plan
    could not use) as a list; empty without any."""
    if not data.notes:
        return ""
    items = "".join(f"<li><b>{_e(label)}:</b> {_e(text)}</li>" for label, text in data.notes)
    return f"<h2>Exceptions</h2><ul class=notes>{items}</ul>"


def _changes(data: ReportData) -> str:
    """The counts of the lots' changes since the night before and the largest of them with
    their drivers (`change_text.change_summary`); empty without it."""
    if not data.changes:
        return ""
    text = f"<h2>Changes since the night before</h2><p>{_e(changes_headline(data.changes))}</p>"
    if rows := data.changes["largest"]:
        head = "".join(f"<th>{_e(name)}</th>" for name in rows[0])
        body = "".join(
            "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row.values()) + "</tr>" for row in rows
        )
        text += f"<table class=lots><tr>{head}</tr>{body}</table>"
    return text


def _one_offs(data: ReportData, charted: set[str], shown: int) -> str:
    """A demand chart each for the first `shown` items not `charted` whose marked one-offs the
    run left out (most units left out first), under what their lot is (their reason: 'No
    order: ...'), and a line naming the rest; empty without any. A planner who marked a day
    and saw the item's lot go had nothing in the report to say why."""
    if data.one_offs is None:
        return ""
    marks = data.one_offs[
        data.one_offs["sku"].isin(data.lots["sku"]) & ~data.one_offs["sku"].isin(charted)
    ]
    if marks.empty:
        return ""
    per_item = marks.groupby("sku")["units"].sum().reset_index()
    order = per_item.sort_values(["units", "sku"], ascending=[False, True])["sku"].tolist()
    lots = data.lots.set_index("sku")
    items = "".join(_one_off_section(data, sku, marks, lots.loc[sku]) for sku in order[:shown])
    beyond = order[shown:]
    lotted = set(data.lots.loc[data.lots["quantity"] > 0, "sku"])  # a row in the table
    rest = _beyond_line(len(order) - len(beyond), beyond, "item", linked=lotted)
    return (
        f"<h2>One-offs left out of items without a chart above ({len(order):,})</h2>"
        "<p>Demand planners marked as one-offs that this run's forecasts left out, of items "
        "without a lot tonight or whose lot has no chart above: the hollow grey marker is the "
        f"demand left out, above the history the forecast was made from.</p>{items}{rest}"
    )


def _one_off_section(data: ReportData, sku: str, marks: pd.DataFrame, lot: pd.Series) -> str:
    """One item's heading (its lot, the one-offs left out), its lot's reason and its demand
    chart with the one-offs drawn (`plots.fan_figure`)."""
    own = marks[marks["sku"] == sku].sort_values("order_date")
    days = ", ".join(f"{_units(u)} units of {d:%Y-%m-%d}" for d, u in
                     zip(pd.to_datetime(own["order_date"]), own["units"], strict=True))  # fmt: skip
    one = "a one-off" if len(own) == 1 else "one-offs"
    quantity = float(lot["quantity"])
    ordered = f"order {_units(quantity)} (in the table)" if quantity > 0 else "no order"
    history = data.demand[data.demand["unique_id"] == sku].sort_values("ds").tail(52)
    fc = data.forecasts[data.forecasts["unique_id"] == sku].sort_values("ds")
    figure = plots.fan_figure(sku, history, fc, data.freq, night=pd.Timestamp(data.as_of).date(),
                              one_offs=own)  # fmt: skip
    return (
        f'<section class="one-off" id="one-off-{_e(sku)}"><h3>{_e(sku)}: {ordered}; {days} '
        f"left out as {one}</h3><p>{_e(_readable(str(lot['reason'])))}</p>"
        f'<div class="charts"><img alt="{_e(sku)} demand chart" '
        f'src="{_data_uri(plots.png(figure))}"></div></section>'
    )


def _item_section(data: ReportData, lot: object, source: tuple[str, str] | None = None) -> str:
    """A lot's heading, where its forecast comes from if not its item's own history
    (`source`: note, short), its reason and its charts."""
    sku = lot.sku
    note = source[0] if source else None
    history = data.demand[data.demand["unique_id"] == sku].sort_values("ds").tail(52)
    fc = data.forecasts[data.forecasts["unique_id"] == sku].sort_values("ds")
    item = data.items[sku]
    curves, none = cost_curves(item, cost_range(item, lot.supplier_id, int(lot.quantity)))
    breaks = [b.min_qty for b in item.offer(lot.supplier_id).price_breaks if b.min_qty > 1]
    chosen = (lot.supplier_id, int(lot.quantity), float(lot.expected_cost))
    as_of = pd.Timestamp(data.as_of).date()
    ds = pd.DatetimeIndex(optimize.plan_period_starts(as_of, data.period_days, item.horizon))
    arrival = item.offer(lot.supplier_id).lead_time
    required = requirement_bars(item, ds)
    images = [
        plots.fan_figure(
            sku,
            history,
            fc,
            data.freq,
            note=note,
            end_of_life=item.end_of_life,
            night=as_of,
            arrives=ds[arrival] if arrival < len(ds) else None,
            one_offs=None if data.one_offs is None else data.one_offs[data.one_offs["sku"] == sku],
            requirements=required,
        ),
        plots.cost_figure(sku, curves, none, breaks, chosen),
        plots.stock_figure(
            sku,
            ds,
            item.on_hand,
            optimize.projected_stock(item, lot.supplier_id, int(lot.quantity)),
            optimize.projected_stock(item, None, 0),
            arrival,
            data.freq,
            open_orders=item.open_orders,
            end_of_life=item.end_of_life,
            requirements=[(r.period, r.quantity, r.requirement_id) for r in item.requirements],
        ),
    ]
    alts = [f"{sku} forecast: {note}" if note else f"{sku} chart"] + [f"{sku} chart"] * 2
    alts[0] += _requirements_alt(required)
    figures = "".join(
        f'<img alt="{_e(alt)}" src="{_data_uri(plots.png(figure))}">'
        for alt, figure in zip(alts, images, strict=True)
    )
    return (
        f'<section class="item" id="item-{_e(sku)}"><h3>{_e(sku)}: order '
        f"{_units(lot.quantity)} unit{'' if lot.quantity == 1 else 's'} from "
        f"{_e(_supplier(data, lot.supplier_id))} for "
        f"{_money(lot.order_value)}</h3>"
        + (f"<p class=warning>{_e(note[:1].upper() + note[1:])}</p>" if note else "")
        + f"<p>{_e(_readable(lot.reason))}</p>"
        f'<div class="charts">{figures}</div></section>'
    )


def requirement_bars(item: optimize.ItemProblem, ds: pd.DatetimeIndex) -> pd.DataFrame:
    """ds, units, requirement_id, due_date of the item's requirements the plan counts (due
    before the horizon end), ds the start of the plan period each is counted in (`ds`: the
    periods' starts; an overdue one in the first): where the fan chart draws them."""
    inside = [r for r in item.requirements if r.period < len(ds)]
    rows = [(ds[r.period], r.quantity, r.requirement_id, r.due_date) for r in inside]
    return pd.DataFrame(rows, columns=["ds", "units", "requirement_id", "due_date"])


def _requirements_alt(required: pd.DataFrame) -> str:
    """'; requirement (planned on top of the forecast): PB-17 200 units due 2027-01-20' for
    the fan chart's alt text ('' for none): the chart's legend and labels are in its image."""
    if required.empty:
        return ""
    rows = required[["requirement_id", "units", "due_date"]].itertuples(index=False)
    named = ", ".join(f"{r} {u:,} units due {d:%Y-%m-%d}" for r, u, d in rows)
    return f"; requirement (planned on top of the forecast): {named}"


def cost_range(item: optimize.ItemProblem, supplier_id: str, quantity: int) -> int:
    """The largest order quantity (units) on a lot's cost chart: 2.5 times the lot, or past
    the chosen supplier's next price break above it (by 30%), whichever is more. Another
    supplier's far break (4,000 units) squeezed a lot of 85 into the chart's first 2%."""
    above = [b.min_qty for b in item.offer(supplier_id).price_breaks if b.min_qty > quantity]
    return int(max(2.5 * quantity, 1.3 * min(above, default=0)))


def totals(ordered: pd.DataFrame, supplier_discount: float) -> tuple[float, float]:
    """(spend, discount savings) of the lots to order (currency): supplier-wide tier discounts
    come off the invoices, not off the lots' order_value, so they lower the spend and add to
    the savings (the run summary and the report header show the same figures)."""
    spend = float(ordered["order_value"].sum()) - supplier_discount
    return spend, float(ordered["savings"].sum()) + supplier_discount


def short_label(service_level: float) -> str:
    """The key figure's label of the items whose stock runs out before any lot can arrive in
    more than 1 - service_level of the scenarios: on slow spare parts that is nearly every
    item, so it names the share rather than calling them likely short."""
    risk = share(1 - service_level)
    return f"items short before any lot can arrive in more than {risk} of scenarios"


def short_count(risks: list[float], service_level: float) -> int:
    """How many of the items' risks (of running out before any lot can arrive) are more than
    1 - service_level: 1 - 0.8 is 0.19999999999999996 in floats, and a risk of 40 in 200
    scenarios counted as more than 20%."""
    return sum(r > 1 - service_level + 1e-9 for r in risks)


def _header(data: ReportData, ordered: pd.DataFrame) -> str:
    explained = [json.loads(e) for e in data.lots["explanation"]]
    target = data.service_level if data.fill_target is None else data.fill_target
    decided = sum(e["fill_rate_decided"] < target - 1e-9 for e in explained)
    early = short_count(
        [e.get("stockout_risk_unavoidable", 0) for e in explained], data.service_level
    )
    late = sum(periods_short(e) > 0 for e in explained)
    spend, savings = totals(ordered, data.supplier_discount)
    rows = [
        ("lots to order", f"{len(ordered):,} of {len(data.lots):,} items"),
        ("spend", _money(spend)),
        ("discount savings vs base prices", _money(savings)),
        *(
            [("of which supplier-wide tiers (off the invoices)", _money(data.supplier_discount))]
            if data.supplier_discount
            else []
        ),
        *([(ORDER_COSTS, orders)] if (orders := order_cost_text(data.purchase_orders)) else []),
        ("expected leftover at horizon end", f"{_units(ordered['expected_leftover'].sum())} units"),
        (
            f"items whose lot serves less than {share(target)} of the demand it decides",
            f"{decided:,}",
        ),
        (short_label(data.service_level), f"{early:,}"),
        *([("items whose lots cannot arrive within the horizon", f"{late:,}")] if late else []),
    ]
    table = "".join(f"<tr><th>{k}</th><td class=num>{v}</td></tr>" for k, v in rows)
    settings = f"<p class=meta>{_e(data.settings)}</p>" if data.settings else ""
    if data.replacing:
        settings += f"<p class=meta>Published, {_e(data.replacing)}.</p>"
    relaxed = (
        f"<p class=warning><b>Relaxed plan:</b> {_e(data.relaxed)}</p>" if data.relaxed else ""
    )
    return (
        f"<h1>Order recommendations as of {_e(data.as_of)}</h1>"
        f"<p class=meta>run key {_e(data.run_key)} · run {_e(data.run_id)}</p>{settings}"
        f'{relaxed}<h2>Key figures</h2><table class="figures">{table}</table>'
    )


def leftover_values(ordered: pd.DataFrame) -> pd.DataFrame:
    """sku, value: the book value of each lot's expected leftover, as its reason gives it
    ("at cost"; the lot's unit price alone read 237.50 on the chart where the reason said
    217.62). The reason of an item whose leftover is likely never used also gives what the
    plan values it at (`optimize.explain.leftover_text`)."""
    booked = [json.loads(e)["leftover_value"] for e in ordered["explanation"]]
    return pd.DataFrame({"sku": ordered["sku"].to_numpy(), "value": booked})


def spend_bars(data: ReportData, ordered: pd.DataFrame) -> dict:
    """`plots.bars_figure` arguments of the "Spend and discount savings by supplier" chart:
    per supplier its lots' order value less its supplier-wide tier discount (currency), the
    spend of the key figures, and its discount savings (its lots' savings and that discount,
    which add up to the key figures' savings); a supplier whose tier is reached says so under
    its name. The bars showed the order value before the discount while the key figures'
    spend was after it."""
    value = ordered.groupby("supplier_id")["order_value"].sum()
    tiers = {s: d for s, d in data.supplier_discounts.items() if d["discount"] and s in value}
    off = pd.Series({s: d["discount"] for s, d in tiers.items()}, dtype="float64")
    spend = value.sub(off, fill_value=0.0).sort_values(ascending=False)
    labels = [
        _supplier(data, s)
        + (
            f"\n{tiers[s]['discount_rate']:.0%} tier: -{tiers[s]['discount']:,.2f}"
            if s in tiers
            else ""
        )
        for s in spend.index
    ]
    saved = ordered.groupby("supplier_id")["savings"].sum().add(off, fill_value=0.0)
    after = ", after supplier-wide tier discounts," if tiers else ""
    return {
        "labels": labels,
        "values": spend.tolist(),
        "title": "Spend and discount savings by supplier",
        "xlabel": f"spend{after} and discount savings (currency)",
        "decimals": 2,
        "saved": saved.reindex(spend.index).tolist(),
    }


def risk_dots(data: ReportData, ordered: pd.DataFrame) -> dict:
    """`plots.risk_figure` arguments of the "Stockout risk and leftover" chart: per lot its
    expected leftover at cost and the stockout risk its order decides, as its reason gives
    them, its order value, and the risk the run's service level allows."""
    explained = [json.loads(e) for e in ordered["explanation"]]
    return {
        "skus": ordered["sku"].tolist(),
        "leftover": leftover_values(ordered)["value"].tolist(),
        "risk": [e["stockout_risk_decided"] for e in explained],
        "order_value": ordered["order_value"].tolist(),
        "allowed": 1 - data.service_level,
    }


def portfolio_figures(data: ReportData, ordered: pd.DataFrame) -> list:
    """The portfolio's charts (matplotlib Figures) of the lots to order: spend and savings by
    supplier, the 15 lots of the most leftover at cost, stockout risk against leftover."""
    leftover = leftover_values(ordered).nlargest(15, "value")
    return [
        plots.bars_figure(**spend_bars(data, ordered)),
        plots.bars_figure(
            leftover["sku"].tolist(),
            leftover["value"].tolist(),
            "Leftover risk: expected leftover at horizon end, at cost (top 15)",
            "expected leftover at cost, as in the reasons (currency)",
            decimals=2,
            color="#d95f02",
        ),
        plots.risk_figure(**risk_dots(data, ordered)),
    ]


def _portfolio(data: ReportData, ordered: pd.DataFrame) -> str:
    if ordered.empty:
        return "<h2>Portfolio</h2><p>No lots to order.</p>"
    figures = "".join(
        f'<img alt="portfolio chart" src="{_data_uri(plots.png(f))}">'
        for f in portfolio_figures(data, ordered)
    )
    return f'<h2>Portfolio</h2><div class="charts">{figures}</div>'


def _calibration(data: ReportData) -> str:
    """Charts of how earlier runs' quantiles covered the demand that came (none yet: empty)."""
    calibration = data.calibration
    if calibration is None or calibration.empty:
        return ""
    titles = {
        "period": ("Demand per period at or below the forecast quantile",
                   "share of item-periods at or below it"),
        "total": ("Each item's total over the passed periods at or below its quantile",
                  "share of items at or below it"),
    }  # fmt: skip
    images = [
        plots.calibration_chart(calibration[calibration["sum"] == name], *labels)
        for name, labels in titles.items()
        if (calibration["sum"] == name).any()
    ]
    figures = "".join(f'<img alt="calibration chart" src="{_data_uri(p)}">' for p in images)
    return (
        "<h2>How earlier forecasts did</h2><p>For each quantile the forecast published, the "
        "share of item-periods (and of items' totals) whose demand came at or below it. On "
        "the diagonal or above it is right "
        "for whole units: a quantile of 0 covers every period without demand. Well below it, "
        "demand came in above the forecast's spread. (<code>reorder accuracy</code> has the "
        f'figures.)</p><div class="charts">{figures}</div>'
    )


def _lots_table(
    ordered: pd.DataFrame,
    shown: set[str],
    names: dict[str, str],
    found: dict[str, tuple[str, str]] | None = None,
) -> str:
    """Every lot to order; with `found` (report `_sources`) a column names the forecast of a
    lot that is not its item's own history."""
    found = found or {}
    head = (
        "<tr><th>sku</th><th>supplier</th><th>quantity</th><th>unit price</th>"
        "<th>order value</th><th>savings</th><th>expected leftover</th><th>stockout risk</th>"
        + ("<th>forecast from</th>" if found else "")
        + "</tr>"
    )
    rows = []
    for lot in ordered.itertuples(index=False):
        sku = _e(lot.sku)
        link = f'<a href="#item-{sku}">{sku}</a>' if lot.sku in shown else sku
        rows.append(
            f'<tr id="lot-{sku}"><td>{link}</td>'
            f"<td>{_e(names.get(lot.supplier_id, lot.supplier_id))}</td>"
            f"<td class=num>{_units(lot.quantity)}</td><td class=num>"
            f"{price(lot.unit_price)}</td><td class=num>{_money(lot.order_value)}</td>"
            f"<td class=num>{_money(lot.savings)}</td><td class=num>"
            f"{expected_units(lot.expected_leftover)}</td><td class=num>{lot.stockout_risk:.1%}"
            "</td>" + (f"<td>{_e(found[lot.sku][1] if lot.sku in found else '')}</td>"
                       if found else "") + "</tr>"
        )  # fmt: skip
    return f'<h2>All lots ({len(ordered):,})</h2><table class="lots">{head}{"".join(rows)}</table>'


def _rest(rest: pd.DataFrame) -> str:
    if rest.empty:
        return ""
    links = ", ".join(f'<a href="#lot-{_e(s)}">{_e(s)}</a>' for s in rest["sku"])
    return f"<h2>Other lots ({len(rest):,}, without charts; see the table)</h2><p>{links}</p>"


def _page(data: ReportData, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>Order recommendations {_e(data.run_key)}</title><style>{_CSS}</style></head>"
        f"<body>{body}</body></html>"
    )


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222;
max-width:1340px}
h1{font-size:24px;margin-bottom:4px} h2{font-size:19px;margin-top:28px;border-bottom:1px solid #ccc}
h3{font-size:15px;margin-bottom:2px} .meta{color:#666;font-size:12px;margin-top:0}
table{border-collapse:collapse;font-size:13px} th,td{padding:3px 10px;border-bottom:1px solid #eee}
th{text-align:left;background:#f5f5f5} td.num{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:12px} .charts img{max-width:100%;border:1px solid #eee}
.item p,.one-off p{font-size:13px;color:#444;margin:2px 0 6px}
.warning{background:#fff4e5;border-left:4px solid #d95f02;padding:6px 10px;font-size:13px}
"""


def _supplier(data: ReportData, supplier_id: str) -> str:
    name = data.supplier_names.get(supplier_id)
    return f"{name} ({supplier_id})" if name and name != supplier_id else str(supplier_id)


# not a sku's digits (P-99047), nor a date's year (2027-01-20): 'on 2,027-01-20'
_LONG_NUMBER = re.compile(r"(?<![\w.-])\d{4,}(?:\.\d+)?(?![\d-])")


def _readable(text: str) -> str:
    """Thousands separators in the numbers of a reason sentence (7913.77 -> 7,913.77); dates
    stay as they are."""
    return _LONG_NUMBER.sub(lambda m: f"{float(m.group()):,.{_decimals(m.group())}f}", text)


def _decimals(number: str) -> int:
    return len(number.split(".")[1]) if "." in number else 0


def _money(value: float | None) -> str:
    return "" if value is None or pd.isna(value) else f"{value:,.2f}"


def _units(value: float) -> str:
    return f"{value:,.0f}"


def _e(value: object) -> str:
    return html.escape(str(value))


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@task(name="report", cache_policy=NO_CACHE)
def write_report(
    params: RunParameters,
    run_id: str,
    inputs: dict[str, pd.DataFrame],
    demand: pd.DataFrame,
    fc: models.Forecast,
    result: optimize.Plan,
    on_item: Callable[[int, int], None] | None = None,
    notes: tuple[tuple[str, str], ...] = (),
    replaced_run: dict[str, str] | None = None,
    changes: dict | None = None,
) -> str:
    """Write the run's HTML report, record its path in the warehouse, return the path.
    `notes`: (label, text) of the run's exceptions (artifacts.report_notes); `replaced_run`:
    the run summary's, the run of the night whose plan this one replaced (None: none);
    `changes`: the run summary's, the lots' changes since the night before (None: none)."""
    data = report_data(params, run_id, inputs, demand, fc, result, notes, replaced_run)
    data = dataclasses.replace(data, changes=changes)
    text, shown = render(data, on_item=on_item)
    path = default_path(params.db_path, data.run_key, params.reports_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    with warehouse.connect(params.db_path) as con:
        warehouse.record_report(con, data.run_key, run_id, str(path), shown)
    return str(path)


def report_data(
    params: RunParameters,
    run_id: str,
    inputs: dict[str, pd.DataFrame],
    demand: pd.DataFrame,
    fc: models.Forecast,
    result: optimize.Plan,
    notes: tuple[tuple[str, str], ...] = (),
    replaced_run: dict[str, str] | None = None,
) -> ReportData:
    """What the run's report shows (`write_report`), with the problems of the items `render`
    charts by default (`charted_skus`)."""
    lots = result.frame()
    forecast_models = _read_models(params.db_path, run_id)
    # the charted items' problems alone: all items' (10,000) held every scenario again
    skus = charted_skus(lots, forecast_models)
    problem, _ = tasks.build_problem(params, inputs, fc, skus, result.order_cost_shares)
    suppliers = inputs["suppliers"]
    names = dict(zip(suppliers["supplier_id"], suppliers["name"].fillna(""), strict=True))
    return ReportData(
        run_key=params.run_key(),
        run_id=run_id,
        as_of=params.as_of.isoformat(),
        freq=params.freq,
        lots=lots,
        items={item.sku: item for item in problem.items},
        demand=demand,
        forecasts=fc.frame(),
        supplier_names=names,
        calibration=_read_calibration(params.db_path),
        one_offs=_read_one_offs(params, lots["sku"].tolist()),
        forecast_models=forecast_models,
        service_level=params.service_level,
        period_days=params.period_days,
        supplier_discounts=result.supplier_discounts,
        purchase_orders=result.orders,
        fill_target=params.fill_target(),
        settings=params.settings_text(),
        replacing=replacing_text(replaced_run),
        relaxed=result.infeasible_reason if result.relaxed else None,
        notes=notes,
    )


def _read_models(db_path: str | Path, run_id: str) -> pd.DataFrame:
    """The run's forecast models as `reorder lots` reads them (its notes say the same)."""
    with warehouse.connect(db_path, read_only=True) as con:
        return warehouse.run_forecast_models(con, [run_id])


def _read_one_offs(params: RunParameters, skus: list[str]) -> pd.DataFrame:
    """The marked one-offs the run's demand left out, of the items `skus` (the lots')."""
    with warehouse.connect(params.db_path, read_only=True) as con:
        return warehouse.excluded_one_offs(con, params.as_of, params.freq, skus)


def _read_calibration(db_path: str | Path) -> pd.DataFrame:
    with warehouse.connect(db_path, read_only=True) as con:
        return warehouse.forecast_calibration(con, newest=3)
