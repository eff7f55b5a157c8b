"""Seeded demo data: the eight input files of docs/design.md, with realistic demand shapes.

Plain CSV written with pandas/numpy (no DuckDB). The same arguments give byte-identical files:
every part draws from its own numpy stream (`streams.stream`), rows are sorted before writing
and numbers are formatted explicitly. A handful of deliberately broken rows (`BadRow`) shows
the quarantine at work; every other row is valid under the Quarantine rules of docs/design.md.

Modules by topic: `catalog` (patterns, categories, item master), `offers` (suppliers, pack
sizes, price tiers), `demand` (order lines, credit lines), `stock` (stock, open orders),
`requirements` (planners' dated known demand), `broken` (bad rows and their reasons), `files`
(text formats, CSV), `generate` (`write_demo_data`), `erp` (ERP export example). The public
names are those listed here.
"""

from warehouse.demo.broken import (
    REASON_BAD_DATE,
    REASON_FUTURE_DATE,
    REASON_MISSING,
    REASON_PACK_SIZE,
    REASON_PRICE_RISES,
    REASON_RATE,
    REASON_STAGE,
    REASON_UNKNOWN_SKU,
    BadRow,
)
from warehouse.demo.catalog import ITEM_COLUMNS, PATTERNS, STAGE_OF_PATTERN
from warehouse.demo.erp import ErpExample, write_erp_example
from warehouse.demo.generate import TABLES, DemoSummary, write_demo_data

__all__ = [
    "ITEM_COLUMNS",
    "PATTERNS",
    "REASON_BAD_DATE",
    "REASON_FUTURE_DATE",
    "REASON_MISSING",
    "REASON_PACK_SIZE",
    "REASON_PRICE_RISES",
    "REASON_RATE",
    "REASON_STAGE",
    "REASON_UNKNOWN_SKU",
    "STAGE_OF_PATTERN",
    "TABLES",
    "BadRow",
    "DemoSummary",
    "ErpExample",
    "write_demo_data",
    "write_erp_example",
]
