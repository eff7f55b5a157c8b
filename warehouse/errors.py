"""Errors raised by the warehouse: the database (busy, missing) and the input files."""

from __future__ import annotations

import duckdb


class DatabaseError(Exception):
    """The DuckDB file cannot be used (busy, missing, or not a warehouse)."""


class DatabaseBusyError(DatabaseError):
    """Another process holds the DuckDB file lock for longer than we were willing to wait."""


class LoadError(Exception):
    """An input file cannot be loaded at all (unreadable, missing, or missing columns).

    Bad rows never raise: they go to the `quarantine` table.
    """


class ConfigError(LoadError):
    """The load configuration (TOML) is invalid."""


class HistoryError(LoadError):
    """The loaded order history cannot support a plan for the night asked for (no order line
    up to as_of, or none for months before it: a stale export)."""


# Errors of the database file the user can act on (disk full, no permission, file gone): the
# CLI shows their message in one line instead of a traceback.
STORAGE_ERRORS = (DatabaseError, duckdb.IOException, duckdb.PermissionException)
