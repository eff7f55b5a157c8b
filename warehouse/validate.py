"""Validation rules: turn a file's raw text rows into typed valid rows plus quarantine problems.

Every rule yields problems as rows (`_row`, column_name, value, reason) with a reason a planner
can act on; a row with any problem is not loaded. Pure pandas: no database access here.
"""

from __future__ import annotations

import fnmatch
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from warehouse.read import CANCELLED, CREDIT, ROW
from warehouse.tables import (
    ITEMS,
    OPEN_ORDERS,
    ORDER_LINES,
    PRICE_BREAKS,
    REQUIREMENTS,
    SUPPLIER_ITEMS,
    SUPPLIER_TIERS,
    SUPPLIERS,
    Column,
    Table,
)

PROBLEM_COLUMNS = [ROW, "column_name", "value", "reason"]
_NUMBER = {
    ".": r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?",
    ",": r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?",
}
# thousands grouped with '.' as German Excel writes them ('1.000', '12.500', '1.000.000'):
# under decimal '.' one group reads as a fraction of it (1, 12.5) and more are no number; a
# group never follows a leading 0 ('0.500' is half a unit)
THOUSANDS = re.compile(r"[1-9]\d{0,2}(\.\d{3})+")
# thousands grouped with ',' as an English locale writes them ('1,250', '1,090.35'): no number
# under either decimal setting ('1,250' alone may also be a decimal comma: 1.25)
COMMA_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?")
ISO_DATE = "%Y-%m-%d"
ISO_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")  # what ISO_DATE writes; the only ISO a fallback reads
# dates an export writes in another shape than the configured date_format ('07.06.2024',
# '2024-06-07T00:00:00'), with the format that reads them: a quarantined one names the setting
_DATE_SHAPES = (
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}"), "%d.%m.%Y"),
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{2}"), "%d.%m.%y"),
    (re.compile(r"\d{4}/\d{1,2}/\d{1,2}"), "%Y/%m/%d"),
    (re.compile(r"\d{8}"), "%Y%m%d"),
)
_SLASHED = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")  # day or month first: '13/03/2024' says which
_TIMED = re.compile(r"(\d{4}-\d{2}-\d{2})([T ])\d{2}:\d{2}(:\d{2})?(\.\d{1,6})?")
MAX_DIGITS = 15
MAX_WHOLE = 10**MAX_DIGITS - 1  # whole numbers are stored as BIGINT and counted exactly
SUPPLIER_ITEM = ("supplier_id", "sku")  # the key of a supplier_items row in Context.rejected
HISTORY_YEARS = 50  # an order_date or end_of_life further back than this before as_of is a typo
# an open order due further ahead than this after as_of is an ERP's placeholder for "no date"
# (9999-12-31) or a typo: it never counted in the plan, so the item was ordered again silently
DUE_YEARS = 10
# what spreadsheets and database exports write for "no value" (compared case-insensitively):
# empty in an optional column, missing in a required one
EMPTY_MARKERS = frozenset({"n/a", "na", "null", "none", "nan", "-", "--", "\u2013", "\u2014"})
# spreadsheet error values: a formula broke in the export, so the row is quarantined
# how a duplicate key's reason begins, and how it ends when the row repeats the first one
# exactly (a doubled export line: harmless); `warehouse.planning` matches on both
DUPLICATE_KEY = "duplicate key "
SAME_VALUES = ", same values)"
NO_PRICE_BREAK = "has no valid price break"  # how a supplier item left without tiers ends
# tables whose first row of a key does not load when a later row of the key disagrees: which
# terms are right is not known, so the supplier's offers (the offer, the price tier, the
# discount tier) are left out with the reason, as an item's are when its items or stock rows
# disagree (`warehouse.planning`)
_NO_FIRST_WINS = (SUPPLIERS, SUPPLIER_ITEMS, PRICE_BREAKS, SUPPLIER_TIERS)
SHEET_ERRORS = frozenset(
    {"#n/a", "#ref!", "#value!", "#div/0!", "#name?", "#num!", "#null!", "#spill!", "#calc!"}
    | {"#getting_data", "#field!", "#blocked!"}
)


@dataclass(frozen=True)
class Context:
    """What a table's rules need to know: how values are written and what is already loaded."""

    as_of: date
    decimal: str = "."
    date_format: str = ISO_DATE
    skus: frozenset[str] = frozenset()
    suppliers: frozenset[str] = frozenset()
    supplier_items: frozenset[tuple[str, str]] = frozenset()
    typed: frozenset[str] = frozenset()
    cancelled_values: tuple[str, ...] = ()
    credit_values: tuple[str, ...] = ()
    exclude_skus: tuple[str, ...] = ()
    drop_returns: bool = False
    section: str | None = None  # the load.toml section whose `decimal` a hint names
    # key (sku, supplier_id or a (supplier_id, sku) pair) -> where its row in this load's
    # master file was quarantined: (column(s), key, "items.csv row 3: reason")
    rejected: tuple[tuple[str | tuple[str, ...], str | tuple[str, ...], str], ...] = ()
    # (sku, end_of_life) of the loaded items that have one: a requirement due after it
    end_of_life: tuple[tuple[str, date], ...] = ()


@dataclass(frozen=True)
class Checked:
    """Typed rows to load, problems to quarantine, and how many rows were excluded on purpose."""

    valid: pd.DataFrame
    problems: pd.DataFrame
    excluded: int = 0
    # order lines: (order_id, line) of the rows excluded on purpose (a cancelled line, a
    # non-product sku, an ignored credit): the file's latest word on that line
    excluded_keys: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"order_id": [], "line": []})
    )
    quarantined_rows: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "quarantined_rows", int(self.problems[ROW].nunique()))


def problems_frame(rows: list[tuple[int, str | None, str | None, str]]) -> pd.DataFrame:
    """Problems as a frame with PROBLEM_COLUMNS (empty frame if there are none)."""
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS).astype({ROW: "int64"})


def check(table: Table, raw: pd.DataFrame, context: Context) -> Checked:
    """Apply every rule of `table` to `raw` (text values with `_row`), in this order:
    exclusions, parsing and row rules, references, duplicate keys, rising price breaks."""
    dropped = raw.iloc[:0]
    if table is ORDER_LINES:
        kept = exclude(raw, context)
        raw, dropped = raw[kept], raw[~kept]
    excluded = len(dropped)
    typed, found = parse(table, raw, context)
    if table is ORDER_LINES:
        typed = credited(typed, raw, context)
    found += row_rules(table, typed, raw, context)
    bad = {r[0] for r in found}
    # a master row in quarantine for a bad value still holds its key: a second row of the key
    # that loads alone would be planned as if it were right (which row is, is not known)
    keyed = typed[typed[list(table.key)].notna().all(axis=1)]
    typed = typed[~typed[ROW].isin(bad)]
    gone = [parse(table, dropped, context)[0]]  # order lines excluded on purpose
    if table is ORDER_LINES:
        if context.drop_returns:
            returns = typed["quantity"] < 0
            excluded += int(returns.sum())
            gone.append(typed[returns])
            typed = typed[~returns]
        keyed = typed
    found += duplicate_keys(keyed, raw, table.key, first_too=table in _NO_FIRST_WINS)
    if table is PRICE_BREAKS:
        found += rising_prices(typed[~typed[ROW].isin({r[0] for r in found})], raw)
    if table is SUPPLIER_TIERS:
        found += tier_rules(typed[~typed[ROW].isin({r[0] for r in found})], raw)
    problems = problems_frame(found)
    valid = typed[~typed[ROW].isin(set(problems[ROW]))].reset_index(drop=True)
    if table is not ORDER_LINES:
        return Checked(valid, problems, excluded)
    return Checked(valid, problems, excluded, _keys(pd.concat(gone, ignore_index=True)))


def _keys(typed: pd.DataFrame) -> pd.DataFrame:
    """Distinct (order_id, line) of typed order lines whose key parsed."""
    ok = typed["order_id"].notna() & typed["line"].notna()
    return typed.loc[ok, ["order_id", "line"]].drop_duplicates(ignore_index=True)


def credits(raw: pd.DataFrame, values: tuple[str, ...]) -> pd.Series:
    """True for the order lines whose `credit_column` (CREDIT) holds one of `values` (case and
    surrounding spaces aside)."""
    if CREDIT not in raw or not values:
        return pd.Series(False, index=raw.index)
    wanted = {v.strip().casefold() for v in values}
    return raw[CREDIT].map(lambda v: (v or "").strip().casefold() in wanted).astype(bool)


def credited(typed: pd.DataFrame, raw: pd.DataFrame, context: Context) -> pd.DataFrame:
    """Typed order lines with the quantity of each credit (`credits`) negative: an ERP that
    tells a credit note by its document type writes its quantity positive, and it must net
    out (or be dropped by returns = "ignore") as a negative line does."""
    credit = credits(raw, context.credit_values)
    if not credit.any():
        return typed
    quantity = typed["quantity"]
    return typed.assign(quantity=quantity.where(~credit, -quantity.abs()))


def exclude(raw: pd.DataFrame, context: Context) -> pd.Series:
    """Rows to keep: not lines of cancelled invoices or of non-product skus (freight,
    packaging, service)."""
    keep = pd.Series(True, index=raw.index)
    if CANCELLED in raw and context.cancelled_values:
        wanted = {v.strip().casefold() for v in context.cancelled_values}
        status = raw[CANCELLED].map(lambda v: (v or "").strip().casefold())
        keep &= ~status.isin(wanted)
    if context.exclude_skus:
        patterns = [p.casefold() for p in context.exclude_skus]
        skus = raw["sku"].map(lambda v: (v or "").strip().casefold())
        keep &= ~skus.map(lambda s: any(fnmatch.fnmatchcase(s, p) for p in patterns))
    return keep


def parse(table: Table, raw: pd.DataFrame, context: Context) -> tuple[pd.DataFrame, list]:
    """Typed values per column (NaN/None where empty or bad) and the parse problems."""
    typed = pd.DataFrame({ROW: raw[ROW].to_numpy()}, index=raw.index)
    found: list[tuple[int, str | None, str | None, str]] = []
    for column in table.columns:
        values = raw[column.name]
        text = values.map(lambda v: v.strip() if isinstance(v, str) else None)
        marker, broken = _among(text, EMPTY_MARKERS), _among(text, SHEET_ERRORS)
        text = text.where(~marker & ~broken, None)
        parsed, reason = _parse_column(column, text, context)
        empty = text.isna() & ~marker & ~broken
        if column.required:
            found += _rows(raw, empty, column.name, lambda _v, c=column: f"{c.name} is missing")
            found += _rows(
                raw, marker, column.name, lambda v, c=column: f"{c.name} is missing ({v.strip()!r})"
            )
        found += _rows(
            raw,
            broken,
            column.name,
            lambda v, c=column: (
                f"{c.name} {v.strip()!r} is a spreadsheet error value (a formula broke in "
                "the export)"
            ),
        )
        failed = text.notna() & parsed.isna()
        found += _rows(raw, failed, column.name, reason)
        empty |= marker
        if column.default is not None:
            parsed = parsed.where(~empty, column.default)
        typed[column.name] = parsed
    return typed, found


def _among(text: pd.Series, words: frozenset[str]) -> pd.Series:
    """True where the text, case folded, is one of `words` (short ones): a folded copy of
    every value (2.7 million order ids) raised the check's peak by about 60 MB."""
    longest = max(map(len, words))  # folding never shortens a text
    return text.map(
        lambda v: isinstance(v, str) and len(v) <= longest and v.casefold() in words
    ).astype(bool)


def _parse_column(column: Column, text: pd.Series, context: Context):
    name = column.name
    typed = name in context.typed
    if column.kind == "text":
        if column.allowed:
            text = canonical(column, text)
        return text.astype(object), lambda v: f"{name} {v!r} cannot be read"
    if column.kind == "date":
        formats = _date_formats(context.date_format, typed)
        parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
        for fmt in formats:  # a later format reads only the values no earlier one read
            todo = text if fmt == formats[0] else _fallback(text[parsed.isna()].dropna(), fmt)
            if len(todo):
                parsed = parsed.fillna(pd.to_datetime(todo, format=fmt, errors="coerce"))
        shown = " or ".join(formats)
        parsed = parsed.where(parsed.dt.year >= 1)  # year 0 parses, but no Python date holds it
        # astype(object): a column without a single valid date would stay datetime64 (NaT)
        return parsed.dt.date.astype(object).where(parsed.notna(), None), (
            lambda v: f"{name} {v!r} {_no_date(str(v), formats, shown, context.section)}"
        )
    decimal = "." if typed else context.decimal
    numbers = _numbers(text, decimal)
    if column.kind == "integer":
        whole = numbers.where((np.floor(numbers) == numbers) & (numbers.abs() <= MAX_WHOLE))
        point = decimal == "."
        hint = column.units and point  # '12.500' units under '.': 12.5, not whole
        return (
            whole,
            lambda v: (
                f"{name} {v!r} is not a whole number (at most {MAX_DIGITS} digits)"
                + (f"; {thousands_hint(context.section, v)}" if hint and grouped(v) else "")
                + (f"; {_comma_groups(v, context.section)}" if point and commas(v) else "")
            ),
        )
    percent = column.fraction

    def reason(v: str) -> str:
        if percent and (fraction := _as_fraction(v, decimal)) is not None:
            return (
                f"{name} {v!r} is not a number: write the rate as a fraction ({fraction} for {v})"
            )
        return f"{name} {v!r} is not a number ({_separator(v, decimal, context)})"

    return numbers, reason


def _as_fraction(value: str, decimal: str) -> str | None:
    """A percentage ('25%', '12,5 %') as the fraction it means, written with `decimal`
    ('0,25'); None for a value that is not a number followed by a % sign."""
    number = value.strip().removesuffix("%")
    if number == value.strip():
        return None
    parsed = _numbers(pd.Series([number.strip()]), decimal).iloc[0]
    if pd.isna(parsed):
        return None
    return f"{parsed / 100:.10g}".replace(".", decimal)


def grouped(value: object) -> bool:
    """True for a value written as thousands grouped with '.' (`THOUSANDS`)."""
    return isinstance(value, str) and THOUSANDS.fullmatch(value.strip()) is not None


def commas(value: object) -> bool:
    """True for a value written as thousands grouped with ',' (`COMMA_THOUSANDS`)."""
    return isinstance(value, str) and COMMA_THOUSANDS.fullmatch(value.strip()) is not None


def thousands_hint(section: str | None, units: str | None = None) -> str:
    """How to read thousands grouped with '.' (`THOUSANDS`) in the files of a load.toml
    `section`; `units`: a value so written, to say how many units it would be ('12.500')."""
    many = f" ({units.strip().replace('.', '')} units)" if units else ""
    return f"if '.' groups thousands in this file{many}, set decimal = \",\"{_where(section)}"


def _where(section: str | None) -> str:
    return f" under [{section}] in load.toml" if section else ""


def _separator(value: str, decimal: str, context: Context) -> str:
    """The decimal separator read, and how to read `value` when it has a decimal comma or
    thousands grouped with '.' ('1.000.000', which is no number under '.')."""
    said = f"decimal separator {decimal!r}"
    if decimal != ".":
        return said
    if grouped(value):
        return f"{said}; {thousands_hint(context.section)}"
    if commas(value):
        return f"{said}; {_comma_groups(value, context.section)}"
    if "," not in value or not re.fullmatch(_NUMBER[","], value.strip()):
        return said
    return f'{said}; for decimal commas set decimal = ","{_where(context.section)}'


def _comma_groups(value: str, section: str | None) -> str:
    """How to read `value`, thousands grouped with ',' (`COMMA_THOUSANDS`): no setting reads
    them; one group without a decimal point ('1,250') may be a decimal comma instead."""
    value = value.strip()
    grouped_as = value.replace(",", "")
    export = "export the numbers without it (no setting reads it)"
    if value.count(",") > 1 or "." in value:
        return f"',' groups thousands ({grouped_as}): {export}"
    comma = f"{float(value.replace(',', '.')):g}"
    return (
        f"if ',' groups thousands ({grouped_as}), {export}; if it is a decimal comma "
        f'({comma}), set decimal = ","{_where(section)}'
    )


def canonical(column: Column, text: pd.Series) -> pd.Series:
    """Values of an enumerated column (`Column.allowed`, text without surrounding spaces)
    written in another case ('Series', 'ALL_UNITS') as the allowed value; other values as they
    are (the allowed-values rule quarantines them). `load_notes.recased` counts them."""
    lookup = {value.casefold(): value for value in column.allowed}
    return text.map(lambda v: lookup.get(v.casefold(), v) if isinstance(v, str) else v)


def _date_formats(date_format: str, typed: bool) -> tuple[str, ...]:
    """The formats a date column is read in, in order: a typed (Parquet) column's ISO dates,
    or `date_format`, then ISO dates exactly as YYYY-MM-DD (`ISO_SHAPE`: no other format writes
    them, so a file in dd.mm.yyyy may hold some, from another export or typed in by hand),
    unless `date_format` writes dates of that shape itself ("%Y-%d-%m"): its own reading
    decides what they mean."""
    if typed:
        return tuple(dict.fromkeys((ISO_DATE, date_format)))
    try:
        shaped = ISO_SHAPE.fullmatch(date(2001, 2, 3).strftime(date_format)) is not None
    except ValueError:  # a directive strftime does not know: nothing like ISO
        shaped = False
    return (date_format,) if shaped else (date_format, ISO_DATE)


def _fallback(text: pd.Series, fmt: str) -> pd.Series:
    """The values of `text` a later format `fmt` may read (`_fallback_reads`)."""
    return text[text.map(lambda v: _fallback_reads(fmt, v))]


def _fallback_reads(fmt: str, value: str) -> bool:
    """Whether a format after the configured one may read `value`: the ISO fallback reads only
    YYYY-MM-DD as ISO writes it ('2024-3-5' reads under "%Y-%m-%d" too, but may be a typo of
    another format)."""
    return fmt != ISO_DATE or ISO_SHAPE.fullmatch(str(value).strip()) is not None


def _no_date(value: str, formats: tuple[str, ...], shown: str, section: str | None) -> str:
    """Why `value` is no date: written in a format but past the end of its month
    ('2026-11-31'), or not in the format (and which date_format of load.toml `section`
    reads it, for a common shape: `_date_hint`)."""
    for fmt in formats:
        if fmt != formats[0] and not _fallback_reads(fmt, value):
            continue
        try:
            datetime.strptime(value.strip(), fmt)
        except ValueError as error:
            if "day is out of range for month" in str(error):
                return f"is past the end of its month (format {shown})"
    return f"is not a date in the format {shown}{_date_hint(value.strip(), formats, section)}"


def _date_hint(value: str, formats: tuple[str, ...], section: str | None) -> str:
    """' (for dates written so, set date_format = ...)' when `value` has a common shape
    (`_DATE_SHAPES`, a date with a time of day, dd/mm/yyyy or mm/dd/yyyy) that a date_format
    other than `formats` reads; '' when none does."""
    fits = [fmt for shape, fmt in _DATE_SHAPES if shape.fullmatch(value)]
    if timed := _TIMED.fullmatch(value):
        seconds, fraction = timed.group(3), timed.group(4)
        fits.append(f"%Y-%m-%d{timed.group(2)}%H:%M" + (":%S" if seconds else "")
                    + (".%f" if fraction else ""))  # fmt: skip
    if _SLASHED.fullmatch(value):
        fits += ["%d/%m/%Y", "%m/%d/%Y"]
    fits = [fmt for fmt in fits if fmt not in formats and _reads(fmt, value)]
    if not fits:
        return ""
    other = f', or "{fits[1]}" if the month comes first' if len(fits) > 1 else ""
    return f' (for dates written so, set date_format = "{fits[0]}"{_where(section)}{other})'


def _reads(fmt: str, value: str) -> bool:
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def _numbers(text: pd.Series, decimal: str) -> pd.Series:
    valid = text.fillna("").str.fullmatch(_NUMBER[decimal])
    cleaned = text.where(valid)
    if decimal == ",":
        cleaned = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    return numbers.where(np.isfinite(numbers))  # "1e999" reads as infinity: not a number


def row_rules(table: Table, typed: pd.DataFrame, raw: pd.DataFrame, context: Context) -> list:
    """Bounds, allowed values, references and table-specific rules on parsed values."""
    found: list = []
    for column in table.columns:
        values = typed[column.name]
        if column.allowed:
            bad = values.notna() & ~values.isin(column.allowed)
            allowed = ", ".join(column.allowed)
            found += _rows(
                raw,
                bad,
                column.name,
                lambda v, n=column.name, a=allowed: f"{n} {v!r} is not one of {a}",
            )
        found += _bounds(column, values, raw)
    found += _references(table, typed, raw, context)
    oldest = context.as_of - timedelta(days=round(365.25 * HISTORY_YEARS))
    if table is ITEMS:  # 1850-01-01 zeroed the forecast of an item still selling, silently
        found += _too_old(raw, typed, "end_of_life", oldest, context.as_of)
    if table is OPEN_ORDERS:
        found += _too_far(raw, typed, context.as_of, "order is expected")
    if table is REQUIREMENTS:
        found += _too_far(raw, typed, context.as_of, "units are needed")
        found += _after_end_of_life(raw, typed, dict(context.end_of_life))
    if table is ORDER_LINES:
        future = typed["order_date"].map(lambda d: d is not None and d > context.as_of)
        read = dict(zip(raw["order_date"][future], typed["order_date"][future], strict=True))
        found += _rows(
            raw,
            future,
            "order_date",
            lambda v: (
                f"order_date {_as_read(v, read[v], context)} is after as_of "
                f"{context.as_of.isoformat()}"
            ),
        )
        found += _rows(raw, typed["quantity"] == 0, "quantity", lambda v: "quantity is 0")
        found += _too_old(raw, typed, "order_date", oldest, context.as_of)
    return found


def _as_read(value: str, read: date, context: Context) -> str:
    """A date as written, and as read where that is not the same ISO date: '03/12/2026 (read
    as 2026-03-12 under date_format %m/%d/%Y)' shows a file in another order than configured."""
    if value.strip() == read.isoformat():
        return value
    return f"{value} (read as {read.isoformat()} under date_format {context.date_format})"


def _too_old(raw: pd.DataFrame, typed: pd.DataFrame, column: str, oldest: date, as_of: date):
    """Rows whose date in `column` is before `oldest` (HISTORY_YEARS before as_of): a typo."""
    ancient = typed[column].map(lambda d: d is not None and d < oldest)
    return _rows(
        raw,
        ancient,
        column,
        lambda v: (
            f"{column} {v.strip()} is more than {HISTORY_YEARS} years before as_of "
            f"{as_of.isoformat()}"
        ),
    )


def _too_far(raw: pd.DataFrame, typed: pd.DataFrame, as_of: date, expected: str) -> list:
    """Open orders (requirements) due more than DUE_YEARS after as_of: a placeholder date or a
    typo; `expected`: what the date should say ('order is expected')."""
    latest = as_of + timedelta(days=round(365.25 * DUE_YEARS))
    far = typed["due_date"].map(lambda d: d is not None and d > latest)
    return _rows(
        raw,
        far,
        "due_date",
        lambda v: (
            f"due_date {v.strip()} is more than {DUE_YEARS} years after as_of "
            f"{as_of.isoformat()} (an ERP's placeholder for no date?); write the date the "
            f"{expected}"
        ),
    )


def _after_end_of_life(raw: pd.DataFrame, typed: pd.DataFrame, ends: dict[str, date]) -> list:
    """Requirements due after their item's end_of_life (`ends`: sku -> end_of_life): no lot
    is planned to arrive after it, so the plan could not cover them."""
    found = []
    for index, sku, due in zip(typed.index, typed["sku"], typed["due_date"], strict=True):
        end = ends.get(sku)
        if due is None or end is None or due <= end:
            continue
        value = raw.at[index, "due_date"]
        found.append((int(raw.at[index, ROW]), "due_date", value,
                      f"due_date {value.strip()} is after the item's end_of_life "
                      f"{end.isoformat()} (items): the plan buys nothing that arrives after "
                      "it; fix the date or the item's end_of_life"))  # fmt: skip
    return found


def _bounds(column: Column, values: pd.Series, raw: pd.DataFrame) -> list:
    if column.kind not in ("number", "integer"):
        return []
    name = column.name
    found: list = []
    if column.magnitude is not None:
        limit = column.magnitude
        # a column that cannot be negative says its bound without a sign
        sign = "" if column.low is not None or column.above is not None else "±"
        found += _rows(
            raw,
            values.abs() > limit,
            name,
            lambda v: (
                f"{name} {v} is beyond "
                + (column.beyond or f"{sign}{limit:,.0f}: a typo (an EAN, a date?), not units")
            ),
        )
        values = values.where(values.abs() <= limit)  # one reason per value
    if column.above is not None:
        return found + _rows(
            raw,
            values <= column.above,
            name,
            lambda v: f"{name} {v} must be greater than {column.above:g}",
        )
    if column.low is not None and column.high is not None:
        outside = (values < column.low) | (values > column.high)
        found += _rows(
            raw,
            outside,
            name,
            lambda v: f"{name} {v} must be between {column.low:g} and {column.high:g}",
        )
    elif column.low is not None:
        found += _rows(
            raw, values < column.low, name, lambda v: f"{name} {v} must be at least {column.low:g}"
        )
    return found


def _references(table: Table, typed: pd.DataFrame, raw: pd.DataFrame, context: Context) -> list:
    found: list = []
    names = table.names
    if "sku" in names and table.name != "items":
        unknown = typed["sku"].notna() & ~typed["sku"].isin(context.skus)
        found += _rows(raw, unknown, "sku", _unknown(context, "sku", "items"))
    if "supplier_id" in names and table.name != "suppliers":
        unknown = typed["supplier_id"].notna() & ~typed["supplier_id"].isin(context.suppliers)
        found += _rows(raw, unknown, "supplier_id", _unknown(context, "supplier_id", "suppliers"))
    if table is PRICE_BREAKS:
        known = typed["sku"].isin(context.skus) & typed["supplier_id"].isin(context.suppliers)
        pairs = list(zip(typed["supplier_id"], typed["sku"], strict=True))
        listed = pd.Series([p in context.supplier_items for p in pairs], index=typed.index)
        rejected = _rejected(context, SUPPLIER_ITEM)
        for index in typed.index[known & ~listed]:
            supplier, sku = typed.at[index, "supplier_id"], typed.at[index, "sku"]
            pair = f"supplier_id {supplier!r} × sku {sku!r}"
            where = rejected.get((supplier, sku))
            if where is not None:
                reason = f"{pair} is quarantined in supplier_items ({where})"
            else:
                reason = f"{pair} is not in supplier_items"
            found.append((int(raw.at[index, ROW]), "sku", sku, reason))
    return found


def _rejected(context: Context, column: str | tuple[str, ...]) -> dict:
    """key -> "<file> row N: reason" of the keys of `column` in Context.rejected."""
    return {key: where for col, key, where in context.rejected if col == column}


def _unknown(context: Context, column: str, master: str):
    """Reason for a reference to a key missing from `master`: the quarantined row of that
    master file when the key is there but its row was quarantined (e.g. a bad optional
    value), so the cause is named rather than "not in items"."""
    rejected = _rejected(context, column)
    known = context.skus if column == "sku" else context.suppliers
    folded: dict[str, str] = {}

    def reason(value: str) -> str:
        where = rejected.get(value)
        if where is not None:
            return f"{column} {value!r} is quarantined in {master} ({where})"
        if not folded:
            folded.update((k.casefold(), k) for k in sorted(known, reverse=True))
        near = folded.get(str(value).casefold())
        hint = f", which has {near!r}" if near else ""
        return f"unknown {column} {value!r} (not in {master}{hint})"

    return reason


def rejected_keys(
    checked: Checked, raw: pd.DataFrame, name: str, column: str | tuple[str, ...]
) -> list:
    """(column, key, "<file> row N: reason") for the keys of a master file's quarantined rows
    that no valid row of the file holds (Context.rejected). A tuple of columns (a supplier
    item's supplier_id and sku) gives keys that are tuples of their values."""
    columns = [column] if isinstance(column, str) else list(column)
    if any(c not in raw for c in columns) or checked.problems.empty:
        return []
    keys = raw.set_index(ROW)[columns].apply(tuple, axis=1)
    valid = set()
    if all(c in checked.valid for c in columns):
        valid = set(checked.valid[columns].itertuples(index=False, name=None))
    out = {}
    problems = checked.problems.sort_values(ROW)
    for row, why in zip(problems[ROW], problems["reason"], strict=True):
        values = keys.get(row)
        if values is None or not all(isinstance(v, str) and v for v in values):
            continue
        key = values[0] if isinstance(column, str) else values
        if values not in valid and key not in out:
            out[key] = f"{name} row {row}: {why}"
    return [(column, key, where) for key, where in out.items()]


def duplicate_keys(
    typed: pd.DataFrame, raw: pd.DataFrame, key: tuple[str, ...], first_too: bool = False
) -> list:
    """Second and later rows with a key seen before in the same file (the first one loads);
    the reason ends in `SAME_VALUES` when the row repeats the first one (a doubled export
    line), so that only rows that disagree make an item unknown (`warehouse.planning`).
    `first_too`: the first row of a key goes to quarantine too when a later row disagrees
    with it (suppliers, supplier_items: planned on the first row's terms, as if they were
    right, the offers of that supplier were not even named)."""
    firsts = typed.drop_duplicates(list(key))
    first = pd.Series(firsts.index, index=firsts.set_index(list(key)).index)
    columns = [c for c in typed.columns if c != ROW]
    found = []
    disputed: set = set()  # first rows quarantined because a later row disagrees
    for index in typed.index[typed.duplicated(list(key))]:
        values = tuple(typed.at[index, k] for k in key)
        shown = ", ".join(f"{k}={raw.at[index, k]!r}" for k in key)
        lookup = values if len(key) > 1 else values[0]
        earlier = first.loc[lookup]
        same = typed.loc[index, columns].equals(typed.loc[earlier, columns])
        reason = f"{DUPLICATE_KEY}{shown} (first at row {int(typed.at[earlier, ROW])}"
        reason += SAME_VALUES if same else ")"
        found.append((int(typed.at[index, ROW]), ",".join(key), shown, reason))
        if first_too and not same and earlier not in disputed:
            disputed.add(earlier)
            named = ", ".join(f"{k}={raw.at[earlier, k]!r}" for k in key)
            found.append(
                (
                    int(typed.at[earlier, ROW]),
                    ",".join(key),
                    named,
                    f"{DUPLICATE_KEY}{named} (row {int(typed.at[index, ROW])} has other values: "
                    "which row is right is not known)",
                )
            )
    return found


def rising_prices(typed: pd.DataFrame, raw: pd.DataFrame) -> list:
    """Price breaks whose unit price rises with min_qty against the other tiers of the offer.

    Within one supplier × sku sorted by min_qty, the longest run of rows whose price does not
    rise loads (`falling_run`) and the rows off it are quarantined: the fewest rows. Which of
    two contradicting rows is wrong is not known, so the reason names the rows kept against
    it: a row above the kept row before it names that row (it prices the offer there now); a
    row below kept rows after it (0.059 typed for 0.59 at min_qty 1, then 0.55 at 50 and 0.50
    at 100) names those.
    """
    found = []
    ordered = typed.sort_values(["supplier_id", "sku", "min_qty"])
    for _, group in ordered.groupby(["supplier_id", "sku"], sort=False):
        kept = falling_run(group["unit_price"].tolist())
        for at in sorted(set(range(len(group))) - set(kept)):
            index = group.index[at]
            reason = _rising_reason(group, raw, at, kept)
            found.append(
                (int(group.at[index, ROW]), "unit_price", raw.at[index, "unit_price"], reason)
            )
    return found


def falling_run(prices: list[float]) -> list[int]:
    """Positions of the longest run of `prices` (in min_qty order) that never rises; of runs
    as long, the one holding most rows that the rule "above the lowest price before it"
    keeps, so that where that rule keeps a longest run (one later row rising) it is kept."""
    greedy, lowest = [], math.inf
    for price in prices:
        greedy.append(price <= lowest)
        lowest = min(lowest, price)
    # best[i]: (length, greedy rows) of the best run ending at i, and the row before i in it
    best: list[tuple[tuple[int, int], int | None]] = []
    for i, price in enumerate(prices):
        score, before = (0, 0), None
        for j in range(i):
            if prices[j] >= price and best[j][0] > score:
                score, before = best[j][0], j
        best.append(((score[0] + 1, score[1] + greedy[i]), before))
    run, at = [], max(range(len(prices)), key=lambda i: best[i][0], default=None)
    while at is not None:
        run.append(at)
        at = best[at][1]
    return run[::-1]


def _rising_reason(group: pd.DataFrame, raw: pd.DataFrame, at: int, kept: list[int]) -> str:
    """Why row `at` (a position in `group`, one offer's rows by min_qty) is off the falling
    run `kept`: above the kept row before it, or below the kept rows after it."""
    index = group.index

    def tier(i: int) -> str:
        return f"{raw.at[index[i], 'unit_price']} at min_qty {raw.at[index[i], 'min_qty']}"

    def row(i: int) -> int:
        return int(group.at[index[i], ROW])

    price = group.at[index[at], "unit_price"]
    before = [k for k in kept if k < at]
    if before and group.at[index[before[-1]], "unit_price"] < price:
        kept_row = row(before[-1])
        return (
            f"unit_price {tier(at)} is higher than {tier(before[-1])} (row {kept_row}, which "
            f"prices the offer now: if its price is the typo, fix row {kept_row})"
        )
    # below kept rows after it: two or more (with one, the run through this row is as long,
    # and `falling_run` prefers it)
    above = [k for k in kept if k > at and group.at[index[k], "unit_price"] > price]
    tiers = [tier(k) for k in above]
    listed = f"{', '.join(tiers[:-1])} and {tiers[-1]}" if len(tiers) > 1 else tiers[0]
    rows = ", ".join(str(row(k)) for k in above)
    return (
        f"unit_price {tier(at)} is lower than {listed} (rows {rows}), whose prices fall with the "
        f"quantity: if those are right, fix row {row(at)}"
    )


def tier_rules(typed: pd.DataFrame, raw: pd.DataFrame) -> list:
    """Supplier-wide tiers: discount_rate below 1; within one supplier sorted by min_total,
    one basis (rows with another basis than the first row) and discounts that rise with the
    threshold (a row whose rate is not above every rate before it)."""
    found = _rows(
        raw,
        typed["discount_rate"] >= 1,
        "discount_rate",
        lambda v: f"discount_rate {v} must be less than 1",
    )
    ordered = typed[typed["discount_rate"] < 1].sort_values(["supplier_id", "min_total"])
    for supplier, group in ordered.groupby("supplier_id", sort=False):
        basis, top = group["basis"].iloc[0], None
        for index in group.index:
            rate = group.at[index, "discount_rate"]
            if group.at[index, "basis"] != basis:
                reason = f"basis {raw.at[index, 'basis']!r} differs from {basis!r} of {supplier!r}"
                found.append((int(group.at[index, ROW]), "basis", raw.at[index, "basis"], reason))
            elif top is not None and rate <= top:
                reason = (
                    f"discount_rate {raw.at[index, 'discount_rate']} at min_total "
                    f"{raw.at[index, 'min_total']} does not rise above {top:g}"
                )
                found.append(
                    (
                        int(group.at[index, ROW]),
                        "discount_rate",
                        raw.at[index, "discount_rate"],
                        reason,
                    )
                )
            else:
                top = rate
    return found


def unpriced(supplier_items: pd.DataFrame, price_breaks: pd.DataFrame) -> list:
    """Supplier items left without any valid price break: they cannot be priced."""
    priced = set(zip(price_breaks["supplier_id"], price_breaks["sku"], strict=True))
    rows = zip(
        supplier_items[ROW], supplier_items["supplier_id"], supplier_items["sku"], strict=True
    )
    return [
        (int(row), "sku", sku, f"supplier_id {supplier!r} × sku {sku!r} {NO_PRICE_BREAK}")
        for row, supplier, sku in rows
        if (supplier, sku) not in priced
    ]


def _rows(raw: pd.DataFrame, mask: pd.Series, column: str, reason) -> list:
    """Problem tuples for the rows in `mask`, the reason built from the raw value."""
    mask = mask.fillna(False).astype(bool)
    selected = raw.loc[mask[mask].index]
    return [
        (int(row), column, value, reason(value))
        for row, value in zip(selected[ROW], selected[column], strict=True)
    ]
