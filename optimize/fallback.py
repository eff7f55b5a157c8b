"""The best plan known when the solver proves nothing: a greedy plan repaired to the limits.

Used when the solver stops without a solution (CBC stopped at the enforced time limit, HiGHS
out of time before its first solution). Start from each item's cheapest column; while a limit
row is violated, switch one item to another of its columns, the switch with the least extra
cost per unit of violation removed (violations scaled by the row's bound). Such a plan is
feasible but never called optimal. With only `<=` rows of non-negative use (budget,
capacity, max_orders) the repair always succeeds (no order uses nothing); with tier-reach rows
(`>=`) it may not, and then there is no fallback plan (None). The purchase orders (po columns)
are those the chosen lots need; their order costs play no part in the greedy choice.
"""

from __future__ import annotations

import numpy as np

from optimize.model import MenuModel

TOL = 1e-7


def greedy_choices(model: MenuModel) -> np.ndarray | None:
    """0/1 column values of a feasible plan of `model`, or None if the repair fails."""
    if model.n_columns == 0:
        return np.zeros(0)
    n = len(model.x_item)  # the other columns: `MenuModel.complete` (po, the compact's tiers)
    compact = any(name.startswith("tier_one_") for name in model.row_names)
    skip = ("one_lot", "po_", "tier_") if compact else ("one_lot", "po_")  # `complete` keeps
    limit_rows = [r for r, name in enumerate(model.row_names) if not name.startswith(skip)]
    dense = model.rows[limit_rows][:, :n].toarray() if limit_rows else np.zeros((0, n))
    lower, upper = model.row_lower[limit_rows], model.row_upper[limit_rows]
    scale = np.maximum(np.abs(np.where(np.isfinite(upper), upper, lower)), 1.0)
    items = model.x_item
    current = _cheapest(model.cost[:n], items)
    activity = dense[:, current].sum(axis=1)
    for _ in range(4 * len(current) + 10):  # switches tried before giving up
        violation = _violation(activity, lower, upper, scale)
        if violation.sum() <= TOL:
            x = np.zeros(n)
            x[current] = 1.0
            return model.complete(x)
        at = np.searchsorted(np.unique(items), items)  # column -> position in `current`
        was = current[at]
        moved = activity[:, None] + dense - dense[:, was]  # activity if column c is taken
        removed = violation.sum() - _violation(
            moved, lower[:, None], upper[:, None], scale[:, None]
        ).sum(0)
        extra = model.cost[:n] - model.cost[was]
        score = np.where(removed > TOL, np.maximum(extra, 0.0) / np.maximum(removed, TOL), np.inf)
        best = int(np.argmin(score))
        if not np.isfinite(score[best]):
            return None
        activity = moved[:, best]
        current[at[best]] = best
    return None


def _cheapest(cost: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Per item (in order of first appearance sorted), the column of least cost."""
    order = np.lexsort((cost, items))
    first = np.concatenate(([True], items[order][1:] != items[order][:-1]))
    return order[first]


def _violation(activity, lower, upper, scale) -> np.ndarray:
    over = np.maximum(activity - upper, 0.0)
    under = np.maximum(lower - activity, 0.0)
    return (
        np.where(np.isfinite(over), over, 0.0) / scale
        + np.where(np.isfinite(under), under, 0.0) / scale
    )
