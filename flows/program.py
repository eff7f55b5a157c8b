"""The program as the planner started it, for the commands a run prints to copy."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def prog(absolute: bool = False) -> str:
    """How to call this command again: `reorder` if that is on PATH and is this program, else
    the path it was started by, relative to the working folder when within it (e.g.
    .venv/bin/reorder from a fresh clone), else absolute, as the hints name the warehouse.
    absolute: a path always absolute, for a text stored and read later from anywhere (a lot's
    reason)."""
    started = Path(sys.argv[0])
    found = shutil.which("reorder")
    if started.name != "reorder" or (found and Path(found).resolve() == started.resolve()):
        return "reorder"
    if absolute:
        return os.path.abspath(started)
    try:
        relative = os.path.relpath(started)
    except ValueError:  # another drive on Windows
        return os.path.abspath(started)
    return os.path.abspath(started) if relative.split(os.sep)[0] == os.pardir else relative
