"""The layers of docs/design.md, checked on the source: which package may import what.

warehouse/ is the only package that imports duckdb; models/ and optimize/ are plain
libraries (no Prefect, no DuckDB); flows uses the other three, which import none of the
others.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "optimize", "warehouse", "flows")
# top-level modules each package must not import
FORBIDDEN = {
    "models": {"duckdb", "prefect", "flows", "warehouse", "optimize", "pulp", "highspy"},
    "optimize": {"duckdb", "prefect", "flows", "warehouse", "models"},
    "warehouse": {"prefect", "flows", "models", "optimize"},
    "flows": {"duckdb"},
}


def _imports(path: Path) -> set[str]:
    """Top-level names of every module the file imports (anywhere in it)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_only_what_its_layer_allows(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_bench_reads_the_warehouse_through_its_functions() -> None:
    wrong = [p.name for p in sorted((ROOT / "bench").glob("*.py")) if "duckdb" in _imports(p)]
    assert wrong == []


def test_the_stored_quantile_columns_are_the_models_levels() -> None:
    """warehouse names the columns (q05 ... q99) without importing models: the two lists
    must say the same levels."""
    from models import QUANTILES as levels
    from warehouse.runs import QUANTILES as columns

    assert columns == tuple(f"q{round(100 * level):02d}" for level in levels)
