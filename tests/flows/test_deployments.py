"""prefect.yaml: every entrypoint imports, its parameters validate, bad values are refused."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.exceptions import ParameterTypeError
from prefect.flows import load_flow_from_entrypoint
from prefect.utilities.callables import parameter_schema
from prefect.utilities.schema_tools import ValidationError, validate

from flows.nightly import nightly
from flows.params import RunParameters, parse_parameters
from flows.serve import (
    PREFECT_YAML,
    build_deployments,
    check_not_deployed_on_a_pool,
    nightly_schedule,
)

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load(PREFECT_YAML.read_text())
DEPLOYMENTS = {d["name"]: d for d in SPEC["deployments"]}


def _schema(entrypoint: str) -> dict[str, Any]:
    return parameter_schema(load_flow_from_entrypoint(str(ROOT / entrypoint)).fn).model_dump()


def test_nightly_and_rerun_share_one_process_pool_and_run_one_at_a_time() -> None:
    assert {"nightly", "rerun"} <= set(DEPLOYMENTS)
    pools = {SPEC["definitions"]["work_pool"]["name"]} | {
        d["work_pool"]["name"] for d in DEPLOYMENTS.values()
    }
    assert pools == {"reorder"}
    assert all(d["concurrency_limit"] == 1 for d in DEPLOYMENTS.values())
    check, chdir = SPEC["pull"]
    assert check["prefect.deployments.steps.run_shell_script"]["script"].endswith(
        '"{{ $REORDER_HOME }}"'
    )
    assert chdir["prefect.deployments.steps.set_working_directory"] == {
        "directory": "{{ $REORDER_HOME }}"
    }


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_entrypoint_imports_and_default_parameters_parse(name: str) -> None:
    deployment = DEPLOYMENTS[name]
    flow = load_flow_from_entrypoint(str(ROOT / deployment["entrypoint"]))
    parameters = deployment.get("parameters", {})
    assert set(parameters) <= set(parameter_schema(flow.fn).properties)
    if flow.name == "nightly":
        assert isinstance(parse_parameters(**parameters), RunParameters)
    validate(parameters, _schema(deployment["entrypoint"]), raise_on_error=True)


def test_nightly_cron_fires_at_night_outside_the_daylight_saving_hour() -> None:
    cron, timezone = nightly_schedule()
    minute, hour = (int(v) for v in cron.split()[:2])
    assert hour < 2 or 3 <= hour < 6, f"{cron} is not at night or falls in 02:00-03:00"
    assert timezone and nightly_schedule("America/Chicago")[1] == "America/Chicago"
    assert 0 <= minute < 60


def test_rerun_exposes_every_planning_parameter_in_the_ui() -> None:
    wanted = {"as_of", "items", "category", "horizon", "scenarios", "service_level", "budget"}
    wanted |= {"solver", "time_limit", "seed", "task_runner", "dask_address"}
    assert wanted <= set(_schema(DEPLOYMENTS["rerun"]["entrypoint"])["properties"])


def test_readme_and_prefect_yaml_name_every_parameter_of_the_rerun() -> None:
    """README's `nightly/rerun` row (and the deployment's description) said "every run
    parameter" and left out data_dir, db_path, reports_dir and config."""
    taken = set(_schema(DEPLOYMENTS["rerun"]["entrypoint"])["properties"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `nightly/rerun` |"))
    assert set(re.findall(r"`(\w+)`", row.split("|")[3])) == taken
    described = " ".join(DEPLOYMENTS["rerun"]["description"].split())
    assert {name for name in taken if not re.search(rf"\b{name}\b", described)} == set()


def test_readme_names_every_parameter_of_the_review() -> None:
    """README's `review/review` row left out poll_seconds and attempts."""
    taken = set(_schema(DEPLOYMENTS["review"]["entrypoint"])["properties"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `review/review` |"))
    assert taken - set(re.findall(r"`(\w+)`", row.split("|")[3])) == set()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("horizon", 0),
        ("scenarios", 3),
        ("service_level", 1.5),
        ("solver", "gurobi"),
        ("keep_margin", 0.5),
        ("keep_margin", -0.01),
    ],
)
def test_server_schema_refuses_a_bad_value_naming_the_parameter(name: str, value: object) -> None:
    """What the Prefect server checks when a run is created (enforce_parameter_schema)."""
    with pytest.raises(ValidationError, match=name):
        validate({name: value}, _schema("flows/nightly.py:nightly"), raise_on_error=True)


@pytest.mark.parametrize("name", ["timeout_seconds", "poll_seconds", "attempts"])
def test_server_schema_refuses_a_review_that_would_not_wait(name: str) -> None:
    """`prefect deployment run review/review --param timeout_seconds=0` was created and failed
    when it started ("ValueError: timeout_seconds must be at least 1"): README says all three
    deployments refuse a bad value when the run is created."""
    with pytest.raises(ValidationError, match=f"{name}.*0 is less than the minimum of 1"):
        validate({name: 0}, _schema("flows/review.py:review"), raise_on_error=True)


@pytest.mark.parametrize("typed", ["2026-13-45", "06/30/2026"])
def test_a_date_the_schema_lets_through_is_refused_by_the_flow_naming_the_form(
    typed: str, tmp_path: Path
) -> None:
    """JSON schema does not check `format: date` (PLATFORM.md), so a run of the rerun
    deployment with as_of=06/30/2026 was created and failed when it started with pydantic's
    'as_of: Input should be a valid date or datetime, invalid character in year': the flow's
    signature refused it before RunParameters could say which form a date takes."""
    validate({"as_of": typed}, _schema("flows/nightly.py:nightly"), raise_on_error=True)
    said = f"as_of {typed!r} is not a date of the form YYYY-MM-DD"
    with pytest.raises(ValueError, match=said):
        parse_parameters(as_of=typed)
    with pytest.raises(ParameterTypeError, match=rf"as_of: .*{re.escape(said)}"):
        nightly(as_of=typed, data_dir=str(tmp_path), db_path=str(tmp_path / "reorder.duckdb"))
    assert not (tmp_path / "reorder.duckdb").exists()


def test_serve_builds_the_same_deployments_as_prefect_yaml() -> None:
    nightly, rerun = build_deployments(db_path="elsewhere.duckdb", timezone="UTC")
    assert (nightly.name, rerun.name) == ("nightly", "rerun")
    assert nightly.parameters["db_path"] == "elsewhere.duckdb"
    assert nightly.parameters["data_dir"] == DEPLOYMENTS["nightly"]["parameters"]["data_dir"]
    (schedule,) = nightly.schedules
    assert schedule.schedule.cron == nightly_schedule()[0]
    assert schedule.schedule.timezone == "UTC"
    assert not rerun.schedules
    assert nightly.concurrency_limit == rerun.concurrency_limit == 1


def test_served_deployments_refuse_a_misspelled_parameter_naming_it() -> None:
    """A misspelled name sent through the API was accepted and the run crashed ("Process
    exited with status code: 1"); the server checks the deployment's schema as here."""
    from prefect import get_client
    from prefect.exceptions import PrefectHTTPStatusError

    rerun = build_deployments(timezone="UTC")[1]
    deployment_id = rerun.apply()  # on the test harness's server
    with get_client(sync_client=True) as client:
        with pytest.raises(PrefectHTTPStatusError, match="'horizn' was unexpected"):
            client.create_flow_run_from_deployment(deployment_id, parameters={"horizn": 8})
        run = client.create_flow_run_from_deployment(deployment_id, parameters={"horizon": 8})
        client.delete_flow_run(run.id)  # created, never run
        client.delete_deployment(deployment_id)


def test_serve_refuses_while_prefect_deploy_s_deployments_are_on_the_server() -> None:
    """`reorder serve` after `prefect deploy` said "Your deployments are being served" while
    the pool's worker took the runs of nightly/rerun and crashed them ("No such file or
    directory: '/tmp/tmp...prefect/flows/nightly.py'"): it now stops first, naming the fix."""
    from click.testing import CliRunner
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    from flows.cli import main

    rerun = build_deployments(timezone="UTC")[1]
    with get_client(sync_client=True) as client:
        served = rerun.apply()  # a served deployment (no work pool) is no reason to refuse
        check_not_deployed_on_a_pool()
        client.delete_deployment(served)
        client.create_work_pool(WorkPoolCreate(name="reorder-serve-test", type="process"))
        deployed = rerun.apply(work_pool_name="reorder-serve-test")
        try:
            result = CliRunner().invoke(main, ["serve", "--timezone", "UTC"])
        finally:
            client.delete_deployment(deployed)
            client.delete_work_pool("reorder-serve-test")
    assert result.exit_code == 1, result.output
    assert (
        "Error: nightly/rerun is deployed on the work pool reorder-serve-test (prefect deploy)"
        in result.output
    )
    assert "delete them first (prefect deployment delete nightly/rerun;" in result.output


def test_the_work_pool_s_today_is_the_nightly_schedule_s_time_zone() -> None:
    """as_of defaults to yesterday in REORDER_TIMEZONE: it must be the cron's zone."""
    env = SPEC["definitions"]["work_pool"]["job_variables"]["env"]
    assert env["REORDER_TIMEZONE"] == nightly_schedule()[1]
