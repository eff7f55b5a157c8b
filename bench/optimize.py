"""Benchmark of the order decision (not a test): seeded instances, HiGHS and CBC.

Instances: N items × 200 scenarios × 12 weekly periods; each item has 1-3 of 3 suppliers,
each offer 4 price breaks (all-units or incremental), moq, pack size, fixed cost, lead time
0-3 weeks, on-time rate 0.8-1 (late deliveries as lead-time scenarios), reject rate 0-5%;
review period 1 week. Shared limits: a budget and a storage capacity (each about 60% of what
the items' mean demand would take), and supplier-wide tiers: S1 spend tiers (2% and 4%), S2
units tiers (3%). Each case runs in its own process, so peak memory (max RSS) is the case's;
child_mb is the largest solver process it started (the CBC binary, or the HiGHS worker of a big
model: optimize.solve.GUARD_NONZEROS), 0 if none; Linux counts a child's memory from the fork,
so it is at least what the planning process held then (a small worker shows the parent's size).

    .venv/bin/python bench/optimize.py                  # 500, 5,000, 20,000 × highs, cbc
    .venv/bin/python bench/optimize.py --sizes 500 --solvers highs
    .venv/bin/python bench/optimize.py --sizes 100 1000 --solvers highs --tiers 4   # 125 states
    .venv/bin/python bench/optimize.py --sizes 500 5000 --order-cost 200   # per purchase order

build_s counts everything before the solver starts (candidate lots evaluated, dominance, the
model arrays); solve_s is the solver; explain_s writes the reasons. The last line is the JSON
of the 5,000-item case with the default solver (HiGHS).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# This file is named like the package it measures: import the package, not this script.
# import this checkout's packages, not those of the editable install the venv may point at
# elsewhere (a clone's bench measured the main checkout's models), nor bench/optimize.py for
# the package `optimize`
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [os.path.dirname(_HERE), *(p for p in sys.path if os.path.abspath(p or ".") != _HERE)]

import numpy as np  # noqa: E402

from optimize import ItemProblem, Limits, Offer, PriceBreak, Problem, SupplierTier  # noqa: E402
from optimize.model import n_tier_states  # noqa: E402
from optimize.plan import plan  # noqa: E402
from optimize.sharing import with_order_cost_shares  # noqa: E402
from optimize.solve import DEFAULT_GAP  # noqa: E402

SCENARIOS, HORIZON, SUPPLIERS = 200, 12, ("S1", "S2", "S3")
TIME_LIMIT = {"highs": 120.0, "cbc": 120.0}
GAP = DEFAULT_GAP  # of the cost the lots can avoid (optimize.model.MenuModel.floor)


def instance(
    n_items: int,
    seed: int = 7,
    scenarios: int = SCENARIOS,
    tiers: int = 0,
    order_cost: float = 0,
    min_order_value: float = 0,
) -> Problem:
    """A seeded Problem of n_items with budget, capacity and supplier-wide tiers; `tiers` > 0:
    each of the three suppliers gets that many spend tiers instead ((tiers + 1)^3 states);
    `order_cost`: every supplier's cost per purchase order (currency); `min_order_value`:
    every supplier's least purchase value of one (currency). Its offers carry their
    order_cost_share, as `optimize.build_problem` leaves them (generate_s counts it)."""
    rng = np.random.default_rng(seed)
    rate = rng.lognormal(0.5, 1.0, n_items)  # mean units per active week
    p_active = rng.uniform(0.15, 1.0, n_items)
    active = rng.random((n_items, scenarios, HORIZON)) < p_active[:, None, None]
    size = rng.poisson(rate[:, None, None], (n_items, scenarios, HORIZON)) + 1
    demand = (active * size).astype(np.int64)
    price = rng.lognormal(2.0, 0.8, n_items)
    volume = rng.uniform(0.1, 5.0, n_items)
    mean_total = demand.sum(axis=2).mean(axis=1)
    items = [_item(k, rng, demand[k], price[k], volume[k], mean_total[k]) for k in range(n_items)]
    need = mean_total * price
    offered = {s: sum(need[k] for k, i in enumerate(items) if _has(i, s)) for s in SUPPLIERS}
    units = {s: sum(mean_total[k] for k, i in enumerate(items) if _has(i, s)) for s in SUPPLIERS}
    standard = (
        SupplierTier("S1", 0.2 * offered["S1"], 0.02),
        SupplierTier("S1", 0.4 * offered["S1"], 0.04),
        SupplierTier("S2", 0.3 * units["S2"], 0.03, basis="units"),
    )
    many = tuple(
        SupplierTier(s, (k + 1) / (2 * tiers) * offered[s], 0.01 * (k + 1))
        for s in SUPPLIERS
        for k in range(tiers)
    )
    limits = Limits(
        budget=0.6 * float(need.sum()),
        capacity=0.6 * float((mean_total * volume).sum()),
        supplier_tiers=many if tiers else standard,
        order_cost=dict.fromkeys(SUPPLIERS, order_cost),
        min_order_value=dict.fromkeys(SUPPLIERS, min_order_value),
    )
    return with_order_cost_shares(Problem(tuple(items), limits))


def _has(item: ItemProblem, supplier: str) -> bool:
    return any(o.supplier_id == supplier for o in item.offers)


def _item(k, rng, demand, price, volume, mean_total) -> ItemProblem:
    sku = f"P-{k:05d}"
    chosen = rng.choice(len(SUPPLIERS), size=int(rng.integers(1, 4)), replace=False)
    offers = tuple(_offer(SUPPLIERS[s], sku, rng, price, mean_total) for s in sorted(chosen))
    return ItemProblem(
        sku=sku,
        scenarios=demand,
        on_hand=int(rng.integers(0, max(2, int(mean_total / 3)))),
        open_orders=(),
        offers=offers,
        holding_cost_rate=0.25,
        period_years=7 / 365.25,
        salvage_value=round(0.2 * price, 2),
        obsolescence=float(rng.choice([0.05, 0.1, 0.3, 1.0], p=[0.5, 0.2, 0.2, 0.1])),
        stockout_cost=round(float(price * rng.uniform(0.5, 3.0)), 2),
        unit_volume=volume,
        review_period=1,
    )


def _offer(supplier: str, sku: str, rng, price: float, mean_total: float) -> Offer:
    pack = int(rng.choice([1, 1, 5, 10, 12]))
    first = float(price * rng.uniform(0.9, 1.2))
    steps = np.sort(rng.choice(np.arange(2, 40), 3, replace=False))
    mins = [1] + [int(max(2, s * max(mean_total, 1) / 10)) for s in steps]
    mins = sorted(set(mins))
    prices = [round(first * (1 - 0.06 * j), 4) for j in range(len(mins))]
    return Offer(
        supplier_id=supplier,
        moq=int(rng.integers(1, 20)),
        pack_size=pack,
        discount_type=str(rng.choice(["all_units", "incremental"])),
        price_breaks=tuple(PriceBreak(m, p) for m, p in zip(mins, prices, strict=True)),
        fixed_cost=round(float(rng.uniform(5, 60)), 2),
        lead_time=int(rng.integers(0, 4)),
        on_time_rate=float(rng.choice([1.0, 0.95, 0.8])),
        reject_rate=float(rng.choice([0.0, 0.0, 0.02, 0.05])),
        sku=sku,
    )


def run_case(
    n_items: int,
    solver: str,
    scenarios: int = SCENARIOS,
    tiers: int = 0,
    order_cost: float = 0,
    min_order_value: float = 0,
) -> dict:
    """Generate, plan and measure one case in this process."""
    t0 = time.perf_counter()
    problem = instance(n_items, scenarios=scenarios, tiers=tiers, order_cost=order_cost,
                       min_order_value=min_order_value)  # fmt: skip
    generate = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = plan(problem, solver=solver, time_limit=TIME_LIMIT[solver], gap=GAP, max_candidates=24)
    total = time.perf_counter() - t1
    ordered = sum(1 for lot in result.lots if lot.quantity)
    discounts = sum(v["discount"] for v in result.supplier_discounts.values())
    return {
        "items": n_items,
        "scenarios": scenarios,
        "solver": solver,
        "states": n_tier_states(problem.limits),
        "status": result.solver_status,
        "optimal": result.optimal,
        "gap": result.gap,
        "build_s": round(result.build_seconds, 3),
        "solve_s": round(result.solve_seconds, 3),
        "explain_s": round(total - result.build_seconds - result.solve_seconds, 3),
        "generate_s": round(generate, 3),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "child_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "objective": result.objective,
        "ordered": ordered,
        "supplier_discount": round(discounts, 2),
        "order_cost": order_cost,
        "orders": {s: o["lots"] for s, o in result.orders.items()},  # lots per purchase order
        "min_order_value": min_order_value,
        # per supplier with a minimum: the purchase value of its order tonight
        "purchase": {
            s: round(o["purchase"], 2) for s, o in result.orders.items() if "purchase" in o
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000, 20000])
    parser.add_argument("--solvers", nargs="+", default=["highs", "cbc"])
    parser.add_argument(
        "--scenarios", type=int, nargs="+", default=[SCENARIOS], help="scenario counts to run"
    )
    parser.add_argument(
        "--tiers", type=int, default=0, help="spend tiers per supplier (0: the standard tiers)"
    )
    parser.add_argument(
        "--order-cost", type=float, default=0.0, help="every supplier's order_cost (currency)"
    )
    parser.add_argument(
        "--min-order-value",
        type=float,
        default=0.0,
        help="every supplier's min_order_value (currency per purchase order)",
    )
    parser.add_argument(
        "--case", nargs=6, metavar=("ITEMS", "SOLVER", "S", "T", "O", "M"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.case:
        n, solver, scenarios, tiers, order_cost, minimum = args.case
        case = (int(n), solver, int(scenarios), int(tiers), float(order_cost), float(minimum))
        print(json.dumps(run_case(*case)))
        return
    rows = []
    for n in args.sizes:
        for scenarios in args.scenarios:
            for solver in args.solvers:
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--case",
                        str(n),
                        solver,
                        str(scenarios),
                        str(args.tiers),
                        str(args.order_cost),
                        str(args.min_order_value),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
                _print_row(rows[-1], header=len(rows) == 1)
    final = next(
        (
            r
            for r in rows
            if r["items"] == 5000 and r["solver"] == "highs" and r["scenarios"] == SCENARIOS
        ),
        rows[-1] if rows else {},
    )
    keys = ("items", "scenarios", "solver", "status", "gap", "build_s", "solve_s")
    print(json.dumps({k: final.get(k) for k in keys}))


def _print_row(row: dict, header: bool) -> None:
    cols = ("items", "scenarios", "solver", "states", "order_cost", "min_order_value", "build_s",
            "solve_s",
            "explain_s", "peak_mb", "child_mb", "gap", "optimal", "objective")  # fmt: skip
    if header:
        print(" | ".join(f"{c:>9}" for c in cols) + " | status")
    shown = {**row, "gap": "-" if row["gap"] is None else f"{row['gap']:.2e}"}
    print(" | ".join(f"{shown[c]!s:>9}" for c in cols) + f" | {row['status']}", flush=True)


if __name__ == "__main__":
    main()
