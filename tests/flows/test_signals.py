"""A stop signal inside a DuckDB query is still a stop (flows.signals)."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest
from prefect.exceptions import TerminationSignal

import warehouse
from flows.signals import as_signal, noted_signals, stop_received

LONG_QUERY = "SELECT count(*) FROM range(300000000) a, range(10) b WHERE a.range % 7 = b.range"


def _raise_termination(signum: int, frame: object) -> None:
    raise TerminationSignal(signal=signum)  # as Prefect's SIGTERM bridge does


def _query_stopped_by(signum: int, db: Path) -> tuple[BaseException, list[int]]:
    """The error a DuckDB query of about 2-3 s ends with when `signum` comes 0.3 s into it
    (DuckDB may notice it only when the query ends: either way it says "Query interrupted")."""
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signum))
    with warehouse.connect(db) as con, noted_signals() as received:
        timer.start()
        try:
            con.execute(LONG_QUERY).fetchall()
        except BaseException as error:
            return error, received
        finally:
            timer.cancel()
    raise AssertionError("the query was not stopped")


def test_a_sigterm_inside_a_duckdb_query_is_a_termination_signal(tmp_path: Path) -> None:
    """Stopped by `reorder serve` in its load, a run was recorded failed with 'RuntimeError:
    Query interrupted': DuckDB hides the handler's TerminationSignal."""
    previous = signal.signal(signal.SIGTERM, _raise_termination)
    try:
        error, received = _query_stopped_by(signal.SIGTERM, tmp_path / "wh.duckdb")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert isinstance(error, RuntimeError) and "Query interrupted" in str(error)
    assert received == [signal.SIGTERM]
    stop = as_signal(error, received)
    assert isinstance(stop, TerminationSignal) and type(stop).__name__ + str(stop) == (
        "TerminationSignal"
    )
    assert signal.getsignal(signal.SIGTERM) is previous  # the block put the handler back


def test_ctrl_c_inside_a_duckdb_query_is_a_keyboard_interrupt(tmp_path: Path) -> None:
    error, received = _query_stopped_by(signal.SIGINT, tmp_path / "wh.duckdb")
    assert isinstance(as_signal(error, received), KeyboardInterrupt)


def test_other_errors_stay_as_they_are() -> None:
    error = RuntimeError("Query interrupted")
    assert as_signal(error, []) is error  # no signal came: DuckDB's own interrupt
    other = ValueError("bad row")
    assert as_signal(other, [signal.SIGTERM]) is other


def test_outside_the_main_thread_nothing_is_installed() -> None:
    seen: list[list[int]] = []

    def worker() -> None:
        with noted_signals() as received:
            seen.append(received)

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [[]] and signal.getsignal(signal.SIGTERM) is before


@pytest.fixture(autouse=True)
def _default_int_handler():
    """Ctrl-C raises KeyboardInterrupt (pytest keeps Python's default handler)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_an_error_naming_the_stop_is_the_stop_and_a_stopped_load_is_not_retried(
    tmp_path: Path,
) -> None:
    """A stop inside DuckDB's scan of Python data comes back as duckdb.Error naming
    TerminationSignal; the load task retried it as a passing failure and the stopped run went
    on and published (test_serve, now and then)."""
    from flows.tasks import _may_pass

    wrapped = Exception(
        "Traceback (most recent call last): ... TerminationSignal: "
    )  # duckdb.Error
    assert isinstance(as_signal(wrapped, [signal.SIGTERM]), TerminationSignal)
    assert as_signal(wrapped, []) is wrapped
    previous = signal.signal(signal.SIGTERM, _raise_termination)
    try:
        _query_stopped_by(signal.SIGTERM, tmp_path / "wh.duckdb")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert stop_received()
    assert _may_pass(None, None, None) is False
