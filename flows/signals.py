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
# a handler's exception raised inside DuckDB's scan of Python data comes back as
# duckdb.Error('Traceback ... TerminationSignal: '): its text names the stop
STOP_NAMES = ("TerminationSignal", "KeyboardInterrupt")
_STOPS: list[int] = []  # the stop signals of the latest `noted_signals` block, in order
_LOCK = threading.Lock()  # one reader of the wakeup fd at a time (a task's thread, the run's)
_reader: socket.socket | None = None  # the latest block's end of its wakeup fd, while open


def stop_received() -> bool:
    """Whether a stop signal came inside the latest `noted_signals` block: a task failed by
    it must not be retried (the load's retry took a cancel for a passing failure, and the
    stopped run went on and published)."""
    return bool(_read())


def _read() -> list[int]:
    """`_STOPS` with the stop signals the wakeup fd holds now (one byte per signal: its
    number) added."""
    with _LOCK:
        try:
            while _reader is not None and (data := _reader.recv(256)):
                _STOPS.extend(signal.Signals(b) for b in data if b in STOP_SIGNALS)
        except BlockingIOError:
            pass
        return list(_STOPS)


@contextmanager
def noted_signals() -> Iterator[Callable[[], list[int]]]:
    """A function giving the stop signals received inside the block so far, in order; they
    also answer `stop_received` until the next block. The handlers stay as they are; a signal
    counts when it has a Python handler (Prefect's, Ctrl-C's KeyboardInterrupt), not when
    ignored or left to the default. Main thread only, and only where no wakeup fd is set
    already (an asyncio loop in the main thread holds one): elsewhere the list stays empty."""
    global _reader
    _STOPS.clear()  # the stops of this block (one run) only
    if threading.current_thread() is not threading.main_thread():
        yield lambda: []
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    if previous != -1:
        signal.set_wakeup_fd(previous)
    else:
        _reader = reader
    try:
        yield _read
    finally:
        if previous == -1 and (current := signal.set_wakeup_fd(-1)) != writer.fileno():
            signal.set_wakeup_fd(current)  # set by someone else inside the block: theirs now
        _read()  # the signals of the block stay in _STOPS
        with _LOCK:
            _reader = None
        reader.close()
        writer.close()


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
