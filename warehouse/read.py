"""Read one input file into raw text values, so that a bad value can be quarantined, not fail.

CSV is read with the `csv` module (strict quoting, a row with the wrong number of fields is
reported, not fatal); Parquet with pyarrow, typed values turned into text ('.' decimals, ISO
dates) and their columns listed in `RawFile.typed` so that they are parsed that way.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.encoding import binary, bom_encoding, marked, shown, workbook
from warehouse.encoding import choose as choose_encoding
from warehouse.errors import LoadError

CANCELLED = "_cancelled"
CREDIT = "_credit"  # the document type column of `credit_column` (load.toml)
ROW = "_row"
# the line an export meant for Excel may start with, naming its delimiter ("sep=;"): Excel
# reads it and does not show it, so the header is the line after it
SEP_LINE = re.compile(r'"?sep=([^\r\n"])"?\s*', re.IGNORECASE)


@dataclass(frozen=True)
class RawFile:
    """A file's rows as text (None = empty), renamed to our column names, with `_row`.

    `broken` lists (row, reason) of rows that could not be split into fields; `unused` the
    file's columns that none of ours reads; `numbered`: order lines numbered by the load.
    """

    path: Path
    sha256: str
    frame: pd.DataFrame
    typed: frozenset[str]
    broken: tuple[tuple[int, str], ...]
    unused: tuple[str, ...] = ()
    numbered: bool = False  # order lines without a line column, numbered within each order
    encoding_note: str | None = None  # read in another encoding than configured (why)
    absent: frozenset[str] = frozenset()  # our optional columns the file does not have

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.broken)


def file_sha256(path: Path) -> str:
    """Hex sha256 of the file's bytes: identifies a file already loaded."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_file(
    path: Path,
    columns: dict[str, str],
    required: set[str],
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    section: str = "order_lines",
) -> RawFile:
    """Read `path` (CSV or Parquet) keeping the columns in `columns` (ours -> the file's);
    `section`: the load.toml section whose `encoding` a hint names.

    Raises LoadError if the file cannot be read or lacks a column named in `required`.
    """
    note = None
    try:
        if path.suffix.lower() == ".parquet":
            header, rows, numbers, typed = _read_parquet(path)
            broken: list[tuple[int, str]] = []
        elif _blank(path):  # an ERP job with nothing to export writes 0 bytes: no rows
            header, rows, numbers, broken, typed = list(columns.values()), [], [], [], set()
        else:
            if why := workbook(path):
                raise LoadError(f"{path.name}: cannot be read: {why}")
            encoding, note = choose_encoding(path, encoding, section)
            header, rows, numbers, broken = _read_csv(path, delimiter, encoding)
            typed = set()
        sha = file_sha256(path)
    except UnicodeDecodeError as error:
        where = binary(path) or _bad_text(path, encoding, error, section)
        raise LoadError(f"{path.name}: cannot be read: {where}") from error
    except (OSError, UnicodeError, csv.Error, pa.ArrowException, ValueError) as error:
        raise LoadError(f"{path.name}: cannot be read: {error}") from error
    positions = _positions(path.name, header, columns, required, section)
    frame = pd.DataFrame(
        {
            ours: [_text(row[i]) for row in rows] if i is not None else [None] * len(rows)
            for ours, i in positions.items()
        },
        dtype=object,
    )
    frame[ROW] = numbers
    typed_ours = frozenset(o for o, i in positions.items() if i is not None and header[i] in typed)
    used = set(positions.values())
    unused = tuple(
        c or f"an unnamed column {i + 1}"
        for i, c in enumerate(header)
        if i not in used and (c or any(_text(row[i]) for row in rows if i < len(row)))
    )  # a trailing delimiter makes a nameless, empty column: nothing to note
    absent = frozenset(o for o, i in positions.items() if i is None)
    return RawFile(
        path, sha, frame, typed_ours, tuple(broken), unused, encoding_note=note, absent=absent
    )


def _bad_text(path: Path, encoding: str, error: UnicodeDecodeError, section: str) -> str:
    """Where the first byte that is not `encoding` is: line and byte offset in the file (the
    decoder's own position counts from the start of a read buffer)."""
    mark = bom_encoding(path)
    if mark is not None and mark != "utf-8-sig":  # UTF-16 lines do not split at a b"\n"
        return _bad_wide(path, mark) or str(error)
    offset = 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode(encoding if number == 1 else encoding.replace("-sig", ""))
            except UnicodeDecodeError as bad:
                where = _where(line[bad.start : bad.start + 1], number, offset + bad.start)
                if mark:  # another encoding would read the mark as part of the header
                    return _damaged(where, mark)
                return (
                    f"{where} is not {encoding}; set `encoding` under [{section}] in load.toml "
                    "(e.g. cp1252) and pass it with --config"
                )
            offset += len(line)
    return str(error)


def _bad_wide(path: Path, encoding: str) -> str | None:
    """`_bad_text` of a file in UTF-16 or UTF-32 (`encoding`, from its byte order mark)."""
    data = path.read_bytes()
    try:
        data.decode(encoding)
    except UnicodeDecodeError as bad:
        number = data[: bad.start].decode(encoding, errors="replace").count("\n") + 1
        return _damaged(_where(data[bad.start : bad.start + 1], number, bad.start), encoding)
    return None


def _where(byte: bytes, number: int, offset: int) -> str:
    return f"byte 0x{byte.hex()} on line {number} (byte {offset:,} of the file)"


def _damaged(where: str, encoding: str) -> str:
    name = shown(encoding)
    return (
        f"{where} is not {name}, though the file starts with {name}'s byte order mark: it was "
        f"written as {name} and then damaged (or edited in another encoding); export it again"
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _positions(
    name: str, header: list[str], columns: dict[str, str], required: set[str], section: str
) -> dict[str, int | None]:
    index: dict[str, int] = {}
    for i, column in enumerate(header):
        index.setdefault(column, i)
    duplicated = sorted({c for c in header if header.count(c) > 1 and c in columns.values()})
    if duplicated:
        columns = "column" if len(duplicated) == 1 else "columns"
        appear = "appears" if len(duplicated) == 1 else "appear"
        raise LoadError(f"{name}: {columns} {', '.join(duplicated)} {appear} more than once")
    # a header spelled another way (End_of_Life, "salvage value", OnTimeRate) is the column it
    # spells when no other header spells it too
    loose: dict[str, list[int]] = {}
    for i, column in enumerate(header):
        loose.setdefault(_loose(column), []).append(i)
    for theirs in columns.values():
        near = loose.get(_loose(theirs), [])
        if theirs not in index and len(near) == 1 and header[near[0]] not in columns.values():
            index[theirs] = near[0]
    missing = [
        theirs for ours, theirs in columns.items() if ours in required and theirs not in index
    ]
    if missing:
        found = ", ".join(header) or "nothing"
        hint = (
            "master files have our column names, separated by commas or the delimiter under "
            "[master_files] in load.toml (see README, Data formats)"
            if section == "master_files"
            else "check the delimiter and the column mapping"
        )
        columns = "column" if len(missing) == 1 else "columns"
        raise LoadError(f"{name}: missing {columns} {', '.join(missing)} (found: {found}); {hint}")
    return {ours: index.get(theirs) for ours, theirs in columns.items()}


def _blank(path: Path) -> bool:
    """True for a file of no bytes, or only a byte-order mark and whitespace."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    mark = marked(head)
    return len(head) < 4096 and not (head.decode(mark, errors="replace") if mark else head).strip()


def _loose(column: str) -> str:
    """A column name without case, spaces and punctuation."""
    return "".join(ch for ch in column.lower() if ch.isalnum())


def _read_csv(
    path: Path, delimiter: str, encoding: str
) -> tuple[list[str], list[list[str]], list[int], list[tuple[int, str]]]:
    """Header, rows, their data row numbers and the rows that could not be split. A quoting
    error (a stray quote in one description) does not stop the file: it is read again record
    by record from its lines (`_by_record`), and a line whose quote does not close where a row
    would is a broken row, while the rows after it, quoted line breaks included, still load."""
    sep = _sep_line(path, encoding)
    delimiter = sep or _delimiter(path, delimiter, encoding)
    try:
        with path.open(newline="", encoding=encoding) as handle:
            if sep:
                handle.readline()
            return _split(csv.reader(handle, delimiter=delimiter, strict=True), _numbered)
    except csv.Error:
        with path.open(newline="", encoding=encoding) as handle:
            lines = handle.readlines()[1 if sep else 0 :]
        return _split(lines, lambda rows: _by_record(rows, delimiter))


def _sep_line(path: Path, encoding: str) -> str | None:
    """The delimiter a first line `sep=;` names (`SEP_LINE`), None without one: it names the
    file's own delimiter, whatever load.toml says (as a byte order mark names its encoding)."""
    with path.open(newline="", encoding=encoding) as handle:
        match = SEP_LINE.fullmatch(handle.readline())
    return match.group(1) if match else None


def _delimiter(path: Path, delimiter: str, encoding: str) -> str:
    """`delimiter`, or a tab, else a semicolon, when the header line holds it and not
    `delimiter`: Excel's "Unicode Text" and "Text (Tab delimited)" separate fields with tabs,
    its "CSV" in a German, French or Dutch locale with semicolons, and a header without the
    delimiter is one column, which no table reads."""
    with path.open(newline="", encoding=encoding) as handle:
        header = handle.readline()
    if delimiter in header:
        return delimiter
    return next((d for d in ("\t", ";") if d in header), delimiter)


def _split(
    source: Any, numbered: Any
) -> tuple[list[str], list[list[str]], list[int], list[tuple[int, str]]]:
    rows: list[list[str]] = []
    numbers: list[int] = []
    broken: list[tuple[int, str]] = []
    reader = numbered(source)
    first = next(reader, None)
    if first is None:
        raise ValueError("the file is empty (no header row)")
    if isinstance(first[1], str):
        raise csv.Error(f"line 1: {first[1]} (check the quotes there)")
    header = [c.strip() for c in first[1]]
    # one object per distinct text: a sku or date repeats on thousands of rows, and a string
    # per cell made 2.7 million order lines take 1.9 GB as they were read
    shared: dict[str, str] = {}
    for number, fields in reader:
        if isinstance(fields, str):
            broken.append((number - 1, fields))
            continue
        if not any(f.strip() for f in fields):
            continue  # blank line
        if len(fields) != len(header):
            reason = (
                f"row has {len(fields)} fields, the header has {len(header)} "
                "(check the delimiter and quotes)"
            )
            broken.append((number - 1, reason))
            continue
        rows.append([shared.setdefault(f, f) for f in fields])
        numbers.append(number - 1)
    return header, rows, numbers, broken


class _From:
    """An iterator over `lines` from index `start` on (a csv reader per record, no copies)."""

    def __init__(self, lines: list[str], start: int) -> None:
        self.lines, self.i = lines, start

    def __iter__(self) -> _From:
        return self

    def __next__(self) -> str:
        if self.i >= len(self.lines):
            raise StopIteration
        self.i += 1
        return self.lines[self.i - 1]


def _by_record(lines: list[str], delimiter: str) -> Iterator[tuple[int, list[str] | str]]:
    """(first line number, fields, or why the line cannot be split) per record: a record
    that cannot be read, or runs over several lines and looks like rows inside an unclosed
    quote (`_swallowed`), makes its first line a broken row, and reading goes on at the next
    line. Numbers are line numbers (a quoted line break moves the rows after it by one)."""
    start, width = 0, None
    while start < len(lines):
        source = _From(lines, start)
        reader = csv.reader(source, delimiter=delimiter, strict=True)
        try:
            fields = next(reader, None)
        except csv.Error as error:
            fields, why = None, f"{error} (a stray quote?)"
        else:
            why = "a quote opened on it does not close on it"
        width = len(fields) if width is None and fields is not None else width
        spans = source.i - start > 1
        if fields is not None and not (spans and _swallowed(fields, width, delimiter)):
            yield start + 1, fields
            start = source.i
            continue
        yield start + 1, f"line {start + 1} cannot be split: {why}"
        start += 1


def _swallowed(fields: list[str], width: int | None, delimiter: str) -> bool:
    """A record over several lines is rows inside an unclosed quote if it does not fit the
    header, or its first and last lines (blank ones aside) each hold the delimiters of a
    whole row (width - 1 or more): `A,"Bolt` left open until `C,Pipe 1/2",` two rows down,
    whatever lies between. A quoted address over two lines ('S1,"Supply Ltd, Unit 4,' then
    'Hull, UK",14,...') holds them only across its lines."""
    if width is None:
        return False
    lines = [line for line in delimiter.join(fields).split("\n") if line.strip()]
    return len(fields) != width or all(
        line.count(delimiter) >= width - 1 for line in (lines[0], lines[-1])
    )


def _numbered(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(record number, header = 1, fields) of a csv reader. A quoting error stops it, and so
    does a record over several lines that looks like rows inside an unclosed quote
    (`_swallowed`): the rows would be lost, or the record would load with the last swallowed
    row's values."""
    number, line, width = 0, 0, None
    delimiter = reader.dialect.delimiter
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        number += 1
        spans, line = reader.line_num - line > 1, reader.line_num
        width = len(fields) if width is None else width
        if spans and _swallowed(fields, width, delimiter):
            raise csv.Error(f"record {number} looks like rows inside an unclosed quote")
        yield number, fields


def _read_parquet(path: Path) -> tuple[list[str], list[list[object]], list[int], set[str]]:
    table = pq.read_table(path)
    header = [str(c) for c in table.column_names]
    typed: set[str] = set()
    columns: list[list[object]] = []
    for name, column in zip(header, table.columns, strict=True):
        kind = column.type
        if pa.types.is_temporal(kind) and not pa.types.is_duration(kind):
            typed.add(name)
            values = [None if v is None else v.isoformat()[:10] for v in column.to_pylist()]
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            typed.add(name)
            values = [None if v is None else str(v) for v in column.to_pylist()]
        else:
            values = [None if v is None else str(v) for v in column.to_pylist()]
        columns.append(values)
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    return header, rows, list(range(1, table.num_rows + 1)), typed
