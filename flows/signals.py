"""The stop signals a run received, for the interrupts DuckDB hides.

A signal handler's exception (Prefect's `TerminationSignal` for a cancel's SIGTERM,
`KeyboardInterrupt` for Ctrl-C) that fires while DuckDB runs a query does not reach the run:
DuckDB stops the query and raises `RuntimeError('Query interrupted')` in its place. The run
was then recorded as failed by that error, and Prefect saw a failure, not a stop.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from prefect.exceptions import TerminationSignal

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
INTERRUPTED_QUERY = "Query interrupted"  # DuckDB's message


@contextmanager
def noted_signals() -> Iterator[list[int]]:
    """The stop signals received inside the block (a list that fills as they come), each
    still handled by the handler installed before. Main thread only (elsewhere Python takes no
    handlers: the list stays empty); a signal whose handler is not a Python function (the
    default, ignored) is left as it is."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}

    def note(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        handler = previous[signum]
        if callable(handler):
            handler(signum, frame)

    noted = [s for s, handler in previous.items() if callable(handler)]
    for s in noted:
        signal.signal(s, note)
    try:
        yield received
    finally:
        for s in noted:
            if signal.getsignal(s) is note:
                signal.signal(s, previous[s])


def as_signal(error: BaseException, received: list[int]) -> BaseException:
    """The stop a DuckDB query's `RuntimeError('Query interrupted')` stands for when a stop
    signal came (`TerminationSignal` for SIGTERM, `KeyboardInterrupt` for SIGINT); any other
    error as it is."""
    if not received or not isinstance(error, RuntimeError) or INTERRUPTED_QUERY not in str(error):
        return error
    if received[-1] == signal.SIGINT:
        return KeyboardInterrupt()
    return TerminationSignal(signal=received[-1])
