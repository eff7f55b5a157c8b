"""One-off demand a planner marked: an item's order lines of one day that forecasts ignore.

A project order ("Sonderbedarf"), a quantity typed with an extra zero that the ERP let through:
once a planner has checked such a demand, `reorder review one-off` marks the item's order lines
of that day (table `one_offs`, one row per sku and day), and from then on the demand the
forecast is fitted on (`warehouse.bucket_demand`) leaves their units out, with the credits
netted against them. The lines stay loaded: unmarking brings them back, and the removed mark is
kept (table `one_off_removals`) for `reorder changes` to say why a forecast took them back in.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import pandas as pd

from warehouse.demand import last_complete_start, next_start, period_start
from warehouse.store import transaction

ONE_OFF_COLUMNS = ["sku", "order_date", "units", "lines", "note", "marked_by", "marked_at"]


class OneOffError(ValueError):
    """A one-off cannot be marked or unmarked (a sku the items do not hold, a day without
    order lines of it, a mark that is not there); nothing was written."""


@dataclass(frozen=True)
class Marked:
    """What `mark_one_off` did: the item's lines of the day (count, units), whether the
    mark is new (False: it was there) and whether a mark that was there got another note."""

    sku: str
    order_date: date
    lines: int
    units: float
    new: bool
    note_replaced: bool = False


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
    lines, units = _check_day(con, sku, order_date)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    before = _marked(con, sku, order_date)
    replaced = before is not None and bool(note.strip()) and note.strip() != before[0]
    con.execute(
        "INSERT INTO one_offs (sku, order_date, note, marked_by, marked_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (sku, order_date) DO UPDATE SET note = coalesce(excluded.note, one_offs.note)",
        [sku, order_date, note.strip() or None, marked_by or "unknown", now],
    )
    return Marked(sku, order_date, lines, units, before is None, replaced)


def mark_one_offs(
    con: duckdb.DuckDBPyConnection,
    marks: Sequence[tuple[str, date, str]],
    marked_by: str = "",
    now: datetime | None = None,
) -> list[Marked]:
    """Mark each (sku, order_date, note) of `marks` as `mark_one_off` does, all in one
    transaction (joining one open on `con`: with a planner's decisions), or none: raises
    OneOffError naming every mark refused ('sku Z-9: not in the items; sku A: no order line
    on ...') and a sku and day listed twice."""
    problems = []
    for sku, order_date, _note in marks:
        try:
            _check_item(con, sku)
            _check_day(con, sku, order_date)
        except OneOffError as error:
            problems.append(str(error))
    days = [(sku, order_date) for sku, order_date, _note in marks]
    problems += [
        f"sku {sku}: {day.isoformat()} listed twice"
        for sku, day in sorted(set(days))
        if days.count((sku, day)) > 1
    ]
    if problems:
        raise OneOffError("; ".join(problems))
    with transaction(con):
        return [mark_one_off(con, *mark, marked_by=marked_by, now=now) for mark in marks]


def unmark_one_off(
    con: duckdb.DuckDBPyConnection,
    sku: str,
    order_date: date,
    removed_by: str = "",
    now: datetime | None = None,
) -> None:
    """Remove the mark of `sku`'s order lines on `order_date`: forecasts count them again. The
    mark is kept in `one_off_removals` with `removed_by` and `now` (UTC; default: now), for
    `reorder changes` to name the units a night took back in (`marks_at`); the day can be
    marked again. Raises OneOffError naming the mark when it is not there."""
    if _marked(con, sku, order_date) is None:
        _check_item(con, sku)
        marked = [d.isoformat() for d in _marked_days(con, sku)]
        held = f" (its marked days: {', '.join(marked)})" if marked else " (it has none)"
        raise OneOffError(f"sku {sku}: {order_date.isoformat()} is not marked as a one-off{held}")
    now = now or datetime.now(UTC).replace(tzinfo=None)
    with transaction(con):
        con.execute(
            "INSERT INTO one_off_removals SELECT sku, order_date, note, marked_by, marked_at, "
            "?, ? FROM one_offs WHERE sku = ? AND order_date = ?",
            [removed_by or "unknown", now, sku, order_date],
        )
        con.execute("DELETE FROM one_offs WHERE sku = ? AND order_date = ?", [sku, order_date])


_MARKS_AT_SQL = """
SELECT sku, order_date FROM one_offs WHERE marked_at < ?
UNION
SELECT sku, order_date FROM one_off_removals WHERE marked_at < ? AND removed_at >= ?
"""


def marks_at(con: duckdb.DuckDBPyConnection, when: datetime) -> set[tuple[str, date]]:
    """The (sku, order_date) marked as one-offs at `when` (UTC): marked before it and not
    removed by then (`one_off_removals`): what a run started at `when` left out."""
    return {(sku, day) for sku, day in con.execute(_MARKS_AT_SQL, [when] * 3).fetchall()}


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
    return _complete(frame, as_of, freq)


_DAYS_SQL = """
SELECT l.sku, l.order_date, sum(l.quantity) AS units
FROM order_lines AS l
JOIN (SELECT unnest(?) AS sku, unnest(?) AS order_date) AS d
    ON d.sku = l.sku AND CAST(d.order_date AS DATE) = l.order_date
WHERE l.order_date <= ?
GROUP BY ALL
ORDER BY l.sku, l.order_date
"""


def counted_days(
    con: duckdb.DuckDBPyConnection,
    days: Collection[tuple[str, date]],
    as_of: date,
    freq: str = "W",
) -> pd.DataFrame:
    """Of `days` (sku, order_date), those whose order lines `bucket_demand(con, as_of, freq)`
    would count unmarked: sku, order_date, ds (the start of its period) and units (of the
    day's lines), of the days in its complete periods that hold order lines."""
    pairs = sorted(days)
    if not pairs:
        return pd.DataFrame(columns=["sku", "order_date", "ds", "units"])
    frame = con.execute(_DAYS_SQL, [[s for s, _ in pairs], [d for _, d in pairs], as_of]).df()
    return _complete(frame, as_of, freq)


def _complete(frame: pd.DataFrame, as_of: date, freq: str) -> pd.DataFrame:
    """The rows (sku, order_date, units) of `frame` in as_of's complete periods, with ds."""
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


_SPIKE_SQL = """
SELECT r.sku, CAST(r.explanation->'recent_spike'->>'order_date' AS DATE) AS order_date,
       CAST(r.explanation->'recent_spike'->>'day_units' AS DOUBLE) AS units
FROM recommendations AS r
WHERE r.run_key = ? AND r.quantity > 0
  AND r.explanation->'recent_spike'->>'order_date' IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM one_offs AS m WHERE m.sku = r.sku
                  AND m.order_date = CAST(r.explanation->'recent_spike'->>'order_date' AS DATE))
ORDER BY r.order_value DESC NULLS LAST, r.sku
"""


def spike_days(con: duckdb.DuckDBPyConnection, run_key: str) -> pd.DataFrame:
    """The run_key's lots resting on one recent demand far above their item's usual size
    (their explanation's `recent_spike`) whose day is not marked as a one-off: sku,
    order_date (the day of that period holding most units) and units (of that day's lines,
    as the run saw them); the largest order value first."""
    frame = con.execute(_SPIKE_SQL, [run_key]).df()
    return frame.assign(order_date=[d.date() for d in pd.to_datetime(frame["order_date"])])


def largest_day(
    con: duckdb.DuckDBPyConnection, sku: str, start: date, freq: str = "W"
) -> tuple[date, float] | None:
    """The day of the period starting `start` on which `sku`'s order lines hold the most
    units, and those units (the latest day of a tie); None without lines: the day a planner
    marks to leave a large period's demand out (`mark_one_off`)."""
    row = con.execute(_DAY_SQL, [sku, start, next_start(start, freq)]).fetchone()
    return None if row is None else (row[0], float(row[1]))


def largest_days(
    con: duckdb.DuckDBPyConnection, periods: pd.DataFrame, freq: str = "W"
) -> list[tuple[date, float] | None]:
    """`largest_day` of each row of `periods` (sku, ds: the period's start), in order: the
    days a run's recent spikes (`models.recent_spikes`) name for a planner to mark."""
    return [
        largest_day(con, str(sku), pd.Timestamp(ds).date(), freq)
        for sku, ds in zip(periods["sku"], periods["ds"], strict=True)
    ]


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


def _check_day(con: duckdb.DuckDBPyConnection, sku: str, day: date) -> tuple[int, float]:
    """(count, units) of `sku`'s order lines on `day`; OneOffError naming the item's order
    days near it when there are none."""
    lines, units = _day_lines(con, sku, day)
    if not lines:
        raise OneOffError(f"sku {sku}: no order line on {day.isoformat()}{_near(con, sku, day)}")
    return lines, units


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
