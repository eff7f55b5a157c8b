"""Cost parameters derived from planner inputs: stockout cost and obsolescence."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

OBSOLESCENCE_DEFAULTS: dict[str, float] = {
    "pilot": 0.3,
    "ramp_up": 0.1,
    "series": 0.05,
    "phase_out": 0.5,
}
MIN_OVERAGE_SHARE = 0.01  # of unit_price: the least overage cost of a unit bought


def stockout_cost_for_service_level(
    service_level: float,
    unit_price: float,
    holding_cost_rate: float,
    horizon_years: float,
    obsolescence: float,
    salvage_value: float,
) -> float:
    """Stockout cost (currency per unit short) whose newsvendor critical ratio is service_level.

    Overage cost c_o = unit_price × holding_cost_rate × horizon_years
    + obsolescence × (unit_price − salvage_value). A unit short costs stockout_cost but saves
    its purchase, so the underage cost is c_u = stockout_cost − unit_price; with
    c_u = c_o × SL / (1 − SL), c_u / (c_u + c_o) = SL. Hence stockout_cost = unit_price +
    c_o × SL / (1 − SL). c_o is at least MIN_OVERAGE_SHARE × unit_price, so that an item that
    is free to hold still gets a stockout cost above its price.
    """
    if not 0 < service_level < 1:
        raise ValueError("service_level must be within 0..1 (exclusive)")
    if unit_price <= 0:
        raise ValueError("unit_price must be positive")
    if holding_cost_rate < 0 or horizon_years < 0 or salvage_value < 0:
        raise ValueError("holding_cost_rate, horizon_years and salvage_value must be >= 0")
    if not 0 <= obsolescence <= 1:
        raise ValueError("obsolescence must be within 0..1")
    overage = unit_price * holding_cost_rate * horizon_years + obsolescence * max(
        unit_price - salvage_value, 0.0
    )
    overage = max(overage, MIN_OVERAGE_SHARE * unit_price)
    return unit_price + overage * service_level / (1 - service_level)


def obsolescence_for(
    lifecycle_stage: str,
    end_of_life: date | None,
    horizon_end: date,
    defaults: Mapping[str, float] | None = None,
) -> float:
    """Probability that stock left at the horizon end is never used.

    1.0 if the item's end_of_life is on or before the horizon end, else the default of its
    lifecycle_stage (OBSOLESCENCE_DEFAULTS unless `defaults` is given).
    """
    if end_of_life is not None and end_of_life <= horizon_end:
        return 1.0
    table = OBSOLESCENCE_DEFAULTS if defaults is None else defaults
    if lifecycle_stage not in table:
        raise ValueError(f"unknown lifecycle_stage {lifecycle_stage!r}; known: {sorted(table)}")
    return float(table[lifecycle_stage])
