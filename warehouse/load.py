"""Load a folder of input files into the warehouse, quarantining bad rows (see docs/design.md).

Master data files (items, suppliers, supplier_items, price_breaks, stock, open_orders,
supplier_tiers, requirements) are
snapshots: if any of them changed since the last load, all of them are loaded again in table
order, so that references are checked against the new data. Order line files are incremental and
loaded one by one; a file whose bytes, items file and config are unchanged since its last load is
skipped (unless as_of moved past order dates it quarantined as future). The master files load
in one transaction, each order line file in its own. All files are read before anything is
written: an unreadable file changes nothing.

Returns rule ("net", the default): an order line with a negative quantity is a credit/return and is
stored as it is; `bucket_demand` nets it against the period of the original line (same order_id
and sku, positive quantity) or else against its own period, and floors net demand at 0.
With `returns = "ignore"` credit lines are excluded at load (counted in rows_excluded). A line
that `credit_column` marks as a credit (load.toml) is one whatever its sign: a positive quantity
is stored negated (`validate.credited`).
"""

from __future__ import annotations

import fnmatch
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from warehouse import store
from warehouse.commands import command_line
from warehouse.config import ORDER_LINE_COLUMNS, LoadConfig
from warehouse.connect import database_file
from warehouse.errors import LoadError
from warehouse.load_notes import (
    DATA_SUFFIXES,
    absent_mapped,
    absent_overriding,
    counted,
    credit_lines,
    defaulted,
    item_notes,
    later_lines,
    numbered_note,
    open_orders_notes,
    percent_rates,
    read_as_empty,
    recased,
    requirements_notes,
    split_categories,
    steep_tiers,
    supplier_tiers_notes,
    thousands,
    unloaded_lines,
    unread_files,
    unused_columns,
    vanished_items,
    vanished_lines,
    vanished_rows,
    vanished_stock,
)
from warehouse.memory import release_memory
from warehouse.read import CANCELLED, CREDIT, ROW, RawFile, file_sha256, read_file
from warehouse.tables import MASTER_TABLES, ORDER_LINES, PRICE_BREAKS, SUPPLIER_ITEMS, Table
from warehouse.validate import (
    SUPPLIER_ITEM,
    Checked,
    Context,
    check,
    problems_frame,
    rejected_keys,
    unpriced,
)

# Version of the rules that turn order line files into rows: part of what a skipped file must
# have been loaded under, so every order line file loads again once after it changes. 2: lines
# a later file excludes (cancelled, ...) are kept in order_lines_excluded (2026-12-06); a file
# loaded before that was skipped as unchanged, and a line it had cancelled stayed demand.
# 3: under a date_format other than ISO, an order_date written as ISO (YYYY-MM-DD) loads.
LINE_RULES = 3
# Version of the rules that check master files, part of what a skipped master file must have
# been loaded under, so they all load again once after a change. 2: suppliers, supplier_items,
# price_breaks and supplier_tiers rows that disagree quarantine the first row of their key too;
# end_of_life, on_hand and open order quantities have typo bounds (2026-12-06). 3: so do moq,
# pack_size and min_qty. 4: an allowed value in another case ('Series') loads as that value.
# 5: under a date_format other than ISO, an end_of_life or due_date written as ISO loads.
# 6: a row in quarantine for a bad value holds its key: another row of that key is a
# duplicate (it loaded alone, as if it were right). 7: an open order due more than
# validate.DUE_YEARS after as_of (9999-12-31) is quarantined. 8: supplier_items has an optional
# lead_time (a file that had one loaded without it). 9: suppliers has an optional order_cost
# (likewise). 10: suppliers has an optional min_order_value (likewise). 11: the optional
# requirements file (planners' dated known demand) is a master file.
MASTER_RULES = 11

SUFFIXES = (".csv", ".parquet")
# order lines of a file from which on the C heap is trimmed before DuckDB copies them
# (`_Loader.load_order_lines`): a daily file of a few hundred lines is not worth a collection
TRIM_ROWS = 100_000
# marks a note about the whole load (its files, all items' order history) in the notes of a run
# of some items (`LoadReport.for_items`)
WHOLE_LOAD = "whole load: "


@dataclass(frozen=True)
class FileLoad:
    """What happened to one file; `unchanged` files were skipped (counts from their last load)."""

    table: str
    file: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_excluded: int
    unchanged: bool
    rows_after_as_of: int = 0  # of rows_quarantined: order lines dated after the load's as_of


@dataclass(frozen=True)
class LoadReport:
    """Per-file counts of one `load_folder` call and the `loads.load_id`s it wrote."""

    files: tuple[FileLoad, ...]
    load_ids: tuple[str, ...]
    notes: tuple[str, ...] = ()  # what a planner should know (e.g. warehouse.check_history)
    # those of `notes` that name items of the loaded tables (`load_notes.item_notes`)
    item_notes: tuple[str, ...] = ()
    db_file: str = "FILE"  # the warehouse file, absolute: its rows in quarantine are listed by

    def for_items(self, item_notes: Sequence[str]) -> LoadReport:
        """The report as a run of some items tells it: the notes naming items of the loaded
        tables replaced by `item_notes`, those of the run's items (`load_notes.item_notes`
        with their skus), and every other note (about the files, the whole order history)
        marked WHOLE_LOAD: such a run loads the whole folder, and its files' notes are said
        once, by the load that read them."""
        whole = [f"{WHOLE_LOAD}{n}" for n in self.notes if n not in self.item_notes]
        return replace(self, notes=(*whole, *item_notes), item_notes=tuple(item_notes))

    @property
    def quarantined(self) -> int:
        """Rows of these files now in quarantine (unchanged files included)."""
        return sum(f.rows_quarantined for f in self.files)

    @property
    def after_as_of(self) -> int:
        """Of `quarantined`, the order lines dated after as_of: expected when an earlier night
        is planned from today's files; they load again when as_of reaches their date."""
        return sum(f.rows_after_as_of for f in self.files)

    def summary(self, notes: bool = True, prog: str = "reorder") -> str:
        """A short table for logs and the CLI; `notes`: with the `note:` lines (a run prints
        them in its summary instead); `prog`: the command its hint names (as started)."""
        width = max([len(f.file) for f in self.files] + [4])
        lines = []
        for f in self.files:
            counts = (
                f"read {f.rows_read}, loaded {f.rows_loaded}, "
                f"quarantined {f.rows_quarantined}, excluded {f.rows_excluded}"
            )
            note = " (unchanged, skipped)" if f.unchanged else ""
            lines.append(f"{f.file:<{width}}  {f.table:<14} {counts}{note}")
        if self.quarantined:
            later = later_lines(self.after_as_of, self.quarantined)
            listed = command_line(prog, "quarantine", "--db", self.db_file)
            lines.append(f"{counted(self.quarantined, 'row')} in quarantine{later}: see {listed}")
        lines += [f"note: {n}" for n in self.notes] if notes else []
        return "\n".join(lines)


def load_folder(
    con: duckdb.DuckDBPyConnection,
    folder: str | Path,
    as_of: date,
    config: LoadConfig | None = None,
    run_id: str | None = None,
) -> LoadReport:
    """Load the input files in `folder` for the night `as_of`; see the module docstring."""
    folder = Path(folder)
    config = config or LoadConfig()
    if not folder.is_dir():
        raise LoadError(f"{folder}: input folder not found")
    _refuse_directories(folder, config)
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    masters = {t.name: _master_file(folder, t, files) for t in MASTER_TABLES}
    line_paths = _order_line_files(folder, config, files, masters)
    shas = {p: file_sha256(p) for p in [*masters.values(), *line_paths] if p is not None}
    items_sha = shas[masters["items"]]
    # order lines are checked against the items the master rules load: new ones reload them too
    context = f"{items_sha}|{config!r}|{LINE_RULES}|{MASTER_RULES}"
    context_sha = hashlib.sha256(context.encode()).hexdigest()

    # the master files' dialect (encoding, delimiter, decimal, date_format) and MASTER_RULES
    # are part of what they loaded as: a changed one reloads them
    dialect = (config.master_encoding, config.master_delimiter, config.master_decimal,
               config.master_date_format)  # fmt: skip
    master_context = hashlib.sha256(f"{'|'.join(dialect)}|{MASTER_RULES}".encode()).hexdigest()
    master_changed = any(
        _last_master_load(con, t.name)
        != (_name(masters[t.name]), shas.get(masters[t.name]), master_context)
        for t in MASTER_TABLES
    )
    master_raw = {
        t.name: read_file(
            p,
            {c: c for c in t.names},
            _required(t),
            delimiter=config.master_delimiter,
            encoding=config.master_encoding,
            section="master_files",
        )
        for t in MASTER_TABLES
        if master_changed and (p := masters[t.name]) is not None
    }
    stale = [
        p for p in line_paths if not _lines_unchanged(con, p.name, shas[p], context_sha, as_of)
    ]
    line_raw = {p: _read_order_lines(p, config) for p in stale}
    _refuse_emptied(con, master_raw, line_raw)
    _refuse_unmapped(line_raw, line_paths, config)
    if master_changed:
        _refuse_lost_stock(con, masters["stock"], master_raw.get("stock"))

    notes = unread_files(files, masters, line_paths, config) + unused_columns(master_raw)
    notes += open_orders_notes(con, master_raw.get("open_orders"),
                               absent=masters["open_orders"] is None)  # fmt: skip
    notes += supplier_tiers_notes(con, master_raw.get("supplier_tiers"),
                                  absent=masters["supplier_tiers"] is None)  # fmt: skip
    notes += requirements_notes(con, master_raw.get("requirements"),
                                absent=masters["requirements"] is None)  # fmt: skip
    gone = vanished_rows(con, master_raw.get("items"))
    notes += vanished_items(master_raw.get("items"), gone)
    notes += vanished_stock(con, master_raw.get("stock"), gone)
    raws = [*master_raw.values(), *line_raw.values()]
    notes += [raw.encoding_note for raw in raws if raw.encoding_note]
    read = [(t, master_raw[t.name]) for t in MASTER_TABLES if t.name in master_raw]
    read += [(ORDER_LINES, raw) for raw in line_raw.values()]
    notes += defaulted(read) + read_as_empty(read) + recased(read) + thousands(read, config)
    notes += [note for raw in line_raw.values() for note in vanished_lines(con, raw)]
    notes += absent_mapped(list(line_raw.values()), config)
    numbered = [raw.name for raw in line_raw.values() if raw.numbered]
    del raws, read  # each file's rows go as it is stored (`_Loader.load_order_lines`)
    loader = _Loader(con, as_of, run_id, config)
    if master_changed:
        loader.load_masters(masters, master_raw, shas, master_context)
        notes += split_categories(con, master_raw.get("items"))
        notes += percent_rates(con, master_raw.get("items"))
        notes += loader.notes
    for path in line_paths:
        if path in line_raw:
            loader.load_order_lines(line_raw, path, config, context_sha)
    notes += loader.line_notes
    of_items = item_notes(con, as_of)
    notes += of_items
    notes += numbered_note(con, numbered)
    notes += absent_overriding(con, [p.name for p in line_paths])
    notes += unloaded_lines(con, [p.name for p in line_paths])
    report = _report(con, masters, line_paths, loader.load_ids)
    return replace(
        report, notes=tuple(notes), item_notes=tuple(of_items), db_file=database_file(con)
    )


class _Loader:
    """Validates and writes files, keeping the load ids and the state later tables check."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, as_of: date, run_id: str | None, config: LoadConfig
    ) -> None:
        self.con = con
        self.as_of = as_of
        self.run_id = run_id
        self.config = config
        self.load_ids: list[str] = []
        self.rejected: list[tuple[str, str, str]] = []  # Context.rejected of this load
        self.notes: list[str] = []  # of the files just loaded (`load_notes.steep_tiers`)
        self.line_notes: list[str] = []  # of the order lines files (`load_notes.credit_lines`)

    def record(self, table: str, raw: RawFile | None, sha: str | None, context: str | None):
        load_id = str(uuid.uuid4())
        self.load_ids.append(load_id)
        return store.LoadRecord(
            load_id=load_id,
            run_id=self.run_id,
            table=table,
            file=raw.name if raw else None,
            sha256=sha,
            context_sha256=context,
            rows_read=raw.rows_read if raw else 0,
            as_of=self.as_of,
            loaded_at=datetime.now(UTC).replace(tzinfo=None),
        )

    def load_masters(
        self,
        paths: dict[str, Path | None],
        raws: dict[str, RawFile],
        shas: dict[Path, str],
        context: str,
    ) -> None:
        """All master files in one transaction: a file that stops the load leaves every master
        table as it was (later tables are checked against the earlier ones' new rows).
        `context`: hash of the master files' dialect, kept in their `loads` rows."""
        with store.transaction(self.con):
            self._load_masters(paths, raws, shas, context)

    def _load_masters(
        self,
        paths: dict[str, Path | None],
        raws: dict[str, RawFile],
        shas: dict[Path, str],
        context: str,
    ) -> None:
        kept: dict[str, tuple[Checked, store.LoadRecord]] = {}
        for table in MASTER_TABLES:
            raw = raws.get(table.name)
            if raw is None:
                store.record_absent(self.con, table, self.record(table.name, None, None, context))
                continue
            checked = _with_sku(_with_broken(check(table, raw.frame, self.context(raw)), raw),
                                raw.frame)  # fmt: skip
            key = {"items": "sku", "suppliers": "supplier_id",
                   "supplier_items": SUPPLIER_ITEM}.get(table.name)  # fmt: skip
            if key:
                self.rejected += rejected_keys(checked, raw.frame, raw.name, key)
            if table.required and checked.valid.empty:
                first = checked.problems.sort_values(ROW).iloc[0]
                raise LoadError(
                    f"{raw.name}: none of its {raw.rows_read} rows is valid (row "
                    f"{first[ROW]}: {first['reason']}); no master file was loaded, and a run "
                    f"stops here rather than plan without {table.name}"
                )
            record = self.record(table.name, raw, shas[paths[table.name]], context)
            store.replace_snapshot(self.con, table, checked, record)
            kept[table.name] = (checked, record)
            if table is PRICE_BREAKS:
                self.quarantine_unpriced(*kept[SUPPLIER_ITEMS.name], checked)
                self.notes += steep_tiers(raw.name, checked.valid, raw.frame)

    def quarantine_unpriced(
        self, items: Checked, record: store.LoadRecord, breaks: Checked
    ) -> None:
        found = problems_frame(unpriced(items.valid, breaks.valid))
        keys = items.valid.set_index(ROW).loc[found[ROW], ["supplier_id", "sku"]]
        store.quarantine_unpriced(self.con, record, found.join(keys.reset_index(drop=True)))

    def load_order_lines(
        self, files: dict[Path, RawFile], path: Path, config: LoadConfig, context_sha: str
    ) -> None:
        """Check and store the file `path`, taking it out of `files`: its text rows are let go
        once checked, before DuckDB copies the typed ones, and from TRIM_ROWS lines on what the
        read and the check freed is given back to the system first (DuckDB allocates its own
        memory on top of what stays in the C heap; figures in bench/README, nightly)."""
        raw = files.pop(path)
        context = replace(
            self.context(raw),
            decimal=config.decimal,
            date_format=config.date_format,
            cancelled_values=config.cancelled_values,
            credit_values=config.credit_values,
            exclude_skus=config.exclude_skus,
            drop_returns=config.returns == "ignore",
            section="order_lines",
        )
        checked = _with_sku(_with_broken(check(ORDER_LINES, raw.frame, context), raw), raw.frame)
        record = self.record(ORDER_LINES.name, raw, raw.sha256, context_sha)
        self.line_notes += credit_lines(raw, checked, config)
        del raw
        if record.rows_read >= TRIM_ROWS:
            release_memory()
        store.replace_order_lines(self.con, ORDER_LINES, checked, record)

    def context(self, raw: RawFile) -> Context:
        """The context of a master file (an order lines file replaces the dialect)."""
        return Context(
            as_of=self.as_of,
            decimal=self.config.master_decimal,
            date_format=self.config.master_date_format,
            section="master_files",
            skus=frozenset(self._column("SELECT sku FROM items")),
            suppliers=frozenset(self._column("SELECT supplier_id FROM suppliers")),
            supplier_items=frozenset(
                self.con.execute("SELECT supplier_id, sku FROM supplier_items").fetchall()
            ),
            typed=raw.typed,
            rejected=tuple(self.rejected),
            end_of_life=tuple(
                self.con.execute(
                    "SELECT sku, end_of_life FROM items WHERE end_of_life IS NOT NULL"
                ).fetchall()
            ),
        )

    def _column(self, sql: str) -> list[str]:
        return [r[0] for r in self.con.execute(sql).fetchall()]


def _refuse_directories(folder: Path, config: LoadConfig) -> None:
    """A directory named as an input file (items.csv, order_lines_0621.csv: an export unzipped
    into a folder of its name) is refused naming it, rather than said to be missing, or for
    stock.csv and open_orders.csv taken as no stock and no open orders."""
    masters = {f"{t.name}{s}" for t in MASTER_TABLES for s in SUFFIXES}
    patterns = [pattern.lower() for pattern in config.files]
    named = {p for pattern in config.files for p in folder.glob(pattern)}  # as _order_line_files
    for path in folder.iterdir():
        name = path.name.lower()
        if name in masters or any(fnmatch.fnmatchcase(name, x) for x in patterns):
            named.add(path)
    for path in sorted(named):
        if path.is_dir() and path.name.lower().endswith(SUFFIXES) and path.name[:1] != ".":
            raise LoadError(
                f"{path}: is a directory, not a file; the load reads a CSV or Parquet file of "
                "that name (nothing was loaded)"
            )


def _refuse_emptied(
    con: duckdb.DuckDBPyConnection, masters: dict[str, RawFile], lines: dict[Path, RawFile]
) -> None:
    """A required file with a header and no rows is a truncated export, not a wish to delete
    everything: refuse it before anything is written. An order lines file counts as emptied
    when its last load had rows (a new, empty delta file is fine)."""
    for table in MASTER_TABLES:
        raw = masters.get(table.name)
        if table.required and raw is not None and raw.rows_read == 0:
            raise LoadError(
                f"{raw.name}: no rows below the header; {table.name} is required and cannot be "
                "empty (nothing was loaded)"
            )
    for raw in lines.values():
        if raw.rows_read:
            continue
        row = con.execute(
            "SELECT (SELECT count(*) FROM order_lines WHERE file = $1) "
            "+ (SELECT count(*) FROM order_lines_overridden WHERE file = $1) "
            "+ (SELECT count(*) FROM order_lines_excluded WHERE file = $1)",
            [raw.name],
        ).fetchone()
        if row and row[0]:
            raise LoadError(
                f"{raw.name}: no rows below the header, but the warehouse holds {row[0]:,} of "
                "its rows; "
                "loading it would delete them (nothing was loaded). Remove the file from the "
                "folder to keep its rows"
            )


def _refuse_unmapped(lines: dict[Path, RawFile], paths: list[Path], config: LoadConfig) -> None:
    """A column that [order_lines.columns] maps and no order lines file has (every one read:
    the mapping, or the config, changed) is a typo in the mapping, not an export without it:
    refuse it before anything is written, naming the file, our column and the export's name
    (a file without it while others have it, or are not read again, loads with a note:
    `load_notes.absent_mapped`). A required column is refused by `read_file`."""
    if not lines or len(lines) < len(paths):
        return
    for ours, theirs in config.columns.items():
        if all(ours in raw.absent for raw in lines.values()):
            raw = next(iter(lines.values()))
            others = ", and no other order lines file has it" if len(lines) > 1 else ""
            unused = f" (columns no setting reads: {', '.join(raw.unused)})" if raw.unused else ""
            raise LoadError(
                f"{raw.name}: missing column {theirs}{unused}, mapped as {ours} = {theirs!r} "
                f"under [order_lines.columns] in load.toml{others}: check the spelling, or "
                "remove the mapping if the export has no such column (nothing was loaded)"
            )


def _refuse_lost_stock(
    con: duckdb.DuckDBPyConnection, path: Path | None, raw: RawFile | None
) -> None:
    """stock.csv may be missing, but a stock file that disappears or loses all its rows after
    a load with rows is a truncated export: every item would be planned with nothing on hand
    and bought again. Refuse it before anything is written."""
    if path is not None and raw is not None and raw.rows_read:
        return
    ((held,),) = con.execute("SELECT count(*) FROM stock").fetchall()
    if not held:
        return
    head = "stock.csv is missing" if path is None else f"{path.name} has no rows below the header"
    raise LoadError(
        f"{head}, but the stock table holds {held:,} row{'' if held == 1 else 's'}: loading it "
        "would plan every item with nothing on hand (nothing was loaded). Put the stock file "
        "back, or list the items without stock with on_hand 0"
    )


def _with_broken(checked: Checked, raw: RawFile) -> Checked:
    """Add the rows that could not be split into fields to the problems."""
    if not raw.broken:
        return checked
    broken = problems_frame([(row, None, None, reason) for row, reason in raw.broken])
    problems = pd.concat([checked.problems, broken], ignore_index=True)
    return replace(checked, problems=problems)


def _with_sku(checked: Checked, frame: pd.DataFrame) -> Checked:
    """Problems get the sku and supplier_id text of their row (None: no such column or a row
    not split)."""
    if checked.problems.empty:
        return checked
    keys = {}
    for column in ("sku", "supplier_id"):
        if column in frame:
            texts = frame.set_index(ROW)[column].map(
                lambda v: v.strip() if isinstance(v, str) else None
            )
            found = checked.problems[ROW].map(texts).astype(object)
            keys[column] = found.where(found.notna(), None)
    return replace(checked, problems=checked.problems.assign(**keys)) if keys else checked


def _required(table: Table) -> set[str]:
    return {c.name for c in table.columns if c.required}


def _name(path: Path | None) -> str | None:
    return path.name if path is not None else None


def _master_file(folder: Path, table: Table, files: list[Path]) -> Path | None:
    """The table's file, its name in any case (an ERP on Windows writes STOCK.CSV)."""
    names = {f"{table.name}{s}" for s in SUFFIXES}
    found = [p for p in files if p.name.lower() in names]
    if len(found) > 1:
        names = " and ".join(p.name for p in found)
        raise LoadError(f"{folder}: both {names} found; keep one file per table")
    if not found and table.required:
        raise LoadError(f"{folder}: {table.name}.csv (or .parquet) is missing")
    return found[0] if found else None


def _order_line_files(
    folder: Path, config: LoadConfig, files: list[Path], masters: dict[str, Path | None]
) -> list[Path]:
    """Files matching a pattern of `config.files`, in name order; a file of the folder itself
    matches in any case (order_lines_0621.CSV). None: a LoadError naming the folder's data
    files that no table reads (`masters`: the master tables' files), the ERP export it holds."""
    patterns = [pattern.lower() for pattern in config.files]
    paths = {p for pattern in config.files for p in folder.glob(pattern) if p.is_file()}
    paths |= {p for p in files if any(fnmatch.fnmatchcase(p.name.lower(), x) for x in patterns)}
    paths = sorted(paths, key=lambda p: (p.name.lower(), p.name))  # as store._named
    if not paths:
        raise LoadError(_no_order_lines(folder, config, files, masters))
    return paths


def _no_order_lines(
    folder: Path, config: LoadConfig, files: list[Path], masters: dict[str, Path | None]
) -> str:
    """Why no order_lines file: the patterns, and the data files no table reads (an ERP export
    of its own name needs a load.toml; one the load.toml's `files` miss, another pattern)."""
    read = set(masters.values())
    unread = [p.name for p in files if p.suffix.lower() in DATA_SUFFIXES and p not in read]
    default = config.files == LoadConfig().files
    where = "" if default else " (files under [order_lines] in the load.toml)"
    text = f"{folder}: no order_lines file matching {', '.join(config.files)}{where}"
    if unread:
        text += f"; files no table reads: {', '.join(unread)}"
        if default:
            text += (
                ": an ERP export of another name and columns loads when a load.toml lists it "
                "under [order_lines] files, with its columns and dialect (README, ERP exports: "
                "load.toml), passed with --config"
            )
    return text


def _read_order_lines(path: Path, config: LoadConfig) -> RawFile:
    """Read an order lines file with the config's dialect and column names.

    Without a `line` column, lines are numbered 1, 2, ... within each order_id in file order.
    """
    columns = {c: config.source_column(c) for c in ORDER_LINE_COLUMNS}
    extra = {CANCELLED: config.cancelled_column, CREDIT: config.credit_column}
    extra = {ours: theirs for ours, theirs in extra.items() if theirs}
    columns |= extra
    required = _required(ORDER_LINES) | set(extra)
    numbered = "line" not in config.columns
    raw = read_file(
        path,
        columns,
        required - {"line"} if numbered else required,
        delimiter=config.delimiter,
        encoding=config.encoding,
    )
    frame = raw.frame
    if numbered and frame["line"].isna().all():
        order = frame["order_id"].map(lambda v: (v or "").strip())
        frame["line"] = (order.groupby(order).cumcount() + 1).astype(str)
        return replace(raw, numbered=True)
    return raw


def _last_master_load(
    con: duckdb.DuckDBPyConnection, table: str
) -> tuple[str | None, str | None, str | None]:
    row = con.execute(
        "SELECT file, sha256, context_sha256 FROM loads WHERE table_name = ? "
        "ORDER BY loaded_at DESC LIMIT 1",
        [table],
    ).fetchone()
    return (row[0], row[1], row[2]) if row else ("never loaded", None, None)


def _lines_unchanged(
    con: duckdb.DuckDBPyConnection, file: str, sha: str, context_sha: str, as_of: date
) -> bool:
    """Same bytes, same items file and config, no future-dated rows that as_of now admits, and
    no loaded line dated after as_of: a rerun of an earlier night skipped a later night's
    daily file, whose lines then stayed loaded and went uncounted in the quarantine's 'dated
    after as_of' (the rerun of 2026-12-02 said 1 where 6 lines were)."""
    row = con.execute(
        "SELECT load_id, sha256, context_sha256, as_of FROM loads "
        "WHERE table_name = 'order_lines' AND file = ? ORDER BY loaded_at DESC LIMIT 1",
        [file],
    ).fetchone()
    if row is None or row[1] != sha or row[2] != context_sha:
        return False
    if row[3] == as_of:
        return True
    return _after_as_of(con, row[0]) == 0 and _loaded_after(con, file, as_of) == 0


def _loaded_after(con: duckdb.DuckDBPyConnection, file: str, as_of: date) -> int:
    """Order lines of `file` in the warehouse (counting or overridden) dated after `as_of`:
    loaded on a later night, they go to quarantine when an earlier night reloads the file."""
    (later,) = con.execute(
        "SELECT (SELECT count(*) FROM order_lines WHERE file = $1 AND order_date > $2) "
        "+ (SELECT count(*) FROM order_lines_overridden WHERE file = $1 AND order_date > $2)",
        [file, as_of],
    ).fetchone()
    return int(later)


def _after_as_of(con: duckdb.DuckDBPyConnection, load_id: str) -> int:
    """Rows of a load quarantined because their order_date is after its as_of
    (validate.check's reason "order_date ... is after as_of ...")."""
    (future,) = con.execute(
        "SELECT count(*) FROM quarantine WHERE load_id = ? AND reason LIKE '% is after as_of %'",
        [load_id],
    ).fetchone()
    return int(future)


def _report(
    con: duckdb.DuckDBPyConnection,
    masters: dict[str, Path | None],
    line_paths: list[Path],
    load_ids: list[str],
) -> LoadReport:
    files = [(t, p.name) for t, p in masters.items() if p is not None]
    files += [(ORDER_LINES.name, p.name) for p in line_paths]
    fresh = set(load_ids)
    entries = []
    for table, name in files:
        row = con.execute(
            "SELECT load_id, rows_read, rows_loaded, rows_quarantined, rows_excluded FROM loads "
            "WHERE table_name = ? AND file = ? ORDER BY loaded_at DESC LIMIT 1",
            [table, name],
        ).fetchone()
        after = _after_as_of(con, row[0]) if table == ORDER_LINES.name else 0
        entries.append(FileLoad(table, name, *row[1:], row[0] not in fresh, after))
    return LoadReport(tuple(entries), tuple(load_ids))
