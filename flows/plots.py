"""Charts of the run report (matplotlib, Agg backend: no display needed).

Numbers on axes are formatted for a buyer: thousands separators, money with its currency
label, units whole (decimals only where ticks fall between whole numbers), dates as months or
days with the year where it starts or changes. The `*_figure` functions return the matplotlib
Figure (what the tests read); `png` turns one into PNG bytes for the report.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import Formatter, MaxNLocator, PercentFormatter

SIZE = (6.4, 3.6)  # inches; at DPI 100 two charts fit side by side on a 1400 px page
DPI = 100
_BLUE, _ORANGE, _GREY, _PURPLE = "#1f77b4", "#d95f02", "#7f7f7f", "#6a3d9a"
_GREEN = "#1b9e77"  # open orders on the stock chart
_RED = "#e7298a"  # requirements (planners' dated known demand) on the fan and stock charts
# the other suppliers' cost curves: Dark2 without its orange (the price breaks' colour)
_OTHERS = ("#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#666666")
_MARKERS = ("o", "s", "^", "D", "v", "P")  # and a marker each: the colours alike in greyscale


class _Ticks(Formatter):
    """A formatter that sees all the axis' visible ticks (`ticks`) before it labels one."""

    ticks: np.ndarray = np.array([])

    def set_locs(self, locs: Sequence[float]) -> None:
        locs = np.sort(np.asarray(locs, dtype=float))
        if self.axis is not None:
            low, high = sorted(self.axis.get_view_interval())
            locs = locs[(locs >= low) & (locs <= high)]
        self.ticks = locs


class _Amounts(_Ticks):
    """Thousands separators and as many decimals as the ticks need (at most 4): whole
    numbers stay whole, a step of 2.5 reads 117.5 rather than 118, a step of 0.2 over a
    range of zeros reads 0.2 rather than 0."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        ticks = self.ticks
        decimals = next(
            (d for d in range(5) if np.allclose(np.round(ticks, d), ticks, rtol=0, atol=1e-6)),
            4,
        )
        return f"{x:,.{decimals}f}"


class _Dates(_Ticks):
    """Tick dates a planner reads at a glance: months (`Apr`) or days (`15 Dec`) as the
    ticks' spacing needs, or years, and the year under the first tick and wherever it
    changes; "%b %Y" on every tick repeated `Jan 2027` when the ticks were two weeks
    apart."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        step = min(np.diff(self.ticks), default=31.0)  # days
        day = mdates.num2date(x)
        if step >= 365:
            return f"{day:%Y}"
        text = f"{day:%b}" if step >= 28 else f"{day:%d %b}"
        earlier = [mdates.num2date(v).year for v in self.ticks if v < x]
        return f"{text}\n{day:%Y}" if not earlier or earlier[-1] != day.year else text


def _monthly_up_to_a_year(locator: mdates.AutoDateLocator) -> mdates.AutoDateLocator:
    """`locator` with ticks every 12 months among its monthly spacings: a monthly chart of 3
    to 4 years (too short for yearly ticks at 4 or more) found none of 1..6 months within
    `maxticks` and matplotlib warned ("AutoDateLocator was unable to pick an appropriate
    interval") twice per chart, in the terminal of every monthly run."""
    locator.intervald[mdates.MONTHLY] = [1, 2, 3, 4, 6, 12]
    return locator


class _NightTicks(mdates.AutoDateLocator):
    """Date ticks with one more at `start` (the end of the night the plan starts from); the
    automatic ticks closer to it than 3/4 of their spacing are left out (their labels ran
    into its)."""

    def __init__(self, start: float, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.start = start

    def __call__(self) -> list[float]:
        ticks = np.asarray(super().__call__(), dtype=float)
        gap = np.diff(ticks).min() if len(ticks) > 1 else np.inf
        return [self.start, *ticks[ticks - self.start >= 0.75 * gap]]


class _NightDates(_Dates):
    """`_Dates`, and `as of`, the night's day and year at its tick; the other ticks are
    labelled as if it were not there (their year, their spacing)."""

    def __init__(self, start: float, night: date) -> None:
        self.start, self.night = start, night

    def set_locs(self, locs: Sequence[float]) -> None:
        super().set_locs([v for v in locs if v != self.start])

    def __call__(self, x: float, pos: int | None = None) -> str:
        if x == self.start:
            return f"as of\n{self.night:%d %b}\n{self.night:%Y}"
        return super().__call__(x, pos)


def png(fig: plt.Figure) -> bytes:
    """The figure as PNG bytes (closed: matplotlib keeps open figures)."""
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()


def _units_over_dates(ax: plt.Axes, ylabel: str, headroom: float, min_ticks: int = 3) -> None:
    """Whole units from 0 against dates, the axes of the per-item time charts: the top at
    least 1 unit (all zeros read `0 0 0 0` up the axis) and `headroom` (share of the
    highest value) above the data, where the legend goes (it hid demand drawn at the top)."""
    ax.set_ylabel(ylabel)
    top = max(ax.dataLim.y1 if np.isfinite(ax.dataLim.y1) else 0.0, 1.0)
    # a hair below 0: lines at 0 (no demand, no stock) show above the axis, not in it
    ax.set_ylim(-0.015 * top, top * (1 + headroom))
    ax.yaxis.set_major_formatter(_Amounts())
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    locator = mdates.AutoDateLocator(minticks=min_ticks, maxticks=7)
    ax.xaxis.set_major_locator(_monthly_up_to_a_year(locator))
    ax.xaxis.set_major_formatter(_Dates())
    ax.grid(alpha=0.3)


def _end_of_life(ax: plt.Axes, end_of_life: date | None, first: object, last: object) -> None:
    """A line at the end of the item's last day with demand, if it falls between the
    chart's `first` and `last` dates."""
    if end_of_life is None:
        return
    at = pd.Timestamp(end_of_life) + pd.Timedelta(days=1)
    if pd.Timestamp(first) <= at <= pd.Timestamp(last):
        ax.axvline(at, color=_PURPLE, ls="-.", lw=1.2, label=f"end of life {end_of_life:%Y-%m-%d}")


def _open_orders(
    ax: plt.Axes, ds: pd.DatetimeIndex, open_orders: Sequence[tuple[int, int]]
) -> None:
    """A line at the start of each period in which open orders arrive (overdue ones in the
    first), one legend entry naming their units; stock jumped there with nothing to say why
    and read as the lot arriving early."""
    due = sorted(
        ((max(int(d), 0), int(q)) for d, q in open_orders if d < len(ds)), key=lambda o: o[0]
    )
    if not due:
        return
    units = " + ".join(f"{q:,}" for _, q in due)
    if len(due) > 4:  # the legend's width
        units = f"{len(due)} of them, {sum(q for _, q in due):,}"
    label = (
        f"open orders arrive: {units} units"
        if len(due) > 1
        else f"open order arrives: {units} units"
    )
    for i, period in enumerate(sorted({d for d, _ in due})):
        ax.axvline(ds[period], color=_GREEN, ls="--", lw=1.2, label=label if i == 0 else None)


def fan_figure(
    sku: str,
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    freq: str,
    title: str | None = None,
    note: str | None = None,
    end_of_life: date | None = None,
    night: date | None = None,
    arrives: pd.Timestamp | None = None,
    one_offs: pd.DataFrame | None = None,
    requirements: pd.DataFrame | None = None,
) -> plt.Figure:
    """Demand history (ds, y) and the forecast fan (ds, mean, q05 ... q95) of one item, in
    units per period; the history may reach into the forecast's periods (an earlier forecast
    against what came). `note`: where the forecast comes from when it is not the item's own
    history (`flows.sources.forecast_source`), under the chart in orange. Demand in the
    forecast's periods is drawn black, "demand that came": grey on from the history, it
    read as more of what the forecast was made from. `end_of_life`: the item's last day
    with demand, marked where it falls within the chart. `night`: the plan's as_of, a line at
    its end; `arrives`: the start of the plan period in which the lot arrives (the stock
    chart's line), so the periods the stock on hand must cover read off the fan. `one_offs`
    (ds, units): demand a planner marked as a one-off, which the history (and the forecast)
    leaves out, drawn as a hollow grey marker at what the period held with it, on a dotted
    stem from the history. `requirements` (ds, units, requirement_id): planners' dated known
    demand the plan adds to the forecast (`ItemProblem.requirements`), at the start of the plan
    period it is counted in: a bar from the forecast mean up by its units, named at its top."""
    fig, ax = plt.subplots(figsize=SIZE)
    ds = pd.to_datetime(forecast["ds"])
    came = pd.to_datetime(history["ds"]) >= ds.min()
    label = "demand" if len(history) else "demand (none yet)"
    before = history[~came]
    ax.plot(before["ds"], before["y"], color=_GREY, lw=1.2, marker="o", ms=2.5, label=label)
    if came.any():
        joint = before.tail(1)  # the line joins the history's end, without its marker
        after = pd.concat([joint, history[came]])
        ax.plot(
            after["ds"],
            after["y"],
            color="black",
            lw=1.4,
            marker="o",
            ms=3.5,
            markevery=slice(len(joint), None),
            label="demand that came",
            zorder=4,
        )
    if one_offs is not None and len(one_offs) and len(history):
        _one_offs(ax, history, one_offs)
    ax.fill_between(ds, forecast["q05"], forecast["q95"], color=_BLUE, alpha=0.15, label="5-95%")
    ax.fill_between(ds, forecast["q25"], forecast["q75"], color=_BLUE, alpha=0.3, label="25-75%")
    ax.plot(ds, forecast["q50"], color=_BLUE, lw=1.2, label="median")
    ax.plot(ds, forecast["mean"], color=_BLUE, lw=1.2, ls="--", label="mean")
    if requirements is not None and len(requirements):
        _requirements_on_forecast(ax, ds, forecast["mean"], requirements)
    _end_of_life(ax, end_of_life, history["ds"].min() if len(history) else ds.min(), ds.max())
    if night is not None:
        end = pd.Timestamp(night) + pd.Timedelta(days=1)
        ax.axvline(end, color="black", ls="-", lw=0.8, label=f"as of {night:%Y-%m-%d}")
    if arrives is not None:
        ax.axvline(pd.Timestamp(arrives), color=_ORANGE, ls=":", lw=1.2, label="lot arrives")
    period = "week" if freq == "W" else "month"
    ax.set_title(title or f"{sku}: demand per {period} and forecast")
    entries = len(ax.get_legend_handles_labels()[1])
    ncol = 5 if entries <= 5 else 4
    rows = -(-entries // ncol)  # legend rows over the data
    _units_over_dates(ax, f"units per {period}", 0.15 + 0.15 * rows, min_ticks=4)
    ax.legend(loc="upper left", fontsize=7, ncol=ncol, frameon=False)
    if note:
        ax.set_xlabel(textwrap.fill(note[:1].upper() + note[1:], 90), color=_ORANGE, fontsize=8)
    return fig


def _one_offs(ax: plt.Axes, history: pd.DataFrame, one_offs: pd.DataFrame) -> None:
    """The marked one-offs (ds, units) of the periods the history shows, on top of it."""
    held = history.assign(ds=pd.to_datetime(history["ds"])).set_index("ds")["y"]
    marks = one_offs.assign(ds=pd.to_datetime(one_offs["ds"])).groupby("ds")["units"].sum()
    marks = marks[marks.index.isin(held.index)]
    if marks.empty:
        return
    base = held.reindex(marks.index).to_numpy()
    ax.vlines(marks.index, base, base + marks.to_numpy(), color=_GREY, ls=":", lw=1.0)
    ax.scatter(marks.index, base + marks.to_numpy(), s=22, facecolors="none",
               edgecolors=_GREY, label="one-off, left out", zorder=3)  # fmt: skip


def _requirements_on_forecast(
    ax: plt.Axes, ds: pd.Series, mean: pd.Series, requirements: pd.DataFrame
) -> None:
    """Each plan period's requirements (ds, units, requirement_id; optional due_date) as a
    bar on top of the forecast mean there, named ('PB-17: 200'; 'SC-3: 30 overdue' for one
    due before its period starts) at its top: the plan's demand of that period is the
    forecast and these units."""
    days = mdates.date2num(pd.to_datetime(ds))
    per = requirements.assign(ds=pd.to_datetime(requirements["ds"])).groupby("ds", sort=True)
    for i, (at, group) in enumerate(per):
        base = float(np.interp(mdates.date2num(at), days, mean.to_numpy(dtype=float)))
        units = float(group["units"].sum())
        label = "requirement (planned on top of the forecast)" if i == 0 else None
        ax.vlines(at, base, base + units, color=_RED, lw=3.5, alpha=0.75, zorder=4, label=label)
        ax.scatter([at], [base + units], marker="D", s=18, color=_RED, zorder=5)
        names = [f"{r.requirement_id}: {r.units:,.0f}" + (" overdue" if _overdue(r, at) else "")
                 for r in group.itertuples(index=False)]  # fmt: skip
        ax.annotate(" + ".join(names), (at, base + units), xytext=(5, 0),
                    textcoords="offset points", fontsize=7, color=_RED, va="center")  # fmt: skip


def _overdue(requirement: object, at: pd.Timestamp) -> bool:
    due = getattr(requirement, "due_date", None)
    return due is not None and pd.Timestamp(due) < at


def _requirements_in_stock(
    ax: plt.Axes,
    ds: pd.DatetimeIndex,
    median: np.ndarray,
    requirements: Sequence[tuple[int, int, str]],
) -> None:
    """Each plan period's requirements (period, units, requirement_id; those at or past the
    horizon end left out) as a bar down from the `median` stock the period starts with (H + 1:
    the night's, then each period's end) by their units (to 0 at most), one legend entry
    naming them: the scenarios hold their units, so the stock drops by them there."""
    due = sorted((max(int(p), 0), int(q), str(r)) for p, q, r in requirements if p < len(ds))
    if not due:
        return
    named = " + ".join(f"{r} {q:,}" for _, q, r in due)
    if len(due) > 3:  # the legend's width
        named = f"{len(due)} of them, {sum(q for _, q, _ in due):,}"
    label = f"{'requirements' if len(due) > 1 else 'requirement'} taken: {named} units"
    for i, period in enumerate(sorted({p for p, _, _ in due})):
        start = float(median[period])
        units = sum(q for p, q, _ in due if p == period)
        ax.vlines(ds[period], max(start - units, 0.0), start, color=_RED, lw=3.5, alpha=0.75,
                  zorder=4, label=label if i == 0 else None)  # fmt: skip


def cost_figure(
    sku: str,
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    no_order_cost: float,
    breaks: Sequence[int],
    chosen: tuple[str | None, int, float],
    currency: str = "",
) -> plt.Figure:
    """Expected cost against order quantity per supplier (the chosen one thick and blue, the
    others thin, each its own colour and marker), the price breaks of the chosen supplier
    (dotted) and the chosen lot (star); `chosen` = (supplier_id, quantity, cost). Quantities
    from 0: the cost of no order is at 0 units."""
    fig, ax = plt.subplots(figsize=SIZE)
    supplier, quantity, cost = chosen
    others = 0
    for supplier_id, (qty, values) in curves.items():
        mine = supplier_id == supplier
        k = others % len(_OTHERS)
        others += 0 if mine else 1
        ax.plot(
            qty,
            values,
            lw=2.2 if mine else 1.0,
            color=_BLUE if mine else _OTHERS[k],
            marker=None if mine else _MARKERS[k],
            ms=3.5,
            markevery=0.1,  # every tenth of the chart's width along the curve
            zorder=3 if mine else 2,
            label=f"{supplier_id}" + (" (chosen)" if mine else ""),
        )
    ax.axhline(no_order_cost, color=_GREY, ls="--", lw=1, label="no order")
    which = f" of {supplier}" if supplier else ""
    label = f"price break{'s' if len(breaks) > 1 else ''}{which}"
    for i, min_qty in enumerate(breaks):
        ax.axvline(min_qty, color=_ORANGE, ls=":", lw=1, label=label if i == 0 else None)
    if quantity > 0:
        # named in the legend: a label beside the star ran into the curve or the axis
        units = f"{quantity:,.0f} unit{'' if quantity == 1 else 's'}"
        ax.plot([quantity], [cost], marker="*", ms=14, color=_ORANGE, ls="none", zorder=5,
                label=f"chosen: {units}, {cost:,.2f} {currency}".rstrip())  # fmt: skip
    # the curves set the range: a break beyond them (1,000 units) stretched it past them
    right = max([quantity, *(q.max() for q, _ in curves.values() if len(q))], default=1)
    ax.set_xlim(0, right * 1.04 + 1)
    ax.set_title(f"{sku}: expected cost over the horizon by order quantity")
    ax.set_xlabel("order quantity (units)")
    ax.set_ylabel(f"expected cost ({currency or 'currency'})")
    ax.xaxis.set_major_formatter(_Amounts())
    ax.yaxis.set_major_formatter(_Amounts())
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.grid(alpha=0.3)
    # under the axes, in rows of three: with several suppliers the legend inside covered a
    # curve wherever it went
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    return fig


def bars_figure(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    xlabel: str,
    decimals: int = 0,
    color: str = _BLUE,
    saved: Sequence[float] | None = None,
) -> plt.Figure:
    """Horizontal bars, biggest on top, each labelled with its value; `saved`: a lighter
    segment after each bar ("discount savings", the bar's "spend"), its value named too."""
    n = len(labels)
    fig, ax = plt.subplots(figsize=(SIZE[0], max(2.2, 0.8 + 0.3 * n)))
    y = np.arange(n)[::-1]
    values = np.asarray(values, dtype=float)
    extra = np.zeros(n) if saved is None else np.asarray(saved, dtype=float)
    ax.barh(y, values, color=color, label="spend" if saved is not None else None)
    ax.set_yticks(y, labels, fontsize=8)
    if saved is not None:
        ax.barh(y, extra, left=values, color=color, alpha=0.35, label="discount savings")
    texts = [
        f"{v:,.{decimals}f}" + (f"\n+ {s:,.{decimals}f} saved" if s > 0 else "")
        for v, s in zip(values, extra, strict=True)
    ]
    ends = values + extra
    top = float(ends.max()) if n else 1.0
    size = 8 if saved is None else 7  # two lines a bar
    for yi, end, text in zip(y, ends, texts, strict=True):
        ax.text(end + top * 0.01, yi, text, va="center", fontsize=size)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(_Amounts())
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.grid(axis="x", alpha=0.3)
    if saved is not None:
        ax.legend(fontsize=7, frameon=False, loc="lower right")
    ax.set_xlim(0, _room_for(ax, ends, texts, size) if top > 0 else 1)
    return fig


def _room_for(ax: plt.Axes, ends: np.ndarray, texts: Sequence[str], size: float) -> float:
    """The x limit that leaves room after each bar's end for its text (fontsize `size`, its
    width estimated), at least 1.3 times the longest bar: the savings after the spend ran
    past the chart's edge."""
    ax.figure.tight_layout()  # the axes' width in the PNG
    width = ax.get_window_extent().width
    chars = size * ax.figure.dpi / 72 * 0.62  # pixels per character, digits
    need = [end * width / max(width - 6 - chars * max(map(len, text.split("\n"))), width / 4)
            for end, text in zip(ends, texts, strict=True)]  # fmt: skip
    return max([1.3 * float(ends.max()), *need])


def risk_figure(
    skus: Sequence[str],
    leftover: Sequence[float],
    risk: Sequence[float],
    order_value: Sequence[float],
    allowed: float,
    named: int = 4,
) -> plt.Figure:
    """One dot per lot: its expected `leftover` at horizon end at cost (currency) against the
    stockout `risk` its order decides (0..1), dot area by `order_value`; a dashed line at the
    `allowed` risk (1 - service level). The `named` lots of the highest risk above the line
    and the `named` of the most leftover carry their sku: where to look first."""
    fig, ax = plt.subplots(figsize=SIZE)
    x, y = np.asarray(leftover, dtype=float), np.asarray(risk, dtype=float)
    value = np.asarray(order_value, dtype=float)
    area = 12 + 180 * np.sqrt(value / value.max()) if len(value) and value.max() > 0 else 20
    ax.scatter(x, y, s=area, color=_BLUE, alpha=0.45, edgecolors="white", linewidths=0.5)
    ax.axhline(allowed, color=_ORANGE, ls="--", lw=1,
               label=f"{allowed:.0%} = 1 - service level")  # fmt: skip
    above = np.flatnonzero(y > allowed + 1e-9)
    marked = set(above[np.argsort(-y[above], kind="stable")][:named])
    marked |= set(np.argsort(-x, kind="stable")[: min(named, len(x))])
    ax.set_xlim(0, max(x.max() if len(x) else 0.0, 1.0) * 1.15)
    ax.set_ylim(0, max(y.max() if len(y) else 0.0, allowed) * 1.2 + 0.01)
    _name_dots(ax, [(skus[i], x[i], y[i]) for i in sorted(marked)])
    ax.set_title("Stockout risk and leftover per lot (dot area: order value)")
    ax.set_xlabel("expected leftover at horizon end, at cost (currency)")
    ax.set_ylabel("stockout risk the lot decides")
    ax.xaxis.set_major_formatter(_Amounts())
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False, loc="upper right")
    return fig


# where a dot's name goes (offset in points, alignment), tried in turn until it overlaps no
# name placed before: two lots of 11,526 and 12,079 at cost ran into one another
_NAME_SPOTS = tuple(
    (dx, dy, "left" if dx > 0 else "right") for dy in (3, -10, 12, -19) for dx in (4, -4)
)


def _name_dots(ax: plt.Axes, dots: Sequence[tuple[str, float, float]]) -> None:
    """Annotate each (text, x, y) beside its dot, clear of the names placed before it where
    one of `_NAME_SPOTS` allows (sizes estimated from the font: drawing to measure them
    doubled the chart's time)."""
    ax.figure.tight_layout()  # the axes' place in the PNG
    scale = ax.figure.dpi / 72  # pixels per point
    height = 7 * scale * 1.2
    frame = ax.get_window_extent()
    placed: list[tuple[float, float, float, float]] = []
    for text, x, y in dots:
        px, py = ax.transData.transform((x, y))
        width = 7 * scale * 0.62 * len(text)
        for dx, dy, align in _NAME_SPOTS:
            x0 = px + dx * scale - (width if align == "right" else 0)
            box = (x0, py + dy * scale, x0 + width, py + dy * scale + height)
            inside = frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1]
            if inside and box[3] <= frame.y1 and not any(_overlap(box, b) for b in placed):
                break
        else:
            dx, dy, align = _NAME_SPOTS[0]
            box = (px, py, px + width, py + height)
        placed.append(box)
        ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=7,
                    ha=align)  # fmt: skip


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def calibration_chart(calibration: pd.DataFrame, title: str, ylabel: str, runs: int = 3) -> bytes:
    """Share of item-periods (or items' totals) whose actual demand is at or below each
    forecast quantile against the quantile's level (`warehouse.forecast_calibration` rows of
    one `sum`; ylabel says which), one line per scored run (the newest `runs`), and the
    diagonal a calibrated continuous forecast would follow."""
    fig, ax = plt.subplots(figsize=SIZE)
    ax.plot([0, 1], [0, 1], color=_GREY, ls="--", lw=1, label="level = share (ideal)")
    keys = calibration.drop_duplicates("run_key").head(runs)
    for i, row in enumerate(keys.itertuples(index=False)):
        line = calibration[calibration["run_key"] == row.run_key].sort_values("level")
        ax.plot(
            line["level"],
            line["covered"],
            marker="o",
            ms=3.5,
            lw=1.8 if i == 0 else 1.0,
            color=_BLUE if i == 0 else None,
            alpha=1.0 if i == 0 else 0.6,
            label=f"forecast as of {pd.Timestamp(row.as_of):%Y-%m-%d}, {row.periods} "
            f"period{'' if row.periods == 1 else 's'}",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.set_xlabel("forecast quantile level")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    return png(fig)


def stock_figure(
    sku: str,
    ds: pd.DatetimeIndex,
    on_hand: float,
    with_lot: np.ndarray,
    without: np.ndarray,
    arrival: int | None,
    freq: str,
    open_orders: Sequence[tuple[int, int]] = (),
    end_of_life: date | None = None,
    requirements: Sequence[tuple[int, int, str]] = (),
) -> plt.Figure:
    """Projected end-of-period stock over the scenarios (`optimize.projected_stock`, (S, H)):
    5-95% and 25-75% bands and median with the lot, median without it, the lot's arrival,
    the `open_orders` the plan counts (`ItemProblem.open_orders`, (due period, units); an
    overdue one at the first period, one due at or past the horizon end left out) where they
    arrive, the `requirements` (period, units, requirement_id) the scenarios hold where they
    are taken, and the item's `end_of_life` (last day with demand) if it falls within the
    horizon.
    `ds`: the periods' starts, the first the day after the night (as_of,
    `optimize.plan_period_starts`); the chart starts with the `on_hand` units of that night
    (the stock the periods start from) at the end of it, its tick `as of <night>`, and each
    period's end stock is drawn over the period."""
    fig, ax = plt.subplots(figsize=SIZE)
    # the night's end, then each period's end: one more edge at the horizon end
    step = ds[-1] - ds[-2] if len(ds) > 1 else pd.Timedelta(days=7 if freq == "W" else 30)
    x = ds.append(pd.DatetimeIndex([ds[-1] + step]))
    q = np.quantile(with_lot, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    q = np.concatenate([np.full((5, 1), float(on_hand)), q], axis=1)
    none = np.append(float(on_hand), np.median(without, axis=0))
    ax.fill_between(x, q[0], q[4], step="pre", color=_BLUE, alpha=0.15, label="5-95%")
    ax.fill_between(x, q[1], q[3], step="pre", color=_BLUE, alpha=0.3, label="25-75%")
    ax.step(x, q[2], where="pre", color=_BLUE, lw=1.4, label="median with the lot")
    ax.step(x, none, where="pre", color=_GREY, lw=1.2, ls="--", label="median without it")
    night = (ds[0] - pd.Timedelta(days=1)).date()
    ax.plot(x[:1], [on_hand], marker="o", ms=5, color="black", ls="none", zorder=5,
            label=f"on hand as of {night:%Y-%m-%d}")  # fmt: skip
    if arrival is not None and arrival < len(ds):
        ax.axvline(ds[arrival], color=_ORANGE, ls=":", lw=1.2, label="lot arrives")
    _open_orders(ax, ds, open_orders)
    _requirements_in_stock(ax, ds, q[2], requirements)
    _end_of_life(ax, end_of_life, x[0], x[-1])
    per = "week" if freq == "W" else "month"
    ax.set_title(f"{sku}: projected stock at the end of each {per}, no later order")
    rows = -(-len(ax.get_legend_handles_labels()[1]) // 3)  # legend rows over the data
    # 13 weeks: not 3 ticks
    _units_over_dates(ax, "units in stock", headroom=0.15 + 0.15 * rows, min_ticks=5)
    # a little room left of the night: its stock and the drop to the first week's show
    ax.set_xlim(x[0] - (x[-1] - x[0]) * 0.015, x[-1])
    start = mdates.date2num(x[0])
    ax.xaxis.set_major_locator(_monthly_up_to_a_year(_NightTicks(start, minticks=5, maxticks=7)))
    ax.xaxis.set_major_formatter(_NightDates(start, night))
    ax.legend(loc="upper left", fontsize=7, ncol=3, framealpha=0.8)
    return fig
