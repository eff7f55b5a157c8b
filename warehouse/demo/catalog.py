"""Item master: demand patterns, part categories and the items drawn from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from warehouse.demo.streams import stream

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


@dataclass(frozen=True)
class _Category:
    name: str
    price: tuple[float, float]  # purchase price, currency per unit (log-uniform)
    volume: tuple[float, float]  # litres per unit (log-uniform)
    size: float  # order size factor: cheap small parts are ordered in larger quantities
    parts: tuple[tuple[str, tuple[str, ...]], ...]  # (noun, its specifications)


CATEGORIES = (
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


def _log_uniform(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high)))


def _pattern_counts(n_items: int) -> np.ndarray:
    """Items per pattern: the shares of `_PATTERN_SHARES`, at least one each, rest smooth."""
    counts = np.floor(np.array(_PATTERN_SHARES) * n_items).astype(int)
    if n_items >= len(PATTERNS):
        counts = np.maximum(counts, 1)
    counts[PATTERNS.index("smooth")] += n_items - counts.sum()
    return counts


def draw_items(seed: int, n_items: int, as_of: date) -> tuple[pd.DataFrame, list[str]]:
    """Items with helper columns `pattern`, `base_price` (purchase) and `sale_price`.

    Also returns two spare skus that no good row uses (for the bad rows).
    """
    rng = stream(seed, "items")
    numbers = rng.choice(np.arange(10000, 100000), size=n_items + 2, replace=False)
    skus = [f"P-{n}" for n in np.sort(numbers[:n_items])]
    spare = [f"P-{n}" for n in numbers[n_items:]]
    patterns = rng.permutation(np.repeat(np.array(PATTERNS), _pattern_counts(n_items)))
    cat_idx = rng.choice(len(CATEGORIES), size=n_items, p=_CATEGORY_WEIGHTS)
    cats = [CATEGORIES[i] for i in cat_idx]
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
