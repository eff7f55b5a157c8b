"""Backtest selection: candidates are compared on common random numbers."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from models import LatentRate, forecast
from models.select import INACTIVE, backtest, item_groups, select


def test_identical_candidates_get_identical_scores():
    """Same model twice: equal losses at every origin (sampling noise cannot pick a winner)."""
    rng = np.random.default_rng(5)
    y = ((rng.random((20, 30)) < 0.4) * rng.poisson(3.0, (20, 30))).astype(float)
    same = {"a": LatentRate(alpha=0.1), "b": LatentRate(alpha=0.1)}
    bt = backtest(y, same, h=6, n_origins=2, n_paths=50, seed=4)
    assert bt.scored.any()
    np.testing.assert_array_equal(bt.period_loss["a"], bt.period_loss["b"])
    np.testing.assert_array_equal(bt.total_loss["a"], bt.total_loss["b"])


def _two_candidates() -> tuple:
    rng = np.random.default_rng(8)
    y = ((rng.random((40, 36)) < 0.5) * rng.poisson(4.0, (40, 36))).astype(float)
    candidates = {"slow": LatentRate(alpha=0.02), "fast": LatentRate(alpha=0.5)}
    bt = backtest(y, candidates, h=6, n_origins=2, n_paths=50, seed=1)
    return bt, np.full(40, "smooth", dtype=object)


def test_a_group_keeps_last_nights_model_while_it_is_within_the_margin():
    bt, groups = _two_candidates()
    mask = np.ones(40, bool)
    scores = {lab: bt.group_score(lab, mask) for lab in ("slow", "fast")}
    best, other = sorted(scores, key=scores.__getitem__)
    worse = scores[other] / scores[best] - 1  # relative: how much worse the other one is
    assert worse > 0
    fresh, _ = select(bt, groups, default=best)
    assert set(fresh) == {best}
    kept, table = select(bt, groups, default=best, incumbent={"smooth": other}, margin=worse * 1.01)
    assert set(kept) == {other} and table[["model", "kept"]].values.tolist() == [[other, True]]
    dropped, _ = select(bt, groups, default=best, incumbent={"smooth": other}, margin=worse * 0.99)
    assert set(dropped) == {best}
    unknown, _ = select(bt, groups, default=best, incumbent={"smooth": "gone"}, margin=1.0)
    assert set(unknown) == {best}  # a label that is no candidate any more is not kept


def test_prepare_forecast_hands_its_group_models_to_the_next_night():
    from models import prepare_forecast

    rng = np.random.default_rng(3)
    ds = pd.date_range("2022-01-01", periods=30, freq="MS")
    demand = pd.DataFrame(
        {
            "unique_id": np.repeat([f"P{i}" for i in range(40)], 30),
            "ds": np.tile(ds, 40),
            "y": (rng.random(1200) < 0.5) * rng.poisson(3.0, 1200),
        }
    )
    first = prepare_forecast(demand, h=6, backtest_paths=30)
    incumbent = first.group_models()
    assert incumbent and set(incumbent) == set(first.table["group"])
    # everything within a margin of 100%: each group keeps what it had, whatever the noise
    later = demand[demand["ds"] < ds[-1]]
    again = prepare_forecast(later, h=6, backtest_paths=30, incumbent=incumbent, margin=1.0)
    for group, model in again.group_models().items():
        assert model == incumbent.get(group, model)
    kept = again.table[again.table["kept"]]
    lines = [a for a in again.adjustments() if a.startswith("selection group")]
    assert len(lines) == len(kept) and all("earlier night's model" in a for a in lines)


def test_group_incumbents_take_each_groups_most_common_candidate():
    from models import group_incumbents

    selection = pd.DataFrame(
        {
            "model": ["a", "a", "b", "category_prior", "category_prior", "c", "b"],
            "selection_group": ["lumpy", "lumpy", "lumpy", "short", "short", "short", "smooth"],
        }
    )
    # a category prior is no candidate: the short group's chosen model is c
    assert group_incumbents(selection, ["a", "b", "c"]) == {
        "lumpy": "a", "short": "c", "smooth": "b"
    }  # fmt: skip
    assert group_incumbents(selection.iloc[3:5], ["a"]) == {}


def _losses(losses: dict[str, np.ndarray]):
    """A Backtest whose group scores are the items' mean loss (+ the same coverage miss)."""
    from models.select import Backtest

    n = next(iter(losses.values())).size
    actual, covered = np.ones((n, 1)), np.ones((n, 1, 3))
    half = {lab: loss[:, None] / 2 for lab, loss in losses.items()}
    return Backtest(half, half, dict.fromkeys(losses, covered), actual, dict.fromkeys(losses))


def test_small_groups_keep_the_model_they_had_not_the_one_most_groups_had():
    """Three groups chose x alone, the two small ones shared y: tonight y is still the best
    over all items, so the small groups keep y (x, the most common incumbent, is within the
    margin but was never theirs)."""
    groups = np.array(["a"] * 30 + ["b"] * 30 + ["c"] * 30 + ["s1"] * 10 + ["s2"] * 10)
    x = np.r_[np.full(90, 1.0), np.full(20, 1.2)]
    y = np.r_[np.full(90, 1.02), np.full(20, 1.0)]
    bt = _losses({"x": x, "y": y})
    incumbent = {"a": "x", "b": "x", "c": "x", "s1": "y", "s2": "y"}
    _, table = select(bt, groups.astype(object), default="x", incumbent=incumbent, margin=0.1)
    small = table[~table["alone"]]
    assert small["model"].tolist() == ["y", "y"] and not small["kept"].any()
    assert table.loc[table["alone"], "model"].tolist() == ["x", "x", "x"]


def test_an_incumbent_as_good_as_the_best_is_taken_but_not_called_kept():
    rng = np.random.default_rng(5)
    y = ((rng.random((40, 30)) < 0.4) * rng.poisson(3.0, (40, 30))).astype(float)
    same = {"a": LatentRate(alpha=0.1), "b": LatentRate(alpha=0.1)}  # equal scores
    bt = backtest(y, same, h=6, n_origins=2, n_paths=50, seed=4)
    chosen, table = select(bt, np.full(40, "g", dtype=object), "a", min_group=5,
                           incumbent={"g": "b"}, margin=0.1)  # fmt: skip
    assert set(chosen) == {"b"} and table[["alone", "kept"]].values.tolist() == [[True, False]]


def test_inactive_items_choose_by_themselves_however_few():
    """On a small panel the best model over all items suits the selling ones: an item
    silent for 8 months kept 9 units a week from the slowest smoother, and with no stock it
    was ordered. Two inactive items that score `fast` better choose `fast`; another small
    group still takes the choice over all items."""
    groups = np.array(["smooth"] * 40 + ["inactive"] * 2 + ["lumpy"] * 2, dtype=object)
    slow = np.r_[np.full(40, 1.0), np.full(2, 3.0), np.full(2, 1.0)]
    fast = np.r_[np.full(40, 1.3), np.full(2, 0.5), np.full(2, 1.3)]
    chosen, table = select(_losses({"slow": slow, "fast": fast}), groups, default="slow")
    assert chosen.tolist() == ["slow"] * 40 + ["fast"] * 2 + ["slow"] * 2
    alone = table.set_index("group")["alone"]
    assert alone.to_dict() == {"inactive": True, "lumpy": False, "smooth": True}


def test_phase_out_items_are_a_group_that_chooses_by_itself():
    """A phase-out part whose weekly demand fell from 45 to 4 over two years took the slowest
    smoother that the steady items of a small panel needed: 12.8 a week. The item master's
    phase_out makes its own group (a dead one stays inactive), choosing however few."""
    from models.select import item_groups

    weeks = np.arange(99)
    steady = np.random.default_rng(3).poisson(20.0, (12, 99)).astype(float)
    dying = np.maximum(45.0 - 0.42 * weeks, 1.0)[None, :]
    dead = np.r_[np.full(60, 5.0), np.zeros(39)][None, :]
    y = np.vstack([steady, dying, dead])
    stages = np.array(["series"] * 12 + ["phase_out", "phase_out"], dtype=object)
    groups = item_groups(y, 52, stages=stages)
    assert groups.tolist()[-2:] == ["phase_out", "inactive"]
    assert set(item_groups(y, 52).tolist()[:-1]) == {"smooth"}  # without stages: no group
    slow = np.r_[np.full(12, 1.0), 3.0, 1.0]
    fast = np.r_[np.full(12, 1.3), 0.5, 1.3]
    chosen, table = select(_losses({"slow": slow, "fast": fast}), groups, default="slow")
    assert chosen.tolist() == ["slow"] * 12 + ["fast", "slow"]
    assert table.set_index("group")["alone"].to_dict() == {
        "inactive": True, "phase_out": True, "smooth": False}  # fmt: skip


def test_items_are_scored_in_the_group_they_were_in_at_each_origin():
    """Parts that sell 5 units in one month of 9 at random: 92 of 200 have been silent for
    half a year, so `inactive` now. Grouped by the whole history, their backtest windows
    (the last 6 months) held no demand by construction: the group's score divided by ~0 and
    chose the model that dies fastest, whose 0.99 quantile is 0 for parts that go on selling.
    Grouped at each origin, the parts silent then sold again as often as any: `keeps` wins."""
    rng = np.random.default_rng(3)
    y = ((rng.random((200, 60)) < 1 / 9) * 5).astype(float)
    candidates = {"dies": LatentRate(alpha=0.6), "keeps": LatentRate(alpha=0.02)}
    groups = item_groups(y, 12)
    group_of = partial(item_groups, periods_per_year=12)
    bt = backtest(y, candidates, h=3, n_origins=2, n_paths=200, seed=0, group_of=group_of)
    for k, cut in enumerate((57, 54)):
        assert bt.groups[:, k].tolist() == item_groups(y[:, :cut], 12).tolist()
    chosen, table = select(bt, groups, "keeps")
    row = table.set_index("group").loc[INACTIVE]
    assert row["n_items"] == 92 and row["model"] == "keeps" and row["keeps"] < 1.0
    assert set(chosen[groups == INACTIVE]) == {"keeps"}
    # the look-ahead it replaces: the same backtest without origin groups picks `dies`
    blind = backtest(y, candidates, h=3, n_origins=2, n_paths=200, seed=0)
    assert select(blind, groups, "keeps")[1].set_index("group").loc[INACTIVE, "model"] == "dies"


def test_an_origin_without_two_periods_of_any_item_is_skipped():
    """Three weeks of history and h = 1: the second origin leaves one period before it, no
    item could be fitted there, and the empty panel raised ValueError in every candidate."""
    y = np.array([[1.0, 0, 2], [0, 3, 1]])
    bt = backtest(y, {"a": LatentRate(alpha=0.1)}, h=1, n_origins=2, n_paths=20, seed=0)
    assert bt.scored_cells.tolist() == [[True, False], [True, False]]
    long = pd.DataFrame(
        {
            "unique_id": np.repeat(["a", "b"], 3),
            "y": y.ravel(),
            "ds": np.tile(pd.date_range("2021-01-04", periods=3, freq="W-MON"), 2),
        }
    )
    assert forecast(long, h=1, freq="W", n_paths=5, seed=0).arrays().paths.shape == (2, 5, 1)


def test_the_backtest_leaves_its_candidates_unfitted():
    """Each candidate was fitted in place and kept its last origin's per-item state (size
    pools): 75 candidates held 1.1 GB to the end of `prepare_forecast` at 10,000 items. The
    scores are those of fresh copies, the same as before."""
    rng = np.random.default_rng(3)
    y = ((rng.random((30, 40)) < 0.4) * rng.poisson(3.0, (30, 40))).astype(float)
    candidates = {"a": LatentRate(alpha=0.1), "b": LatentRate(alpha=0.3, shape=4.0)}
    bt = backtest(y, candidates, h=6, n_origins=2, n_paths=50, seed=2)
    assert not any(vars(model).keys() - model.get_params().keys() for model in candidates.values())
    again = backtest(y, candidates, h=6, n_origins=2, n_paths=50, seed=2)
    for label in candidates:
        np.testing.assert_array_equal(bt.total_loss[label], again.total_loss[label])
