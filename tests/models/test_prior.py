"""Category prior: the lifecycle stage's scale on a new item's category rate."""

from __future__ import annotations

import numpy as np
import pytest

from models.prior import stage_scales


def _constant(rates: list[float], t: int = 6) -> np.ndarray:
    return np.repeat(np.asarray(rates, dtype=float)[:, None], t, axis=1)


def test_stage_scale_is_the_median_ratio_to_the_donors_category_median():
    # A: rates 4, 4, 1, 2 (median 3); B: 10, 10, 2 (median 10)
    donors = _constant([4, 4, 1, 2, 10, 10, 2])
    groups = np.array(["A", "A", "A", "A", "B", "B", "B"], dtype=object)
    stages = np.array(["series", "series", "pilot", "pilot", "series", "series", "pilot"],
                      dtype=object)  # fmt: skip
    got = stage_scales(donors, groups, stages, window=6, min_donors=2)
    assert got["pilot"] == pytest.approx(1 / 3)  # median of 1/3, 2/3, 2/10
    assert got["series"] == pytest.approx(7 / 6)  # median of 4/3, 4/3, 1, 1


def test_stages_with_few_donors_unknown_stages_and_zero_categories_get_no_scale():
    donors = _constant([4, 4, 1, 0, 0, 3])
    groups = np.array(["A", "A", "A", "Z", "Z", "A"], dtype=object)  # Z sells nothing
    stages = np.array(["series", "series", "pilot", "pilot", "pilot", None], dtype=object)
    got = stage_scales(donors, groups, stages, window=6, min_donors=2)
    # pilot: one donor in a selling category; Z's pilot donors have no ratio; None: no stage
    assert got == {"series": pytest.approx(4 / 3.5)}


def test_the_window_sets_the_rates():
    donors = np.array([[9.0, 9.0, 1.0, 1.0], [9.0, 9.0, 2.0, 2.0], [np.nan, np.nan, 3, 3]])
    groups = np.array(["A", "A", "A"], dtype=object)
    stages = np.array(["p", "p", "s"], dtype=object)
    got = stage_scales(donors, groups, stages, window=2, min_donors=1)
    assert got == {"p": pytest.approx(0.75), "s": pytest.approx(1.5)}  # median rate 2
