"""Suppliers and their offers: pack sizes, moq and falling price tiers (price_breaks)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from warehouse.demo.catalog import CATEGORIES
from warehouse.demo.streams import stream

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


def draw_suppliers(seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """8-15 suppliers and which categories each one serves (bool, suppliers x categories)."""
    rng = stream(seed, "suppliers")
    n = int(rng.integers(8, 16))
    names = rng.permutation(np.array(_SUPPLIER_NAMES))[:n]
    serves = rng.random((n, len(CATEGORIES))) < 0.2
    primary = rng.permutation(len(CATEGORIES))
    serves[np.arange(n), primary[np.arange(n) % len(CATEGORIES)]] = True
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


def draw_offers(
    seed: int, items: pd.DataFrame, suppliers: pd.DataFrame, serves: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """supplier_items (1-3 per item) and their price_breaks (1-4 tiers, price falling)."""
    rng = stream(seed, "offers")
    cat_index = {c.name: i for i, c in enumerate(CATEGORIES)}
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


def round_price(price: float) -> float:
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
        price = round_price(first_price * (1 - discount))
        if not tiers or price < tiers[-1][1]:
            tiers.append((qty, price))
    return tiers
