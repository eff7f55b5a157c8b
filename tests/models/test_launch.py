"""Planner-entered launch forecasts for new items, and the calibration term of selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import forecast
from models.select import COVER_LEVELS, Backtest


def _demand() -> pd.DataFrame:
    ds = pd.date_range(end="2024-12-01", periods=4, freq="MS")
    # category A donors: shapes 1 1 1 1 and 0 2 0 2 (mean 1)
    sizes = [0.0, 4.0, 0.0, 4.0]
    rows = [("d1", d, 2.0) for d in ds] + [("d2", d, v) for d, v in zip(ds, sizes, strict=True)]
    return pd.DataFrame(rows, columns=["unique_id", "ds", "y"])


def test_launch_forecast_is_used_for_new_items_with_the_category_spread():
    items = pd.DataFrame(
        {
            "unique_id": ["d1", "d2", "new", "plain", "lone"],
            "category": ["A", "A", "A", "A", "B"],
            "launch_forecast": [50.0, np.nan, 10.0, np.nan, 3.0],
        }
    )
    fc = forecast(_demand(), h=4, freq="M", n_paths=400, items=items, model="tsb")
    assert list(fc.model) == ["tsb", "tsb", "launch_forecast", "category_prior", "launch_forecast"]
    np.testing.assert_allclose(fc.mean[2], 10.0)  # planner's units per period
    assert set(np.unique(fc.paths[2])) == {0, 10, 20}  # category shapes {0, 1, 2} x 10
    assert fc.mean[0, 0] == pytest.approx(2.0, abs=0.5)  # items with history ignore it
    np.testing.assert_allclose(fc.mean[4], 3.0)  # no donor in B: Poisson at the rate
    assert abs(fc.paths[4].mean() - 3.0) < 0.3 and fc.paths[4].std() > 1


def test_a_launch_forecast_that_history_overrides_is_named():
    """A planner's launch rate of 20 for an item with 3 periods of sales was not used, and
    nothing said so (its forecast was the fitted model's 5 a week). The note named one item as
    '1 item(s) ..., forecast by their model': one reads in the singular, two in the plural."""
    from models import prepare_forecast

    items = pd.DataFrame({"unique_id": ["d1", "d2", "new"], "category": "A",
                          "launch_forecast": [50.0, np.nan, 10.0]})  # fmt: skip
    prepared = prepare_forecast(_demand(), items, freq="M", h=4, model="tsb")
    assert prepared.adjustments() == [
        "launch_forecast not used for 1 item with demand history, forecast by its model: "
        "d1 (clear it once an item sells)"
    ]
    assert (
        prepare_forecast(_demand(), items.iloc[1:], freq="M", h=4, model="tsb").adjustments() == []
    )
    items.loc[1, "launch_forecast"] = 5.0  # two items: the note in the plural
    prepared = prepare_forecast(_demand(), items, freq="M", h=4, model="tsb")
    assert prepared.adjustments() == [
        "launch_forecast not used for 2 items with demand history, forecast by their model: "
        "d1, d2 (clear it once an item sells)"
    ]


def test_one_period_of_sales_is_weighed_against_the_launch_forecast_and_the_prior():
    """A new item with a launch_forecast of 3 a week sold 30 in its first week and stayed on
    3 a week (an item without one on its category's 1.9): its own sales were not used until
    a second week came."""
    ds = pd.date_range(end="2024-12-30", periods=4, freq="W-MON")
    rows = [("d1", d, 2.0) for d in ds] + [("n1", ds[-1], 30.0), ("n2", ds[-1], 30.0)]
    demand = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    items = pd.DataFrame({"unique_id": ["d1", "n1", "n2"], "category": "A",
                          "launch_forecast": [np.nan, 3.0, np.nan]})  # fmt: skip
    fc = forecast(demand, h=13, freq="W", n_paths=400, items=items, model="tsb")
    assert list(fc.model) == ["tsb", "launch_forecast", "category_prior"]
    weeks = 52 * 10 / 12  # the prior weighs as 10 months of the item's own weeks
    np.testing.assert_allclose(fc.mean[1], (weeks * 3.0 + 30) / (weeks + 1))
    np.testing.assert_allclose(fc.mean[2], (weeks * 2.0 + 30) / (weeks + 1))
    assert abs(fc.paths[1].mean() - fc.mean[1, 0]) < 0.1


def test_one_period_in_a_category_without_history_weighs_against_all_items_prior():
    """An item of a new category that sold 30 in its one period was forecast zero (no prior
    of its category), so it got no lot and no note."""
    items = pd.DataFrame({"unique_id": ["d1", "d2", "x1", "x2"], "category": ["A", "A", "B", "B"]})
    demand = pd.concat([_demand(), pd.DataFrame({"unique_id": ["x1"],
                        "ds": [pd.Timestamp("2024-12-01")], "y": [30.0]})])  # fmt: skip
    fc = forecast(demand, h=4, freq="M", n_paths=400, items=items, model="tsb")
    assert list(fc.model) == ["tsb", "tsb", "category_prior", "no_history"]
    # all items' prior: donor rates 2 and 2 (median 2), shapes of mean 1
    np.testing.assert_allclose(fc.mean[2], (10 * 2.0 + 30) / 11)
    assert (fc.mean[3] == 0).all()  # nothing of its own: still no forecast


def test_negative_launch_forecast_raises():
    items = pd.DataFrame({"unique_id": ["new"], "launch_forecast": [-1.0]})
    with pytest.raises(ValueError, match="launch_forecast must be >= 0"):
        forecast(_demand(), h=2, freq="M", items=items)


def test_selection_score_penalizes_miscalibrated_upper_quantiles():
    n = 100
    ones = np.ones((n, 1))
    honest = np.tile(np.asarray(COVER_LEVELS), (n, 1, 1))  # covered share = nominal level
    narrow = np.full((n, 1, len(COVER_LEVELS)), 0.7)
    bt = Backtest(
        period_loss={"honest": ones, "narrow": ones * 0.98},
        total_loss={"honest": ones, "narrow": ones * 0.98},
        covered={"honest": honest, "narrow": narrow},
        actual_total=np.full((n, 1), 2.0),
        forecast_total={"honest": np.ones((n, 1)), "narrow": np.ones((n, 1))},
    )
    everyone = np.ones(n, dtype=bool)
    assert bt.group_score("honest", everyone) == pytest.approx(0.5)
    assert bt.group_score("narrow", everyone) > bt.group_score("honest", everyone)


@pytest.mark.parametrize(("freq", "ds"), [("M", "2026-10-01"), ("W", "2026-10-05")])
def test_a_first_night_on_one_period_of_orders_forecasts_the_items_that_sold_in_it(freq, ds):
    """A brand-new deployment with one month of order history: no item had 2 periods, so no
    category had a donor and every item was forecast zero (no order: a sure stockout for A,
    which sold 50). The items' one period forms the prior: rate their median, shapes their
    spread, and an item's own period weighs as the share of the items that sold in it."""
    from models import prepare_forecast
    from models.prepare import ONE_PERIOD

    demand = pd.DataFrame({"unique_id": ["A", "B"], "ds": pd.to_datetime([ds] * 2),
                           "y": [50.0, 3.0]})  # fmt: skip
    items = pd.DataFrame({"unique_id": ["A", "B", "C"], "category": "x", "end_of_life": pd.NaT})
    fc = forecast(demand, h=3, freq=freq, n_paths=2000, items=items)
    assert list(fc.model) == ["category_prior", "category_prior", "no_history"]
    # 2 of the 3 items sold: own period x 2/3 + the median 26.5 x 1/3
    np.testing.assert_allclose(fc.mean[:2], [[42.5 - 1 / 3] * 3, [2 + 26.5 / 3] * 3])
    # wide: each period drawn from the items' spread, {50, 3} / their mean 26.5, times the rate
    assert set(np.unique(fc.paths[0])) == {4, 5, 79, 80}
    assert abs(fc.paths[0].mean() - fc.mean[0, 0]) < 2 and fc.paths[0].std() > 30
    assert (fc.mean[2] == 0).all() and (fc.paths[2] == 0).all()  # C: nothing of its own
    chosen = prepare_forecast(demand, items, freq=freq, h=3).selection()
    assert chosen["group"].tolist() == [ONE_PERIOD, ONE_PERIOD, "short"]
    # without an items master every item sold: each is forecast at its own period
    np.testing.assert_allclose(forecast(demand, h=3, freq=freq).mean[:, 0], [50.0, 3.0])


def test_a_launch_forecast_on_a_first_night_is_weighed_as_before():
    """On a panel of one period the launch_forecast still weighs as 10 months against the
    item's one period; its period joins the items' prior of the others."""
    demand = pd.DataFrame({"unique_id": ["A", "L"], "ds": pd.Timestamp("2026-10-01"),
                           "y": [10.0, 30.0]})  # fmt: skip
    items = pd.DataFrame({"unique_id": ["A", "L"], "launch_forecast": [np.nan, 3.0]})
    fc = forecast(demand, h=2, freq="M", n_paths=400, items=items)
    assert list(fc.model) == ["category_prior", "launch_forecast"]
    np.testing.assert_allclose(fc.mean[1], (10 * 3.0 + 30) / 11)
    np.testing.assert_allclose(fc.mean[0], 10.0)  # both sold: A's own period, median 20
    assert set(np.unique(fc.paths[0])) == {5, 15}  # shapes 10 / 20 and 30 / 20, times 10
