"""Demand classes by ADI and CV² (Syntetos-Boylan), plus `short` for too little demand.

ADI (average demand interval) = observed periods / periods with demand; CV² = squared
coefficient of variation of the nonzero demand sizes (population variance). Cut-offs
1.32 (ADI) and 0.49 (CV²): smooth (low, low), erratic (low ADI, high CV²), intermittent
(high ADI, low CV²), lumpy (high, high). A series with fewer than `min_demands` periods
with demand is `short`: its ADI and CV² say little.

`item_classes` adds what the item master says: the `lifecycle_stage` (pilot, ramp_up, series,
phase_out) of every planned item, also of items without history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.panel import Panel, to_panel

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49


def _adi_cv2(y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per series of a left-padded array: (adi, cv2, n_demands, n_periods); NaN adi and cv2
    for a series without demand."""
    n_periods = (~np.isnan(y)).sum(axis=1)
    demand = np.nan_to_num(y) > 0
    n_demands = demand.sum(axis=1)
    sizes = np.where(demand, y, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = np.where(n_demands > 0, n_periods / n_demands, np.nan)
        mean = np.where(n_demands > 0, np.nansum(sizes, axis=1) / n_demands, np.nan)
        var = np.where(
            n_demands > 0, np.nansum((sizes - mean[:, None]) ** 2, axis=1) / n_demands, np.nan
        )
        cv2 = var / mean**2
    return adi, cv2, n_demands, n_periods


def _demand_class(adi: np.ndarray, cv2: np.ndarray, short: np.ndarray) -> np.ndarray:
    frequent = adi < ADI_CUTOFF
    steady = cv2 < CV2_CUTOFF
    label = np.select(
        [frequent & steady, frequent, steady], ["smooth", "erratic", "intermittent"], "lumpy"
    )
    return np.where(short, "short", label)


def _classes(y: np.ndarray, min_demands: int) -> dict[str, np.ndarray]:
    """adi, cv2, n_demands, n_periods and demand_class per row of a left-padded array."""
    adi, cv2, n_demands, n_periods = _adi_cv2(y)
    return {
        "adi": adi,
        "cv2": cv2,
        "n_demands": n_demands.astype(np.int64),
        "n_periods": n_periods.astype(np.int64),
        "demand_class": _demand_class(adi, cv2, n_demands < min_demands),
    }


def classify(demand: pd.DataFrame | Panel, freq: str = "M", min_demands: int = 3) -> pd.DataFrame:
    """One row per series: unique_id, adi, cv2, n_demands, n_periods, demand_class.

    demand: long frame (unique_id, ds, y) on periods of `freq`, or a Panel (freq ignored).
    """
    panel = demand if isinstance(demand, Panel) else to_panel(demand, freq)
    return pd.DataFrame({"unique_id": panel.ids, **_classes(panel.y, min_demands)})


def item_classes(
    y: np.ndarray, lifecycle_stage: np.ndarray | None = None, min_demands: int = 3
) -> pd.DataFrame:
    """Per row of a left-padded array (n, T): demand_class, adi, cv2, n_demands and
    lifecycle_stage (from the item master, None where unknown); rows without history are
    `short` with NaN adi and cv2."""
    classes = _classes(y, min_demands)
    stage = np.full(y.shape[0], None, dtype=object) if lifecycle_stage is None else lifecycle_stage
    return pd.DataFrame(
        {
            **{k: classes[k] for k in ("demand_class", "adi", "cv2", "n_demands")},
            "lifecycle_stage": pd.Series(stage, dtype=object).where(pd.notna(stage), None),
        }
    )
