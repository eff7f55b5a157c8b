"""forecast(): long demand in, a Forecast for every item to plan out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import QUANTILES, TSB, Empirical, Forecast, forecast, result

COLUMNS = [
    "unique_id",
    "ds",
    "model",
    "mean",
    "q05",
    "q10",
    "q25",
    "q50",
    "q75",
    "q90",
    "q95",
    "q99",
]


def _demand(series: dict[str, list[float]], end: str = "2024-12-01", freq: str = "MS"):
    frames = [
        pd.DataFrame(
            {"unique_id": key, "ds": pd.date_range(end=end, periods=len(v), freq=freq), "y": v}
        )
        for key, v in series.items()
    ]
    return pd.concat(frames, ignore_index=True)


DONORS = {"d1": [2, 2, 2, 2], "d2": [0, 4, 0, 4], "d3": [0, 0, 0, 0]}


def _items(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unique_id", "category", "lifecycle_stage", "end_of_life"])


def test_frame_columns_future_ds_and_model_label():
    fc = forecast(_demand({"a": [0, 3, 0, 1, 2]}), h=3, freq="M", n_paths=50, model="tsb")
    frame = fc.frame()
    assert list(frame.columns) == COLUMNS
    assert list(fc.ds) == list(pd.date_range("2025-01-01", periods=3, freq="MS"))
    assert (frame["model"] == "tsb").all() and len(frame) == 3
    q = frame[COLUMNS[4:]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    assert fc.paths.shape == (1, 50, 3) and fc.quantiles.shape == (1, len(QUANTILES), 3)


def _hand_forecast(paths: list[list[list[int]]]) -> Forecast:
    p = np.asarray(paths, dtype=np.int32)
    return Forecast(
        unique_id=np.array([f"i{k}" for k in range(p.shape[0])], dtype=object),
        ds=pd.date_range("2025-01-01", periods=p.shape[2], freq="MS"),
        model=np.array(["m"] * p.shape[0], dtype=object),
        mean=p.mean(axis=1),
        paths=p,
        quantile_levels=(0.25, 0.5, 0.75),
        quantiles=np.zeros((p.shape[0], 3, p.shape[2])),
    )


def test_cumulative_frame_sums_the_paths_before_taking_quantiles():
    # 4 paths over 2 periods: totals over both periods are 1, 2, 2 and 6
    fc = _hand_forecast([[[0, 1], [2, 0], [1, 1], [3, 3]]])
    got = fc.cumulative_frame()
    assert list(got.columns) == ["unique_id", "periods", "last_ds", "mean", "q25", "q50", "q75"]
    assert got["periods"].tolist() == [1, 2]
    assert list(got["last_ds"]) == list(fc.ds)
    assert got["mean"].tolist() == [1.5, 2.75]  # 6 / 4, then + 5 / 4
    # period 1 alone: 0, 1, 2, 3; both: 1, 2, 2, 6 (the sum of quantiles would be 1, 3, 4)
    assert got[["q25", "q50", "q75"]].to_numpy().tolist() == [[0, 1, 2], [1, 2, 2]]


def test_cumulative_frame_is_the_same_in_blocks_of_items(monkeypatch):
    rng = np.random.default_rng(3)
    fc = _hand_forecast(rng.poisson(1.5, size=(7, 50, 4)).tolist())
    whole = fc.cumulative_frame()
    monkeypatch.setattr(result, "_CUMULATIVE_CELLS", 120)  # 1 item (50 x 4 cells) per block
    pd.testing.assert_frame_equal(fc.cumulative_frame(), whole)
    totals = np.cumsum(fc.paths, axis=2)
    expected = np.quantile(totals, 0.5, axis=1, method="inverted_cdf").ravel()
    np.testing.assert_array_equal(whole["q50"].to_numpy(), expected)
    assert (whole.groupby("unique_id")["q75"].diff().dropna() >= 0).all()  # totals only grow


def test_weekly_future_periods_start_on_mondays_after_last_period():
    demand = _demand({"a": [1, 0, 2, 1]}, end="2024-12-30", freq="W-MON")
    fc = forecast(demand, h=2, freq="W", n_paths=10)
    assert list(fc.ds) == [pd.Timestamp("2025-01-06"), pd.Timestamp("2025-01-13")]
    later = forecast(demand, h=1, freq="W", n_paths=10, last_period=pd.Timestamp("2025-01-13"))
    assert list(later.ds) == [pd.Timestamp("2025-01-20")]


def test_category_prior_for_new_and_one_period_items():
    # donors of category A: rates 2, 2, 0 -> median 2; shapes d1 1 1 1 1, d2 0 2 0 2 (mean 1)
    # -> prior mean 2 per period, paths drawn from {1, 0, 2} * 2 = {0, 2, 4}.
    demand = _demand({**DONORS, "one": [9]})
    items = _items(
        [("d1", "A", "series", None), ("d2", "A", "series", None), ("d3", "A", "series", None),
         ("new", "A", "pilot", None), ("one", "A", "pilot", None), ("lone", "B", "pilot", None)]
    )  # fmt: skip
    fc = forecast(demand, h=4, freq="M", n_paths=500, items=items, model="tsb")
    assert list(fc.unique_id) == ["d1", "d2", "d3", "new", "one", "lone"]
    assert list(fc.model) == ["tsb"] * 3 + ["category_prior"] * 2 + ["no_history"]
    np.testing.assert_allclose(fc.mean[3], 2.0)
    assert set(np.unique(fc.paths[3])) == {0, 2, 4}
    # "one" sold 9 in its one period: the prior's 2 weighed as 10 months of its own periods
    np.testing.assert_allclose(fc.mean[4], (10 * 2.0 + 9) / 11)
    assert abs(fc.paths[4].mean() - 29 / 11) < 0.15
    assert (fc.mean[5] == 0).all() and (fc.paths[5] == 0).all()


def test_category_prior_rate_is_scaled_by_the_lifecycle_stage():
    # category A: 5 series donors at 4 per period, 5 pilot donors at 1 -> median rate 2.5;
    # pilot scale 1 / 2.5, series 4 / 2.5: a new pilot item sells like the pilot donors
    series = {f"s{k}": [4, 4, 4, 4] for k in range(5)}
    pilots = {f"p{k}": [1, 1, 1, 1] for k in range(5)}
    rows = [(u, "A", "series", None) for u in series] + [(u, "A", "pilot", None) for u in pilots]
    new = [("new_pilot", "A", "pilot", None), ("new_series", "A", "series", None),
           ("new_unstaged", "A", None, None), ("new_other", "A", "phase_out", None)]  # fmt: skip
    fc = forecast(_demand({**series, **pilots}), h=3, freq="M", n_paths=200,
                  items=_items(rows + new), model="tsb")  # fmt: skip
    got = dict(zip(fc.unique_id, fc.mean[:, 0], strict=True))
    assert list(fc.model[-4:]) == ["category_prior"] * 4
    assert got["new_pilot"] == pytest.approx(1.0) and got["new_series"] == pytest.approx(4.0)
    # no stage: the category's median rate; a stage without donors: the young donors' scale
    # (all 10 donors started within the year: median of 4 / 2.5 and 1 / 2.5 is 1)
    assert got["new_unstaged"] == got["new_other"] == pytest.approx(2.5)
    pilot_paths = fc.paths[list(fc.unique_id).index("new_pilot")]
    assert pilot_paths.mean() == pytest.approx(1.0, abs=0.05)


def test_items_restrict_and_order_the_output():
    items = _items([("d2", "A", "series", None), ("d1", "A", "series", None)])
    fc = forecast(_demand(DONORS), h=2, freq="M", n_paths=20, items=items)
    assert list(fc.unique_id) == ["d2", "d1"]
    assert list(fc.frame()["unique_id"].unique()) == ["d2", "d1"]


def test_end_of_life_zeroes_periods_starting_after_it():
    # EOL 2025-02-01: the February period starts on it (its first day kept), March and April
    # start after.
    items = _items([("d1", "A", "series", "2025-02-01"), ("d2", "A", "series", None)])
    fc = forecast(_demand(DONORS), h=4, freq="M", n_paths=50, items=items)
    assert (fc.mean[0, :2] > 0).all() and (fc.mean[0, 2:] == 0).all()
    assert (fc.paths[0, :, 2:] == 0).all() and (fc.quantiles[0, :, 2:] == 0).all()
    assert (fc.mean[1] > 0).all()


def test_the_period_of_the_end_of_life_keeps_only_its_days_up_to_it():
    """A monthly plan counted January whole for an end of life on 10 January: 47 units over
    two months where the days up to the end of life hold about 27, and the lot's extra units
    were scrap."""
    steady = {"d1": [20] * 24, "d2": [20] * 24}
    items = _items([("d1", "A", "series", "2025-02-10"), ("d2", "A", "series", None)])
    fc = forecast(_demand(steady), h=3, freq="M", n_paths=2000, items=items, model="empirical")
    assert fc.mean[0, 0] == pytest.approx(fc.mean[1, 0])  # January whole
    assert fc.mean[0, 1] == pytest.approx(fc.mean[1, 1] * 10 / 28)  # 10 of February's 28 days
    assert fc.mean[0, 2] == 0 and (fc.paths[0, :, 2] == 0).all()
    assert fc.paths[0, :, 1].mean() == pytest.approx(fc.mean[0, 1], rel=0.05)
    assert fc.paths.dtype == np.int32
    # the shares go with the forecast, so a plan starting inside a month splits it the same way
    np.testing.assert_allclose(fc.day_shares, [[1.0, 10 / 28, 0.0], [1.0, 1.0, 1.0]])
    parts = [Forecast.concat([fc]), fc]
    assert all(p.day_shares is not None for p in parts)
    np.testing.assert_array_equal(Forecast.concat(parts).day_shares[2:], fc.day_shares)


def test_all_items_new_with_empty_demand_and_last_period():
    empty = pd.DataFrame({"unique_id": [], "ds": pd.to_datetime([]), "y": []})
    items = _items([("x", "A", "pilot", None)])
    fc = forecast(empty, 2, "M", items=items, last_period=pd.Timestamp("2024-12-01"))
    assert list(fc.model) == ["no_history"] and fc.mean.sum() == 0
    assert list(fc.ds) == [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01")]


def test_model_by_name_or_instance_and_same_seed_same_result():
    demand = _demand({"a": [0, 3, 0, 1, 2, 5, 0, 1]})
    by_instance = forecast(demand, 3, "M", n_paths=40, seed=4, model=Empirical(window=4))
    by_name = forecast(demand, 3, "M", n_paths=40, seed=4, model="empirical")
    assert list(by_instance.model) == ["empirical"]
    # window 4: last 4 periods 2 5 0 1 -> 8 / 4 = 2; default window 12 > 8 periods: 12 / 8
    assert by_instance.mean[0, 0] == pytest.approx(2.0)
    assert by_name.mean[0, 0] == pytest.approx(1.5)
    again = forecast(demand, 3, "M", n_paths=40, seed=4, model=TSB())
    first = forecast(demand, 3, "M", n_paths=40, seed=4, model="tsb")
    pd.testing.assert_frame_equal(first.frame(), again.frame())
    np.testing.assert_array_equal(first.paths, again.paths)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "prophet"}, "unknown model"),
        ({"quantiles": (0.5, 0.975)}, "whole percent"),
        ({"h": 0}, "h must be"),
        ({"items": _items([("a", "A", "s", None), ("a", "A", "s", None)])}, "duplicate"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    args = {"demand": _demand({"a": [1, 2]}), "h": 2, "freq": "M", **kwargs}
    with pytest.raises(ValueError, match=message):
        forecast(**args)


def test_the_order_of_the_items_master_changes_no_number():
    # found by a probe: items A..Z against Z..A gave another model for 300 of 300 items (the
    # global model's bags and the backtest draw by row)
    rng = np.random.default_rng(1)
    ds = pd.date_range("2022-01-03", periods=80, freq="W-MON")
    demand = pd.concat(
        pd.DataFrame({"unique_id": f"I{i:03d}", "ds": ds,
                      "y": (rng.random(ds.size) < 0.3) * rng.geometric(1 / 3, ds.size)})
        for i in range(60)
    )  # fmt: skip
    ids = sorted(demand["unique_id"].unique())
    up = forecast(demand, h=6, freq="W", n_paths=50, items=pd.DataFrame({"unique_id": ids}))
    down = forecast(demand, h=6, freq="W", n_paths=50, items=pd.DataFrame({"unique_id": ids[::-1]}))
    assert list(down.unique_id) == ids[::-1]
    np.testing.assert_array_equal(up.paths, down.paths[::-1])
    assert list(up.model) == list(down.model[::-1])


def test_a_one_off_order_is_capped_before_fitting_and_named():
    """One order of 1,000 among weekly sales of about 5: the 12-week total's mean was 244
    and its q95 1,602 (about 60 and 73 without it)."""
    from models import prepare_forecast
    from models.outliers import cap_outliers

    y = np.array([[5.0, 6, 4, 5, 1000, 5, 6, 7, 4], [0, 0, 0, 1, 0, 900, 0, 2, 0]])
    capped, caps = cap_outliers(y)
    assert caps[0] == pytest.approx(30 * np.percentile([5, 6, 4, 5, 1000, 5, 6, 7, 4], 75))
    assert capped[0, 4] == caps[0] and (capped[0, [0, 1, 2, 3, 5]] == y[0, [0, 1, 2, 3, 5]]).all()
    assert np.isnan(caps[1]) and (capped[1] == y[1]).all()  # 3 demands: too few to judge

    rng = np.random.default_rng(3)
    weekly = {f"i{k:02d}": rng.poisson(5.0, 104).astype(float) for k in range(30)}
    weekly["i00"][-8] += 1000
    demand = _demand(weekly, end="2026-11-23", freq="W-MON")
    assert prepare_forecast(demand, freq="W", h=12).adjustments() == [
        "one-off demands capped before fitting at 30 times the item's 75th percentile of "
        "period demand (1 items): i00: 1,006 in the period starting 2026-10-05"
    ]
    totals = forecast(demand, h=12, freq="W", n_paths=1000).paths.sum(axis=2)
    assert totals[0].mean() < 1.6 * totals[1].mean() and np.quantile(totals[0], 0.95) < 300
