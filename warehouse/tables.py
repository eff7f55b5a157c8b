"""Column specifications of the input tables: kind, required, bounds, key, references.

The single source for what `validate.py` checks; identifiers used in SQL come from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "number", "integer", "date"]


@dataclass(frozen=True)
class Column:
    """One input column; `low`/`high` are inclusive bounds, `above` an exclusive lower bound,
    `magnitude` an inclusive bound on the absolute value; `beyond`: what a value past it is
    told, after "lead_time 1e20 is beyond " (None: the bound and that it is a typo, not units)."""

    name: str
    kind: Kind = "text"
    required: bool = False
    low: float | None = None
    above: float | None = None
    high: float | None = None
    default: float | str | None = None
    # what the default means to the plan, for the load's note when a file leaves the column
    # out or empty (None: no note)
    defaulted: str | None = None
    allowed: tuple[str, ...] = ()
    magnitude: float | None = None  # |value| at most this
    beyond: str | None = None
    # a count of units (not a price or rate): '1.000' there is more likely a thousand units
    # grouped with '.' than one (`load_notes.thousands`)
    units: bool = False
    # a rate or share written as a fraction (0.25 for 25%): a value with a % sign is told so
    fraction: bool = False


@dataclass(frozen=True)
class Table:
    """One input table: its columns, key and whether its file must be in the folder."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    row: str = "row"  # what one row is to a planner ("item", "offer"), for the load's notes

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


# units on one order line, either sign: beyond is a typo (an EAN or a date pasted into the
# quantity), and one such line would stop the forecast of every item (models' limit per period);
# the same bound holds stock on hand and an open order's quantity (an EAN there planned the item
# as covered for ever: never ordered, the stock blamed), and an offer's moq, pack_size and
# min_qty (the same typo there asks for lots of trillions of units)
MAX_LINE_UNITS = 1e7
# days: a lead time of 1e20 days (a typo) was planned as one, and printed in full in every
# reason; lead times of a few years are real (aircraft parts)
MAX_LEAD_TIME = 3653
LEAD_TIME_BEYOND = (
    f"{MAX_LEAD_TIME:,} days (10 years): a typo? lead_time is the days from order to delivery"
)
# currency per purchase order: beyond is a typo (an account number, a total pasted in); the
# MILP solvers keep costs exact far above it (optimize.data.MAX_COST)
MAX_ORDER_COST = 1e9
ORDER_COST_BEYOND = f"{MAX_ORDER_COST:,.0f}: a typo? order_cost is the currency per purchase order"
# currency of purchase value per purchase order: likewise
MAX_MIN_ORDER_VALUE = 1e9
MIN_ORDER_VALUE_BEYOND = (
    f"{MAX_MIN_ORDER_VALUE:,.0f}: a typo? min_order_value is the least purchase value of one "
    "purchase order (currency)"
)
LIFECYCLE_STAGES = ("pilot", "ramp_up", "series", "phase_out")
DISCOUNT_TYPES = ("all_units", "incremental")
TIER_BASES = ("spend", "units")  # supplier_tiers.basis: purchase cost or units bought

ITEMS = Table(
    "items",
    (
        Column("sku", required=True),
        Column("description"),
        Column("category"),
        Column(
            "lifecycle_stage",
            allowed=LIFECYCLE_STAGES,
            default="series",
            defaulted="planned as series (its obsolescence risk and bias correction)",
        ),
        Column(
            "unit_volume",
            "number",
            low=0,
            default=0,
            defaulted="0 litres: the item takes no space under a capacity limit",
        ),
        Column("holding_cost_rate", "number", required=True, low=0, fraction=True),
        Column("end_of_life", "date"),
        Column("salvage_value", "number", low=0, default=0),
        Column("stockout_cost", "number", above=0),
        Column("launch_forecast", "number", low=0),
    ),
    key=("sku",),
    row="item",
)
SUPPLIERS = Table(
    "suppliers",
    (
        Column("supplier_id", required=True),
        Column("name"),
        Column(
            "lead_time",
            "number",
            required=True,
            low=0,
            magnitude=MAX_LEAD_TIME,
            beyond=LEAD_TIME_BEYOND,
        ),
        Column("fixed_cost", "number", required=True, low=0),  # per lot
        # per purchase order to the supplier on one night, shared by its lots; empty: none
        Column(
            "order_cost",
            "number",
            low=0,
            default=0,
            magnitude=MAX_ORDER_COST,
            beyond=ORDER_COST_BEYOND,
        ),
        # the least purchase value of one purchase order to the supplier; empty: none
        Column(
            "min_order_value",
            "number",
            low=0,
            default=0,
            magnitude=MAX_MIN_ORDER_VALUE,
            beyond=MIN_ORDER_VALUE_BEYOND,
        ),
        Column("on_time_rate", "number", low=0, high=1, default=1, fraction=True),
        Column("reject_rate", "number", low=0, high=1, default=0, fraction=True),
    ),
    key=("supplier_id",),
)
SUPPLIER_ITEMS = Table(
    "supplier_items",
    (
        Column("supplier_id", required=True),
        Column("sku", required=True),
        Column(
            "moq",
            "integer",
            above=0,
            magnitude=MAX_LINE_UNITS,
            units=True,
            default=1,
            defaulted="ordered without a minimum (moq 1)",
        ),
        Column(
            "pack_size",
            "integer",
            above=0,
            magnitude=MAX_LINE_UNITS,
            units=True,
            default=1,
            defaulted="ordered in single units (pack_size 1)",
        ),
        Column(
            "discount_type",
            allowed=DISCOUNT_TYPES,
            default="all_units",
            defaulted="priced all_units (a price break's price on every unit of the lot)",
        ),
        # this item's own lead time with the supplier (catalogues give one per part); empty:
        # the supplier's lead_time
        Column("lead_time", "number", low=0, magnitude=MAX_LEAD_TIME, beyond=LEAD_TIME_BEYOND),
    ),
    key=("supplier_id", "sku"),
    row="offer",
)
PRICE_BREAKS = Table(
    "price_breaks",
    (
        Column("supplier_id", required=True),
        Column("sku", required=True),
        Column("min_qty", "integer", required=True, above=0, magnitude=MAX_LINE_UNITS, units=True),
        Column("unit_price", "number", required=True, above=0),
    ),
    key=("supplier_id", "sku", "min_qty"),
)
STOCK = Table(
    "stock",
    (
        Column("sku", required=True),
        Column("on_hand", "number", required=True, low=0, magnitude=MAX_LINE_UNITS, units=True),
    ),
    key=("sku",),
    required=False,
)
OPEN_ORDERS = Table(
    "open_orders",
    (
        Column("po_id", required=True),
        Column("sku", required=True),
        Column("supplier_id", required=True),
        Column("quantity", "number", required=True, above=0, magnitude=MAX_LINE_UNITS, units=True),
        Column("due_date", "date", required=True),
    ),
    key=("po_id", "sku", "due_date"),
    required=False,
)
# demand a planner knows ahead with a date (a pilot build, a service campaign, a project
# announced but not booked): not in the order lines, so the forecast cannot know it; planned
# as certain demand on top of every scenario (`optimize.inputs`)
REQUIREMENTS = Table(
    "requirements",
    (
        Column("requirement_id", required=True),
        Column("sku", required=True),
        Column("due_date", "date", required=True),
        Column("quantity", "integer", required=True, above=0, magnitude=MAX_LINE_UNITS, units=True),
        Column("note"),
    ),
    key=("requirement_id", "sku"),
    required=False,
    row="requirement",
)
ORDER_LINES = Table(
    "order_lines",
    (
        Column("order_id", required=True),
        Column("line", "integer", required=True),
        Column("order_date", "date", required=True),
        Column("sku", required=True),
        Column("quantity", "number", required=True, magnitude=MAX_LINE_UNITS, units=True),
        Column("unit_price", "number", low=0),
        Column("customer"),
    ),
    key=("order_id", "line"),
)

SUPPLIER_TIERS = Table(
    "supplier_tiers",
    (
        Column("supplier_id", required=True),
        Column("basis", required=True, allowed=TIER_BASES),
        Column("min_total", "number", required=True, above=0),
        Column("discount_rate", "number", required=True, above=0, fraction=True),
    ),
    key=("supplier_id", "min_total"),
    required=False,
)

MASTER_TABLES = (
    ITEMS,
    SUPPLIERS,
    SUPPLIER_ITEMS,
    PRICE_BREAKS,
    STOCK,
    OPEN_ORDERS,
    SUPPLIER_TIERS,
    REQUIREMENTS,
)
TABLES = {t.name: t for t in (*MASTER_TABLES, ORDER_LINES)}
