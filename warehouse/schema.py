"""DDL of the warehouse: input tables, `quarantine`, `loads`, run outputs (see docs/design.md).

Dates are DATE, timestamps are TIMESTAMP in UTC, money and quantities are DOUBLE (units may be
fractional, e.g. metres), JSON columns are JSON text.
"""

from __future__ import annotations

import duckdb

INPUT_TABLES_DDL = """
CREATE TABLE IF NOT EXISTS items (
    sku VARCHAR PRIMARY KEY,
    description VARCHAR,
    category VARCHAR,
    lifecycle_stage VARCHAR NOT NULL,
    unit_volume DOUBLE NOT NULL,          -- litres per unit
    holding_cost_rate DOUBLE NOT NULL,    -- 1/year, fraction of unit price
    end_of_life DATE,
    salvage_value DOUBLE NOT NULL DEFAULT 0,  -- currency per unit
    stockout_cost DOUBLE,                 -- currency per unit; NULL = derive from service_level
    launch_forecast DOUBLE                -- units per period a planner expects of a new item
);
CREATE TABLE IF NOT EXISTS suppliers (
    supplier_id VARCHAR PRIMARY KEY,
    name VARCHAR,
    lead_time DOUBLE NOT NULL,            -- days
    fixed_cost DOUBLE NOT NULL,           -- currency per lot (each item's order line)
    on_time_rate DOUBLE NOT NULL DEFAULT 1,
    reject_rate DOUBLE NOT NULL DEFAULT 0,
    order_cost DOUBLE NOT NULL DEFAULT 0, -- currency per purchase order (one a night), shared
    min_order_value DOUBLE NOT NULL DEFAULT 0  -- currency: least purchase value of one order
);
CREATE TABLE IF NOT EXISTS supplier_items (
    supplier_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    moq DOUBLE NOT NULL,                  -- units
    pack_size DOUBLE NOT NULL,            -- units
    discount_type VARCHAR NOT NULL,       -- all_units | incremental
    lead_time DOUBLE,                     -- days; NULL = the supplier's lead_time
    PRIMARY KEY (supplier_id, sku)
);
CREATE TABLE IF NOT EXISTS price_breaks (
    supplier_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    min_qty DOUBLE NOT NULL,              -- units
    unit_price DOUBLE NOT NULL,           -- currency per unit
    PRIMARY KEY (supplier_id, sku, min_qty)
);
CREATE TABLE IF NOT EXISTS stock (
    sku VARCHAR PRIMARY KEY,
    on_hand DOUBLE NOT NULL               -- units at as_of
);
CREATE TABLE IF NOT EXISTS open_orders (
    po_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    supplier_id VARCHAR NOT NULL,
    quantity DOUBLE NOT NULL,             -- units
    due_date DATE NOT NULL,
    PRIMARY KEY (po_id, sku, due_date)
);
CREATE TABLE IF NOT EXISTS supplier_tiers (
    supplier_id VARCHAR NOT NULL,
    basis VARCHAR NOT NULL,               -- spend (currency bought) | units (units bought)
    min_total DOUBLE NOT NULL,            -- threshold in the basis' unit, per run
    discount_rate DOUBLE NOT NULL,        -- fraction off everything bought from the supplier
    PRIMARY KEY (supplier_id, min_total)
);
CREATE TABLE IF NOT EXISTS requirements (
    requirement_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    due_date DATE NOT NULL,               -- the day the units are needed
    quantity DOUBLE NOT NULL,             -- units, whole
    note VARCHAR,                         -- free text, shown in the lot's reason
    PRIMARY KEY (requirement_id, sku)
);
CREATE TABLE IF NOT EXISTS order_lines (
    order_id VARCHAR NOT NULL,
    line BIGINT NOT NULL,
    order_date DATE NOT NULL,
    sku VARCHAR NOT NULL,
    quantity DOUBLE NOT NULL,             -- units; negative = credit/return
    unit_price DOUBLE,                    -- currency per unit
    customer VARCHAR,
    file VARCHAR NOT NULL,                -- name of the file the row came from
    load_id VARCHAR NOT NULL,
    PRIMARY KEY (order_id, line)
);
-- valid order lines that a file later in name order overrides (same order_id, line): kept
-- aside, so that they come back when that file no longer holds the key
CREATE TABLE IF NOT EXISTS order_lines_overridden (
    order_id VARCHAR NOT NULL,
    line BIGINT NOT NULL,
    order_date DATE NOT NULL,
    sku VARCHAR NOT NULL,
    quantity DOUBLE NOT NULL,
    unit_price DOUBLE,
    customer VARCHAR,
    file VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    PRIMARY KEY (order_id, line, file)
);
-- (order_id, line) of order lines a file excludes on purpose (a cancelled line, a non-product
-- sku, an ignored credit): like a row, it overrides the line of files earlier in name order
CREATE TABLE IF NOT EXISTS order_lines_excluded (
    order_id VARCHAR NOT NULL,
    line BIGINT NOT NULL,
    file VARCHAR NOT NULL,
    PRIMARY KEY (order_id, line, file)
);
"""

LOAD_TABLES_DDL = """
CREATE TABLE IF NOT EXISTS loads (
    load_id VARCHAR PRIMARY KEY,
    run_id VARCHAR,
    table_name VARCHAR NOT NULL,
    file VARCHAR,                         -- NULL: optional table absent from the folder
    sha256 VARCHAR,                       -- of the file's bytes
    context_sha256 VARCHAR,               -- order_lines: items file, LoadConfig, LINE_RULES
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    rows_excluded BIGINT NOT NULL,
    as_of DATE NOT NULL,
    loaded_at TIMESTAMP NOT NULL          -- UTC
);
CREATE TABLE IF NOT EXISTS quarantine (
    load_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,           -- 1-based data row, header not counted
    column_name VARCHAR,                  -- NULL: the row as a whole
    value VARCHAR,
    reason VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL          -- UTC
);
"""

OUTPUT_TABLES_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    run_key VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    parameters JSON,
    status VARCHAR NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at TIMESTAMP NOT NULL,        -- UTC
    ended_at TIMESTAMP,                   -- UTC
    stage_seconds JSON,
    solver_status VARCHAR,
    solver_gap DOUBLE,
    objective DOUBLE,
    error VARCHAR,
    flow_run_id VARCHAR
);
CREATE TABLE IF NOT EXISTS demand (
    run_key VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    quantity DOUBLE NOT NULL,             -- units, returns netted, >= 0
    PRIMARY KEY (run_key, sku, period_start)
);
CREATE TABLE IF NOT EXISTS forecasts (
    run_key VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    model VARCHAR NOT NULL,
    mean DOUBLE NOT NULL,
    q05 DOUBLE, q10 DOUBLE, q25 DOUBLE, q50 DOUBLE,
    q75 DOUBLE, q90 DOUBLE, q95 DOUBLE, q99 DOUBLE,
    PRIMARY KEY (run_key, sku, period_start, model)
);
CREATE TABLE IF NOT EXISTS cumulative_forecasts (
    run_key VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    periods BIGINT NOT NULL,              -- demand summed over the first `periods` periods
    last_period DATE NOT NULL,            -- start of the last period in the sum
    mean DOUBLE NOT NULL,                 -- units
    q05 DOUBLE, q10 DOUBLE, q25 DOUBLE, q50 DOUBLE,
    q75 DOUBLE, q90 DOUBLE, q95 DOUBLE, q99 DOUBLE,
    PRIMARY KEY (run_key, sku, periods)
);
CREATE TABLE IF NOT EXISTS forecast_models (
    run_key VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    model VARCHAR NOT NULL,               -- the model chosen for the item (or its fallback)
    backtest_score DOUBLE,                -- rolling-origin score of that model, lower is better
    selection_group VARCHAR,              -- the group the model was chosen for (class or inactive)
    demand_class VARCHAR,                 -- smooth, erratic, intermittent, lumpy or short
    adi DOUBLE,                           -- average demand interval, periods
    cv2 DOUBLE,                           -- squared coefficient of variation of demand sizes
    n_demands BIGINT,                     -- periods with demand in the history
    lifecycle_stage VARCHAR,              -- from items, at the time of the run
    stage_factor DOUBLE,                  -- the lifecycle stage's factor on the demand, 1 = none
    PRIMARY KEY (run_key, sku)
);
CREATE TABLE IF NOT EXISTS recommendations (
    run_key VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    supplier_id VARCHAR,
    quantity DOUBLE NOT NULL,             -- units to order now
    unit_price DOUBLE,                    -- currency per unit
    order_value DOUBLE,                   -- currency
    tier_min_qty DOUBLE,                  -- units
    expected_cost DOUBLE,                 -- currency over the horizon
    savings DOUBLE,                       -- currency
    expected_leftover DOUBLE,             -- units at the end of the horizon
    stockout_risk DOUBLE,                 -- 0..1
    reason VARCHAR,
    explanation JSON
);
-- per run_key: items the plan could not use (planned false) and offers left out of planned
-- items (planned true), with the reason
CREATE TABLE IF NOT EXISTS not_planned (
    run_key VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    planned BOOLEAN NOT NULL
);
-- per run_key: every supplier's purchase-order terms as the run planned with them (its load of
-- suppliers.csv): review and export judge the plan's orders by these, not by a later load
CREATE TABLE IF NOT EXISTS run_suppliers (
    run_key VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    supplier_id VARCHAR NOT NULL,
    order_cost DOUBLE NOT NULL,           -- currency per purchase order (one a night), shared
    min_order_value DOUBLE NOT NULL,      -- currency: least purchase value of one order
    PRIMARY KEY (run_key, supplier_id)
);
-- per run_key: the supplier-wide tiers the run planned with (its load of supplier_tiers.csv),
-- kept like run_suppliers: a supplier with a run_suppliers row and none here had no tier
CREATE TABLE IF NOT EXISTS run_supplier_tiers (
    run_key VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    supplier_id VARCHAR NOT NULL,
    basis VARCHAR NOT NULL,               -- spend (currency bought) | units (units bought)
    min_total DOUBLE NOT NULL,            -- threshold in the basis' unit, per run
    discount_rate DOUBLE NOT NULL,        -- fraction off everything bought from the supplier
    PRIMARY KEY (run_key, supplier_id, min_total)
);
-- per run_key: the lead time of each recommended lot's offer as the run planned with it (its
-- load of supplier_items.csv and suppliers.csv): review's notes on an override compare with it
CREATE TABLE IF NOT EXISTS run_lead_times (
    run_key VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    supplier_id VARCHAR NOT NULL,         -- the recommended supplier
    lead_time DOUBLE NOT NULL,            -- days: the supplier item's, else the supplier's
    PRIMARY KEY (run_key, sku)
);
"""


def all_items(alias: str = "") -> str:
    """SQL condition: the runs row (table alias `alias`, if any) is a run of all items, not
    one limited to some `items` or a `category` (a what-if that is never published)."""
    parameters = f"{alias}.parameters" if alias else "parameters"
    return f"{parameters}->>'items' IS NULL AND {parameters}->>'category' IS NULL"


def recased_sku(row_sku: str, item_sku: str) -> str:
    """SQL condition: the row's sku (column `row_sku`, e.g. of a quarantined row) is the item's
    (`item_sku`) written in another case, and no item has it as written ('p-1' of P-1: an
    export of another system; its row is quarantined as "unknown sku 'p-1' (..., which has
    'P-1')"), so it is that item's row, not another item's."""
    return f"(lower({row_sku}) = lower({item_sku}) AND {row_sku} NOT IN (SELECT sku FROM items))"


def proposal_key(run_key: str, sku: str) -> str:
    """SQL expression: the po_id of a decided lot's proposal (`RV-<run_key>-<sku>`, view
    planned_orders) in upper case, to match the ERP's open_orders, which may write it in
    another case."""
    return f"upper('RV-' || {run_key} || '-' || {sku})"


# Replaced on every read-write connection, so older warehouses get the same definitions.
VIEWS_DDL = (
    # Each night's run (one row per as_of): its succeeded run of all items (no `items` or
    # `category` limit) if it has one, else its run of some items; of those the one that ended
    # last. `night_run` reads one night, current_run the published night.
    f"""CREATE OR REPLACE VIEW night_runs AS
SELECT *, ({all_items()}) AS all_items
FROM runs
WHERE status = 'succeeded'
QUALIFY row_number() OVER (
    PARTITION BY as_of ORDER BY all_items DESC, ended_at DESC, started_at DESC
) = 1""",
    # The published plan is the run of the latest night, not the run that ended last:
    # replanning an earlier night (a backtest, `reorder accuracy`) does not take it over, and
    # neither does a run limited to some items or a category while a night of all items exists
    # (a later night of some items only leaves the plan of the last night of all items).
    """CREATE OR REPLACE VIEW current_run AS
SELECT * EXCLUDE (all_items) FROM night_runs
ORDER BY all_items DESC, as_of DESC
LIMIT 1""",
    """CREATE OR REPLACE VIEW current_recommendations AS
SELECT r.*
FROM recommendations AS r
WHERE r.run_id = (SELECT run_id FROM current_run)""",
    # the newest decision per run_key and sku: the lot's status on that run
    """CREATE OR REPLACE VIEW lot_decisions AS
SELECT * FROM decisions
QUALIFY row_number() OVER (
    PARTITION BY run_key, sku ORDER BY decided_at DESC, decision_id DESC
) = 1""",
    # Of the decisions on one sku for one night, the newest counts, whichever run_key it was
    # made on: a rerun with other parameters (a new run_key) re-approved the same lot would
    # otherwise count twice as an open order, and a later reject would not withdraw it; one
    # approved on the earlier run only still counts.
    """CREATE OR REPLACE VIEW night_decisions AS
SELECT * FROM lot_decisions
QUALIFY row_number() OVER (
    PARTITION BY as_of, sku ORDER BY decided_at DESC, decision_id DESC
) = 1""",
    """CREATE OR REPLACE VIEW planned_orders AS
SELECT 'RV-' || run_key || '-' || sku AS po_id, sku, supplier_id, quantity, due_date,
       run_key, as_of, decided_at
FROM night_decisions
WHERE action IN ('approve', 'override') AND quantity > 0""",
)

REVIEW_TABLES_DDL = """
-- RV- proposal ids the ERP's open_orders file has carried: from then on the ERP's row counts,
-- and a proposal whose row has left the file (received or cancelled) never counts again
CREATE TABLE IF NOT EXISTS erp_proposals (
    po_id VARCHAR PRIMARY KEY,
    first_seen DATE NOT NULL               -- as_of of the load that first carried it
);
CREATE TABLE IF NOT EXISTS decisions (
    decision_id VARCHAR PRIMARY KEY,
    run_key VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,              -- the attempt whose recommendation was decided
    as_of DATE NOT NULL,                  -- of that run; later nights count the lot as open order
    sku VARCHAR NOT NULL,
    action VARCHAR NOT NULL CHECK (action IN ('approve', 'override', 'reject')),
    recommended_supplier_id VARCHAR,
    recommended_quantity DOUBLE,          -- units
    recommended_unit_price DOUBLE,        -- currency per unit
    supplier_id VARCHAR,                  -- decided; NULL when rejected
    quantity DOUBLE NOT NULL,             -- decided units; 0 when rejected
    unit_price DOUBLE,                    -- currency per unit at the decided quantity
    order_value DOUBLE NOT NULL,          -- currency
    due_date DATE,                        -- day of approval (planner's zone) + lead_time days
    decided_by VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL,        -- UTC
    comment VARCHAR,
    channel VARCHAR NOT NULL              -- cli | prefect
);
-- an item's order lines of one day a planner marked as a one-off (a project order, a typo the
-- ERP let through): the demand forecasts are fitted on leaves them out (`reorder review one-off`)
CREATE TABLE IF NOT EXISTS one_offs (
    sku VARCHAR NOT NULL,
    order_date DATE NOT NULL,             -- the day of the order lines (order_lines.order_date)
    note VARCHAR,                         -- why, in the planner's words
    marked_by VARCHAR NOT NULL,
    marked_at TIMESTAMP NOT NULL,         -- UTC
    PRIMARY KEY (sku, order_date)
);
-- marks a planner removed (`reorder review one-off --remove`), as they were, and who removed them
-- when: `reorder changes` names the units a night's demand took back in (a day may be marked
-- and removed again: one row per removal)
CREATE TABLE IF NOT EXISTS one_off_removals (
    sku VARCHAR NOT NULL,
    order_date DATE NOT NULL,
    note VARCHAR,
    marked_by VARCHAR NOT NULL,
    marked_at TIMESTAMP NOT NULL,         -- UTC
    removed_by VARCHAR NOT NULL,
    removed_at TIMESTAMP NOT NULL         -- UTC
);
CREATE TABLE IF NOT EXISTS reports (
    run_key VARCHAR PRIMARY KEY,          -- a rerun replaces the night's report
    run_id VARCHAR NOT NULL,
    path VARCHAR NOT NULL,                -- absolute path of the HTML file
    items_shown BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL         -- UTC
);
"""

INPUT_TABLES = (
    "items",
    "suppliers",
    "supplier_items",
    "price_breaks",
    "stock",
    "open_orders",
    "supplier_tiers",
    "requirements",
    "order_lines",
)
OUTPUT_TABLES = (
    "runs",
    "demand",
    "forecasts",
    "cumulative_forecasts",
    "forecast_models",
    "recommendations",
    "not_planned",
    "run_suppliers",
    "run_supplier_tiers",
    "run_lead_times",
)
REVIEW_TABLES = ("decisions", "erp_proposals", "one_offs", "one_off_removals", "reports")
ALL_TABLES = (
    *INPUT_TABLES,
    "order_lines_overridden",
    "loads",
    "quarantine",
    *OUTPUT_TABLES,
    *REVIEW_TABLES,
)


# Columns added after a table was first created: existing warehouse files get them on open.
UPGRADES = (
    # a planner's launch forecast of a new item (2026-11-22, added to CREATE TABLE only until
    # 2026-12-06: files of the first two versions lacked it)
    "ALTER TABLE items ADD COLUMN IF NOT EXISTS launch_forecast DOUBLE",
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS relaxed BOOLEAN",  # plan from the relaxed model
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS infeasible_reason VARCHAR",  # why targets failed
    # the item's classification next to its chosen forecast model
    "ALTER TABLE forecast_models ADD COLUMN IF NOT EXISTS selection_group VARCHAR",
    "ALTER TABLE forecast_models ADD COLUMN IF NOT EXISTS demand_class VARCHAR",
    "ALTER TABLE forecast_models ADD COLUMN IF NOT EXISTS adi DOUBLE",
    "ALTER TABLE forecast_models ADD COLUMN IF NOT EXISTS cv2 DOUBLE",
    "ALTER TABLE forecast_models ADD COLUMN IF NOT EXISTS n_demands BIGINT",
    "ALTER TABLE forecast_models ADD COLUMN IF NOT EXISTS lifecycle_stage VARCHAR",
    "ALTER TABLE forecast_models ADD COLUMN IF NOT EXISTS stage_factor DOUBLE",
    # the sku of a quarantined row (tables with a sku column): a quarantined stock row leaves
    # its item unplanned instead of planned as if nothing were on hand
    "ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS sku VARCHAR",
    # the supplier_id of a quarantined row (tables with one): a price break row in quarantine
    # names the offer it belonged to, which may have no tier left (`tiers_left_out`)
    "ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS supplier_id VARCHAR",
    # an item's own lead time with its supplier (days; NULL: the supplier's), 2026-12-07
    "ALTER TABLE supplier_items ADD COLUMN IF NOT EXISTS lead_time DOUBLE",
    # a supplier's cost per purchase order, shared by the night's lots on it (currency), 2026-12-07
    "ALTER TABLE suppliers ADD COLUMN IF NOT EXISTS order_cost DOUBLE DEFAULT 0",
    # a supplier's least purchase value of one purchase order (currency), 2026-12-07
    "ALTER TABLE suppliers ADD COLUMN IF NOT EXISTS min_order_value DOUBLE DEFAULT 0",
)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table and view that is missing and add columns that are missing;
    existing rows are left as they are."""
    for ddl in (INPUT_TABLES_DDL, LOAD_TABLES_DDL, OUTPUT_TABLES_DDL, REVIEW_TABLES_DDL):
        con.execute(ddl)
    for ddl in (*UPGRADES, *VIEWS_DDL):
        con.execute(ddl)
