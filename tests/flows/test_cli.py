"""The command line's hints: commands a user can paste as they are."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from flows.cli import _prog, accuracy_hint


def test_hints_name_the_command_as_it_was_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From a fresh clone `reorder` is not on PATH: hints say .venv/bin/reorder."""
    script = tmp_path / ".venv" / "bin" / "reorder"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setattr(sys, "argv", [str(script)])
    assert _prog() == os.path.join(".venv", "bin", "reorder")
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    assert _prog() == "reorder"
    monkeypatch.setattr(sys, "argv", ["python -m flows.cli"])
    assert _prog() == "reorder"


def test_hints_name_a_command_outside_the_working_folder_by_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/srv/reorder/.venv/bin/reorder run from the data folder printed its hints as
    ../../srv/reorder/.venv/bin/reorder: a path that breaks once pasted anywhere else,
    beside the warehouse's absolute path."""
    script = tmp_path / "app" / ".venv" / "bin" / "reorder"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.chdir(data)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setattr(sys, "argv", [str(script)])
    assert _prog() == str(script)


def test_load_names_the_quarantine_command_as_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`reorder load` said 'see reorder quarantine --db ...' from .venv/bin/reorder, where
    `reorder` is no command, while the run's summary named .venv/bin/reorder quarantine."""
    from click.testing import CliRunner

    from flows.cli import main
    from tests.warehouse.conftest import write_folder

    breaks = "supplier_id,sku,min_qty,unit_price\nS1,A,100,2.00\nS2,A,50,-2.20\nS1,B,10,4.00\n"
    folder = write_folder(tmp_path / "in", price_breaks__csv=breaks)
    script = tmp_path / ".venv" / "bin" / "reorder"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setattr(sys, "argv", [str(script)])
    db = tmp_path / "w.duckdb"
    loaded = CliRunner().invoke(main, ["load", "--data-dir", str(folder), "--db", str(db),
                                       "--as-of", "2024-03-31"])  # fmt: skip
    assert loaded.exit_code == 0, loaded.output
    listed = os.path.join(".venv", "bin", "reorder")
    assert f"2 rows in quarantine: see {listed} quarantine --db {db}" in loaded.output


def test_demo_accuracy_hint_plans_an_earlier_night_then_scores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "argv", ["reorder"])
    hint = accuracy_hint(date(2026, 11, 21), Path("/srv/demo/data"), Path("/srv/demo/wh.duckdb"))
    assert hint.startswith(
        "accuracy:     reorder run --data-dir /srv/demo/data --db /srv/demo/wh.duckdb "
        "--as-of 2026-09-26 && reorder accuracy --db /srv/demo/wh.duckdb"
    )


def test_user_errors_end_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from flows.cli import main

    def error(*args: str) -> str:
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        return result.output.strip().splitlines()[-1]

    missing = tmp_path / "missing.duckdb"
    expected = f"Error: no warehouse at {missing}: run a load first"
    assert error("lots", "--db", str(missing)) == expected
    # review and export must not create an empty warehouse for a mistyped path
    assert error("review", "list", "--db", str(missing)).startswith("Error: no warehouse at")
    assert not missing.exists()
    csv = tmp_path / "items.csv"
    csv.write_text("sku,description\nA,bolt\n")
    assert error("review", "list", "--db", str(csv)) == (
        f"Error: {csv} is not a DuckDB file: give the warehouse's .duckdb file"
    )
    data = tmp_path / "data"
    data.mkdir()
    # checked before Prefect starts: one line naming the parameter
    assert error("run", "--data-dir", str(data), "--db", str(tmp_path / "w.duckdb"),
                 "--horizon", "0") == (
        "Error: invalid run parameters: horizon: Input should be greater than or equal to 1"
    )  # fmt: skip
    assert error("run", "--data-dir", str(data), "--db", str(tmp_path)) == (
        f"Error: {tmp_path} is a folder: give the path of a DuckDB file (.duckdb)"
    )
    assert error("load", "--data-dir", str(data), "--db", str(tmp_path / "w.duckdb")).startswith(
        f"Error: {data}: items.csv (or .parquet) is missing"
    )
    # a damaged file (here: cut short, as by a full disk) is an I/O error, in one line
    import duckdb

    cut = tmp_path / "cut.duckdb"
    with duckdb.connect(str(cut)) as con:
        con.execute("CREATE TABLE t AS SELECT range AS x FROM range(100000)")
    cut.write_bytes(cut.read_bytes()[:20000])
    assert error("lots", "--db", str(cut)).startswith(f"Error: cannot open {cut}: IO Error")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["run", "--data-dir", "data", "--db", ""], "'--db': '' is empty: give the path of a "
         "DuckDB file (.duckdb)"),
        (["run", "--data-dir", " ", "--db", "w.duckdb"], "'--data-dir': ' ' is empty: give the "
         "input folder"),
        (["run", "--data-dir", "data", "--db", "w.duckdb", "--config", ""], "'--config': '' is "
         "empty: give a load.toml file, or leave --config out"),
        (["load", "--data-dir", "data", "--db", ""], "'--db': '' is empty"),
        (["lots", "--db", ""], "'--db': '' is empty"),
        (["forget", "--db", "", "x.csv"], "'--db': '' is empty"),
        (["export", "--db", "w.duckdb", "--out", ""], "'--out': '' is empty: give a folder for "
         "the proposal files"),
        (["accuracy", "--db", "w.duckdb", "--sku", "A", "--chart", ""], "'--chart': '' is empty"),
        (["demo", "--folder", ""], "'--folder': '' is empty: give a folder for the demo"),
        (["serve", "--db", ""], "'--db': '' is empty: give the path of a DuckDB file (.duckdb), "
         "or leave --db out"),
    ],
)  # fmt: skip
def test_an_empty_path_option_is_a_usage_error_naming_it(
    args: list[str], said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Click made '' the working folder: `run --db ''` said 'Error: . is a folder: ...',
    `--config ''` failed the run with a traceback, `export --out ''` and `demo --folder ''`
    wrote into the working folder and `serve --db ''` served prefect.yaml's warehouse."""
    from click.testing import CliRunner

    from flows.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1].startswith(f"Error: Invalid value for {said}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # nothing written


def test_demo_of_no_items_is_a_usage_error_naming_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`demo --items 0` said 'Error: n_items must be at least 1, not 0' (the generator's
    argument, exit 1); one item works (`reorder demo --items 1`: 0 or 1 lot, by seed)."""
    from click.testing import CliRunner

    from flows.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--items", "0"])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1] == (
        "Error: Invalid value for '--items': 0 is not in the range x>=1."
    )
    assert list(tmp_path.iterdir()) == []


def test_demo_keep_margin_out_of_range_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`reorder demo` had no --keep-margin (`reorder run` has): a demo could not show the rule
    off or wider. It takes it now, checked as run checks it, before the demo writes data."""
    from click.testing import CliRunner

    from flows.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--keep-margin", "0.5"])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1] == (
        "Error: invalid run parameters: keep_margin: Input should be less than or equal to 0.05"
    )
    assert list(tmp_path.iterdir()) == []
    assert "--keep-margin FLOAT" in CliRunner().invoke(main, ["demo", "--help"]).output


def test_load_waits_for_no_run_on_the_same_warehouse(tmp_path: Path) -> None:
    from click.testing import CliRunner

    import warehouse
    from flows.cli import main
    from tests.warehouse.conftest import write_folder

    folder = write_folder(tmp_path / "in")
    db = tmp_path / "w.duckdb"
    with warehouse.run_lock(db, run_id="r-1"):
        result = CliRunner().invoke(main, ["load", "--data-dir", str(folder), "--db", str(db)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "r-1" in result.output
    assert not db.exists()  # nothing was written
    done = CliRunner().invoke(main, ["load", "--data-dir", str(folder), "--db", str(db),
                                     "--as-of", "2024-03-31"])  # fmt: skip
    assert done.exit_code == 0, done.output
    # the order history's notes, as a run would give them (its newest line is from 03-12)
    assert "note: the newest order line is from 2024-03-12, 19 days before" in done.output
    stale = CliRunner().invoke(main, ["load", "--data-dir", str(folder), "--db", str(db),
                                      "--as-of", "2024-12-31"])  # fmt: skip
    assert stale.exit_code == 0 and "(a run as of 2024-12-31 stops here)" in stale.output


def test_serve_refuses_to_start_without_a_prefect_server(tmp_path: Path) -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "serve"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Error: reorder serve needs a Prefect server" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_run_against_a_server_that_does_not_answer_ends_in_one_line(tmp_path: Path) -> None:
    """README's step order set PREFECT_API_URL before `prefect server start`: `reorder demo`
    printed 60 lines of traceback ending in 'RuntimeError: Failed to reach API'."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": "http://127.0.0.1:9/api"}
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "demo", "--folder", str(tmp_path / "demo"),
         "--items", "20"],
        env=env, capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    answer = (
        "Error: no Prefect API answers at http://127.0.0.1:9/api (is `prefect server start` "
        "running, and does the URL end in /api?)"
    )
    assert done.stderr.strip().splitlines()[-1] == (
        f"{answer}; or unset PREFECT_API_URL: a run then starts a temporary local server itself"
    )
    # reorder serve needs the server: no advice to unset it (it printed 114 lines)
    served = subprocess.run([sys.executable, "-m", "flows.cli", "serve"], env=env,
                            capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).parents[2])  # fmt: skip
    assert served.returncode == 1 and "Traceback" not in served.stderr
    assert served.stderr.strip().splitlines()[-1] == answer


def test_forget_drops_a_files_order_lines_and_names_a_file_it_never_loaded(tmp_path: Path) -> None:
    from click.testing import CliRunner

    import warehouse
    from flows.cli import main
    from tests.warehouse.conftest import BASE, write_folder

    folder = write_folder(tmp_path / "in")
    (folder / "order_lines_copy.csv").write_text(BASE["order_lines.csv"])
    db = tmp_path / "w.duckdb"
    loaded = CliRunner().invoke(main, ["load", "--data-dir", str(folder), "--db", str(db),
                                       "--as-of", "2024-03-31"])  # fmt: skip
    assert loaded.exit_code == 0, loaded.output
    out = CliRunner().invoke(main, ["forget", "--db", str(db), "order_lines_copy.csv"])
    assert out.exit_code == 0 and out.output.splitlines()[0] == (
        "dropped 3 order lines of order_lines_copy.csv; 3 of other files count again"
    )
    with warehouse.connect(db, read_only=True) as con:
        files = con.execute("SELECT DISTINCT file FROM order_lines").fetchall()
    assert files == [("order_lines.csv",)]
    typo = CliRunner().invoke(main, ["forget", "--db", str(db), "order_lines_cpy.csv"])
    assert typo.exit_code == 2 and "no order lines of a file named 'order_lines_cpy.csv'" in (
        typo.output
    )


def test_quarantined_rows_name_the_supplier_of_their_offer(tmp_path: Path) -> None:
    """`reorder quarantine --rows` showed the sku of a price break row in quarantine but not
    its supplier_id (stored since the quarantine table has one): whose offer lost the tier?"""
    from click.testing import CliRunner

    from flows.cli import main
    from tests.warehouse.conftest import write_folder

    breaks = "supplier_id,sku,min_qty,unit_price\nS1,A,100,2.00\nS2,A,50,-2.20\nS1,B,10,4.00\n"
    folder = write_folder(tmp_path / "in", price_breaks__csv=breaks)
    db = tmp_path / "w.duckdb"
    loaded = CliRunner().invoke(main, ["load", "--data-dir", str(folder), "--db", str(db),
                                       "--as-of", "2024-03-31"])  # fmt: skip
    assert loaded.exit_code == 0, loaded.output
    out = CliRunner().invoke(main, ["quarantine", "--db", str(db), "--rows"])
    assert out.exit_code == 0, out.output
    header, row = out.output.splitlines()[:2]
    assert header.split()[:5] == ["table_name", "file", "row_number", "sku", "supplier_id"]
    assert row.split()[:5] == ["price_breaks", "price_breaks.csv", "2", "A", "S2"]
    # row 2 is the file's line 3: a planner editing line 2 changed S1's right price instead
    footer = (
        "row numbers count the data rows: row 1 is the first row under the header (the "
        "file's line 2 in a text editor or Excel)"
    )
    assert out.output.splitlines()[-1] == footer
    summary = CliRunner().invoke(main, ["quarantine", "--db", str(db)])
    assert summary.exit_code == 0 and summary.output.splitlines()[-1] == footer


def test_run_takes_a_load_config(tmp_path: Path) -> None:
    """`reorder run --config load.toml` failed on every call: the flow's parameter is a string
    and the CLI passed a Path (a Prefect ParameterTypeError with a traceback)."""
    from click.testing import CliRunner

    from flows.cli import main
    from tests.warehouse.conftest import write_folder

    folder = write_folder(tmp_path / "in")
    (tmp_path / "load.toml").write_text('[order_lines]\nreturns = "ignore"\n')
    result = CliRunner().invoke(main, [
        "run", "--data-dir", str(folder), "--db", str(tmp_path / "w.duckdb"), "--as-of",
        "2024-03-31", "--config", str(tmp_path / "load.toml"), "--horizon", "4",
        "--scenarios", "20"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "lots of 2 items, spend" in result.output and "Traceback" not in result.output


def test_ctrl_c_says_what_the_run_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C ended `reorder run` with click's bare "Aborted!": nothing said that the run was
    recorded as failed and the last good plan stays published."""
    from click.testing import CliRunner

    import flows.nightly
    import warehouse
    from flows.cli import main

    db, data = tmp_path / "w.duckdb", tmp_path / "data"
    data.mkdir()
    nights = iter([date(2024, 3, 31), None, None])

    def interrupted(**params: object) -> dict:
        night = next(nights)
        if night is not None:  # the flow records the interrupt as a failure, as Prefect's does
            with warehouse.connect(params["db_path"]) as con:
                warehouse.fail_run(con, warehouse.start_run(con, "k", night, {}), "Aborted")
        raise KeyboardInterrupt

    monkeypatch.setattr(flows.nightly, "nightly", interrupted)
    for expected in (
        "interrupted: the run of night 2024-03-31 is recorded as failed and published nothing; "
        "no plan is published yet",
        "interrupted: the run had not started: nothing was planned or published",
    ):
        result = CliRunner().invoke(main, ["run", "--data-dir", str(data), "--db", str(db)])
        assert result.exit_code == 130 and "Aborted!" not in result.output, result.output
        assert result.output.strip().splitlines()[-1] == expected
    # before the warehouse file exists (Prefect still starting): nothing to look up
    fresh = tmp_path / "new.duckdb"
    result = CliRunner().invoke(main, ["run", "--data-dir", str(data), "--db", str(fresh)])
    assert result.output.strip().splitlines()[-1] == expected and not fresh.exists()


def _accuracy_cli(db: Path, *args: str) -> str:
    from click.testing import CliRunner

    from flows.cli import main

    result = CliRunner().invoke(main, ["accuracy", "--db", str(db), *args], catch_exceptions=False)
    return result.output


def _two_items(con) -> None:
    con.execute(
        "INSERT INTO items (sku, lifecycle_stage, unit_volume, holding_cost_rate) "
        "VALUES ('X', 'series', 1, 0.2), ('Y', 'series', 1, 0.2)"
    )


def test_accuracy_says_n_a_where_no_demand_came(tmp_path: Path) -> None:
    """Items of a class that sold nothing printed NaN for bias and wql, unexplained."""
    import pandas as pd

    import warehouse
    from tests.warehouse.test_accuracy import SOLVER, _demand, _forecasts, _lots, _publish

    db = tmp_path / "w.duckdb"
    with warehouse.connect(db) as con:
        _two_items(con)
        run_id = warehouse.start_run(con, "april", date(2024, 3, 31), {"freq": "M"})
        chosen = pd.DataFrame({"unique_id": ["X", "Y"], "model": ["m", "m"], "score": [1, 1],
                               "demand_class": ["lumpy", "dead"]})  # fmt: skip
        old = _demand([("X", "2024-02-01", 1.0)])
        warehouse.publish_run(con, run_id, "april", old, _forecasts(["2024-04-01"]), _lots(),
                              SOLVER, forecast_models=chosen)  # fmt: skip
        only_x = _demand([("X", "2024-02-01", 1.0), ("X", "2024-04-01", 2.0)])  # Y sold nothing
        _publish(con, "may", date(2024, 4, 30), "M", only_x, ["2024-05-01"])
    out = _accuracy_cli(db, "--by", "demand_class")
    assert "; n/a: no demand came there, and bias and wql divide by it):" in out
    assert "above it; n/a: the run stored no totals):" in out  # published without totals
    row = next(line for line in out.splitlines() if " dead " in line)
    assert row.split()[-1] == "n/a" and "NaN" not in out


def test_accuracy_notes_what_it_does_not_score(tmp_path: Path) -> None:
    """A monthly run published after weekly nights: "no forecast to score yet", no reason."""
    import warehouse
    from tests.warehouse.test_accuracy import _demand, _publish

    db = tmp_path / "w.duckdb"
    with warehouse.connect(db) as con:
        _two_items(con)
        _publish(con, "weekly", date(2024, 3, 31), "W", _demand([("X", "2024-02-01", 1.0)]),
                 ["2024-04-01"])  # fmt: skip
        _publish(con, "monthly", date(2024, 4, 30), "M", _demand([("X", "2024-04-01", 3.0)]),
                 ["2024-05-01"])  # fmt: skip
    out = _accuracy_cli(db)
    assert out.startswith("no forecast to score yet")
    assert "\nnote: the runs of 1 earlier night with freq W are not scored: the published" in out


def test_accuracy_with_nothing_to_score_says_how_to_score_an_earlier_night(tmp_path: Path) -> None:
    """A planner's first monthly night of RAF data (history up to 2002-12-31) read only 'no
    forecast to score yet: it takes a later run ...': nothing said that planning an earlier
    night from the same files scores at once (the demo prints that command). It names the
    command, one horizon back, in the published run's periods and from its input folder."""
    import warehouse
    from tests.warehouse.test_accuracy import SOLVER, _demand, _forecasts, _lots

    db = tmp_path / "w.duckdb"
    params = {"freq": "M", "horizon": 13, "data_dir": "planner/data"}
    with warehouse.connect(db) as con:
        _two_items(con)
        run_id = warehouse.start_run(con, "dec", date(2002, 12, 31), params)
        warehouse.publish_run(con, run_id, "dec", _demand([("X", "2002-12-01", 1.0)]),
                              _forecasts(["2003-01-01"]), _lots(), SOLVER)  # fmt: skip
    out = _accuracy_cli(db)
    assert out.startswith("no forecast to score yet")
    assert (
        "to score one now, plan an earlier night from the same files, one horizon back: "
        f"reorder run --data-dir planner/data --db {db} --as-of 2001-11-30 --freq M "
        f"&& reorder accuracy --db {db}"
    ) in out


def test_the_earlier_night_to_score_is_loaded_with_the_published_runs_load_toml(
    tmp_path: Path,
) -> None:
    """A planner's warehouse loaded from an ERP export through `--config erp/load.toml` was
    told to paste `reorder run --data-dir erp --db ... --as-of ...` without it: the pasted
    run stopped ('no order_lines file matching order_lines*.csv') or, with [master_files]
    alone in the toml, read the master files without their decimal comma. The command names
    the published run's config."""
    import warehouse
    from tests.warehouse.test_accuracy import SOLVER, _demand, _forecasts, _lots

    db = tmp_path / "w.duckdb"
    params = {"freq": "W", "horizon": 13, "data_dir": "erp", "config": "erp/load.toml"}
    with warehouse.connect(db) as con:
        _two_items(con)
        run_id = warehouse.start_run(con, "dec", date(2026, 12, 6), params)
        warehouse.publish_run(con, run_id, "dec", _demand([("X", "2026-11-30", 1.0)]),
                              _forecasts(["2026-12-07"]), _lots(), SOLVER)  # fmt: skip
    assert (
        f"reorder run --data-dir erp --db {db} --as-of 2026-09-06 --config erp/load.toml "
        f"&& reorder accuracy --db {db}"
    ) in _accuracy_cli(db)


def test_accuracy_per_item_and_an_items_chart(tmp_path: Path) -> None:
    import warehouse
    from tests.warehouse.test_accuracy import APRIL, _cumulative, _demand, _publish

    db = tmp_path / "w.duckdb"
    with warehouse.connect(db) as con:
        _two_items(con)
        old = _demand([("X", "2024-02-01", 1.0)])
        _publish(con, "april", date(2024, 3, 31), "M", old, APRIL, _cumulative(APRIL))
        new = _demand([("X", "2024-04-01", 3.0), ("X", "2024-05-01", 6.0),
                       ("Y", "2024-05-01", 1.0)])  # fmt: skip
        _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    assert f"per item:     reorder accuracy --db {db} --items" in _accuracy_cli(db)
    out = _accuracy_cli(db, "--items").splitlines()
    assert out[0].startswith("Per item, earlier forecasts against the demand that came")
    rows = [line.split() for line in out if line.lstrip().startswith("april")]
    assert [row[2] for row in rows] == ["X", "Y"]  # largest loss first
    assert rows[0][-1] == "q90-q95" and rows[1][-1] == "q95-q99"
    assert rows[0][7].endswith("%")  # loss_share
    png = tmp_path / "charts" / "x.png"
    out = _accuracy_cli(db, "--sku", "X", "--chart", str(png))
    assert [line.split()[2] for line in out.splitlines() if " april " in line] == ["X"]
    assert f"chart:        {png}" in out and png.read_bytes()[:4] == b"\x89PNG"
    assert "unknown sku nope; skus match exactly" in _accuracy_cli(db, "--sku", "nope")
    assert "give exactly one --sku" in _accuracy_cli(db, "--chart", str(png))
    assert "--items and --sku list items" in _accuracy_cli(db, "--items", "--by", "model")


def test_runs_prints_one_short_line_per_run_and_every_column_with_wide(tmp_path: Path) -> None:
    """`reorder runs` printed 15 columns, 300 characters a line (the solver's explanation, the
    stage times' JSON): which run is published and which were what-ifs could not be read."""
    import json

    from click.testing import CliRunner

    import warehouse
    from flows.cli import main
    from flows.console import runs_text

    db = tmp_path / "r.duckdb"
    nightly = {"items": None, "budget": None, "horizon": 13, "scenarios": None}
    with warehouse.connect(db) as con:
        failed = warehouse.start_run(con, "k1", date(2026, 12, 5), nightly, None)
        warehouse.fail_run(con, failed, "HistoryError: the newest order line is from 2026-08-01")
        history = warehouse.run_history(con)
    out = CliRunner().invoke(main, ["runs", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "HistoryError: the newest order line is from 2026-08-01" in out.output
    assert max(len(line) for line in out.output.splitlines()) < 200
    wide = CliRunner().invoke(main, ["runs", "--db", str(db), "--wide"]).output
    assert "flow_run_id" in wide and "stage_seconds" in wide
    # a published nightly, a what-if, a relaxed plan
    base = history.iloc[0].to_dict()
    rows = [
        {**base, "run_id": "A", "status": "succeeded", "error": None, "seconds": 52.2,
         "solver_status": "Optimal (each item's best lot; no shared limit binds, no solver run)",
         "solver_gap": 0.0, "stage_seconds": json.dumps({"load": 2.93, "forecast": 40.27})},
        {**base, "run_id": "B", "status": "succeeded", "error": None, "solver_gap": 0.0012,
         "solver_status": "Optimal", "stage_seconds": None,
         "parameters": json.dumps({**nightly, "items": ["P-1", "P-2"], "budget": 1000.0})},
        {**base, "run_id": "C", "status": "succeeded", "error": None, "relaxed": True,
         "solver_status": "Optimal", "infeasible_reason": "budget 1,000.00 is below the 2,400.00 "
         "needed to meet the service levels of items A, B, C and 12 more items of the run"},
    ]  # fmt: skip
    lines = runs_text(pd.DataFrame(rows), published="A").splitlines()
    assert "succeeded (published)" in lines[1] and "2.9 / - / 40.3 / - / -" in lines[1]
    assert lines[1].split()[-2:] == ["Optimal", "defaults"]
    assert "Optimal, gap 0.12%" in lines[2] and lines[2].endswith("items P-1,P-2; budget 1,000.00")
    assert lines[3].endswith("relaxed: budget 1,000.00 is below the 2,400.00 needed to ...")
    assert "(published)" not in lines[2] + lines[3]


def test_runs_says_no_solver_for_a_failed_run_and_the_parameters_of_a_relaxed_one(
    tmp_path: Path,
) -> None:
    """`reorder runs` showed `nan` as the solver status of a failed run (NULL read as NaN next
    to runs that have one), and a relaxed plan showed only why it was relaxed: the published
    run of a --min-service-level rerun could not be told from the nightly."""
    import json

    import warehouse
    from flows.console import runs_text

    db = tmp_path / "r.duckdb"
    nightly = {"items": None, "seed": 0, "min_service_level": None}
    with warehouse.connect(db) as con:
        ok = warehouse.start_run(con, "k1", date(2026, 12, 5), nightly, None)
        con.execute("UPDATE runs SET status = 'succeeded', solver_status = 'Optimal'")
        failed = warehouse.start_run(con, "k2", date(2026, 12, 6), nightly, None)
        warehouse.fail_run(con, failed, "ValueError: items filter: no item has category 'x'")
        history = warehouse.run_history(con)
    lines = runs_text(history, published=ok).splitlines()
    assert "nan" not in lines[1].split() and "Optimal" in lines[2]
    relaxed = {**history.iloc[1].to_dict(), "relaxed": True,
               "parameters": json.dumps({**nightly, "seed": 7, "min_service_level": 0.99}),
               "infeasible_reason": "no lot meets the service level of items P-1 (best 97% "
               "of 99%), P-2 (best 95% of 99%) and 65 more"}  # fmt: skip
    line = runs_text(pd.DataFrame([relaxed]), published=None).splitlines()[1]
    assert line.endswith("seed 7; min_service_level 0.99; relaxed: no lot meets ...")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`reorder demo --folder demo` of 20 items as of 2026-06-30 with --keep-margin 0.01 (one
    night: no lot to keep, the lots are those of the default), started in a folder with a
    space in its name: the demo's folder (data/, reorder.duckdb) and what it printed."""
    from click.testing import CliRunner

    from flows.cli import main

    started_in = tmp_path_factory.mktemp("cli") / "my data"
    started_in.mkdir()
    cwd = os.getcwd()
    os.chdir(started_in)
    try:
        out = CliRunner().invoke(main, ["demo", "--folder", "demo", "--items", "20", "--as-of",
                                        "2026-06-30", "--keep-margin", "0.01"])  # fmt: skip
    finally:
        os.chdir(cwd)
    assert out.exit_code == 0, out.output
    return started_in / "demo", out.output


@pytest.fixture(scope="module")
def demo_folder(demo_run: tuple[Path, str]) -> Path:
    return demo_run[0]


def test_commands_the_demo_prints_work_when_pasted_in_another_folder(
    demo_run: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started in '/tmp/.../my data', the demo printed `reorder quarantine --db /tmp/.../my
    data/demo/reorder.duckdb`: pasted, --db took '/tmp/.../my'. Every command it prints now
    names the warehouse as one word, absolute (the lots pointer said `--db demo/...` while the
    summary said the absolute path), and works from another folder."""
    import re
    import shlex

    from click.testing import CliRunner

    from flows.cli import main

    folder, printed = demo_run
    db = str(folder / "reorder.duckdb")
    monkeypatch.chdir(tmp_path)
    commands = re.findall(r"reorder ((?:[a-z]+ )+--db (?:'[^']*'|[^\s)`']+))", printed)
    assert {c.split(" --db")[0] for c in commands} >= {"runs", "quarantine", "review list"}
    for command in commands:
        words = shlex.split(command)
        assert words[-1] == db, command
        out = CliRunner().invoke(main, words)
        assert out.exit_code == 0, (command, out.output)
    (accuracy,) = [line for line in printed.splitlines() if line.startswith("accuracy:")]
    plan, score = accuracy.removeprefix("accuracy:").split("   (")[0].split(" && ")
    assert shlex.split(plan)[1:6] == ["run", "--data-dir", str(folder / "data"), "--db", db]
    out = CliRunner().invoke(main, shlex.split(score)[1:])
    assert out.exit_code == 0, out.output


def test_the_demo_plans_its_requirements_and_counts_them_in_the_summary(
    demo_run: tuple[Path, str],
) -> None:
    """The demo wrote no requirements.csv: a new user never saw a lot bought for a planner's
    dated demand. Its pilot build (due in about 6 weeks) is now bought and named in the lot's
    reason, its overdue service campaign counted in the first week, its series start after
    the horizon named as not counted, on the summary's `requirements:` line."""
    import warehouse

    folder, printed = demo_run
    assert printed.splitlines()[0].endswith(", 3 requirements in demo/data")
    rows = pd.read_csv(folder / "data" / "requirements.csv", dtype=str).set_index("note")
    build, campaign, start = (rows.loc[n] for n in ("pilot build", "service campaign",
                                                    "series start"))  # fmt: skip
    (line,) = [line for line in printed.splitlines() if line.startswith("requirements:")]
    assert line == (
        "requirements: 2 planned on top of the forecast (1 overdue, counted in the first week: "
        f"{campaign.requirement_id} of {campaign.sku} due {campaign.due_date}); 1 after the "
        f"13-week horizon, not counted: {start.requirement_id} of {start.sku} due "
        f"{start.due_date}"
    )
    with warehouse.connect(folder / "reorder.duckdb", read_only=True) as con:
        lots = warehouse.current_recommendations(con).set_index("sku")
    assert lots.loc[build.sku, "quantity"] >= int(build.quantity)
    assert (f"It includes {int(build.quantity):,} units required by {build.requirement_id} on "
            f"{build.due_date} (pilot build).") in lots.loc[build.sku, "reason"]  # fmt: skip


def test_the_lots_pointer_names_the_warehouse_as_the_summary_does(
    demo_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """`reorder demo` (--folder demo) ended its lots with `... 67 more: reorder lots --db
    demo/reorder.duckdb` and its summary with `--db /abs/demo/reorder.duckdb`: one path now,
    the absolute one, quoted when it holds a space."""
    import shlex

    from flows.cli import _print_lots

    monkeypatch.chdir(demo_folder.parent)
    _print_lots(Path("demo/reorder.duckdb"), limit=1)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert shlex.split(last.split("more: ")[1]) == [
        "reorder", "lots", "--db", str(demo_folder / "reorder.duckdb")
    ]  # fmt: skip


def test_demo_plans_its_night_as_reorder_run_does(demo_folder: Path) -> None:
    """`reorder demo --seed 7` (the data's seed) ran the flow with seed 7 too: `reorder runs`
    showed the demo's own run as a what-if (`seed 7`), and `reorder run` on the demo's folder
    and night, a rerun of the same night, planned under another run_key with other lots,
    replaced the published plan and left the decisions made on the demo's lots on "another
    run of this night"."""
    import json

    import warehouse
    from flows.params import changed_parameters, parse_parameters

    with warehouse.connect(demo_folder / "reorder.duckdb", read_only=True) as con:
        runs = warehouse.run_history(con)
    # the demo's --keep-margin 0.01 reached the run (the only parameter given)
    assert changed_parameters(json.loads(runs["parameters"].iloc[0])) == {"keep_margin": 0.01}
    rerun = parse_parameters(as_of=date(2026, 6, 30), data_dir=str(demo_folder / "data"),
                             db_path=str(demo_folder / "reorder.duckdb"),
                             keep_margin=0.01)  # fmt: skip
    assert runs["run_key"].iloc[0] == rerun.run_key()


def test_lots_of_a_run_name_its_night(demo_folder: Path) -> None:
    """`reorder lots` named the night of the plan it showed, but `lots --run-id R` and the lots
    `reorder run` prints (of the run it made: an earlier night, a what-if) did not: `reorder
    run --as-of 2026-10-11` printed 'Recommended order lots (47)' like tonight's."""
    from click.testing import CliRunner

    import warehouse
    from flows.cli import main

    db = str(demo_folder / "reorder.duckdb")
    with warehouse.connect(db, read_only=True) as con:
        run_id = warehouse.run_history(con)["run_id"].iloc[0]
    for extra in ([], ["--all"]):
        out = CliRunner().invoke(main, ["lots", "--db", db, "--run-id", run_id, *extra])
        assert out.exit_code == 0, out.output
        title = out.output.strip().splitlines()[0]
        assert " of night 2026-06-30 " in title, title


def test_a_sku_the_items_do_not_hold_is_named_as_such(demo_folder: Path) -> None:
    """`accuracy --sku NOPE` (or a sku in another case) said 'no scored forecast of NOPE yet:
    it takes a later run ...', advice to wait for a forecast that never comes; `lots --sku`
    in another case did not name the sku meant."""
    from click.testing import CliRunner

    import warehouse
    from flows.cli import main

    db = str(demo_folder / "reorder.duckdb")
    with warehouse.connect(db, read_only=True) as con:
        sku = warehouse.current_recommendations(con)["sku"].iloc[0]
    typo = sku.lower()
    out = CliRunner().invoke(main, ["accuracy", "--db", db, "--sku", typo, "--sku", "NOPE"])
    assert out.exit_code == 2
    assert f"unknown skus NOPE, {typo} (items has {sku}); skus match exactly" in out.output
    out = CliRunner().invoke(main, ["accuracy", "--db", db, "--sku", sku])
    assert out.exit_code == 0 and "it takes a later run" in out.output  # known, not yet scored
    out = CliRunner().invoke(main, ["lots", "--db", db, "--sku", typo])
    assert out.exit_code == 2 and f"no recommendation for sku {typo} ({sku} has one)" in out.output


def test_lots_of_an_item_the_run_could_not_plan_say_why(demo_folder: Path) -> None:
    """`lots --sku P-10472 --sku P-17104` of an item whose items row was in quarantine
    ('25%' for holding_cost_rate) ended in a usage error, 'no recommendation for skus P-10472
    in that run (an item it could not plan is listed by `lots --all`)', without the lot of the
    other sku: the planner asked of one item got 1,200 lines to search. Each asked item the
    run could not plan is said with its reason, and an offer left out of a planned one too."""
    from click.testing import CliRunner

    import warehouse
    from flows.cli import main

    db = str(demo_folder / "reorder.duckdb")
    with warehouse.connect(db, read_only=True) as con:
        unused = warehouse.not_planned(con)
        lots = warehouse.current_recommendations(con)
    item = unused.loc[~unused["planned"], "sku"].iloc[0]
    offer = unused.loc[unused["planned"], "sku"].iloc[0]
    ordered = lots.loc[(lots["quantity"] > 0) & (lots["sku"] != offer), "sku"].iloc[0]
    out = CliRunner().invoke(main, ["lots", "--db", db, "--sku", item, "--sku", ordered,
                                    "--sku", offer])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "for 2 items (" in out.output and f"\n{ordered} " in out.output
    assert f"\nnot planned:  {item}: not in items: items.csv row " in out.output
    assert f"\nleft out:     offer of {offer} (planned with its other offers): " in out.output
    assert "Offers left out" not in out.output  # only the items asked about
    bad = CliRunner().invoke(main, ["lots", "--db", db, "--sku", "NOPE"])
    assert bad.exit_code == 2 and "nor among the items it could not plan" in bad.output


def test_refusals_of_a_sku_or_supplier_in_quarantine_name_its_row(
    demo_folder: Path, tmp_path: Path
) -> None:
    """`changes --sku P-10472` and `accuracy --sku P-10472` of an item whose items row was in
    quarantine ('25%' for holding_cost_rate) said 'unknown sku P-10472', `review approve` only
    'not among the lots of this run', and `export`/`review override --supplier S-102` of a
    supplier whose row was in quarantine 'unknown supplier S-102': the planner looked for a
    typo. Each refusal names the quarantined row and its reason now; exit codes unchanged."""
    from click.testing import CliRunner

    import warehouse
    from flows.cli import main

    db = str(demo_folder / "reorder.duckdb")
    with warehouse.connect(db, read_only=True) as con:
        rows = warehouse.quarantine_rows(con)
        lots = warehouse.current_recommendations(con)
    item = rows[rows["table_name"] == "items"].iloc[0]
    supplier = rows[rows["table_name"] == "suppliers"].iloc[0]
    sku, supplier_id, ordered = item["sku"], supplier["supplier_id"], lots["sku"].iloc[0]
    said = f"sku {sku} is not in the items: items.csv row {item['row_number']} is in quarantine ("
    runs = {
        ("changes", "--db", db, "--sku", sku): (2, said),
        ("accuracy", "--db", db, "--sku", sku, "--sku", "NOPE"): (2, said),
        ("review", "approve", "--db", db, sku): (1, said),
        ("review", "override", "--db", db, ordered, "--supplier", supplier_id): (
            1, f"supplier {supplier_id} is not in the suppliers: suppliers.csv row "
            f"{supplier['row_number']} is in quarantine ({supplier['reason']})"),
        ("export", "--db", db, "--supplier", supplier_id, "--out", str(tmp_path)): (
            2, f"supplier {supplier_id} is not in the suppliers: suppliers.csv row "),
    }  # fmt: skip
    for words, (code, text) in runs.items():
        out = CliRunner().invoke(main, list(words))
        flat = " ".join(out.output.split())
        assert (out.exit_code, text in flat) == (code, True), (words, out.output)
    nope = CliRunner().invoke(main, ["accuracy", "--db", db, "--sku", "NOPE"])
    assert nope.exit_code == 2 and "unknown sku NOPE; skus match exactly" in nope.output


def test_a_what_if_of_some_items_notes_those_items_only(demo_folder: Path, tmp_path: Path) -> None:
    """`reorder run --items A,B` printed the load's notes about every item (a price break row
    in quarantine of an item not in the what-if) and '2 lots of this night were decided on run
    ...' counted over the whole night: the notes naming items are of its items now, the
    decisions on other runs of the night are those of its items (named), and what is about
    the whole load (a file not read, the quarantine count) says so."""
    import shutil

    from click.testing import CliRunner

    import warehouse
    from flows.cli import main

    folder = tmp_path / "demo"
    shutil.copytree(demo_folder, folder)
    (folder / "data" / "stock_old.xlsx").write_bytes(b"")  # a file the load does not read
    db = str(folder / "reorder.duckdb")
    with warehouse.connect(db, read_only=True) as con:
        rows = warehouse.quarantine_rows(con)
        noted = str(rows.loc[rows["table_name"] == "price_breaks", "sku"].iloc[0])
        assert any(noted in n for n in warehouse.item_notes(con, date(2026, 6, 30), [noted]))
        lots = warehouse.current_recommendations(con)
    ordered = sorted(set(lots.loc[lots["quantity"] > 0, "sku"]) - {noted})
    a, b, c = ordered[:3]
    out = CliRunner().invoke(main, ["review", "approve", "--db", db, a, c])
    assert out.exit_code == 0, out.output
    out = CliRunner().invoke(main, ["run", "--data-dir", str(folder / "data"), "--db", db,
                                    "--as-of", "2026-06-30", "--items", f"{a},{b}"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert noted not in out.output  # the price break note is of another item
    assert "lots of this night were decided" not in out.output
    assert f"note:         1 lot of these items ({a}) was decided on run " in out.output
    assert "note:         whole load: files not read: stock_old.xlsx" in out.output
    assert "quarantined:  8 input rows of the whole load, " in out.output


def test_lists_of_one_sku_or_item_are_worded_in_the_singular(
    demo_folder: Path, capsys: pytest.CaptureFixture
) -> None:
    """A what-if of one item printed '1 lot of 1 items'; `lots --sku X --sku Y` said 'no
    recommendation for sku X, Y'."""
    from click.testing import CliRunner

    import warehouse
    from flows.cli import _print_summary, main

    db = str(demo_folder / "reorder.duckdb")
    out = CliRunner().invoke(main, ["lots", "--db", db, "--sku", "NOPE-1", "--sku", "NOPE-2"])
    assert out.exit_code == 2 and "no recommendation for skus NOPE-1, NOPE-2 in" in out.output
    out = CliRunner().invoke(main, ["lots", "--db", db, "--sku", "NOPE-1"])
    assert out.exit_code == 2 and "no recommendation for sku NOPE-1 in" in out.output
    with warehouse.connect(db, read_only=True) as con:
        run = warehouse.run_history(con, 1).iloc[0]
    summary = {"db_path": db, "run_id": run["run_id"], "run_key": run["run_key"], "lots": 1,
               "items_planned": 1, "spend": 10.0, "savings": 0.0, "optimal": True,
               "solver_status": "Optimal", "rows_quarantined": 0}  # fmt: skip
    _print_summary(summary, demo_folder / "data")
    assert "\n1 lot of 1 item, spend 10.00" in capsys.readouterr().out


def test_commands_in_notes_name_the_warehouse_they_are_about() -> None:
    """The terminal has no default warehouse (--db is required): notes that said
    '`reorder runs`' or '(reorder lots --all)' gave a command that stopped at "Missing option
    '--db'"; they name the warehouse (and the run) they were printed for."""
    from flows.artifacts import report_notes
    from flows.console import failed_notes

    failed = pd.DataFrame({
        "as_of": [date(2026, 12, d) for d in (6, 5, 4, 3)],
        "started_at": [pd.Timestamp(2026, 12, 7, 1)] * 4,
        "error": ["HistoryError"] * 4,
    })  # fmt: skip
    notes = failed_notes(failed, date(2026, 12, 2), "/srv/wh.duckdb", shown=3)
    assert notes[-1] == "1 more failed run since: `reorder runs --db /srv/wh.duckdb`"
    summary = {"db_path": "/srv/wh.duckdb", "run_id": "r-1", "items_unplannable": 7,
               "not_planned": [{"sku": "P-1", "reason": "no price break"}]}  # fmt: skip
    assert report_notes(summary)[-1] == (
        "Not planned",
        "... and 6 more items not planned (reorder lots --db /srv/wh.duckdb --run-id r-1 --all)",
    )


def test_the_report_gives_the_quarantine_count_with_the_command_that_lists_it(
    demo_folder: Path,
) -> None:
    """The run summary said 'quarantined: 8 input rows (reorder quarantine --db ...)'; the
    HTML report, which a planner may read alone (mailed), never said rows were rejected. Its
    Exceptions give the count with the command that lists them."""
    import html
    import re

    from flows.artifacts import report_notes

    (page,) = (demo_folder / "reports").glob("*.html")
    text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
    db = demo_folder / "reorder.duckdb"
    assert "Quarantine: 8 input rows, 1 of them an order line dated after as_of" in text
    assert f"(reorder quarantine --db '{db}')" in text
    summary = {"db_path": "/srv/wh.duckdb", "run_id": "r-1", "rows_quarantined": 1,
               "items_unplannable": 0, "not_planned": []}  # fmt: skip
    assert report_notes(summary) == [
        ("Quarantine", "1 input row (reorder quarantine --db /srv/wh.duckdb)")
    ]
    assert report_notes({**summary, "rows_quarantined": 0}) == []


def test_commands_in_notes_quote_a_path_with_a_space() -> None:
    """Failed-run warnings, the run summary's and the review form's pointers and the tier
    notes printed `--db /tmp/my data/wh.duckdb` unquoted: a copied command's --db took
    '/tmp/my' (and a supplier id with a space split in two)."""
    from flows.artifacts import report_notes
    from flows.console import failed_notes, tier_notes
    from flows.review import rest_pointer

    db = "/tmp/my data/wh.duckdb"
    failed = pd.DataFrame({"as_of": [date(2026, 12, 6)] * 2, "error": ["HistoryError"] * 2,
                           "started_at": [pd.Timestamp(2026, 12, 7, 1)] * 2})  # fmt: skip
    assert failed_notes(failed, None, db, shown=1)[-1].endswith(f"`reorder runs --db '{db}'`")
    summary = {"db_path": db, "run_id": "r-1", "items_unplannable": 2,
               "not_planned": [{"sku": "P-1", "reason": "no price break"}]}  # fmt: skip
    assert report_notes(summary)[-1][1].endswith(f"(reorder lots --db '{db}' --run-id r-1 --all)")
    missed = pd.DataFrame([{"supplier_id": "ACME GmbH", "basis": "spend", "min_total": 450.0,
                            "discount_rate": 0.02, "planned": 480.0, "now": 80.0}])  # fmt: skip
    (note,) = tier_notes(missed, db)
    assert note.endswith(f"(`reorder review list --db '{db}' --status all --supplier 'ACME GmbH'`)")
    pending = pd.DataFrame({"run_key": ["night-1"], "run_id": ["r-1"]})
    assert rest_pointer(pending, db).startswith(
        f"the lots of run night-1, `reorder lots --db '{db}' --run-id r-1` (`reorder review list "
        f"--db '{db}'` lists"
    )


def test_lots_and_review_list_say_whether_the_plan_is_weekly_or_monthly(tmp_path: Path) -> None:
    """A monthly rerun of a night published in place of its weekly plan: `lots` and `review
    list` printed the same titles as before ('Recommended order lots of night 2024-04-30
    (1)', '1 pending lot of run monthly:'), and only reasons reading 'arriving in month 2'
    told a planner that the lots now cover months, not weeks."""
    from click.testing import CliRunner

    import warehouse
    from flows.cli import main
    from tests.warehouse.test_accuracy import SOLVER, _demand, _forecasts, _lots

    db = tmp_path / "w.duckdb"
    night, lots = date(2024, 4, 30), _lots().assign(quantity=[5.0], order_value=[5.0])
    with warehouse.connect(db) as con:
        _two_items(con)
        run_ids = {}
        for key, freq in (("weekly", "W"), ("monthly", "M")):
            run_ids[key] = warehouse.start_run(con, key, night, {"freq": freq, "horizon": 13})
            warehouse.publish_run(con, run_ids[key], key, _demand([("X", "2024-04-01", 1.0)]),
                                  _forecasts(["2024-05-01"]), lots, SOLVER)  # fmt: skip

    def first_line(*args: str) -> str:
        result = CliRunner().invoke(main, [*args, "--db", str(db)])
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[0]

    monthly = "planned monthly, horizon 13 months"
    assert first_line("lots").endswith(f"largest order value first; {monthly}:")
    assert first_line("lots", "--sku", "X").endswith(f"; {monthly}:")
    assert first_line("review", "list") == f"1 pending lot of run monthly ({monthly}):"
    weekly = first_line("lots", "--run-id", run_ids["weekly"])
    assert weekly.endswith("; planned weekly, horizon 13 weeks:")


def test_accuracy_says_its_periods_are_months_or_weeks(tmp_path: Path) -> None:
    """A monthly planner read `periods 2` and `total_periods 2` with nothing saying months."""
    import warehouse
    from tests.warehouse.test_accuracy import APRIL, _cumulative, _demand, _publish

    db = tmp_path / "w.duckdb"
    with warehouse.connect(db) as con:
        _two_items(con)
        _publish(con, "april", date(2024, 3, 31), "M", _demand([("X", "2024-02-01", 1.0)]),
                 APRIL, _cumulative(APRIL))  # fmt: skip
        _publish(con, "june", date(2024, 5, 31), "M", _demand([("X", "2024-04-01", 3.0)]),
                 ["2024-06-01"])  # fmt: skip
    first = _accuracy_cli(db).splitlines()[0]
    assert first.startswith("Earlier forecasts against the newest demand history (periods: months;")
    first = _accuracy_cli(db, "--items").splitlines()[0]
    assert "demand that came (periods: months; loss_share: " in first


def test_run_help_says_the_horizon_counts_periods_of_freq() -> None:
    """`reorder run --help` read '--horizon INTEGER [default: 13]': 13 what? With --freq M it is
    13 months, over a year, not the quarter 13 weeks are."""
    from click.testing import CliRunner

    from flows.cli import main

    text = " ".join(CliRunner().invoke(main, ["run", "--help"]).output.split())
    assert "--horizon INTEGER Periods forecast and planned, of --freq: 13 is 13 weeks, with" in text
    assert "--freq M 13 months. [default: 13]" in text
    assert "--freq [W|M] Periods: W weeks (from Monday), M calendar months. [default: W]" in text


def test_load_names_the_items_it_leaves_without_an_offer(tmp_path: Path) -> None:
    """B's only price break had unit_price 0, so its only offer went to quarantine, and C had
    no supplier_items row at all: `reorder load` (load and validate only) said '2 rows in
    quarantine: see table quarantine' and nothing of B or C, while it names an offer left out
    of an item that keeps others; the run then left both unplanned. The load names them, and
    the command that lists the rows in quarantine."""
    from click.testing import CliRunner

    from flows.cli import main
    from tests.warehouse.conftest import BASE, write_folder

    items = BASE["items.csv"] + "C,Washer M8,fasteners,series,0.01,0.2,,0,\n"
    breaks = BASE["price_breaks.csv"].replace("S1,B,10,4.00", "S1,B,10,0")
    folder = write_folder(tmp_path / "in", items__csv=items, price_breaks__csv=breaks)
    db = tmp_path / "w.duckdb"
    done = CliRunner().invoke(main, ["load", "--data-dir", str(folder), "--db", str(db),
                                     "--as-of", "2024-03-31"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert f"2 rows in quarantine: see reorder quarantine --db {db}" in done.output
    assert (
        "not planned:  B: no usable offer: supplier_items.csv row 3 is in quarantine "
        "(supplier_id 'S1' × sku 'B' has no valid price break)\n"
        "not planned:  C: no usable offer: no supplier offer with price breaks\n"
    ) in done.output


def test_load_lists_an_item_whose_row_is_in_quarantine_first_and_counts_items_and_offers(
    tmp_path: Path, demo_dir: Path
) -> None:
    """An ERP copy of the demo ('25%' for holding_cost_rate in items.csv row 3, suppliers
    without a lead_time): `reorder load` listed five items without a usable offer, then
    '... 22 more', the item whose own items row was in quarantine among them and items mixed
    with offers. Items whose items row is in quarantine come first, and the rest is counted
    as items not planned and offers left out, each."""
    import re
    import shutil

    from click.testing import CliRunner

    from flows.cli import main

    folder = shutil.copytree(demo_dir, tmp_path / "in")
    items = pd.read_csv(folder / "items.csv", dtype=str, keep_default_na=False)
    items.loc[2, "holding_cost_rate"] = "25%"
    items.to_csv(folder / "items.csv", index=False)
    suppliers = pd.read_csv(folder / "suppliers.csv", dtype=str, keep_default_na=False)
    suppliers.loc[:2, "lead_time"] = ""
    suppliers.to_csv(folder / "suppliers.csv", index=False)
    db = tmp_path / "w.duckdb"
    done = CliRunner().invoke(main, ["load", "--data-dir", str(folder), "--db", str(db),
                                     "--as-of", "2026-06-30"])  # fmt: skip
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    listed = [line for line in lines if line.startswith(("not planned:", "left out:"))]
    assert listed[0].startswith(f"not planned:  {items.loc[2, 'sku']}: not in items: items.csv "
                                "row 3 is in quarantine (holding_cost_rate '25%' ")  # fmt: skip
    items_listed = sum(line.startswith("not planned:") for line in listed)
    offers_listed = len(listed) - items_listed
    assert items_listed > offers_listed == 0  # items first: the five shown are items here
    (more,) = [line.strip() for line in lines if line.strip().startswith("... ")]
    assert re.fullmatch(r"\.\.\. \d+ more items? not planned, \d+ more offers? left out: .*", more)


def test_a_temporary_server_that_starts_slowly_is_waited_for_then_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a busy machine (load 7 on 2 cores) `reorder run` of 2,500 RAF parts ended after 23 s
    in 50 lines of traceback: 'RuntimeError: Timed out while attempting to connect to
    ephemeral Prefect API server' (Prefect waits 20 s by default). A run now waits 90 s unless
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS says otherwise, and a server that still
    does not answer ends the command in one line naming that setting."""
    import subprocess

    from click.testing import CliRunner

    from flows.cli import main
    from tests.warehouse.conftest import write_folder

    wait = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
    monkeypatch.delenv(wait, raising=False)
    CliRunner().invoke(main, ["runs", "--db", str(tmp_path / "none.duckdb")])
    assert os.environ[wait] == "90"
    monkeypatch.setenv(wait, "45")
    CliRunner().invoke(main, ["runs", "--db", str(tmp_path / "none.duckdb")])
    assert os.environ[wait] == "45"  # the user's own setting stays

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), wait: "1"}
    folder = write_folder(tmp_path / "in")
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--data-dir", str(folder),
         "--db", str(tmp_path / "w.duckdb"), "--as-of", "2024-03-31"],
        env=env, capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-2] == (  # the last: Prefect stops the server at exit
        "Error: Prefect's temporary local server did not answer within 1 s (a busy "
        f"machine?): run again with a longer wait, e.g. {wait}=300, or start `prefect server "
        "start` and set PREFECT_API_URL (see Deploying with Prefect in README.md)"
    )
