"""The menu MILP: choose one candidate lot per item under shared limits.

Variables: binary x[i, c] per item i and candidate lot c (candidate 0: no order).
Constraints (named): `one_lot_<sku>` (exactly one candidate per item), `budget` (purchase
cost <= budget), `capacity` (quantity × unit_volume <= capacity, litres), `max_orders` (items
with a lot > 0 <= max_orders). Objective: total expected cost. No order is always feasible.
Expressions are built from prepared (variable, coefficient) lists: linear in the menu size.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulp

from optimize.data import ItemProblem, Limits
from optimize.evaluate import LotCosts


@dataclass(frozen=True, eq=False)
class MenuModel:
    """A built (unsolved) menu model; `variables[i][c]` is x of item i, candidate c."""

    problem: pulp.LpProblem
    variables: tuple[tuple[pulp.LpVariable, ...], ...]
    menu: tuple[LotCosts, ...]
    limits: Limits


def build_model(
    menu: Sequence[LotCosts], limits: Limits, items: Sequence[ItemProblem] | None = None
) -> MenuModel:
    """Build the menu MILP. `items` gives unit volumes (needed only with a capacity limit)."""
    if limits.capacity is not None and items is None:
        raise ValueError("a capacity limit needs the items (unit_volume)")
    lp = pulp.LpProblem("reorder", pulp.LpMinimize)
    variables, objective, budget, volume, orders = [], [], [], [], []
    names: set[str] = set()
    for i, lots in enumerate(menu):
        xs = [lp.add_variable(f"x_{i}_{c}", 0, 1, pulp.LpBinary) for c in range(len(lots))]
        variables.append(tuple(xs))
        objective.extend(zip(xs, lots.expected_cost.tolist(), strict=True))
        name = _unique_name(f"one_lot_{lots.sku}", names)
        lp.addConstraint(
            pulp.LpConstraint(
                pulp.LpAffineExpression((x, 1) for x in xs), pulp.LpConstraintEQ, name, 1
            )
        )
        ordered = [(x, 1.0) for x, q in zip(xs, lots.quantity.tolist(), strict=True) if q > 0]
        orders.extend(ordered)
        budget.extend((x, p) for x, p in zip(xs, lots.purchase_cost.tolist(), strict=True) if p)
        if items is not None and limits.capacity is not None:
            unit_volume = items[i].unit_volume
            volume.extend(
                (x, q * unit_volume) for x, q in zip(xs, lots.quantity.tolist(), strict=True) if q
            )
    lp.setObjective(pulp.LpAffineExpression(objective))
    _add_limit(lp, "budget", budget, limits.budget)
    _add_limit(lp, "capacity", volume, limits.capacity)
    _add_limit(lp, "max_orders", orders, limits.max_orders)
    return MenuModel(lp, tuple(variables), tuple(menu), limits)


def chosen_candidates(model: MenuModel) -> list[int]:
    """Index of the chosen candidate per item after a solve (the largest x)."""
    return [max(range(len(xs)), key=lambda c: xs[c].value() or 0.0) for xs in model.variables]


def _add_limit(lp: pulp.LpProblem, name: str, terms: list, bound: float | None) -> None:
    if bound is None:
        return
    lp.addConstraint(
        pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, name, bound)
    )


def _unique_name(name: str, taken: set[str]) -> str:
    """Constraint name with characters PuLP rejects replaced, unique within the model."""
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name)
    candidate, n = clean, 1
    while candidate in taken:
        n += 1
        candidate = f"{clean}_{n}"
    taken.add(candidate)
    return candidate
