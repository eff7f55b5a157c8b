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
# a handler's exception raised inside DuckDB's scan of Python data comes back as
# duckdb.Error('Traceback ... TerminationSignal: '): its text names the stop
STOP_NAMES = ("TerminationSignal", "KeyboardInterrupt")
_STOPS: list[int] = []  # the stop signals noted in the latest `noted_signals` block


def stop_received() -> bool:
    """Whether a stop signal came inside the latest `noted_signals` block: a task failed by
    it must not be retried (the load's retry took a cancel for a passing failure, and the
    stopped run went on and published)."""
    return bool(_STOPS)


@contextmanager
def noted_signals() -> Iterator[list[int]]:
    """The stop signals received inside the block (a list that fills as they come), each
    still handled by the handler installed before. Main thread only (elsewhere Python takes no
    handlers: the list stays empty); a signal whose handler is not a Python function (the
    default, ignored) is left as it is."""
    received: list[int] = []
    _STOPS.clear()  # the stops of this block (one run) only
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}

    def note(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        _STOPS.append(signum)
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
    """The stop a DuckDB query's `RuntimeError('Query interrupted')`, or an error naming the
    stop's exception (`STOP_NAMES`), stands for when a stop signal came (`TerminationSignal`
    for SIGTERM, `KeyboardInterrupt` for SIGINT); any other error as it is."""
    interrupted = isinstance(error, RuntimeError) and INTERRUPTED_QUERY in str(error)
    if not received or not (interrupted or any(name in str(error) for name in STOP_NAMES)):
        return error
    if received[-1] == signal.SIGINT:
        return KeyboardInterrupt()
    return TerminationSignal(signal=received[-1])
