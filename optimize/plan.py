"""The order decision: evaluate candidate lots, build the menu MILP, solve, explain."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimize.data import Problem
from optimize.evaluate import LotCosts, evaluate_item
from optimize.explain import Usage, explain
from optimize.model import build_model, chosen_candidates
from optimize.solve import SolveResult, solve

COLUMNS = (
    "sku",
    "supplier_id",
    "quantity",
    "unit_price",
    "order_value",
    "tier_min_qty",
    "expected_cost",
    "savings",
    "expected_leftover",
    "stockout_risk",
    "reason",
    "explanation",
)


@dataclass(frozen=True)
class PlannedLot:
    """The decision for one item (supplier_id None and quantity 0: no order)."""

    sku: str
    supplier_id: str | None
    quantity: int
    unit_price: float | None
    order_value: float
    tier_min_qty: int | None
    expected_cost: float
    savings: float
    expected_leftover: float
    stockout_risk: float
    reason: str
    explanation: dict = field(compare=False)


@dataclass(frozen=True)
class Plan:
    """Lots of all items plus what the solver proved; `optimal` only if proven."""

    lots: tuple[PlannedLot, ...]
    solver_status: str
    optimal: bool
    objective: float | None
    best_bound: float | None
    gap: float | None
    solve_seconds: float
    build_seconds: float

    def frame(self) -> pd.DataFrame:
        """One row per item with the columns of the `recommendations` table; explanation as
        JSON text."""
        rows = [
            {c: getattr(lot, c) for c in COLUMNS[:-1]} | {"explanation": _json(lot.explanation)}
            for lot in self.lots
        ]
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        frame["quantity"] = frame["quantity"].astype("int64")
        frame["tier_min_qty"] = frame["tier_min_qty"].astype("Int64")
        frame["unit_price"] = frame["unit_price"].astype("float64")
        return frame


def plan(
    problem: Problem,
    solver: str = "highs",
    time_limit: float = 60.0,
    gap: float = 1e-4,
    max_candidates: int = 64,
) -> Plan:
    """Choose one lot per item minimizing total expected cost under the shared limits."""
    start = time.perf_counter()
    menu = [evaluate_item(item, max_candidates) for item in problem.items]
    model = build_model(menu, problem.limits, problem.items)
    build_seconds = time.perf_counter() - start
    result = solve(model, solver, time_limit, gap)
    # No solution: order nothing and say why.
    choices = [0] * len(menu) if result.objective is None else chosen_candidates(model)
    lots = _planned_lots(problem, menu, choices, result)
    return Plan(
        lots=lots,
        solver_status=result.status,
        optimal=result.optimal,
        objective=result.objective,
        best_bound=result.best_bound,
        gap=result.gap,
        solve_seconds=result.seconds,
        build_seconds=build_seconds,
    )


def _planned_lots(
    problem: Problem, menu: list[LotCosts], choices: list[int], result: SolveResult
) -> tuple[PlannedLot, ...]:
    usage = _usage(problem, menu, choices)
    lots = []
    for item, costs, c in zip(problem.items, menu, choices, strict=True):
        reason, explanation = explain(item, costs, c, usage)
        if result.objective is None:
            reason = f"No order: the solver found no plan ({result.status})."
        lot = costs.lot(c)
        lots.append(
            PlannedLot(
                sku=item.sku,
                supplier_id=lot.supplier_id,
                quantity=lot.quantity,
                unit_price=lot.unit_price if lot.quantity else None,
                order_value=lot.purchase_cost,
                tier_min_qty=lot.tier_min_qty,
                expected_cost=lot.expected_cost,
                savings=explanation["savings"],
                expected_leftover=lot.expected_leftover,
                stockout_risk=lot.stockout_risk,
                reason=reason,
                explanation=explanation,
            )
        )
    return tuple(lots)


def _usage(problem: Problem, menu: list[LotCosts], choices: list[int]) -> Usage:
    qty = np.array([m.quantity[c] for m, c in zip(menu, choices, strict=True)], dtype=float)
    volume = np.array([i.unit_volume for i in problem.items], dtype=float)
    limits = problem.limits
    return Usage(
        budget=float(sum(m.purchase_cost[c] for m, c in zip(menu, choices, strict=True))),
        capacity=float((qty * volume).sum()),
        orders=int((qty > 0).sum()),
        budget_limit=limits.budget,
        capacity_limit=limits.capacity,
        orders_limit=limits.max_orders,
    )


def _json(value: dict) -> str:
    return json.dumps(value, default=_plain, sort_keys=True)


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
