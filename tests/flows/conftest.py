"""One Prefect test server for all flow tests (starting one costs 15-20 s)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.testing.utilities import prefect_test_harness

from warehouse.demo import write_demo_data

AS_OF = date(2026, 6, 30)


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    # Heartbeats add ~0.9 s to every flow run; the env var cannot express "off".
    with (
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        prefect_test_harness(server_startup_timeout=60),
    ):
        yield


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo data set shared by the flow tests (read-only for them)."""
    folder = tmp_path_factory.mktemp("demo") / "data"
    write_demo_data(folder, AS_OF, seed=3, n_items=60)
    return folder
