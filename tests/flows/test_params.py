"""Run parameters are validated before any work starts, with the bad parameter named."""

from datetime import date

import pytest
from pydantic import TypeAdapter, ValidationError

from flows.params import AsOf, parse_parameters


def test_defaults_are_valid_and_as_of_is_yesterday() -> None:
    params = parse_parameters()
    assert params.as_of < date.today()
    assert params.freq == "W" and params.horizon == 13


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("horizon", 0),
        ("scenarios", 1),
        ("service_level", 1.0),
        ("min_service_level", 1.5),
        ("max_orders", -1),
        ("budget", -5.0),
        ("budget", float("inf")),
        ("capacity", float("inf")),
        ("solver", "gurobi"),
        ("freq", "D"),
        ("as_of", "2026-13-45"),
        ("colour", "red"),
        ("dask_address", "tcp://10.0.0.5:8786"),  # with the default task_runner threads
    ],
)
def test_bad_value_is_refused_with_the_parameter_named(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=name):
        parse_parameters(**{name: value})


def test_items_accept_comma_separated_text() -> None:
    assert parse_parameters(items="A-1, B-2").items == ("A-1", "B-2")
    assert parse_parameters(items=[]).items is None


def test_run_key_ignores_db_path_but_not_results_parameters() -> None:
    base = parse_parameters(as_of="2026-06-30")
    assert (
        base.run_key() == parse_parameters(as_of="2026-06-30", db_path="elsewhere.duckdb").run_key()
    )
    assert base.run_key() != parse_parameters(as_of="2026-06-30", seed=1).run_key()
    assert base.run_key().startswith("2026-06-30-")


def test_reports_dir_is_not_part_of_the_run_key() -> None:
    base = parse_parameters(as_of="2026-06-30")
    moved = parse_parameters(as_of="2026-06-30", reports_dir="/srv/reports")
    assert moved.reports_dir is not None and base.run_key() == moved.run_key()


def test_every_flow_parameter_has_a_description_for_the_ui_form() -> None:
    from prefect.utilities.callables import parameter_schema

    from flows.nightly import nightly

    schema = parameter_schema(nightly.fn).model_dump()["properties"]
    assert set(schema) >= {"as_of", "horizon", "gap", "items"}
    assert [name for name, p in schema.items() if not p.get("description")] == []
    assert (schema["gap"]["minimum"], schema["gap"]["maximum"]) == (0.0, 0.5)


def test_a_night_after_today_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A typo such as 2026-12-16 for 2026-12-06 planned the days to come as days without
    demand and, as the latest night, replaced the published plan."""
    from datetime import timedelta

    from flows.params import TIMEZONE_ENV

    monkeypatch.delenv(TIMEZONE_ENV, raising=False)  # the machine's date, a day of slack

    ahead = date.today() + timedelta(days=10)
    with pytest.raises(ValueError, match=rf"as_of: as_of {ahead} is after today"):
        parse_parameters(as_of=ahead.isoformat())
    assert parse_parameters(as_of=date.today() + timedelta(days=1)).as_of  # time zones
    # 1899-12-31 quarantined every order line as after as_of, and the run failed on the history
    with pytest.raises(ValueError, match=r"as_of 1899-12-31 is more than 50 years before today"):
        parse_parameters(as_of="1899-12-31")


def test_with_the_schedule_s_time_zone_tomorrow_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rerun for tomorrow (deployments know the time zone) was published, and the next
    scheduled night then ran as a mere rerun of an earlier night."""
    from datetime import timedelta

    from flows.params import TIMEZONE_ENV, today

    monkeypatch.setenv(TIMEZONE_ENV, "Europe/Berlin")
    now = today()
    ahead = now + timedelta(days=1)
    with pytest.raises(ValueError, match=rf"as_of {ahead} is after today \({now} in Europe/Berlin"):
        parse_parameters(as_of=ahead.isoformat())
    assert parse_parameters(as_of=now.isoformat()).as_of == now


@pytest.mark.parametrize("name", ["data_dir", "db_path"])
def test_an_empty_path_is_refused_naming_the_parameter(name: str) -> None:
    with pytest.raises(ValueError, match=rf"{name}: .*must name a folder"):
        parse_parameters(**{name: ""})


def test_today_is_the_schedule_s_time_zone_s_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default as_of used the machine's date: a worker on UTC running the 01:30 Berlin
    schedule at 23:30 UTC (summer) planned the day before yesterday."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from flows.params import TIMEZONE_ENV, default_as_of, today

    monkeypatch.setenv(TIMEZONE_ENV, "Pacific/Kiritimati")  # UTC+14
    ahead = default_as_of()
    assert ahead == datetime.now(ZoneInfo("Pacific/Kiritimati")).date() - timedelta(days=1)
    monkeypatch.setenv(TIMEZONE_ENV, "Pacific/Pago_Pago")  # UTC-11: always a day or two behind
    assert 1 <= (ahead - default_as_of()).days <= 2
    assert parse_parameters().as_of == default_as_of()
    for wrong in ("Mars/Olympus", "Europe"):  # Europe: a folder of zones, IsADirectoryError
        monkeypatch.setenv(TIMEZONE_ENV, wrong)
        with pytest.raises(ValueError, match=f"REORDER_TIMEZONE='{wrong}' is not an IANA"):
            today()


def test_an_empty_text_box_means_none() -> None:
    """The form's descriptions say "(empty: none)" / "(empty: all)": config "" became
    Path('.') and failed the run with "Is a directory: '.'"; category "" matched no item."""
    params = parse_parameters(config="", category=" ", reports_dir="", dask_address="")
    assert (params.config, params.category, params.reports_dir, params.dask_address) == (
        None, None, None, None)  # fmt: skip
    assert params.run_key() == parse_parameters().run_key()


def test_a_dask_address_needs_the_dask_runner() -> None:
    """dask_address 'garbage' with task_runner threads was ignored without a word."""
    with pytest.raises(ValueError, match=r"^invalid run parameters: dask_address 'x' is only "
                       r"used with task_runner 'dask' \(it is 'threads'\)$"):  # fmt: skip
        parse_parameters(dask_address="x")
    assert parse_parameters(dask_address="tcp://h:1", task_runner="dask").dask_address


def test_scenarios_left_empty_give_a_small_panel_more_paths() -> None:
    """Lots steady with more paths (bench/README.md): the default spends the paths 3,000 items
    take at 200 on fewer items, up to 2,000 each."""
    auto = parse_parameters()
    assert auto.scenarios is None
    counts = [auto.scenario_count(n) for n in (0, 1, 300, 1000, 1500, 3000, 10_000)]
    assert counts == [2000, 2000, 2000, 600, 400, 200, 200]
    assert parse_parameters(scenarios=60).scenario_count(10) == 60
    assert auto.run_key() != parse_parameters(scenarios=200).run_key()


def test_changed_parameters_are_those_of_the_run_key_that_differ_from_the_defaults() -> None:
    from flows.params import changed_parameters

    stored = parse_parameters(as_of="2026-06-30", db_path="x.duckdb", items="P-1", budget=900.0,
                              time_limit=5.0, chunk_size=7).model_dump(mode="json")  # fmt: skip
    assert changed_parameters(stored) == {"items": ["P-1"], "budget": 900.0}
    assert changed_parameters(parse_parameters().model_dump(mode="json")) == {}


def test_the_flows_as_of_takes_what_pydantic_took_and_names_the_form_otherwise() -> None:
    """The flow's as_of took a datetime at midnight before it named the form of a bad date:
    a form sending 2026-06-30T00:00:00.000Z must still plan 2026-06-30."""
    as_of = TypeAdapter(AsOf)
    assert as_of.validate_python("2026-06-30T00:00:00.000Z") == date(2026, 6, 30)
    assert as_of.validate_python("2026-06-30") == date(2026, 6, 30)
    assert as_of.validate_python(None) is None
    with pytest.raises(ValidationError, match="as_of '06/30/2026' is not a date of the form"):
        as_of.validate_python("06/30/2026")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-0.001, "greater than or equal to 0"),
        (0.06, "less than or equal to 0.05"),
        (float("nan"), "a finite number"),
        ("inf", "a finite number"),
    ],
)
def test_a_bad_keep_margin_is_refused_before_work_starts(value: object, message: str) -> None:
    """The margin of the keep rule was a library constant: a planner could neither turn it off
    nor widen it for a run."""
    with pytest.raises(ValueError, match=f"^invalid run parameters: keep_margin: Input should be "
                       f"{message}$"):  # fmt: skip
        parse_parameters(keep_margin=value)


def test_a_default_run_keeps_the_run_key_it_had_before_keep_margin_was_a_parameter() -> None:
    """Keys of 2026-12-07, before keep_margin: a rerun of a stored night with the default
    replaces its results (another key would add a second run of the night beside them); a
    run with another margin plans other lots, so it has another key, and says so."""
    from flows.params import changed_parameters

    night = {"as_of": "2026-06-30", "data_dir": "/srv/reorder/data"}
    what_if = night | {"freq": "M", "horizon": 6, "budget": 1000, "items": "P-1,P-2"}
    assert parse_parameters(**night).run_key() == "2026-06-30-6ab4d5fd2a"
    assert parse_parameters(**what_if).run_key() == "2026-06-30-fa1b20a821"
    assert parse_parameters(**night, keep_margin=0.002).run_key() == "2026-06-30-6ab4d5fd2a"
    keys = {parse_parameters(**night, keep_margin=m).run_key() for m in (0, 0.001, 0.005)}
    assert len(keys) == 3 and "2026-06-30-6ab4d5fd2a" not in keys
    stored = parse_parameters(**night, keep_margin=0).model_dump(mode="json")
    assert changed_parameters(stored) == {"keep_margin": 0.0}
    assert changed_parameters(parse_parameters(**night).model_dump(mode="json")) == {}
