"""The stop signals a run received, for the interrupts DuckDB hides.

A signal handler's exception (Prefect's `TerminationSignal` for a cancel's SIGTERM,
`KeyboardInterrupt` for Ctrl-C) that fires while DuckDB runs a query does not reach the run:
DuckDB stops the query and raises `RuntimeError('Query interrupted')` in its place. The run
was then recorded as failed by that error, and Prefect saw a failure, not a stop.

The signals are read from a wakeup fd (`signal.set_wakeup_fd`), not from handlers of our own:
Prefect acknowledges a cancel only while its own SIGTERM handler is installed, and with ours
in its place a worker's `prefect flow-run cancel` ended the run `Crashed` ("Execution was
aborted by a termination signal"), not `Cancelled`.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prefect.exceptions import TerminationSignal

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
INTERRUPTED_QUERY = "Query interrupted"  # DuckDB's message


@contextmanager
def noted_signals() -> Iterator[Callable[[], list[int]]]:
    """A function giving the stop signals received inside the block so far, in order. The
    handlers stay as they are; a signal counts when it has a Python handler (Prefect's, Ctrl-C's
    KeyboardInterrupt), not when ignored or left to the default. Main thread only, and only
    where no wakeup fd is set already (an asyncio loop in the main thread holds one): elsewhere
    the list stays empty."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: received
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    if previous != -1:
        signal.set_wakeup_fd(previous)

    def read() -> list[int]:
        try:
            while data := reader.recv(256):  # one byte per signal: its number
                received.extend(signal.Signals(b) for b in data if b in STOP_SIGNALS)
        except BlockingIOError:
            pass
        return received

    try:
        yield read if previous == -1 else (lambda: received)
    finally:
        if previous == -1 and (current := signal.set_wakeup_fd(-1)) != writer.fileno():
            signal.set_wakeup_fd(current)  # set by someone else inside the block: theirs now
        reader.close()
        writer.close()


def as_signal(error: BaseException, received: list[int]) -> BaseException:
    """The stop a DuckDB query's `RuntimeError('Query interrupted')` stands for when a stop
    signal came (`TerminationSignal` for SIGTERM, `KeyboardInterrupt` for SIGINT); any other
    error as it is."""
    if not received or not isinstance(error, RuntimeError) or INTERRUPTED_QUERY not in str(error):
        return error
    if received[-1] == signal.SIGINT:
        return KeyboardInterrupt()
    return TerminationSignal(signal=received[-1])
