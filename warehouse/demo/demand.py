"""Customer demand: order rates per pattern, order lines and credit lines (returns)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.demo.streams import stream

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
N_CUSTOMERS = 60  # customers C-1001 ... C-1060
_CUSTOMER_DISCOUNTS = (0.0, 0.0, 0.0, 0.02, 0.05, 0.08)


def _uniform_by_pattern(
    rng: np.random.Generator, patterns: np.ndarray, ranges: dict[str, tuple[float, float]]
) -> np.ndarray:
    low = np.array([ranges[p][0] for p in patterns])
    high = np.array([ranges[p][1] for p in patterns])
    return rng.uniform(low, high)


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
    rng = stream(seed, "demand")
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


def draw_order_lines(seed: int, items: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Good order lines (typed), credit lines included, sorted by date, order and line."""
    item_ev, day_ev, qty = _demand_events(seed, items, days)
    rng = stream(seed, "orders")
    order, line = _group_orders(rng, item_ev, day_ev)
    n_orders = int(order.max()) + 1 if len(order) else 0
    first = np.flatnonzero(np.r_[True, order[1:] != order[:-1]]) if len(order) else order
    order_years = days[day_ev[first]].year.to_numpy()
    seq = pd.Series(order_years).groupby(order_years).cumcount().to_numpy() + 1
    order_ids = np.array([f"SO-{y}-{s:06d}" for y, s in zip(order_years, seq, strict=True)])
    weights = 1 / np.arange(1, N_CUSTOMERS + 1) ** 0.8
    customer = rng.choice(N_CUSTOMERS, size=n_orders, p=weights / weights.sum())
    discount = np.array(_CUSTOMER_DISCOUNTS)[
        rng.integers(len(_CUSTOMER_DISCOUNTS), size=N_CUSTOMERS)
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
