"""The report's charts read right: read off matplotlib's own objects (labels, limits, ticks,
legend boxes), not compared pixel by pixel."""

from __future__ import annotations

import warnings

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex

from flows import plots

WEEKS = pd.date_range("2026-11-30", periods=14, freq="W-MON")


def _forecast(values: np.ndarray, spread: float = 0.0) -> pd.DataFrame:
    frame = {"ds": WEEKS, "mean": values, "q50": values}
    for level, shift in (("q05", -2), ("q25", -1), ("q75", 1), ("q95", 2)):
        frame[level] = np.maximum(values + shift * spread, 0)
    return pd.DataFrame(frame)


def _history(values: list[float], end: str = "2026-11-23") -> pd.DataFrame:
    return pd.DataFrame({"ds": pd.date_range(end=end, periods=len(values), freq="W-MON"),
                         "y": values})  # fmt: skip


def _ticks(fig: plt.Figure, axis: str) -> list[str]:
    """The tick labels drawn (inside the axis' limits)."""
    fig.canvas.draw()
    ax = fig.axes[0]
    which = ax.xaxis if axis == "x" else ax.yaxis
    low, high = sorted(which.get_view_interval())
    ticks = zip(which.get_majorticklocs(), which.get_majorticklabels(), strict=True)
    return [label.get_text() for loc, label in ticks if low <= loc <= high]


def _points_under_legend(fig: plt.Figure) -> int:
    """Data vertices (lines and bands in data coordinates) drawn inside the legend's box."""
    fig.canvas.draw()
    ax = fig.axes[0]
    box = ax.get_legend().get_window_extent()
    xy = [line.get_xydata() for line in ax.get_lines() if line.get_transform() is ax.transData]
    xy += [p.vertices for c in ax.collections for p in c.get_paths()]
    points = ax.transData.transform(np.concatenate(xy))
    inside = (points[:, 0] > box.x0) & (points[:, 0] < box.x1) & (points[:, 1] > box.y0)
    return int((inside & (points[:, 1] < box.y1)).sum())


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_fan_chart_axis_says_units_per_week_or_month() -> None:
    fig = plots.fan_figure("A-1", _history([3, 5]), _forecast(np.full(14, 4.0), 1), "W")
    assert fig.axes[0].get_ylabel() == "units per week"
    fig = plots.fan_figure("A-1", _history([3, 5]), _forecast(np.full(14, 4.0), 1), "M")
    assert fig.axes[0].get_ylabel() == "units per month"
    assert fig.axes[0].get_title() == "A-1: demand per month and forecast"


def test_fan_chart_date_ticks_name_each_date_once_with_its_year() -> None:
    # a new item: only the 14 forecast weeks; "%b %Y" read Jan 2027, Jan 2027, Feb 2027, ...
    fig = plots.fan_figure("A-1", _history([]), _forecast(np.full(14, 0.3), 0.1), "W")
    labels = [t for t in _ticks(fig, "x") if t]
    assert len(labels) >= 3 and len(set(labels)) == len(labels)
    assert labels[0].endswith("2026") and any(t.endswith("2027") for t in labels[1:])


def test_an_all_zero_forecast_reads_0_and_1_up_the_axis_not_0_0_0() -> None:
    fig = plots.fan_figure("A-1", _history([0.0] * 10), _forecast(np.zeros(14)), "W")
    labels = [t for t in _ticks(fig, "y") if t]
    assert labels[:2] == ["0", "1"] and len(set(labels)) == len(labels)


def test_the_legend_does_not_hide_demand_drawn_at_the_top() -> None:
    # one period of history, higher than any forecast: it sat under the legend
    fig = plots.fan_figure("A-1", _history([3.0]), _forecast(np.zeros(14)), "W")
    assert _points_under_legend(fig) == 0
    history = _history([5, 9, 2, 8, 12, 4, 3, 11, 7, 6])
    fig = plots.fan_figure("A-1", history, _forecast(np.full(14, 7.0), 2.5), "W")
    assert _points_under_legend(fig) == 0


def test_a_new_item_without_history_says_so_in_the_legend() -> None:
    fig = plots.fan_figure("A-1", _history([]), _forecast(np.full(14, 1.0), 0.5), "W")
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts[0] == "demand (none yet)" and texts[1:3] == ["5-95%", "25-75%"]


def _curves() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    qty = np.arange(10, 200, 10)
    return {
        "S-1": (qty, 1000 + (qty - 100.0) ** 2 / 20),
        "S-2": (qty, 1100 + (qty - 90.0) ** 2 / 20),
        "S-3": (qty, 1200 + (qty - 80.0) ** 2 / 20),
    }


def test_other_suppliers_curves_have_colours_of_their_own() -> None:
    # the first unchosen supplier took matplotlib's first colour: the chosen one's blue
    fig = plots.cost_figure("A-1", _curves(), 1500.0, [50, 100], ("S-2", 90, 1100.0))
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    colours = [to_hex(lines[s].get_color()) for s in ("S-1", "S-2 (chosen)", "S-3")]
    assert len(set(colours)) == 3
    assert colours[1] == plots._BLUE
    # and in greyscale print: a marker each on the others, none on the chosen one's
    markers = [lines[s].get_marker() for s in ("S-1", "S-2 (chosen)", "S-3")]
    assert markers[1] in (None, "None", "") and len({markers[0], markers[2]}) == 2
    assert lines["S-2 (chosen)"].get_linewidth() > lines["S-1"].get_linewidth()


def test_cost_chart_marks_the_chosen_suppliers_breaks_and_starts_at_no_order() -> None:
    fig = plots.cost_figure("A-1", _curves(), 1500.0, [50, 100], ("S-2", 90, 1100.0))
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "price breaks of S-2" in texts
    assert ax.get_xlim()[0] == 0
    assert ax.get_xlim()[1] >= 190
    star = [line for line in ax.get_lines() if line.get_marker() == "*"]
    assert [tuple(star[0].get_xydata()[0])] == [(90.0, 1100.0)]
    assert ax.get_ylabel() == "expected cost (currency)"


def test_cost_ticks_keep_the_decimals_a_narrow_range_needs() -> None:
    # one feasible lot, costs 100 and 120: 117.5 read "118", the quantity axis "5 5 5 5"
    curves = {"S-1": (np.array([5]), np.array([100.0]))}
    fig = plots.cost_figure("A-1", curves, 120.0, [5], ("S-1", 5, 100.0))
    for axis in ("x", "y"):
        labels = [t for t in _ticks(fig, axis) if t]
        assert len(set(labels)) == len(labels) >= 3
    fig.axes[0].set_ylim(99, 121)  # ticks 2.5 apart
    assert "117.5" in _ticks(fig, "y")
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts[-1] == "chosen: 5 units, 100.00"


def test_the_chosen_lot_is_named_in_the_legend_off_the_curves() -> None:
    # a label beside the star ran into a steep curve, or past the axis for a lot near 0
    curves = {"S-1": (np.arange(1, 4), np.array([10.0, 18.0, 26.0]))}
    fig = plots.cost_figure("A-1", curves, 17.0, [], ("S-1", 1, 10.0))
    ax = fig.axes[0]
    assert len(ax.texts) == 0
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[-1] == "chosen: 1 unit, 10.00"
    assert ax.get_ylim()[0] > 0  # no room made below the cheapest cost: costs are not < 0


def test_stock_chart_legend_is_clear_of_the_stock_and_zero_stock_reads() -> None:
    rng = np.random.default_rng(0)
    ds = pd.DatetimeIndex(WEEKS[1:])
    with_lot = np.maximum(180 - np.cumsum(rng.poisson(15, (200, 13)), axis=1), 0) + 0.0
    with_lot[:, 9:] += 120
    without = np.maximum(180 - np.cumsum(rng.poisson(15, (200, 13)), axis=1), 0) + 0.0
    fig = plots.stock_figure("A-1", ds, 180, with_lot, without, 9, "W")
    assert _points_under_legend(fig) == 0
    labels = [t for t in _ticks(fig, "x") if t]
    assert len(set(labels)) == len(labels) and labels[0][-4:] in ("2026", "2027")
    zeros = np.zeros((50, 13))
    fig = plots.stock_figure("A-1", ds, 0, zeros, zeros, 3, "W")
    labels = [t for t in _ticks(fig, "y") if t]
    assert labels[:2] == ["0", "1"] and len(set(labels)) == len(labels)


def test_bars_of_zero_values_read_on_the_axis() -> None:
    # read 0 0 0 1 1 1 along the axis
    fig = plots.bars_figure(["A-1", "A-2"], [0.0, 0.0], "Leftover", "value (currency)")
    labels = [t for t in _ticks(fig, "x") if t]
    assert len(set(labels)) == len(labels) >= 3


def test_an_earlier_forecast_shows_the_demand_that_came_apart_from_its_history() -> None:
    history = _history([5, 9, 2, 8, 12, 4, 3, 11, 7, 6], end="2026-12-28")
    fig = plots.fan_figure("A-1", history, _forecast(np.full(14, 7.0), 2.5), "W", "earlier")
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    came = lines["demand that came"].get_xydata()
    assert len(came) == 6  # the last week of history, then the five weeks since
    assert mdates.num2date(came[1][0]).date() == WEEKS[0].date()
    assert len(lines["demand"].get_xydata()) == 5
    assert _points_under_legend(fig) == 0


def test_an_items_end_of_life_is_marked_where_it_falls_within_the_chart() -> None:
    # the fan dropped to 0 and the stock stayed flat with nothing to say why
    history = _history([5, 9, 2, 8])
    forecast = _forecast(np.full(14, 7.0), 2.5)
    eol = WEEKS[5].date()  # a Monday: the line at the end of that day
    fig = plots.fan_figure("A-1", history, forecast, "W", end_of_life=eol)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    x = lines[f"end of life {eol:%Y-%m-%d}"].get_xdata()[0]
    assert mdates.num2date(mdates.date2num(x)).date() == WEEKS[5].date() + pd.Timedelta(days=1)
    assert _points_under_legend(fig) == 0
    ds = pd.DatetimeIndex(WEEKS[1:])
    stock = np.full((20, 13), 5.0)
    fig = plots.stock_figure("A-1", ds, 5, stock, stock, 3, "W", end_of_life=eol)
    assert f"end of life {eol:%Y-%m-%d}" in [line.get_label() for line in fig.axes[0].get_lines()]
    later = (WEEKS[-1] + pd.Timedelta(days=30)).date()
    fig = plots.stock_figure("A-1", ds, 5, stock, stock, 3, "W", end_of_life=later)
    assert not any(line.get_label().startswith("end of life") for line in fig.axes[0].get_lines())


def test_a_price_break_beyond_the_curves_does_not_stretch_the_quantity_axis() -> None:
    fig = plots.cost_figure("A-1", _curves(), 1500.0, [50, 100, 1000], ("S-2", 90, 1100.0))
    assert 190 <= fig.axes[0].get_xlim()[1] < 220


def test_the_cost_charts_legend_sits_under_the_axes_inside_the_figure() -> None:
    # inside the axes, with three suppliers, it covered a curve wherever it went
    fig = plots.cost_figure("A-1", _curves(), 1500.0, [50, 100], ("S-2", 90, 1100.0))
    fig.tight_layout()  # as the PNG is saved
    assert _points_under_legend(fig) == 0
    ax = fig.axes[0]
    legend, frame = ax.get_legend().get_window_extent(), fig.bbox
    assert legend.y1 < ax.get_window_extent().y0
    assert frame.x0 <= legend.x0 and legend.x1 <= frame.x1 and frame.y0 <= legend.y0


def test_the_stock_chart_starts_from_the_stock_on_hand_the_night_of_the_plan() -> None:
    """The chart began at the stock at the end of the first week: the 40 units a planner
    starts from, on hand as of the night, were not drawn."""
    import optimize

    offer = optimize.Offer("S1", 10, 10, "all_units", (optimize.PriceBreak(1, 5.0),), 15.0, 2)
    demand = np.random.default_rng(0).poisson(6, (200, 8))
    item = optimize.ItemProblem("A-1", demand, 40, (), (offer,), 0.25, 7 / 365.25, 0.5, 0.1,
                                25.0, 2.0)  # fmt: skip
    night = WEEKS[0].date()
    ds = pd.DatetimeIndex(optimize.plan_period_starts(night, 7.0, item.horizon))
    with_lot = optimize.projected_stock(item, "S1", 30)
    without = optimize.projected_stock(item, None, 0)
    fig = plots.stock_figure("A-1", ds, item.on_hand, with_lot, without, 2, "W")
    ax = fig.axes[0]
    lines = {line.get_label(): line.get_xydata() for line in ax.get_lines()}
    start = mdates.date2num(ds[0])  # the end of the night: the first period starts after it
    for label in ("median with the lot", "median without it"):
        assert tuple(lines[label][0]) == (start, 40.0)
    # then each week's end stock over its week, as before
    assert lines["median with the lot"][-1][1] == np.median(with_lot[:, -1])
    assert tuple(lines[f"on hand as of {night:%Y-%m-%d}"][0]) == (start, 40.0)
    assert ax.get_xlim()[0] < start  # the marker whole, not cut by the axis
    labels = _ticks(fig, "x")
    assert ax.get_xticks()[0] == start and labels[0] == f"as of\n{night:%d %b}\n{night:%Y}"
    # the other ticks as before: each date once, the year under the first
    assert len(set(labels)) == len(labels) >= 3 and labels[1][-4:] in ("2026", "2027")
    assert _points_under_legend(fig) == 0


def test_a_monthly_fan_chart_draws_without_a_matplotlib_warning() -> None:
    # the demo's 30 months of history and 14 forecast months (3 to 4 years: too few for
    # yearly ticks, too many for 6-monthly ones): every monthly run printed "UserWarning:
    # AutoDateLocator was unable to pick an appropriate interval" twice per fan chart
    months = pd.date_range("2024-06-01", periods=44, freq="MS")
    history = pd.DataFrame({"ds": months[:30], "y": np.arange(30.0)})
    forecast = _forecast(np.full(14, 40.0), 5).assign(ds=months[30:])
    fig = plots.fan_figure("A-1", history, forecast, "M")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.png(fig)
    fig = plots.fan_figure("A-1", history, forecast, "M")
    labels = [t for t in _ticks(fig, "x") if t]
    assert len(labels) >= 4 and len(set(labels)) == len(labels)


def test_the_stock_chart_marks_open_orders_where_they_arrive() -> None:
    """Stock jumped by an open order's 80 units in week 3 with nothing on the chart to say
    why: it read as the lot arriving early."""
    import optimize

    offer = optimize.Offer("S1", 10, 10, "all_units", (optimize.PriceBreak(1, 5.0),), 15.0, 8)
    demand = np.random.default_rng(0).poisson(15, (200, 12))
    item = optimize.ItemProblem("A-1", demand, 60, ((2, 80), (2, 20), (5, 30)), (offer,), 0.25,
                                7 / 365.25, 0.5, 0.1, 25.0, 2.0)  # fmt: skip
    ds = pd.DatetimeIndex(optimize.plan_period_starts(WEEKS[0].date(), 7.0, item.horizon))
    with_lot = optimize.projected_stock(item, "S1", 100)
    without = optimize.projected_stock(item, None, 0)
    fig = plots.stock_figure("A-1", ds, 60, with_lot, without, 8, "W", item.open_orders)
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert "open orders arrive: 80 + 20 + 30 units" in labels
    colour = ax.get_lines()[labels.index("open orders arrive: 80 + 20 + 30 units")].get_color()
    at = [mdates.date2num(line.get_xdata()[0]) for line in ax.get_lines()
          if line.get_color() == colour]  # fmt: skip
    assert at == [mdates.date2num(ds[2]), mdates.date2num(ds[5])]  # one line per week
    assert _points_under_legend(fig) == 0
    # overdue: counted now; due at or past the horizon end: not in the plan
    fig = plots.stock_figure("A-1", ds, 60, with_lot, without, 8, "W", ((-3, 80), (12, 5)))
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "open order arrives: 80 units" in labels


def test_the_risk_chart_has_a_dot_per_lot_and_names_the_ones_to_look_at() -> None:
    """No chart showed which lots are both short and overstocked: the leftover bars gave no
    risk, the table gave it per row."""
    skus = ["A-1", "A-2", "A-3", "A-4", "A-5", "A-6"]
    leftover = [10.0, 4000.0, 250.0, 30.0, 3000.0, 0.0]
    risk = [0.30, 0.02, 0.05, 0.12, 0.01, 0.0]
    value = [100.0, 9000.0, 400.0, 50.0, 3000.0, 10.0]
    fig = plots.risk_figure(skus, leftover, risk, value, allowed=0.05, named=2)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "expected leftover at horizon end, at cost (currency)"
    assert ax.get_ylabel() == "stockout risk the lot decides"
    assert len(ax.collections[0].get_offsets()) == 6
    sizes = ax.collections[0].get_sizes()
    assert sizes[1] == sizes.max() and sizes[5] == sizes.min()  # area by order value
    # above the line; the most leftover
    assert sorted(t.get_text() for t in ax.texts) == ["A-1", "A-2", "A-4", "A-5"]
    line = [line for line in ax.get_lines() if line.get_label().startswith("5%")]
    assert line and line[0].get_ydata()[0] == 0.05
    labels = [t for t in _ticks(fig, "y") if t]
    assert labels[0] == "0%" and all(t.endswith("%") for t in labels)
    assert ax.get_xlim()[1] > 4000 and ax.get_ylim()[1] > 0.30
    plots.png(fig)


def test_the_risk_charts_names_stay_apart_and_inside_the_axes() -> None:
    # lots of 11,526 and 12,079 at cost near the right edge: their names ran into one another
    skus = ["P-31953", "P-57731", "P-49552", "P-97082", "P-26720"]
    leftover = [11526.0, 12079.0, 11449.0, 104.0, 5.0]
    risk = [0.0515, 0.0505, 0.002, 0.259, 0.2465]
    fig = plots.risk_figure(skus, leftover, risk, [1.0] * 5, allowed=0.05, named=3)
    plots.png(fig)  # as the report saves it
    fig.canvas.draw()
    ax = fig.axes[0]
    boxes = [t.get_window_extent() for t in ax.texts]
    assert len(boxes) == 5
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    frame = ax.get_window_extent()
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 for b in boxes)


def test_the_fan_chart_marks_the_night_and_when_the_lot_arrives() -> None:
    """The fan gave no clue which of its weeks the stock on hand must cover and from which
    the lot serves: the stock chart beside it marked the lot's arrival, the fan did not."""
    night = WEEKS[0].date() - pd.Timedelta(days=1)  # a Sunday: the forecast starts Monday
    arrives = WEEKS[4]
    for freq in ("W", "M"):
        fig = plots.fan_figure("A-1", _history([5, 9, 2, 8, 30]), _forecast(np.full(14, 7.0), 2.5),
                               freq, night=night, arrives=arrives)  # fmt: skip
        ax = fig.axes[0]
        lines = {line.get_label(): line for line in ax.get_lines()}
        at = mdates.date2num(lines[f"as of {night:%Y-%m-%d}"].get_xdata()[0])
        assert at == mdates.date2num(WEEKS[0])  # the end of the night
        assert mdates.date2num(lines["lot arrives"].get_xdata()[0]) == mdates.date2num(arrives)
        assert _points_under_legend(fig) == 0
    # the accuracy chart (an earlier forecast) has neither
    fig = plots.fan_figure("A-1", _history([5, 9]), _forecast(np.full(14, 7.0)), "W", "earlier")
    assert not any(line.get_label() == "lot arrives" for line in fig.axes[0].get_lines())


def test_a_marked_one_off_shows_on_the_history_it_was_left_out_of() -> None:
    """P-84518's week of 161 units, marked as a one-off: the history (and the forecast) leave
    it out, and the chart shows it apart, a hollow grey marker at 161 above the week's 0."""
    history = _history([4.0, 0.0, 5.0, 0.0])
    marked = pd.DataFrame({"ds": [history["ds"].iloc[3]], "units": [161.0]})
    fig = plots.fan_figure("A-1", history, _forecast(np.full(14, 0.5), 0.2), "W", one_offs=marked)
    ax = fig.axes[0]
    assert "one-off, left out" in ax.get_legend_handles_labels()[1]
    (dots,) = [c for c in ax.collections if c.get_label() == "one-off, left out"]
    assert dots.get_offsets()[0][1] == 161.0
    assert ax.get_ylim()[1] > 161  # on the chart, not cut off
    other = pd.DataFrame({"ds": [pd.Timestamp("2025-01-06")], "units": [50.0]})  # off the chart
    fig = plots.fan_figure("A-1", history, _forecast(np.full(14, 0.5), 0.2), "W", one_offs=other)
    assert "one-off, left out" not in fig.axes[0].get_legend_handles_labels()[1]


def test_a_requirement_is_drawn_on_top_of_the_forecast_and_taken_from_the_stock() -> None:
    """A lot bought for a pilot build (PB-17, 200 units) showed a fan of 7 a week and a stock
    that fell to 0 with nothing to say why: the fan draws the requirement's units on top of
    the forecast mean in the period the plan counts it in, named; the stock chart its drop."""
    import optimize

    night = WEEKS[0].date() - pd.Timedelta(days=1)
    ds = pd.DatetimeIndex(optimize.plan_period_starts(night, 7.0, 12))
    overdue = night - pd.Timedelta(days=40)
    required = pd.DataFrame({"ds": [ds[0], ds[5]], "units": [30, 200],
                             "requirement_id": ["SC-3", "PB-17"],
                             "due_date": [overdue, ds[5].date()]})  # fmt: skip
    fig = plots.fan_figure("A-1", _history([5, 9, 2, 8]), _forecast(np.full(14, 7.0), 2.5), "W",
                           night=night, requirements=required)  # fmt: skip
    ax = fig.axes[0]
    assert "requirement (planned on top of the forecast)" in ax.get_legend_handles_labels()[1]
    bars = [c for c in ax.collections
            if isinstance(c, LineCollection) and to_hex(c.get_color()[0]) == "#e7298a"]  # fmt: skip
    tops = sorted(c.get_paths()[0].vertices[:, 1].max() for c in bars)
    assert tops == [37.0, 207.0]  # the mean 7 and the units
    assert {t.get_text() for t in ax.texts} == {"SC-3: 30 overdue", "PB-17: 200"}
    assert ax.get_ylim()[1] > 207 and _points_under_legend(fig) == 0
    offer = optimize.Offer("S1", 10, 10, "all_units", (optimize.PriceBreak(1, 5.0),), 15.0, 8)
    demand = np.full((50, 12), 5) + np.eye(12, dtype=int)[5] * 200
    item = optimize.ItemProblem("A-1", demand, 260, (), (offer,), 0.25, 7 / 365.25, 0.5, 0.1,
                                25.0, 2.0)  # fmt: skip
    with_lot = optimize.projected_stock(item, "S1", 100)
    without = optimize.projected_stock(item, None, 0)
    fig = plots.stock_figure("A-1", ds, 260, with_lot, without, 8, "W",
                             requirements=[(5, 200, "PB-17"), (12, 50, "PB-30")])  # fmt: skip
    ax = fig.axes[0]
    (bar,) = [c for c in ax.collections if c.get_label() == "requirement taken: PB-17 200 units"]
    ((x, low), (_, high)) = bar.get_paths()[0].vertices
    assert x == mdates.date2num(ds[5]) and (low, high) == (35.0, 235.0)  # 260 - 5 weeks of 5
    assert _points_under_legend(fig) == 0
