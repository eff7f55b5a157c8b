"""Seeded demo data: the seven input files of docs/design.md, with realistic demand shapes.

Plain CSV written with pandas/numpy (no DuckDB). The same arguments give byte-identical files:
every part draws from its own numpy stream (`_rng`), rows are sorted before writing and
numbers are formatted explicitly. A handful of deliberately broken rows (`BadRow`) shows the
quarantine at work; every other row is valid under the Quarantine rules of docs/design.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

TABLES = (
    "items",
    "suppliers",
    "supplier_items",
    "price_breaks",
    "stock",
    "open_orders",
    "order_lines",
)
# Demand patterns (shapes) and the lifecycle_stage each one is filed under.
STAGE_OF_PATTERN = {
    "new": "pilot",  # no history at all
    "pilot": "pilot",  # first demand in the last 2-6 months, small quantities
    "ramp_up": "ramp_up",  # rising rate
    "smooth": "series",  # steady, many small orders
    "erratic": "series",  # steady rate, very variable order sizes
    "lumpy": "series",  # spare parts: rare orders, variable and sometimes large
    "phase_out": "phase_out",  # decaying rate
    "dead": "phase_out",  # decayed, then no demand in the last 2-5 months
}
PATTERNS = tuple(STAGE_OF_PATTERN)
_PATTERN_SHARES = (0.05, 0.08, 0.10, 0.25, 0.18, 0.20, 0.08, 0.06)
# Per pattern: orders per week, mean order size (units, before the category factor) and
# the log-normal sigma of order sizes (how erratic sizes are).
_ORDER_RATE = {
    "new": (0.0, 0.0),
    "pilot": (0.4, 1.2),
    "ramp_up": (2.0, 6.0),
    "smooth": (3.0, 7.0),
    "erratic": (1.0, 3.0),
    "lumpy": (0.05, 0.2),
    "phase_out": (2.0, 5.0),
    "dead": (2.0, 5.0),
}
_ORDER_SIZE = {
    "new": (1.0, 1.0),
    "pilot": (1.0, 3.0),
    "ramp_up": (2.0, 6.0),
    "smooth": (2.0, 6.0),
    "erratic": (2.0, 8.0),
    "lumpy": (3.0, 15.0),
    "phase_out": (2.0, 6.0),
    "dead": (2.0, 6.0),
}
_SIZE_SIGMA = {
    "new": (0.3, 0.3),
    "pilot": (0.3, 0.5),
    "ramp_up": (0.4, 0.6),
    "smooth": (0.25, 0.45),
    "erratic": (0.8, 1.1),
    "lumpy": (1.0, 1.3),
    "phase_out": (0.4, 0.6),
    "dead": (0.4, 0.6),
}

REASON_UNKNOWN_SKU = "unknown sku"
REASON_BAD_DATE = "unparseable date"
REASON_FUTURE_DATE = "order_date after as_of"
REASON_MISSING = "missing required value"
REASON_PRICE_RISES = "unit price rises with quantity"
REASON_PACK_SIZE = "pack_size <= 0"
REASON_RATE = "rate outside 0..1"
REASON_STAGE = "unknown lifecycle_stage"


@dataclass(frozen=True)
class _Category:
    name: str
    price: tuple[float, float]  # purchase price, currency per unit (log-uniform)
    volume: tuple[float, float]  # litres per unit (log-uniform)
    size: float  # order size factor: cheap small parts are ordered in larger quantities
    parts: tuple[tuple[str, tuple[str, ...]], ...]  # (noun, its specifications)


_CATEGORIES = (
    _Category(
        "fasteners",
        (0.5, 4.0),
        (0.01, 0.2),
        8.0,
        (
            ("Hex bolt", ("M6x30 8.8", "M8x40 8.8", "M10x60 A2", "M12x80 10.9")),
            ("Socket screw", ("M4x12 A2", "M5x20 12.9", "M6x25 8.8", "M8x30 A4")),
            ("Lock nut", ("M6 A2", "M8 8", "M10 A4", "M12 10")),
            ("Washer", ("M6 A2", "M8 A2", "M10 steel", "M16 steel")),
            ("Threaded rod", ("M8x1000", "M10x1000 A2", "M12x1000")),
            ("Blind rivet", ("4x10 Al", "4.8x12 steel", "5x16 A2")),
        ),
    ),
    _Category(
        "cables",
        (2.0, 40.0),
        (0.1, 3.0),
        3.0,
        (
            ("Power cable", ("3x1.5 mm2 5 m", "3x2.5 mm2 10 m", "5x1.5 mm2 2 m")),
            ("Sensor cable", ("M12 4-pin 2 m", "M12 4-pin 5 m", "M8 3-pin 2 m")),
            ("Ribbon cable", ("20-pin 0.5 m", "40-pin 1 m")),
            ("Cable harness", ("door module", "control cabinet", "rev B")),
            ("Patch cable", ("Cat6 2 m", "Cat6 5 m", "Cat6a 10 m")),
        ),
    ),
    _Category(
        "electronics",
        (3.0, 120.0),
        (0.05, 1.0),
        2.0,
        (
            ("Relay", ("24 V DC 2-pole", "230 V AC 4-pole")),
            ("Power supply", ("24 V DC 5 A", "24 V DC 10 A", "12 V DC 2 A")),
            ("Control board", ("rev C", "rev D", "motor drive")),
            ("Fuse holder", ("10x38 DIN rail", "5x20 PCB")),
            ("Terminal block", ("2.5 mm2 grey", "4 mm2 blue", "PE green-yellow")),
            ("Contactor", ("9 A 24 V DC", "18 A 230 V AC")),
        ),
    ),
    _Category(
        "sensors",
        (25.0, 250.0),
        (0.05, 0.5),
        1.0,
        (
            ("Proximity sensor", ("M12 PNP", "M18 NPN", "M30 PNP")),
            ("Pressure sensor", ("0-10 bar", "0-250 bar 4-20 mA")),
            ("Temperature probe", ("PT100 150 mm", "PT1000 50 mm")),
            ("Encoder", ("1024 ppr", "2048 ppr", "absolute SSI")),
            ("Level switch", ("vibrating fork", "float 24 V")),
        ),
    ),
    _Category(
        "hydraulics",
        (40.0, 400.0),
        (0.5, 10.0),
        0.6,
        (
            ("Hydraulic cylinder", ("40/25x200", "50/30x300", "63/40x400")),
            ("Gear pump", ("8 cm3", "16 cm3", "25 cm3")),
            ("Directional valve", ("NG6 24 V DC", "NG10 24 V DC")),
            ("Seal kit", ("cylinder 40/25", "cylinder 63/40", "pump 16 cm3")),
            ("Pressure hose", ("DN10 1 m 250 bar", "DN16 2 m 160 bar")),
        ),
    ),
    _Category(
        "castings",
        (15.0, 300.0),
        (1.0, 20.0),
        0.5,
        (
            ("Bearing housing", ("GJL-250 size 2", "GJS-400 size 3")),
            ("Gearbox cover", ("GJL-250 machined", "AlSi10Mg")),
            ("Pump housing", ("GJS-400 machined", "GJL-250 raw")),
            ("Flange", ("DN50 GJS-400", "DN80 GJL-250")),
            ("Bracket", ("AlSi10Mg left", "AlSi10Mg right")),
        ),
    ),
)
_CATEGORY_WEIGHTS = (0.22, 0.14, 0.20, 0.14, 0.16, 0.14)
_SUPPLIER_NAMES = (
    "Albrecht Verbindungstechnik GmbH",
    "Nordic Fasteners AB",
    "Kessler Kabelwerk GmbH",
    "Vega Elektronik GmbH",
    "Sensorik Bayern GmbH",
    "Hydrotec Industriehydraulik GmbH",
    "Gießerei Brandt KG",
    "Omnitrade Industrial Supply Ltd",
    "Lambert Composants SAS",
    "Precision Castings s.r.o.",
    "Rhein-Ruhr Normteile GmbH",
    "Sakura Sensors Europe B.V.",
    "Fluidpower Italia S.p.A.",
    "Baltic Metalworks UAB",
    "Centrum Distribution GmbH",
)
_PARTS = ("items", "suppliers", "offers", "demand", "orders", "stock", "purchase", "bad", "erp")
_N_CUSTOMERS = 60
_CUSTOMER_DISCOUNTS = (0.0, 0.0, 0.0, 0.02, 0.05, 0.08)


@dataclass(frozen=True)
class BadRow:
    """A deliberately broken row and the quarantine reason the loader should give it."""

    table: str
    row_number: int  # 1-based data row of the file, header not counted
    column: str
    value: str  # as written in the file ("" = empty)
    reason: str


@dataclass(frozen=True)
class DemoSummary:
    """What `write_demo_data` wrote. Counts are of good rows unless named `rows`."""

    folder: Path
    as_of: date
    paths: dict[str, Path]  # table -> file, in load order
    rows: dict[str, int]  # data rows per file, bad rows included
    items: int
    suppliers: int
    supplier_items: int
    orders: int
    order_lines: int  # credit lines included
    credit_lines: int
    patterns: dict[str, str]  # sku -> demand pattern (see PATTERNS)
    bad_rows: tuple[BadRow, ...]


@dataclass(frozen=True)
class ErpExample:
    """What `write_erp_example` wrote; `rows` counts data rows of the export."""

    export: Path
    config: Path
    rows: int
    cancelled_rows: int  # lines of the cancelled ("STORNO") invoice
    excluded_rows: int  # freight lines
    credit_rows: int  # lines with negative quantity


def _rng(seed: int, part: str) -> np.random.Generator:
    """An independent stream per part: the item master does not depend on `as_of` or `years`."""
    return np.random.default_rng([seed, _PARTS.index(part)])


def _log_uniform(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high)))


def _uniform_by_pattern(
    rng: np.random.Generator, patterns: np.ndarray, ranges: dict[str, tuple[float, float]]
) -> np.ndarray:
    low = np.array([ranges[p][0] for p in patterns])
    high = np.array([ranges[p][1] for p in patterns])
    return rng.uniform(low, high)


# ---------------------------------------------------------------- items


def _pattern_counts(n_items: int) -> np.ndarray:
    """Items per pattern: the shares of `_PATTERN_SHARES`, at least one each, rest smooth."""
    counts = np.floor(np.array(_PATTERN_SHARES) * n_items).astype(int)
    if n_items >= len(PATTERNS):
        counts = np.maximum(counts, 1)
    counts[PATTERNS.index("smooth")] += n_items - counts.sum()
    return counts


def _item_master(seed: int, n_items: int, as_of: date) -> tuple[pd.DataFrame, list[str]]:
    """Items with helper columns `pattern`, `base_price` (purchase) and `sale_price`.

    Also returns two spare skus that no good row uses (for the bad rows).
    """
    rng = _rng(seed, "items")
    numbers = rng.choice(np.arange(10000, 100000), size=n_items + 2, replace=False)
    skus = [f"P-{n}" for n in np.sort(numbers[:n_items])]
    spare = [f"P-{n}" for n in numbers[n_items:]]
    patterns = rng.permutation(np.repeat(np.array(PATTERNS), _pattern_counts(n_items)))
    cat_idx = rng.choice(len(_CATEGORIES), size=n_items, p=_CATEGORY_WEIGHTS)
    cats = [_CATEGORIES[i] for i in cat_idx]
    price_lo = np.array([c.price[0] for c in cats])
    price_hi = np.array([c.price[1] for c in cats])
    base_price = np.round(_log_uniform(rng, price_lo, price_hi), 2)
    vol = _log_uniform(rng, np.array([c.volume[0] for c in cats]), [c.volume[1] for c in cats])
    descriptions = [_description(rng, c) for c in cats]
    end_of_life = _end_of_life(rng, patterns, as_of)
    critical = (patterns == "lumpy") & (rng.random(n_items) < 0.15)
    stockout_cost = np.where(
        critical, np.round(base_price * rng.uniform(3, 10, n_items), 2), np.nan
    )
    items = pd.DataFrame(
        {
            "sku": skus,
            "description": descriptions,
            "category": [c.name for c in cats],
            "lifecycle_stage": [STAGE_OF_PATTERN[p] for p in patterns],
            "unit_volume": np.round(vol, 3),
            "holding_cost_rate": np.round(rng.uniform(0.15, 0.30, n_items), 2),
            "end_of_life": end_of_life,
            "salvage_value": np.round(base_price * rng.uniform(0.0, 0.3, n_items), 2),
            "stockout_cost": stockout_cost,
            "pattern": patterns,
            "base_price": base_price,
            "sale_price": np.round(base_price * rng.uniform(1.3, 2.0, n_items), 2),
            "size_factor": [c.size for c in cats],
        }
    )
    return items, spare


def _description(rng: np.random.Generator, category: _Category) -> str:
    noun, specs = category.parts[int(rng.integers(len(category.parts)))]
    return f"{noun} {specs[int(rng.integers(len(specs)))]}"


def _end_of_life(rng: np.random.Generator, patterns: np.ndarray, as_of: date) -> list[str]:
    """About half of the phase_out items end 3-26 weeks after as_of; the others are open."""
    fading = np.isin(patterns, ["phase_out", "dead"]) & (rng.random(len(patterns)) < 0.5)
    days = rng.integers(21, 183, len(patterns))
    return [
        (as_of + timedelta(days=int(d))).isoformat() if f else ""
        for f, d in zip(fading, days, strict=True)
    ]


# ---------------------------------------------------------------- suppliers and offers


def _suppliers(seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """8-15 suppliers and which categories each one serves (bool, suppliers x categories)."""
    rng = _rng(seed, "suppliers")
    n = int(rng.integers(8, 16))
    names = rng.permutation(np.array(_SUPPLIER_NAMES))[:n]
    serves = rng.random((n, len(_CATEGORIES))) < 0.2
    primary = rng.permutation(len(_CATEGORIES))
    serves[np.arange(n), primary[np.arange(n) % len(_CATEGORIES)]] = True
    suppliers = pd.DataFrame(
        {
            "supplier_id": [f"S-{101 + j}" for j in range(n)],
            "name": names,
            "lead_time": rng.integers(5, 91, n),
            "fixed_cost": np.round(rng.uniform(20, 150, n), 0),
            "on_time_rate": np.round(rng.uniform(0.7, 0.99, n), 2),
            "reject_rate": np.round(rng.uniform(0.0, 0.05, n), 3),
        }
    )
    return suppliers, serves


def _pack_size(rng: np.random.Generator, price: float) -> int:
    """Cheap parts come in bigger packs."""
    if price < 2:
        return int(rng.choice([25, 50, 100]))
    if price < 10:
        return int(rng.choice([5, 10, 25, 50]))
    if price < 50:
        return int(rng.choice([1, 5, 10]))
    return int(rng.choice([1, 1, 5]))


def _offers(
    seed: int, items: pd.DataFrame, suppliers: pd.DataFrame, serves: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """supplier_items (1-3 per item) and their price_breaks (1-4 tiers, price falling)."""
    rng = _rng(seed, "offers")
    cat_index = {c.name: i for i, c in enumerate(_CATEGORIES)}
    offer_rows, break_rows = [], []
    for sku, category, base in zip(items.sku, items.category, items.base_price, strict=True):
        k = int(rng.choice([1, 2, 3], p=[0.45, 0.35, 0.2]))
        weight = np.where(serves[:, cat_index[category]], 1.0, 0.03)
        chosen = np.sort(rng.choice(len(suppliers), size=k, replace=False, p=weight / weight.sum()))
        for j in chosen:
            supplier_id = suppliers.supplier_id.iloc[j]
            pack = _pack_size(rng, base)
            moq = pack * int(rng.choice([1, 1, 1, 2, 4, 5, 10]))
            if pack > 1 and rng.random() < 0.1:
                moq += pack // 2  # not a multiple of the pack size: it happens
            discount_type = "all_units" if rng.random() < 0.7 else "incremental"
            offer_rows.append((supplier_id, sku, moq, pack, discount_type))
            for min_qty, price in _tiers(rng, float(base), moq, pack):
                break_rows.append((supplier_id, sku, min_qty, price))
    offers = pd.DataFrame(
        offer_rows, columns=["supplier_id", "sku", "moq", "pack_size", "discount_type"]
    )
    breaks = pd.DataFrame(break_rows, columns=["supplier_id", "sku", "min_qty", "unit_price"])
    return offers, breaks


def _round_price(price: float) -> float:
    """Cents above 10, four decimals below (cheap fasteners are priced per 1/100 cent)."""
    return round(price, 2) if price >= 10 else round(price, 4)


def _tiers(rng: np.random.Generator, base: float, moq: int, pack: int) -> list[tuple[int, float]]:
    """1-4 (min_qty, unit_price) tiers: min_qty rising in packs, price strictly falling."""
    first_price = float(np.clip(base * rng.uniform(0.9, 1.12), 0.5, 400.0))
    n = int(rng.choice([1, 2, 3, 4], p=[0.2, 0.35, 0.3, 0.15]))
    total_discount = rng.uniform(0.03, 0.25)
    steps = np.sort(np.append(rng.uniform(0.2, 1.0, max(n - 2, 0)), 1.0))[: n - 1]
    discounts = np.concatenate([[0.0], total_discount * steps])
    quantities = [moq if moq > 1 and rng.random() < 0.5 else 1]
    q = max(moq, pack)
    for _ in range(n - 1):
        q = math.ceil(q * float(rng.choice([2, 2.5, 4, 5])) / pack) * pack
        q = max(q, quantities[-1] + pack)
        quantities.append(q)
    tiers: list[tuple[int, float]] = []
    for qty, discount in zip(quantities, discounts, strict=True):
        price = _round_price(first_price * (1 - discount))
        if not tiers or price < tiers[-1][1]:
            tiers.append((qty, price))
    return tiers


# ---------------------------------------------------------------- demand


def _day_factors(days: pd.DatetimeIndex) -> np.ndarray:
    """Share of a week's orders placed on each day: business days, quiet holidays and August."""
    weekday = days.day_of_week.to_numpy()
    factor = np.select([weekday < 5, weekday == 5], [0.2, 0.004], 0.0)
    month, day = days.month.to_numpy(), days.day.to_numpy()
    holidays = ((month == 12) & (day >= 24)) | ((month == 1) & (day == 1))
    factor = np.where(holidays, factor * 0.1, factor)
    return np.where(month == 8, factor * 0.8, factor)


def _shapes(rng: np.random.Generator, patterns: np.ndarray, n_days: int) -> np.ndarray:
    """Relative order rate per item and day (items x days), 1 = the item's base rate."""
    n = len(patterns)
    t = np.arange(n_days)[None, :]
    age = (n_days - 1) - t  # days before as_of
    amp = rng.uniform(0.0, 0.25, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    trend = rng.uniform(-0.1, 0.1, (n, 1))
    steady = (1 + amp * np.sin(2 * np.pi * t / 365.25 + phase)) * np.exp(trend * -age / 365.25)
    pilot_start = np.minimum(rng.integers(60, 181, (n, 1)), n_days - 1)
    ramp_start = np.minimum(rng.integers(240, 721, (n, 1)), n_days - 1)
    ramp = np.where(age <= ramp_start, 0.1 + 0.9 * (1 - age / np.maximum(ramp_start, 1)), 0.0)
    death_age = rng.integers(60, 151, (n, 1))
    decline_age = np.maximum((rng.uniform(0.3, 0.6, (n, 1)) * n_days).astype(int), death_age + 30)
    half_life = rng.uniform(120, 300, (n, 1))
    decay = np.where(age >= decline_age, 1.0, np.exp(-np.log(2) * (decline_age - age) / half_life))
    col = patterns[:, None]
    return np.select(
        [
            col == "new",
            col == "pilot",
            col == "ramp_up",
            col == "phase_out",
            col == "dead",
        ],
        [0.0, (age <= pilot_start) * 1.0, ramp, decay, decay * (age >= death_age)],
        steady,
    )


def _demand_events(
    seed: int, items: pd.DataFrame, days: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customer order events (item index, day index, quantity), sorted by day."""
    rng = _rng(seed, "demand")
    patterns = items.pattern.to_numpy()
    rate = _uniform_by_pattern(rng, patterns, _ORDER_RATE)
    factor = items.size_factor.to_numpy()
    size = _uniform_by_pattern(rng, patterns, _ORDER_SIZE)
    size *= np.where(patterns == "pilot", np.sqrt(factor), factor)
    sigma = _uniform_by_pattern(rng, patterns, _SIZE_SIGMA)
    lam = rate[:, None] * _shapes(rng, patterns, len(days)) * _day_factors(days)[None, :]
    counts = rng.poisson(lam)
    at_least = np.select([patterns == "lumpy", patterns == "new"], [2, 0], 1)
    short = (counts.sum(axis=1) < at_least) & (lam.sum(axis=1) > 0)
    for i in np.flatnonzero(short):  # a few unlucky draws only
        while counts[i].sum() < at_least[i]:
            counts[i, rng.choice(len(days), p=lam[i] / lam[i].sum())] += 1
    item_idx, day_idx = np.nonzero(counts)
    reps = counts[item_idx, day_idx]
    item_ev, day_ev = np.repeat(item_idx, reps), np.repeat(day_idx, reps)
    mu = np.log(size) - sigma**2 / 2
    qty = np.rint(rng.lognormal(mu[item_ev], sigma[item_ev]))
    qty = np.clip(qty, 1, np.ceil(25 * size[item_ev])).astype(np.int64)
    order = np.lexsort((rng.random(len(day_ev)), day_ev))
    return item_ev[order], day_ev[order], qty[order]


def _group_orders(
    rng: np.random.Generator, item_ev: np.ndarray, day_ev: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Order index and 0-based line per event: 1-4 lines of different items, one day each."""
    start = rng.random(len(day_ev)) < 0.55
    start[:1] = True
    start[1:] |= day_ev[1:] != day_ev[:-1]
    while True:
        frame = pd.DataFrame({"order": np.cumsum(start) - 1, "item": item_ev})
        line = frame.groupby("order").cumcount().to_numpy()
        clash = (line >= 4) | frame.duplicated().to_numpy()
        if not clash.any():
            return frame.order.to_numpy(), line
        start |= clash


def _order_lines(seed: int, items: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Good order lines (typed), credit lines included, sorted by date, order and line."""
    item_ev, day_ev, qty = _demand_events(seed, items, days)
    rng = _rng(seed, "orders")
    order, line = _group_orders(rng, item_ev, day_ev)
    n_orders = int(order.max()) + 1 if len(order) else 0
    first = np.flatnonzero(np.r_[True, order[1:] != order[:-1]]) if len(order) else order
    order_years = days[day_ev[first]].year.to_numpy()
    seq = pd.Series(order_years).groupby(order_years).cumcount().to_numpy() + 1
    order_ids = np.array([f"SO-{y}-{s:06d}" for y, s in zip(order_years, seq, strict=True)])
    weights = 1 / np.arange(1, _N_CUSTOMERS + 1) ** 0.8
    customer = rng.choice(_N_CUSTOMERS, size=n_orders, p=weights / weights.sum())
    discount = np.array(_CUSTOMER_DISCOUNTS)[
        rng.integers(len(_CUSTOMER_DISCOUNTS), size=_N_CUSTOMERS)
    ]
    inflation = rng.uniform(0.0, 0.04, len(items))
    years_ago = (len(days) - 1 - day_ev) / 365.25
    price = items.sale_price.to_numpy()[item_ev] / (1 + inflation[item_ev]) ** years_ago
    price *= 1 - discount[customer[order]]
    lines = pd.DataFrame(
        {
            "order_id": order_ids[order],
            "line": line + 1,
            "order_date": days[day_ev].to_numpy().astype("datetime64[D]"),
            "sku": items.sku.to_numpy()[item_ev],
            "quantity": qty,
            "unit_price": np.maximum(np.round(price, 2), 0.01),
            "customer": [f"C-{1001 + c}" for c in customer[order]],
        }
    )
    lines = pd.concat([lines, _credit_lines(rng, lines, days[-1])], ignore_index=True)
    return lines.sort_values(["order_date", "order_id", "line"], ignore_index=True)


def _credit_lines(
    rng: np.random.Generator, lines: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """About 1% returns: part of a line's quantity, booked 2-15 business days later."""
    pick = np.sort(rng.choice(len(lines), size=round(0.01 * len(lines)), replace=False))
    credits = lines.iloc[pick].copy()
    booked = np.busday_offset(
        credits.order_date.to_numpy().astype("datetime64[D]"),
        rng.integers(2, 16, len(credits)),
        roll="forward",
    )
    credits["order_date"] = booked
    credits["quantity"] = -rng.integers(1, credits.quantity.to_numpy() + 1)
    credits = credits[credits.order_date <= as_of.to_datetime64()]
    last_line = lines.groupby("order_id").line.max()
    credits["line"] = (
        last_line.loc[credits.order_id].to_numpy() + credits.groupby("order_id").cumcount() + 1
    )
    return credits


# ---------------------------------------------------------------- stock and open orders


def _weekly_rate(items: pd.DataFrame, lines: pd.DataFrame, n_days: int) -> np.ndarray:
    """Units per week per item: the larger of the last 13 weeks and the whole history."""
    sales = lines[lines.quantity > 0]
    recent_start = sales.order_date.max() - pd.Timedelta(days=90) if len(sales) else None
    recent = sales[sales.order_date >= recent_start] if len(sales) else sales
    recent_rate = recent.groupby("sku").quantity.sum() / 13
    total_rate = sales.groupby("sku").quantity.sum() / (n_days / 7)
    both = pd.concat([recent_rate, total_rate], axis=1).max(axis=1)
    return both.reindex(items.sku, fill_value=0.0).to_numpy(dtype=float)


def _stock(seed: int, items: pd.DataFrame, weekly: np.ndarray) -> pd.DataFrame:
    """on_hand of 0-10 weeks of demand for about 95% of the items, 10% of those at zero."""
    rng = _rng(seed, "stock")
    n = len(items)
    on_hand = np.rint(weekly * rng.uniform(0, 10, n)).astype(np.int64)
    on_hand[rng.random(n) < 0.1] = 0
    listed = rng.random(n) < 0.95
    return pd.DataFrame({"sku": items.sku[listed], "on_hand": on_hand[listed]})


def _open_orders(
    seed: int, items: pd.DataFrame, offers: pd.DataFrame, weekly: np.ndarray, as_of: date
) -> pd.DataFrame:
    """Purchase orders for ~10% of the items, due in 0-8 weeks; the first two are overdue."""
    rng = _rng(seed, "purchase")
    alive = np.flatnonzero(items.pattern.to_numpy() != "dead")
    n = min(len(alive), max(1, round(0.1 * len(items))))
    picked = np.sort(rng.choice(alive, size=n, replace=False))
    by_sku = offers.groupby("sku")
    first_po = int(rng.integers(1000, 5000))
    rows = []
    for k, i in enumerate(picked):
        offer = by_sku.get_group(items.sku.iloc[i])
        offer = offer.iloc[int(rng.integers(len(offer)))]
        wanted = weekly[i] * rng.uniform(3, 8)
        quantity = max(int(offer.moq), math.ceil(wanted / offer.pack_size) * int(offer.pack_size))
        late = k < 2
        days = -int(rng.integers(1, 11)) if late else int(rng.integers(0, 57))
        due = as_of + timedelta(days=days)
        po_id = f"PO-{as_of.year}-{first_po + k:05d}"
        rows.append((po_id, offer.sku, offer.supplier_id, quantity, due.isoformat()))
    return pd.DataFrame(rows, columns=["po_id", "sku", "supplier_id", "quantity", "due_date"])


# ---------------------------------------------------------------- text, bad rows, files


def _text(values: pd.Series) -> list[str]:
    """Column as written: ISO dates, shortest float repr, "" for missing."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return list(values.dt.strftime("%Y-%m-%d"))
    if pd.api.types.is_float_dtype(values):
        return ["" if math.isnan(v) else repr(float(v)) for v in values]
    return [str(v) for v in values]


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: _text(frame[c]) for c in frame.columns})


@dataclass(frozen=True)
class _Broken:
    """A bad row to insert before the good row at `position` (fractions sort in between)."""

    position: float
    row: dict[str, str]
    column: str
    reason: str


def _insert(
    table: str, frame: pd.DataFrame, broken: list[_Broken]
) -> tuple[pd.DataFrame, list[BadRow]]:
    """Text frame with the bad rows inserted, and their `BadRow` records."""
    if not broken:
        return frame, []
    keys = np.concatenate([np.arange(len(frame), dtype=float), [b.position for b in broken]])
    extra = pd.DataFrame([{c: b.row.get(c, "") for c in frame.columns} for b in broken])
    order = np.argsort(keys, kind="stable")
    combined = pd.concat([frame, extra], ignore_index=True).iloc[order].reset_index(drop=True)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    records = [
        BadRow(table, int(rank[len(frame) + k]) + 1, b.column, b.row[b.column], b.reason)
        for k, b in enumerate(broken)
    ]
    return combined, records


def _broken_masters(
    rng: np.random.Generator,
    items: pd.DataFrame,
    spare_sku: str,
    suppliers: pd.DataFrame,
    offers: pd.DataFrame,
    breaks: pd.DataFrame,
) -> dict[str, list[_Broken]]:
    """One bad row each in items, suppliers, supplier_items and price_breaks.

    Each is a row no good row depends on, so it quarantines nothing else.
    """
    item = {
        "sku": spare_sku,
        "description": "Prototype bracket welded",
        "category": "castings",
        "lifecycle_stage": "prototype",
        "unit_volume": "2.5",
        "holding_cost_rate": "0.2",
        "salvage_value": "0.0",
    }
    item_at = np.searchsorted(items.sku.to_numpy(), spare_sku) - 0.5
    supplier = {
        "supplier_id": f"S-{101 + len(suppliers)}",
        "name": "Interim Trading GmbH",
        "lead_time": "14",
        "fixed_cost": "35.0",
        "on_time_rate": "1.15",
        "reject_rate": "0.01",
    }
    i = int(rng.integers(len(items)))
    sku = items.sku.iloc[i]
    linked = set(offers.supplier_id[offers.sku == sku])
    free = [s for s in suppliers.supplier_id if s not in linked]
    offer = {
        "supplier_id": free[int(rng.integers(len(free)))] if free else supplier["supplier_id"],
        "sku": sku,
        "moq": "10",
        "pack_size": "0",
        "discount_type": "all_units",
    }
    offer_keys = (offers.supplier_id + "|" + offers.sku).to_numpy()
    offer_at = np.searchsorted(offer_keys, offer["supplier_id"] + "|" + sku) - 0.5
    last = int(rng.integers(len(breaks)))
    group = (breaks.supplier_id == breaks.supplier_id.iloc[last]) & (
        breaks.sku == breaks.sku.iloc[last]
    )
    last = int(np.flatnonzero(group)[-1])
    rising = {
        "supplier_id": breaks.supplier_id.iloc[last],
        "sku": breaks.sku.iloc[last],
        "min_qty": str(int(breaks.min_qty.iloc[last]) * 2),
        "unit_price": repr(_round_price(float(breaks.unit_price.iloc[last]) * 1.1)),
    }
    return {
        "items": [_Broken(item_at, item, "lifecycle_stage", REASON_STAGE)],
        "suppliers": [_Broken(len(suppliers) - 0.5, supplier, "on_time_rate", REASON_RATE)],
        "supplier_items": [_Broken(offer_at, offer, "pack_size", REASON_PACK_SIZE)],
        "price_breaks": [_Broken(last + 0.5, rising, "unit_price", REASON_PRICE_RISES)],
    }


def _broken_lines(
    rng: np.random.Generator, lines: pd.DataFrame, spare_sku: str, as_of: date
) -> list[_Broken]:
    """Four bad order lines, each its own new order, at random places in the file."""
    prefix = f"SO-{as_of.year}-"
    own_year = lines.order_id[lines.order_id.str.startswith(prefix)]
    next_seq = int(own_year.str[len(prefix) :].astype(int).max()) + 1 if len(own_year) else 1
    problems = [
        ("sku", spare_sku, REASON_UNKNOWN_SKU),
        ("order_date", f"{as_of.year}-02-30", REASON_BAD_DATE),
        ("order_date", (as_of + timedelta(days=3)).isoformat(), REASON_FUTURE_DATE),
        ("quantity", "", REASON_MISSING),
    ]
    broken = []
    for k, (column, value, reason) in enumerate(problems):
        model = lines.iloc[int(rng.integers(len(lines)))]
        row = {
            "order_id": f"{prefix}{next_seq + k:06d}",
            "line": "1",
            "order_date": model.order_date.strftime("%Y-%m-%d"),
            "sku": model.sku,
            "quantity": str(int(abs(model.quantity))),
            "unit_price": repr(float(model.unit_price)),
            "customer": model.customer,
        }
        row[column] = value
        broken.append(_Broken(float(rng.integers(len(lines))) + 0.5, row, column, reason))
    return broken


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


ITEM_COLUMNS = [
    "sku",
    "description",
    "category",
    "lifecycle_stage",
    "unit_volume",
    "holding_cost_rate",
    "end_of_life",
    "salvage_value",
    "stockout_cost",
]


def write_demo_data(
    folder: Path,
    as_of: date,
    seed: int = 7,
    n_items: int = 300,
    years: float = 2.5,
    bad_rows: bool = True,
) -> DemoSummary:
    """Write the seven input files of docs/design.md into `folder` (created if missing).

    Order lines cover `years` of daily history ending at `as_of`. With `bad_rows`, 8 broken
    rows (listed in the summary with the quarantine reason to expect) are mixed in.
    """
    if n_items < 1:
        raise ValueError(f"n_items must be at least 1, not {n_items}")
    if years <= 0:
        raise ValueError(f"years must be positive, not {years}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    items, spare = _item_master(seed, n_items, as_of)
    suppliers, serves = _suppliers(seed)
    offers, breaks = _offers(seed, items, suppliers, serves)
    offers = offers.sort_values(["supplier_id", "sku"], ignore_index=True)
    breaks = breaks.sort_values(["supplier_id", "sku", "min_qty"], ignore_index=True)
    days = pd.date_range(end=pd.Timestamp(as_of), periods=max(28, round(years * 365.25)), freq="D")
    lines = _order_lines(seed, items, days)
    weekly = _weekly_rate(items, lines, len(days))
    tables = {
        "items": items[ITEM_COLUMNS],
        "suppliers": suppliers,
        "supplier_items": offers,
        "price_breaks": breaks,
        "stock": _stock(seed, items, weekly),
        "open_orders": _open_orders(seed, items, offers, weekly, as_of),
        "order_lines": lines,
    }
    broken: dict[str, list[_Broken]] = {}
    if bad_rows:
        rng = _rng(seed, "bad")
        broken = _broken_masters(rng, items, spare[0], suppliers, offers, breaks)
        broken["order_lines"] = _broken_lines(rng, lines, spare[1], as_of)
    paths, rows, records = {}, {}, []
    for table in TABLES:
        text, bad = _insert(table, _as_text(tables[table]), broken.get(table, []))
        paths[table] = folder / f"{table}.csv"
        _write_csv(text, paths[table])
        rows[table] = len(text)
        records.extend(bad)
    return DemoSummary(
        folder=folder,
        as_of=as_of,
        paths=paths,
        rows=rows,
        items=len(items),
        suppliers=len(suppliers),
        supplier_items=len(offers),
        orders=lines.order_id.nunique(),
        order_lines=len(lines),
        credit_lines=int((lines.quantity < 0).sum()),
        patterns=dict(zip(items.sku, items.pattern, strict=True)),
        bad_rows=tuple(records),
    )


# ---------------------------------------------------------------- ERP export example

_ERP_COLUMNS = {  # our name -> the export's (German) name
    "order_id": "Belegnr",
    "line": "Pos",
    "order_date": "Belegdatum",
    "sku": "Artikelnr",
    "quantity": "Menge",
    "unit_price": "Einzelpreis",
    "customer": "Kundennr",
}
_ERP_CONFIG = """\
# How to read the ERP's order line export (see warehouse/config.py).
[order_lines]
files = ["Auftragspositionen_*.csv"]
delimiter = ";"
decimal = ","
date_format = "%d.%m.%Y"
encoding = "cp1252"
cancelled_column = "Status"
cancelled_values = ["STORNO"]
exclude_skus = ["FRACHT"]
returns = "net"

[order_lines.columns]
{columns}
"""


def _erp_invoices(rng: np.random.Generator, items: pd.DataFrame, as_of: date) -> list[dict]:
    """12 invoices of 1-4 lines from the last three weeks of business days before `as_of`."""
    pool = items[items.pattern.isin(["smooth", "erratic", "ramp_up"])]
    pool = pool if len(pool) >= 4 else items
    end = np.datetime64(as_of, "D")
    dates = np.sort(np.busday_offset(end, -rng.integers(3, 16, 12), roll="backward"))
    first = int(rng.integers(10000, 60000))
    rows = []
    for k, day in enumerate(dates):
        chosen = rng.choice(len(pool), size=min(len(pool), int(rng.integers(1, 5))), replace=False)
        customer = f"C-{1001 + int(rng.integers(_N_CUSTOMERS))}"
        for pos, j in enumerate(np.sort(chosen), start=1):
            item = pool.iloc[int(j)]
            rows.append(
                {
                    "Belegnr": f"RE-{as_of.year}-{first + k:05d}",
                    "Pos": pos,
                    "Belegdatum": day,
                    "Artikelnr": item.sku,
                    "Bezeichnung": item.description,
                    "Menge": max(1, round(item.size_factor * rng.uniform(1, 6))),
                    "Einheit": "Stk",
                    "Einzelpreis": round(item.sale_price * rng.uniform(0.95, 1.0), 2),
                    "Kundennr": customer,
                    "Status": "gebucht",
                }
            )
    return rows


def _erp_specials(rows: list[dict], as_of: date) -> tuple[list[dict], int]:
    """Cancel the 5th invoice, add a freight line to the 3rd and a credit for the 1st.

    Returns all rows and the number of cancelled lines.
    """
    invoices = list(dict.fromkeys(r["Belegnr"] for r in rows))
    cancelled = [r for r in rows if r["Belegnr"] == invoices[4]]
    for row in cancelled:
        row["Status"] = "STORNO"
    freight_on = [r for r in rows if r["Belegnr"] == invoices[2]]
    freight = {**freight_on[-1], "Pos": freight_on[-1]["Pos"] + 1, "Artikelnr": "FRACHT"}
    freight.update(Bezeichnung="Frachtkosten Spedition", Menge=1, Einheit="psch")
    freight["Einzelpreis"] = 48.5
    credited = [r for r in rows if r["Belegnr"] == invoices[0]]
    credit_day = np.busday_offset(credited[0]["Belegdatum"], 2, roll="forward")
    credit = {**credited[0], "Pos": credited[-1]["Pos"] + 1, "Menge": -1}
    credit.update(Belegdatum=min(credit_day, np.datetime64(as_of, "D")))
    credit["Bezeichnung"] = f"Gutschrift Rücksendung {credited[0]['Bezeichnung']}"
    return [*rows, freight, credit], len(cancelled)


def _erp_text(rows: list[dict]) -> pd.DataFrame:
    """German number and date formats: decimal comma, dd.mm.yyyy."""
    frame = pd.DataFrame(rows)
    frame["Belegdatum"] = pd.to_datetime(frame.Belegdatum).dt.strftime("%d.%m.%Y")
    frame["Einzelpreis"] = [f"{p:.2f}".replace(".", ",") for p in frame.Einzelpreis]
    return frame.astype(str)


def write_erp_example(folder: Path, as_of: date, seed: int = 7, n_items: int = 300) -> ErpExample:
    """Write an ERP-style order line export and the `load.toml` that reads it into `folder`.

    German column names, `;` delimiter, decimal comma, cp1252, CRLF line ends, one cancelled
    invoice, one freight line and one credit line. The skus are those of
    `write_demo_data(..., seed=seed, n_items=n_items)`. Write it into that demo data folder: the
    loader takes the master files from there; the default config ignores the export (it reads
    `order_lines*.csv`) and this `load.toml` reads only the export.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    items, _ = _item_master(seed, n_items, as_of)
    rows, cancelled = _erp_specials(_erp_invoices(_rng(seed, "erp"), items, as_of), as_of)
    frame = _erp_text(rows)
    export = folder / f"Auftragspositionen_{as_of:%Y%m%d}.csv"
    frame.to_csv(export, sep=";", index=False, lineterminator="\r\n", encoding="cp1252")
    columns = "\n".join(f'{ours} = "{theirs}"' for ours, theirs in _ERP_COLUMNS.items())
    config = folder / "load.toml"
    config.write_text(_ERP_CONFIG.format(columns=columns), encoding="utf-8")
    return ErpExample(
        export=export,
        config=config,
        rows=len(frame),
        cancelled_rows=cancelled,
        excluded_rows=int((frame.Artikelnr == "FRACHT").sum()),
        credit_rows=int(frame.Menge.astype(int).lt(0).sum()),
    )
