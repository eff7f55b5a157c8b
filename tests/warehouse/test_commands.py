"""Commands printed for a planner to copy: one word per value, whatever the path holds."""

from __future__ import annotations

import shlex
from pathlib import Path

from warehouse import command_line


def test_a_path_with_a_space_stays_one_word_of_the_printed_command() -> None:
    """`reorder lots --db /tmp/my data/wh.duckdb` was printed unquoted: pasted into a shell,
    --db took '/tmp/my' and 'data/wh.duckdb' became a stray argument."""
    line = command_line("reorder", "lots", "--db", Path("/tmp/my data/wh.duckdb"))
    assert line == "reorder lots --db '/tmp/my data/wh.duckdb'"
    odd = "/tmp/it's $HOME; & more/wh.duckdb"
    assert shlex.split(command_line("reorder", "runs", "--db", odd)) == [
        "reorder",
        "runs",
        "--db",
        odd,
    ]


def test_a_plain_path_is_printed_as_it_is() -> None:
    assert command_line("reorder", "lots", "--db", "/srv/erp-2/wh.duckdb", "--run-id", "r-1") == (
        "reorder lots --db /srv/erp-2/wh.duckdb --run-id r-1"
    )
