"""The warehouse: DuckDB storage of inputs, quarantine, loads and run results.

The only package that imports duckdb; everything else uses these functions.
"""

from warehouse.accuracy import (
    BY_COLUMNS,
    TOTAL_COLUMNS,
    forecast_accuracy,
    forecast_calibration,
)
from warehouse.config import LoadConfig, load_config
from warehouse.connect import check_path, connect
from warehouse.decisions import (
    Decision,
    DecisionError,
    approved_lots,
    changed_decisions,
    check_lot,
    decided_elsewhere,
    decision_history,
    latest_run,
    planned_orders,
    record_decisions,
    record_report,
    report_path,
    review_lots,
    supplier_terms,
)
from warehouse.demand import (
    bucket_demand,
    check_history,
    last_complete_start,
    period_start_after,
)
from warehouse.errors import (
    STORAGE_ERRORS,
    ConfigError,
    DatabaseBusyError,
    DatabaseError,
    HistoryError,
    LoadError,
)
from warehouse.load import FileLoad, LoadReport, load_folder
from warehouse.planning import read_planning_inputs, select_skus
from warehouse.run_lock import RunLock, RunLockedError, run_lock
from warehouse.runs import (
    close_interrupted_runs,
    current_forecast_models,
    current_recommendations,
    fail_run,
    is_published,
    not_planned,
    previous_forecast_models,
    publish_run,
    quarantine_rows,
    quarantine_summary,
    record_stage,
    run_history,
    run_recommendations,
    start_run,
    table_counts,
)
from warehouse.schema import ensure_schema

__all__ = [
    "BY_COLUMNS",
    "STORAGE_ERRORS",
    "TOTAL_COLUMNS",
    "ConfigError",
    "DatabaseBusyError",
    "DatabaseError",
    "Decision",
    "DecisionError",
    "FileLoad",
    "HistoryError",
    "LoadConfig",
    "LoadError",
    "LoadReport",
    "RunLock",
    "RunLockedError",
    "approved_lots",
    "bucket_demand",
    "changed_decisions",
    "check_history",
    "check_lot",
    "check_path",
    "close_interrupted_runs",
    "connect",
    "current_forecast_models",
    "current_recommendations",
    "decided_elsewhere",
    "decision_history",
    "ensure_schema",
    "fail_run",
    "forecast_accuracy",
    "forecast_calibration",
    "is_published",
    "last_complete_start",
    "latest_run",
    "load_config",
    "load_folder",
    "not_planned",
    "period_start_after",
    "planned_orders",
    "previous_forecast_models",
    "publish_run",
    "quarantine_rows",
    "quarantine_summary",
    "read_planning_inputs",
    "record_decisions",
    "record_report",
    "record_stage",
    "report_path",
    "review_lots",
    "run_history",
    "run_lock",
    "run_recommendations",
    "select_skus",
    "start_run",
    "supplier_terms",
    "table_counts",
]
