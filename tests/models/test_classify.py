"""ADI / CV² classes on series computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import classify

SERIES = {
    # adi 5 / 5 = 1; sizes 5 5 5 5 6: mean 5.2, var (4 * .04 + .64) / 5 = .16, cv2 .16 / 27.04
    "smooth": [5, 5, 5, 5, 6],
    # adi 1; sizes 1 10 1 10: mean 5.5, var 20.25, cv2 20.25 / 30.25 = .6694
    "erratic": [1, 10, 1, 10],
    # adi 6 / 3 = 2; cv2 0
    "intermittent": [0, 3, 0, 3, 0, 3],
    # adi 8 / 4 = 2; cv2 .6694
    "lumpy": [0, 1, 0, 10, 0, 1, 0, 10],
    # 1 demand < 3: adi 4, cv2 0
    "short": [0, 0, 7, 0],
    "zero": [0, 0, 0],
}


def _long() -> pd.DataFrame:
    """All series end in the same (last) period; each starts where its history starts."""
    frames = [
        pd.DataFrame(
            {
                "unique_id": key,
                "ds": pd.date_range(end="2024-12-01", periods=len(v), freq="MS"),
                "y": np.array(v, dtype=float),
            }
        )
        for key, v in SERIES.items()
    ]
    return pd.concat(frames, ignore_index=True)


def test_classes_and_statistics_by_hand():
    out = classify(_long(), "M").set_index("unique_id")
    assert list(out.columns) == ["adi", "cv2", "n_demands", "n_periods", "demand_class"]
    for key in ["smooth", "erratic", "intermittent", "lumpy", "short"]:
        assert out.loc[key, "demand_class"] == key
    assert out.loc["zero", "demand_class"] == "short"
    expected = {
        "smooth": (1.0, 0.16 / 27.04, 5, 5),
        "erratic": (1.0, 20.25 / 30.25, 4, 4),
        "intermittent": (2.0, 0.0, 3, 6),
        "lumpy": (2.0, 20.25 / 30.25, 4, 8),
        "short": (4.0, 0.0, 1, 4),
    }
    for key, (adi, cv2, n_demands, n_periods) in expected.items():
        row = out.loc[key]
        assert (row.adi, row.cv2) == pytest.approx((adi, cv2))
        assert (row.n_demands, row.n_periods) == (n_demands, n_periods)
    assert np.isnan(out.loc["zero", "adi"]) and np.isnan(out.loc["zero", "cv2"])


def test_min_demands_controls_short():
    out = classify(_long(), "M", min_demands=1).set_index("unique_id")
    assert out.loc["short", "demand_class"] == "intermittent"  # adi 4, cv2 0
    assert out.loc["zero", "demand_class"] == "short"
