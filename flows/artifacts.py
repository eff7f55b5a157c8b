"""What a run shows planners in the Prefect UI: a table of lots, a markdown summary, the
progress of the report and a link to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import get_run_logger
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

import models
import optimize
import warehouse
from flows import report
from flows.change_text import changes_headline
from flows.console import (
    BUYER_FORMATS,
    ORDER_COSTS,
    beyond_horizon_note,
    held_back_note,
    more_unused_text,
    order_cost_held_note,
    order_cost_text,
    quarantined_text,
    replacing_text,
    unused_note,
)
from flows.params import MAX_HORIZON, RunParameters
from flows.report import short_count, totals
from flows.requirements import requirements_note, requirements_summary
from flows.sources import (
    one_offs_note,
    prior_lots,
    prior_lots_note,
    sources,
    spike_lots,
    spike_lots_note,
)
from optimize.explain import periods_short, share

NOT_PLANNED_SHOWN = 20  # items or offers listed in the run summary
# lots in the table artifact: Prefect refuses events above 1.5 MB (4,739 lots made 3.3 MB)
TABLE_ROWS = 1000
LOTS_KEY = "recommended-lots"
SUMMARY_KEY = "run-summary"
REPORT_KEY = "run-report"
REPORT_PROGRESS_KEY = "run-report-progress"
# A run that is not the published plan (an earlier night, some items only) versions its own
# keys, so the keys above always show the plan that `reorder lots` and the review show.
RERUN_SUFFIX = "-rerun"


def artifact_keys(published: bool) -> dict[str, str]:
    """Artifact key per kind (lots, summary, report, progress) for a published run or not."""
    keys = {"lots": LOTS_KEY, "summary": SUMMARY_KEY, "report": REPORT_KEY,
            "progress": REPORT_PROGRESS_KEY}  # fmt: skip
    return keys if published else {k: v + RERUN_SUFFIX for k, v in keys.items()}


_LOT_COLUMNS = [
    "sku",
    "supplier_id",
    "quantity",
    "unit_price",
    "order_value",
    "savings",
    "expected_leftover",
    "stockout_risk",
    "reason",
]


def ordered_lots(result: optimize.Plan, models: pd.DataFrame | None = None) -> pd.DataFrame:
    """Lots with a positive quantity, biggest order value first; with `models` (sku, model,
    n_demands, group: `flows.sources`) a `forecast` column before the reason names a forecast
    that is not the item's own history ("category's typical item: check"; empty otherwise)."""
    frame = result.frame()
    lots = frame[frame["quantity"] > 0]
    lots = lots.sort_values(["order_value", "sku"], ascending=[False, True])[_LOT_COLUMNS]
    if models is None:
        return lots
    found = sources(lots, models)
    short = dict(zip(found["sku"], found["short"], strict=True))
    return lots.assign(forecast=[short.get(sku, "") for sku in lots["sku"]]).reindex(
        columns=[*_LOT_COLUMNS[:-1], "forecast", "reason"]
    )


def summarize(
    params: RunParameters,
    run_id: str,
    report: warehouse.LoadReport,
    result: optimize.Plan,
    unplannable: pd.DataFrame,
    seconds: dict[str, float],
    models: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Key figures of a run as plain JSON-able values (also the flow's return value).
    `models`: per item its forecast's model, n_demands and group (`flows.sources`), for the
    lots sized on a forecast that is not their item's own history (`prior_lots`)."""
    frame = result.frame()
    lots = frame[frame["quantity"] > 0]
    explained = [json.loads(e) for e in frame["explanation"]]
    held_back = _held_back(frame["sku"], explained)
    beyond = beyond_horizon(frame["sku"], explained, params.period_word)
    fills = [e["fill_rate_decided"] for e in explained]
    unavoidable = [e.get("stockout_risk_unavoidable", 0.0) for e in explained]
    invoice_discount = result.supplier_discount
    spend, savings = totals(lots, invoice_discount)
    return {
        "run_id": run_id,
        "run_key": params.run_key(),
        "as_of": params.as_of.isoformat(),
        "settings": params.settings_text(),  # 'monthly, horizon 13 months, service level 95%'
        # absolute: the commands the summary and report print work in a terminal in any folder
        "db_path": str(params.db_path.resolve()),
        "items_planned": len(frame),
        # a run of some items (`items`, `category`): its items, of which its notes speak
        "run_skus": _run_skus(frame, unplannable) if params.some_items else None,
        "items_unplannable": int((~unplannable["planned"]).sum()),
        "offers_left_out": int(unplannable["planned"].sum()),
        "not_planned": _not_planned(unplannable),
        "lots": len(lots),
        "spend": round(spend, 2),
        "savings": round(savings, 2),
        "supplier_discount": round(invoice_discount, 2),
        # optimize.Plan.orders: per supplier with an order_cost or a minimum, its order tonight
        "purchase_orders": result.orders,
        "expected_leftover_units": round(float(lots["expected_leftover"].sum()), 1),
        "items_held_back": sum(group["items"] for group in held_back),
        "held_back": held_back,
        "order_cost_held": _order_cost_held(frame["sku"], explained),
        "beyond_horizon": beyond,
        "prior_lots": None if models is None else prior_lots(frame, models),
        # lots resting on one recent demand far above their item's usual size (their reasons
        # end by naming it)
        "spike_lots": spike_lots(frame),
        # planners' dated known demand (requirements.csv): counted, overdue, after the horizon
        "requirements": requirements_summary(
            list(frame["sku"]), explained, params.as_of.isoformat()
        ),
        # a fill rate below the service level: what a planner setting it would not expect
        "items_at_risk": sum(f < params.fill_target() - 1e-9 for f in fills),
        "fill_target": params.fill_target(),
        "items_short_before_arrival": short_count(unavoidable, params.service_level),
        "rows_quarantined": report.quarantined,
        "rows_after_as_of": report.after_as_of,
        "input_notes": list(report.notes),
        "service_level": params.service_level,
        "solver": params.solver,
        "solver_status": result.solver_status,
        "solver_gap": result.gap,
        "optimal": result.optimal,
        "relaxed": result.relaxed,
        "infeasible_reason": result.infeasible_reason,
        "stage_seconds": seconds,
    }


def _run_skus(frame: pd.DataFrame, unplannable: pd.DataFrame) -> list[str]:
    """The items of a run, sorted: those it planned and those it could not."""
    unplanned = unplannable.loc[~unplannable["planned"], "sku"]
    return sorted({str(s) for s in frame["sku"]} | {str(s) for s in unplanned})


def _held_back(skus: pd.Series, explained: list[dict], shown: int = NOT_PLANNED_SHOWN) -> list:
    """Per set of shared limits that held items back (the explanation's `limits`, e.g.
    ["budget"]): how many items and the first `shown` skus, the largest group first."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for sku, explanation in zip(skus, explained, strict=True):
        if explanation.get("limits"):
            groups.setdefault(tuple(explanation["limits"]), []).append(str(sku))
    ordered = sorted(groups.items(), key=lambda g: -len(g[1]))
    return [{"limits": list(k), "items": len(v), "skus": v[:shown]} for k, v in ordered]


def _order_cost_held(
    skus: pd.Series, explained: list[dict], shown: int = NOT_PLANNED_SHOWN
) -> dict | None:
    """Items whose best lot a purchase order kept back (the explanation's
    `best_without_order_cost`): how many, and the first `shown` skus with that lot's supplier
    and what held it (`offers`: sku -> [supplier_id, order_cost or min_order_value; runs
    before 2026-12-07: order_cost]); None if none. Each item's reason says it, but only
    `lots --all` listed the items without an order."""
    held = [(str(sku), [b["supplier_id"], b.get("held_by", "order_cost")])
            for sku, e in zip(skus, explained, strict=True)
            if (b := e.get("best_without_order_cost"))]  # fmt: skip
    if not held:
        return None
    return {"items": len(held), "skus": [s for s, _ in held[:shown]],
            "offers": dict(held[:shown])}  # fmt: skip


def beyond_horizon(
    skus: pd.Series, explained: list[dict], period: str, shown: int = NOT_PLANNED_SHOWN
) -> dict | None:
    """Items whose lots cannot arrive within the horizon (shortest lead time at or past its
    end): how many, the first `shown` skus and by how many periods the horizon falls short of
    the latest one a longer horizon can plan (a lot arriving in period L needs L + 1 periods;
    0 if none can); `beyond_longest`: the first `shown` skus whose lots cannot arrive within
    the longest horizon (MAX_HORIZON) either (`beyond_longest_items` of them), a lead_time to
    check (1e20 days, a typo, was advised as a horizon 14285714285714286580 weeks longer);
    `horizon`: its periods; `offers`: per sku named, the offer with its shortest lead time
    (supplier_id, lead_time in days or None if not known, in periods, the table of that
    lead_time: suppliers or supplier_items), the supplier to ask;
    None if there are none. Each item's reason says it, but a planner must see it at once: a
    longer horizon is the only way to plan them."""
    late = []
    for sku, e in zip(skus, explained, strict=True):
        if (k := periods_short(e)) > 0:
            late.append((str(sku), k, e.get("horizon_periods", 1) + k > MAX_HORIZON, e))
    if not late:
        return None
    reachable = [k for _, k, beyond, _ in late if not beyond]
    beyond = [s for s, _, far, _ in late if far]
    named = set(s for s, _, _, _ in late[:shown]) | set(beyond[:shown])
    offers = {
        s: _fastest(e) for s, _, _, e in late if s in named and "shortest_lead_time_offer" in e
    }
    return {"items": len(late), "skus": [s for s, _, _, _ in late[:shown]],
            "periods_short": max(reachable, default=0), "period": period,
            "beyond_longest": beyond[:shown], "beyond_longest_items": len(beyond),
            "horizon": late[0][3].get("horizon_periods"), "offers": offers}  # fmt: skip


def _fastest(explanation: dict) -> list:
    """[supplier_id, lead_time in days (None: not known), in periods, the table it comes from
    (suppliers or supplier_items)] of the item's offer with the shortest lead time."""
    offer = explanation["shortest_lead_time_offer"]
    periods = explanation["shortest_lead_time_periods"]
    table = offer.get("lead_time_table", "suppliers")  # runs before 2026-12-07: suppliers'
    return [offer["supplier_id"], offer["lead_time_days"], periods, table]


def _not_planned(unplannable: pd.DataFrame, limit: int = NOT_PLANNED_SHOWN) -> list[dict]:
    """The first `limit` items or offers the plan could not use, with the reason."""
    return [{"sku": str(r.sku), "reason": str(r.reason)}
            for r in unplannable.head(limit).itertuples(index=False)]  # fmt: skip


def publish_artifacts(
    summary: dict[str, Any],
    result: optimize.Plan,
    keys: dict[str, str] | None = None,
    models: pd.DataFrame | None = None,
) -> None:
    """Table of lots and a markdown summary; the same keys every night version them
    (`artifact_keys`). `models`: as `ordered_lots`' (the table's `forecast` column)."""
    keys = keys or artifact_keys(True)
    lots = ordered_lots(result, models)
    create_table_artifact(
        table=buyer_table(lots.head(TABLE_ROWS)),
        key=keys["lots"],
        description=_table_description(summary, len(lots)),
    )
    create_markdown_artifact(markdown=summary_markdown(summary), key=keys["summary"])


def buyer_table(lots: pd.DataFrame) -> list[dict[str, str]]:
    """Rows with numbers as a buyer reads them: thousands separators, money with two
    decimals, whole units, risks in percent."""
    shown = lots.astype(object).where(lots.notna(), "")
    for column, fmt in BUYER_FORMATS.items():
        if column in shown:
            shown[column] = [fmt(v) if v != "" else "" for v in shown[column]]
    return shown.to_dict("records")


def _table_description(summary: dict[str, Any], n: int) -> str:
    """'Recommended order lots as of ... (N lots)', saying when only the first are shown."""
    text = f"Recommended order lots as of {summary['as_of']} ({n:,} lots"
    if n <= TABLE_ROWS:
        return text + ")"
    every = warehouse.command_line("reorder", "lots", "--db", summary["db_path"])
    return f"{text}; the {TABLE_ROWS:,} largest by order value shown, all: {every})"


def _supplier_discount_lines(summary: dict[str, Any]) -> list[str]:
    lines = []
    if summary.get("supplier_discount"):
        lines.append(f"| of which supplier-wide tiers (off the invoices) | "
                     f"{summary['supplier_discount']:,.2f} |")  # fmt: skip
    if orders := order_cost_text(summary.get("purchase_orders") or {}):
        lines.append(f"| {ORDER_COSTS} | {orders} |")
    return lines


def summary_markdown(summary: dict[str, Any]) -> str:
    """A short text a planner reads first."""
    proven = "proven optimal" if summary["optimal"] else "NOT proven optimal"
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in summary["stage_seconds"].items())
    return "\n".join(
        [
            f"# Order recommendations as of {summary['as_of']}",
            *_settings_lines(summary),
            "",
            "| figure | value |",
            "|---|---|",
            f"| lots to order | {summary['lots']} of {summary['items_planned']} "
            f"item{'' if summary['items_planned'] == 1 else 's'} |",
            f"| spend | {summary['spend']:,.2f} |",
            f"| discount savings vs base prices | {summary['savings']:,.2f} |",
            *_supplier_discount_lines(summary),
            f"| expected leftover at horizon end | {summary['expected_leftover_units']:,.0f}"
            " units |",
            f"| items whose lot serves less than {_service(summary)} of the demand it decides |"
            f" {summary['items_at_risk']} |",
            f"| {report.short_label(summary.get('service_level', 0.95))} | "
            f"{summary.get('items_short_before_arrival', 0)} |",
            *_prior_rows(summary),
            f"| items not ordered as wished because of a limit | {summary['items_held_back']} |",
            f"| items that cannot be planned | {summary['items_unplannable']} |",
            f"| offers left out (the item is planned with its others) | "
            f"{summary.get('offers_left_out', 0)} |",
            f"| quarantined | {quarantined_text(summary)} |",
            *_scenario_lines(summary),
            f"| solver | {summary['solver']}: {summary['solver_status']}, {proven},"
            f" gap {_percent(summary['solver_gap'])} |",
            f"| stage times | {stages} |",
            *_relaxed_lines(summary),
            *[f"\n**{label}:** {text}" for label, text in exception_notes(summary)],
            *_prior_lines(summary),
            *_changes_lines(summary),
            *_not_planned_lines(summary),
            *_adjustment_lines(summary),
            *_accuracy_lines(summary),
            "",
            f"Run `{summary['run_id']}` (key `{summary['run_key']}`), "
            f"warehouse `{summary['db_path']}`.",
        ]
    )


def _settings_lines(summary: dict[str, Any]) -> list[str]:
    """'Planned monthly, horizon 13 months, service level 95%.' under the title, as under the
    report's (summaries before 2026-12-07: none). The summary did not say whether its lots
    cover weeks or months."""
    settings = summary.get("settings")
    lines = ["", f"Planned {settings}."] if settings else []
    if replacing := replacing_text(summary.get("replaced_run")):
        lines += ["", f"Published, {replacing}."]
    return lines


def _prior_rows(summary: dict[str, Any]) -> list[str]:
    """The lots sized on a forecast that is not their item's own history (summaries before
    2026-12-07: none)."""
    group = summary.get("prior_lots")
    if group is None:
        return []
    return [f"| lots sized on a forecast that is not their item's own history | {group['items']} |"]


def _prior_lines(summary: dict[str, Any]) -> list[str]:
    """Which lots are sized on a forecast that is not their item's own history, under the
    table: a planner checks them (the table artifact's `forecast` column marks them)."""
    group = summary.get("prior_lots")
    if not group or not group["items"]:
        return []
    return [f"\n**Forecasts:** {prior_lots_note(group)}"]


def _service(summary: dict[str, Any]) -> str:
    """The fill target (min_service_level, else service_level) as a percent, e.g. 95%."""
    return share(summary.get("fill_target", summary.get("service_level", 0.95)))


def report_notes(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """exception_notes, the input rows in quarantine (a report read alone says rows were
    rejected, with the command that lists them) and the items or offers the plan could not
    use (the summary's first ones, then how many more)."""
    rows = summary.get("not_planned") or []
    unused = [unused_note(row) for row in rows]
    if more := _more_unused(summary):
        every = warehouse.command_line(
            "reorder", "lots", "--db", summary["db_path"], "--run-id", summary["run_id"], "--all"
        )
        unused.append(("Not planned", f"... and {more} ({every})"))
    return exception_notes(summary) + _quarantine_note(summary) + unused


def _quarantine_note(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """("Quarantine", "8 input rows, ... (reorder quarantine --db ...)") when rows were
    quarantined (`console.quarantined_text`); none otherwise."""
    if not summary.get("rows_quarantined"):
        return []
    listed = warehouse.command_line("reorder", "quarantine", "--db", summary["db_path"])
    return [("Quarantine", f"{quarantined_text(summary)} ({listed})")]


def exception_notes(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of what a planner must see beside the lots: items held back per limit,
    items whose lots cannot arrive within the horizon, lots resting on one recent demand far
    above their item's usual size, the one-offs planners marked that the forecasts left out,
    decisions of the night made on other runs or on lots this run no longer recommends, notes
    on the input files. The run summary
    and the HTML report show the same."""
    notes = [("Limits", held_back_note(group)) for group in summary.get("held_back", [])]
    if summary.get("order_cost_held"):
        notes.append(("Order costs", order_cost_held_note(summary["order_cost_held"])))
    if summary.get("beyond_horizon"):
        notes.append(("Lead times", beyond_horizon_note(summary["beyond_horizon"])))
    if (spikes := summary.get("spike_lots")) and spikes["items"]:
        notes.append(("Recent demand", spike_lots_note(spikes)))
    if (marked := summary.get("one_offs")) and marked["marks"]:
        notes.append(("One-offs", one_offs_note(marked)))
    if required := summary.get("requirements"):
        notes.append(("Requirements", requirements_note(required)))
    notes += [("Decisions", note) for note in summary.get("decision_notes", [])]
    return notes + [("Input", note) for note in summary.get("input_notes", [])]


def _scenario_lines(summary: dict[str, Any]) -> list[str]:
    """The demand scenarios per item the plan weighed (summaries before 2026-12-06: none)."""
    if "scenarios" not in summary:
        return []
    return [f"| demand scenarios per item | {summary['scenarios']:,} |"]


def _relaxed_lines(summary: dict[str, Any]) -> list[str]:
    """A warning under the table when the service-level targets could not all be met."""
    if not summary.get("relaxed"):
        return []
    return ["", f"**Relaxed plan**: {summary['infeasible_reason']}"]


def _changes_lines(summary: dict[str, Any]) -> list[str]:
    """What changed in the lots since the night before: the counts and the largest changes
    with their drivers (`change_text.change_summary`; summaries before 2026-12-07 and runs that
    are not the published plan: none)."""
    changes = summary.get("changes")
    if not changes:
        return []
    lines = ["", "## Changes since the night before", "", changes_headline(changes) + "."]
    if rows := changes["largest"]:
        lines += ["", f"| {' | '.join(rows[0])} |", "|---|---|---|---|---:|---|"]
        lines += ["| " + " | ".join(_cell(v) for v in row.values()) + " |" for row in rows]
    if changes["since"]:
        every = warehouse.command_line("reorder", "changes", "--db", summary["db_path"])
        lines += ["", f"Every change, largest in order value first: `{every}`."]
    return lines


def _cell(text: str) -> str:
    """Text in a markdown table cell: a '|' of its own does not end the cell."""
    return text.replace("|", "\\|")


def _not_planned_lines(summary: dict[str, Any]) -> list[str]:
    """Which items (or offers) the plan could not use, and why."""
    rows = summary.get("not_planned") or []
    if not rows:
        return []
    more = _more_unused(summary)
    return [
        "",
        "## Input the plan could not use",
        "",
        *(f"- {unused_note(r)[1]}" for r in rows),
        *([f"- ... and {more}"] if more else []),
    ]


def _more_unused(summary: dict[str, Any]) -> str | None:
    """'2 more items not planned, 20 more offers left out' than the summary lists
    (`console.more_unused_text`); None when it lists them all."""
    rows = summary.get("not_planned") or []
    counts = summary.get("items_unplannable", 0), summary.get("offers_left_out", 0)
    return more_unused_text(rows, *counts)


def _adjustment_lines(summary: dict[str, Any]) -> list[str]:
    """What moved the forecast away from the chosen models (lifecycle stages, calendar)."""
    lines = summary.get("forecast_adjustments") or []
    if not lines:
        return []
    return ["", "## Forecast adjustments", "", *(f"- {line}" for line in lines)]


def _accuracy_lines(summary: dict[str, Any]) -> list[str]:
    """How earlier nights' forecasts did on the periods that have passed (if any)."""
    rows = summary.get("forecast_accuracy") or []
    if not rows:
        return []
    lines = [
        "",
        "## How earlier forecasts did",
        "",
        "| forecast as of | periods passed | items | bias (forecast / actual - 1) "
        "| demand above the 90% quantile | WQL (1.0 = forecasting zero) "
        "| total demand above the 90% quantile of the total |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        bias = "n/a" if r["bias"] is None else f"{r['bias']:+.0%}"
        wql = "n/a" if r["wql"] is None else f"{r['wql']:.2f}"
        total = r.get("total_above_q90")
        total = "n/a" if total is None else f"{total:.0%} of items"
        lines.append(
            f"| {r['as_of']} | {r['periods']} | {r['items']} | {bias} "
            f"| {r['above_q90']:.0%} of item-periods | {wql} | {total} |"
        )
    notes = []
    if any(r["bias"] is None or r["wql"] is None for r in rows):
        notes.append("no demand came in those periods, and bias and WQL divide by it")
    if any(r.get("total_above_q90") is None for r in rows):
        notes.append("that night stored no totals")
    if notes:
        lines += ["", f"n/a: {'; '.join(notes)}."]
    lines += ["", "Per item, largest miss first: `reorder accuracy --db FILE --items`."]
    return lines


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.3f}%"


def report_with_artifacts(
    params: RunParameters,
    run_id: str,
    inputs: dict[str, pd.DataFrame],
    demand: pd.DataFrame,
    fc: models.Forecast,
    result: optimize.Plan,
    keys: dict[str, str] | None = None,
    summary: dict[str, Any] | None = None,
) -> str | None:
    """Write the run's HTML report with a progress artifact (items charted) and a link
    artifact to it; return its path. A failing report is logged, not raised: the lots are
    already published and stay usable without it. `summary`: the run summary, whose
    exceptions (report_notes), replaced run and changes since the night before the report
    names."""
    keys = keys or artifact_keys(True)
    progress = create_progress_artifact(
        0.0, key=keys["progress"], description="Report: items charted"
    )

    def on_item(done: int, total: int) -> None:
        update_progress_artifact(progress, 100.0 * done / max(total, 1))

    try:
        notes = tuple(report_notes(summary)) if summary else ()
        replaced, changes = (summary or {}).get("replaced_run"), (summary or {}).get("changes")
        path = report.write_report(
            params, run_id, inputs, demand, fc, result, on_item, notes, replaced, changes
        )
    except Exception as error:
        get_run_logger().error("report failed: %s: %s", type(error).__name__, error)
        return None
    update_progress_artifact(progress, 100.0)
    create_link_artifact(
        link=Path(path).as_uri(),
        link_text=f"Report {params.run_key()}",
        key=keys["report"],
        description=f"HTML report of the run as of {params.as_of.isoformat()}: {path}",
    )
    return path
