"""Runs: start, stages, failure, atomic publishing and what readers see."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from warehouse import (
    close_interrupted_runs,
    connect,
    current_forecast_models,
    current_recommendations,
    fail_run,
    is_published,
    previous_forecast_models,
    publish_run,
    quarantine_summary,
    record_stage,
    replaced_run,
    run_history,
    start_run,
    table_counts,
)
from warehouse.decisions import latest_run, night_run
from warehouse.runs import DEMAND_NIGHTS_KEPT, QUANTILES

AS_OF = date(2024, 3, 31)
SOLVER = {"solver_status": "Optimal", "solver_gap": 0.0, "objective": 123.4}


def _frames(quantity: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    demand = pd.DataFrame(
        {
            "unique_id": ["A", "A"],
            "ds": pd.to_datetime(["2024-03-18", "2024-03-25"]),
            "y": [3.0, 4.0],
        }
    )
    forecasts = pd.DataFrame(
        {
            "unique_id": ["A"],
            "ds": pd.to_datetime(["2024-04-01"]),
            "model": ["croston"],
            "mean": [3.5],
        }
        | {q: [float(i)] for i, q in enumerate(QUANTILES)}
    )
    recommendations = pd.DataFrame(
        {
            "sku": ["A"],
            "supplier_id": ["S1"],
            "quantity": [quantity],
            "unit_price": [2.0],
            "order_value": [2.0 * quantity],
            "tier_min_qty": [100.0],
            "expected_cost": [250.0],
            "savings": [10.0],
            "expected_leftover": [12.0],
            "stockout_risk": [0.04],
            "reason": ["reorder"],
            "explanation": [{"tier": 100, "lead_time_periods": 2}],
        }
    )
    return demand, forecasts, recommendations


def _publish(con, run_key: str, quantity: float) -> str:
    run_id = start_run(con, run_key, AS_OF, {"horizon": 8}, flow_run_id="flow-1")
    publish_run(con, run_id, run_key, *_frames(quantity), SOLVER)
    return run_id


def test_publish_marks_run_succeeded_and_shows_its_recommendations(con):
    run_id = _publish(con, "2024-03-31-abc", 200.0)
    current = current_recommendations(con)
    assert current[["run_id", "sku", "quantity"]].values.tolist() == [[run_id, "A", 200.0]]
    assert json.loads(current.loc[0, "explanation"]) == {"tier": 100, "lead_time_periods": 2}
    history = run_history(con)
    assert history.loc[0, "status"] == "succeeded"
    assert (history.loc[0, "solver_status"], history.loc[0, "objective"]) == ("Optimal", 123.4)
    counts = table_counts(con)
    assert (counts["demand"], counts["forecasts"], counts["recommendations"]) == (2, 1, 1)


def test_replanning_an_earlier_night_does_not_replace_the_published_run(con):
    tonight = _publish(con, "2024-03-31-abc", 200.0)
    earlier = start_run(con, "2024-02-04-abc", date(2024, 2, 4), {"horizon": 8}, None)
    publish_run(con, earlier, "2024-02-04-abc", *_frames(900.0), SOLVER)  # ends last
    assert current_recommendations(con)[["run_id", "quantity"]].values.tolist() == [
        [tonight, 200.0]
    ]
    assert latest_run(con)[:2] == (tonight, "2024-03-31-abc")


def test_a_run_of_some_items_does_not_replace_the_published_run_of_all(con):
    def run(key: str, quantity: float, **limited) -> str:
        run_id = start_run(con, key, AS_OF, {"horizon": 8, **limited}, None)
        publish_run(con, run_id, key, *_frames(quantity), SOLVER)
        return run_id

    first = run("some-1", 50.0, items=["A"])
    assert latest_run(con)[0] == first  # no run of all items yet: the latest one is shown
    full = run("all", 200.0, items=None, category=None)
    run("some-2", 70.0, items=["A"])
    run("fasteners", 80.0, category="fasteners")
    assert latest_run(con)[0] == full
    assert is_published(con, full) and not is_published(con, first)
    assert current_recommendations(con)["quantity"].tolist() == [200.0]


def _run(con, key: str, as_of: date, quantity: float, **parameters) -> str:
    run_id = start_run(con, key, as_of, {"horizon": 8, **parameters}, None)
    publish_run(con, run_id, key, *_frames(quantity), SOLVER)
    return run_id


def test_night_run_of_the_published_night_is_the_published_run(con):
    """`reorder export --night` (night_run) and the published run (current_run) pick a night's
    run by one rule: of all items first, then the one that ended last."""
    earlier = date(2024, 3, 24)
    _run(con, "earlier-all", earlier, 10.0)
    _run(con, "earlier-some", earlier, 11.0, items=["A"])  # a partial rerun, ended last
    _run(con, "all", AS_OF, 20.0)
    rerun = _run(con, "all-budget", AS_OF, 21.0, items=None, category=None, budget=100)
    _run(con, "some", AS_OF, 22.0, items=["A"])
    _run(con, "fasteners", AS_OF, 23.0, category="fasteners")
    published = latest_run(con)
    assert published == (rerun, "all-budget", AS_OF)
    assert night_run(con, AS_OF) == published
    assert night_run(con, earlier)[1] == "earlier-all"
    # a later night of some items only has its own run but does not take the plan over
    later = _run(con, "later-some", date(2024, 4, 7), 30.0, items=["A"])
    assert night_run(con, date(2024, 4, 7))[0] == later
    assert latest_run(con) == published == night_run(con, AS_OF)
    assert night_run(con, date(2024, 3, 17)) is None


def test_replaced_run_is_the_run_of_all_items_of_the_night_that_ended_before(con):
    """The plan a published rerun of the night took over, read after its publish: runs of
    some items, failed runs and runs of other nights are not plans it replaced."""
    _run(con, "earlier", date(2024, 3, 24), 10.0, freq="M")
    first = _run(con, "weekly", AS_OF, 20.0, freq="W")
    assert replaced_run(con, first) is None  # the first run of its night
    _run(con, "some", AS_OF, 22.0, items=["A"])
    fail_run(con, start_run(con, "failed", AS_OF, {"freq": "W"}, None), "boom")
    monthly = _run(con, "monthly", AS_OF, 290.0, freq="M")
    assert replaced_run(con, monthly) == ("weekly", {"horizon": 8, "freq": "W"})
    again = _run(con, "weekly", AS_OF, 39.0, freq="W")  # the weekly parameters again
    assert replaced_run(con, again) == ("monthly", {"horizon": 8, "freq": "M"})


OLD_SCHEMA = Path(__file__).parent / "data" / "schemas" / "2026-12-07_e22d26f.sql"


def test_a_warehouse_from_before_the_view_night_runs_picks_the_same_runs(tmp_path):
    """A file of the version whose current_run and night_run each had their own copy of the
    rule: a read-only open adds night_runs and the answers stay the same."""
    path = tmp_path / "old.duckdb"
    runs = [  # run_key, as_of, parameters, ended at 2024-04-01 + hours
        ("e-all", "2024-03-24", "{}", 1),
        ("e-some", "2024-03-24", '{"items": ["A"]}', 2),
        ("all", "2024-03-31", '{"items": null}', 3),
        ("all-b", "2024-03-31", "{}", 4),
        ("cat", "2024-03-31", '{"category": "fasteners"}', 5),
        ("later-some", "2024-04-07", '{"items": ["A"]}', 6),
    ]
    with duckdb.connect(str(path)) as old:
        old.execute(OLD_SCHEMA.read_text())
        old.executemany(
            "INSERT INTO runs (run_id, run_key, as_of, parameters, status, started_at, ended_at) "
            "VALUES (?, ?, ?, ?, 'succeeded', TIMESTAMP '2024-04-01' + to_hours(? - 1), "
            "TIMESTAMP '2024-04-01' + to_hours(?))",
            [
                (f"id-{key}", key, as_of, parameters, hour, hour)
                for key, as_of, parameters, hour in runs
            ],
        )
        assert old.execute("SELECT run_key FROM current_run").fetchall() == [("all-b",)]
    with connect(path, read_only=True) as con:
        assert latest_run(con)[1] == "all-b"
        assert [night_run(con, date(2024, 3, d))[1] for d in (24, 31)] == ["e-all", "all-b"]
        assert night_run(con, date(2024, 4, 7))[1] == "later-some"


def test_an_old_warehouse_gets_the_current_view_definition(tmp_path):
    path = tmp_path / "old.duckdb"
    with connect(path) as con:
        # the view as it was: the run that ended last
        con.execute(
            "CREATE OR REPLACE VIEW current_recommendations AS SELECT r.* FROM recommendations "
            "r WHERE r.run_id = (SELECT run_id FROM runs WHERE status = 'succeeded' ORDER BY "
            "ended_at DESC LIMIT 1)"
        )
        tonight = _publish(con, "k1", 200.0)
        earlier = start_run(con, "k0", date(2024, 2, 4), {"horizon": 8}, None)
        publish_run(con, earlier, "k0", *_frames(900.0), SOLVER)
        assert current_recommendations(con)["run_id"].tolist() == [earlier]
    with connect(path) as con:
        assert current_recommendations(con)["run_id"].tolist() == [tonight]


def test_rerun_of_the_same_run_key_replaces_its_rows(con):
    _publish(con, "key", 200.0)
    second = _publish(con, "key", 300.0)
    assert table_counts(con)["recommendations"] == 1
    assert current_recommendations(con)[["run_id", "quantity"]].values.tolist() == [[second, 300.0]]


def test_failed_publish_rolls_back_and_keeps_the_previous_results(con):
    first = _publish(con, "key", 200.0)
    before = current_recommendations(con)
    demand, forecasts, recommendations = _frames(300.0)
    run_id = start_run(con, "key", AS_OF, {"horizon": 8}, None)
    broken = recommendations.drop(columns=["stockout_risk"])
    with pytest.raises(Exception, match="stockout_risk"):
        publish_run(con, run_id, "key", demand.assign(y=[9.0, 9.0]), forecasts, broken, SOLVER)
    pd.testing.assert_frame_equal(current_recommendations(con), before)
    assert con.execute("SELECT DISTINCT run_id, quantity FROM demand ORDER BY 2").fetchall() == [
        (first, 3.0),
        (first, 4.0),
    ]
    status = con.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchone()
    assert status == ("running",)
    fail_run(con, run_id, "publish failed: stockout_risk missing")
    history = run_history(con)
    assert history.set_index("run_id").loc[run_id, "status"] == "failed"
    pd.testing.assert_frame_equal(current_recommendations(con), before)


def test_publish_of_unknown_run_is_rolled_back(con):
    with pytest.raises(KeyError, match="no run"):
        publish_run(con, "missing", "key", *_frames(1.0), SOLVER)
    assert table_counts(con)["recommendations"] == 0


def test_record_stage_merges_seconds(con):
    run_id = start_run(con, "key", AS_OF, {}, None)
    record_stage(con, run_id, "load", 1.25)
    record_stage(con, run_id, "forecast", 3.5)
    record_stage(con, run_id, "load", 1.5)
    (stages,) = con.execute("SELECT stage_seconds FROM runs WHERE run_id = ?", [run_id]).fetchone()
    assert json.loads(stages) == {"load": 1.5, "forecast": 3.5}


def test_run_history_is_newest_first_and_limited(con):
    ids = [start_run(con, f"k{i}", AS_OF, {}, None) for i in range(3)]
    history = run_history(con, limit=2)
    assert history["run_id"].tolist() == [ids[2], ids[1]]


def test_quarantine_summary_groups_reasons_of_a_runs_loads(con, tmp_path):
    from tests.warehouse.conftest import BASE, write_folder
    from warehouse import load_folder

    lines = BASE["order_lines.csv"] + "O3,1,2024-03-13,A,y,1,C\nO4,1,2024-03-13,A,x,1,C\n"
    folder = write_folder(tmp_path / "in", order_lines__csv=lines)
    report = load_folder(con, folder, AS_OF, run_id="run-1")
    summary = quarantine_summary(con, run_id="run-1")
    assert summary[["table_name", "column_name", "rows", "first_row"]].values.tolist() == [
        ["order_lines", "quantity", 2, 4]
    ]
    assert summary.loc[0, "problem"] == "quantity … is not a number (decimal separator …)"
    assert summary.loc[0, "example"].startswith("quantity 'y' ")  # the reason of first_row
    assert quarantine_summary(con, load_ids=report.load_ids)["rows"].sum() == 2
    assert quarantine_summary(con, run_id="other").empty


def test_relaxed_plan_and_its_reason_are_recorded(con):
    run_id = start_run(con, "key", AS_OF, {}, None)
    reason = "budget 100.00 is below the 2,000.00 needed to meet the service levels of items A"
    solver = SOLVER | {"relaxed": True, "infeasible_reason": reason}
    publish_run(con, run_id, "key", *_frames(1.0), solver)
    row = run_history(con).iloc[0]
    assert bool(row["relaxed"]) and row["infeasible_reason"] == reason


def test_an_existing_warehouse_file_gains_the_new_runs_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:  # a runs table as created before the columns
        old.execute(
            "CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, run_key VARCHAR NOT NULL, "
            "as_of DATE NOT NULL, parameters JSON, status VARCHAR NOT NULL, "
            "started_at TIMESTAMP NOT NULL, ended_at TIMESTAMP, stage_seconds JSON, "
            "solver_status VARCHAR, solver_gap DOUBLE, objective DOUBLE, error VARCHAR, "
            "flow_run_id VARCHAR)"
        )
        old.execute(
            "INSERT INTO runs (run_id, run_key, as_of, status, started_at) "
            "VALUES ('r0', 'k0', DATE '2024-03-30', 'succeeded', TIMESTAMP '2024-03-31 01:00:00')"
        )
    with connect(path) as upgraded:
        row = run_history(upgraded).iloc[0]
    assert row["run_id"] == "r0"
    assert pd.isna(row["relaxed"]) and row["infeasible_reason"] is None


def test_publish_stores_each_items_classification_with_its_model(con):
    run_id = start_run(con, "key", AS_OF, {})
    chosen = pd.DataFrame(
        {"unique_id": ["A"], "model": ["global(shape=4.0)"], "score": [0.4],
         "group": ["inactive"], "demand_class": ["lumpy"], "adi": [3.5], "cv2": [0.8],
         "n_demands": [7], "lifecycle_stage": ["phase_out"], "stage_factor": [0.8]}
    )  # fmt: skip
    publish_run(con, run_id, "key", *_frames(1.0), SOLVER, forecast_models=chosen)
    row = current_forecast_models(con).iloc[0]
    assert (row["sku"], row["model"], row["backtest_score"]) == ("A", "global(shape=4.0)", 0.4)
    assert (row["selection_group"], row["demand_class"], row["lifecycle_stage"]) == (
        "inactive", "lumpy", "phase_out",
    )  # fmt: skip
    assert (row["adi"], row["cv2"], row["n_demands"]) == (3.5, 0.8, 7)
    assert row["stage_factor"] == 0.8


def test_publish_without_classification_stores_nulls(con):
    run_id = start_run(con, "key", AS_OF, {})
    chosen = pd.DataFrame({"unique_id": ["A"], "model": ["croston"], "score": [float("nan")]})
    publish_run(con, run_id, "key", *_frames(1.0), SOLVER, forecast_models=chosen)
    row = current_forecast_models(con).iloc[0]
    assert row["model"] == "croston" and pd.isna(row["backtest_score"])
    assert row[["selection_group", "demand_class", "lifecycle_stage", "stage_factor"]].isna().all()
    assert pd.isna(row["n_demands"]) and pd.isna(row["adi"])


def test_an_existing_forecast_models_table_gains_the_classification_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:  # the last schema before the columns
        old.execute((Path(__file__).parent / "data/schemas/2026-11-22_7e1f620.sql").read_text())
    with connect(path) as upgraded:
        run_id = start_run(upgraded, "key", AS_OF, {})
        chosen = pd.DataFrame(
            {"unique_id": ["A"], "model": ["tsb"], "score": [0.5], "demand_class": ["smooth"]}
        )
        publish_run(upgraded, run_id, "key", *_frames(1.0), SOLVER, forecast_models=chosen)
        row = current_forecast_models(upgraded).iloc[0]
    assert row["demand_class"] == "smooth" and pd.isna(row["selection_group"])


def test_close_interrupted_runs_fails_every_other_running_attempt(con):
    done = _publish(con, "2024-03-31-abc", 200.0)
    killed = start_run(con, "2024-03-31-abc", AS_OF, {"horizon": 8}, None)
    gone = start_run(con, "2024-03-31-abc", AS_OF, {"horizon": 8}, "flow-run-of-gone")
    current = start_run(con, "2024-03-31-abc", AS_OF, {"horizon": 8}, "flow-run-now")
    # with the flow run each ran in: the flow sets those Prefect still shows running Crashed
    assert close_interrupted_runs(con, current) == {killed: None, gone: "flow-run-of-gone"}
    status = dict(con.execute("SELECT run_id, status FROM runs").fetchall())
    assert status == {done: "succeeded", killed: "failed", gone: "failed", current: "running"}
    assert close_interrupted_runs(con, current) == {}


def test_an_error_that_ended_the_transaction_is_not_hidden_by_the_rollback(con):
    """A COMMIT that fails (no space for the WAL) ends DuckDB's transaction; the rollback after
    it used to raise "cannot rollback - no transaction is active" instead of the real error."""
    from warehouse.store import transaction

    with pytest.raises(ValueError, match="the real error"), transaction(con):
        con.execute("CREATE TABLE t (x INTEGER)")
        con.execute("COMMIT")  # the transaction is gone, as after a failed COMMIT
        raise ValueError("the real error")


def test_fail_run_leaves_a_succeeded_run_published(con):
    """An interrupt that lands after the publish committed must not un-publish the run: a rerun
    of the same run_key had replaced the first attempt's rows, so none would be left."""
    _publish(con, "2024-03-31-abc", 200.0)
    again = _publish(con, "2024-03-31-abc", 300.0)
    fail_run(con, again, "KeyboardInterrupt")
    assert current_recommendations(con)["quantity"].tolist() == [300.0]
    assert run_history(con)["status"].tolist() == ["succeeded", "succeeded"]


def test_demand_is_kept_for_the_newest_nights_and_the_published_run(con):
    """Each run stores its whole bucketed history; older nights' copies are deleted, except
    the published run's (accuracy reads it): here a run of all items, followed by nights that
    planned some items only."""
    full = start_run(con, "2024-02-01-all", date(2024, 2, 1), {}, None)
    publish_run(con, full, "2024-02-01-all", *_frames(1.0), SOLVER)
    nights = [date(2024, 3, d) for d in range(1, DEMAND_NIGHTS_KEPT + 4)]
    keys = []
    for night in nights:
        key = f"{night}-some"
        run_id = start_run(con, key, night, {"items": ["A"]}, None)
        publish_run(con, run_id, key, *_frames(1.0), SOLVER)
        keys.append(key)
    kept = con.execute("SELECT DISTINCT run_key FROM demand ORDER BY run_key").fetchall()
    assert [k for (k,) in kept] == ["2024-02-01-all", *keys[-DEMAND_NIGHTS_KEPT:]]
    assert is_published(con, full)
    assert table_counts(con)["recommendations"] == len(nights) + 1
    # a replan of an old night keeps the demand it just published
    old = start_run(con, "2023-12-01-some", date(2023, 12, 1), {"items": ["A"]}, None)
    publish_run(con, old, "2023-12-01-some", *_frames(1.0), SOLVER)
    assert con.execute("SELECT count(*) FROM demand WHERE run_id = ?", [old]).fetchone() == (2,)


def test_failed_nights_do_not_push_a_succeeded_nights_demand_out(con):
    """Nights whose runs all failed stored no demand and are not among the nights kept; a
    replan of an old night keeps its own demand when it publishes."""
    full = start_run(con, "2024-02-01-all", date(2024, 2, 1), {}, None)
    publish_run(con, full, "2024-02-01-all", *_frames(1.0), SOLVER)
    some = start_run(con, "2024-02-02-some", date(2024, 2, 2), {"items": ["A"]}, None)
    publish_run(con, some, "2024-02-02-some", *_frames(1.0), SOLVER)
    for day in range(1, DEMAND_NIGHTS_KEPT + 4):
        failed = start_run(con, f"2024-03-{day:02d}-x", date(2024, 3, day), {}, None)
        fail_run(con, failed, "boom")
    old = start_run(con, "2023-12-01-some", date(2023, 12, 1), {"items": ["A"]}, None)
    publish_run(con, old, "2023-12-01-some", *_frames(1.0), SOLVER)
    kept = con.execute("SELECT DISTINCT run_key FROM demand ORDER BY run_key").fetchall()
    assert [k for (k,) in kept] == ["2023-12-01-some", "2024-02-01-all", "2024-02-02-some"]


def test_quarantine_rows_name_the_sku_of_the_row(con, tmp_path):
    from tests.warehouse.conftest import write_folder
    from warehouse import load_folder, quarantine_rows

    folder = write_folder(tmp_path / "in", stock__csv="sku,on_hand\nA,5\nB,-1\n")
    load_folder(con, folder, AS_OF)
    rows = quarantine_rows(con)
    assert rows[["table_name", "row_number", "sku", "column_name"]].values.tolist() == [
        ["stock", 2, "B", "on_hand"]
    ]


def test_not_planned_of_a_warehouse_from_before_the_table_is_empty(tmp_path):
    import warehouse

    path = tmp_path / "old.duckdb"
    with warehouse.connect(path) as con:
        con.execute("DROP TABLE not_planned")
    with warehouse.connect(path, read_only=True) as con:
        assert warehouse.not_planned(con).empty


def test_previous_forecast_models_come_from_the_latest_earlier_night_of_all_items(con):
    def run(key: str, as_of: date, model: str, **parameters) -> None:
        run_id = start_run(con, key, as_of, {"freq": "W", "horizon": 8, **parameters}, None)
        chosen = pd.DataFrame({"unique_id": ["A"], "model": [model], "score": [0.5],
                               "group": ["lumpy"]})  # fmt: skip
        publish_run(con, run_id, key, *_frames(10.0), SOLVER, forecast_models=chosen)

    assert previous_forecast_models(con, AS_OF, "W", 8).empty  # no earlier night
    run("feb-1", date(2024, 2, 1), "latent(alpha=0.1,shape=2.0)")
    run("feb-8", date(2024, 2, 8), "global(shape=8.0)")
    run("feb-8-some", date(2024, 2, 8), "blend(x)", items=["A"])  # some items only
    run("feb-9-monthly", date(2024, 2, 9), "blend(y)", freq="M")  # another freq
    run("feb-9-h12", date(2024, 2, 9), "blend(z)", horizon=12)  # another horizon
    run("tonight", AS_OF, "blend(w)")  # this night itself: a rerun must not read its own
    found = previous_forecast_models(con, AS_OF, "W", 8)
    assert found.values.tolist() == [["A", "global(shape=8.0)", "lumpy"]]
    # an earlier night planned after this night's first run (reorder accuracy replans one):
    # a rerun of this night keeps reading what its first run read
    run("feb-20-later", date(2024, 2, 20), "blend(v)")
    assert previous_forecast_models(con, AS_OF, "W", 8).equals(found)
    assert previous_forecast_models(con, date(2024, 2, 8), "W", 8)["model"].tolist() == [
        "latent(alpha=0.1,shape=2.0)"
    ]


def test_previous_forecast_models_survive_a_replan_of_the_earlier_night_with_its_run_key(con):
    """The earlier night replanned with the same parameters (same run_key, e.g. `reorder run`
    of that night again) replaces that run_key's rows: a rerun of this night still finds the
    earlier night's models instead of none."""
    chosen = pd.DataFrame({"unique_id": ["A"], "model": ["global(shape=8.0)"], "score": [0.5],
                           "group": ["lumpy"]})  # fmt: skip

    def run(key: str, as_of: date) -> None:
        run_id = start_run(con, key, as_of, {"freq": "W", "horizon": 8}, None)
        publish_run(con, run_id, key, *_frames(10.0), SOLVER, forecast_models=chosen)

    run("feb-8", date(2024, 2, 8))
    run("tonight", AS_OF)
    found = previous_forecast_models(con, AS_OF, "W", 8)
    assert found["model"].tolist() == ["global(shape=8.0)"]
    run("feb-8", date(2024, 2, 8))  # the earlier night again, same run_key
    assert previous_forecast_models(con, AS_OF, "W", 8).equals(found)
