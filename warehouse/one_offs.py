"""One-off demand a planner marked: an item's order lines of one day that forecasts ignore.

A project order ("Sonderbedarf"), a quantity typed with an extra zero that the ERP let through:
once a planner has checked such a demand, `reorder review one-off` marks the item's order lines
of that day (table `one_offs`, one row per sku and day), and from then on the demand the
forecast is fitted on (`warehouse.bucket_demand`) leaves their units out, with the credits
netted against them. The lines stay loaded: unmarking brings them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import pandas as pd

from warehouse.demand import last_complete_start, next_start, period_start

ONE_OFF_COLUMNS = ["sku", "order_date", "units", "lines", "note", "marked_by", "marked_at"]


class OneOffError(ValueError):
    """A one-off cannot be marked or unmarked (a sku the items do not hold, a day without
    order lines of it, a mark that is not there); nothing was written."""


@dataclass(frozen=True)
class Marked:
    """What `mark_one_off` did: the item's lines of the day (count, units) and whether the
    mark is new (False: it was there, its note replaced if one was given)."""

    sku: str
    order_date: date
    lines: int
    units: float
    new: bool


def mark_one_off(
    con: duckdb.DuckDBPyConnection,
    sku: str,
    order_date: date,
    note: str = "",
    marked_by: str = "",
    now: datetime | None = None,
) -> Marked:
    """Mark the order lines of `sku` on `order_date` as a one-off (`note`: why; empty: none).
    Marking again keeps one row (and its first marked_at), replacing the note when one is
    given. Raises OneOffError for a sku the items do not hold or a day without its lines."""
    _check_item(con, sku)
    lines, units = _day_lines(con, sku, order_date)
    if not lines:
        near = _near(con, sku, order_date)
        raise OneOffError(f"sku {sku}: no order line on {order_date.isoformat()}{near}")
    now = now or datetime.now(UTC).replace(tzinfo=None)
    new = _marked(con, sku, order_date) is None
    con.execute(
        "INSERT INTO one_offs (sku, order_date, note, marked_by, marked_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (sku, order_date) DO UPDATE SET note = coalesce(excluded.note, one_offs.note)",
        [sku, order_date, note.strip() or None, marked_by or "unknown", now],
    )
    return Marked(sku, order_date, lines, units, new)


def unmark_one_off(con: duckdb.DuckDBPyConnection, sku: str, order_date: date) -> None:
    """Remove the mark of `sku`'s order lines on `order_date`: forecasts count them again.
    Raises OneOffError naming the mark when it is not there."""
    if _marked(con, sku, order_date) is None:
        _check_item(con, sku)
        marked = [d.isoformat() for d in _marked_days(con, sku)]
        held = f" (its marked days: {', '.join(marked)})" if marked else " (it has none)"
        raise OneOffError(f"sku {sku}: {order_date.isoformat()} is not marked as a one-off{held}")
    con.execute("DELETE FROM one_offs WHERE sku = ? AND order_date = ?", [sku, order_date])


_LIST_SQL = """
SELECT m.sku, m.order_date, coalesce(sum(l.quantity), 0) AS units, count(l.sku) AS lines,
       m.note, m.marked_by, m.marked_at
FROM one_offs AS m
LEFT JOIN order_lines AS l ON l.sku = m.sku AND l.order_date = m.order_date
GROUP BY ALL
ORDER BY m.sku, m.order_date
"""


def one_offs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every mark: sku, order_date, units and lines (what the item's order lines of that day
    hold now: a later export may change them), note, marked_by, marked_at (UTC)."""
    return con.execute(_LIST_SQL).df().reindex(columns=ONE_OFF_COLUMNS)


_EXCLUDED_SQL = """
SELECT m.sku, m.order_date, sum(l.quantity) AS units
FROM one_offs AS m
JOIN order_lines AS l ON l.sku = m.sku AND l.order_date = m.order_date
WHERE m.order_date <= ? {sku_filter}
GROUP BY ALL
ORDER BY m.sku, m.order_date
"""


def excluded_one_offs(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    freq: str = "W",
    skus: list[str] | None = None,
) -> pd.DataFrame:
    """The marks `bucket_demand(con, as_of, freq, skus)` leaves out: sku, order_date, ds (the
    start of its period) and units (of the day's lines), of the days in its complete periods
    that hold order lines."""
    sql = _EXCLUDED_SQL.format(sku_filter="AND list_contains(?, m.sku)" if skus is not None else "")
    frame = con.execute(sql, [as_of, *([list(skus)] if skus is not None else [])]).df()
    last = last_complete_start(as_of, freq)
    days = [d.date() if hasattr(d, "date") else d for d in frame["order_date"]]
    frame = frame.assign(order_date=days, ds=[period_start(d, freq) for d in days])
    kept = frame[pd.Series([ds <= last for ds in frame["ds"]], index=frame.index, dtype=bool)]
    return kept.reset_index(drop=True)[["sku", "order_date", "ds", "units"]]


_DAY_SQL = """
SELECT order_date, sum(quantity) AS units
FROM order_lines
WHERE sku = ? AND order_date >= ? AND order_date < ? AND quantity > 0
GROUP BY order_date
ORDER BY units DESC, order_date DESC
LIMIT 1
"""


def largest_day(
    con: duckdb.DuckDBPyConnection, sku: str, start: date, freq: str = "W"
) -> tuple[date, float] | None:
    """The day of the period starting `start` on which `sku`'s order lines hold the most
    units, and those units (the latest day of a tie); None without lines: the day a planner
    marks to leave a large period's demand out (`mark_one_off`)."""
    row = con.execute(_DAY_SQL, [sku, start, next_start(start, freq)]).fetchone()
    return None if row is None else (row[0], float(row[1]))


def _check_item(con: duckdb.DuckDBPyConnection, sku: str) -> None:
    """Raise OneOffError unless the items hold `sku` (naming the item it matches in another
    case)."""
    if con.execute("SELECT count(*) FROM items WHERE sku = ?", [sku]).fetchone()[0]:
        return
    rows = con.execute(
        "SELECT sku FROM items WHERE lower(sku) = lower(?) ORDER BY sku", [sku]
    ).fetchall()
    same = [s for (s,) in rows]
    hint = f" (items has {', '.join(same)}; skus match exactly)" if same else ""
    raise OneOffError(f"sku {sku}: not in the items{hint}")


def _day_lines(con: duckdb.DuckDBPyConnection, sku: str, day: date) -> tuple[int, float]:
    """(count, units) of `sku`'s order lines on `day`."""
    count, units = con.execute(
        "SELECT count(*), coalesce(sum(quantity), 0) FROM order_lines "
        "WHERE sku = ? AND order_date = ?",
        [sku, day],
    ).fetchone()
    return int(count), float(units)


def _near(con: duckdb.DuckDBPyConnection, sku: str, day: date) -> str:
    """'; its nearest: 2026-12-01 (161 units)': the item's order days closest to `day` (a
    week each side), for a day typed one off; '' when it has none within."""
    rows = con.execute(
        "SELECT order_date, sum(quantity) FROM order_lines WHERE sku = ? AND order_date "
        "BETWEEN ? AND ? GROUP BY order_date ORDER BY abs(order_date - ?), order_date LIMIT 3",
        [sku, day - timedelta(days=7), day + timedelta(days=7), day],
    ).fetchall()
    if not rows:
        return " (none within a week of it either)"
    near = ", ".join(f"{d.isoformat()} ({u:,.0f} units)" for d, u in sorted(rows))
    return f" (its order days within a week: {near})"


def _marked(con: duckdb.DuckDBPyConnection, sku: str, day: date) -> tuple | None:
    return con.execute(
        "SELECT note, marked_at FROM one_offs WHERE sku = ? AND order_date = ?", [sku, day]
    ).fetchone()


def _marked_days(con: duckdb.DuckDBPyConnection, sku: str) -> list[date]:
    rows = con.execute(
        "SELECT order_date FROM one_offs WHERE sku = ? ORDER BY order_date", [sku]
    ).fetchall()
    return [day for (day,) in rows]
