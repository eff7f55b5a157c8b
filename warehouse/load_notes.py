"""Notes a load gives beside its counts: what it read differently from what a planner may
think (files and columns it did not use, open orders and stock rows that vanished or are long
overdue, neighbouring price breaks far apart, order lines numbered by the load that collide
across files, rows of files no longer in the folder that still count). Nothing here changes
what is loaded."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.commands import command_line
from warehouse.config import LoadConfig
from warehouse.connect import database_file
from warehouse.decisions import planned_orders
from warehouse.read import ROW, RawFile
from warehouse.schema import recased_sku
from warehouse.tables import MASTER_TABLES, ORDER_LINES, Table
from warehouse.validate import (
    EMPTY_MARKERS,
    NO_PRICE_BREAK,
    SAME_VALUES,
    THOUSANDS,
    Checked,
    Context,
    canonical,
    credits,
    exclude,
    thousands_hint,
)

DATA_SUFFIXES = (".csv", ".parquet", ".txt", ".tsv", ".xlsx", ".xls")
TEXT_SUFFIXES = (".txt", ".tsv")  # text exports the load reads once named .csv
OVERDUE_DAYS = 30  # an open order this late is worth a look: it counts as arriving now
STEEP_TIERS = 5  # neighbouring price breaks this many times apart: a 10x typo, or small series


def unread_files(
    files: list[Path], masters: dict[str, Path | None], lines: list[Path], config: LoadConfig
) -> list[str]:
    """A note naming the data files of the folder that no table reads (a misspelled stock
    file would otherwise plan every item with nothing on hand, without a word)."""
    read = {p for p in masters.values() if p is not None} | set(lines)
    unread = [p.name for p in files if p.suffix.lower() in DATA_SUFFIXES and p not in read]
    if not unread:
        return []
    tables = ", ".join(t.name for t in MASTER_TABLES)
    # Excel's "Text (Tab delimited)" and "Unicode Text" write .txt: read as CSV once renamed
    text = next((Path(n) for n in unread if Path(n).suffix.lower() in TEXT_SUFFIXES), None)
    renamed = (
        f"; a text export loads renamed to .csv ({text.name} as {text.stem}.csv)" if text else ""
    )
    return [
        f"files not read: {', '.join(unread)} (the load reads {tables} as .csv or .parquet, "
        f"and order lines matching {', '.join(config.files)}; an Excel file must be saved as "
        f"CSV{renamed})"
    ]


def unused_columns(raws: dict[str, RawFile]) -> list[str]:
    """A note per master file with columns that are not ours (a misspelled optional column
    such as `End_of_Life ` would otherwise be dropped without a word)."""
    return [
        f"{raw.name}: columns not used: {', '.join(raw.unused)} (known: {', '.join(table.names)})"
        for table in MASTER_TABLES
        if (raw := raws.get(table.name)) is not None and raw.unused
    ]


def absent_mapped(raws: Sequence[RawFile], config: LoadConfig) -> list[str]:
    """A note per order lines file without a column that [order_lines.columns] maps (an
    optional one: customer, unit_price; a required one stops the load), which loaded as
    empty without a word: a file may lack it while others have it, a typo in the mapping
    stops the load (`load._refuse_unmapped`)."""
    notes = []
    for raw in raws:
        for ours, theirs in config.columns.items():
            if ours in raw.absent:
                notes.append(f"{raw.name}: no column {theirs} ({ours} = {theirs!r} under "
                             f"[order_lines.columns] in load.toml): its lines load without "
                             f"{ours}{_not_read(raw)}")  # fmt: skip
    return notes


def _not_read(raw: RawFile) -> str:
    """'; columns no setting reads: Kunde_Nr, Status' of a file ('' when none)."""
    return f"; columns no setting reads: {', '.join(raw.unused)}" if raw.unused else ""


def read_as_empty(raws: list[tuple[Table, RawFile]]) -> list[str]:
    """A note per file whose optional columns hold "N/A", "-" or the like: they read as empty
    (the column's default), which is what a spreadsheet means by them, but a planner who
    typed "-" for 0 or for "never" should see which was taken."""
    notes = []
    for table, raw in raws:
        found = []
        for column in table.columns:
            if column.required or column.name not in raw.frame:
                continue
            values = raw.frame[column.name]
            hit = values.map(lambda v: isinstance(v, str) and v.strip().casefold() in EMPTY_MARKERS)
            if hit.any():
                value, rows = values[hit].iloc[0].strip(), raw.frame.loc[hit, ROW].tolist()
                found.append(f"{column.name} {value!r} ({_where(rows)})")
        if found:
            notes.append(f"{raw.name}: read as empty, so the column's default applies: "
                         f"{', '.join(found)}")  # fmt: skip
    return notes


def defaulted(raws: list[tuple[Table, RawFile]]) -> list[str]:
    """A note per file that leaves out, or leaves empty, a column whose default the plan acts
    on (`Column.defaulted`: an item's lifecycle_stage, its unit_volume): what was taken."""
    notes = []
    for table, raw in raws:
        found = []
        for column in table.columns:
            if column.defaulted is None:
                continue
            if column.name in raw.absent:
                found.append(f"no {column.name} column: every {table.row} {column.defaulted}")
                continue
            empty = raw.frame[column.name].map(lambda v: not (isinstance(v, str) and v.strip()))
            if empty.any():
                rows = raw.frame.loc[empty, ROW].tolist()
                found.append(f"{column.name} empty ({_where(rows)}): {column.defaulted}")
        if found:
            notes.append(f"{raw.name}: {'; '.join(found)}")
    return notes


def recased(raws: list[tuple[Table, RawFile]]) -> list[str]:
    """A note per file whose enumerated columns hold an allowed value in another case
    ('Series', `validate.canonical`): it loads as the allowed value ('series'), and the
    planner sees how many values were read that way and where."""
    notes = []
    for table, raw in raws:
        count, found = 0, []
        for column in table.columns:
            if not column.allowed or column.name not in raw.frame:
                continue
            written = raw.frame[column.name].map(lambda v: v.strip() if isinstance(v, str) else v)
            read = canonical(column, written)
            hit = written.notna() & (read != written)
            if not hit.any():
                continue
            count += int(hit.sum())
            pairs = pd.DataFrame({"written": written, "read": read, ROW: raw.frame[ROW]})[hit]
            shown = [
                f"{value!r} as {allowed!r} ({_where(group[ROW].tolist())})"
                for (value, allowed), group in pairs.groupby(["written", "read"], sort=False)
            ]
            found.append(f"{column.name} {', '.join(shown)}")
        if found:
            notes.append(f"{raw.name}: {counted(count, 'value')} in another case read as the "
                         f"allowed value: {'; '.join(found)}")  # fmt: skip
    return notes


def thousands(raws: list[tuple[Table, RawFile]], config: LoadConfig) -> list[str]:
    """A note per file and unit column (`Column.units`: quantities, stock, moq, not prices)
    read under decimal '.' with values that look like thousands grouped with '.' ('1.000',
    a credit '-1.000'; `validate.THOUSANDS`): German Excel's 1000 units loaded as 1, and
    12.500 as 12.5, without a word. Such a value a whole-unit column cannot take (a pack size
    of 12.5) is quarantined with the hint instead; a file that writes a '.' as a decimal
    point elsewhere ('3.50', '0.500', '1250.000', its own or typed columns aside) is left
    alone: its '1.000' is one unit with three decimals, as ERPs write them."""
    notes = []
    for table, raw in raws:
        lines = table is ORDER_LINES
        if (config.decimal if lines else config.master_decimal) != ".":
            continue
        written = {
            c: raw.frame[c.name].map(lambda v: v.strip() if isinstance(v, str) else None)
            for c in table.columns
            if c.kind in ("number", "integer") and c.name in raw.frame and c.name not in raw.typed
        }
        units = [c for c in written if c.units]
        if not units or any(_decimal_point(values).any() for values in written.values()):
            continue
        hint = thousands_hint("order_lines" if lines else "master_files")
        for column in units:
            values = written[column]
            read = pd.to_numeric(values.where(values.str.count(r"\.") == 1), errors="coerce")
            hit = values.str.fullmatch(rf"[+-]?{THOUSANDS.pattern}", na=False) & read.notna()
            if column.kind == "integer":
                hit &= read == read.round()  # 12.500 is quarantined (with the hint)
            if not hit.any():
                continue
            first = hit.idxmax()
            count = int(hit.sum())
            looks = "value looks" if count == 1 else "values look"
            notes.append(f"{raw.name} {column.name}: {count:,} {looks} like thousands grouped "
                         f"with '.' (row {raw.frame.at[first, ROW]}: {values[first]!r} read as "
                         f"{read[first]:g}); {hint}")  # fmt: skip
    return notes


def _decimal_point(values: pd.Series) -> pd.Series:
    """Values with a '.' that reads as a decimal point and not as grouped thousands (a credit
    of '-1.000' may be grouped too)."""
    point = values.str.fullmatch(r"[+-]?\d*\.\d+", na=False)
    return point & ~values.str.fullmatch(rf"[+-]?{THOUSANDS.pattern}", na=False)


def credit_lines(raw: RawFile, checked: Checked, config: LoadConfig) -> list[str]:
    """A note on an order lines file with credits by document type (`credit_column`), once
    `checked`: how many lines (not cancelled or excluded otherwise, nor in quarantine), how
    many of them were written positive and stored negated, whether they net against demand or
    are dropped (`returns`), and how many more credits are in quarantine (not netted)."""
    if not config.credit_column:
        return []
    others = Context(date.min, cancelled_values=config.cancelled_values,
                     exclude_skus=config.exclude_skus)  # fmt: skip
    credit = credits(raw.frame, config.credit_values) & exclude(raw.frame, others)
    if not credit.any():
        return []
    held = credit & raw.frame[ROW].isin(checked.problems[ROW])
    kept = credit & ~held
    head = (f"{raw.name}: {counted(int(kept.sum() or held.sum()), 'line')} credited by "
            f"{config.credit_column} ({', '.join(config.credit_values)})")  # fmt: skip
    if not kept.any():
        none = ": none is netted against demand" if config.returns != "ignore" else ""
        return [f"{head}, all in quarantine{none}"]
    if config.returns == "ignore":
        note = f'{head}: excluded, as returns = "ignore" drops credits'
    else:
        written = raw.frame.loc[kept, "quantity"].map(lambda v: (v or "").strip())
        positive = int((written != "").sum() - written.str.startswith("-").sum())
        note = (f"{head}: stored with a negative quantity ({positive:,} written positive), "
                "netted against demand as returns")  # fmt: skip
    if held.any():
        more = counted(int(held.sum()), "more credit line")
        note += f"; {more} {'is' if held.sum() == 1 else 'are'} in quarantine"
    return [note]


def split_categories(con: duckdb.DuckDBPyConnection, items: RawFile | None) -> list[str]:
    """A note when the items file just loaded (`items`; None: not read) gives categories that
    differ only in case, spaces or Unicode form ('Fasteners', 'fasteners', 'Fasteners  M8' /
    'Fasteners M8', a composed and a decomposed 'é'): a category is the planner's own label, so
    they stay apart, but a new item's category prior then draws on its own spelling's items
    only (while `--category` takes both). Counts are of loaded items per spelling."""
    if items is None:
        return []
    rows = con.execute(
        "SELECT category, count(*) FROM items WHERE category IS NOT NULL GROUP BY category"
    ).fetchall()
    spellings: dict[str, list[tuple[str, int]]] = {}
    for category, count in sorted(rows):
        spellings.setdefault(_spelling(category), []).append((category, count))
    split = [group for _, group in sorted(spellings.items()) if len(group) > 1]
    if not split:
        return []
    shown = "; ".join(
        ", ".join(f"{name!r} ({n:,} item{'' if n == 1 else 's'})" for name, n in group)
        for group in split
    )
    return [f"{items.name}: categories that differ only in case or spaces count as different "
            f"categories: {shown} (a new item's category prior draws on its own spelling's "
            "items only: spell them alike if they are one category)"]  # fmt: skip


def percent_rates(con: duckdb.DuckDBPyConnection, items: RawFile | None) -> list[str]:
    """A note when the items file just loaded (`items`; None: not read) gives holding_cost_rate
    above 1 (a year's holding dearer than the part): a percent typed for a fraction (25 for
    0.25) holds every unit at 25 times its price a year, and the plan then buys next to
    nothing, without a word. Loaded as given; the note names the items."""
    if items is None:
        return []
    rows = con.execute(
        "SELECT sku, holding_cost_rate FROM items WHERE holding_cost_rate > 1 ORDER BY sku"
    ).fetchall()
    if not rows:
        return []
    shown = ", ".join(f"{sku} ({rate:g})" for sku, rate in rows[:3])
    more = f" and {len(rows) - 3:,} more" if len(rows) > 3 else ""
    return [f"{items.name}: holding_cost_rate above 1 per year for {counted(len(rows), 'item')}: "
            f"{shown}{more}; the rate is a fraction of the unit price per year (0.25 for "
            "25%), so a percent typed there holds each unit at that many times its price a "
            "year and the plan buys little"]  # fmt: skip


def steep_tiers(name: str, valid: pd.DataFrame, raw: pd.DataFrame, shown: int = 3) -> list[str]:
    """A note when the price_breaks file `name` just loaded (`valid`: its loaded rows, typed,
    with `_row`; `raw`: its text) has neighbouring tiers of one offer STEEP_TIERS or more times
    apart in price. 5,00 at min_qty 1 before 0,45 at 50 falls with the quantity and loads, but
    may be 0,50 typed 10 times too high (or 0,045 too low); in small series a 1-piece price
    that many times the lot price is real too, so the rows load as given and the note names
    them with their prices as written."""
    tiers = valid.sort_values(["supplier_id", "sku", "min_qty"])
    prior = tiers.shift()
    same = (tiers["supplier_id"] == prior["supplier_id"]) & (tiers["sku"] == prior["sku"])
    steep = tiers[same & (prior["unit_price"] >= STEEP_TIERS * tiers["unit_price"])]
    if steep.empty:
        return []
    text = raw.set_index(ROW)

    def tier(row: int) -> str:
        price, qty = (str(text.at[row, c]).strip() for c in ("unit_price", "min_qty"))
        return f"{price} at min_qty {qty} (row {row})"

    offers: dict[str, list[str]] = {}
    for supplier, sku, row, before in zip(
        steep["supplier_id"], steep["sku"], steep[ROW], prior.loc[steep.index, ROW], strict=True
    ):
        offers.setdefault(f"{supplier}'s offer of {sku}", []).append(
            f"{tier(int(before))} to {tier(int(row))}"
        )
    names = "; ".join(
        f"{offer}: {' and '.join(pairs)}" for offer, pairs in list(offers.items())[:shown]
    )
    more = f"; and {counted(len(offers) - shown, 'more offer')}" if len(offers) > shown else ""
    return [f"{name}: neighbouring price breaks {STEEP_TIERS} or more times apart in "
            f"{counted(len(offers), 'offer')}: {names}{more}; loaded as given (in small series a "
            "1-piece price can be that many times the lot price), but a price typed 10 times "
            "too high or low looks the same: check those rows"]  # fmt: skip


def _spelling(category: str) -> str:
    """What two spellings of one category share: Unicode form (NFKC), case, runs of spaces."""
    return " ".join(unicodedata.normalize("NFKC", category).casefold().split())


def _where(rows: list[int]) -> str:
    """Where values are, from their rows in file order: 'row 3', or '4 rows, first row 3'."""
    return f"row {rows[0]}" if len(rows) == 1 else f"{len(rows):,} rows, first row {rows[0]}"


def open_orders_notes(
    con: duckdb.DuckDBPyConnection, raw: RawFile | None, absent: bool = False
) -> list:
    """Notes on an open_orders file that lost every row since the last load, or is no longer
    in the folder (`absent`) while the last load had rows (a cut export or a file moved away
    would order every item again)."""
    return _emptied(con, "open_orders", raw, absent)


def supplier_tiers_notes(
    con: duckdb.DuckDBPyConnection, raw: RawFile | None, absent: bool = False
) -> list:
    """Notes on a supplier_tiers file that lost every row since the last load, or is no
    longer in the folder (`absent`) while the last load had rows: the file is optional, so
    the load takes either as no supplier-wide discounts, which changes what every tiered
    supplier's lots cost (as `open_orders_notes` does for open orders)."""
    return _emptied(con, "supplier_tiers", raw, absent)


def requirements_notes(
    con: duckdb.DuckDBPyConnection, raw: RawFile | None, absent: bool = False
) -> list:
    """Notes on a requirements file that lost every row since the last load, or is no longer
    in the folder (`absent`) while the last load had rows: taken as no requirements (as
    `open_orders_notes` does for open orders), which is right once they were all met and
    dropped, and under-buys every item that still has one if the file was cut or moved."""
    return _emptied(con, "requirements", raw, absent)


# per optional table whose file going away or losing its rows changes every plan: the count
# of its loaded rows, their noun, and what the note says when the file is absent / empty
_EMPTIED = {
    "open_orders": (
        "SELECT count(*) FROM open_orders",
        "open order",
        "the load takes that as no open orders, so if some are still open every item will be "
        "ordered again",
        "if some are still open, the export was cut short and every item will be ordered again",
    ),
    "requirements": (
        "SELECT count(*) FROM requirements",
        "requirement",
        "the load takes that as no requirements; put the file back if some are still to come",
        "the plan counts no requirement; if the file was cut short, put the whole file back",
    ),
    "supplier_tiers": (
        "SELECT count(*) FROM supplier_tiers",
        "supplier tier",
        "the load takes that as no supplier-wide discounts; put the file back if they still hold",
        "the plan counts no supplier-wide discount; if the export was cut short, put the whole "
        "file back",
    ),
}


def _emptied(
    con: duckdb.DuckDBPyConnection, table: str, raw: RawFile | None, absent: bool
) -> list[str]:
    """'open_orders.csv is not in the folder, the last load had 3 open orders: ...'
    (`absent`) or '... has no rows below the header, ...' (`raw` read with no rows), when the
    last load of the optional `table` had rows (`_EMPTIED`)."""
    count, noun, if_absent, if_empty = _EMPTIED[table]
    ((held,),) = con.execute(count).fetchall()
    had = f"the last load had {held:,} {noun}{'' if held == 1 else 's'}"
    if held and absent:
        return [f"{_last_file(con, table)} is not in the folder, {had}: {if_absent}"]
    if held and raw is not None and raw.rows_read == 0:
        return [f"{raw.name} has no rows below the header, {had}: {if_empty}"]
    return []


def _last_file(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The file the last load of `table` read (`<table>.csv` if none is recorded)."""
    last = con.execute(
        "SELECT file FROM loads WHERE table_name = ? AND file IS NOT NULL "
        "ORDER BY loaded_at DESC LIMIT 1",
        [table],
    ).fetchall()
    return last[0][0] if last else f"{table}.csv"


def vanished_lines(con: duckdb.DuckDBPyConnection, raw: RawFile, shown: int = 5) -> list[str]:
    """A note naming the order lines that a file's last load put into the demand and that the
    new version of the file no longer holds in any form (as a row, a quarantined row or an
    excluded one): the file replaces its rows, so they leave the history. Right when the ERP
    deleted them, wrong when the export was cut short or covers a shorter window, and
    without a word the demand history shrank. A key an earlier file holds too comes back
    from that file (`store.replace_order_lines`) and is not named."""
    held = con.execute(
        "SELECT o.order_id, o.line, o.order_date FROM order_lines AS o WHERE o.file = ? "
        "AND NOT EXISTS (SELECT 1 FROM order_lines_overridden AS v WHERE v.order_id = "
        "o.order_id AND v.line = o.line AND v.file <> o.file) ORDER BY o.order_id, o.line",
        [raw.name],
    ).df()
    if held.empty:
        return []
    frame = raw.frame
    order_id = frame["order_id"].map(lambda v: v.strip() if isinstance(v, str) else v)
    now = pd.DataFrame({"order_id": order_id, "key": frame["line"].map(_line_key)})
    now = now.drop_duplicates()
    held["key"] = held["line"].map(str)
    merged = held.merge(now, on=["order_id", "key"], how="left", indicator=True)
    gone = merged[merged["_merge"] == "left_only"]
    if gone.empty:
        return []
    first, last = gone["order_date"].min(), gone["order_date"].max()
    dated = f"{first:%Y-%m-%d}" + (f" to {last:%Y-%m-%d}" if last != first else "")
    first_ones = zip(gone["order_id"][:shown], gone["line"][:shown], strict=True)
    names = ", ".join(f"{order} line {line}" for order, line in first_ones)
    more = f", and {len(gone) - shown:,} more" if len(gone) > shown else ""
    are, count = ("is", "counts") if len(gone) == 1 else ("are", "count")
    return [f"{raw.name}: {counted(len(gone), 'order line')} of its last load {are} not in the "
            f"file now and no longer {count} as demand: dated {dated} ({names}{more}); if the "
            "export was cut short, put the whole file back (a file replaces the rows it "
            "loaded before)"]  # fmt: skip


def _line_key(value: object) -> str | None:
    """An order line's `line` as text the way the warehouse's BIGINT prints it ('1.0', ' 01'
    are line 1); a value that is no whole number stays as it is (its row is quarantined)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def item_notes(
    con: duckdb.DuckDBPyConnection, as_of: date, skus: Sequence[str] | None = None
) -> list[str]:
    """The notes of a load that name items of the loaded tables, worked out on every load
    (order lines in quarantine for their sku in another case, long overdue open orders, ERP
    orders that look like approved lots, price break rows in quarantine); `skus`: about these
    items only (a run of some items: a planner who asked about three items is not told of a
    fourth), None: about all items."""
    return (
        recased_history(con, skus)
        + overdue_orders(con, as_of, skus)
        + overdue_requirements(con, as_of, skus)
        + twin_orders(con, as_of, skus)
        + tiers_left_out(con, skus=skus)
    )


def _of_skus(skus: Sequence[str] | None, column: str = "sku") -> tuple[str, list]:
    """A WHERE condition (with its parameters) keeping the rows of `skus` (None: every row)."""
    if skus is None:
        return "TRUE", []
    return f"list_contains(?, {column})", [list(skus)]


def recased_history(
    con: duckdb.DuckDBPyConnection, skus: Sequence[str] | None = None, shown: int = 5
) -> list[str]:
    """A note per item (of `skus`, None: all; the `shown` with most such lines, then how many
    more) whose order lines are in quarantine because their sku is written in another case
    than items.csv's and no item has it as written ('p-100' of P-100: "unknown sku 'p-100'
    (not in items, which has 'P-100')"). All of them: the item has no demand history and is
    forecast like a new item, from its category's typical item (or its launch_forecast),
    which the run flagged without saying why; some: its history and forecast miss them.
    Lines dated after as_of are not counted (no night's history holds them yet)."""
    of_skus, params = _of_skus(skus, "i.sku")
    rows = con.execute(
        "WITH lines AS (SELECT i.sku, q.sku AS written FROM items AS i JOIN quarantine AS q "
        f"ON q.table_name = 'order_lines' AND {recased_sku('q.sku', 'i.sku')} WHERE {of_skus} "
        "GROUP BY i.sku, q.sku, q.file, q.row_number "
        "HAVING NOT bool_or(q.reason LIKE '% is after as_of %')) "
        "SELECT l.sku, string_agg(DISTINCT l.written, ', ' ORDER BY l.written), count(*), "
        "(SELECT count(*) FROM order_lines AS o WHERE o.sku = l.sku), "
        "bool_or(i.launch_forecast IS NOT NULL) FROM lines AS l JOIN items AS i USING (sku) "
        "GROUP BY l.sku ORDER BY count(*) DESC, l.sku",
        params,
    ).fetchall()
    notes = []
    for sku, written, lines, loaded, launch in rows[:shown]:
        why = f"(sku written {written}; items has {sku})"
        if loaded:
            are, them = ("is", "it") if lines == 1 else ("are", "them")
            notes.append(f"{sku}: {lines:,} of its {lines + loaded:,} order lines {are} in "
                         f"quarantine {why}: its demand history and forecast miss "
                         f"{them}")  # fmt: skip
            continue
        source = "its launch_forecast (items file)" if launch else "its category's typical item"
        its = f"its {counted(lines, 'order line')} {'is' if lines == 1 else 'are'}"
        notes.append(f"{sku}: {its} in quarantine {why}: forecast from {source}, not its own "
                     "history")  # fmt: skip
    if len(rows) > shown:
        notes.append(f"and {counted(len(rows) - shown, 'more item')} with order lines in "
                     "quarantine for their sku written in another case than items.csv's "
                     f"({_quarantine_rows(con)})")  # fmt: skip
    return notes


def overdue_orders(
    con: duckdb.DuckDBPyConnection, as_of: date, skus: Sequence[str] | None = None
) -> list[str]:
    """A note on the loaded open orders (of `skus`, None: all) long overdue on `as_of` (they
    count as arriving now), on every load: an unchanged file is not read again, and the note
    must not go with it."""
    late = _overdue(con, "open_orders", as_of, skus)
    if not late:
        return []
    count, them, they = ("counts", "it", "it") if len(late) == 1 else ("count", "them", "they")
    return [f"{counted(len(late), 'open order')} more than {OVERDUE_DAYS} days overdue {count} "
            f"as arriving now: {_overdue_names(late)}; cancel or re-date {them} in the ERP if "
            f"{they} will not come"]  # fmt: skip


def overdue_requirements(
    con: duckdb.DuckDBPyConnection, as_of: date, skus: Sequence[str] | None = None
) -> list[str]:
    """A note on the loaded requirements (of `skus`, None: all) more than OVERDUE_DAYS
    overdue on `as_of` (they count in the first plan period), on every load, as
    `overdue_orders`."""
    late = _overdue(con, "requirements", as_of, skus)
    if not late:
        return []
    count, them = ("counts", "it") if len(late) == 1 else ("count", "them")
    return [f"{counted(len(late), 'requirement')} more than {OVERDUE_DAYS} days overdue {count} "
            f"in the first plan period: {_overdue_names(late)}; drop {them} from "
            "requirements.csv once met, or re-date"]  # fmt: skip


_OVERDUE_SQL = {  # table -> the query of its rows due before a day, by due_date
    table: f"SELECT {key}, sku, due_date FROM {table} WHERE due_date < ? AND {{of_skus}} "
    f"ORDER BY due_date, {key}, sku"
    for key, table in (("po_id", "open_orders"), ("requirement_id", "requirements"))
}


def _overdue(
    con: duckdb.DuckDBPyConnection, table: str, as_of: date, skus: Sequence[str] | None
) -> list[tuple]:
    """(id, sku, due_date) of `table`'s rows (of `skus`) due more than OVERDUE_DAYS before
    as_of, by due_date."""
    of_skus, params = _of_skus(skus)
    sql = _OVERDUE_SQL[table].format(of_skus=of_skus)
    return con.execute(sql, [as_of - timedelta(days=OVERDUE_DAYS), *params]).fetchall()


def _overdue_names(late: list[tuple]) -> str:
    """'PO-9 (A-100, due 2024-03-01), ...' of the first 5, and how many more."""
    names = ", ".join(f"{key} ({sku}, due {due:%Y-%m-%d})" for key, sku, due in late[:5])
    return names + (f" and {len(late) - 5} more" if len(late) > 5 else "")


def tiers_left_out(
    con: duckdb.DuckDBPyConnection, shown: int = 5, skus: Sequence[str] | None = None
) -> list[str]:
    """Notes on the price_breaks rows in quarantine of items (of `skus`, None: all) that
    still have price breaks (on every load, like `overdue_orders`). An offer with tiers left
    is priced by them, so a lot's price and smallest tier quietly changed (a first tier with
    unit_price 0 moved the smallest lot up to the next tier, and nothing named the item); an
    offer with none left is left out (its supplier_items row is in quarantine: `no valid price
    break`), and the item keeps its other offers. A row that repeats an earlier one (`same
    values`) changes nothing and is not named; a row of an offer that was never loaded (not
    in supplier_items, or in quarantine for its own terms) prices nothing and is not named
    either. A row loaded before quarantine kept the supplier_id counts as of an offer with
    tiers left."""
    of_skus, params = _of_skus(skus, "q.sku")
    rows = con.execute(
        "SELECT q.sku, q.supplier_id, q.file, q.row_number, "
        "string_agg(q.reason, '; ' ORDER BY q.column_name), "
        "q.supplier_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM price_breaks AS p "
        "WHERE p.supplier_id = q.supplier_id AND p.sku = q.sku) AS left_out "
        "FROM quarantine AS q WHERE q.table_name = 'price_breaks' AND q.sku IS NOT NULL "
        f"AND q.sku IN (SELECT sku FROM price_breaks) AND {of_skus} GROUP BY ALL "
        "HAVING NOT bool_or(ends_with(q.reason, ?)) AND (NOT left_out OR EXISTS (SELECT 1 "
        "FROM quarantine AS s WHERE s.table_name = 'supplier_items' "
        "AND s.supplier_id = q.supplier_id AND s.sku = q.sku AND ends_with(s.reason, ?))) "
        "ORDER BY q.sku, q.supplier_id, q.row_number",
        [*params, SAME_VALUES, NO_PRICE_BREAK],
    ).fetchall()
    priced = [(sku, f"{file} row {row}: {why}") for sku, _, file, row, why, out in rows if not out]
    offers: dict[str, list[str]] = {}
    for sku, supplier, file, row, why, out in rows:
        if out:
            offers.setdefault(f"{supplier}'s offer of {sku}", []).append(f"{file} row {row}: {why}")
    notes = []
    if priced:
        names = "; ".join(f"{sku} ({where})" for sku, where in priced[:shown])
        one = len(priced) == 1
        offers_are = "this item's offer is" if one else "these items' offers are"
        notes.append(f"{counted(len(priced), 'price break row')} in quarantine: {offers_are} "
                     f"priced by {'its' if one else 'their'} other tiers, without "
                     f"{'that one' if one else 'those'}: {names}"
                     f"{_more(con, len(priced), shown)}")  # fmt: skip
    if offers:
        names = "; ".join(
            f"{offer} ({'; '.join(where)})" for offer, where in list(offers.items())[:shown]
        )
        one = len(offers) == 1
        its, item = ("its", "the item keeps its") if one else ("their", "the items keep their")
        notes.append(f"{counted(len(offers), 'offer')} left out, {its} price break rows all in "
                     f"quarantine (no valid price break; {item} other offers): "
                     f"{names}{_more(con, len(offers), shown)}")  # fmt: skip
    return notes


def later_lines(after: int, total: int) -> str:
    """', 14,495 of them order lines dated after as_of (a later night loads them)' of `total`
    rows in quarantine ('' when none is such a line): an earlier night planned from today's
    files quarantines every later order line on purpose, which read as that many bad rows."""
    if not after:
        return ""
    them = "it" if after == 1 else "them"
    if after == total:
        which = "an order line" if after == 1 else "all order lines"
    else:
        which = "1 of them an order line" if after == 1 else f"{after:,} of them order lines"
    return f", {which} dated after as_of (a later night loads {them})"


def counted(n: int, word: str) -> str:
    """'1 row', '3 rows', '1,250 rows' (`word` in the singular)."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _more(con: duckdb.DuckDBPyConnection, n: int, shown: int) -> str:
    """'; and 3 more (reorder quarantine --db <file> --rows)' past the `shown` first of `n`."""
    return f"; and {n - shown} more ({_quarantine_rows(con)})" if n > shown else ""


def _quarantine_rows(con: duckdb.DuckDBPyConnection) -> str:
    """The command that lists the quarantined rows of the warehouse `con` opened."""
    return command_line("reorder", "quarantine", "--db", database_file(con), "--rows")


def twin_orders(
    con: duckdb.DuckDBPyConnection, as_of: date, skus: Sequence[str] | None = None
) -> list[str]:
    """A note on each ERP open order (of `skus`, None: all) under the ERP's own po_id with the
    sku, supplier and quantity of an approved lot that still counts on `as_of`: if the ERP
    ordered that lot under its own number, both count and the plan under-orders (on every
    load, like `overdue_orders`)."""
    planned = planned_orders(con, as_of, None if skus is None else list(skus))
    if planned.empty:
        return []
    erp = con.execute(
        "SELECT po_id AS erp_id, sku, supplier_id, quantity FROM open_orders "
        "WHERE NOT starts_with(upper(po_id), 'RV-') ORDER BY sku, po_id"
    ).df()
    twins = erp.merge(planned, on=["sku", "supplier_id", "quantity"])
    return [f"open order {t.erp_id} ({t.sku} from {t.supplier_id}, {t.quantity:g}) has the "
            f"supplier and quantity of the approved lot {t.po_id}: both count as open orders; "
            "if they are one order, put the lot's po_id on the ERP's order so that only it "
            "counts" for t in twins.itertuples(index=False)]  # fmt: skip


def vanished_stock(
    con: duckdb.DuckDBPyConnection, raw: RawFile | None, gone_items: Sequence[str] = ()
) -> list[str]:
    """A note naming the items that had stock at the last load and have no row in the new
    stock file (in any case: `_other_case`): they are planned with nothing on hand, right
    when the export leaves out items without stock, wrong when rows were lost. Items that
    left the item master too (`gone_items`, `vanished_rows`) are not planned at all:
    `vanished_items` names them."""
    if raw is None or not raw.rows_read:
        return []
    gone = con.execute(
        "SELECT sku, on_hand FROM stock WHERE on_hand > 0 AND NOT list_contains(?, sku) "
        "AND NOT list_contains(?, lower(sku)) AND NOT list_contains(?, sku) "
        "ORDER BY on_hand DESC, sku",
        [_skus(raw), _other_case(con, raw), list(gone_items)],
    ).fetchall()
    if not gone:
        return []
    names = ", ".join(f"{sku} ({on_hand:,.0f})" for sku, on_hand in gone[:5])
    more = f" and {len(gone) - 5} more" if len(gone) > 5 else ""
    has, are = ("has", "is") if len(gone) == 1 else ("have", "are")
    return [f"{raw.name}: {counted(len(gone), 'item')} with stock at the last load {has} no row "
            f"now and {are} planned with nothing on hand: {names}{more} (on hand "
            "then)"]  # fmt: skip


def vanished_items(items: RawFile | None, gone: list[str]) -> list[str]:
    """A note naming the items of the last load that the new items file no longer has
    (`gone`, `vanished_rows`): they are not planned any more, and their order lines, stock and
    open orders go to quarantine as unknown skus (a part dropped by mistake would otherwise
    vanish from the plan with only a count of quarantined rows)."""
    if items is None or not gone:
        return []
    names = ", ".join(gone[:10]) + (f" and {len(gone) - 10} more" if len(gone) > 10 else "")
    has, are, their = ("has", "is", "its") if len(gone) == 1 else ("have", "are", "their")
    return [f"{items.name}: {counted(len(gone), 'item')} of the last load {has} no row now and "
            f"{are} no longer planned: {names}; {their} order lines, stock and open orders go "
            "to quarantine as unknown skus"]  # fmt: skip


def vanished_rows(con: duckdb.DuckDBPyConnection, items: RawFile | None) -> list[str]:
    """Skus in the loaded items table without a row in the new items file (none: not read)."""
    if items is None or not items.rows_read:
        return []
    rows = con.execute(
        "SELECT sku FROM items WHERE NOT list_contains(?, sku) ORDER BY sku", [_skus(items)]
    ).fetchall()
    return [r[0] for r in rows]


def _other_case(con: duckdb.DuckDBPyConnection, raw: RawFile) -> list[str]:
    """The skus of `raw` no item has as written, lower case: a row of an item in another case
    ('a' of A) is that item's row in quarantine, which leaves it unplanned
    (`warehouse.planning`), not planned with nothing on hand."""
    items = {row[0] for row in con.execute("SELECT sku FROM items").fetchall()}
    return sorted({sku.lower() for sku in _skus(raw) if sku not in items})


def _skus(raw: RawFile) -> list[str]:
    return sorted(set(raw.frame["sku"].dropna().map(str.strip)))


def numbered_note(con: duckdb.DuckDBPyConnection, files: list[str]) -> list[str]:
    """A note when lines the load numbered in `files` (no `line` column) share their
    (order_id, line) with another file's: the file last in name order wins, right for a
    re-exported order, wrong for new lines of an old order (a credit numbered 1 replaced the
    order's sale)."""
    if not files:
        return []
    ((orders, first, names),) = con.execute(
        "WITH rows AS (SELECT order_id, line, file FROM order_lines UNION ALL "
        "SELECT order_id, line, file FROM order_lines_overridden), keys AS ("
        "SELECT order_id, line FROM rows GROUP BY order_id, line "
        "HAVING count(DISTINCT file) > 1 AND bool_or(list_contains(?, file))) "
        "SELECT count(DISTINCT order_id), min(order_id), (SELECT list(DISTINCT file ORDER BY "
        "file) FROM rows JOIN keys USING (order_id, line)) FROM keys",
        [files],
    ).fetchall()
    if not orders:
        return []
    return [f"lines numbered by the load (no line column) of {counted(orders, 'order')} are in "
            f"several files (first: {first}; {', '.join(names)}) under the same numbers: the "
            "file last in name order wins. Right for a re-exported order; for new lines of "
            "an order (a credit) map the export's position column as `line` in "
            "load.toml"]  # fmt: skip


def absent_overriding(con: duckdb.DuckDBPyConnection, present: list[str]) -> list[str]:
    """A note when rows of order-lines files no longer in the folder (kept: an ERP's delta
    files may be archived once loaded) still override rows of files in it: a correction in
    the file at hand then does not count, which nobody guesses."""
    rows = con.execute(
        "SELECT l.file, count(*) FROM order_lines AS l JOIN order_lines_overridden AS o "
        "USING (order_id, line) WHERE NOT list_contains(?, l.file) "
        "AND list_contains(?, o.file) GROUP BY l.file ORDER BY l.file",
        [present, present],
    ).fetchall()
    db = database_file(con)
    return [f"{file}: no longer in the folder, but its rows stay loaded (delta exports may be "
            f"archived) and override {counted(n, 'row')} of files in it; put it back corrected, or "
            f"drop its rows with `{command_line('reorder', 'forget', '--db', db, file)}`"
            for file, n in rows]  # fmt: skip


def unloaded_lines(con: duckdb.DuckDBPyConnection, present: list[str]) -> list[str]:
    """A note per order-lines file in the folder (`present`) of whose lines none loaded while
    some are in quarantine for more than a date after as_of (a new export in another date
    format, a column of another meaning): without it, the newest week's demand could be
    missing with only the load's counts saying so. Worked out on every load, as the nightly
    run skips the unchanged file; lines only dated after as_of (an earlier night) or
    excluded (cancelled) are no such file."""
    rows = con.execute(
        "WITH latest AS (SELECT file, load_id, rows_read, rows_loaded, row_number() OVER "
        "(PARTITION BY file ORDER BY loaded_at DESC) AS n FROM loads WHERE table_name = ? "
        "AND list_contains(?, file)) "
        "SELECT l.file, l.rows_read, count(*), min_by(q.row_number, q.row_number), "
        "min_by(q.reason, q.row_number) FROM latest AS l JOIN quarantine AS q "
        "USING (load_id) WHERE l.n = 1 AND l.rows_loaded = 0 "
        "AND q.reason NOT LIKE '% is after as_of %' GROUP BY ALL ORDER BY l.file",
        [ORDER_LINES.name, present],
    ).fetchall()
    return [f"{file}: {_none_loaded(read, n)} (row {row}: {reason}): the demand history "
            "misses them; fix the file, or load.toml, and load again"
            for file, read, n, row, reason in rows]  # fmt: skip


def _none_loaded(read: int, quarantined: int) -> str:
    """'none of its 3 order lines loaded, 3 are in quarantine' ('its 1 order line did not
    load: it is in quarantine')."""
    if read == 1:
        return "its 1 order line did not load: it is in quarantine"
    are = "is" if quarantined == 1 else "are"
    return f"none of its {read:,} order lines loaded, {quarantined:,} {are} in quarantine"
