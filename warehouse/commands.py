"""Commands that notes and messages print for a planner to copy into a shell."""

from __future__ import annotations

import shlex


def command_line(*words: object) -> str:
    """`words` as one command line to paste into a shell: a word the shell would split or
    expand is quoted (`reorder lots --db '/tmp/my data/wh.duckdb'`), a plain one is written
    as it is (`reorder lots --db /srv/wh.duckdb`)."""
    return " ".join(shlex.quote(str(word)) for word in words)
