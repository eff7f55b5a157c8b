"""Planner decisions on recommended lots, and the open orders that approved lots become.

Every decision is a row of `decisions` (who, when, channel, what was recommended, what was
decided, comment); rows are never updated or deleted, so the history stays. The effective
decision of a lot is the newest row per (run_key, sku) (view `lot_decisions`). Decisions are
keyed to the run_key, not to the attempt: a rerun of the same night replaces the
recommendations but keeps every decision; a lot without a decision stays pending.

Approved and overridden lots are open orders for later nights (view `planned_orders`, po_id
`RV-<run_key>-<sku>`, due on the decision day + the offer's lead_time days (the supplier
item's, else the supplier's): the day of approval in the planner's time zone, as the buyer
orders it after approval). They live
outside `open_orders`, so reloading the open_orders snapshot from files cannot wipe them.
`planned_orders(con, as_of)` gives those a run as of `as_of` counts: decided on a run of an
earlier night, not yet due before `as_of`, and never carried by the ERP's open_orders under
the same po_id, in any case (while it is, the ERP's row counts instead, not both; once its row
has left the file, received or cancelled, it does not count again: table `erp_proposals`).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import pandas as pd

from warehouse.run_lock import live_holder
from warehouse.runs import not_planned, quarantined_keys
from warehouse.schema import all_items, proposal_key
from warehouse.store import transaction

ACTIONS = ("approve", "override", "reject")
STATUS = {"approve": "approved", "override": "overridden", "reject": "rejected"}
CHANNELS = ("cli", "prefect")


class DecisionError(ValueError):
    """A decision cannot be recorded (unknown sku, infeasible override, ...); nothing was
    written."""


@dataclass(frozen=True)
class Decision:
    """What a planner decided for one lot.

    approve: take the recommendation. override: change the quantity (units) and/or the
    supplier (unchanged ones keep the recommended value). reject: order nothing.
    `unit_price` (currency per unit) is the price at the decided quantity; the caller prices
    overrides (flows.review uses optimize's pricing), approvals keep the recommended price.
    """

    sku: str
    action: str
    supplier_id: str | None = None
    quantity: float | None = None
    comment: str = ""
    unit_price: float | None = None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def latest_run(con: duckdb.DuckDBPyConnection) -> tuple[str, str, date] | None:
    """(run_id, run_key, as_of) of the published run (view current_run: the succeeded run of
    the latest as_of), or None."""
    rows = con.execute("SELECT run_id, run_key, as_of FROM current_run").fetchall()
    return rows[0] if rows else None


def night_run(con: duckdb.DuckDBPyConnection, as_of: date) -> tuple[str, str, date] | None:
    """(run_id, run_key, as_of) of the run of the night `as_of` (view night_runs: its newest
    succeeded run, of all items first; current_run is that of the published night), or None."""
    rows = con.execute(
        "SELECT run_id, run_key, as_of FROM night_runs WHERE as_of = ?", [as_of]
    ).fetchall()
    return rows[0] if rows else None


def failed_since_published(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Failed runs of all items that started after the published run (current_run) did, of
    its night or a later one (or every failed run of all items when none is published), newest
    first: as_of, run_key, started_at, error. A planner reading the published lots must know
    that a newer night has no plan, or that a rerun of the night did not replace it."""
    return _since_published(con, "failed").drop(columns="run_id")


def _since_published(con: duckdb.DuckDBPyConnection, status: str) -> pd.DataFrame:
    """Runs of all items with `status` that started after the published run (current_run)
    did, of its night or a later one (every such run when none is published), newest first:
    run_id, as_of, run_key, started_at, error."""
    return con.execute(
        "SELECT run_id, as_of, run_key, started_at, error FROM runs AS f "
        f"WHERE status = ? AND {all_items()} AND NOT EXISTS (SELECT 1 FROM current_run AS c "
        "WHERE f.as_of < c.as_of OR (f.as_of = c.as_of AND f.started_at <= c.started_at)) "
        "ORDER BY started_at DESC",
        [status],
    ).df()


def unfinished_since_published(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Runs of all items still `running` that started after the published run did (as
    `failed_since_published`), newest first: as_of, run_key, started_at, alive (its process
    holds the run lock now). One that is not alive was killed (SIGKILL, a machine that went
    down): it stays `running` until the next run marks it interrupted, and may have loaded
    new inputs that the published lots were not planned with."""
    runs = _since_published(con, "running").drop(columns="error")
    path = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    holder = live_holder(path[0]) if path and path[0] else None
    runs["alive"] = runs["run_id"] == (holder or {}).get("run_id")
    return runs.drop(columns="run_id")


def review_lots(
    con: duckdb.DuckDBPyConnection,
    run_key: str | None = None,
    status: str | None = None,
    with_zero: bool = False,
    suppliers: Sequence[str] = (),
    skus: Sequence[str] = (),
) -> pd.DataFrame:
    """Recommendations of a run_key (default: the published run, current_run) with their status
    (pending | approved | overridden | rejected) and the effective decision's columns; a
    pending lot whose item was decided on another run of the night has that run's newest
    decision in other_run_key, other_action, other_quantity, other_supplier_id and
    other_order_value (it counts for the night until this run's lot is decided).

    Only lots with a positive recommended quantity unless `with_zero` (an override may order
    an item the plan left out); only lots of one of `suppliers` (the supplier decided for,
    else the one recommended: an override to another supplier moves the lot), and only
    `skus`, when given. Sorted by order value, biggest first.
    """
    if run_key is None:
        latest = latest_run(con)
        if latest is None:
            return pd.DataFrame(columns=_LOT_COLUMNS)
        run_key = latest[1]
    frame = con.execute(
        f"SELECT {', '.join(_LOT_SQL)} FROM recommendations AS r "
        "LEFT JOIN lot_decisions AS d USING (run_key, sku) "
        "LEFT JOIN (SELECT * FROM decisions WHERE run_key <> ? AND as_of = "
        "(SELECT max(as_of) FROM runs WHERE run_key = ?) QUALIFY row_number() OVER ("
        "PARTITION BY sku ORDER BY decided_at DESC, decision_id DESC) = 1) AS o "
        "ON o.sku = r.sku AND d.sku IS NULL "
        "WHERE r.run_key = ? AND (? OR r.quantity > 0 OR d.sku IS NOT NULL) "
        "AND (? OR list_contains(?, coalesce(d.supplier_id, r.supplier_id))) "
        "AND (? OR list_contains(?, r.sku)) "
        "ORDER BY r.order_value DESC NULLS LAST, r.sku",
        [run_key] * 3 + [with_zero, *_any_of(suppliers), *_any_of(skus)],
    ).df()
    return frame if status is None else frame[frame["status"] == status].reset_index(drop=True)


_LOT_SQL = (
    "r.run_key",
    "r.run_id",
    "r.sku",
    "r.supplier_id",
    "r.quantity",
    "r.unit_price",
    "r.order_value",
    "r.reason",
    "coalesce(CASE d.action "
    + " ".join(f"WHEN '{action}' THEN '{status}'" for action, status in STATUS.items())
    + " END, 'pending') AS status",
    "d.supplier_id AS decided_supplier_id",
    "d.quantity AS decided_quantity",
    "d.order_value AS decided_order_value",
    "d.decided_by",
    "d.decided_at",
    "d.comment",
    # a pending lot's item decided on another run of the night: that decision counts
    "o.run_key AS other_run_key",
    "o.action AS other_action",
    "o.quantity AS other_quantity",
    "o.supplier_id AS other_supplier_id",
    "o.order_value AS other_order_value",
)
_LOT_COLUMNS = [c.rsplit(" AS ", 1)[-1].removeprefix("r.").removeprefix("d.") for c in _LOT_SQL]


def supplier_terms(con: duckdb.DuckDBPyConnection, sku: str, supplier_id: str) -> dict | None:
    """moq, pack_size, discount_type, lead_time (days: the supplier item's, else the
    supplier's), fixed_cost and price_breaks [(min_qty, unit_price)] of one supplier item, or
    None if the supplier does not offer it."""
    rows = con.execute(
        "SELECT si.moq, si.pack_size, si.discount_type, coalesce(si.lead_time, s.lead_time), "
        "s.fixed_cost "
        "FROM supplier_items AS si JOIN suppliers AS s USING (supplier_id) "
        "WHERE si.sku = ? AND si.supplier_id = ?",
        [sku, supplier_id],
    ).fetchall()
    if not rows:
        return None
    row = rows[0]
    breaks = con.execute(
        "SELECT min_qty, unit_price FROM price_breaks WHERE sku = ? AND supplier_id = ? "
        "ORDER BY min_qty",
        [sku, supplier_id],
    ).fetchall()
    keys = ("moq", "pack_size", "discount_type", "lead_time", "fixed_cost")
    return dict(zip(keys, row, strict=True)) | {"price_breaks": breaks}


def planned_lead_time(con: duckdb.DuckDBPyConnection, run_key: str, sku: str) -> float | None:
    """The lead time (days) of the run_key's recommended lot of `sku` as the run planned with
    it (run_lead_times, stored at publish); for a run that stored none (published before
    2026-12-07) that of the recommended offer now (`supplier_terms`); None without a
    recommended supplier or, then, an offer."""
    rows = con.execute(
        "SELECT supplier_id, (SELECT lead_time FROM run_lead_times AS t WHERE t.run_key = "
        "r.run_key AND t.sku = r.sku AND t.supplier_id = r.supplier_id) FROM recommendations "
        "AS r WHERE run_key = ? AND sku = ? AND supplier_id IS NOT NULL",
        [run_key, sku],
    ).fetchall()
    if not rows:
        return None
    supplier_id, planned = rows[0]
    if planned is not None:
        return float(planned)
    terms = supplier_terms(con, sku, supplier_id)
    return None if terms is None else float(terms["lead_time"])


def check_lot(terms: dict | None, sku: str, supplier_id: str, quantity: float) -> None:
    """Raise DecisionError naming sku, supplier and the rule a lot breaks. The quantity rules
    are optimize's `Offer.lot_error` in the same words (warehouse/ may not import optimize;
    tests/test_lot_rule.py keeps the two in step)."""
    where = f"sku {sku}, supplier {supplier_id}"
    if terms is None:
        raise DecisionError(f"{where}: the supplier does not offer this item (supplier_items)")
    if not terms["price_breaks"]:
        raise DecisionError(f"{where}: no price breaks, the lot cannot be priced")
    if quantity <= 0 or quantity != int(quantity):
        raise DecisionError(f"{where}: quantity {quantity:g} must be a positive whole number")
    if quantity < terms["moq"]:
        raise DecisionError(f"{where}: quantity {quantity:g} is below the moq {terms['moq']:g}")
    first = terms["price_breaks"][0][0]
    if quantity < first:
        raise DecisionError(
            f"{where}: quantity {quantity:g} is below the first price break ({first:g} units): "
            "the supplier quotes no price for fewer"
        )
    if quantity % terms["pack_size"]:
        raise DecisionError(
            f"{where}: quantity {quantity:g} is not a multiple of the pack_size "
            f"{terms['pack_size']:g}"
        )


def record_decisions(
    con: duckdb.DuckDBPyConnection,
    decisions: list[Decision],
    decided_by: str,
    channel: str = "cli",
    run_key: str | None = None,
    now: datetime | None = None,
    day: date | None = None,
) -> pd.DataFrame:
    """Check every decision against the run_key's lots (default: the published run, current_run) and
    insert them in one transaction: all are recorded, or none (DecisionError lists why).

    Returns the inserted rows. `now` (UTC) fixes the decision time, e.g. in tests. `day` is
    the decision day in the planner's time zone (flows pass REORDER_TIMEZONE's today): a lot
    is due the offer's lead_time days after it (`supplier_terms`); default: `now`'s date in
    the machine's.
    """
    if channel not in CHANNELS:
        raise DecisionError(f"channel must be one of {CHANNELS}, not {channel!r}")
    if not decided_by.strip():
        raise DecisionError("decided_by must name the planner")
    lots = review_lots(con, run_key, with_zero=True).set_index("sku")
    if lots.empty:
        raise DecisionError("no published recommendations to decide on")
    now = now or _now()
    day = day or now.replace(tzinfo=UTC).astimezone().date()
    rows, problems = [], []
    for decision in decisions:
        try:
            rows.append(_row(con, decision, lots, decided_by, channel, now, day))
        except DecisionError as error:
            problems.append(str(error))
    skus = [d.sku for d in decisions]
    repeated = sorted({s for s in skus if skus.count(s) > 1})
    if repeated:
        noun = "sku" if len(repeated) == 1 else "skus"
        problems.append(f"{noun} {', '.join(repeated)} decided twice in one batch")
    if problems:
        raise DecisionError("refused, nothing recorded: " + "; ".join(problems))
    frame = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    _insert(con, frame)
    return frame


def past_end_of_life(con: duckdb.DuckDBPyConnection, decided: pd.DataFrame) -> pd.DataFrame:
    """Of decided rows (`record_decisions`' frame), the lots due after their item's
    end_of_life: sku, due_date, end_of_life. An override may order them (a last buy), but
    the planner must see it; the plan itself counts no demand after end_of_life."""
    ordered = decided[decided["quantity"] > 0]
    if ordered.empty:
        return pd.DataFrame(columns=["sku", "due_date", "end_of_life"])
    return con.execute(
        "SELECT sku, d.due_date, i.end_of_life FROM (SELECT unnest(?) AS sku, "
        "unnest(?)::DATE AS due_date) AS d JOIN items AS i USING (sku) "
        "WHERE d.due_date > i.end_of_life ORDER BY sku",
        [ordered["sku"].tolist(), [str(pd.Timestamp(v).date()) for v in ordered["due_date"]]],
    ).df()


DECISION_COLUMNS = (
    "decision_id",
    "run_key",
    "run_id",
    "as_of",
    "sku",
    "action",
    "recommended_supplier_id",
    "recommended_quantity",
    "recommended_unit_price",
    "supplier_id",
    "quantity",
    "unit_price",
    "order_value",
    "due_date",
    "decided_by",
    "decided_at",
    "comment",
    "channel",
)


def _row(
    con: duckdb.DuckDBPyConnection,
    decision: Decision,
    lots: pd.DataFrame,
    decided_by: str,
    channel: str,
    now: datetime,
    day: date,
) -> dict:
    if decision.action not in ACTIONS:
        raise DecisionError(f"sku {decision.sku}: action must be one of {ACTIONS}")
    if decision.sku not in lots.index:
        if quarantined := quarantined_keys(con, "sku", [decision.sku]):
            raise DecisionError(quarantined[decision.sku])
        if why := _not_planned_reason(con, lots["run_id"].iloc[0], decision.sku):
            raise DecisionError(
                f"sku {decision.sku}: not planned by this run: {why} (nothing to {decision.action})"
            )
        same = [s for s in lots.index if str(s).casefold() == decision.sku.casefold()]
        hint = f" ({', '.join(same)} {'is' if len(same) == 1 else 'are'})" if same else ""
        raise DecisionError(f"sku {decision.sku}: not among the lots of this run{hint}")
    lot = lots.loc[decision.sku]
    recommended = _none(lot["supplier_id"]), float(lot["quantity"]), _none(lot["unit_price"])
    supplier_id, quantity, unit_price = recommended
    if decision.action == "approve" and (supplier_id is None or quantity <= 0):
        raise DecisionError(f"sku {decision.sku}: nothing to approve (no order recommended)")
    if decision.action == "override":
        supplier_id = decision.supplier_id or supplier_id
        quantity = quantity if decision.quantity is None else float(decision.quantity)
        if supplier_id is None:
            offered = ", ".join(_offered_by(con, decision.sku)) or "no supplier"
            raise DecisionError(
                f"sku {decision.sku}: no order was recommended, so an override needs a "
                f"supplier (offered by {offered})"
            )
    if decision.action == "reject":
        supplier_id, quantity, unit_price = None, 0.0, None
    due = None
    if supplier_id is not None:
        if unknown := unknown_suppliers_text(con, [supplier_id]):
            raise DecisionError(f"sku {decision.sku}: {unknown}")
        terms = supplier_terms(con, decision.sku, supplier_id)
        check_lot(terms, decision.sku, supplier_id, quantity)
        due = day + timedelta(days=math.ceil(float(terms["lead_time"])))
    if decision.action == "override":
        if decision.unit_price is None:
            raise DecisionError(f"sku {decision.sku}: an override needs its unit_price")
        unit_price = float(decision.unit_price)
    return {
        "decision_id": str(uuid.uuid4()),
        "run_key": lot["run_key"],
        "run_id": lot["run_id"],
        "as_of": _run_as_of(con, lot["run_id"]),
        "sku": decision.sku,
        "action": decision.action,
        "recommended_supplier_id": recommended[0],
        "recommended_quantity": recommended[1],
        "recommended_unit_price": recommended[2],
        "supplier_id": supplier_id,
        "quantity": quantity,
        "unit_price": unit_price,
        "order_value": round(quantity * (unit_price or 0.0), 2),
        "due_date": due,
        "decided_by": decided_by,
        "decided_at": now,
        "comment": decision.comment or None,
        "channel": channel,
    }


def _not_planned_reason(con: duckdb.DuckDBPyConnection, run_id: str, sku: str) -> str:
    """Why run `run_id` could not plan the item `sku` (its not_planned reasons joined by '; '),
    or "" when it did not say it could not."""
    rows = not_planned(con, run_id)
    return "; ".join(rows.loc[(rows["sku"] == sku) & ~rows["planned"], "reason"])


def _offered_by(con: duckdb.DuckDBPyConnection, sku: str) -> list[str]:
    """The suppliers that offer `sku` (supplier_items), sorted."""
    rows = con.execute(
        "SELECT supplier_id FROM supplier_items WHERE sku = ? ORDER BY supplier_id", [sku]
    ).fetchall()
    return [row[0] for row in rows]


def _run_as_of(con: duckdb.DuckDBPyConnection, run_id: str) -> date:
    return con.execute("SELECT as_of FROM runs WHERE run_id = ?", [run_id]).fetchall()[0][0]


def _none(value: object) -> object:
    return None if value is None or pd.isna(value) else value


def _insert(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    con.register("_new_decisions", frame)
    try:
        with transaction(con):
            columns = ", ".join(DECISION_COLUMNS)
            con.execute(f"INSERT INTO decisions ({columns}) SELECT {columns} FROM _new_decisions")
    finally:
        con.unregister("_new_decisions")


def decision_history(con: duckdb.DuckDBPyConnection, run_key: str | None = None) -> pd.DataFrame:
    """Every decision row (newest first), of one run_key or of all."""
    where, params = ("WHERE run_key = ?", [run_key]) if run_key else ("", [])
    return con.execute(
        f"SELECT * FROM decisions {where} ORDER BY decided_at DESC, sku", params
    ).df()


def _or_published(con: duckdb.DuckDBPyConnection, run_key: str | None) -> str:
    """`run_key`, or that of the published run (current_run; "" if none)."""
    if run_key is not None:
        return run_key
    latest = latest_run(con)
    return latest[1] if latest else ""


# The suppliers' order terms of a run_key (SQL; parameters: the run_key twice): those the run
# planned with (run_suppliers), and for a supplier it did not plan with (every supplier of a
# run published before runs stored their terms, one loaded after the run) its terms now.
_ORDER_TERMS = (
    "(SELECT supplier_id, order_cost, min_order_value FROM run_suppliers WHERE run_key = ? "
    "UNION ALL SELECT supplier_id, order_cost, min_order_value FROM suppliers WHERE "
    "supplier_id NOT IN (SELECT supplier_id FROM run_suppliers WHERE run_key = ?))"
)
# The supplier-wide tiers of a run_key (SQL; parameters: the run_key twice), as _ORDER_TERMS:
# a supplier the run planned with has the tiers it had then (none: no row), another its tiers now.
_TIERS = (
    "(SELECT supplier_id, basis, min_total, discount_rate FROM run_supplier_tiers "
    "WHERE run_key = ? UNION ALL SELECT supplier_id, basis, min_total, discount_rate "
    "FROM supplier_tiers WHERE "
    "supplier_id NOT IN (SELECT supplier_id FROM run_suppliers WHERE run_key = ?))"
)


def approved_lots(
    con: duckdb.DuckDBPyConnection, run_key: str | None = None, suppliers: Sequence[str] = ()
) -> pd.DataFrame:
    """Effective approved and overridden lots of the night of a run_key (default: the
    published run, current_run) with supplier name and the proposal id (po_id) the buyer
    quotes on the purchase order: per sku the newest decision of that night, whichever of
    its runs it was made on (the `planned_orders` rule, so the export and the open orders of
    later nights agree); only those decided for one of `suppliers` when given. Column
    order_cost: the supplier's (currency per purchase order, once for all its lots) as the
    run_key planned with it; supplier_name: as loaded now."""
    run_key = _or_published(con, run_key)
    return con.execute(
        "SELECT p.po_id, d.supplier_id, s.name AS supplier_name, t.order_cost, d.sku, "
        "i.description, "
        "d.quantity, d.unit_price, d.order_value, d.due_date, d.action, "
        "d.recommended_quantity, d.decided_by, d.decided_at, d.comment, d.run_key "
        "FROM planned_orders AS p JOIN lot_decisions AS d USING (run_key, sku) "
        "LEFT JOIN suppliers AS s ON s.supplier_id = d.supplier_id "
        f"LEFT JOIN {_ORDER_TERMS} AS t ON t.supplier_id = d.supplier_id "
        "LEFT JOIN items AS i ON i.sku = d.sku "
        "WHERE p.as_of = (SELECT max(as_of) FROM runs WHERE run_key = ?) "
        "AND (? OR list_contains(?, d.supplier_id)) "
        "ORDER BY d.supplier_id, d.sku",
        [run_key] * 3 + _any_of(suppliers),
    ).df()


def unknown_suppliers(con: duckdb.DuckDBPyConnection, suppliers: Sequence[str]) -> list[str]:
    """The ids of `suppliers` that the suppliers table does not hold, sorted."""
    known = con.execute(
        "SELECT supplier_id FROM suppliers WHERE list_contains(?, supplier_id)", [list(suppliers)]
    ).fetchall()
    return sorted(set(suppliers) - {row[0] for row in known})


def suppliers_in_other_case(
    con: duckdb.DuckDBPyConnection, suppliers: Sequence[str]
) -> dict[str, list[str]]:
    """For each of `suppliers` the suppliers table does not hold as written, the ids it holds
    that differ only in case (sorted; only ids that have one): `s-113` -> [`S-113`]."""
    unknown = unknown_suppliers(con, suppliers)
    rows = con.execute(
        "SELECT supplier_id FROM suppliers WHERE list_contains(?, lower(supplier_id)) "
        "ORDER BY supplier_id",
        [[s.lower() for s in unknown]],
    ).fetchall()
    found = {s: [r[0] for r in rows if r[0].lower() == s.lower()] for s in unknown}
    return {s: ids for s, ids in found.items() if ids}


def unknown_suppliers_text(con: duckdb.DuckDBPyConnection, suppliers: Sequence[str]) -> str | None:
    """'unknown supplier s-113 (not among the suppliers loaded from suppliers.csv; S-113 is)'
    ('unknown suppliers S-9, S-10 (...)') for those of `suppliers` the suppliers table does not
    hold; None if it holds them all: one wording for the review's commands, form and decisions.
    One whose suppliers row is in quarantine is named with that row and its reason instead
    ('supplier S-102 is not in the suppliers: suppliers.csv row 2 is in quarantine (...)')."""
    missing = unknown_suppliers(con, suppliers)
    if not missing:
        return None
    quarantined = quarantined_keys(con, "supplier_id", missing)
    texts = list(quarantined.values())
    if unknown := [s for s in missing if s not in quarantined]:
        plural = "s" if len(unknown) > 1 else ""
        texts.append(f"unknown supplier{plural} {', '.join(unknown)} {_not_loaded(con, unknown)}")
    return "; ".join(texts)


def _not_loaded(con: duckdb.DuckDBPyConnection, unknown: Sequence[str]) -> str:
    """Why the `unknown` supplier ids are refused, naming those loaded in another case:
    '(not among the suppliers loaded from suppliers.csv; S-113 is)'; with more than one,
    each is named ('; s-1: S-1 is; s-2: S-2 is')."""
    hint = "".join(
        f"; {typed + ': ' if len(unknown) > 1 else ''}{', '.join(ids)} "
        f"{'is' if len(ids) == 1 else 'are'}"
        for typed, ids in suppliers_in_other_case(con, unknown).items()
    )
    return f"(not among the suppliers loaded from suppliers.csv{hint})"


def _any_of(values: Sequence[str]) -> list:
    """Parameters of a `(? OR list_contains(?, column))` filter: no values let every row pass."""
    return [not values, list(values)]


def decided_elsewhere(
    con: duckdb.DuckDBPyConnection, run_key: str | None = None, skus: Sequence[str] | None = None
) -> pd.DataFrame:
    """Other runs of the night of `run_key` (default: the published run) with the number of
    lots decided on them, their skus, sorted, and the run_key's parameters (JSON text, as
    `run_parameters`): (run_key, lots, skus, parameters), newest first. A rerun with other
    parameters starts pending, and a planner should learn that the night already has
    decisions. `skus`: only the decisions of these items (a run of some items, a review of
    some skus), None: all."""
    run_key = _or_published(con, run_key)
    of_skus = "AND list_contains(?, d.sku) " if skus is not None else ""
    return con.execute(
        "SELECT d.run_key, count(*) AS lots, list(d.sku ORDER BY d.sku) AS skus, "
        "any_value(p.parameters) AS parameters FROM lot_decisions AS d "
        "LEFT JOIN (SELECT run_key, arg_max(parameters, started_at) AS parameters FROM runs "
        "GROUP BY run_key) AS p ON p.run_key = d.run_key "
        "WHERE d.as_of = (SELECT max(as_of) FROM runs WHERE run_key = ?) AND d.run_key <> ? "
        f"{of_skus}GROUP BY d.run_key ORDER BY max(d.decided_at) DESC",
        [run_key, run_key, *([list(skus)] if skus is not None else [])],
    ).df()


def changed_decisions(con: duckdb.DuckDBPyConnection, run_key: str | None = None) -> pd.DataFrame:
    """Decisions of a run_key (default: the published run) made on a recommendation its
    latest run no longer gives: a rerun of the night (corrected stock, prices, ...) replaced
    the lots but kept the decisions, which still count. Columns: sku, action, supplier_id and
    quantity decided, recommended_supplier_id and recommended_quantity then, supplier_id_now
    and quantity_now (units; both NULL: the item is not in the plan any more). Only decisions
    that still count: one superseded by a newer decision on another run of the night
    (view night_decisions, as `planned_orders`) is left out, and so is a rejection where the
    rerun recommends no order either: both say order nothing. Column erp_quantity: the units
    the ERP's open_orders carries under the lot's po_id (NaN: it does not), which count
    instead of the decision; a lot the ERP carried and has since received or cancelled counts
    no more and is left out too (a rerun of an old night would otherwise say it counts)."""
    run_key = _or_published(con, run_key)
    po_id = proposal_key("d.run_key", "d.sku")
    return con.execute(
        "SELECT d.sku, d.action, d.supplier_id, d.quantity, d.recommended_supplier_id, "
        "d.recommended_quantity, r.supplier_id AS supplier_id_now, r.quantity AS quantity_now, "
        f"(SELECT sum(o.quantity) FROM open_orders AS o WHERE upper(o.po_id) = {po_id}) "
        "AS erp_quantity "
        "FROM lot_decisions AS d LEFT JOIN recommendations AS r USING (run_key, sku) "
        "WHERE d.run_key = ? AND d.decision_id IN (SELECT decision_id FROM night_decisions) "
        f"AND NOT ({po_id} IN (SELECT upper(po_id) FROM erp_proposals) "
        f"AND {po_id} NOT IN (SELECT upper(po_id) FROM open_orders)) "
        "AND (r.sku IS NULL "
        "OR coalesce(r.quantity, 0) <> coalesce(d.recommended_quantity, 0) "
        "OR (coalesce(r.quantity, 0) > 0 "
        "AND r.supplier_id IS DISTINCT FROM d.recommended_supplier_id)) "
        "AND NOT (d.action = 'reject' AND coalesce(r.quantity, 0) = 0) "
        "ORDER BY d.sku",
        [run_key],
    ).df()


def earlier_rejections(con: duckdb.DuckDBPyConnection, run_key: str | None = None) -> pd.DataFrame:
    """Lots of a run_key (default: the published run) not yet decided on its night whose
    item's newest decision on an earlier night was a rejection: a planner who rejected a lot
    sees it recommended again the next night and should know it was rejected. Columns: sku,
    rejected_as_of (that night), recommended_supplier_id and recommended_quantity then (units),
    decided_by, comment, supplier_id_now and quantity_now (units)."""
    run_key = _or_published(con, run_key)
    return con.execute(
        "WITH night AS (SELECT max(as_of) AS as_of FROM runs WHERE run_key = ?), "
        "last AS (SELECT * FROM decisions WHERE as_of < (SELECT as_of FROM night) "
        "QUALIFY row_number() OVER (PARTITION BY sku "
        "ORDER BY as_of DESC, decided_at DESC, decision_id DESC) = 1) "
        "SELECT r.sku, l.as_of AS rejected_as_of, l.recommended_supplier_id, "
        "l.recommended_quantity, l.decided_by, l.comment, r.supplier_id AS supplier_id_now, "
        "r.quantity AS quantity_now FROM recommendations AS r JOIN last AS l USING (sku) "
        "WHERE r.run_key = ? AND r.quantity > 0 AND l.action = 'reject' AND r.sku NOT IN "
        "(SELECT sku FROM decisions WHERE as_of = (SELECT as_of FROM night)) ORDER BY r.sku",
        [run_key, run_key],
    ).df()


def planned_orders(
    con: duckdb.DuckDBPyConnection, as_of: date, skus: list[str] | None = None
) -> pd.DataFrame:
    """Approved lots that a run as of `as_of` counts as open orders, in the columns of
    `open_orders` (po_id, sku, supplier_id, quantity, due_date); see the module docstring.
    Once the ERP carries a proposal of a night and sku, no proposal of that night and sku
    counts any more, whichever of the night's runs it came from (the lot approved on the
    nightly run was ordered; one decided again on a budget rerun counted as well)."""
    where = "AND list_contains(?, p.sku)" if skus is not None else ""
    params: list = [as_of, as_of] + ([list(skus)] if skus is not None else [])
    return con.execute(
        "SELECT p.po_id, p.sku, p.supplier_id, p.quantity, p.due_date FROM planned_orders AS p "
        "WHERE p.as_of < ? AND p.due_date >= ? AND NOT EXISTS (SELECT 1 FROM ("
        "SELECT po_id FROM open_orders UNION SELECT po_id FROM erp_proposals) AS e "
        "JOIN (SELECT DISTINCT run_key, as_of FROM runs) AS r "
        f"ON upper(e.po_id) = {proposal_key('r.run_key', 'p.sku')} WHERE r.as_of = p.as_of "
        # the sku part in another case only where no other item's sku differs by case alone
        "AND (ends_with(e.po_id, '-' || p.sku) OR NOT EXISTS (SELECT 1 FROM items AS i "
        "WHERE upper(i.sku) = upper(p.sku) AND i.sku <> p.sku))) "
        f"{where} ORDER BY p.sku, p.due_date, p.po_id",
        params,
    ).df()


def approved_after_plan(con: duckdb.DuckDBPyConnection, run_key: str | None = None) -> pd.DataFrame:
    """Pending lots of a run_key (default: the published run) whose item has a lot of an
    earlier night approved or overridden after the run started (a review form answered late):
    the run's plan did not count it as an open order, so approving its lot as well orders the
    item twice. Columns: sku, night (of the earlier lot), po_id, supplier_id, quantity (units)
    of the earlier lot; supplier_id_now, quantity_now (units) of this run's lot."""
    run_key = _or_published(con, run_key)
    return con.execute(
        "WITH run AS (SELECT as_of, max(started_at) AS started_at FROM runs "
        "WHERE run_key = ? AND status = 'succeeded' GROUP BY as_of) "
        "SELECT p.sku, p.as_of AS night, p.po_id, p.supplier_id, p.quantity, "
        "r.supplier_id AS supplier_id_now, r.quantity AS quantity_now "
        "FROM planned_orders AS p JOIN run ON p.as_of < run.as_of "
        "AND p.decided_at > run.started_at "
        "JOIN recommendations AS r ON r.run_key = ? AND r.sku = p.sku AND r.quantity > 0 "
        "WHERE p.sku NOT IN (SELECT sku FROM night_decisions WHERE as_of = run.as_of) "
        "ORDER BY p.sku, p.as_of",
        [run_key, run_key],
    ).df()


def taken_over_elsewhere(
    con: duckdb.DuckDBPyConnection, run_key: str | None = None
) -> pd.DataFrame:
    """Of `approved_lots(con, run_key)`, those the ERP never carried while it carries (or
    carried: table `erp_proposals`) a proposal of another run of the same night for the same
    sku: the lot was decided again on another run after that one was ordered, so no later plan
    counts it (`planned_orders`); ordered as well, the item would have two orders. Columns:
    sku, po_id, supplier_id, quantity (units) of the lot; erp_po_id, erp_quantity (units in
    the ERP's open_orders now; NaN once its row has left the file, received or cancelled)."""
    con.register("_approved_lots", approved_lots(con, run_key))
    carried = "(SELECT po_id FROM open_orders UNION SELECT po_id FROM erp_proposals)"
    try:
        return con.execute(
            "SELECT l.sku, l.po_id, l.supplier_id, l.quantity, e.po_id AS erp_po_id, "
            "(SELECT sum(o.quantity) FROM open_orders AS o "
            "WHERE upper(o.po_id) = upper(e.po_id)) AS erp_quantity "
            "FROM _approved_lots AS l JOIN (SELECT DISTINCT run_key, as_of FROM runs) AS r "
            "ON r.as_of = (SELECT max(as_of) FROM runs WHERE run_key = l.run_key) "
            f"AND r.run_key <> l.run_key JOIN {carried} AS e "
            f"ON upper(e.po_id) = {proposal_key('r.run_key', 'l.sku')} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {carried} AS x "
            "WHERE upper(x.po_id) = upper(l.po_id)) "
            "QUALIFY row_number() OVER (PARTITION BY l.sku ORDER BY e.po_id) = 1 ORDER BY l.sku"
        ).df()
    finally:
        con.unregister("_approved_lots")


def earlier_proposals(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """`planned_orders(con, as_of)` with the night each was decided on (column `night`): the
    approved lots of earlier nights that a plan as of `as_of` counts as ordered, while the
    ERP's open_orders does not carry them yet; sorted by night, sku."""
    orders = planned_orders(con, as_of)
    nights = con.execute(
        "SELECT po_id, as_of AS night FROM planned_orders WHERE list_contains(?, po_id)",
        [orders["po_id"].tolist()],
    ).df()
    merged = orders.merge(nights, on="po_id", how="left")
    return merged.sort_values(["night", "sku"], ignore_index=True)


def record_report(
    con: duckdb.DuckDBPyConnection, run_key: str, run_id: str, path: str, items_shown: int
) -> None:
    """Remember where the run_key's HTML report is (a rerun replaces the row)."""
    con.execute(
        "INSERT OR REPLACE INTO reports (run_key, run_id, path, items_shown, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [run_key, run_id, path, items_shown, _now()],
    )


def report_path(con: duckdb.DuckDBPyConnection, run_key: str | None = None) -> str | None:
    """Path of the run_key's report (default: the published run, current_run), or None."""
    run_key = _or_published(con, run_key)
    rows = con.execute("SELECT path FROM reports WHERE run_key = ?", [run_key]).fetchall()
    return rows[0][0] if rows else None


MISSED_TIER_COLUMNS = ["supplier_id", "basis", "min_total", "discount_rate", "planned", "now"]


def missed_supplier_tiers(
    con: duckdb.DuckDBPyConnection, run_key: str | None = None, suppliers: Sequence[str] = ()
) -> pd.DataFrame:
    """Per supplier, the best supplier-wide tier (as the run_key planned with it:
    run_supplier_tiers; supplier_tiers for a supplier it did not plan with) that the run_key's
    plan reached (default: the published run) and its lots as decided no longer reach: planned =
    the recommended lots' total, now = approved and pending lots as recommended, overridden as
    decided, rejected ones not at all (spend in currency before the tier's discount, or
    units). The plan may have sized lots to reach the tier; after an override they can cost
    more than they save. Only `suppliers`' tiers, when given."""
    run_key = _or_published(con, run_key)
    tiers = con.execute(
        f"SELECT supplier_id, basis, min_total, discount_rate FROM {_TIERS} "
        "WHERE ? OR list_contains(?, supplier_id)",
        [run_key, run_key, *_any_of(suppliers)],
    ).df()
    lots = review_lots(con, run_key, with_zero=True)
    if tiers.empty or lots.empty:
        return pd.DataFrame(columns=MISSED_TIER_COLUMNS)
    overridden = lots["status"] == "overridden"
    now = pd.DataFrame({
        "supplier_id": lots["decided_supplier_id"].where(overridden, lots["supplier_id"]),
        "units": lots["decided_quantity"].where(overridden, lots["quantity"]),
        "spend": lots["decided_order_value"].where(overridden, lots["order_value"]),
    })[lots["status"] != "rejected"]  # fmt: skip
    planned = lots.rename(columns={"quantity": "units", "order_value": "spend"})
    totals = {name: _totals(frame) for name, frame in (("planned", planned), ("now", now))}
    rows = []
    for tier in tiers.itertuples(index=False):
        key = (tier.supplier_id, tier.basis)
        was, is_ = totals["planned"].get(key, 0.0), totals["now"].get(key, 0.0)
        if was >= tier.min_total > is_:
            rows.append((*tier, was, is_))
    out = pd.DataFrame(rows, columns=MISSED_TIER_COLUMNS)
    out = out.sort_values(["supplier_id", "discount_rate", "min_total"])
    out = out.drop_duplicates("supplier_id", keep="last")
    return out.reset_index(drop=True)


PURCHASE_ORDER_COLUMNS = ["supplier_id", "order_cost", "planned", "now", "min_order_value", "value"]


def decided_purchase_orders(
    con: duckdb.DuckDBPyConnection, run_key: str | None = None
) -> pd.DataFrame:
    """Per supplier with an order_cost (currency per purchase order, paid once a night however
    many lots are on it) or a min_order_value, as the run_key planned with them (run_suppliers;
    suppliers for a supplier it did not plan with), that the run_key's plan (default:
    the published run) or its lots as decided order from: `planned`, the skus of the plan's
    lots on its purchase order tonight, and `now`, those of the lots as decided (approved and
    pending lots as recommended, overridden ones on the supplier decided, rejected ones on
    none; a pending lot whose item was decided on another run of the night as decided there),
    sorted lists; its `min_order_value` and `value`, the order value of the lots as decided
    (currency, before supplier-wide tier discounts, as the minimum counts it). The plan
    weighed each order_cost against what the lots on the order save together and kept each
    order at or above its minimum: a decision that empties an order, adds one or takes it
    below the minimum changes what the night pays or what the supplier accepts."""
    run_key = _or_published(con, run_key)
    lots = review_lots(con, run_key, with_zero=True)
    if lots.empty:
        return pd.DataFrame(columns=PURCHASE_ORDER_COLUMNS)
    planned = lots["supplier_id"].where(lots["quantity"] > 0)
    other = lots["other_action"].isin(["approve", "override"]) & (lots["other_quantity"] > 0)
    pending = lots["other_supplier_id"].where(other).where(lots["other_run_key"].notna(), planned)
    now = (
        lots["decided_supplier_id"]
        .where(lots["status"] == "overridden", planned)
        .where(lots["status"] != "pending", pending)
        .where(lots["status"] != "rejected")
    )
    elsewhere = (lots["status"] == "pending") & lots["other_run_key"].notna()
    value = (
        lots["decided_order_value"]
        .where(lots["status"] == "overridden", lots["order_value"])
        .where(~elsewhere, lots["other_order_value"])
        .fillna(0.0)
    )
    terms = con.execute(
        f"SELECT supplier_id, order_cost, min_order_value FROM {_ORDER_TERMS} "
        "WHERE (order_cost > 0 OR min_order_value > 0) AND list_contains(?, supplier_id) "
        "ORDER BY supplier_id",
        [run_key, run_key, sorted({*planned.dropna(), *now.dropna()})],
    ).fetchall()
    rows = [
        (s, float(cost), sorted(lots.loc[planned == s, "sku"]), sorted(lots.loc[now == s, "sku"]),
         float(minimum), float(value[now == s].sum()))
        for s, cost, minimum in terms
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=PURCHASE_ORDER_COLUMNS)


REACHED_TIER_COLUMNS = ["supplier_id", "basis", "min_total", "discount_rate", "spend", "discount"]


def reached_supplier_tiers(
    con: duckdb.DuckDBPyConnection, run_key: str | None = None
) -> pd.DataFrame:
    """Per supplier, the best supplier-wide tier (as the run_key planned with it, see
    `missed_supplier_tiers`) that the run_key's recommended lots reach (default: the published
    run): spend is their order value
    (currency, before the discount), discount = discount_rate × spend, what comes off the
    supplier's invoice and what the run summary's spend is after. Suppliers without a tier,
    or whose lots reach none, have no row."""
    run_key = _or_published(con, run_key)
    tiers = con.execute(
        f"SELECT supplier_id, basis, min_total, discount_rate FROM {_TIERS}", [run_key, run_key]
    ).df()
    lots = review_lots(con, run_key, with_zero=True)
    if tiers.empty or lots.empty:
        return pd.DataFrame(columns=REACHED_TIER_COLUMNS)
    totals = _totals(lots.rename(columns={"quantity": "units", "order_value": "spend"}))
    rows = [
        (*tier, totals[(tier.supplier_id, "spend")],
         tier.discount_rate * totals[(tier.supplier_id, "spend")])
        for tier in tiers.itertuples(index=False)
        if totals.get((tier.supplier_id, tier.basis), 0.0) >= tier.min_total - 1e-9
    ]  # fmt: skip
    out = pd.DataFrame(rows, columns=REACHED_TIER_COLUMNS)
    out = out.sort_values(["supplier_id", "discount_rate", "min_total"])
    return out.drop_duplicates("supplier_id", keep="last").reset_index(drop=True)


def _totals(lots: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(supplier_id, basis) -> total of lots with a positive quantity."""
    lots = lots[lots["units"].fillna(0) > 0]
    sums = lots.groupby("supplier_id")[["spend", "units"]].sum()
    return {(s, basis): float(sums.at[s, basis]) for s in sums.index for basis in sums.columns}
