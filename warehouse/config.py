"""How to read the order line export of an ERP: file pattern, CSV dialect, column names.

Example (`load.toml`)::

    [order_lines]
    files = ["Auftragspositionen*.csv"]
    delimiter = ";"
    decimal = ","
    date_format = "%d.%m.%Y"
    cancelled_column = "Status"
    cancelled_values = ["storniert"]
    credit_column = "Belegart"
    credit_values = ["Gutschrift", "GS"]
    exclude_skus = ["FRACHT*", "VERP-*"]
    returns = "net"

    [order_lines.columns]
    order_id = "Belegnr"
    order_date = "Belegdatum"
    sku = "Artikelnr"
    quantity = "Menge"

    [master_files]          # items.csv, suppliers.csv, ...: our columns, their dialect
    encoding = "cp1252"
    delimiter = ";"
    decimal = ","
    date_format = "%d.%m.%Y"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warehouse.errors import ConfigError

ORDER_LINE_COLUMNS = (
    "order_id",
    "line",
    "order_date",
    "sku",
    "quantity",
    "unit_price",
    "customer",
)
RETURNS_RULES = ("net", "ignore")
_TEXT_KEYS = (
    "delimiter",
    "decimal",
    "date_format",
    "encoding",
    "cancelled_column",
    "credit_column",
    "returns",
)
# [master_files] key -> LoadConfig field
_MASTER_KEYS = {
    "encoding": "master_encoding",
    "delimiter": "master_delimiter",
    "decimal": "master_decimal",
    "date_format": "master_date_format",
}
_ENCODINGS_HINT = "e.g. utf-8, utf-8-sig, cp1252, latin-1"


@dataclass(frozen=True)
class LoadConfig:
    """Settings for reading `order_lines` files, and the dialect of the master data files.

    `columns` maps our column name to the export's column name; unmapped columns keep our
    name. Without a `line` column, lines are numbered within an order in file order.
    `returns`: "net" nets credit lines (negative quantity) against demand; "ignore" drops them.
    `credit_column` / `credit_values`: lines whose column holds one of the values (a document
    type such as "Gutschrift") are credits whatever the sign of their quantity: a positive one
    is stored negated.
    `master_*`: the encoding, delimiter, decimal mark and date format of the master data CSV
    files (`[master_files]`), read as `encoding`, ... are for order lines; with
    `decimal = ","` the delimiter defaults to ";".
    """

    files: tuple[str, ...] = ("order_lines*.csv", "order_lines*.parquet")
    delimiter: str = ","
    decimal: str = "."
    date_format: str = "%Y-%m-%d"
    encoding: str = "utf-8-sig"
    columns: dict[str, str] = field(default_factory=dict)
    cancelled_column: str | None = None
    cancelled_values: tuple[str, ...] = ()
    credit_column: str | None = None
    credit_values: tuple[str, ...] = ()
    exclude_skus: tuple[str, ...] = ()
    returns: str = "net"
    master_encoding: str = "utf-8-sig"
    master_delimiter: str = ","
    master_decimal: str = "."
    master_date_format: str = "%Y-%m-%d"

    def source_column(self, column: str) -> str:
        """The export's name of our `column`."""
        return self.columns.get(column, column)


def load_config(path: str | Path | None) -> LoadConfig:
    """Read a `LoadConfig` from a TOML file; `None` gives the defaults (our own format)."""
    if path is None:
        return LoadConfig()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from error
    return parse_config(data, str(path))


def parse_config(data: dict[str, Any], source: str = "config") -> LoadConfig:
    """Build a `LoadConfig` from parsed TOML, rejecting unknown keys and bad values."""
    _reject_unknown(data, {"order_lines", "master_files"}, source, "")
    masters = dict(data.get("master_files", {}))
    _reject_unknown(masters, set(_MASTER_KEYS), source, "master_files.")
    section = dict(data.get("order_lines", {}))
    known = {f for f in LoadConfig.__dataclass_fields__} - set(_MASTER_KEYS.values())
    _reject_unknown(section, known, source, "order_lines.")
    columns = section.pop("columns", {})
    _reject_unknown(columns, set(ORDER_LINE_COLUMNS), source, "order_lines.columns.")
    for key in ("files", "cancelled_values", "credit_values", "exclude_skus"):
        if key in section:
            section[key] = _strings(section[key], f"order_lines.{key}", source)
    for key, value in section.items():
        if key in _TEXT_KEYS and not isinstance(value, str):
            raise ConfigError(f"{source}: order_lines.{key} must be a string, not {value!r}")
    for key, value in masters.items():
        if not isinstance(value, str):
            raise ConfigError(f"{source}: master_files.{key} must be a string, not {value!r}")
    for dialect in (masters, section):  # decimal commas are written with semicolons (Excel)
        if dialect.get("decimal") == "," and "delimiter" not in dialect:
            dialect["delimiter"] = ";"
    config = LoadConfig(
        **section,
        columns={k: str(v) for k, v in columns.items()},
        **{_MASTER_KEYS[k]: v for k, v in masters.items()},
    )
    _check(config, source)
    return config


def _reject_unknown(data: Any, known: set[str], source: str, prefix: str) -> None:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: {prefix.rstrip('.')} must be a table")
    for key in data:
        if key not in known:
            allowed = ", ".join(sorted(known))
            raise ConfigError(f"{source}: unknown key '{prefix}{key}' (allowed: {allowed})")


def _strings(value: Any, key: str, source: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{source}: {key} must be a string or a list of strings")
    return tuple(values)


def _check(config: LoadConfig, source: str) -> None:
    problems = []
    dialects = (
        ("order_lines", config.delimiter, config.decimal, config.date_format),
        ("master_files", config.master_delimiter, config.master_decimal,
         config.master_date_format),
    )  # fmt: skip
    for key, delimiter, decimal, date_format in dialects:
        if len(delimiter) != 1:
            problems.append(f"{key}.delimiter must be one character, not {delimiter!r}")
        if decimal not in (".", ","):
            problems.append(f"{key}.decimal must be '.' or ',', not {decimal!r}")
        if decimal == delimiter:
            problems.append(f"{key}.decimal and {key}.delimiter must differ")
        if "%" not in date_format:
            problems.append(f"{key}.date_format {date_format!r} has no % directive")
    if config.returns not in RETURNS_RULES:
        problems.append(f"order_lines.returns must be 'net' or 'ignore', not {config.returns!r}")
    if config.cancelled_column and not config.cancelled_values:
        problems.append("order_lines.cancelled_values is needed with cancelled_column")
    if config.credit_column and not config.credit_values:
        problems.append("order_lines.credit_values is needed with credit_column")
    if not config.files:
        problems.append("order_lines.files must name at least one pattern")
    for key, encoding in (
        ("order_lines", config.encoding),
        ("master_files", config.master_encoding),
    ):
        try:
            "".encode(encoding)
        except LookupError:
            problems.append(f"{key}.encoding {encoding!r} is unknown ({_ENCODINGS_HINT})")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
