"""A stop signal inside a DuckDB query is still a stop (flows.signals)."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest
from prefect.exceptions import TerminationSignal
from prefect.utilities.engine import can_ack_control_intent, capture_sigterm

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
            return error, received()
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


def test_prefects_sigterm_handler_stays_so_a_cancel_is_acknowledged(tmp_path: Path) -> None:
    """A worker's `prefect flow-run cancel` ended the run Crashed ("Execution was aborted by a
    termination signal"), not Cancelled: Prefect acknowledges the cancel only while its own
    SIGTERM handler is installed, and noted_signals had put its own in place."""
    # capture_sigterm: Prefect's handler, as the flow engine runs a flow
    with capture_sigterm(), noted_signals() as received:
        assert can_ack_control_intent()
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
        with warehouse.connect(tmp_path / "wh.duckdb") as con:
            timer.start()
            with pytest.raises(RuntimeError, match="Query interrupted") as stopped:
                con.execute(LONG_QUERY).fetchall()
        assert isinstance(as_signal(stopped.value, received()), TerminationSignal)
    assert signal.set_wakeup_fd(-1) == -1  # the block put the wakeup fd back


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
            seen.append(received())

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


def test_a_load_stopped_inside_a_run_is_not_retried(tmp_path: Path) -> None:
    """The load's retry asks `stop_received` while the run's block is still open, before the
    run reads its signals: with the signals read from a wakeup fd, the question itself must
    read them, or the cancelled run's load runs again (and the run goes on to publish)."""
    from prefect import flow, task

    from flows.tasks import _may_pass

    stop = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    attempts: list[int] = []

    @task(retries=1, retry_delay_seconds=0, retry_condition_fn=_may_pass)
    def load() -> None:
        attempts.append(1)
        with warehouse.connect(tmp_path / "wh.duckdb") as con:
            if len(attempts) == 1:
                stop.start()  # the first attempt's query is stopped
            con.execute(LONG_QUERY).fetchall()

    @flow
    def run() -> None:
        with noted_signals():
            load()

    previous = signal.signal(signal.SIGTERM, _raise_termination)  # outside Prefect's handler
    try:
        with pytest.raises(RuntimeError, match="Query interrupted"):
            run()
    finally:
        stop.cancel()
        signal.signal(signal.SIGTERM, previous)
    assert attempts == [1]  # not retried
