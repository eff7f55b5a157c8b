"""The best plan known when the solver proves nothing: a greedy plan repaired to the limits.

Used when the solver stops without a solution (CBC stopped at the enforced time limit, HiGHS
out of time before its first solution). Start from each item's cheapest column; while a limit
row is violated, switch one item to another of its columns, the switch with the least extra
cost per unit of violation removed (violations scaled by the row's bound). Such a plan is
feasible but never called optimal. With only `<=` rows of non-negative use (budget,
capacity, max_orders) the repair always succeeds (no order uses nothing); with tier-reach rows
(`>=`) it may not, and then there is no fallback plan (None). The purchase orders (po columns)
are those the chosen lots need; their order costs play no part in the greedy choice.

A supplier's row min_order_value_<supplier> (Σ purchase cost · x − min_order_value · po >= 0)
counts as violated only while a chosen lot needs its order (po = 1): a switch may raise the
lots from that supplier to the minimum or drop them. When no switch helps and such a row is
still violated, that supplier's lots are taken off the menu and the repair starts again (no
order from it always meets its row): no fallback plan breaks a minimum.
"""

from __future__ import annotations

import numpy as np

from optimize.model import MenuModel

TOL = 1e-7


def greedy_choices(model: MenuModel) -> np.ndarray | None:
    """0/1 column values of a feasible plan of `model`, or None if the repair fails."""
    if model.n_columns == 0:
        return np.zeros(0)
    rows = _LimitRows(model)
    banned = np.zeros(len(model.x_item), bool)
    while True:
        x = _repair(model, rows, banned)
        if isinstance(x, np.ndarray):
            return model.complete(x)
        more = rows.needs[x].any(axis=0) & ~banned  # the lots needing those orders
        if not more.any():
            return None
        banned |= more
        if len(np.unique(model.x_item[~banned])) < len(np.unique(model.x_item)):
            return None  # an item with only such lots


class _LimitRows:
    """The rows the repair keeps (not one_lot, po_ or the compact model's tier rows, which
    `MenuModel.complete` meets) on the x columns; `needs[r]`: per x column, 1 if it needs the
    purchase order whose po column gates row r (a min_order_value row), else 0."""

    def __init__(self, model: MenuModel) -> None:
        n = len(model.x_item)  # the other columns: `MenuModel.complete` (po, compact's tiers)
        compact = any(name.startswith("tier_one_") for name in model.row_names)
        skip = ("one_lot", "po_", "tier_") if compact else ("one_lot", "po_")
        kept = [r for r, name in enumerate(model.row_names) if not name.startswith(skip)]
        matrix = model.rows[kept]
        self.dense = matrix[:, :n].toarray() if kept else np.zeros((0, n))
        rest = matrix[:, n:].toarray() if kept else np.zeros((0, 0))
        self.lower = model.row_lower[kept].copy()
        self.upper = model.row_upper[kept]
        self.needs = np.zeros(self.dense.shape, bool)
        for r in np.flatnonzero((rest != 0).any(axis=1)) if rest.size else []:
            column = int(np.flatnonzero(rest[r])[0])
            self.lower[r] -= rest[r, column]  # −min_order_value · po: the minimum when po = 1
            self.needs[r] = model.po == n + column
        self.gated = self.needs.any(axis=1)
        self.scale = np.maximum(
            np.abs(np.where(np.isfinite(self.upper), self.upper, self.lower)), 1.0
        )

    def violation(self, activity: np.ndarray, need: np.ndarray) -> np.ndarray:
        """Per row (and column of `activity`, if 2-d) its violation scaled by its bound; a
        gated row's minimum counts only where a chosen lot needs its order (`need` > 0)."""
        shape = (-1,) + (1,) * (activity.ndim - 1)
        lower, upper = self.lower.reshape(shape), self.upper.reshape(shape)
        over = np.maximum(activity - upper, 0.0)
        under = np.maximum(lower - activity, 0.0)
        under = np.where(self.gated.reshape(shape) & (need < 0.5), 0.0, under)
        scale = self.scale.reshape(shape)
        return (
            np.where(np.isfinite(over), over, 0.0) / scale
            + np.where(np.isfinite(under), under, 0.0) / scale
        )


def _repair(model: MenuModel, rows: _LimitRows, banned: np.ndarray) -> np.ndarray | list[int]:
    """0/1 values of the x columns of a plan meeting `rows` from each item's cheapest column
    not `banned`, switching one item at a time; or, when no switch helps, the gated rows
    (min_order_value) still violated (empty: none, the repair failed on another row)."""
    n = len(model.x_item)
    items = model.x_item
    cost = np.where(banned, np.inf, model.cost[:n])
    current = _cheapest(cost, items)
    activity = rows.dense[:, current].sum(axis=1)
    need = rows.needs[:, current].sum(axis=1)
    needs = rows.needs.astype(float)
    at = np.searchsorted(np.unique(items), items)  # column -> position in `current`
    for _ in range(4 * len(current) + 10):  # switches tried before giving up
        violation = rows.violation(activity, need)
        if violation.sum() <= TOL:
            x = np.zeros(n)
            x[current] = 1.0
            return x
        was = current[at]
        moved = activity[:, None] + rows.dense - rows.dense[:, was]  # if column c is taken
        moved_need = need[:, None] + needs - needs[:, was]
        removed = violation.sum() - rows.violation(moved, moved_need).sum(0)
        extra = cost - cost[was]
        score = np.where(removed > TOL, np.maximum(extra, 0.0) / np.maximum(removed, TOL), np.inf)
        best = int(np.argmin(score))
        if not np.isfinite(score[best]):
            break
        activity, need = moved[:, best], moved_need[:, best]
        current[at[best]] = best
    violation = rows.violation(activity, need)
    return [int(r) for r in np.flatnonzero(rows.gated & (violation > TOL))]


def _cheapest(cost: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Per item (in order of first appearance sorted), the column of least cost."""
    order = np.lexsort((cost, items))
    first = np.concatenate(([True], items[order][1:] != items[order][:-1]))
    return order[first]
