"""Bucket order lines into demand per item and period (the `unique_id, ds, y` long format).

Periods: `W` weeks starting Monday, `M` calendar months; only complete periods (last day on or
before as_of) count. Returns are netted: a credit line (negative quantity) counts in the period of
the original line (same order_id and sku, positive quantity, earliest such line), or in its own
period if there is none; net demand per item and period is floored at 0. The order lines of a
day a planner marked as a one-off for the item (`one_offs`, `warehouse.mark_one_off`) do not
count, nor do credits netted against them (counted on that day as the original line's).
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd

from warehouse.commands import command_line
from warehouse.connect import database_file
from warehouse.errors import HistoryError

FREQS = {"W": ("week", "INTERVAL 1 WEEK"), "M": ("month", "INTERVAL 1 MONTH")}
# No order line at all in this many days before as_of: the export is stale (or as_of a typo);
# planning on it would read the gap as zero demand for every item.
STALE_DAYS = 90
QUIET_DAYS = 14  # no order line for longer: the run notes it (a gap or a partial export)

_DEMAND_SQL = """
WITH lines AS (
    SELECT order_id, sku, order_date, quantity
    FROM order_lines
    WHERE order_date <= ? {sku_filter}
),
originals AS (
    SELECT order_id, sku, min(order_date) AS order_date
    FROM lines WHERE quantity > 0
    GROUP BY order_id, sku
),
counted AS (
    SELECT l.sku, l.quantity,
        CASE WHEN l.quantity < 0 THEN coalesce(o.order_date, l.order_date)
            ELSE l.order_date END AS day
    FROM lines AS l
    LEFT JOIN originals AS o
        ON l.quantity < 0 AND o.order_id = l.order_id AND o.sku = l.sku
),
-- a planner's one-offs (`one_offs`): the lines of a marked day, and credits netted against them
dated AS (
    SELECT c.sku, c.quantity, CAST(date_trunc('{unit}', c.day) AS DATE) AS ds
    FROM counted AS c
    LEFT JOIN one_offs AS m ON m.sku = c.sku AND m.order_date = c.day
    WHERE m.sku IS NULL
),
buckets AS (
    SELECT sku, ds, greatest(sum(quantity), 0) AS y
    FROM dated
    WHERE ds <= ?
    GROUP BY sku, ds
),
firsts AS (
    SELECT sku, min(ds) AS first_ds FROM buckets WHERE y > 0 GROUP BY sku
),
grid AS (
    SELECT sku, CAST(unnest(generate_series(
        CAST(first_ds AS TIMESTAMP), CAST(? AS TIMESTAMP), {step})) AS DATE) AS ds
    FROM firsts
)
SELECT g.sku AS unique_id, g.ds, CAST(coalesce(b.y, 0) AS DOUBLE) AS y
FROM grid AS g
LEFT JOIN buckets AS b ON b.sku = g.sku AND b.ds = g.ds
ORDER BY unique_id, g.ds
"""


def period_start(day: date, freq: str) -> date:
    """Start of the period containing `day`: its Monday (W) or the 1st of its month (M)."""
    _check_freq(freq)
    if freq == "W":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def last_complete_start(as_of: date, freq: str) -> date:
    """Start of the last period whose last day is on or before `as_of`."""
    return period_start(period_start_after(as_of, freq) - timedelta(days=1), freq)


def period_start_after(as_of: date, freq: str) -> date:
    """Start of the first period not complete at `as_of`: the first period to forecast."""
    start = period_start(as_of, freq)
    end = next_start(start, freq) - timedelta(days=1)
    return next_start(start, freq) if end <= as_of else start


def next_start(start: date, freq: str) -> date:
    """Start of the period after the one starting `start`."""
    if freq == "W":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def _check_freq(freq: str) -> None:
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {', '.join(FREQS)}, not {freq!r}")


def check_history(con: duckdb.DuckDBPyConnection, as_of: date) -> str | None:
    """Raise HistoryError unless order lines reach up to within STALE_DAYS of `as_of`; return
    a note when the newest is more than QUIET_DAYS old (the days since count as zero demand:
    right for a quiet spell, wrong for an incomplete export), else None."""
    first, last = con.execute(
        "SELECT min(order_date), max(order_date) FILTER (WHERE order_date <= ?) FROM order_lines",
        [as_of],
    ).fetchone()
    if last is None and first is None:
        raise HistoryError(f"no order line is loaded: nothing to forecast from{_lines_held(con)}")
    if last is None:
        raise HistoryError(
            f"no order line on or before as_of {as_of.isoformat()} (the loaded ones start on "
            f"{first}): nothing to forecast from; check --as-of"
        )
    gap = (as_of - last).days
    if gap > STALE_DAYS:
        raise HistoryError(
            f"the newest order line is from {last.isoformat()}, {gap:,} days before as_of "
            f"{as_of.isoformat()}: the order history looks stale (an old export, or as_of too "
            f"late); a plan would read {gap:,} days without any demand as zero demand"
        )
    if gap > QUIET_DAYS:
        return (
            f"the newest order line is from {last.isoformat()}, {gap:,} days before as_of "
            f"{as_of.isoformat()}: those days count as zero demand (is the export complete?)"
        )
    return None


def _lines_held(con: duckdb.DuckDBPyConnection) -> str:
    """Where the order lines went, when none loaded: the quarantine's count and first reason."""
    count, file, row, reason = con.execute(
        "SELECT count(DISTINCT (file, row_number)), arg_min(file, (file, row_number)), "
        "arg_min(row_number, (file, row_number)), arg_min(reason, (file, row_number)) "
        "FROM quarantine WHERE table_name = 'order_lines'"
    ).fetchone()
    if not count:
        return ""
    listed = command_line("reorder", "quarantine", "--db", database_file(con))
    return f"; {count:,} rows are in quarantine (first: {file} row {row}: {reason}); see `{listed}`"


def bucket_demand(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    freq: str = "W",
    skus: list[str] | None = None,
) -> pd.DataFrame:
    """Demand per item and complete period up to `as_of`: columns unique_id, ds, y (float units).

    Each item's series runs from its first period with demand to the last complete period,
    periods without demand filled with 0. `skus` limits the items (None: all). The lines of
    the days marked as one-offs are left out (`excluded_one_offs` names them).
    """
    _check_freq(freq)
    unit, step = FREQS[freq]
    last = last_complete_start(as_of, freq)
    sql = _DEMAND_SQL.format(
        unit=unit, step=step, sku_filter="AND list_contains(?, sku)" if skus is not None else ""
    )
    params: list[object] = [as_of, *([list(skus)] if skus is not None else []), last, last]
    frame = con.execute(sql, params).df()
    return frame.astype({"unique_id": str, "y": "float64"})
