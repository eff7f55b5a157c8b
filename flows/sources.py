"""Where a lot's forecast comes from when it is not the item's own history: the wording that
the terminal (`reorder lots`, `reorder run`), the HTML report and the Prefect artifacts share.

An item with fewer than two periods of history is forecast from its category's typical item
(`category_prior`; all items' typical item when no item of its category has history, selection
group `(all items)`; all items' one period when no item at all has two periods yet, as on a
first night on one month of orders, group `(all items, one period)`), from a planner's
`launch_forecast`, or not at all (`no_history`), weighed with the one period of demand it may
have. A lot sized on such a forecast wants a planner's look: an item that sold 12 units in its
one week got a lot of 189.

A lot whose forecast rests on one recent demand far above its item's usual size
(`models.recent_spikes`; its reason ends by naming it, and with the command that marks it as a
one-off: `with_mark_commands`) wants the same look: `spike_lots`. The one-offs a planner marked
that the run's demand left out are named too: `one_offs_summary`.

`models` frames are as `warehouse.run_forecast_models` (sku, model, n_demands, group), or
`models.PreparedForecast.selection()` with unique_id renamed to sku.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

import warehouse
from flows.program import prog
from models.prepare import ALL_ITEMS, ONE_PERIOD
from models.result import CATEGORY_PRIOR, LAUNCH_FORECAST, NO_HISTORY
from optimize.explain import size_text

# the kinds of forecast that are not the item's own, in the order a summary names them
CATEGORY, ALL, ONE, LAUNCH, NONE = "category", "all items", "one period", "launch", "none"
_SOURCE = {
    CATEGORY: "its category's typical item",
    ALL: "all items' typical item (no item of its category has history)",
    ONE: "all items' one period of demand (no item has two periods of history yet)",
    LAUNCH: "its launch_forecast (items file)",
}
_SHORT = {
    CATEGORY: "category's typical item: check",
    ALL: "all items' typical item: check",
    ONE: "all items' one period: check",
    LAUNCH: "launch_forecast (items file)",
    NONE: "none: check",
}
_SIZED = {  # what a lot is sized on
    CATEGORY: "a category's typical item",
    ALL: "all items' typical item",
    ONE: "all items' one period of demand",
    LAUNCH: "a launch forecast",
    NONE: None,  # sized without a forecast
}


def source_kind(model: object, group: object = None) -> str | None:
    """CATEGORY, ALL, ONE, LAUNCH or NONE for a forecast that is not the item's own history;
    None for one that is (a model fit on the item's demand)."""
    if model == CATEGORY_PRIOR:
        return {ALL_ITEMS: ALL, ONE_PERIOD: ONE}.get(group, CATEGORY)
    if model == LAUNCH_FORECAST:
        return LAUNCH
    return NONE if model == NO_HISTORY else None


def forecast_source(model: object, group: object = None, n_demands: object = 0) -> str | None:
    """'forecast from its category's typical item weighed with its own demand (1 period with
    demand): check the lot' for an item whose forecast is not its own history; None for one
    whose is."""
    kind = source_kind(model, group)
    if kind is None:
        return None
    if kind == NONE:
        return f"no forecast: {no_forecast_why()}: check the lot"
    own = int(n_demands) if pd.notna(n_demands) else 0
    seen = (f" weighed with its own demand ({own} period{'' if own == 1 else 's'} with "
            "demand)" if own else ", no demand of its own yet")  # fmt: skip
    check = "" if kind == LAUNCH else ": check the lot"
    return f"forecast from {_SOURCE[kind]}{seen}{check}"


def no_forecast_why(category: object = None) -> str:
    """Why an item forecast `no_history` has none (its scenarios are zeros for want of a
    forecast, not a forecast of no demand), naming its category when given."""
    of = f" ({category})" if isinstance(category, str) and category else ""
    return (f"neither the item nor its category{of} has enough demand history; a "
            "launch_forecast in items.csv gives it one")  # fmt: skip


def no_forecast_reasons(items: pd.DataFrame, fc: Any) -> dict[str, str]:
    """sku -> `no_forecast_why` for the items of `fc` (a `models.Forecast`) forecast
    `no_history`, for their no-order reason (`optimize.build_problem(no_forecast=...)`)."""
    names = items["category"] if "category" in items else pd.Series(None, index=items.index)
    category = dict(zip(items["sku"].astype(str), names, strict=True))
    return {str(u): no_forecast_why(category.get(str(u)))
            for u, m in zip(fc.unique_id, fc.model, strict=True) if m == NO_HISTORY}  # fmt: skip


def short_source(model: object, group: object = None) -> str:
    """The short form for a column of lots: "category's typical item: check", ..., '' for a
    forecast from the item's own history."""
    kind = source_kind(model, group)
    return "" if kind is None else _SHORT[kind]


def sources(lots: pd.DataFrame, models: pd.DataFrame) -> pd.DataFrame:
    """sku, kind, note, short of the lots to order (quantity > 0) whose forecast is not the
    item's own history, in the lots' order."""
    columns = [c for c in ("model", "n_demands", "group") if c in models]
    chosen = lots.loc[lots["quantity"] > 0, ["sku"]].merge(models[["sku", *columns]], on="sku")
    group = chosen["group"] if "group" in chosen else pd.Series(None, index=chosen.index)
    own = chosen["n_demands"] if "n_demands" in chosen else pd.Series(0, index=chosen.index)
    rows = [
        (sku, source_kind(m, g), forecast_source(m, g, n), short_source(m, g))
        for sku, m, g, n in zip(chosen["sku"], chosen["model"], group, own, strict=True)
    ]
    frame = pd.DataFrame(rows, columns=["sku", "kind", "note", "short"])
    return frame[frame["kind"].notna()].reset_index(drop=True)


def prior_notes(lots: pd.DataFrame, models: pd.DataFrame) -> list[str]:
    """'N1: forecast from its category's typical item ...: check the lot': one note per lot
    to order whose forecast is not its item's own history."""
    return [f"{r.sku}: {r.note}" for r in sources(lots, models).itertuples(index=False)]


def prior_lots(lots: pd.DataFrame, models: pd.DataFrame, shown: int = 20) -> dict[str, Any]:
    """For the run summary (JSON-able): how many lots to order are sized on a forecast that
    is not their item's own history, how many of each kind and the first `shown` skus, the
    largest order value first when the lots have one; items 0 if none."""
    if "order_value" in lots:
        lots = lots.sort_values(["order_value", "sku"], ascending=[False, True])
    found = sources(lots, models)
    kinds = found["kind"].value_counts()
    return {"items": len(found), "skus": found["sku"].astype(str).head(shown).tolist(),
            "kinds": {k: int(kinds[k]) for k in _SIZED if k in kinds}}  # fmt: skip


def prior_lots_headline(group: dict[str, Any]) -> str:
    """'12 lots sized on a category's typical item or a launch forecast: check them' for a
    `prior_lots` group with items."""
    n, kinds = group["items"], [_SIZED[k] for k in group["kinds"] if k != NONE]
    named = "on " + _either(kinds) if kinds else ""
    if NONE in group["kinds"]:
        named += (", or " if kinds else "") + "without a forecast"
    it = "it" if n == 1 else "them"
    return f"{n:,} lot{'' if n == 1 else 's'} sized {named}: check {it}"


def _either(words: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0]


def prior_lots_note(group: dict[str, Any]) -> str:
    """prior_lots_headline with the group's skus: '...: check them: N1, N2 and 10 more'."""
    skus = group["skus"]
    more = group["items"] - len(skus)
    return f"{prior_lots_headline(group)}: {', '.join(skus)}" + (
        f" and {more} more" if more > 0 else ""
    )


def spike_lots(lots: pd.DataFrame, shown: int = 10) -> dict[str, Any]:
    """For the run summary (JSON-able): how many lots to order rest on one recent demand far
    above their item's usual size (the explanation's `recent_spike`), and the first `shown`,
    the largest order value first: sku, quantity (units of that period), ratio (to the usual
    size), usual (units). `lots`: `optimize.Plan.frame()` (explanation as JSON text)."""
    ordered = lots[lots["quantity"] > 0].sort_values(
        ["order_value", "sku"], ascending=[False, True]
    )
    found = []
    for sku, text in zip(ordered["sku"], ordered["explanation"], strict=True):
        spike = json.loads(text).get("recent_spike")
        if spike:
            found.append({"sku": str(sku), "quantity": spike["quantity"], "usual": spike["usual"],
                          "ratio": spike["quantity"] / spike["usual"]})  # fmt: skip
    return {"items": len(found), "lots": found[:shown]}


def spike_lots_note(group: dict[str, Any]) -> str:
    """'1 lot rests on one recent demand far above its item's usual size: check it is not a
    one-off before approving: P-84518 (161 units, 36x its usual 4.5)' for a `spike_lots`
    group with items."""
    n = group["items"]
    named = ", ".join(
        f"{lot['sku']} ({lot['quantity']:,.0f} units, {lot['ratio']:,.0f}x its usual "
        f"{size_text(lot['usual'])})"
        for lot in group["lots"]
    )
    more = n - len(group["lots"])
    if n == 1:
        head = "1 lot rests on one recent demand far above its item's usual size: check it is"
    else:
        head = (f"{n:,} lots rest on one recent demand far above their items' usual size: check "
                "they are")  # fmt: skip
    return f"{head} not a one-off before approving: {named}" + (
        f" and {more} more" if more > 0 else ""
    )


def with_mark_commands(
    spikes: pd.DataFrame, days: list[tuple[Any, float] | None], db_file: str | Path
) -> pd.DataFrame:
    """`spikes` (sku, ds, ...: `models.recent_spikes`, unique_id as sku) with, per row, the
    day of its period whose order lines hold the most units (`days`: as
    `warehouse.largest_days`, one per row), those units and the command that marks them as a
    one-off (`reorder review one-off --db FILE SKU DAY`): its lot's reason ends with it."""
    program, db = prog(absolute=True), Path(db_file).resolve()
    order_date, day_units, mark = [], [], []
    for sku, day in zip(spikes["sku"], days, strict=True):
        order_date.append(day and day[0])
        day_units.append(day and day[1])
        when = day and f"{day[0]:%Y-%m-%d}"
        command = (program, "review", "one-off", "--db", db, sku, when)
        mark.append(warehouse.command_line(*command) if day else "")
    return spikes.assign(order_date=order_date, day_units=day_units, mark_command=mark)


def one_offs_summary(excluded: pd.DataFrame, shown: int = 10) -> dict[str, Any]:
    """For the run summary (JSON-able): the one-offs a planner marked that the run's demand
    left out (`warehouse.excluded_one_offs`): how many, their units, and the first `shown`,
    the largest first: sku, order_date, units."""
    ordered = excluded.sort_values(["units", "sku"], ascending=[False, True])
    rows = [{"sku": str(r.sku), "order_date": f"{r.order_date:%Y-%m-%d}", "units": float(r.units)}
            for r in ordered.itertuples(index=False)]  # fmt: skip
    return {"marks": len(rows), "units": float(ordered["units"].sum()), "shown": rows[:shown]}


def one_offs_note(group: dict[str, Any], listed: str = "") -> str:
    """'1 one-off marked by a planner left out of the forecasts: P-84518 (161 units of
    2026-12-01)' for a `one_offs_summary` with marks; `listed`: the command that lists them,
    added in brackets."""
    n = group["marks"]
    named = ", ".join(f"{m['sku']} ({m['units']:,.0f} units of {m['order_date']})"
                      for m in group["shown"])  # fmt: skip
    more = n - len(group["shown"])
    head = f"{n:,} one-off{'' if n == 1 else 's'} marked by a planner left out of the forecasts"
    tail = f" and {more} more" if more > 0 else ""
    return f"{head}: {named}{tail}" + (f" ({listed})" if listed else "")
