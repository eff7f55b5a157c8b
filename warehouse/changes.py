"""What changed in the recommended lots since the night before, and the stored drivers of it.

A planner's first question of a morning is what moved since yesterday's plan and why. Each run
stores what its plan counted (recommendations' explanation: on_hand, open_orders), its forecast
(cumulative_forecasts) and its lots' lead times (run_lead_times): comparing two runs' rows
answers it without planning again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from warehouse.one_offs import counted_days, marks_at
from warehouse.runs import run_parameters

CHANGE_KINDS = ("new", "dropped", "more", "fewer", "other supplier")  # of a changed lot
UNCHANGED = "unchanged"  # same supplier and quantity: counted, not listed
# the night before's lot was decided on (approved or overridden: an open order now; rejected)
# and tonight has no lot: counted, not listed; with a lot tonight, that lot is "new"
ORDERED, REJECTED = "ordered", "rejected"
COUNTED_KINDS = (UNCHANGED, ORDERED, REJECTED)  # counted, not listed


@dataclass(frozen=True)
class LotChanges:
    """The lots of run_key's night against those of an earlier night (`previous_night`; None:
    no earlier night has a run of all items, and `lots` is empty).

    `lots`: one row per item with a lot (quantity > 0) on either night, largest change in
    order value first: sku, kind (CHANGE_KINDS or COUNTED_KINDS), then per night (suffix
    _before, _after): supplier_id and quantity of the lot (None and 0 without one), order_value
    (currency), unit_price (currency per unit), lead_time (days: run_lead_times), on_hand
    and on_order (units the plan counted: on_order sums the open orders due within the
    horizon), forecast (units: mean demand over the horizon's periods, cumulative_forecasts
    at the horizon: a night inside a period forecasts one period more, which would read as a
    jump of one period's demand at each period's turn), not_planned (why the run could not
    plan the item; None: it did), kept (JSON of the cheaper lot when the night kept the night
    before's over it: explanation.kept; None: not kept), spike (JSON of explanation.recent_spike
    with the explanation's period word as `period`; None: the forecast rests on no recent spike),
    decision (the newest decision of
    that night on the item: approve, override, reject; None: pending), decided_supplier_id
    and decided_quantity (of the decision); and value_change (order value after less before,
    currency), and left_out: the one-offs of the item tonight's demand left out and the night
    before's counted, [(order_date, units)] (marked between the two nights' runs' starts: see
    `_one_offs`; None: none), and back_in: those tonight's demand counted again that the night
    before's left out (their mark removed between the runs' starts; None: none). A lot decided
    on the night before is no longer pending: approved or overridden it is an open order now,
    rejected it is not wanted; so the item's lot tonight is compared with none (kind "new",
    value_change its whole order value), and without one tonight it is ORDERED or REJECTED."""

    run_key: str
    night: date
    previous_run_key: str | None
    previous_night: date | None
    lots: pd.DataFrame

    @property
    def changed(self) -> pd.DataFrame:
        """The rows of lots that changed (CHANGE_KINDS: not COUNTED_KINDS)."""
        return self.lots[~self.lots["kind"].isin(COUNTED_KINDS)]

    @property
    def counts(self) -> dict[str, int]:
        """Lots per kind, CHANGE_KINDS then COUNTED_KINDS, zeros included."""
        found = self.lots["kind"].value_counts()
        return {kind: int(found.get(kind, 0)) for kind in (*CHANGE_KINDS, *COUNTED_KINDS)}

    @property
    def kept(self) -> int:
        """Unchanged lots the night kept from the night before over a slightly cheaper lot."""
        return int((self.lots["kind"].eq(UNCHANGED) & self.lots["kept_after"].notna()).sum())


def lot_changes(
    con: duckdb.DuckDBPyConnection, run_key: str | None = None, since: date | None = None
) -> LotChanges | None:
    """The lots of `run_key` (None: the published run, view current_run) against those of the
    latest earlier night with a run of all items (view night_runs), or of the night `since`;
    None when there is no such run to compare. Raises ValueError for a `since` that has no run
    of all items or is not before the run's night."""
    run = _run(con, run_key)
    if run is None:
        return None
    run_key, night = run
    previous = _previous(con, night, since)
    if previous is None:
        return LotChanges(run_key, night, None, None, _compare(con, run_key, None))
    return LotChanges(run_key, night, *previous, _compare(con, run_key, previous[0]))


def _run(con: duckdb.DuckDBPyConnection, run_key: str | None) -> tuple[str, date] | None:
    """(run_key, as_of) of `run_key`'s runs, or of the published run."""
    if run_key is None:
        row = con.execute("SELECT run_key, as_of FROM current_run").fetchone()
    else:
        row = con.execute("SELECT run_key, as_of FROM runs WHERE run_key = ? LIMIT 1", [run_key])
        row = row.fetchone()
    return (row[0], row[1]) if row else None


def _previous(
    con: duckdb.DuckDBPyConnection, night: date, since: date | None
) -> tuple[str, date] | None:
    """(run_key, as_of) of the night to compare with: `since`'s run (of all items), or the
    latest earlier night's run of all items (None: there is none)."""
    if since is None:
        row = con.execute(
            "SELECT run_key, as_of FROM night_runs WHERE all_items AND as_of < ? "
            "ORDER BY as_of DESC LIMIT 1",
            [night],
        ).fetchone()
        return (row[0], row[1]) if row else None
    if since >= night:
        raise ValueError(f"since: {since} is not before the night compared, {night}")
    row = con.execute(
        "SELECT run_key, as_of, all_items FROM night_runs WHERE as_of = ?", [since]
    ).fetchone()
    if row is None or not row[2]:
        why = "no succeeded run" if row is None else "a run of some items only"
        raise ValueError(f"since: the night of {since} has {why}, no plan of all items to "
                         "compare with (reorder runs lists the nights)")  # fmt: skip
    return row[0], row[1]


# per item with a lot on either night (CTE lotted): that night's lot and what its plan counted;
# ? = the night's run_key
_NIGHT = """SELECT l.sku,
    CASE WHEN r.quantity > 0 THEN r.supplier_id END AS supplier_id,
    CASE WHEN r.quantity > 0 THEN r.quantity ELSE 0 END AS quantity,
    CASE WHEN r.quantity > 0 THEN r.order_value ELSE 0 END AS order_value,
    CASE WHEN r.quantity > 0 THEN r.unit_price END AS unit_price,
    CASE WHEN r.quantity > 0 THEN t.lead_time END AS lead_time,
    CAST(r.explanation->>'on_hand' AS DOUBLE) AS on_hand,
    (SELECT coalesce(sum(CAST(o->>'quantity' AS DOUBLE)), 0)
     FROM (SELECT unnest(CAST(r.explanation->'open_orders' AS JSON[])) AS o)
     WHERE CAST(o->>'due_period' AS BIGINT)
         < coalesce(CAST(r.explanation->>'horizon_periods' AS BIGINT), 9223372036854775807)
    ) AS on_order,
    (SELECT arg_max(c.mean, c.periods) FROM cumulative_forecasts AS c
     WHERE c.run_key = k.run_key AND c.sku = l.sku AND c.periods
         <= coalesce(CAST(r.explanation->>'horizon_periods' AS BIGINT), 9223372036854775807)
    ) AS forecast,
    (SELECT string_agg(n.reason, '; ' ORDER BY n.reason) FROM not_planned AS n
     WHERE n.run_key = k.run_key AND n.sku = l.sku AND NOT n.planned) AS not_planned,
    CAST(r.explanation->'kept' AS VARCHAR) AS kept,
    CASE WHEN json_type(r.explanation->'recent_spike') = 'OBJECT' THEN CAST(json_merge_patch(
        r.explanation->'recent_spike', json_object('period', r.explanation->>'period')) AS VARCHAR)
    END AS spike,
    d.action AS decision, d.supplier_id AS decided_supplier_id, d.quantity AS decided_quantity
FROM lotted AS l CROSS JOIN (SELECT CAST(? AS VARCHAR) AS run_key) AS k
LEFT JOIN recommendations AS r ON r.run_key = k.run_key AND r.sku = l.sku
LEFT JOIN run_lead_times AS t ON t.run_key = k.run_key AND t.sku = l.sku
    AND t.supplier_id = r.supplier_id
LEFT JOIN night_decisions AS d ON d.sku = l.sku
    AND d.as_of = (SELECT max(u.as_of) FROM runs AS u WHERE u.run_key = k.run_key)"""

_FIGURES = ("supplier_id", "quantity", "order_value", "unit_price", "lead_time", "on_hand",
            "on_order", "forecast", "not_planned", "kept", "spike", "decision",
            "decided_supplier_id", "decided_quantity")  # fmt: skip


def _compare(con: duckdb.DuckDBPyConnection, run_key: str, previous: str | None) -> pd.DataFrame:
    """`LotChanges.lots` of run_key against run_key `previous` (None: no rows)."""
    pairs = ", ".join(f"b.{c} AS {c}_before, a.{c} AS {c}_after" for c in _FIGURES)
    frame = con.execute(
        "WITH lotted AS (SELECT DISTINCT sku FROM recommendations WHERE quantity > 0 "
        f"AND list_contains(?, run_key)), after AS ({_NIGHT}), before AS ({_NIGHT}) "
        f"SELECT sku, {pairs} FROM after AS a JOIN before AS b USING (sku)",
        [[run_key, previous], run_key, previous],
    ).df()
    if previous is None:
        frame = frame.iloc[0:0]
    frame.insert(1, "kind", [_kind(*r) for r in zip(
        frame["supplier_id_before"], frame["quantity_before"],
        frame["supplier_id_after"], frame["quantity_after"], frame["decision_before"],
        strict=True)])  # fmt: skip
    pending = frame["order_value_before"].where(frame["decision_before"].isna(), 0.0)
    frame["value_change"] = frame["order_value_after"] - pending
    left_out, back_in = _one_offs(con, run_key, previous) if previous is not None else ({}, {})
    frame["left_out"] = [left_out.get(sku) for sku in frame["sku"]]
    frame["back_in"] = [back_in.get(sku) for sku in frame["sku"]]
    return _by_change(frame)


# the start of the newest succeeded run of a run_key (the one whose rows are stored)
_STARTED_SQL = "SELECT max(started_at) FROM runs WHERE run_key = ? AND status = 'succeeded'"

OneOffDays = dict[str, list[tuple[date, float]]]  # per sku: (order_date, units)


def _one_offs(
    con: duckdb.DuckDBPyConnection, run_key: str, previous: str
) -> tuple[OneOffDays, OneOffDays]:
    """(left_out, back_in): per sku the one-offs run_key's demand left out that the run of
    `previous` counted (marked when run_key started, not when `previous` did: `marks_at`); and
    those it counted again that `previous` left out (marked when `previous` started, removed by
    run_key's start); each on a day of both runs' complete periods (a day after the night
    before's last one was in neither of its demands, so nothing changed for it)."""
    start, end = (con.execute(_STARTED_SQL, [key]).fetchone()[0] for key in (previous, run_key))
    if start is None or end is None:
        return {}, {}
    then, now = marks_at(con, start), marks_at(con, end)
    freq = run_parameters(con, run_key).get("freq", "W")
    nights = [_night(con, key) for key in (run_key, previous)]
    return (
        _per_sku(_in_both(con, now - then, nights, freq)),
        _per_sku(_in_both(con, then - now, nights, freq)),
    )


def _in_both(
    con: duckdb.DuckDBPyConnection, days: set[tuple[str, date]], nights: list[date], freq: str
) -> pd.DataFrame:
    """`counted_days` rows of `days` (units as of the first of `nights`) on a day of every
    night's complete periods."""
    tonight = counted_days(con, days, nights[0], freq)
    for night in nights[1:]:
        held = counted_days(con, days, night, freq)[["sku", "order_date"]]
        tonight = tonight.merge(held, on=["sku", "order_date"])
    return tonight


def _night(con: duckdb.DuckDBPyConnection, run_key: str) -> date:
    return con.execute("SELECT as_of FROM runs WHERE run_key = ? LIMIT 1", [run_key]).fetchone()[0]


def _per_sku(days: pd.DataFrame) -> OneOffDays:
    """{sku: [(order_date, units)]} of `counted_days` rows."""
    found: OneOffDays = {}
    for r in days.itertuples():
        found.setdefault(r.sku, []).append((r.order_date, float(r.units)))
    return found


def _by_change(frame: pd.DataFrame) -> pd.DataFrame:
    """Largest change in order value first, then by sku."""
    size = frame["value_change"].abs()
    return (
        frame.assign(_size=size)
        .sort_values(["_size", "sku"], ascending=[False, True])
        .drop(columns="_size")
        .reset_index(drop=True)
    )


def _kind(
    supplier_before: object, before: float, supplier_after: object, after: float, decision: object
) -> str:
    """new, dropped, more, fewer, other supplier or unchanged, of a lot of `before` units
    (0: none) and `after` units; of a lot the night before decided on (`decision`: approve,
    override, reject), new when tonight has a lot, else ordered or rejected."""
    if isinstance(decision, str):
        return "new" if after > 0 else REJECTED if decision == "reject" else ORDERED
    if before <= 0:
        return "new"
    if after <= 0:
        return "dropped"
    if supplier_after != supplier_before:
        return "other supplier"
    if after == before:
        return UNCHANGED
    return "more" if after > before else "fewer"
