"""The warehouse: DuckDB storage of inputs, quarantine, loads and run results.

The only package that imports duckdb; everything else uses these functions.
"""

from warehouse.config import LoadConfig, load_config
from warehouse.connect import connect
from warehouse.demand import bucket_demand, last_complete_start, period_start_after
from warehouse.errors import ConfigError, DatabaseBusyError, DatabaseError, LoadError
from warehouse.load import FileLoad, LoadReport, load_folder
from warehouse.planning import read_planning_inputs, select_skus
from warehouse.runs import (
    current_recommendations,
    fail_run,
    publish_run,
    quarantine_rows,
    quarantine_summary,
    record_stage,
    run_history,
    start_run,
    table_counts,
)
from warehouse.schema import ensure_schema

__all__ = [
    "ConfigError",
    "DatabaseBusyError",
    "DatabaseError",
    "FileLoad",
    "LoadConfig",
    "LoadError",
    "LoadReport",
    "bucket_demand",
    "connect",
    "current_recommendations",
    "ensure_schema",
    "fail_run",
    "last_complete_start",
    "load_config",
    "load_folder",
    "period_start_after",
    "publish_run",
    "quarantine_rows",
    "quarantine_summary",
    "read_planning_inputs",
    "record_stage",
    "run_history",
    "select_skus",
    "start_run",
    "table_counts",
]
