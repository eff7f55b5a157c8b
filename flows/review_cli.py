"""`reorder review ...` and `reorder export`: planner decisions and purchase proposals from the
terminal. Decisions apply to the lots of the published run (current_run)."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

import warehouse
from flows.console import changed_notes, elsewhere_notes, lots_text, rejected_notes

# The warehouse file option of every command that reads or writes one (here and in flows.cli).
DECIDED_COLUMNS = ("decided_supplier_id", "decided_quantity", "decided_order_value", "decided_by",
                   "comment")  # fmt: skip
MAX_QUANTITY = 10**9  # units: an override beyond is a typo, not a lot
DB_OPTION = click.option("--db", "db_path", type=click.Path(path_type=Path), required=True)
_BY = click.option("--by", "decided_by", default=getpass.getuser, show_default="the OS user")
_COMMENT = click.option("--comment", default="", help="Why (stored with the decision).")


@click.group(name="review")
def review_group() -> None:
    """List, approve, override or reject the recommended lots of the published run."""


@review_group.command(name="list")
@DB_OPTION
@click.option(
    "--status",
    type=click.Choice(["pending", "approved", "overridden", "rejected", "all"]),
    default="pending",
    show_default=True,
)
def list_lots(db_path: Path, status: str) -> None:
    """Print the lots with the given status, biggest order value first."""
    with warehouse.connect(db_path, create=False) as con:
        lots = warehouse.review_lots(con, status=None if status == "all" else status)
        elsewhere = warehouse.decided_elsewhere(con)
        changed = warehouse.changed_decisions(con)
        rejected = warehouse.earlier_rejections(con)
    if lots.empty:
        click.echo(f"no {'' if status == 'all' else status + ' '}lots")
    else:
        click.echo(f"{len(lots)} {status} lots of run {lots['run_key'].iloc[0]}:")
        # a decided lot shows what was decided next to what was recommended
        extra = ("status",) if status == "pending" else ("status", *DECIDED_COLUMNS)
        click.echo(lots_text(lots, extra=extra))
    for note in elsewhere_notes(elsewhere) + changed_notes(changed) + rejected_notes(rejected):
        click.echo(f"note: {note}")


@review_group.command()
@DB_OPTION
@click.argument("skus", nargs=-1)
@click.option("--all", "approve_all", is_flag=True, help="Approve every pending lot.")
@_COMMENT
@_BY
def approve(
    db_path: Path, skus: tuple[str, ...], approve_all: bool, comment: str, decided_by: str
) -> None:
    """Approve the lots of SKUS (or --all pending lots) as recommended."""
    with warehouse.connect(db_path, create=False) as con:
        if approve_all:
            skus = tuple(warehouse.review_lots(con, status="pending")["sku"])
            if not skus:
                click.echo("no pending lots to approve")
                return
        if not skus:
            raise click.UsageError("name at least one sku, or --all")
        decisions = [warehouse.Decision(sku, "approve", comment=comment) for sku in skus]
        _decide(con, decisions, decided_by)


@review_group.command()
@DB_OPTION
@click.argument("sku")
@click.option("--quantity", type=click.IntRange(max=MAX_QUANTITY), help="New quantity (units).")
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
    """Order SKU with another quantity and/or supplier (checked against moq and pack_size)."""
    if quantity is None and supplier_id is None:
        raise click.UsageError("give --quantity and/or --supplier")
    with warehouse.connect(db_path, create=False) as con:
        decision = warehouse.Decision(sku, "override", supplier_id, quantity, comment)
        _decide(con, [decision], decided_by)


@review_group.command()
@DB_OPTION
@click.argument("skus", nargs=-1, required=True)
@_COMMENT
@_BY
def reject(db_path: Path, skus: tuple[str, ...], comment: str, decided_by: str) -> None:
    """Order nothing for SKUS."""
    with warehouse.connect(db_path, create=False) as con:
        _decide(con, [warehouse.Decision(s, "reject", comment=comment) for s in skus], decided_by)


def _decide(con: object, decisions: list[warehouse.Decision], decided_by: str) -> None:
    from flows.review import decide  # imports Prefect: only when deciding

    try:
        rows = decide(con, decisions, decided_by, "cli")
    except warehouse.DecisionError as error:
        raise click.ClickException(str(error)) from None
    for row in rows.itertuples(index=False):
        what = f"{row.quantity:,.0f} from {row.supplier_id}" if row.quantity else "nothing"
        click.echo(f"{row.sku}: {row.action} ({what}) by {row.decided_by}")


@click.command()
@DB_OPTION
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True)
def export(db_path: Path, out_dir: Path) -> None:
    """Write approved and overridden lots of the published run's night (per sku its newest
    decision) as purchase proposals per supplier (Excel: one sheet per supplier; CSV: every
    lot)."""
    from flows.proposals import write_proposals

    with warehouse.connect(db_path, create=False) as con:
        latest = warehouse.latest_run(con)
        if latest is None:
            raise click.ClickException("no succeeded run yet")
        lots = warehouse.approved_lots(con, latest[1])
        changed = warehouse.changed_decisions(con, latest[1])
    for path in write_proposals(lots, out_dir, latest[1]):
        click.echo(f"wrote {path}")
    click.echo(
        f"{len(lots)} lots, {lots['supplier_id'].nunique()} suppliers, "
        f"order value {lots['order_value'].sum():,.2f}"
    )
    for note in changed_notes(changed[changed["action"] != "reject"]):
        click.echo(f"note: {note}")
