"""`reorder`: the command line for planners and operators."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import httpx
import pandas as pd

import optimize
import warehouse
from flows import watchdog
from flows.change_text import change_counts, changes_headline, changes_text, keep_margin
from flows.console import (
    OFFER_LEFT_OUT,
    beyond_horizon_note,
    counted,
    counted_note,
    frame_text,
    held_back_note,
    item_accuracy_text,
    limits_unlike,
    lots_text,
    models_text,
    more_unused_text,
    order_cost_held_note,
    order_cost_text,
    plan_periods,
    planned_unlike,
    quarantined_text,
    replacing_text,
    runs_text,
    tier_value_note,
    unused_note,
)
from flows.params import MAX_KEEP_MARGIN, PERIOD_WORDS, default_as_of, parse_parameters
from flows.program import prog as _prog
from flows.requirements import requirements_note
from flows.review_cli import DB_FILE, DB_OPTION, GivenPath, export, review_group, warn_failed
from flows.sources import one_offs_note, prior_lots_note, prior_notes, spike_lots_note
from optimize.plan import KEEP_LOT_MARGIN
from optimize.solve import DEFAULT_GAP

_DATE = click.DateTime(formats=["%Y-%m-%d"])


KEEP_MARGIN_OPTION = click.option(
    "--keep-margin",
    type=float,
    default=KEEP_LOT_MARGIN,
    show_default=True,
    help="Keep an item's pending lot of the night before while it costs at most this share of "
    f"the item's least expected cost more (0..{MAX_KEEP_MARGIN}; 0: follow every change).",
)


def _input_options(command: Callable) -> Callable:
    """--data-dir, --db, --as-of and --config: what a command that loads input files takes."""
    options = (
        click.option(
            "--data-dir",
            type=GivenPath("the input folder", exists=True, file_okay=False),
            required=True,
        ),
        DB_OPTION,
        click.option("--as-of", type=_DATE, help="Last day of data (default: yesterday)."),
        click.option(
            "--config",
            type=GivenPath("a load.toml file, or leave --config out"),
            help="Load config TOML.",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


# Prefect's message when the temporary local API a run starts did not answer in time, and
# the setting of that time: Prefect's 20 s ran out on a busy 2-core machine.
SLOW_SERVER = "Timed out while attempting to connect to ephemeral Prefect API server"
SERVER_WAIT = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"

# Errors that say what is wrong with the input, the parameters or the warehouse file: the
# message is the whole story, a traceback would only hide it (REORDER_DEBUG=1 shows it).
USER_ERRORS = (warehouse.LoadError, *warehouse.STORAGE_ERRORS, ValueError, OSError)


class _Commands(click.Group):
    """The `reorder` group: a user error ends the command with `Error: <message>`, exit 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # `reorder lots ... | head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except USER_ERRORS as error:
            if os.environ.get("REORDER_DEBUG"):
                raise
            raise click.ClickException(_one_line(error)) from None
        except (RuntimeError, httpx.ConnectError) as error:
            unreachable = isinstance(error, httpx.ConnectError) or str(error).startswith(
                "Failed to reach API"
            )
            slow = str(error).startswith(SLOW_SERVER)
            if not (unreachable or slow) or os.environ.get("REORDER_DEBUG"):
                raise
            if slow:
                raise click.ClickException(
                    f"Prefect's temporary local server did not answer within "
                    f"{os.environ.get(SERVER_WAIT)} s (a busy machine?): run again with a "
                    f"longer wait, e.g. {SERVER_WAIT}=300, or start `prefect server start` "
                    "and set PREFECT_API_URL (see Deploying with Prefect in README.md)"
                ) from None
            url = os.environ.get("PREFECT_API_URL", "PREFECT_API_URL")
            unset = "" if ctx.invoked_subcommand == "serve" else (
                "; or unset PREFECT_API_URL: a run then starts a temporary local server itself"
            )  # fmt: skip
            raise click.ClickException(
                f"no Prefect API answers at {url} (is `prefect server start` running, and "
                f"does the URL end in /api?){unset}"
            ) from None


def _one_line(error: BaseException) -> str:
    """The error's own message (a failed flow run re-raises the task's exception as is)."""
    return str(error).strip() or type(error).__name__


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Demand forecasting and reorder optimization for small-series parts."""
    # The temporary local Prefect API that a run without a server starts would otherwise
    # race its own telemetry writes on its SQLite file and print a scary traceback.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault(SERVER_WAIT, "90")  # seconds; read when Prefect is first imported


@main.command()
@click.option(
    "--folder",
    type=GivenPath("a folder for the demo"),
    default=Path("demo"),
    show_default=True,
)
@click.option("--as-of", type=_DATE, help="Last day of data (default: yesterday).")
@click.option(
    "--seed",
    type=int,
    default=7,
    show_default=True,
    help="Seed of the demo data (the run takes the default seed of `reorder run`, so that "
    "`reorder run` on the demo's folder and night reruns it).",
)
@click.option(
    "--items",
    "n_items",
    type=click.IntRange(min=1),
    default=300,
    show_default=True,
    help="Parts to generate (1 or more; the eight broken rows come on top).",
)
@KEEP_MARGIN_OPTION
def demo(folder: Path, as_of: date | None, seed: int, n_items: int, keep_margin: float) -> None:
    """Generate demo data, load it, run the nightly flow and print the lots."""
    from flows.nightly import nightly
    from warehouse.demo import write_demo_data

    as_of = as_of.date() if as_of else default_as_of()
    data_dir = folder / "data"
    db_path = folder / "reorder.duckdb"
    # checked as `reorder run` checks it, before the demo writes anything
    parse_parameters(as_of=as_of, data_dir=str(data_dir), db_path=str(db_path),
                     keep_margin=keep_margin)  # fmt: skip
    made = write_demo_data(data_dir, as_of, seed=seed, n_items=n_items)
    lines = counted(made.order_lines, "order line")
    required = counted(made.rows["requirements"], "requirement")
    click.echo(f"demo data: {counted(made.items, 'item')}, {lines}, {required} in {data_dir}")
    # the watchdog stops Prefect's temporary server should this process be killed
    with watchdog.guarded(), _interrupted(db_path):
        # the run's own default seed, not the data's: `reorder run` on this folder and night
        # is then a rerun of this run (same run_key, same lots), not a what-if of another seed
        summary = nightly(as_of=as_of, data_dir=str(data_dir), db_path=str(db_path),
                          keep_margin=keep_margin)  # fmt: skip
    _print_lots(db_path)
    _print_summary(summary, data_dir)
    click.echo(accuracy_hint(as_of, data_dir, db_path))


@main.command()
@_input_options
@click.option("--items", help="Comma-separated skus to plan (default: all).")
@click.option("--category", help="Plan only this item category.")
@click.option(
    "--freq",
    type=click.Choice(["W", "M"]),
    default="W",
    show_default=True,
    help="Periods: W weeks (from Monday), M calendar months.",
)
@click.option(
    "--horizon",
    type=int,
    default=13,
    show_default=True,
    help="Periods forecast and planned, of --freq: 13 is 13 weeks, with --freq M 13 months.",
)
@click.option(
    "--scenarios",
    type=int,
    help="Demand sample paths per item (default: 600,000 / items, within 200..2,000).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--service-level", type=float, default=0.95, show_default=True)
@click.option("--budget", type=float, help="Spend limit for the run (currency).")
@click.option("--capacity", type=float, help="Storage limit for the run (litres).")
@click.option("--max-orders", type=int, help="Most lots to order in the run.")
@click.option(
    "--min-service-level",
    type=float,
    help="Hard fill rate per item, 0..1 (a relaxed plan names why it cannot be met).",
)
@click.option("--solver", type=click.Choice(["highs", "cbc"]), default="highs", show_default=True)
@click.option("--time-limit", type=float, default=60.0, show_default=True)
@click.option(
    "--gap",
    type=float,
    default=DEFAULT_GAP,
    show_default=True,
    help="Relative MILP gap, of the cost the lots can avoid (the objective less each item's "
    "least cost).",
)
@KEEP_MARGIN_OPTION
def run(as_of: date | None, data_dir: Path, db_path: Path, **options: object) -> None:
    """Run the nightly flow once, locally (no server needed)."""
    from flows.nightly import nightly

    as_of = as_of.date() if as_of else None
    if options["config"] is not None:  # the flow's parameter is a string (Prefect's schema)
        options["config"] = str(options["config"])
    if options["items"] is not None:
        options["items"] = [s.strip() for s in str(options["items"]).split(",") if s.strip()]
        if not options["items"]:
            raise click.BadParameter("no sku given", param_hint="--items")
    # the flow checks these too; checked here they fail before Prefect starts, in one line
    parse_parameters(as_of=as_of, data_dir=str(data_dir), db_path=str(db_path), **options)
    warehouse.check_path(db_path)
    # a run writing this warehouse stops this one (no lock_wait here): said in one line
    # before Prefect starts, not after the flow engine's traceback repeating it
    if busy := warehouse.busy_message(db_path):
        raise click.ClickException(busy)
    with watchdog.guarded(), _interrupted(db_path):
        summary = nightly(as_of=as_of, data_dir=str(data_dir), db_path=str(db_path), **options)
    _print_lots(db_path, run_id=summary["run_id"])
    _print_summary(summary, data_dir)


@contextmanager
def _interrupted(db_path: Path) -> Iterator[None]:
    """On Ctrl-C, say what the run left instead of click's bare "Aborted!", and exit 130."""
    started = datetime.now(UTC).replace(tzinfo=None)
    try:
        yield
    except KeyboardInterrupt:
        click.echo(f"interrupted: {_interrupt_outcome(db_path, started)}", err=True)
        raise SystemExit(130) from None


def _interrupt_outcome(db_path: Path, started: datetime) -> str:
    """What an interrupted run left in the warehouse: its status and the published plan."""
    runs = f"`{_command('runs', '--db', db_path)}`"
    if not Path(db_path).is_file():
        return "the run had not started: nothing was planned or published"
    try:
        with warehouse.connect(db_path, read_only=True, wait_seconds=5) as con:
            newest = warehouse.run_history(con, 1)
            latest = warehouse.latest_run(con)
    except (warehouse.DatabaseError, OSError):
        return f"{runs} says what the run left"
    if newest.empty or pd.Timestamp(newest["started_at"].iloc[0]) < pd.Timestamp(started):
        return "the run had not started: nothing was planned or published"
    run = newest.iloc[0]
    lots = f"`{_command('lots', '--db', db_path)}`"
    if latest and latest[0] == run["run_id"]:
        return f"the run of night {run['as_of']:%Y-%m-%d} had published its plan ({lots})"
    kept = (
        f"the plan of night {latest[2]:%Y-%m-%d} stays published ({lots})"
        if latest
        else "no plan is published yet"
    )
    night = f"{run['as_of']:%Y-%m-%d}"
    return f"the run of night {night} is recorded as {run['status']} and published nothing; {kept}"


@main.command()
@_input_options
def load(data_dir: Path, db_path: Path, as_of: date | None, config: Path | None) -> None:
    """Load and validate input files only; print what was loaded and quarantined."""
    as_of = as_of.date() if as_of else default_as_of()
    # a load replaces input tables: not in the middle of a run on the same warehouse
    warehouse.check_path(db_path)
    with warehouse.run_lock(db_path, command="reorder load"), warehouse.connect(db_path) as con:
        report = warehouse.load_folder(con, data_dir, as_of, warehouse.load_config(config))
        left_out = _left_out_by_inputs(con, as_of)
        try:
            note = warehouse.check_history(con, as_of)
        except warehouse.HistoryError as error:
            note = f"{error} (a run as of {as_of} stops here)"
    click.echo(report.summary(prog=_prog()))
    if note:
        click.echo(f"note: {note}")
    rows = left_out.to_dict("records")
    more = f"a run lists them all ({_command('lots', '--db', db_path)} after it)"
    for line in not_planned_lines(rows, _unused_counts(left_out), more):
        click.echo(line)


def _left_out_by_inputs(con: object, as_of: date) -> pd.DataFrame:
    """The items (and offers) a run of `as_of` leaves out whatever its forecast, with the
    reasons its summary gives (`optimize.left_out_by_inputs`): a load names them first."""
    inputs = warehouse.read_planning_inputs(con, as_of=as_of)
    return optimize.left_out_by_inputs(
        **{k: inputs[k] for k in ("items", "suppliers", "supplier_items", "price_breaks",
                                  "open_orders", "unknown_inputs", "quarantined_supplier_items",
                                  "quarantined_items")}
    )  # fmt: skip


def not_planned_lines(
    rows: list[dict], counts: tuple[int, int], more: str, shown: int = 5
) -> list[str]:
    """'not planned:  P-1: why' / 'left out:     offer of P-2 ...' of the first `shown` of
    `rows` (sku, reason: items or offers the plan cannot use, items first,
    `console.unused_note`), then how many more of the `counts` (items not planned, offers
    left out) each and `more` (where they are listed)."""
    lines = []
    for row in rows[:shown]:
        label, text = unused_note(row)
        lines.append(f"{label.lower() + ':':<14}{text}")
    if rest := more_unused_text(rows[:shown], *counts):
        lines.append(f"{'':<14}... {rest}: {more}")
    return lines


def _unused_counts(left_out: pd.DataFrame) -> tuple[int, int]:
    """(items not planned, offers left out) of a `warehouse.not_planned`-shaped frame."""
    return int((~left_out["planned"]).sum()), int(left_out["planned"].sum())


@main.command()
@DB_OPTION
@click.argument("file")
def forget(db_path: Path, file: str) -> None:
    """Drop every order line that FILE (an order-lines file name) loaded, e.g. a copy loaded
    by mistake and removed from the folder: rows of other files it overrode count again."""
    with (
        warehouse.run_lock(db_path, command="reorder forget"),
        warehouse.connect(db_path, create=False) as con,
    ):
        forgotten = warehouse.forget_order_lines(con, file)
    if forgotten is None:
        raise click.BadParameter(f"no order lines of a file named {file!r}", param_hint="FILE")
    dropped, back = forgotten
    click.echo(f"dropped {dropped:,} order lines of {file}; {back:,} of other files count again")
    click.echo("a file of that name still in the input folder loads again on the next load")


@main.command()
@DB_OPTION
@click.option("--all", "show_all", is_flag=True, help="Include items with no order.")
@click.option(
    "--run-id", help="The lots of this run instead of the published plan's (reorder runs)."
)
@click.option("--sku", "skus", multiple=True, help="Only this item (repeat for more).")
def lots(db_path: Path, show_all: bool, run_id: str | None, skus: tuple[str, ...]) -> None:
    """Print the currently published recommendations, then the items the plan could not use."""
    _print_lots(db_path, show_all=show_all, limit=None, run_id=run_id, skus=skus)


@main.command()
@DB_OPTION
@click.option(
    "--since",
    type=_DATE,
    help="Compare with this night (default: the latest earlier night with a plan of all items).",
)
@click.option("--sku", "skus", multiple=True, help="Only this item, changed or not (repeat).")
def changes(db_path: Path, since: datetime | None, skus: tuple[str, ...]) -> None:
    """Print what changed in the published lots since the night before, and why: each new,
    dropped, larger, smaller or other supplier's lot with the drivers each night's plan
    counted (forecast, on hand, on order, price, lead time), largest change in order value
    first."""
    with warehouse.connect(db_path, read_only=True) as con:
        try:
            warehouse.select_skus(con, list(skus) or None)
            found = warehouse.lot_changes(con, since=since.date() if since else None)
        except ValueError as error:
            option = "--sku" if str(error).startswith("items filter") else "--since"
            raise click.BadParameter(str(error).split(": ", 1)[1], param_hint=option) from None
        parameters = warehouse.run_parameters(con, found.run_key) if found else {}
        notes = _comparison_notes(con, found, parameters)
        margin = keep_margin(parameters)
        warn_failed(con, db_path)
    if found is None:
        click.echo("no published run yet")
    elif found.previous_night is None:
        click.echo(f"the night of {found.night:%Y-%m-%d} has no earlier night with a plan of all "
                   "items to compare its lots with")  # fmt: skip
    else:
        _print_changes(found, skus, notes, margin)


def _comparison_notes(
    con: object, found: warehouse.LotChanges | None, this: dict[str, Any]
) -> list[str]:
    """Notes on how the night compared with planned otherwise: other periods (its lots cover
    other weeks), other limits or service levels (a --budget what-if's lots were cut to fit);
    `this`: the night's run parameters (`warehouse.run_parameters` of found.run_key)."""
    if found is None or found.previous_run_key is None:
        return []
    other = warehouse.run_parameters(con, found.previous_run_key)
    since, notes = f"the night of {found.previous_night:%Y-%m-%d}", []
    if unlike := planned_unlike(other, this):
        notes.append(f"{since} was {unlike}: its lots cover other periods")
    if limits := limits_unlike(other, this):
        notes.append(f"{since} was planned with {limits}: lots also move with the limits")
    return notes


def _print_changes(
    found: warehouse.LotChanges, skus: tuple[str, ...], notes: list[str], margin: float
) -> None:
    """The counts of a `warehouse.LotChanges`, then its changed lots (with `skus`: those
    items' lots, unchanged too) and what the columns mean; `notes`: `_comparison_notes`;
    `margin`: the night's keep_margin."""
    since = f"{found.previous_night:%Y-%m-%d}"
    click.echo(f"Lots of night {found.night:%Y-%m-%d} since the night of {since}: "
               f"{change_counts(found.counts, found.kept, margin)}")  # fmt: skip
    for note in notes:
        click.echo(f"note: {note}")
    lots = found.lots[found.lots["sku"].isin(skus)] if skus else found.changed
    click.echo("\nLargest change in order value first:" if len(lots) else "")
    click.echo(changes_text(lots))
    for sku in sorted(set(skus) - set(found.lots["sku"])):
        click.echo(f"  {sku}: no lot on either night")
    legend = (
        "why: the drivers of the lot as each night's plan counted them, before -> after "
        "(forecast: units over the horizon; on order: open orders due within it); "
        "'drivers the same': the lot moved with the plan's shared limits, order costs or "
        "demand scenarios; kept: the night before's lot, kept while nearly as good. A lot "
        "approved or overridden the night before is on order now (ordered) and one rejected "
        "is not wanted (rejected): a lot of the item tonight is new beside it"
    )
    click.echo("\n" + textwrap.fill(legend, width=100, subsequent_indent="     "))


@main.command()
@DB_OPTION
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--wide", is_flag=True, help="Every column of the runs table, as stored.")
def runs(db_path: Path, limit: int, wide: bool) -> None:
    """Print the latest runs: status (the published run marked), seconds per stage, solver
    status, and the parameters that made a run a what-if or why it failed."""
    with warehouse.connect(db_path, read_only=True) as con:
        history = warehouse.run_history(con, limit)
        latest = warehouse.latest_run(con)
    if wide:
        click.echo(frame_text(history))
    else:
        click.echo(runs_text(history, latest[0] if latest else None))


@main.command()
@DB_OPTION
@click.option("--items", "per_item", is_flag=True, help="One row per item instead of counts.")
def models(db_path: Path, per_item: bool) -> None:
    """Print the forecast model chosen per item with its backtest score and the item's
    classification (demand class, ADI, CV², lifecycle stage), from the published run."""
    with warehouse.connect(db_path, read_only=True) as con:
        chosen = warehouse.current_forecast_models(con)
    if chosen.empty:
        click.echo("no published run yet")
    else:
        click.echo(frame_text(chosen) if per_item else models_text(chosen))


@main.command()
@DB_OPTION
@click.option(
    "--by",
    type=click.Choice(warehouse.BY_COLUMNS),
    help="Split the scores by the item's demand class, model, ... in each scored run.",
)
@click.option(
    "--items",
    "per_item",
    is_flag=True,
    help="One row per item of the newest scored run, largest loss first (the first 20).",
)
@click.option("--sku", "skus", multiple=True, help="Only this item, in every scored run (repeat).")
@click.option(
    "--chart",
    type=GivenPath("a .png file", dir_okay=False),
    help="Write a PNG of the item's (one --sku) newest scored forecast against what came.",
)
def accuracy(
    db_path: Path, by: str | None, per_item: bool, skus: tuple[str, ...], chart: Path | None
) -> None:
    """Print how earlier runs' forecasts did against the demand that came (newest run's
    history): bias, demand above the forecast quantiles, weighted quantile loss; per item
    with --items or --sku."""
    if chart is not None and len(skus) != 1:
        raise click.UsageError("--chart draws one item: give exactly one --sku")
    if by is not None and (per_item or skus):
        raise click.UsageError("--by splits the run's scores; --items and --sku list items")
    if per_item or skus:
        _item_accuracy(db_path, skus, chart)
        return
    with warehouse.connect(db_path, read_only=True) as con:
        scores = warehouse.forecast_accuracy(con, by=by)
        notes = warehouse.accuracy_notes(con)
        periods = _scored_periods(con)
        published = warehouse.latest_run(con)
        params = warehouse.run_parameters(con, published[1]) if published else {}
    if scores.empty:
        click.echo(
            "no forecast to score yet: it takes a later run whose history covers an earlier "
            "run's forecast periods"
        )
        if published and params.get("data_dir"):
            click.echo(earlier_night_hint(published[2], params, db_path))
        _echo_notes(notes)
        return
    totals = ["run_key", "as_of", *([by] if by else []), "items", *warehouse.TOTAL_COLUMNS]
    undefined = bool(scores[["bias", "wql"]].isna().any(axis=None))
    missing_totals = bool(scores["total_periods"].isna().any())
    for column in scores.columns:  # no demand came, or no totals stored
        if scores[column].isna().any():
            scores[column] = [
                "n/a" if pd.isna(v) else f"{v:,.2f}" if isinstance(v, float) else str(v)
                for v in scores[column]
            ]
    click.echo(
        f"Earlier forecasts against the newest demand history ({periods}bias: forecast / "
        "actual - 1; "
        "above_qXX: share of item-periods with demand above that quantile, ideal at most "
        "1 - XX%; wql: 1.0 = forecasting zero, lower is better"
        + ("; n/a: no demand came there, and bias and wql divide by it" if undefined else "")
        + "):"
    )
    click.echo(frame_text(scores.drop(columns=list(warehouse.TOTAL_COLUMNS))))
    no_totals = "; n/a: the run stored no totals" if missing_totals else ""
    click.echo(
        "\nEach item's demand summed over the total_periods that have passed (what a lead time "
        "that long needs) against the forecast of that sum (total_above_qXX: share of items "
        f"above it{no_totals}):"
    )
    click.echo(frame_text(scores[totals]))
    per_item = _command("accuracy", "--db", db_path, "--items")
    click.echo(f"per item:     {per_item}   (largest miss first)")
    _echo_notes(notes)


def _item_accuracy(db_path: Path, skus: tuple[str, ...], chart: Path | None) -> None:
    """The items' scores (`--items`: the newest scored run; `--sku`: every scored run) and,
    with `chart`, the PNG of the one item's newest scored forecast."""
    with warehouse.connect(db_path, read_only=True) as con:
        scores = warehouse.item_accuracy(con, skus or None, newest=None if skus else 1)
        unscored = [s for s in skus if s not in set(scores["sku"])]
        try:  # a typo is named as one, not as a forecast still to be scored
            warehouse.select_skus(con, unscored or None)
        except ValueError as error:
            raise click.BadParameter(
                str(error).removeprefix("items filter: "), param_hint="--sku"
            ) from None
        scored = warehouse.scored_item(con, skus[0]) if chart is not None else None
        notes = warehouse.accuracy_notes(con)
        periods = _scored_periods(con)
    if scores.empty:
        what = f"no scored forecast of {', '.join(skus)}" if skus else "no forecast to score"
        click.echo(f"{what} yet: it takes a later run whose history covers an earlier run's "
                   "forecast periods")  # fmt: skip
    else:
        click.echo(item_accuracy_text(scores, shown=None if skus else 20, periods=periods))
        if not skus:
            one = _command("accuracy", "--db", db_path, "--sku")
            click.echo(f"one item: {one} SKU [--chart PNG]")
    if chart is not None and scored is not None:
        from flows.plots import fan_figure, png  # matplotlib: only when a chart is asked for

        title = f"{scored.sku}: forecast of {scored.as_of} and the demand that came"
        chart.parent.mkdir(parents=True, exist_ok=True)
        figure = fan_figure(scored.sku, scored.history, scored.forecast, scored.freq, title)
        chart.write_bytes(png(figure))
        click.echo(f"chart:        {chart}")
    _echo_notes(notes)


def _scored_periods(con: object) -> str:
    """'periods: months; ' when the published run plans monthly (only runs of its freq are
    scored), 'periods: weeks; ' when weekly: the scores' `periods` column counted months or
    weeks without saying which."""
    latest = warehouse.latest_run(con)
    freq = warehouse.run_parameters(con, latest[1]).get("freq") if latest else None
    return f"periods: {PERIOD_WORDS[freq]}s; " if freq in PERIOD_WORDS else ""


def _echo_notes(notes: list[str]) -> None:
    """What the scores leave out (`warehouse.accuracy_notes`), a line each."""
    for note in notes:
        click.echo(f"note: {note}")


@main.command()
@DB_OPTION
@click.option("--rows", is_flag=True, help="List the rows, not only counts by reason.")
def quarantine(db_path: Path, rows: bool) -> None:
    """Print the quarantined input rows (counts by file and reason, or every row)."""
    with warehouse.connect(db_path, read_only=True) as con:
        frame = warehouse.quarantine_rows(con) if rows else warehouse.quarantine_summary(con)
    if not len(frame):
        click.echo("no quarantined rows")
        return
    click.echo(frame_text(frame))
    click.echo(
        "row numbers count the data rows: row 1 is the first row under the header (the "
        "file's line 2 in a text editor or Excel)"
    )


@main.command()
@click.option(
    "--data-dir",
    type=GivenPath("the input folder, or leave --data-dir out", path_type=str),
    help="Input folder (default: as in prefect.yaml).",
)
@click.option(
    "--db",
    "db_path",
    type=GivenPath(f"{DB_FILE}, or leave --db out", path_type=str),
    help="DuckDB file (default: as in prefect.yaml).",
)
@click.option("--timezone", help="Time zone of the nightly cron (default: as in prefect.yaml).")
def serve(data_dir: str | None, db_path: str | None, timezone: str | None) -> None:
    """Serve the nightly schedule and the rerun deployment from this process (needs a
    Prefect server: PREFECT_API_URL). Ctrl-C (or SIGTERM) stops it: the runs still going
    are cancelled and the schedule paused."""
    from prefect.settings import PREFECT_API_URL

    from flows.serve import serve_deployments

    if not PREFECT_API_URL.value():
        # without it Prefect serves on a temporary API that no UI sees and that ends with us
        raise click.ClickException(
            "reorder serve needs a Prefect server: start one (`prefect server start`) and set "
            "PREFECT_API_URL, e.g. export PREFECT_API_URL=http://127.0.0.1:4200/api"
        )

    serve_deployments(data_dir, db_path, timezone)


main.add_command(review_group)
main.add_command(export)


def _print_lots(
    db_path: Path,
    show_all: bool = False,
    limit: int | None = 25,
    run_id: str | None = None,
    skus: tuple[str, ...] = (),
) -> None:
    """The lots of run `run_id` (None: of the published run); `skus`: only these items, with
    or without an order (at 5,000 items `lots --all` printed 20,000 lines)."""
    run = _run_lots(db_path, run_id)
    frame, unused = run["frame"], run["unused"].iloc[0:0]
    if skus:  # an item the run could not plan is asked about too: said why
        unused = run["unused"][run["unused"]["sku"].isin(skus)]
        frame, show_all = _of_skus(frame, skus, set(unused["sku"])), True
    if not show_all:
        frame = frame[frame["quantity"] > 0]
    frame = frame.sort_values(["order_value", "sku"], ascending=[False, True])
    shown = frame if limit is None else frame.head(limit)
    ordered = int((frame["quantity"] > 0).sum())
    items = f"{len(frame)} item{'' if len(frame) == 1 else 's'}"
    night = run["night"]
    title = (f"Recommendations{night} for {items} ({ordered} to order)" if show_all
             else f"Recommended order lots{night} ({len(frame)})")  # fmt: skip
    planned = f"; planned {run['periods']}" if run["periods"] else ""
    click.echo(f"\n{title}, largest order value first{planned}:")
    click.echo(lots_text(shown) if len(shown) else "  none")
    ordering = frame.loc[frame["quantity"] > 0, "supplier_id"]
    if run["reached"] is not None and (tiers := tier_value_note(run["reached"], ordering)):
        click.echo(f"note:         {tiers}")
    for note in prior_notes(shown, run["models"]):
        click.echo(f"note:         {note}")
    if skus:  # the items asked for: what the plan counted on hand and on order
        for sku, explanation in zip(shown["sku"], shown["explanation"], strict=True):
            if counted := counted_note(sku, explanation):
                click.echo(f"counted:      {counted}")
    if limit is not None and len(frame) > limit:
        this = ("--run-id", run_id) if run_id is not None else ()
        click.echo(f"  ... {len(frame) - limit} more: {_command('lots', '--db', db_path, *this)}")
    for line in not_planned_lines(
        unused.to_dict("records"), _unused_counts(unused), "", len(unused)
    ):
        click.echo(line)
    if limit is None and not skus:
        _print_not_planned(db_path, run_id)


def _run_lots(db_path: Path, run_id: str | None) -> dict:
    """The recommendations of run `run_id` (None: the published run's, warning of failed runs
    since) with what their printout names: ` of night 2026-12-06`, the models per item, the
    supplier-wide tiers reached, the periods planned and the items and offers it could not
    use (`unused`: `warehouse.not_planned`). A run that is unknown, did not
    succeed or was replaced is refused, naming the command that shows what there is."""
    night, status = "", None
    with warehouse.connect(db_path, read_only=True) as con:
        if run_id is None:
            frame = warehouse.current_recommendations(con)
            latest = warehouse.latest_run(con)
            night = f" of night {latest[2]:%Y-%m-%d}" if latest else ""
            warn_failed(con, db_path)
        else:
            status = warehouse.run_status(con, run_id)
            frame = warehouse.run_recommendations(con, run_id)
            night = f" of night {status[3]:%Y-%m-%d}" if status else ""
        models = warehouse.run_forecast_models(con, sorted(set(frame["run_id"])))
        run_key = str(frame["run_key"].iloc[0]) if len(frame) else None
        reached = warehouse.reached_supplier_tiers(con, run_key) if run_key else None
        periods = plan_periods(warehouse.run_parameters(con, run_key)) if run_key else ""
        unused = warehouse.not_planned(con, run_id)
    if run_id is not None:
        _check_run(db_path, run_id, status, frame.empty)
    return {"frame": frame, "night": night, "models": models, "reached": reached,
            "periods": periods, "unused": unused}  # fmt: skip


def _check_run(db_path: Path, run_id: str, status: tuple | None, empty: bool) -> None:
    """Refuse the lots of a run that does not exist, did not succeed or was replaced."""
    if status is None:
        raise click.BadParameter(
            f"no run {run_id!r} (`{_command('runs', '--db', db_path)}` lists them)",
            param_hint="--run-id",
        )
    if status[0] != "succeeded":
        why = f": {status[1]}" if status[1] else ""
        raise click.UsageError(f"run {run_id} has no lots: its status is {status[0]}{why}")
    if empty and status[2]:
        raise click.UsageError(
            f"run {run_id} has no lots left: a later run of the same night and parameters, "
            f"{status[2]}, replaced its results "
            f"(`{_command('lots', '--db', db_path, '--run-id', status[2])}`)"
        )


def _of_skus(
    frame: pd.DataFrame, skus: tuple[str, ...], unplanned: set[str] = frozenset()
) -> pd.DataFrame:
    """The recommendations of `skus`; an sku without one that is not among the `unplanned`
    (the items the run could not plan, said with their reason) is refused (named with the
    sku of another case that has one)."""
    unknown = sorted(set(skus) - set(frame["sku"]) - unplanned)
    if unknown:
        folded = {str(s).casefold(): s for s in frame["sku"]}
        named = [f"{s} ({folded[s.casefold()]} has one)" if s.casefold() in folded else s
                 for s in unknown]  # fmt: skip
        raise click.UsageError(
            f"no recommendation for sku{'s' if len(named) > 1 else ''} {', '.join(named)} "
            "in that run, nor among the items it could not plan (skus match exactly)"
        )
    return frame[frame["sku"].isin(skus)]


def _print_not_planned(db_path: Path, run_id: str | None) -> None:
    """The items and offers the run could not use, with the reason (nothing when none)."""
    with warehouse.connect(db_path, read_only=True) as con:
        rows = warehouse.not_planned(con, run_id)
    for planned, title in (
        (False, "Not planned (items)"),
        (True, "Offers left out of planned items"),
    ):
        part = rows[rows["planned"] == planned]
        if len(part):
            click.echo(f"\n{title}: {len(part)}")
            for r in part.itertuples(index=False):
                click.echo(f"  {r.sku}: {str(r.reason).removeprefix(OFFER_LEFT_OUT)}")


def _print_summary(summary: dict, data_dir: Path) -> None:
    db = summary["db_path"]
    proven = "proven optimal" if summary["optimal"] else "NOT proven optimal"
    tiers = summary.get("supplier_discount")
    click.echo(
        f"\n{summary['lots']} lot{'' if summary['lots'] == 1 else 's'} of "
        f"{summary['items_planned']} item{'' if summary['items_planned'] == 1 else 's'}, spend "
        f"{summary['spend']:,.2f}, discount savings {summary['savings']:,.2f}"
        + (f" (of which supplier-wide tiers {tiers:,.2f})." if tiers else ".")
    )
    if orders := order_cost_text(summary.get("purchase_orders") or {}):
        click.echo(f"order costs:  {orders}")
    count = summary.get("scenarios")
    scenarios = f" over {count:,} demand scenarios per item" if count else ""
    click.echo(f"plan:         {proven}{scenarios}; solver status: {summary['solver_status']}")
    every = _command("lots", "--db", db, "--run-id", summary["run_id"], "--all")
    for group in summary.get("held_back", []):
        click.echo(f"limits:       {held_back_note(group, shown=10)} ({every})")
    if held := summary.get("order_cost_held"):
        click.echo(f"order costs:  {order_cost_held_note(held, shown=10)} ({every})")
    if late := summary.get("beyond_horizon"):
        # not when no horizon helps (lead times beyond the longest)
        hint = "; rerun with a longer --horizon" if late.get("periods_short", 1) > 0 else ""
        click.echo(f"lead times:   {beyond_horizon_note(late, shown=10)}{hint}")
    if (priors := summary.get("prior_lots")) and priors["items"]:
        click.echo(f"forecasts:    {prior_lots_note(priors)}")
    if (spikes := summary.get("spike_lots")) and spikes["items"]:
        click.echo(f"forecasts:    {spike_lots_note(spikes)}")
    if (marked := summary.get("one_offs")) and marked["marks"]:
        listed = _command("review", "one-off", "--db", Path(summary["db_path"]), "--list")
        click.echo(f"forecasts:    {one_offs_note(marked, listed)}")
    if required := summary.get("requirements"):
        click.echo(f"requirements: {requirements_note(required)}")
    published = summary.get("published", True)
    if not published:
        click.echo("published:    no; an earlier night or some items only: the published plan "
                   f"stays ({_command('lots', '--db', db)})")  # fmt: skip
    else:
        replacing = replacing_text(summary.get("replaced_run"))
        click.echo(f"published:    yes{', ' + replacing if replacing else ''}; `lots` and "
                   "`review` show this plan of the night until a "
                   "later run of all items (other parameters too, e.g. a --budget what-if) "
                   f"replaces it ({_command('runs', '--db', db)})")  # fmt: skip
    if published and (changes := summary.get("changes")):
        command = f" ({_command('changes', '--db', db)})" if changes["since"] else ""
        click.echo(f"changes:      {changes_headline(changes)}{command}")
    if summary.get("relaxed"):
        click.echo(f"relaxed plan: {summary['infeasible_reason']}")
    for note in summary.get("input_notes", []):
        click.echo(f"note:         {note}")
    if summary.get("report"):
        click.echo(f"report:       {summary['report']} (open it in a browser)")
    click.echo(f"input files:  {data_dir}")
    click.echo(f"warehouse:    {db} (DuckDB: inputs, runs, demand, forecasts,")
    click.echo("              cumulative_forecasts, forecast_models, recommendations,")
    click.echo("              not_planned, quarantine, loads, decisions)")
    click.echo(f"quarantined:  {quarantined_text(summary)} ({_command('quarantine', '--db', db)})")
    counts = summary.get("items_unplannable", 0), summary.get("offers_left_out", 0)
    more = _command("lots", "--db", db, "--run-id", summary["run_id"])
    for line in not_planned_lines(summary.get("not_planned", []), counts, more):
        click.echo(line)
    for note in summary.get("decision_notes", []):
        click.echo(f"note:         {note}")
    if published:
        review = _command("review", "list", "--db", db)
        click.echo(f"next:         {review}   (approve, override, reject lots)")
    else:
        click.echo("next:         `review` and `export` act on the published plan "
                   f"({_command('lots', '--db', db)}), not on this run's lots")  # fmt: skip


def accuracy_hint(as_of: date, data_dir: Path, db_path: Path, weeks: int = 8) -> str:
    """How to see forecast accuracy on the demo at once: plan an earlier night from the same
    files (its forecast is then scored against this night's history)."""
    earlier = as_of - timedelta(weeks=weeks)
    db_path = Path(db_path)
    plan = _command("run", "--data-dir", Path(data_dir), "--db", db_path, "--as-of", earlier)
    score = _command("accuracy", "--db", db_path)
    return f"accuracy:     {plan} && {score}   (an earlier night, scored {weeks} weeks on)"


def _command(*words: object) -> str:
    """`reorder <words>` to paste into a shell, as this program was started (`_prog`), each
    word quoted where the shell would split it (a warehouse path with a space); a path
    absolute, as the run summary prints it (the terminal may be in another folder)."""
    absolute = [Path(w).resolve() if isinstance(w, Path) else w for w in words]
    return warehouse.command_line(_prog(), *absolute)


def earlier_night_hint(as_of: date, params: dict, db_path: Path) -> str:
    """How to score a forecast at once on a planner's own files: plan the night one horizon
    before the published one (`as_of`), in its periods (`params`: its run parameters), from
    its input folder read through its load.toml; that night's forecast is then scored against
    the published history."""
    freq, horizon = params.get("freq", "W"), int(params.get("horizon", 13))
    if freq == "M":  # month ends stay month ends: 2002-12-31 -> 2001-11-30
        earlier = (pd.Timestamp(as_of) - pd.DateOffset(months=horizon)).date()
    else:
        earlier = as_of - timedelta(weeks=horizon)
    options = (["--freq", freq] if freq != "W" else []) + (
        ["--horizon", horizon] if horizon != 13 else []
    )
    if params.get("config"):  # as the run was given it: an ERP export reads only through it
        options += ["--config", str(params["config"])]
    data_dir, db_path = str(params["data_dir"]), Path(db_path)  # as the run was given it
    plan = _command("run", "--data-dir", data_dir, "--db", db_path, "--as-of", earlier, *options)
    score = _command("accuracy", "--db", db_path)
    back = "to score one now, plan an earlier night from the same files, one horizon back"
    return f"{back}: {plan} && {score}"


if __name__ == "__main__":
    main()
