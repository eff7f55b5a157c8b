"""Category prior: the lifecycle stage's scale on a new item's category rate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import prepare_forecast
from models.prior import stage_scales, start_counts, start_paths, started_share, young_scale


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


def test_young_scale_is_the_median_ratio_over_donors_that_started_within_the_window():
    # category median rate 2 (over the last 3 periods); young = history of at most 3 periods
    nan = np.nan
    donors = np.array(
        [[2, 2, 2, 2, 2], [2, 2, 2, 2, 2], [2, 2, 2, 2, 2],  # old, rate 2
         [nan, nan, 1, 1, 1], [nan, nan, nan, 0, 1], [nan, nan, nan, nan, 3]],  # young
        dtype=float,
    )  # fmt: skip
    groups = np.array(["A"] * 6, dtype=object)
    # young rates 1, 0.5, 3 over their observed periods -> ratios 0.5, 0.25, 1.5
    assert young_scale(donors, groups, window=3, min_donors=3) == pytest.approx(0.5)
    assert young_scale(donors, groups, window=3, min_donors=4) is None


def test_a_new_item_of_a_stage_without_donors_takes_the_young_scale():
    from models import prepare_forecast

    t = 24
    ds = pd.date_range("2023-01-01", periods=t, freq="MS")
    rows = [pd.DataFrame({"unique_id": f"s{k}", "ds": ds, "y": 4.0}) for k in range(6)]
    rows += [pd.DataFrame({"unique_id": f"y{k}", "ds": ds[-3:], "y": 1.0}) for k in range(5)]
    items = pd.DataFrame(
        {"unique_id": [*(f"s{k}" for k in range(6)), *(f"y{k}" for k in range(5)),
                       "new_pilot", "new_series", "new_unstaged"],
         "category": "A",
         "lifecycle_stage": ["series"] * 6 + ["ramp_up"] * 5 + ["pilot", "series", None]}
    )  # fmt: skip
    prepared = prepare_forecast(pd.concat(rows), items=items, freq="M", h=3, model="tsb")
    factor = prepared.selection().set_index("unique_id")["stage_factor"]
    # category median rate 4 (6 of 11 donors sell 4); the 5 young ramp_up donors sell 1
    assert factor["new_pilot"] == pytest.approx(0.25)  # no pilot donor: the young donors
    assert factor["new_series"] == pytest.approx(1.0)  # its own stage: 4 / 4
    assert factor["new_unstaged"] == 1.0


def test_start_counts_reads_items_without_demand_before_the_last_h_periods():
    nan = np.nan
    y = np.array(
        [[1, 0, 0, 0, 0, 0],  # sold before the last 3 periods: not waiting
         [0, 0, 0, 0, 2, 0],  # waiting, started
         [nan, nan, nan, nan, nan, 1],  # waiting (first row late), started
         [0, 0, 0, 0, 0, 0],  # waiting
         [nan] * 6,  # no row at all: waiting
         [nan, nan, 0, 0, 0, 0]],  # waiting
        dtype=float,
    )  # fmt: skip
    assert start_counts(y, h=3, min_items=5) == (2, 5)
    assert start_counts(y, h=3, min_items=6) is None
    assert start_counts(y, h=4, min_items=1) is None  # less than 2h periods


def test_paths_start_at_a_random_period_as_often_as_the_counts_say():
    rng = np.random.default_rng(0)
    paths = np.full((20_000, 6), 2, dtype=np.int32)
    counts = (30, 100)  # p of a start within h = 6 periods about 0.3
    out = start_paths(paths, counts, h=6, rng=rng)
    assert out.dtype == np.int32 and set(np.unique(out)) == {0, 2}
    started = (out > 0).any(axis=1)
    assert started.mean() == pytest.approx(31 / 102, abs=0.02)
    # once started, a path sells in every later period
    first = np.argmax(out > 0, axis=1)
    later = np.arange(6)[None, :] >= first[:, None]
    assert (out[started][later[started]] == 2).all()
    share = started_share(counts, h=6, periods=6)
    np.testing.assert_allclose(share, (out > 0).mean(axis=0), atol=0.02)
    assert np.all(np.diff(share) > 0)


def test_a_never_ordered_item_starts_late_where_waiting_items_rarely_started():
    from models import forecast

    t = 24
    ds = pd.date_range("2023-01-01", periods=t, freq="MS")
    rows = [pd.DataFrame({"unique_id": f"s{k}", "ds": ds, "y": 4.0}) for k in range(6)]
    late = np.zeros(t)
    late[-1] = 4.0
    rows.append(pd.DataFrame({"unique_id": "late", "ds": ds, "y": late}))  # 1 of 10 started
    ids = [*(f"s{k}" for k in range(6)), "late", *(f"w{k}" for k in range(8)), "new"]
    items = pd.DataFrame({"unique_id": ids, "category": "A"})
    demand = pd.concat(rows)
    prepared = prepare_forecast(demand, items=items, freq="M", h=6, model="tsb")
    assert prepared.start_counts == (1, 10)  # late and the 9 items without any row
    assert prepared.waiting[-1] and not prepared.waiting[0]
    assert any("starts within the horizon" in line for line in prepared.adjustments())
    fc = forecast(demand, items=items, freq="M", h=6, n_paths=2000, model="tsb")
    new = fc.mean[-1]
    assert np.all(np.diff(new) > 0) and new[-1] < 0.3 * 4.0  # prior rate 4, rarely started
    assert (fc.paths[-1].sum(axis=1) == 0).mean() > 0.6  # most paths never start


def test_one_period_prior_weighs_an_item_s_own_period_as_the_share_that_sold():
    from models.prior import one_period_prior

    prior = one_period_prior(np.array([6.0, 2.0, 0.0, 4.0]), planned=6)
    assert prior.rate == 3.0 and prior.mean == 3.0  # median with the zero
    np.testing.assert_allclose(prior.pool, [2.0, 2 / 3, 0.0, 4 / 3])  # units / mean 3
    assert prior.periods == pytest.approx((1 - 0.5) / 0.5)  # 3 of 6 planned items sold
    assert prior.scaled(2.0).periods == prior.periods
    nothing = one_period_prior(np.zeros(2), planned=2)
    assert nothing.mean == 0.0 and nothing.pool.size == 0 and nothing.periods == 0.0
