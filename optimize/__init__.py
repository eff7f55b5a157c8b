"""Order decision: choose one lot per item from candidate lots under shared limits.

Modules: data (inputs), pricing, candidates, evaluate (expected cost of lots), costs (stockout
cost and obsolescence parameters), eoq (EOQ with quantity discounts; the cost_per_period
objective), model (menu MILP), solve, tier_search (best plan over the supplier-tier states with
HiGHS), fallback (best plan known without a solver proof), explain, plan, inputs (tables ->
Problem).
"""

from optimize.costs import obsolescence_for, stockout_cost_for_service_level
from optimize.data import (
    Delivery,
    ItemProblem,
    Limits,
    Offer,
    PriceBreak,
    Problem,
    RecentSpike,
    Requirement,
    SupplierTier,
)
from optimize.eoq import EOQSolution, economic_order_quantity
from optimize.evaluate import LotCost, LotCosts, evaluate_item, evaluate_items, evaluate_plan
from optimize.inputs import build_problem, left_out_by_inputs, plan_period_starts
from optimize.model import MenuModel, build_model
from optimize.plan import Plan, PlannedLot, plan
from optimize.projection import projected_stock
from optimize.solve import DEFAULT_GAP, SolveResult, solve

__all__ = [
    "DEFAULT_GAP",
    "Delivery",
    "EOQSolution",
    "ItemProblem",
    "Limits",
    "LotCost",
    "LotCosts",
    "MenuModel",
    "Offer",
    "Plan",
    "PlannedLot",
    "PriceBreak",
    "Problem",
    "RecentSpike",
    "Requirement",
    "SolveResult",
    "SupplierTier",
    "build_model",
    "build_problem",
    "economic_order_quantity",
    "evaluate_item",
    "evaluate_items",
    "evaluate_plan",
    "left_out_by_inputs",
    "obsolescence_for",
    "plan",
    "plan_period_starts",
    "projected_stock",
    "solve",
    "stockout_cost_for_service_level",
]
