"""Calendar profile: keys that hold fixed dates, the profile by hand-made panels, the check at
the backtest origins, and a weekly forecast over New Year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import Forecast, forecast, forecast_chunk, prepare_forecast
from models.calendar import calendar_factors, past_factors, period_keys, profile


def test_week_keys_hold_the_same_dates_every_year():
    christmas = pd.DatetimeIndex([pd.Timestamp(f"{y}-12-25") for y in range(2015, 2030)])
    new_year = pd.DatetimeIndex([pd.Timestamp(f"{y}-01-01") for y in range(2016, 2031)])
    # the Monday starting the week that holds the date
    for dates, key in ((christmas, 1), (new_year, 0)):
        mondays = dates - pd.to_timedelta(dates.day_of_week, unit="D")
        assert (period_keys(mondays, "W") == key).all()
    assert period_keys(pd.DatetimeIndex(["2026-01-05", "2027-01-04"]), "W").tolist() == [51, 51]
    assert period_keys(pd.date_range("2024-01-01", periods=12, freq="MS"), "M").tolist() == list(
        range(1, 13)
    )


def _weekly_panel(weeks: int, dip: dict[int, float], n: int = 200, seed: int = 0):
    """Poisson demand of n items at rate 3 per week from 2021-01-04, times dip[key] in the
    weeks of those keys."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2021-01-04", periods=weeks, freq="W-MON")
    factor = np.array([dip.get(int(k), 1.0) for k in period_keys(ds, "W")])
    return rng.poisson(3.0 * factor, (n, ds.size)).astype(float), ds


def test_profile_finds_recurring_dips_and_leaves_noise_and_single_years_alone():
    y, ds = _weekly_panel(208, {0: 0.3, 1: 0.5})
    got = profile(y.sum(axis=0), period_keys(ds, "W"), 52)
    assert set(got) == {0, 1}
    assert got[0] == pytest.approx(0.3, abs=0.05) and got[1] == pytest.approx(0.5, abs=0.05)
    one_year = profile(y[:, :70].sum(axis=0), period_keys(ds[:70], "W"), 52)
    assert one_year == {}  # each week of the year seen once at most
    for seed in range(5):  # no calendar effect: none of the 52 weeks may show one
        flat, ds = _weekly_panel(208, {}, seed=seed)
        assert profile(flat.sum(axis=0), period_keys(ds, "W"), 52) == {}


def test_factors_of_the_future_periods_and_the_backtest_check():
    y, ds = _weekly_panel(208, {0: 0.3, 1: 0.5})
    t = 150  # history up to early November of the third year
    future = pd.date_range(ds[t - 1], periods=14, freq="W-MON")[1:]
    factors, full = calendar_factors(y[:, :t], ds[:t], future, "W", [t - 13, t - 26])
    keys = period_keys(future, "W")
    assert set(full) == {0, 1}
    np.testing.assert_allclose(factors, [full.get(int(k), 1.0) for k in keys])
    assert (factors[np.isin(keys, [0, 1])] < 0.6).all()
    # origins before the history (a horizon longer than it): nothing checked, no factors
    factors, full = calendar_factors(y[:, :t], ds[:t], future, "W", [-5, 0])
    assert full == {} and (factors == 1.0).all()
    # a dip in weeks 20-23 of the first two years that stopped in the third: the profile
    # learned before the backtest origins makes the flat forecast worse there, so none
    stopped, ds = _weekly_panel(208, {k: 0.2 for k in range(20, 24)})
    stopped[:, 104:] = np.random.default_rng(1).poisson(3.0, (200, ds.size - 104))
    t = 150
    future = pd.date_range(ds[t - 1], periods=14, freq="W-MON")[1:]
    factors, full = calendar_factors(stopped[:, :t], ds[:t], future, "W", [t - 13, t - 26])
    assert full == {} and (factors == 1.0).all()


def test_weekly_forecast_over_new_year_follows_the_panel_and_stays_chunk_invariant():
    y, ds = _weekly_panel(150, {0: 0.3, 1: 0.5}, n=60)  # ends in November
    demand = pd.DataFrame(
        {"unique_id": np.repeat([f"i{k:02d}" for k in range(60)], ds.size),
         "ds": np.tile(ds, 60), "y": y.ravel()}
    )  # fmt: skip
    prepared = prepare_forecast(demand, freq="W", h=13, seed=0, model="latent")
    keys = period_keys(prepared.ds, "W")
    assert np.isin(keys, [0, 1]).any()  # the forecast spans New Year
    assert (prepared.calendar[np.isin(keys, [0, 1])] < 0.6).all()
    assert "calendar profile" in prepared.calendar_note()
    assert prepared.adjustments() == [prepared.calendar_note()]  # no stages given
    fc = forecast_chunk(prepared, list(prepared.unique_id), n_paths=300, seed=0)
    holiday, normal = np.isin(keys, [0, 1]), ~np.isin(keys, [0, 1])
    ratio = fc.paths[:, :, holiday].mean() / fc.paths[:, :, normal].mean()
    assert ratio == pytest.approx(prepared.calendar[holiday].mean(), rel=0.1)
    ids = list(prepared.unique_id)
    parts = [forecast_chunk(prepared, ids[:25], 300, 0), forecast_chunk(prepared, ids[25:], 300, 0)]
    np.testing.assert_array_equal(Forecast.concat(parts).paths, fc.paths)
    plain = forecast(demand[demand["ds"] < ds[40]], freq="W", h=13, model="latent")
    assert plain.mean.shape == (60, 13)  # a year of history: no profile, no error


def test_a_forecast_made_after_new_year_is_not_held_down_by_the_holiday_weeks():
    y, ds = _weekly_panel(158, {0: 0.3, 1: 0.3}, n=100)  # history ends 2024-01-08
    demand = pd.DataFrame(
        {"unique_id": np.repeat([f"i{k:02d}" for k in range(100)], ds.size),
         "ds": np.tile(ds, 100), "y": y.ravel()}
    )  # fmt: skip
    prepared = prepare_forecast(demand, freq="W", h=8, seed=0, model="latent")
    assert (prepared.calendar == 1.0).all()  # no holiday ahead
    fc = forecast_chunk(prepared, list(prepared.unique_id), n_paths=200, seed=0)
    # the true rate is 3 per week; the models fit the history without the dips
    assert fc.mean.mean() == pytest.approx(3.0, rel=0.05)
    assert past_factors({0: 0.3, 1: 0.5}, ds[-3:], "W").tolist() == [0.5, 0.3, 1.0]


def _closed_over_new_year(n: int, closed_sales: float) -> pd.DataFrame:
    """n weekly Poisson(20) items over ~4 years; the weeks holding Dec 25 and Jan 1 sell
    `closed_sales` units for item I00 and nothing for the others (a company closure)."""
    rng = np.random.default_rng(0)
    ds = pd.date_range("2021-01-04", periods=200, freq="W-MON")
    closed = period_keys(ds, "W") <= 1
    frames = []
    for i in range(n):
        sales = closed_sales if i == 0 else 0.0
        y = np.where(closed, sales, rng.poisson(20, ds.size))
        frames.append(pd.DataFrame({"unique_id": f"I{i:02d}", "ds": ds, "y": y}))
    return pd.concat(frames)


def test_a_closed_period_keeps_its_zero_for_the_forecast_without_a_zero_division():
    demand = _closed_over_new_year(30, 0.0)
    prepared = prepare_forecast(demand, freq="W", h=12)
    closed = period_keys(prepared.ds, "W") <= 1
    assert closed.any() and (prepared.calendar[closed] == 0.0).all()
    fc = forecast(demand, freq="W", h=12, n_paths=200)
    assert np.isfinite(fc.mean).all()
    assert (fc.paths[:, :, closed] == 0).all()
    assert 15 < fc.mean[:, ~closed].mean() < 25  # the open weeks keep the items' rate


def test_a_few_units_in_a_closed_period_are_not_multiplied_into_a_spike():
    # I00 sells 3 units in each closed week: the factor is tiny (0.005), and 3 / 0.005 = 600
    # units joined I00's demand sizes (q99 470 against 33 for its twins)
    fc = forecast(_closed_over_new_year(30, 3.0), freq="W", h=12, n_paths=1000)
    q99 = np.quantile(fc.paths, 0.99, axis=1)
    assert q99[0].max() < 2 * q99[1].max()


def test_slow_movers_whose_median_period_sells_nothing_have_no_profile():
    ds = pd.date_range("2021-01-01", periods=48, freq="MS")
    demand = pd.DataFrame({"unique_id": "XMAS", "ds": ds, "y": np.where(ds.month == 12, 10.0, 0.0)})
    prepared = prepare_forecast(demand, freq="M", h=12)
    assert (prepared.calendar == 1.0).all()
    assert np.isfinite(forecast(demand, freq="M", h=12, n_paths=100).mean).all()
