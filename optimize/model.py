"""The menu MILP: choose one candidate lot per item under shared limits.

Columns: binary x[i, c] per item i and kept candidate lot c (candidate 0: no order).
Rows (named): `one_lot_<sku>` (Σ_c x = 1), `budget` (Σ purchase cost · x <= budget),
`capacity` (Σ quantity · unit_volume · x <= capacity, litres), `max_orders` (Σ x of lots > 0
<= max_orders), and the purchase orders' (`po_...`, "Order costs" below). Objective: Σ
expected cost · x + Σ order_cost · po. No order is always feasible without a service-level
target; a min_order_value adds `min_order_value_<supplier>` rows ("Minimum order values").

Supplier-wide tiers (a discount on everything bought from a supplier once the total reaches its
min_total) are solved by tier states (`tier_states`): a state fixes, per tiered supplier, the
tier it must reach (or none). Its model takes the state's discount off the expected cost of
that supplier's candidates (discount_rate × `discountable`: the purchase cost plus the holding of
the lot's units less the purchase's share in its leftover value: stock is held and credited
at the price paid) and adds the row `tier_reach_<supplier>` (bought >= min_total).
The best plan over all states is the optimum (a plan that reaches a higher tier than its state
assumes is counted in the higher state too), and every state's model is a tight menu MILP:
no big-M rows, whose LP bound was too weak for HiGHS (25 s for 500 items, measured).

Many tiered suppliers: the states are Π over tiered suppliers of (tiers + 1), 65,536 for 16
suppliers with one tier each (a 60-item plan took 300 s and was not proven optimal; 0.3 s and
proven optimal with the compact model). Above MAX_TIER_STATES states one compact model
replaces them: per supplier s and tier k a binary z_s_k (Σ_k z_s_k <= 1, row `tier_one_<s>`;
`tier_reach_<s>_<k>`: bought >= min_total × z) and a continuous w_s_k, the discount taken
off, with `tier_discount_<s>_<k>` (w <= rate × discountable bought − L (1 − z)) and
`tier_discount_cap_<s>_<k>` (w <= U z), L and U the least and greatest rate × discountable
the items' kept candidates can buy (L <= 0 <= U); the objective subtracts w. Minimizing
pushes w to its bound: the discount when z = 1, 0 otherwise. Exact, but the big-M rows make
its LP bound weak, so it is used only where the states are too many. Measured (bench/optimize
instances, HiGHS): 500 items with 6 states, 68 s against 1.2 s by states; 1,000 items with
3 suppliers of 4 tiers (125 states), time limit 120 s at a 3.9% gap against 58 s and proven
optimal by states (57.5 s of it building the 125 models). Dominance there requires a
candidate to be no dearer both without discount and at its supplier's top discount.

Order costs (joint replenishment): a supplier's order_cost (Limits.order_cost, currency per
purchase order the plan places with it tonight) is shared by every lot on that order, so it is
in no candidate's expected cost. Each supplier with an order_cost > 0 that a column's lot needs
gets a binary column `po_<supplier>` costing order_cost, and per item with such lots the row
`po_<supplier>_<sku>`: Σ x of the item's lots from the supplier − po <= 0 (one row per item,
not one big-M row per supplier: the LP bound stays tight). A purchase order that a fixed item's
lot places anyway has no column: its order_cost is in the constant and the floor, and the
other items' lots on it cost nothing more. The tier states' models and the compact model carry
the same columns and rows (after the x columns, before the compact model's tier columns).

Minimum order values: a supplier's min_order_value (Limits.min_order_value, currency) is the
least purchase value of one purchase order to it (Σ of its lots' purchase cost before
supplier-wide discounts, as the budget counts them). Such a supplier gets the po column and
rows above even with no order_cost (the column then costs 0), and the row
`min_order_value_<supplier>`: Σ purchase cost · x of its lots − min_order_value · po >= 0, so
the plan orders at least the minimum from it or nothing. Fixed items' purchases from it count
on the right-hand side: when their lots place the order, the row is Σ purchase cost · x >=
min_order_value less their purchases (none once they reach it). No order from the supplier
always meets the row; only a fixed item (a service-level target only its lots meet) can make
it unmeetable.

Candidates that cannot be in any plan are dropped before the model is built (`allowed` masks
some too): those whose use of a limit in force (the row's: purchase cost before supplier-wide
discounts under a budget, volume under a capacity, an order under max_orders), with the least
every other item's candidates use of it (no order: nothing), is above the limit. The menus stay
whole, so a reason still names the limit that holds an item's best lot back. A tier state that
only dropped candidates could reach is not built (`build_models`): it holds no plan (its model
is LP-feasible with a share of a lot over the budget and integer-infeasible; the bundled CBC
2.10 proves that and then crashes writing its solution, see `solve.run_cbc`).
Candidates that cannot be in any optimal plan are dropped too (exact dominance): c is dropped
if another candidate c' of the same item costs no more in expectation and uses no more of
every limit in force and buys no less from every supplier with a reach row (purchase cost or
units, the tier's basis) or a min_order_value (purchase cost up to the minimum: a dearer lot
may be what reaches it, a lot reaching it alone needs no more) and needs no purchase order c
does not (c' needs none, or the one c
needs: a lot of another supplier dearer by less than an order_cost stays); ties keep the first
(of equals, one needing no order). A purchase order a fixed item places counts as needed by
none (`_Flat._kept`). Without shared limits this leaves each item's
best lot only (with order costs: its best lot needing no order, and its best of each supplier
with one that is cheaper). Items left with one candidate are fixed: their use of the limits
moves to the right-hand sides.

The model is kept as arrays (a sparse row matrix): HiGHS gets it directly through highspy,
`to_pulp()` gives the same model as a PuLP problem (for CBC and for writing an .lp file).

The objective's part no choice changes stays out of the columns: each free item's column costs
are shifted by its least one (the compact model: its least at its supplier's top discount), so
the columns cost what the choices can avoid; the shifts, the fixed items' costs and the order
costs of the purchase orders they place are the model's `floor`, which is in `constant` (the po
columns cost 0 at least). The solvers get the columns without the constant
(HiGHS with its offset less the floor, PuLP writes no constant into CBC's MPS file), so their
relative gap is on the cost the choices can avoid (why, with figures: bench/README.md, "Order
decision").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pulp
from scipy import sparse

from optimize.data import ItemProblem, Limits, SupplierTier
from optimize.evaluate import LotCosts

INF = float("inf")
# More tier states than this (2^8: eight suppliers with one tier each) get one compact model
MAX_TIER_STATES = 256
# items per padded chunk of `undominated`, fewer for long menus: a chunk's comparisons are
# (items, longest menu, longest menu) booleans, and 2,000 menus of 369 lots took 635 MB
DOMINANCE_CHUNK, DOMINANCE_CELLS = 2000, 2**24
# a candidate using more of a limit than what is left of it for it by more than this is dropped
# (currency, litres or orders; as plan.py's checks of the limits)
LIMIT_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class MenuModel:
    """A built (unsolved) menu model as arrays.

    `keep[i]`: candidate indices of item i that are columns (or the one fixed choice);
    `x_item`, `x_cand`: item and candidate index of each x column (x columns come first);
    `fixed[i]`: the candidate of an item decided without the solver, else -1;
    `cost`: column costs above the item's least (module docstring), `constant` the rest.
    """

    menu: tuple[LotCosts, ...]
    limits: Limits
    keep: tuple[np.ndarray, ...]
    fixed: np.ndarray
    x_item: np.ndarray
    x_cand: np.ndarray
    col_names: list[str]
    cost: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    rows: sparse.csr_matrix
    row_names: list[str]
    row_lower: np.ndarray
    row_upper: np.ndarray
    constant: float
    # the least objective the costs allow (currency): fixed items' costs + each free item's
    # least column cost (the compact model: at its top discount); the gap is relative to the
    # objective less it
    floor: float
    state: dict[str, int] = field(default_factory=dict)  # supplier -> tier reached (index)
    # values of the columns after the x columns in a plan that reaches no supplier-wide tier
    # and places no purchase order (the po columns, the compact model's tier columns)
    rest: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # per x column, the po column its lot needs (-1: none; module docstring, "Order costs")
    po: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def n_columns(self) -> int:
        return len(self.cost)

    def objective(self, x: np.ndarray) -> float:
        """Objective value of column values x (currency)."""
        return float(self.constant + self.cost @ np.asarray(x, float))

    def complete(self, x: np.ndarray) -> np.ndarray:
        """Values of every column from 0/1 values of the x columns: the purchase orders their
        lots need placed, the other columns at `rest`."""
        full = np.concatenate((np.asarray(x, float), self.rest))
        if len(self.po):
            needed = self.po[np.asarray(x) > 0.5]
            full[needed[needed >= 0]] = 1.0
        return full

    def choices(self, x: np.ndarray | None) -> list[int]:
        """Chosen candidate per item from the x column values (None: fixed items only,
        no order elsewhere)."""
        result = [int(f) if f >= 0 else 0 for f in self.fixed]
        if x is None:
            return result
        best = np.full(len(self.menu), -1.0)
        for col in np.flatnonzero(x[: len(self.x_item)] > 0.5):
            i = self.x_item[col]
            if x[col] > best[i]:
                best[i], result[i] = x[col], int(self.x_cand[col])
        return result

    def to_pulp(self) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
        """The same model as a PuLP problem (named rows), and its variables by column."""
        lp = pulp.LpProblem("reorder", pulp.LpMinimize)
        variables = [
            lp.add_variable(name, 0, None if up == INF else up, pulp.LpBinary if b else None)
            if b
            else lp.add_variable(name, 0, None if up == INF else up)
            for name, up, b in zip(self.col_names, self.col_upper, self.integer, strict=True)
        ]
        terms = [(variables[c], v) for c, v in enumerate(self.cost.tolist()) if v]
        lp.setObjective(pulp.LpAffineExpression(terms, constant=self.constant))
        ptr, idx, val = self.rows.indptr, self.rows.indices.tolist(), self.rows.data.tolist()
        for r, name in enumerate(self.row_names):
            expr = pulp.LpAffineExpression(
                (variables[idx[k]], val[k]) for k in range(ptr[r], ptr[r + 1])
            )
            lo, up = self.row_lower[r], self.row_upper[r]
            if lo == up:
                lp.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintEQ, name, lo))
            elif up < INF:
                lp.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, name, up))
            else:
                lp.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintGE, name, lo))
        return lp, variables


def least_floor(models: list[MenuModel]) -> float:
    """The least floor over the supplier-tier states' models (currency): no plan of any state
    costs less, so gaps over the states are relative to the objective less it."""
    return min(m.floor for m in models)


def n_tier_states(limits: Limits) -> int:
    """How many tier states `tier_states` gives: Π over tiered suppliers of (tiers + 1)."""
    return int(np.prod([len(t) + 1 for t in limits.tiers_by_supplier().values()]))


def tier_states(limits: Limits) -> list[dict[str, int]]:
    """Every combination of tiers to reach, one per tiered supplier (-1: no tier)."""
    states: list[dict[str, int]] = [{}]
    for supplier, tiers in limits.tiers_by_supplier().items():
        states = [s | {supplier: k} for s in states for k in range(-1, len(tiers))]
    return states


def build_models(
    menu: Sequence[LotCosts],
    limits: Limits,
    items: Sequence[ItemProblem] | None = None,
    allowed: Sequence[np.ndarray] | None = None,
    max_states: int = MAX_TIER_STATES,
) -> list[MenuModel]:
    """One model per tier state (one model without supplier-wide tiers); states whose tiers
    cannot be reached even buying every item's largest candidate that fits the limits (and is
    allowed) are left out. More than
    `max_states` tier states: one compact model (`_Flat.compact_model`)."""
    flat = _Flat(menu, limits, items, allowed)
    tiers = limits.tiers_by_supplier()
    if n_tier_states(limits) > max_states:
        return [flat.compact_model()]
    models = []
    for state in tier_states(limits):
        reach = {s: tiers[s][k] for s, k in state.items() if k >= 0}
        if any(t.min_total > flat.most_bought(s, t.basis) + 1e-9 for s, t in reach.items()):
            continue
        models.append(flat.model(state))
    return models


def build_model(
    menu: Sequence[LotCosts],
    limits: Limits,
    items: Sequence[ItemProblem] | None = None,
    state: dict[str, int] | None = None,
) -> MenuModel:
    """Build the menu MILP of one tier state (default: no supplier-wide tier reached).
    `items` gives unit volumes (needed only with a capacity limit)."""
    return _Flat(menu, limits, items, None).model(state or {})


class _Flat:
    """The candidates of all items as flat arrays (item after item), shared by the models of
    every tier state."""

    def __init__(self, menu, limits, items, allowed) -> None:
        if limits.capacity is not None and items is None:
            raise ValueError("a capacity limit needs the items (unit_volume)")
        self.menu, self.limits = tuple(menu), limits
        self.sizes = np.array([len(m) for m in menu], dtype=np.int64)
        self.offset = np.concatenate(([0], np.cumsum(self.sizes)))
        self.item = np.repeat(np.arange(len(menu)), self.sizes)
        self.local = np.arange(self.offset[-1]) - self.offset[:-1][self.item]
        cat = (
            (lambda name: np.concatenate([getattr(m, name) for m in menu]))
            if menu
            else (lambda name: np.zeros(0))
        )
        self.cost = cat("expected_cost").astype(float)
        self.purchase = cat("purchase_cost").astype(float)
        self.discountable = cat("discountable").astype(float)
        self.quantity = cat("quantity").astype(float)
        self.supplier = cat("supplier_id") if menu else np.zeros(0, object)
        unit_volume = np.array([i.unit_volume for i in items]) if items is not None else None
        self.volume = (
            self.quantity * unit_volume[self.item]
            if unit_volume is not None and len(self.item)
            else np.zeros(len(self.cost))
        )
        self.orders = (self.quantity > 0).astype(float)
        # purchase orders with an order_cost or a min_order_value: per candidate its supplier's
        # index in po_suppliers (-1: none)
        self.po_suppliers = limits.po_suppliers()
        self.group = np.full(len(self.cost), -1, np.int64)
        for g, supplier in enumerate(self.po_suppliers):
            self.group[self.supplier == supplier] = g
        self.names = [clean_name(f"one_lot_{m.sku}") for m in menu]
        # the candidates that can be in a plan: allowed and within the limits (flat, per item)
        self.usable = self._fitting(
            np.concatenate(allowed) if allowed else np.ones(len(self.cost), bool)
        )
        self.allowed = [self.usable[a:b] for a, b in itertools.pairwise(self.offset)]

    def limit_uses(self) -> list[tuple[str, float, np.ndarray]]:
        """(row name, bound, use per candidate (flat)) of every limit in force: purchase cost
        (currency, before supplier-wide discounts), volume (litres), orders."""
        limits = self.limits
        return [
            (name, float(bound), use)
            for name, bound, use in (
                ("budget", limits.budget, self.purchase),
                ("capacity", limits.capacity, self.volume),
                ("max_orders", limits.max_orders, self.orders),
            )
            if bound is not None
        ]

    def _fitting(self, ok: np.ndarray) -> np.ndarray:
        """`ok` (flat) less the candidates that break a limit together with the least the
        other items' `ok` candidates use of it (limit after limit); `ok` itself if that leaves
        an item none: no plan meets the limits, and the solver proves it."""
        fits = ok.copy()
        for _, bound, use in self.limit_uses():
            least = np.full(len(self.menu), np.inf)
            np.minimum.at(least, self.item, np.where(fits, use, np.inf))
            if not np.isfinite(least).all():
                return ok
            fits &= use + (least.sum() - least[self.item]) <= bound + LIMIT_TOL
        left = np.zeros(len(self.menu), bool)
        left[self.item[fits]] = True
        return fits if left.all() else ok

    def most_bought(self, supplier: str, basis: str) -> float:
        """Σ over items of the most one usable candidate buys from `supplier` (currency of
        purchase cost or units, `basis`)."""
        own = np.where(self.usable, self._bought(supplier, basis), 0.0)
        if not len(own):
            return 0.0
        return float(np.maximum.reduceat(own, self.offset[:-1][self.sizes > 0]).sum())

    def model(self, state: dict[str, int]) -> MenuModel:
        """The tight model of one tier state (module docstring)."""
        limits = self.limits
        tiers = limits.tiers_by_supplier()
        state = {s: -1 for s in tiers} | state
        reach = {s: tiers[s][k] for s, k in state.items() if k >= 0}
        cost = self.cost.copy()
        for supplier, tier in reach.items():
            cost -= np.where(self.supplier == supplier, tier.discount_rate * self.discountable, 0.0)
        part = self._x_part(cost, reach)
        for supplier, tier in reach.items():
            own = self._bought(supplier, tier.basis)
            done = float(own[part.fixed_flat].sum())
            part.rows.single(f"tier_reach_{supplier}", own[part.cols], tier.min_total - done, INF)
        return part.model(self, cost, state=state)

    def compact_model(self) -> MenuModel:
        """One model for every tier state (module docstring, "Many tiered suppliers"): per
        supplier s and tier k a binary z_s_k (tier reached) and the discount it takes off,
        w_s_k = rate_k × discountable bought from s when z = 1, else 0, shifted by its least
        value so that every column starts at 0."""
        tiers = self.limits.tiers_by_supplier()
        top = {s: t[-1] for s, t in tiers.items()}
        rate = np.zeros(len(self.cost))
        for supplier, tier in top.items():
            rate[self.supplier == supplier] = tier.discount_rate
        # a candidate dominates only if it is no dearer both without and at the top discount
        part = self._x_part(np.stack([self.cost, self.cost - rate * self.discountable]), top)
        cols, fixed_flat, rows = part.cols, part.fixed_flat, part.rows
        n_x = part.n_columns  # the x and po columns
        extra_names, extra_cost, extra_upper, extra_int, rest = [], [], [], [], []
        taken: set[str] = set()
        for supplier, levels in tiers.items():
            own = self.supplier == supplier
            disc = np.where(own, self.discountable, 0.0)
            lo, hi = self._extremes(disc, part.keep)
            bought = self._bought(supplier, levels[0].basis)
            z_cols = []
            for k, tier in enumerate(levels):
                z, w = n_x + len(extra_names), n_x + len(extra_names) + 1
                z_cols.append(z)
                # w = 0 (no tier) must lie in [lmin, lmax]
                lmin, lmax = min(0.0, tier.discount_rate * lo), max(0.0, tier.discount_rate * hi)
                extra_names += [_unique(clean_name(f"{v}_{supplier}_{k}"), taken) for v in "zw"]
                extra_cost += [0.0, -1.0]
                extra_upper += [1.0, lmax - lmin]
                extra_int += [True, False]
                rest += [0.0, -lmin]  # no tier: z = 0, w = 0
                done = float(bought[fixed_flat].sum())
                coef = np.append(bought[cols], -tier.min_total)
                rows.block([clean_name(f"tier_reach_{supplier}_{k}")],
                           np.zeros(len(cols) + 1, np.int64), np.append(np.arange(len(cols)), z),
                           coef, -done, INF)  # fmt: skip
                # w <= rate × discountable bought - lmin (1 - z) and w <= lmax z (w - lmin)
                fixed_disc = tier.discount_rate * float(disc[fixed_flat].sum())
                coef = np.concatenate((-tier.discount_rate * disc[cols], [-lmin, 1.0]))
                x_cols = np.arange(len(cols))
                rows.block([clean_name(f"tier_discount_{supplier}_{k}")],
                           np.zeros(len(cols) + 2, np.int64), np.concatenate((x_cols, [z, w])),
                           coef, -INF, fixed_disc - 2 * lmin)  # fmt: skip
                rows.block([clean_name(f"tier_discount_cap_{supplier}_{k}")], [0, 0], [z, w],
                           [-lmax, 1.0], -INF, -lmin)  # fmt: skip
            rows.block([clean_name(f"tier_one_{supplier}")], np.zeros(len(z_cols), np.int64),
                       z_cols, np.ones(len(z_cols)), -INF, 1.0)  # fmt: skip
        shift = float(sum(rest))  # objective −w = −w' − lmin, and rest = −lmin
        return part.model(
            self,
            self.cost,
            extra=(extra_names, np.array(extra_cost), np.array(extra_upper), np.array(extra_int),
                   np.array(rest)),
            constant=shift,
            least=self.cost - rate * self.discountable,
        )  # fmt: skip

    def _bought(self, supplier: str, basis: str) -> np.ndarray:
        """Per candidate (flat): purchase cost (spend) or units bought from `supplier`."""
        amount = self.purchase if basis == "spend" else self.quantity
        return np.where(self.supplier == supplier, amount, 0.0)

    def _extremes(self, value: np.ndarray, keep: Sequence[np.ndarray]) -> tuple[float, float]:
        """Least and greatest Σ over items of the value (flat) of one kept candidate each."""
        lo = hi = 0.0
        for i, k in enumerate(keep):
            own = value[self.offset[i] + k]
            lo, hi = lo + float(own.min()), hi + float(own.max())
        return lo, hi

    def _x_part(self, cost: np.ndarray, reach: dict[str, SupplierTier]) -> _XPart:
        """The candidate columns and the one_lot and limit rows; `cost` (flat, or rows of
        costs that must all be no higher for a candidate to dominate) decides dominance."""
        menu = self.menu
        volume = [self.volume[self.offset[i] : self.offset[i + 1]] for i in range(len(menu))]
        keep = self._kept(volume, reach, cost)
        if any(len(k) == 0 for k in keep):
            raise ValueError("an item has no allowed candidate")
        counts = np.array([len(k) for k in keep], dtype=np.int64)
        chosen = np.concatenate(
            [np.zeros(0, np.int64)] + [self.offset[i] + k for i, k in enumerate(keep)]
        ).astype(np.int64)
        free_flat = np.repeat(counts > 1, counts)
        fixed = np.array([k[0] if len(k) == 1 else -1 for k in keep], dtype=np.int64)
        cols = chosen[free_flat]  # flat candidate index of every x column
        fixed_flat = chosen[~free_flat]
        rows = _Rows()
        free_items = np.flatnonzero(counts > 1)
        one_row = np.repeat(np.arange(len(free_items)), counts[free_items])
        rows.block(
            [self.names[i] for i in free_items],
            one_row,
            np.arange(len(cols)),
            np.ones(len(cols)),
            1.0,
            1.0,
        )
        for name, bound, use in self.limit_uses():
            rows.single(name, use[cols], -INF, bound - float(use[fixed_flat].sum()))
        part = _XPart(tuple(keep), fixed, cols, fixed_flat, rows)
        self._po_part(part)
        return part

    def _kept(self, volume: list[np.ndarray], reach: dict, cost: np.ndarray) -> list[np.ndarray]:
        """`undominated` candidates per item; a purchase order that a fixed item's lot places
        anyway costs the others nothing, so their lots needing it are compared again as if
        they needed none (until no more orders are placed so)."""
        group = self.group
        while True:
            keep = undominated(self.menu, volume, self.limits, reach, self.allowed, cost, group)
            fixed = [self.offset[i] + k[0] for i, k in enumerate(keep) if len(k) == 1]
            placed = np.unique(group[fixed])
            free = np.where(np.isin(group, placed[placed >= 0]), -1, group)
            if np.array_equal(free, group):
                return keep
            group = free

    def _po_part(self, part: _XPart) -> None:
        """The po columns and rows of `part` (module docstring, "Order costs"): a binary
        po_<supplier> per supplier with an order_cost that a column's lot needs, unless a
        fixed item's lot places that order anyway (its cost then goes to `part.placed`), and
        per item and such supplier the row po_<supplier>_<sku>: Σ x of the item's lots from
        the supplier − po <= 0; then the min_order_value rows (`_minimum_rows`). A supplier
        with only a min_order_value gets its po column at cost 0."""
        cols, fixed_flat = part.cols, part.fixed_flat
        order_cost = self.limits.order_cost
        placed = np.unique(self.group[fixed_flat][self.group[fixed_flat] >= 0])
        part.placed = float(sum(order_cost.get(self.po_suppliers[g], 0.0) for g in placed))
        group = self.group[cols]
        live = (group >= 0) & ~np.isin(group, placed)
        suppliers = np.unique(group[live])
        n_x = len(cols)
        part.po = np.full(n_x, -1, np.int64)
        if not len(suppliers):
            self._minimum_rows(part, placed, {})
            return
        column = np.full(len(self.po_suppliers), -1, np.int64)
        column[suppliers] = n_x + np.arange(len(suppliers))
        part.po[live] = column[group[live]]
        names = [self.po_suppliers[g] for g in suppliers]
        part.po_names = [clean_name(f"po_{name}") for name in names]
        part.po_cost = np.array([order_cost.get(name, 0.0) for name in names])
        x_cols = np.flatnonzero(live)
        pairs, row = np.unique(
            np.stack((group[live], self.item[cols][live])), axis=1, return_inverse=True
        )
        row = np.ravel(row)
        sku = [m.sku for m in self.menu]
        part.rows.block(
            [clean_name(f"po_{self.po_suppliers[g]}_{sku[i]}") for g, i in pairs.T.tolist()],
            np.concatenate((row, np.arange(pairs.shape[1]))),
            np.concatenate((x_cols, column[pairs[0]])),
            np.concatenate((np.ones(len(x_cols)), -np.ones(pairs.shape[1]))),
            -INF,
            0.0,
        )
        po_column = dict(zip(suppliers.tolist(), column[suppliers].tolist(), strict=True))
        self._minimum_rows(part, placed, po_column)

    def _minimum_rows(self, part: _XPart, placed: np.ndarray, po_column: dict[int, int]) -> None:
        """The row min_order_value_<supplier> per supplier with a min_order_value (module
        docstring, "Minimum order values"): Σ purchase cost · x of its lots − min_order_value
        · po >= 0 with a po column (`po_column`: supplier index -> column); when a fixed
        item's lot places the order, Σ purchase cost · x >= what the fixed items' lots leave
        of the minimum (no row once they reach it; an empty row if nothing can: no plan)."""
        cols, fixed_flat = part.cols, part.fixed_flat
        for g, supplier in enumerate(self.po_suppliers):
            minimum = self.limits.min_order_value.get(supplier, 0.0)
            if minimum <= 0:
                continue
            own = np.where(self.group == g, self.purchase, 0.0)
            name = clean_name(f"min_order_value_{supplier}")
            if g in placed:
                left = minimum - float(own[fixed_flat].sum())
                if left > LIMIT_TOL:
                    part.rows.single(name, own[cols], left, INF)
            elif g in po_column:
                coef = np.append(own[cols], -minimum)
                index = np.append(np.arange(len(cols)), po_column[g])
                nz = coef != 0
                part.rows.block([name], np.zeros(int(nz.sum()), np.int64), index[nz], coef[nz],
                                0.0, INF)  # fmt: skip


@dataclass
class _XPart:
    """The candidate columns of a model and its rows so far."""

    keep: tuple[np.ndarray, ...]
    fixed: np.ndarray
    cols: np.ndarray
    fixed_flat: np.ndarray
    rows: _Rows
    po: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    po_names: list[str] = field(default_factory=list)
    po_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    placed: float = 0.0  # order_cost of the purchase orders fixed items place (currency)

    @property
    def n_columns(self) -> int:
        """The x and po columns."""
        return len(self.cols) + len(self.po_names)

    def model(
        self,
        flat: _Flat,
        cost: np.ndarray,
        state: dict[str, int] | None = None,
        extra: tuple | None = None,
        constant: float = 0.0,
        least: np.ndarray | None = None,
    ) -> MenuModel:
        """The MenuModel of these columns (costs from the flat `cost`, each item's shifted by
        its least `least` (flat; default `cost`) over its columns), the po columns and `extra`
        columns (names, cost, upper, integer, rest) after them; `constant`: added to the
        objective, as are the order costs of the purchase orders fixed items place."""
        cols = self.cols
        x_item, x_cand = flat.item[cols], flat.local[cols]
        names = [f"x_{i}_{c}" for i, c in zip(x_item.tolist(), x_cand.tolist(), strict=True)]
        least = cost if least is None else least
        floors = np.full(len(flat.menu), np.inf)
        np.minimum.at(floors, x_item, least[cols])
        floors = np.where(np.isfinite(floors), floors, 0.0)
        fixed = self.fixed_flat
        floor = float(least[fixed].sum() + floors.sum()) + self.placed
        constant += float(cost[fixed].sum() + floors.sum()) + self.placed
        names += self.po_names
        col_cost = np.concatenate((cost[cols] - floors[x_item], self.po_cost))
        upper, integer = np.ones(len(col_cost)), np.ones(len(col_cost), bool)
        rest = np.zeros(len(self.po_names))
        if extra is not None:
            extra_names, extra_cost, extra_upper, extra_int, extra_rest = extra
            rest = np.concatenate((rest, extra_rest))
            names += list(extra_names)
            col_cost = np.concatenate((col_cost, extra_cost))
            upper = np.concatenate((upper, extra_upper))
            integer = np.concatenate((integer, extra_int))
        n = len(names)
        return MenuModel(
            menu=flat.menu,
            limits=flat.limits,
            keep=self.keep,
            fixed=self.fixed,
            x_item=x_item,
            x_cand=x_cand,
            col_names=names,
            cost=col_cost,
            col_upper=upper,
            integer=integer,
            rows=self.rows.matrix(n),
            row_names=self.rows.names,
            row_lower=np.array(self.rows.lower, float),
            row_upper=np.array(self.rows.upper, float),
            constant=constant,
            floor=floor,
            state=state or {},
            rest=rest,
            po=self.po,
        )


class _Rows:
    """Named rows collected as COO blocks."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.taken: set[str] = set()

    def block(self, names, row, col, val, lower, upper) -> None:
        val = np.asarray(val, float)
        nz = val != 0
        row, col, val = np.asarray(row)[nz], np.asarray(col)[nz], val[nz]
        base = len(self.names)
        for name in names:
            self.names.append(_unique(name, self.taken))
        self.lower += [lower] * len(names)
        self.upper += [upper] * len(names)
        self.parts.append((base + np.asarray(row), np.asarray(col), np.asarray(val, float)))

    def single(self, name, coef, lower, upper) -> None:
        nz = np.flatnonzero(coef)
        self.block([clean_name(name)], np.zeros(len(nz), np.int64), nz, coef[nz], lower, upper)

    def matrix(self, n_cols: int) -> sparse.csr_matrix:
        if not self.parts:
            return sparse.csr_matrix((len(self.names), n_cols))
        row, col, val = (np.concatenate(p) for p in zip(*self.parts, strict=True))
        matrix = sparse.csr_matrix((val, (row, col)), shape=(len(self.names), n_cols))
        matrix.sort_indices()
        return matrix


def undominated(
    menu: Sequence[LotCosts],
    volume: Sequence[np.ndarray],
    limits: Limits,
    reach: dict[str, SupplierTier],
    allowed: Sequence[np.ndarray] | None = None,
    cost: np.ndarray | None = None,
    group: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Per item, the sorted indices of the candidates no other candidate of the item
    dominates (see the module docstring); items are processed in padded chunks of similar
    menu length (padding to a chunk's longest menu costs its length squared per item).
    `cost` (flat, item after item; or rows of such costs, each of which a dominating
    candidate must not exceed) replaces the menu's expected cost (a tier state's discount).
    `group` (flat): the purchase order each candidate needs (-1: none); a candidate that needs
    one dominates only candidates that need the same."""
    result: list[np.ndarray] = [np.zeros(0, np.int64)] * len(menu)
    sizes = np.array([len(m) for m in menu], dtype=np.int64)
    offset = np.concatenate(([0], np.cumsum(sizes)))
    order = np.argsort(sizes, kind="stable")
    if group is None:
        group = np.full(int(offset[-1]), -1, np.int64)
    lo = 0
    while lo < len(menu):
        longest = sizes[order[lo : lo + DOMINANCE_CHUNK]]  # sorted: the k-th pads to it
        cells = np.arange(1, len(longest) + 1) * longest**2
        idx = order[lo : lo + max(1, int((cells <= DOMINANCE_CELLS).sum()))].tolist()
        lo += len(idx)
        part = _undominated_chunk(
            [menu[i] for i in idx],
            [volume[i] for i in idx],
            limits,
            reach,
            None if allowed is None else [allowed[i] for i in idx],
            None
            if cost is None
            else np.concatenate([cost[..., offset[i] : offset[i + 1]] for i in idx], axis=-1),
            np.concatenate(
                [np.zeros(0, np.int64)] + [group[offset[i] : offset[i + 1]] for i in idx]
            ),
        )
        for i, keep in zip(idx, part, strict=True):
            result[i] = keep
    return result


def _undominated_chunk(menu, volume, limits, reach, allowed, cost, group) -> list[np.ndarray]:
    sizes = np.array([len(m) for m in menu])
    if not len(sizes):
        return []
    width = int(sizes.max())
    columns = _usage_columns(menu, volume, limits, reach, cost)  # (r, total), larger = worse
    ok = np.concatenate([np.ones(n, bool) for n in sizes] if allowed is None else allowed)
    columns[:, ~ok] = np.inf  # a masked candidate dominates nothing and is dropped below
    item = np.repeat(np.arange(len(menu)), sizes)
    pos = np.arange(len(item)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    values = np.full((len(columns), len(menu), width), np.inf)
    values[:, item, pos] = columns
    orders = np.full((len(menu), width), -1, np.int64)
    orders[item, pos] = group
    needs = bool((group >= 0).any())  # a purchase order with an order_cost
    # order candidates of each item by cost then the other columns, then those needing no
    # purchase order first: dominators come first
    keys = [orders >= 0] * needs + [values[k] for k in range(len(columns) - 1, -1, -1)]
    rank = np.lexsort(keys, axis=-1)
    sorted_values = np.take_along_axis(values, rank[None], axis=2)
    orders = np.take_along_axis(orders, rank, axis=1)
    tol = 1e-9 * (1 + np.abs(np.where(np.isfinite(sorted_values), sorted_values, 0)))
    dominated = np.broadcast_to(np.tri(width, width, -1, dtype=bool), (len(menu), width, width))
    dominated = dominated.copy()
    for col, tol_col in zip(sorted_values, tol, strict=True):
        dominated &= col[:, None, :] <= (col + tol_col)[:, :, None]
    if needs:  # [item, a, b]: b dominates a only if b needs no order or the one a needs
        dominated &= (orders[:, None, :] < 0) | (orders[:, None, :] == orders[:, :, None])
    drop = dominated.any(axis=2) | ~np.isfinite(sorted_values[0])
    keep_sorted = np.where(drop, -1, rank)
    return [np.sort(k[k >= 0]) for k in keep_sorted]


def _usage_columns(menu, volume, limits, reach, cost) -> np.ndarray:
    """Expected cost and the use of every limit in force, candidates of all items in a row."""
    if cost is None:
        cost = np.concatenate([m.expected_cost for m in menu])
    rows = list(np.atleast_2d(cost))
    if limits.budget is not None:
        rows.append(np.concatenate([m.purchase_cost for m in menu]))
    if limits.capacity is not None:
        rows.append(np.concatenate(volume))
    if limits.max_orders is not None:
        rows.append(np.concatenate([(m.quantity > 0).astype(float) for m in menu]))
    if reach:
        supplier = np.concatenate([m.supplier_id for m in menu])
        purchase = np.concatenate([m.purchase_cost for m in menu])
        quantity = np.concatenate([m.quantity for m in menu]).astype(float)
        for name, tier in reach.items():
            amount = purchase if tier.basis == "spend" else quantity
            rows.append(-np.where(supplier == name, amount, 0.0))
    if minimums := limits.minimums():  # a lot buying more may be needed to reach the minimum
        supplier = np.concatenate([m.supplier_id for m in menu])
        purchase = np.concatenate([m.purchase_cost for m in menu])
        for name, minimum in minimums.items():  # a lot reaching it alone needs no more
            rows.append(-np.where(supplier == name, np.minimum(purchase, minimum), 0.0))
    return np.stack(rows).astype(float)


def clean_name(name: str) -> str:
    """Row name with the characters PuLP rejects replaced."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _unique(name: str, taken: set[str]) -> str:
    """`name`, made unique within the model."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate
