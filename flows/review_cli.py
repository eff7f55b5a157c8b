"""`reorder review ...` and `reorder export`: planner decisions and purchase proposals from the
terminal. Decisions apply to the lots of the published run (current_run)."""

from __future__ import annotations

import getpass
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
import pandas as pd

import warehouse
from flows.change_text import since_texts
from flows.console import (
    WHOLE_UNITS,
    changed_notes,
    counted,
    decided_suppliers,
    elsewhere_notes,
    end_of_life_notes,
    late_left_alone,
    late_notes,
    left_alone,
    listed,
    lots_text,
    marked_text,
    order_notes,
    other_run_notes,
    plan_periods,
    rejected_notes,
    run_warnings,
    tier_notes,
    units_problem,
)
from warehouse.validate import grouped as groups_thousands

DECIDED_COLUMNS = ("decided_supplier_id", "decided_quantity", "decided_order_value", "decided_by",
                   "comment")  # fmt: skip


class GivenPath(click.Path):
    """A click.Path that refuses an empty value (`--db "$DB"` with DB unset) as a usage error
    naming the option and what to give: click made '' the working folder, and `--db ''` said
    ". is a folder: ...", `--config ''` failed the run with a traceback."""

    def __init__(self, what: str, path_type: type = Path, **kwargs: Any) -> None:
        super().__init__(path_type=path_type, **kwargs)
        self.what = what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail(f"{value!r} is empty: give {self.what}", param, ctx)
        return super().convert(value, param, ctx)


DB_FILE = "the path of a DuckDB file (.duckdb)"
# The warehouse file option of every command that reads or writes one (here and in flows.cli).
DB_OPTION = click.option("--db", "db_path", type=GivenPath(DB_FILE), required=True)
_BY = click.option("--by", "decided_by", default=getpass.getuser, show_default="the OS user")
_COMMENT = click.option("--comment", default="", help="Why (stored with the decision).")
_DAY = click.DateTime(formats=["%Y-%m-%d"])
_SUPPLIER = click.option(
    "--supplier", "suppliers", multiple=True, help="Only this supplier's lots (repeat for more)."
)


class _Units(click.ParamType):
    """A quantity in whole units: '10.5' (or '1,000', 'ten') is refused naming the parameter
    and saying why, not as Click's "'10.5' is not a valid integer range"; '1.000' too, a
    thousand with '.' grouping thousands or 1.0. Zero and negative numbers pass on: the
    decision refuses them with the lot's terms."""

    name = "units"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if groups_thousands(text):  # 1.000 or 1.500: '.' grouping thousands?
            grouped = int(text.replace(".", ""))
            single = text.count(".") == 1 and float(text).is_integer()
            one = f", or {float(text):g}" if single else ""
            self.fail(f"{value!r}: write {grouped} for {grouped:,} units, without a thousands "
                      f"separator{one}; {WHOLE_UNITS}", param, ctx)  # fmt: skip
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            grouped = text.replace(",", "").replace("_", "")
            hint = f" (write {grouped}, without separators)" if grouped.isdigit() else ""
            self.fail(f"{value!r} is not a number: {WHOLE_UNITS}, e.g. 10{hint}", param, ctx)
        if problem := units_problem(number, value):
            self.fail(problem, param, ctx)
        return int(number)


@click.group(name="review")
def review_group() -> None:
    """List, approve, override or reject the recommended lots of the published run; mark an
    item's demand of one day as a one-off that forecasts leave out."""


@review_group.command(name="list")
@DB_OPTION
@click.option(
    "--status",
    type=click.Choice(["pending", "approved", "overridden", "rejected", "all"]),
    default="pending",
    show_default=True,
)
@_SUPPLIER
@click.option("--sku", "skus", multiple=True, help="Only this item's lot (repeat for more).")
def list_lots(
    db_path: Path, status: str, suppliers: tuple[str, ...], skus: tuple[str, ...]
) -> None:
    """Print the lots with the given status, biggest order value first (a supplier's lots are
    those decided for it, else recommended from it)."""
    with warehouse.connect(db_path, create=False) as con:
        _check_suppliers(con, suppliers)
        lots = warehouse.review_lots(
            con, status=None if status == "all" else status, suppliers=suppliers, skus=skus
        )
        elsewhere = warehouse.decided_elsewhere(con, skus=_items_of(con, suppliers, skus))
        changed = warehouse.changed_decisions(con)
        rejected = warehouse.earlier_rejections(con)
        late = warehouse.approved_after_plan(con)
        missed = warehouse.missed_supplier_tiers(con, suppliers=suppliers)
        orders = warehouse.decided_purchase_orders(con)
        published = warehouse.latest_run(con)  # the run whose lots review_lots lists
        parameters = warehouse.run_parameters(con, published[1]) if published else {}
        run_key = str(lots["run_key"].iloc[0]) if len(lots) else None
        periods = plan_periods(parameters) if run_key else ""
        since = since_texts(warehouse.lot_changes(con, published[1])) if published else {}
        warn_failed(con, db_path)
    if skus or suppliers:
        changed, rejected = _only(changed, skus, suppliers), _only(rejected, skus, suppliers)
        late = _only(late, skus, suppliers)
    of = f" of {_names('supplier', suppliers)}" if suppliers else ""
    of += f" of {_names('sku', skus)}" if skus else ""
    if lots.empty:
        click.echo(f"no {'' if status == 'all' else status + ' '}lots{of}")
    else:
        lot = "lot" if status == "all" else f"{status} lot"
        planned = f" (planned {periods})" if periods else ""
        click.echo(f"{counted(len(lots), lot)}{of} of run {run_key}{planned}:")
        # a decided lot shows what was decided next to what was recommended
        extra = ("status", "since")
        extra += () if status == "pending" else DECIDED_COLUMNS
        shown = lots.assign(since=[since.get(sku, "") for sku in lots["sku"]])
        click.echo(lots_text(shown, extra=extra))
    notes = elsewhere_notes(elsewhere, of_items=bool(skus or suppliers), parameters=parameters)
    notes += other_run_notes(lots[lots["status"] == "pending"])
    notes += changed_notes(changed) + rejected_notes(rejected) + late_notes(late)
    notes += tier_notes(missed, db_path)
    for note in notes + order_notes(orders, _shown_suppliers(lots, suppliers, skus)):
        click.echo(f"note: {note}")


def _shown_suppliers(
    lots: pd.DataFrame, suppliers: tuple[str, ...], skus: tuple[str, ...]
) -> set[str] | None:
    """The suppliers a list is about: `suppliers`, else with `skus` those of the lots listed
    (recommended or decided), else None: all."""
    if suppliers:
        return set(suppliers)
    if skus:
        return set(pd.concat([lots["supplier_id"], lots["decided_supplier_id"]]).dropna())
    return None


@review_group.command(name="one-off")
@DB_OPTION
@click.argument("sku", required=False)
@click.argument("day", metavar="[DATE]", type=_DAY, required=False)
@click.option("--note", default="", help="Why it is a one-off (a project order, a typo).")
@click.option("--list", "listing", is_flag=True, help="List the marked one-offs.")
@click.option("--remove", is_flag=True, help="Unmark SKU DATE: forecasts count it again.")
@_BY
def one_off(
    db_path: Path,
    sku: str | None,
    day: Any,
    note: str,
    listing: bool,
    remove: bool,
    decided_by: str,
) -> None:
    """Mark the order lines of SKU on DATE (YYYY-MM-DD) as a one-off (a project order, a typo
    the ERP let through): from the next run on, forecasts leave their units out. --list: the
    marks; --remove SKU DATE: unmark."""
    if listing and (sku or remove or note):
        raise click.UsageError("--list takes no SKU, DATE, --remove or --note")
    if not listing and (sku is None or day is None):
        raise click.UsageError("name SKU and DATE (YYYY-MM-DD), or give --list")
    if remove and note:
        raise click.UsageError("--note goes with a mark, not with --remove")
    with warehouse.connect(db_path, create=False) as con:
        if listing:
            click.echo(one_offs_text(warehouse.one_offs(con)))
            return
        try:
            if remove:
                warehouse.unmark_one_off(con, sku, day.date(), decided_by)
            else:
                marked = warehouse.mark_one_off(con, sku, day.date(), note, decided_by)
        except warehouse.OneOffError as error:
            raise click.ClickException(str(error)) from None
    if remove:
        click.echo(f"{sku} {day:%Y-%m-%d}: no longer a one-off: the next run's forecast counts "
                   "its order lines again")  # fmt: skip
        return
    click.echo(marked_text(marked))


def one_offs_text(marks: pd.DataFrame) -> str:
    """The marks of `warehouse.one_offs` as a table for the terminal, or 'no one-offs
    marked'."""
    if marks.empty:
        return "no one-offs marked"
    shown = marks.assign(
        order_date=[f"{d:%Y-%m-%d}" for d in pd.to_datetime(marks["order_date"])],
        units=[f"{u:,.0f}" for u in marks["units"]],
        note=marks["note"].fillna(""),
        marked_at=[f"{t:%Y-%m-%d %H:%M} UTC" for t in pd.to_datetime(marks["marked_at"])],
    )
    head = f"{counted(len(marks), 'one-off')} marked (units: what the day's lines hold now):"
    return head + "\n" + shown.to_string(index=False)


def _many_lots(action: str) -> Callable[[Callable], Callable]:
    """The arguments of a decision on many lots: SKUS, --all, --supplier, --comment, --by."""
    help_all = f"{action.title()} every pending lot."
    every = click.option("--all", "every", is_flag=True, help=help_all)
    options = (DB_OPTION, click.argument("skus", nargs=-1), every, _SUPPLIER, _COMMENT, _BY)

    def wrap(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return wrap


@review_group.command()
@_many_lots("approve")
def approve(**arguments: Any) -> None:
    """Approve the lots of SKUS (or --all pending lots, with --supplier those of a supplier)
    as recommended."""
    _decide_many("approve", **arguments)


@review_group.command()
@DB_OPTION
@click.argument("sku")
@click.option("--quantity", type=_Units(), help="New quantity (whole units).")
@click.option("--supplier", "supplier_id", help="Another supplier.")
@_COMMENT
@_BY
def override(
    db_path: Path,
    sku: str,
    quantity: int | None,
    supplier_id: str | None,
    comment: str,
    decided_by: str,
) -> None:
    """Order SKU with another quantity and/or supplier (checked against moq, the first price
    break and pack_size)."""
    if quantity is None and supplier_id is None:
        raise click.UsageError("give --quantity and/or --supplier")
    with warehouse.connect(db_path, create=False) as con:
        if quantity == 0:
            raise click.ClickException(zero_override(sku, db_path))
        decision = warehouse.Decision(sku, "override", supplier_id, quantity, comment)
        _decide(con, db_path, [decision], decided_by)


def zero_override(sku: str, db_path: Path) -> str:
    """Why `override --quantity 0` is refused, and the command that orders nothing: a reject
    (it was "quantity 0 must be a positive whole number", naming no way to order nothing)."""
    reject = warehouse.command_line(
        "reorder", "review", "reject", "--db", Path(db_path).resolve(), sku
    )
    return (
        f"sku {sku}: an override of 0 units orders nothing; "
        f"to order nothing, reject the lot: {reject}"
    )


@review_group.command()
@_many_lots("reject")
def reject(**arguments: Any) -> None:
    """Order nothing for SKUS (or --all pending lots, with --supplier those of a supplier)."""
    _decide_many("reject", **arguments)


def _decide_many(
    action: str,
    db_path: Path,
    skus: tuple[str, ...],
    every: bool,
    suppliers: tuple[str, ...],
    comment: str,
    decided_by: str,
) -> None:
    with warehouse.connect(db_path, create=False) as con:
        skus = _chosen(con, skus, every, suppliers, action)
        if every and action == "approve":
            skus = _not_late(con, db_path, skus)
        if skus:
            decisions = [warehouse.Decision(sku, action, comment=comment) for sku in skus]
            _decide(con, db_path, decisions, decided_by)


def _chosen(
    con: object, skus: tuple[str, ...], every: bool, suppliers: tuple[str, ...], action: str
) -> tuple[str, ...]:
    """The skus a decision command acts on: SKUS, or with --all the pending lots (of
    --supplier); () after saying there are none."""
    if suppliers and not every:
        raise click.UsageError("--supplier selects among the pending lots: add --all")
    if every and skus:
        raise click.UsageError("name skus or give --all, not both")
    if not every:
        if not skus:
            raise click.UsageError("name at least one sku, or --all")
        return skus
    _check_suppliers(con, suppliers)
    pending = warehouse.review_lots(con, status="pending", suppliers=suppliers)
    elsewhere = pending["other_run_key"].notna()
    if elsewhere.any():
        click.echo(left_alone(pending.loc[elsewhere, "sku"]))
    skus = tuple(pending.loc[~elsewhere, "sku"])
    if not skus:
        of = f" of {_names('supplier', suppliers)}" if suppliers else ""
        click.echo(f"no pending lots{of} to {action}")
    return skus


def _not_late(con: object, db_path: Path, skus: tuple[str, ...]) -> tuple[str, ...]:
    """`skus` (of `approve --all`) without those whose item an earlier night approved after
    this plan was made (`warehouse.approved_after_plan`), saying which it left alone and the
    command that approves them by name: approved as well, the item is ordered twice."""
    approved = set(warehouse.approved_after_plan(con)["sku"])
    late = [sku for sku in skus if sku in approved]
    if late:
        command = warehouse.command_line(
            "reorder", "review", "approve", "--db", Path(db_path).resolve(), *late
        )
        click.echo(late_left_alone(late, f"approve by name to order both: {command}"))
    return tuple(sku for sku in skus if sku not in late)


def warn_failed(con: object, db_path: Path) -> None:
    """Say so when a run failed, was killed or still runs since the published one (of the
    warehouse `db_path`): its lots are then not the newest."""
    for note in run_warnings(con, db_path):
        click.echo(f"warning: {note}")


def _check_suppliers(con: object, suppliers: tuple[str, ...]) -> None:
    if unknown := warehouse.unknown_suppliers_text(con, suppliers):
        raise click.BadParameter(unknown, param_hint="--supplier")


def _names(word: str, values: Sequence[str]) -> str:
    """'supplier S1' or 'suppliers S1, S2'."""
    return f"{word}{'s' if len(values) > 1 else ''} {', '.join(values)}"


def _items_of(con: object, suppliers: Sequence[str], skus: Sequence[str]) -> list[str] | None:
    """The items whose decisions on the night's other runs a list of `suppliers` and `skus`
    names: `skus`, or with suppliers the items of their lots (any status; the supplier decided
    for, else the one recommended) among them; None: all items."""
    if not suppliers:
        return list(skus) or None
    lots = warehouse.review_lots(con, suppliers=suppliers, skus=skus)
    return lots["sku"].astype(str).tolist()


def _only(notes: pd.DataFrame, skus: Sequence[str], suppliers: Sequence[str]) -> pd.DataFrame:
    """The rows of a notes frame (changed or earlier-rejected lots) about `skus` and lots of
    `suppliers` (recommended or decided)."""
    keep = pd.Series(True, index=notes.index)
    if skus:
        keep &= notes["sku"].isin(skus)
    if suppliers:
        columns = [c for c in ("supplier_id", "recommended_supplier_id", "supplier_id_now")
                   if c in notes.columns]  # fmt: skip
        keep &= notes[columns].isin(suppliers).any(axis=1)
    return notes[keep]


def _decide(
    con: object, db_path: Path, decisions: list[warehouse.Decision], decided_by: str
) -> None:
    from flows.review import decide, slower_notes  # imports Prefect: only when deciding

    try:
        rows = decide(con, decisions, decided_by, "cli")
    except warehouse.DecisionError as error:
        raise click.ClickException(str(error)) from None
    for row in rows.itertuples(index=False):
        what = f"{row.quantity:,.0f} from {row.supplier_id}" if row.quantity else "nothing"
        click.echo(f"{row.sku}: {row.action} ({what}) by {row.decided_by}")
    for note in end_of_life_notes(warehouse.past_end_of_life(con, rows)) + slower_notes(con, rows):
        click.echo(f"note: {note}")
    for note in tier_notes(warehouse.missed_supplier_tiers(con), db_path):
        click.echo(f"note: {note}")
    for note in order_notes(warehouse.decided_purchase_orders(con), decided_suppliers(rows)):
        click.echo(f"note: {note}")


@click.command()
@DB_OPTION
@click.option(
    "--out",
    "out_dir",
    type=GivenPath("a folder for the proposal files", file_okay=False),
    required=True,
)
@_SUPPLIER
@click.option(
    "--night",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="An earlier night's lots (YYYY-MM-DD; default: the published run's night).",
)
def export(db_path: Path, out_dir: Path, suppliers: tuple[str, ...], night: Any) -> None:
    """Write approved and overridden lots of the published run's night (or of --night; per
    sku its newest decision) as purchase proposals per supplier (Excel: one sheet per
    supplier; CSV: every lot, in the dialect of the run's load.toml if it had one)."""
    from flows.proposals import csv_dialect, unwritable_notes, write_proposals

    with warehouse.connect(db_path, create=False) as con:
        latest = warehouse.latest_run(con)
        if latest is None:
            raise click.ClickException("no succeeded run yet")
        run = latest if night is None else warehouse.night_run(con, night.date())
        if run is None:
            raise click.BadParameter(
                f"no succeeded run of the night of {night:%Y-%m-%d}", param_hint="--night"
            )
        _check_suppliers(con, suppliers)
        warn_failed(con, db_path)
        lots = warehouse.approved_lots(con, run[1], suppliers=suppliers)
        changed = _only(warehouse.changed_decisions(con, run[1]), (), suppliers)
        missed = warehouse.missed_supplier_tiers(con, run[1], suppliers)
        status = warehouse.review_lots(con, run[1], suppliers=suppliers)["status"]
        earlier = warehouse.earlier_proposals(con, run[2])
        taken = _only(warehouse.taken_over_elsewhere(con, run[1]), (), suppliers)
        orders = warehouse.decided_purchase_orders(con, run[1])
        config = warehouse.run_parameters(con, run[1]).get("config")
    dialect, dialect_line = csv_dialect(config)
    for path in write_proposals(lots, out_dir, run[1], suppliers, dialect):
        click.echo(f"wrote {path}")
    if dialect_line:
        click.echo(dialect_line)
    for note in unwritable_notes(lots, dialect):
        click.echo(f"note: {note}")
    if lots.empty:
        click.echo(_nothing_to_export(db_path, run, suppliers, status, run == latest))
    else:
        click.echo(
            f"{counted(len(lots), 'lot')}, {counted(lots['supplier_id'].nunique(), 'supplier')}, "
            f"order value {lots['order_value'].sum():,.2f}{exported_order_costs(lots)}"
        )
    todo = None if run == latest else "`reorder review` decides on the published plan only"
    for note in changed_notes(changed[changed["action"] != "reject"], todo=todo):
        click.echo(f"note: {note}")
    for note in tier_notes(missed, db_path, night=None if run == latest else run[2]):
        click.echo(f"note: {note}")
    for note in taken_notes(taken):
        click.echo(f"note: {note}")
    for note in order_notes(orders, suppliers or None):
        click.echo(f"note: {note}")
    for note in _earlier_notes(
        earlier, ("reorder", "export", "--db", db_path, "--out", out_dir), suppliers
    ):
        click.echo(f"note: {note}")


def exported_order_costs(lots: pd.DataFrame) -> str:
    """', order costs 210.00 of 2 suppliers (once per purchase order, apart from the order
    value)':
    the order_cost of each supplier with exported lots, counted once per purchase order as
    the run summary counts the plan's ('' when none has one; each sheet names its own)."""
    costs = lots.groupby("supplier_id")["order_cost"].first().fillna(0)
    costs = costs[costs > 0]
    if costs.empty:
        return ""
    return (
        f", order costs {costs.sum():,.2f} of {counted(len(costs), 'supplier')} "
        "(once per purchase order, apart from the order value)"
    )


def taken_notes(taken: pd.DataFrame) -> list[str]:
    """One note per exported lot that no plan counts because the ERP took over a proposal of
    another run of its night for the item (`warehouse.taken_over_elsewhere`): placed as well,
    the item would have two orders."""
    notes = []
    for lot in taken.itertuples():
        erp = (
            f"carries {lot.erp_po_id} ({lot.erp_quantity:,.0f})"
            if pd.notna(lot.erp_quantity)
            else f"carried {lot.erp_po_id} (received or cancelled since)"
        )
        notes.append(
            f"{lot.sku}: the ERP {erp}, a lot of another run of this night; {lot.po_id} "
            f"({lot.quantity:,.0f} from {lot.supplier_id}) was decided after and no plan counts "
            "it as an open order: change the ERP's order rather than placing a second one"
        )
    return notes


def _earlier_notes(
    earlier: pd.DataFrame, command: tuple[object, ...], suppliers: tuple[str, ...]
) -> list[str]:
    """One note per earlier night whose approved lots are not exported yet
    (`warehouse.earlier_proposals`), with the `command` (+ --night) that exports them: the
    plan counts them as open orders, so a lot never ordered would be forgotten."""
    if suppliers:
        earlier = earlier[earlier["supplier_id"].isin(suppliers)]
    notes = []
    for when, lots_then in earlier.groupby("night", sort=True):
        one = len(lots_then) == 1
        notes.append(
            f"{counted(len(lots_then), 'lot')} approved or overridden on the night of "
            f"{when:%Y-%m-%d} {'is' if one else 'are'} not in this export "
            f"({listed(lots_then['sku'])}): the plan counts {'it' if one else 'them'} as "
            f"{'an open order' if one else 'open orders'} until the ERP's open_orders carries "
            f"{'its' if one else 'their'} po_id; not ordered yet? "
            + warehouse.command_line(*command, "--night", f"{when:%Y-%m-%d}", *_each(suppliers))
        )
    return notes


def _each(suppliers: Sequence[str]) -> list[str]:
    """`--supplier S` per supplier, as words of a command (`warehouse.command_line`)."""
    return [word for s in suppliers for word in ("--supplier", s)]


def _nothing_to_export(
    db_path: Path, run: tuple, suppliers: tuple[str, ...], status: pd.Series, published: bool
) -> str:
    """'nothing to export: no lot of the night of 2026-12-06 (run ...) is approved or
    overridden (34 pending, 1 rejected: reorder review list --db ...); the files hold no
    lots': an export of no lots says why, and where the lots to decide are (`reorder review`
    lists the published run's only: an earlier night's export says so instead)."""
    of = f"{_names('supplier', suppliers)} of " if suppliers else ""
    counts = status.value_counts()
    shown = [f"{counts[s]:,} {s}" for s in ("pending", "rejected") if counts.get(s, 0)]
    command = warehouse.command_line(
        "reorder", "review", "list", "--db", db_path, *_each(suppliers)
    )
    where = f": {command}" if published else "; `reorder review` decides on the published plan only"
    return (
        f"nothing to export: no lot of {of}the night of {run[2]} (run {run[1]}) is "
        f"approved or overridden ({', '.join(shown or ['no lots'])}{where}); the files "
        "hold no lots"
    )
