"""prepare_forecast / forecast_chunk: chunk invariance, selection output, short histories."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from models import Forecast, auto_candidates, forecast, forecast_chunk, prepare_forecast


def _panel_frame(n: int = 40, t: int = 36, freq: str = "MS", seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.1, 0.7, n)
    y = (rng.random((n, t)) < p[:, None]) * rng.geometric(0.4, (n, t))
    y[0, -14:] = 0  # a dying item
    ds = pd.date_range("2021-01-04" if freq != "MS" else "2021-01-01", periods=t, freq=freq)
    return pd.DataFrame(
        {"unique_id": np.repeat([f"i{k:02d}" for k in range(n)], t), "ds": np.tile(ds, n),
         "y": y.ravel().astype(float)}
    )  # fmt: skip


@pytest.fixture(scope="module")
def monthly() -> pd.DataFrame:
    return _panel_frame()


@pytest.fixture(scope="module")
def prepared(monthly):
    return prepare_forecast(monthly, freq="M", h=6, seed=1)


def test_forecast_equals_concat_of_chunks_for_any_chunking(monthly):
    whole = forecast(monthly, h=6, freq="M", n_paths=80, seed=5)
    prepared = prepare_forecast(monthly, freq="M", h=6, seed=5)
    ids = list(prepared.unique_id)
    for cuts in ([10, 11, 30], [1], [39]):
        parts = [
            forecast_chunk(prepared, chunk, 80, seed=5)
            for chunk in np.split(np.array(ids, dtype=object), cuts)
        ]
        joined = Forecast.concat(parts)
        np.testing.assert_array_equal(joined.paths, whole.paths)
        np.testing.assert_array_equal(joined.mean, whole.mean)
        np.testing.assert_array_equal(joined.model, whole.model)
        np.testing.assert_array_equal(joined.scores, whole.scores)
        pd.testing.assert_frame_equal(joined.frame(), whole.frame())


def test_item_paths_do_not_depend_on_chunk_order_or_company(prepared):
    alone = forecast_chunk(prepared, ["i07"], 50, seed=9)
    mixed = forecast_chunk(prepared, ["i30", "i07", "i01"], 50, seed=9)
    np.testing.assert_array_equal(alone.paths[0], mixed.paths[1])
    other_seed = forecast_chunk(prepared, ["i07"], 50, seed=10)
    assert not np.array_equal(alone.paths, other_seed.paths)


def test_prepared_pickles_and_predicts_the_same(prepared):
    clone = pickle.loads(pickle.dumps(prepared))
    a = forecast_chunk(prepared, ["i03", "i04"], 40, seed=2)
    b = forecast_chunk(clone, ["i03", "i04"], 40, seed=2)
    np.testing.assert_array_equal(a.paths, b.paths)
    assert len(pickle.dumps(prepared)) < 200_000


def test_selection_labels_and_scores(prepared):
    sel = prepared.selection()
    assert list(sel.columns) == [
        "unique_id", "group", "model", "score", "stage_factor",
        "demand_class", "adi", "cv2", "n_demands", "lifecycle_stage",
    ]  # fmt: skip
    assert sel["lifecycle_stage"].isna().all()  # no items given
    assert (sel["stage_factor"] == 1.0).all()  # so no stage corrects anything
    assert set(sel["model"]) <= set(auto_candidates())
    assert sel["score"].notna().all() and (sel["score"] >= 0).all()
    assert sel.loc[sel["unique_id"] == "i00", "group"].item() == "inactive"
    assert set(prepared.table["model"]) <= set(auto_candidates())


def test_dying_item_forecasts_less_than_its_past_rate(monthly):
    """14 months without demand: the smoothed level has decayed (TSB-style obsolescence)."""
    fc = forecast(monthly, h=6, freq="M", n_paths=50)
    past = monthly[monthly["unique_id"] == "i00"]["y"].iloc[:-14].mean()
    assert 0 < fc.mean[0, 0] < 0.75 * past


def test_unknown_id_in_chunk_raises(prepared):
    with pytest.raises(ValueError, match="not prepared"):
        forecast_chunk(prepared, ["nope"], 10, seed=0)


def test_concat_rejects_different_horizons(prepared, monthly):
    a = forecast_chunk(prepared, ["i01"], 10, seed=0)
    b = forecast(monthly, h=3, freq="M", n_paths=10)
    with pytest.raises(ValueError, match="share"):
        Forecast.concat([a, b])


def test_weekly_auto_forecast():
    demand = _panel_frame(n=20, t=60, freq="W-MON")
    fc = forecast(demand, h=13, freq="W", n_paths=60, seed=0)
    assert fc.paths.shape == (20, 60, 13) and (fc.ds.day_of_week == 0).all()
    assert set(fc.model) <= set(auto_candidates(13))  # each item: a backtested candidate
    assert np.isfinite(fc.scores).all()


def test_items_with_zero_one_or_two_periods_of_history(monthly):
    last = monthly["ds"].max()
    extra = pd.DataFrame(
        {"unique_id": ["two", "two", "one"], "ds": [last - pd.DateOffset(months=1), last, last],
         "y": [3.0, 0.0, 2.0]}
    )  # fmt: skip
    ids = [*sorted(monthly["unique_id"].unique()), "two", "one", "new"]
    items = pd.DataFrame({"unique_id": ids, "category": "A"})
    fc = forecast(pd.concat([monthly, extra]), h=4, freq="M", n_paths=200, items=items)
    model = dict(zip(fc.unique_id, fc.model, strict=True))
    assert model["two"].startswith("latent(")
    assert model["one"] == model["new"] == "category_prior"
    assert (fc.mean[-2:] > 0).all() and fc.paths[-2:].max() > 0
    assert np.isnan(fc.scores[-2:]).all()


def test_selection_classifies_every_planned_item_with_its_lifecycle_stage(monthly):
    last = monthly["ds"].max()
    one = pd.DataFrame({"unique_id": ["one"], "ds": [last], "y": [2.0]})
    ids = [*sorted(monthly["unique_id"].unique()), "one", "new"]
    stages = ["series"] * (len(ids) - 3) + ["phase_out", "ramp_up", "pilot"]
    items = pd.DataFrame({"unique_id": ids, "category": "A", "lifecycle_stage": stages})
    sel = prepare_forecast(pd.concat([monthly, one]), items=items, h=4).selection()
    assert sel["unique_id"].tolist() == sorted(ids)  # prepared in unique_id order
    expected = dict(zip(ids, stages, strict=True))
    assert sel.set_index("unique_id")["lifecycle_stage"].to_dict() == expected
    row = sel.set_index("unique_id")
    y = monthly[monthly["unique_id"] == "i05"]["y"].to_numpy()
    assert row.loc["i05", "n_demands"] == (y > 0).sum()
    assert row.loc["i05", "adi"] == pytest.approx(y.size / (y > 0).sum())
    assert row.loc["i05", "demand_class"] in {"smooth", "erratic", "intermittent", "lumpy"}
    assert row.loc["i00", "group"] == "inactive"  # selection group: dying, whatever its class
    assert row.loc["one", "demand_class"] == row.loc["new", "demand_class"] == "short"
    assert row.loc["one", "n_demands"] == 1 and row.loc["new", "n_demands"] == 0
    assert np.isnan(row.loc["new", "adi"])


def test_extra_periods_lengthen_the_paths_not_the_selection(monthly, prepared):
    """A plan starting inside a month overlaps one month more than its horizon: the paths get
    it, but the models stay those chosen for h (with h + 1 a night one day later chose other
    models on the same history: forecasts 17% higher)."""
    longer = prepare_forecast(monthly, freq="M", h=6, seed=1, extra_periods=1)
    assert (longer.h, longer.horizon, prepared.h) == (7, 6, 6)
    assert list(longer.ds[:6]) == list(prepared.ds)
    assert (longer.label == prepared.label).all()
    pd.testing.assert_frame_equal(longer.table, prepared.table)
    fc = forecast_chunk(longer, list(longer.unique_id[:5]), n_paths=50, seed=2)
    assert fc.paths.shape == (5, 50, 7) and fc.mean.shape == (5, 7)
    with pytest.raises(ValueError, match="extra_periods must be an integer >= 0"):
        prepare_forecast(monthly, freq="M", h=6, extra_periods=-1)


def test_period_lengths_are_each_period_s_own_days():
    from models import period_lengths

    months = pd.date_range("2026-12-01", periods=3, freq="MS")
    assert period_lengths(months).tolist() == [31, 31, 28]
    assert period_lengths(pd.DatetimeIndex(months.to_numpy())).tolist() == [31, 31, 28]
    weeks = pd.DatetimeIndex(["2026-06-01", "2026-06-08"])  # a Monday on the 1st: no month
    assert period_lengths(weeks).tolist() == [7, 7]
    assert period_lengths(pd.DatetimeIndex(["2026-06-01"])).tolist() == [7]
