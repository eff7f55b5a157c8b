"""The command line's hints: commands a user can paste as they are."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import pytest

from flows.cli import _prog, accuracy_hint


def test_hints_name_the_command_as_it_was_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From a fresh clone `reorder` is not on PATH: hints say .venv/bin/reorder."""
    script = tmp_path / ".venv" / "bin" / "reorder"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setattr(sys, "argv", [str(script)])
    assert _prog() == os.path.join(".venv", "bin", "reorder")
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    assert _prog() == "reorder"
    monkeypatch.setattr(sys, "argv", ["python -m flows.cli"])
    assert _prog() == "reorder"


def test_demo_accuracy_hint_plans_an_earlier_night_then_scores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "argv", ["reorder"])
    hint = accuracy_hint(date(2026, 11, 21), Path("demo/data"), Path("demo/reorder.duckdb"))
    assert hint.startswith(
        "accuracy:     reorder run --data-dir demo/data --db demo/reorder.duckdb "
        "--as-of 2026-09-26 && reorder accuracy --db demo/reorder.duckdb"
    )
