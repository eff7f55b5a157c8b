"""Planners' dated known demand (requirements.csv): three rows that show what the plan does.

A pilot build of a part with little demand so far, due in about 6 weeks and several times its
recent weekly demand (the plan orders for it and the lot's reason names it); the same part's
series start after the 13-week horizon (not counted); a service campaign of a stocked series
part due a few days ago (overdue: counted in the first week). No row falls after its item's
end_of_life.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

from warehouse.demo.streams import stream

REQUIREMENT_COLUMNS = ["requirement_id", "sku", "due_date", "quantity", "note"]
HORIZON_DAYS = 91  # the plan's default horizon, 13 weeks: the series start falls after it
_PILOT_PATTERNS = ("pilot", "new", "lumpy", "ramp_up")  # little demand so far, best first
_SERIES_PATTERNS = ("smooth", "erratic")
_FAST_LEAD_TIME = 28  # days: a pilot build part the plan can buy for before the build


def draw_requirements(
    seed: int,
    items: pd.DataFrame,
    suppliers: pd.DataFrame,
    offers: pd.DataFrame,
    stock: pd.DataFrame,
    weekly: np.ndarray,
    as_of: date,
) -> pd.DataFrame:
    """Three requirements: pilot build (due in 40-44 days), its series start (due 100-120
    days after as_of, past the horizon) and a service campaign (due 3-6 days before as_of).

    `weekly`: units per week per item (`stock.weekly_rate`); the campaign's part has at least
    4 weeks of it on hand (`stock`). Quantities in whole units.
    """
    rng = stream(seed, "requirements")
    open_until = _open_until(items, as_of + timedelta(days=120))
    fastest = _fastest_lead_time(items, suppliers, offers)
    pilot = _pick(rng, items, open_until & (fastest <= _FAST_LEAD_TIME), _PILOT_PATTERNS)
    on_hand = stock.set_index("sku").on_hand.reindex(items.sku).fillna(0).to_numpy()
    stocked = (on_hand > 0) & (on_hand >= 4 * weekly)
    series = _pick(rng, items, open_until & stocked & (items.index != pilot), _SERIES_PATTERNS)
    build = _round_up(max(rng.uniform(150, 300), 8 * weekly[pilot]), 50)
    start = _round_up(rng.uniform(2.5, 4) * build, 100)
    campaign = _round_up(max(rng.uniform(20, 60), rng.uniform(1, 2) * weekly[series]), 10)
    number = int(rng.integers(10, 90))
    day = lambda lo, hi: (as_of + timedelta(days=int(rng.integers(lo, hi + 1)))).isoformat()  # noqa: E731
    rows = [
        (f"PB-{number}", items.sku.iloc[pilot], day(40, 44), build, "pilot build"),
        (f"SR-{number}", items.sku.iloc[pilot], day(HORIZON_DAYS + 9, 120), start, "series start"),
        (f"SC-{number + 1}", items.sku.iloc[series], day(-6, -3), campaign, "service campaign"),
    ]
    frame = pd.DataFrame(rows, columns=REQUIREMENT_COLUMNS)
    end_of_life = frame.sku.map(dict(zip(items.sku, items.end_of_life, strict=True)))
    kept = frame[(end_of_life == "") | (frame.due_date <= end_of_life)]  # a tiny demo's
    return kept.sort_values(["requirement_id", "sku"], ignore_index=True)


def _open_until(items: pd.DataFrame, day: date) -> np.ndarray:
    """Items without an end_of_life on or before `day` (a requirement after it is quarantined)."""
    return ((items.end_of_life == "") | (items.end_of_life > day.isoformat())).to_numpy()


def _fastest_lead_time(
    items: pd.DataFrame, suppliers: pd.DataFrame, offers: pd.DataFrame
) -> np.ndarray:
    """Days: each item's shortest supplier lead_time over its offers (inf without one)."""
    lead_time = offers.merge(suppliers[["supplier_id", "lead_time"]], on="supplier_id")
    shortest = lead_time.groupby("sku").lead_time.min()
    return shortest.reindex(items.sku).fillna(math.inf).to_numpy(dtype=float)


def _pick(rng: np.random.Generator, items: pd.DataFrame, allowed: np.ndarray, patterns) -> int:
    """Row of an allowed item of the first pattern that has one; else of any allowed item,
    else of any item (a tiny demo)."""
    for pattern in patterns:
        found = np.flatnonzero(allowed & (items.pattern.to_numpy() == pattern))
        if len(found):
            return int(rng.choice(found))
    found = np.flatnonzero(allowed)
    return int(rng.choice(found if len(found) else np.arange(len(items))))


def _round_up(quantity: float, step: int) -> int:
    return int(math.ceil(quantity / step) * step)
