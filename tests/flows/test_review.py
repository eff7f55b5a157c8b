"""Planner review on a warehouse prepared by a real nightly run: the CLI, the export and the
Prefect `review` flow paused for input and resumed with it."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.exceptions import ParameterTypeError
from prefect.flow_runs import resume_flow_run

import optimize
import warehouse
from flows.cli import main
from flows.nightly import nightly
from flows.proposals import CSV_COLUMNS, STANDARD_CSV, CsvDialect, _csv_ready, csv_dialect
from flows.review import (
    DECIDED_KEY,
    PENDING_KEY,
    REFUSED_KEY,
    approved_one_off_notes,
    pending_markdown,
    review,
)
from optimize.inputs import lead_time_periods
from tests.flows.conftest import AS_OF
from tests.flows.test_nightly import _spiked_folder
from warehouse.run_lock import lock_path, run_lock


@pytest.fixture(scope="module")
def published(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db_path = tmp_path_factory.mktemp("review") / "reorder.duckdb"
    nightly(as_of=AS_OF, data_dir=str(demo_dir), db_path=str(db_path), horizon=8, scenarios=60)
    return db_path


@pytest.fixture
def db(published: Path, tmp_path: Path) -> Path:
    """A private copy of the published warehouse: each test decides on fresh pending lots."""
    return Path(shutil.copy(published, tmp_path / "reorder.duckdb"))


def _pending(db: Path) -> pd.DataFrame:
    with warehouse.connect(db) as con:
        return warehouse.review_lots(con, status="pending")


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_review_and_export_round_trip(db: Path, tmp_path: Path) -> None:
    lots = _pending(db)
    assert len(lots) >= 3
    a, b, c = lots["sku"].iloc[:3]
    assert a in _cli("review", "list", "--db", str(db))
    _cli("review", "approve", "--db", str(db), a, "--comment", "fine", "--by", "anna")
    with warehouse.connect(db) as con:
        terms = warehouse.supplier_terms(con, b, lots["supplier_id"].iloc[1])
    new_qty = int(lots["quantity"].iloc[1] + terms["pack_size"])
    _cli("review", "override", "--db", str(db), b, "--quantity", str(new_qty), "--by", "ben")
    _cli("review", "reject", "--db", str(db), c, "--comment", "phase out", "--by", "anna")
    bad = CliRunner().invoke(main, ["review", "override", "--db", str(db), a, "--quantity", "0"])
    assert bad.exit_code != 0 and f"sku {a}" in bad.output and "reject the lot" in bad.output

    with warehouse.connect(db) as con:
        history = warehouse.decision_history(con).set_index("sku")
        status = warehouse.review_lots(con).set_index("sku")["status"]
    assert len(history) == 3 and set(history["channel"]) == {"cli"}
    assert history.loc[a, ["decided_by", "comment"]].tolist() == ["anna", "fine"]
    assert history.loc[b, ["action", "quantity", "decided_by"]].tolist() == [
        "override",
        new_qty,
        "ben",
    ]
    assert history.loc[c, ["action", "quantity"]].tolist() == ["reject", 0]
    assert history["decided_at"].notna().all()
    assert status[[a, b, c]].tolist() == ["approved", "overridden", "rejected"]

    out = _cli("export", "--db", str(db), "--out", str(tmp_path / "out"))
    xlsx = next((tmp_path / "out").glob("*.xlsx"))
    assert "2 lots" in out
    book = load_workbook(xlsx)
    exported = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=5, values_only=True):
            if row[1] is not None:
                exported[row[1]] = row[3]
    assert exported == {a: lots["quantity"].iloc[0], b: new_qty}
    assert book.worksheets[0].cell(5, 4).number_format == "#,##0"
    csv = pd.read_csv(next((tmp_path / "out").glob("*.csv")))
    assert sorted(csv["sku"]) == sorted([a, b])
    # whole units and rounded prices, as an ERP import reads them (not 100.0, 52.5260606...)
    raw = pd.read_csv(next((tmp_path / "out").glob("*.csv")), dtype=str)
    assert raw["quantity"].str.fullmatch(r"\d+").all(), raw["quantity"].tolist()
    assert (csv["unit_price"] == csv["unit_price"].round(5)).all()
    # a byte-order mark: Excel opens the CSV as UTF-8 (supplier names with umlauts)
    assert (
        next((tmp_path / "out").glob("*.csv")).read_bytes().startswith(b"\xef\xbb\xbfsupplier_id,")
    )
    # a run without load.toml: comma, '.' decimals, UTF-8 with BOM, as before, unsaid
    with warehouse.connect(db) as con:
        approved = warehouse.approved_lots(con)[list(CSV_COLUMNS)]
    standard = _csv_ready(approved).to_csv(index=False).encode("utf-8-sig")
    assert next((tmp_path / "out").glob("*.csv")).read_bytes() == standard
    assert "CSV written" not in out and "load.toml" not in out


def test_next_night_counts_approved_lots_as_open_orders(db: Path) -> None:
    lots = _pending(db)
    sku, qty = lots["sku"].iloc[0], int(lots["quantity"].iloc[0])
    _cli("review", "approve", "--db", str(db), sku)
    next_night = AS_OF + timedelta(days=1)
    with warehouse.connect(db) as con:
        same = warehouse.read_planning_inputs(con, as_of=AS_OF)
        inputs = warehouse.read_planning_inputs(con, as_of=next_night)
    assert (same["open_orders"]["source"] == "approved").sum() == 0
    approved = inputs["open_orders"][inputs["open_orders"]["source"] == "approved"]
    assert approved[["sku", "quantity"]].values.tolist() == [[sku, qty]]
    skus = inputs["items"]["sku"].to_numpy()
    paths = np.ones((len(skus), 20, 8), dtype=np.int64)
    problem, _ = optimize.build_problem(
        **inputs, scenarios=(skus, paths), as_of=next_night, period_days=7.0
    )
    item = next(i for i in problem.items if i.sku == sku)
    assert qty in [q for _, q in item.open_orders]


def _paused_run(db: Path, deadline: float) -> str:
    state = FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            for run in client.read_flow_runs(flow_run_filter=FlowRunFilter(state=state)):
                if run.parameters.get("db_path") == str(db):
                    return str(run.id)
            time.sleep(0.5)
    raise AssertionError("the review flow never paused")


@contextmanager
def _paused_review(db: Path, attempts: int = 3) -> Iterator[tuple[str, dict]]:
    """The review flow of `db` running in a thread until it pauses for input: its flow run id,
    and the dict its result fills once it has ended (after the block)."""
    result: dict = {}

    def run() -> None:
        result.update(review(db_path=str(db), wait="pause", timeout_seconds=120, poll_seconds=1,
                             attempts=attempts))  # fmt: skip

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield _paused_run(db, time.monotonic() + 60), result
    finally:
        thread.join(timeout=90)


def test_review_flow_paused_for_input_records_the_planners_decisions(db: Path) -> None:
    pending = _pending(db)
    rejected = pending["sku"].iloc[0]
    with _paused_review(db) as (run_id, result):
        with pytest.raises(RuntimeError, match=r"(?s)Cannot resume.*planner"):
            resume_flow_run(run_id, run_input={"approve_all": True})
        answer = {
            "planner": "carla",
            "approve_all": True,
            "comment": "as planned",
            "lots": [{"sku": rejected, "action": "reject", "comment": "customer cancelled"}],
        }
        resume_flow_run(run_id, run_input=answer)
    assert result == {
        "status": "decided", "pending": len(pending), "recorded": len(pending), "changed": [],
        "rejected": [], "failed": [], "late": []
    }  # fmt: skip
    with warehouse.connect(db) as con:
        history = warehouse.decision_history(con).set_index("sku")
    assert len(history) == len(pending)
    assert set(history["channel"]) == {"prefect"} and set(history["decided_by"]) == {"carla"}
    assert history.loc[rejected, ["action", "comment"]].tolist() == ["reject", "customer cancelled"]
    others = history.drop(index=rejected)
    assert set(others["action"]) == {"approve"} and set(others["comment"]) == {"as planned"}


def test_review_flow_says_when_it_gives_up_after_refused_answers(db: Path, caplog) -> None:
    """After its last refused answer the run ended Completed with status refused and no word
    in its log; the lots stayed pending."""
    pending = _pending(db)
    with _paused_review(db, attempts=1) as (run_id, result):
        resume_flow_run(run_id, run_input={"planner": "dora", "approve_suppliers": ["NOPE-1"]})
    assert result["status"] == "refused" and result["recorded"] == 0
    assert f"giving up after 1 refused answers (attempts): {len(pending)} lots stay pending" in (
        caplog.text
    )
    assert len(_pending(db)) == len(pending)


def test_review_flow_says_what_it_waits_for_and_how_many_answers_are_left(db: Path, caplog) -> None:
    """The run's log said only "Suspending flow run" (Prefect's): nothing of the lots, the
    artifact, how to answer or how many refused answers it takes."""
    caplog.set_level(logging.INFO, logger="prefect.flow_runs")
    pending = _pending(db)
    with _paused_review(db, attempts=2) as (run_id, result):
        resume_flow_run(run_id, run_input={"planner": "dora", "approve_suppliers": ["NOPE-1"]})
        assert _paused_run(db, time.monotonic() + 60) == run_id  # waits again
        resume_flow_run(run_id, run_input={"planner": "dora", "lots": []})
    assert result["status"] == "decided"
    run_key = pending["run_key"].iloc[0]
    assert (
        f"{len(pending)} lots of run {run_key} wait for review (artifact pending-lots): answer "
        f"with this run's form (Resume in the UI; from Python: prefect.flow_runs."
        f"resume_flow_run('{run_id}', run_input={{'planner': 'anna', 'approve_all': True}})) "
        "within 120 s, else they stay pending"
    ) in caplog.text
    assert caplog.text.count("wait for review") == 1
    assert "(not among the suppliers loaded" in caplog.text
    assert "; answer again (1 more answer taken)" in caplog.text


def test_review_flow_refuses_a_misspelled_warehouse_and_bad_numbers(tmp_path: Path) -> None:
    """A mistyped db_path created an empty warehouse and reported nothing to review."""
    typo = tmp_path / "reoder.duckdb"
    with pytest.raises(warehouse.DatabaseError, match=r"no warehouse at .*reoder\.duckdb"):
        review(db_path=str(typo), wait="pause", timeout_seconds=1, poll_seconds=1)
    assert not typo.exists()
    with pytest.raises(ParameterTypeError, match=r"timeout_seconds: Input should be greater"):
        review(db_path=str(typo), wait="pause", timeout_seconds=-1)


def test_review_flow_approves_the_lots_of_named_suppliers(db: Path) -> None:
    pending = _pending(db)
    supplier = pending["supplier_id"].value_counts().index[0]
    theirs = set(pending.loc[pending["supplier_id"] == supplier, "sku"])
    assert 0 < len(theirs) < len(pending)
    markdown = pending_markdown(pending, str(db))
    assert f"| {supplier} | {len(theirs)} |" in markdown  # the per-supplier summary
    with _paused_review(db) as (run_id, result):
        typed = supplier.lower() if supplier != supplier.lower() else supplier.upper()
        typo = {"planner": "dora", "approve_suppliers": [supplier, "NOPE-1", typed]}
        resume_flow_run(run_id, run_input=typo)  # refused: the flow waits again
        assert _paused_run(db, time.monotonic() + 60) == run_id
        resume_flow_run(run_id, run_input={"planner": "dora", "approve_suppliers": [supplier]})
    assert result["status"] == "decided" and result["recorded"] == len(theirs)
    with warehouse.connect(db) as con:
        history = warehouse.decision_history(con)
    assert set(history["sku"]) == theirs and set(history["action"]) == {"approve"}
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[REFUSED_KEY])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])),
        )
    # two of them were named as 'unknown supplier NOPE-1, ...', without the one loaded
    refused = (
        f"approve_suppliers: unknown suppliers {', '.join(sorted(['NOPE-1', typed]))} (not "
        f"among the suppliers loaded from suppliers.csv; {typed}: {supplier} is)"
    )
    assert len(found) == 1 and refused in str(found[0].data)


def test_cli_review_and_export_by_supplier(db: Path, tmp_path: Path) -> None:
    pending = _pending(db)
    counts = pending["supplier_id"].value_counts()
    first, second = counts.index[:2]
    of_first = set(pending.loc[pending["supplier_id"] == first, "sku"])
    listed = _cli("review", "list", "--db", str(db), "--supplier", first)
    assert listed.startswith(f"{len(of_first)} pending lots of supplier {first} of run ")
    table = listed.split("\n\nWhy:")[0].splitlines()[2:]
    assert {line.split()[0] for line in table} == of_first
    one = sorted(of_first)[0]
    assert _cli("review", "list", "--db", str(db), "--sku", one).startswith("1 pending lot of sku ")
    typo = CliRunner().invoke(main, ["review", "list", "--db", str(db), "--supplier", "NOPE-1"])
    assert typo.exit_code == 2 and "unknown supplier NOPE-1" in typo.output
    alone = CliRunner().invoke(main, ["review", "approve", "--db", str(db), "--supplier", first])
    assert alone.exit_code == 2 and "add --all" in alone.output

    _cli("review", "approve", "--db", str(db), "--all", "--supplier", first, "--by", "anna")
    _cli("review", "reject", "--db", str(db), "--all", "--supplier", second, "--by", "anna")
    with warehouse.connect(db) as con:
        status = warehouse.review_lots(con).set_index("sku")["status"]
    assert set(status[list(of_first)]) == {"approved"}
    of_second = pending.loc[pending["supplier_id"] == second, "sku"]
    assert set(status[of_second]) == {"rejected"}
    assert set(status.drop(index=[*of_first, *of_second])) == {"pending"}
    again = _cli("review", "approve", "--db", str(db), "--all", "--supplier", first)
    assert again.strip() == f"no pending lots of supplier {first} to approve"
    # a supplier-wide tier the plan's lots reached and the rejections miss is named; one
    # loaded after the run (the demo has none) is not the plan's: not named
    spend = pending.loc[pending["supplier_id"] == second, "order_value"].sum()
    with warehouse.connect(db) as con:
        con.execute("INSERT INTO supplier_tiers VALUES (?, 'spend', ?, 0.03)", [second, spend])
    assert "supplier-wide" not in _cli("review", "list", "--db", str(db))
    with warehouse.connect(db) as con:  # as if the run had planned with it
        con.execute("INSERT INTO run_supplier_tiers SELECT run_key, run_id, ?, 'spend', ?, 0.03 "
                    "FROM current_run", [second, spend])  # fmt: skip
    missed = (
        f"note: {second}: the lots as decided total 0.00, below the {spend:,.2f} its "
        "supplier-wide discount of 3% needs; the plan reached it with "
    )
    assert missed in _cli("review", "list", "--db", str(db))
    assert missed not in _cli("review", "list", "--db", str(db), "--supplier", first)

    _cli("review", "approve", "--db", str(db), "--all")  # the other suppliers' lots
    everything = _cli("export", "--db", str(db), "--out", str(tmp_path / "out"))
    (full,) = (tmp_path / "out").glob("*.csv")
    out = _cli("export", "--db", str(db), "--out", str(tmp_path / "out"), "--supplier", first)
    assert f"{len(of_first)} lots, 1 supplier," in out
    # the supplier's proposal has its own files: the full export is still there, whole
    assert sorted(p.name for p in (tmp_path / "out").glob("*.csv")) == sorted(
        [full.name, full.name.replace(".csv", f"_{first}.csv")]
    )
    csv = pd.read_csv(full.with_name(full.name.replace(".csv", f"_{first}.csv")))
    assert set(csv["sku"]) == of_first and set(csv["supplier_id"]) == {first}
    summary = next(line for line in everything.splitlines() if " lots, " in line)
    assert len(pd.read_csv(full)) == int(summary.split()[0]) > len(csv)
    assert missed in everything


def test_export_totals_are_numbers_a_reader_without_excel_sees(db: Path, tmp_path: Path) -> None:
    """The totals row of a supplier's sheet held the formula =SUM(F5:F6) without a value: a
    reader that does not recalculate (pandas, openpyxl, mail and file previews, Excel's
    Protected View) showed no total. It is the sum of the rounded order values shown."""
    pending = _pending(db)
    supplier = pending["supplier_id"].value_counts().index[0]
    _cli("review", "approve", "--db", str(db), "--all", "--supplier", supplier)
    _cli("export", "--db", str(db), "--out", str(tmp_path / "out"))
    book = load_workbook(next((tmp_path / "out").glob("*.xlsx")), data_only=True)
    sheet = book[supplier]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert rows[-1][0] == "Total" and len(rows) - 1 == (pending["supplier_id"] == supplier).sum()
    values = [row[5] for row in rows[:-1]]
    assert all(isinstance(v, float | int) for v in values)
    assert rows[-1][5] == pytest.approx(round(sum(values), 2), abs=1e-9)
    assert sheet.cell(sheet.max_row, 6).number_format == "#,##0.00"


def test_an_export_with_nothing_approved_says_why_and_what_is_pending(
    db: Path, tmp_path: Path
) -> None:
    """Nothing approved: the export said only "0 lots, 0 suppliers, order value 0.00". It
    names the night and the pending and rejected lots, so a buyer knows where to go next."""
    pending = _pending(db)
    sku = pending["sku"].iloc[0]
    _cli("review", "reject", "--db", str(db), sku)
    out = _cli("export", "--db", str(db), "--out", str(tmp_path / "out"))
    with warehouse.connect(db) as con:
        run_key, as_of = warehouse.latest_run(con)[1:]
    assert (
        f"nothing to export: no lot of the night of {as_of} (run {run_key}) is approved or "
        f"overridden ({len(pending) - 1} pending, 1 rejected: reorder review list --db {db}); "
        "the files hold no lots"
    ) in out
    assert "0 lots" not in out
    # the files are still written: an earlier export of the night must not stay behind
    assert pd.read_csv(next((tmp_path / "out").glob("*.csv"))).empty
    supplier = pending["supplier_id"].iloc[1]
    of_supplier = (pending["supplier_id"] == supplier).sum() - (sku == supplier)
    one = _cli("export", "--db", str(db), "--out", str(tmp_path / "out"), "--supplier", supplier)
    assert f"nothing to export: no lot of supplier {supplier} of the night of {as_of}" in one
    assert f"({of_supplier} pending" in one and f"--supplier {supplier})" in one


ERP_TOML = """\
[order_lines]
delimiter = ";"
decimal = ","
encoding = "cp1252"

[master_files]
decimal = ","
encoding = "cp1252"
"""


@pytest.fixture(scope="module")
def erp_published(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's files as a German ERP writes them (`;`, decimal `,`, cp1252), published by
    a real run that read them through `--config erp/load.toml`."""
    erp = tmp_path_factory.mktemp("erp")
    for path in demo_dir.glob("*.csv"):
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
        frame.to_csv(erp / path.name, sep=";", decimal=",", index=False, encoding="cp1252")
    (erp / "load.toml").write_text(ERP_TOML, encoding="utf-8")
    db_path = erp / "reorder.duckdb"
    nightly(as_of=AS_OF, data_dir=str(erp), db_path=str(db_path), config=str(erp / "load.toml"),
            horizon=8, scenarios=60)  # fmt: skip
    return db_path


def _approved_export(db: Path, out: Path) -> tuple[str, pd.DataFrame]:
    """Approve every lot of `db` and export them into `out`: (the output, the lots)."""
    _cli("review", "approve", "--db", str(db), "--all")
    with warehouse.connect(db) as con:
        lots = warehouse.approved_lots(con)
    return _cli("export", "--db", str(db), "--out", str(out)), lots


def test_export_writes_the_csv_in_the_dialect_of_the_runs_load_toml(
    erp_published: Path, tmp_path: Path
) -> None:
    """A planner whose ERP export was read through a load.toml with `;` and decimal `,` got
    the proposal CSV with `,` and `.`: German Excel put each line in one cell and an ERP
    import read 3650.46 as 365046. The CSV is written as load.toml reads the ERP's files
    (its [master_files] dialect, cp1252 too), and the export says so."""
    db = Path(shutil.copy(erp_published, tmp_path / "reorder.duckdb"))
    out, lots = _approved_export(db, tmp_path / "out")
    assert len(lots) >= 3 and (lots["order_value"] % 1 != 0).any()
    assert (
        "CSV written with ';' and decimal ',' (cp1252) as load.toml reads the ERP's files "
        f"([master_files] of {erp_published.parent / 'load.toml'})"
    ) in out
    path = next((tmp_path / "out").glob("*.csv"))
    assert path.read_bytes().startswith(b"supplier_id;supplier_name;po_id;sku;")  # no BOM
    csv = pd.read_csv(path, sep=";", decimal=",", encoding="cp1252")
    csv, lots = csv.set_index("sku").sort_index(), lots.set_index("sku").sort_index()
    assert csv.index.tolist() == lots.index.tolist()
    assert csv["quantity"].tolist() == lots["quantity"].round().astype(int).tolist()
    assert csv["unit_price"].tolist() == lots["unit_price"].round(5).tolist()
    assert csv["order_value"].tolist() == lots["order_value"].round(2).tolist()
    assert csv["supplier_name"].tolist() == lots["supplier_name"].tolist()


def test_export_of_a_run_whose_load_toml_is_gone_writes_the_standard_csv_with_a_note(
    erp_published: Path, tmp_path: Path
) -> None:
    """The load.toml moved away since the run: the export does not fail, it writes the
    standard CSV and says why it is not in the ERP's dialect."""
    erp = tmp_path / "erp"
    shutil.copytree(erp_published.parent, erp)
    db = erp / "reorder.duckdb"
    with warehouse.connect(db) as con:  # the run as if it had read this copy's load.toml
        con.execute("UPDATE runs SET parameters = replace(parameters, ?, ?)",
                    [str(erp_published.parent), str(erp)])  # fmt: skip
    (erp / "load.toml").rename(erp / "load.toml.old")
    out, lots = _approved_export(db, tmp_path / "out")
    assert (
        f"note: the run's load.toml {erp / 'load.toml'} is not found: CSV written with ',' "
        "and decimal '.' (UTF-8 with BOM), not in the ERP's dialect"
    ) in out
    path = next((tmp_path / "out").glob("*.csv"))
    assert path.read_bytes().startswith(b"\xef\xbb\xbfsupplier_id,supplier_name,")
    assert pd.read_csv(path)["order_value"].sum() == pytest.approx(lots["order_value"].sum())


def test_a_name_the_load_tomls_encoding_cannot_write_is_noted(
    erp_published: Path, tmp_path: Path
) -> None:
    """cp1252 has no 'Ł': the CSV holds '?' for it, and the export names the value."""
    db = Path(shutil.copy(erp_published, tmp_path / "reorder.duckdb"))
    _cli("review", "approve", "--db", str(db), "--all")
    with warehouse.connect(db) as con:
        supplier = warehouse.approved_lots(con)["supplier_id"].iloc[0]
        con.execute("UPDATE suppliers SET name = 'Łódź Zakłady' WHERE supplier_id = ?",
                    [supplier])  # fmt: skip
    out = _cli("export", "--db", str(db), "--out", str(tmp_path / "out"))
    assert (
        "note: supplier_name 'Łódź Zakłady': cp1252 cannot write some of its characters, the "
        "CSV holds '?' for them (the Excel file holds them all)"
    ) in out
    csv = pd.read_csv(next((tmp_path / "out").glob("*.csv")), sep=";", encoding="cp1252")
    assert "?ód? Zak?ady" in set(csv["supplier_name"])


@pytest.mark.parametrize(
    ("toml", "dialect", "section"),
    [
        ('[order_lines]\ndelimiter = ";"\ndecimal = ","\nencoding = "cp1252"\n',
         CsvDialect(";", ",", "cp1252"), "[order_lines]"),
        ('[order_lines]\ndecimal = ","\n[master_files]\ndelimiter = "\\t"\n',
         CsvDialect("\t", ".", "utf-8-sig"), "[master_files]"),
        ('[order_lines]\nfiles = ["Auftrag*.csv"]\n', STANDARD_CSV, None),
    ],
)  # fmt: skip
def test_the_proposal_csv_takes_the_master_files_dialect_else_the_order_lines_one(
    tmp_path: Path, toml: str, dialect: CsvDialect, section: str | None
) -> None:
    """A proposal is our columns in the ERP's format, as [master_files] describes; a
    load.toml that sets only [order_lines]' dialect gives that one; none: the standard CSV,
    unsaid."""
    (tmp_path / "load.toml").write_text(toml, encoding="utf-8")
    got, line = csv_dialect(str(tmp_path / "load.toml"))
    assert got == dialect
    assert (line is None) if section is None else (f"({section} of " in line)


def test_export_into_a_file_instead_of_a_folder_is_refused_naming_it(
    db: Path, tmp_path: Path
) -> None:
    """`--out` naming a file ended in "Error: [Errno 17] File exists: ..." (the buyer would
    think the proposal file was there already); it is refused as a file, not a folder."""
    taken = tmp_path / "proposals.csv"
    taken.write_text("kept\n")
    result = CliRunner().invoke(main, ["export", "--db", str(db), "--out", str(taken)])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--out'" in result.output and "is a file" in result.output
    assert taken.read_text() == "kept\n"


def test_export_of_a_supplier_in_another_case_names_the_one_loaded(
    db: Path, tmp_path: Path
) -> None:
    """`--supplier s-103` was refused as unknown without a word that S-103 is loaded (a sku
    in another case is named: `(P-58715 is)`); the id is taken as written all the same."""
    supplier = _pending(db)["supplier_id"].iloc[0]
    typed = supplier.lower() if supplier != supplier.lower() else supplier.upper()
    args = ["--db", str(db), "--supplier", typed]
    result = CliRunner().invoke(main, ["export", *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert (
        f"unknown supplier {typed} (not among the suppliers loaded from suppliers.csv; "
        f"{supplier} is)"
    ) in result.output
    listed = CliRunner().invoke(main, ["review", "list", *args])
    assert listed.exit_code == 2 and f"; {supplier} is)" in listed.output
    # `override --supplier` said only 'unknown supplier (not among the suppliers loaded ...)'
    sku = _pending(db)["sku"].iloc[0]
    override = CliRunner().invoke(main, ["review", "override", *args, sku, "--quantity", "10"])
    assert override.exit_code == 1, override.output
    assert (
        f"sku {sku}: unknown supplier {typed} (not among the suppliers loaded from "
        f"suppliers.csv; {supplier} is)"
    ) in override.output


def test_export_after_a_later_night_names_the_earlier_lots_and_exports_their_night(
    tmp_path: Path,
) -> None:
    """A lot approved on night 1 and not exported before night 2 was published could not be
    exported any more (`export` wrote night 2's lots: none), yet night 2's plan counts it as
    an open order, so nobody might order it. The export names it and `--night` writes it."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db, out = tmp_path / "wh.duckdb", tmp_path / "out"
    later = AS_OF + timedelta(days=1)
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)
        warehouse.record_decisions(con, [warehouse.Decision("A", "approve")], decided_by="anna")
        _publish(con, later, "night-2", 200.0)
    exported = _cli("export", "--db", str(db), "--out", str(out))
    assert f"nothing to export: no lot of the night of {later} (run night-2)" in exported
    assert (
        f"note: 1 lot approved or overridden on the night of {AS_OF} is not in this export "
        f"(A): the plan counts it as an open order until the ERP's open_orders carries its "
        f"po_id; not ordered yet? reorder export --db {db} --out {out} --night {AS_OF}"
    ) in exported
    assert "note: " not in _cli("export", "--db", str(db), "--out", str(out), "--supplier", "S2")

    earlier = _cli("export", "--db", str(db), "--out", str(out), "--night", str(AS_OF))
    assert f"wrote {out / 'proposals_night-1.csv'}" in earlier
    assert "1 lot, 1 supplier, order value 400.00" in earlier and "note: 1 lot" not in earlier
    csv = pd.read_csv(out / "proposals_night-1.csv")
    assert csv[["po_id", "sku", "quantity"]].values.tolist() == [["RV-night-1-A", "A", 200]]
    none = CliRunner().invoke(main, ["export", "--db", str(db), "--out", str(out),
                                     "--night", "2020-01-01"])  # fmt: skip
    assert none.exit_code == 2 and "no succeeded run of the night of 2020-01-01" in none.output


def test_a_lot_is_due_its_lead_time_after_the_day_of_approval_in_the_planners_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exported due date counted the supplier's lead time from the UTC date of the
    decision: a planner in Berlin approving at 00:30 got a date one day early, one in Chicago
    approving at 19:00 one day late. It counts from the day of approval in REORDER_TIMEZONE.
    UTC+14 and UTC-12 are 26 hours apart: at any time one of them is not on UTC's date."""
    from zoneinfo import ZoneInfo

    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db = tmp_path / "wh.duckdb"
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)  # A and B from S1, lead_time 14 days
    for sku, zone in (("A", "Etc/GMT-14"), ("B", "Etc/GMT+12")):  # UTC+14, UTC-12
        monkeypatch.setenv("REORDER_TIMEZONE", zone)
        before = datetime.now(ZoneInfo(zone)).date()
        _cli("review", "approve", "--db", str(db), sku)
        after = datetime.now(ZoneInfo(zone)).date()
        with warehouse.connect(db) as con:
            due = warehouse.approved_lots(con).set_index("sku").at[sku, "due_date"]
        assert due.date() in {before + timedelta(days=14), after + timedelta(days=14)}, zone


def test_an_export_of_an_earlier_night_points_its_tier_notes_at_that_night(
    tmp_path: Path,
) -> None:
    """`export --night` of an earlier night said of a supplier-wide tier its decided lots
    miss 'review S1's lots (`reorder review list --status all --supplier S1`)', and of its
    pending lots '(1 pending: reorder review list --db ...)': that lists the published (later)
    night's lots, not that night's."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db, out = tmp_path / "wh.duckdb", tmp_path / "out"
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        con.execute("INSERT INTO supplier_tiers VALUES ('S1', 'spend', 450, 0.02)")
        _publish(con, AS_OF, "night-1", 200.0)  # S1: A 400.00 + B 80.00 reach 450.00
        warehouse.record_decisions(con, [warehouse.Decision("B", "reject")], decided_by="anna")
        _publish(con, AS_OF + timedelta(days=1), "night-2", 200.0)
    earlier = _cli("export", "--db", str(db), "--out", str(out), "--night", str(AS_OF))
    assert (
        "note: S1: the lots as decided total 400.00, below the 450.00 its supplier-wide "
        "discount of 2% needs; the plan reached it with 480.00 and may have sized lots for it: "
        f"review S1's lots of the night of {AS_OF} (this export; `reorder review` decides on "
        "the published plan only)"
    ) in earlier
    assert (
        f"nothing to export: no lot of the night of {AS_OF} (run night-1) is approved or "
        "overridden (1 pending, 1 rejected; `reorder review` decides on the published plan "
        "only); the files hold no lots"
    ) in earlier
    assert "reorder review list" not in earlier


def test_a_review_form_answered_after_a_later_run_names_its_own_night_in_tier_notes(
    tmp_path: Path, caplog
) -> None:
    """A plan published while the form was open: the answer is recorded on the lots the form
    showed (night-1), but its supplier-tier note sent the planner to `reorder review list
    --status all --supplier S1`, which lists the newer run's lots."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db = tmp_path / "wh.duckdb"
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        con.execute("INSERT INTO supplier_tiers VALUES ('S1', 'spend', 450, 0.02)")
        _publish(con, AS_OF, "night-1", 200.0)  # S1: A 400.00 + B 80.00 reach 450.00
    with _paused_review(db) as (run_id, result):
        with warehouse.connect(db) as con:
            _publish(con, AS_OF + timedelta(days=1), "night-2", 200.0)
        answer = {"planner": "dora", "lots": [{"sku": "B", "action": "reject"}]}
        resume_flow_run(run_id, run_input=answer)
    assert result["status"] == "decided" and result["recorded"] == 1
    assert (
        "S1: the lots as decided total 400.00, below the 450.00 its supplier-wide discount of 2% "
        "needs; the plan reached it with 480.00 and may have sized lots for it: review S1's "
        f"lots of the night of {AS_OF} (run night-1, decided by this review form; `reorder "
        "review` decides on the published plan only)"
    ) in caplog.text
    assert "reorder review list" not in caplog.text


def test_review_tier_notes_name_the_run_when_a_rerun_of_the_night_was_published(
    tmp_path: Path,
) -> None:
    """A what-if of the same night published meanwhile: the night alone does not tell the
    two runs apart, the note names the form's run; still published, `reorder review list`."""
    from flows.review import decided_tier_notes
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    with warehouse.connect(tmp_path / "wh.duckdb") as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        con.execute("INSERT INTO supplier_tiers VALUES ('S1', 'spend', 450, 0.02)")
        _publish(con, AS_OF, "night-1", 200.0)
        warehouse.record_decisions(con, [warehouse.Decision("B", "reject")], decided_by="dora")
        (published,) = decided_tier_notes(con, "night-1", "wh.duckdb")
        assert published.endswith(
            "(`reorder review list --db wh.duckdb --status all --supplier S1`)"
        )
        _publish(con, AS_OF, "night-1-budget", 200.0)
        (earlier,) = decided_tier_notes(con, "night-1", "wh.duckdb")
    assert earlier.endswith(
        f"lots of the night of {AS_OF} (run night-1, decided by this review form; `reorder "
        "review` decides on the published plan only)"
    )


def test_the_review_forms_more_lots_pointer_names_its_run_after_a_later_plan(
    tmp_path: Path,
) -> None:
    """The form's table ended '... and N more: `reorder review list`', which lists the newer
    run's lots once a plan is published while the form is open; it names the form's run."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db = tmp_path / "wh.duckdb"
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        run_id = _publish(con, AS_OF, "night-1", 200.0)
        pending = warehouse.review_lots(con, "night-1", status="pending")
        _publish(con, AS_OF + timedelta(days=1), "night-2", 300.0)
    markdown = pending_markdown(pending, str(db), limit=1)
    assert markdown.endswith(
        f"... and 1 more: the lots of run night-1, `reorder lots --db {db} --run-id {run_id}` "
        f"(`reorder review list --db {db}` lists the pending lots of the published run, this one "
        "until a later plan is published)"
    )
    # the commands as printed, copied: the terminal has no default warehouse
    lots, listed = re.findall(r"`reorder ([^`]*)`", markdown.splitlines()[-1])
    _cli(*listed.split())
    shown = _cli(*lots.split())
    assert f"Recommended order lots of night {AS_OF:%Y-%m-%d} (2)" in shown
    assert re.search(r"\bB\b.*\bS1\b.*\b20\b", shown)


def test_the_review_forms_supplier_totals_say_they_are_before_tier_discounts(
    tmp_path: Path,
) -> None:
    """The report's 'Spend by supplier' is after supplier-wide tier discounts; the form's
    per-supplier 'order value' (480.00 for S1, past its 2% tier at 450.00) was not labelled
    and read as a second total for the same supplier."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    with warehouse.connect(tmp_path / "wh.duckdb") as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        con.execute("INSERT INTO supplier_tiers VALUES ('S1', 'spend', 450, 0.02)")
        _publish(con, AS_OF, "night-1", 200.0)
        pending = warehouse.review_lots(con, status="pending")
        reached = warehouse.reached_supplier_tiers(con)
    markdown = pending_markdown(pending, "wh.duckdb", reached=reached)
    assert (
        "| supplier | lots | order value (before supplier-wide tier discounts) |\n|---|--:|--:|\n"
        "| S1 (2% tier) | 2 | 480.00 |"
    ) in markdown


def test_the_review_form_names_no_tier_discount_where_no_supplier_reaches_one(
    db: Path, tmp_path: Path
) -> None:
    """On the demo, without supplier_tiers.csv, the form's table read 'order value (before
    supplier-wide tier discounts)': a discount that no supplier has. Neither does a tier the
    lots do not reach."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    plain = "| supplier | lots | order value |\n|---|--:|--:|\n"
    with warehouse.connect(db) as con:
        pending = warehouse.review_lots(con, status="pending")
        reached = warehouse.reached_supplier_tiers(con)
    assert plain in pending_markdown(pending, str(db), reached=reached)
    with warehouse.connect(tmp_path / "wh.duckdb") as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        con.execute("INSERT INTO supplier_tiers VALUES ('S1', 'spend', 500, 0.02)")
        _publish(con, AS_OF, "night-1", 200.0)  # 480.00 of S1
        pending = warehouse.review_lots(con, status="pending")
        reached = warehouse.reached_supplier_tiers(con)
    assert plain + "| S1 | 2 | 480.00 |" in pending_markdown(pending, "wh.duckdb", reached=reached)


def test_reorder_lots_says_its_order_values_are_before_a_reached_tier_discount(
    tmp_path: Path,
) -> None:
    """`reorder lots` listed S1's lots at 480.00 in all while the run summary's spend was after
    S1's 2% supplier-wide tier (470.40), with nothing saying why: it names the tier and what
    comes off the invoice, in the review form's words; without a tier reached it says nothing."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db = tmp_path / "wh.duckdb"
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        con.execute("INSERT INTO supplier_tiers VALUES ('S1', 'spend', 500, 0.02)")
        _publish(con, AS_OF, "night-1", 200.0)  # 480.00: the tier is not reached
    assert "supplier-wide" not in _cli("lots", "--db", str(db))
    with warehouse.connect(db) as con:
        con.execute("UPDATE supplier_tiers SET min_total = 450")
    assert "supplier-wide" not in _cli("lots", "--db", str(db))  # the plan's tier was at 500
    with warehouse.connect(db) as con:
        _publish(con, AS_OF, "night-1", 200.0)  # a rerun plans with the tier at 450
        con.execute("UPDATE supplier_tiers SET min_total = 500")  # a later load: not the plan's
    assert (
        "note:         order value (before supplier-wide tier discounts): S1's 2% tier takes "
        "9.60 off its invoice of 480.00; the run summary's spend is after it"
    ) in _cli("lots", "--db", str(db))


def test_lots_and_review_warn_that_a_later_night_failed(db: Path, demo_dir: Path) -> None:
    later = AS_OF + timedelta(days=100)  # the demo's order lines end at AS_OF: a stale history
    with pytest.raises(warehouse.HistoryError):
        nightly(as_of=later, data_dir=str(demo_dir), db_path=str(db), horizon=8, scenarios=60)
    warning = (
        f"warning: the run of night {later:%Y-%m-%d} started "  # then the time, then the error
    )
    stale = "(HistoryError: the newest order line is from "
    published = f"the published lots are of night {AS_OF:%Y-%m-%d}"
    for args in (["lots"], ["review", "list"], ["export", "--out", str(db.parent / "out")]):
        first = _cli(*args, "--db", str(db)).splitlines()[0]
        assert first.startswith(warning) and stale in first and first.endswith(published), first
    assert f"Recommended order lots of night {AS_OF:%Y-%m-%d} (" in _cli("lots", "--db", str(db))
    result = review(db_path=str(db), wait="pause", timeout_seconds=1, poll_seconds=1)
    assert [note.startswith(warning[9:]) for note in result["failed"]] == [True]


def test_the_review_forms_commands_name_the_warehouse_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form printed its db_path as given, relative to the flow's working folder (the
    deployment's `demo/reorder.duckdb`): '`reorder runs --db wh.duckdb`' copied into a terminal
    in another folder found no warehouse. It prints the path absolute."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db = tmp_path / "wh.duckdb"
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)
        for day in range(1, 5):  # four failed nights: the fourth is pointed at, not shown
            run_id = warehouse.start_run(con, f"night-{day + 1}", AS_OF + timedelta(days=day), {})
            warehouse.fail_run(con, run_id, "Boom")
    monkeypatch.chdir(tmp_path)
    result = review(db_path="wh.duckdb", wait="pause", timeout_seconds=1, poll_seconds=1)
    assert result["failed"][-1] == f"1 more failed run since: `reorder runs --db {db}`"
    monkeypatch.chdir(tmp_path / "in")  # the planner's terminal, in another folder
    (command,) = re.findall(r"`reorder ([^`]*)`", result["failed"][-1])
    oldest = re.search(rf"{AS_OF + timedelta(days=1):%Y-%m-%d} +failed", _cli(*command.split()))
    assert oldest is not None  # the run the form left out, listed


def test_lots_and_review_warn_that_a_later_run_was_killed_or_still_runs(db: Path) -> None:
    """A run killed with SIGKILL stays `running` until the next run; lots, review list and
    export showed the published plan without a word, while the killed run had already loaded
    newer stock."""
    later = AS_OF + timedelta(days=7)
    with warehouse.connect(db) as con:
        run_id = warehouse.start_run(con, "night-later", later, {})
    gone = subprocess.Popen(["true"])
    gone.wait()
    lock_path(db).write_text(json.dumps({"pid": gone.pid, "run_id": run_id}))
    killed = f"warning: the run of night {later:%Y-%m-%d} started "  # then the time
    tail = (
        "UTC did not finish (its process is gone: killed?) and may have loaded newer inputs; "
        f"the published lots are of night {AS_OF:%Y-%m-%d}; run the night again"
    )
    for args in (["lots"], ["review", "list"], ["export", "--out", str(db.parent / "out")]):
        first = _cli(*args, "--db", str(db)).splitlines()[0]
        assert first.startswith(killed) and first.endswith(tail), first
    with run_lock(db) as lock:  # the same run, alive: it holds the run lock
        lock.describe(run_id=run_id)
        first = _cli("lots", "--db", str(db)).splitlines()[0]
    assert first.startswith(killed) and first.endswith(
        f"UTC is still running; the published lots are of night {AS_OF:%Y-%m-%d} until it publishes"
    ), first
    result = review(db_path=str(db), wait="pause", timeout_seconds=1, poll_seconds=1)
    assert [note.endswith(tail) for note in result["failed"]] == [True]


def test_lots_of_one_item_say_what_the_plan_counted_on_hand_and_on_order(db: Path) -> None:
    """A planner checking that an approved lot the ERP carries counts once had to read the
    warehouse with Python: no output said which open orders a plan counted."""
    with warehouse.connect(db, read_only=True) as con:
        as_of = warehouse.latest_run(con)[2]
        inputs = warehouse.read_planning_inputs(con, as_of=as_of)
    orders = inputs["open_orders"].sort_values(["sku", "due_date", "po_id"])
    days = (pd.to_datetime(orders["due_date"]) - pd.Timestamp(as_of)).dt.days
    sku = orders["sku"][days > 7].iloc[0]  # an item with an order due in a later week
    on_hand = inputs["stock"].set_index("sku")["on_hand"].get(sku, 0)
    mine = orders[orders["sku"] == sku]
    out = _cli("lots", "--db", str(db), "--sku", sku)
    line = next(x for x in out.splitlines() if x.startswith("counted:"))
    assert line.startswith(f"counted:      {sku}: stock {int(on_hand):,}; open orders ")
    for po_id, qty, day in zip(mine["po_id"], mine["quantity"], days[mine.index], strict=True):
        week = lead_time_periods(max(day, 0), 7.0) + 1  # as a lot due then, from 1
        when = "due now" if week == 1 else f"counted from week {week}"
        assert f"{po_id} {int(qty):,} ({when}" in line, line


def test_the_counted_line_marks_orders_after_the_horizon_as_not_counted() -> None:
    from flows.console import counted_note

    explanation = {"on_hand": 1200, "horizon_periods": 4, "period": "week", "open_orders": [
        {"po_id": "PO-1", "due_period": 0, "quantity": 10},
        {"po_id": None, "due_period": 1, "quantity": 5},
        {"po_id": "PO-LATE", "due_period": 9, "quantity": 500},
    ]}  # fmt: skip
    assert counted_note("A", json.dumps(explanation)) == (
        "A: stock 1,200; open orders PO-1 10 (due now), (no po_id) 5 (counted from week 2), "
        "PO-LATE 500 (counts from week 10, after the 4-week horizon: not counted)"
    )
    assert counted_note("A", "{}") is None  # a run from before these fields


def test_the_counted_line_names_the_record_an_open_order_was_counted_late_or_short_by() -> None:
    from flows.console import counted_note

    late = {"supplier_id": "S1", "on_time_rate": 0.6, "reject_rate": 0.004}
    sure = {"supplier_id": "S2", "on_time_rate": 1.0, "reject_rate": 0.0}
    explanation = {"on_hand": 3, "horizon_periods": 4, "period": "week", "open_orders": [
        {"po_id": "PO-1", "due_period": 0, "quantity": 10, **late},  # overdue: rejects only
        {"po_id": "PO-2", "due_period": 1, "quantity": 5, **late},
        {"po_id": "PO-3", "due_period": 2, "quantity": 7, **sure},
        {"po_id": "PO-4", "due_period": 9, "quantity": 8, **late},
    ]}  # fmt: skip
    assert counted_note("A", explanation) == (
        "A: stock 3; open orders PO-1 10 (due now; S1 0.4% rejected), PO-2 5 (counted from week "
        "2; S1 on time 60%, 0.4% rejected), PO-3 7 (counted from week 3), PO-4 8 (counts from week "
        "10, after the 4-week horizon: not counted)"
    )


def test_the_more_hint_under_a_runs_lots_names_that_run(db: Path, capsys) -> None:
    """`reorder run` of an earlier night ended its lots with `... 3 more: reorder lots --db X`,
    which shows the published night's plan, not these lots."""
    from flows.cli import _print_lots

    with warehouse.connect(db, read_only=True) as con:
        run_id = warehouse.latest_run(con)[0]
    _print_lots(db, limit=1, run_id=run_id)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(rf"  \.\.\. \d+ more: \S*reorder lots --db {re.escape(str(db))} "
                        rf"--run-id {run_id}", last), last  # fmt: skip


def test_cli_list_shows_decisions_and_refuses_nonsense_quantities(db: Path) -> None:
    lots = _pending(db)
    sku, supplier = lots["sku"].iloc[0], lots["supplier_id"].iloc[0]
    with warehouse.connect(db) as con:
        pack = int(warehouse.supplier_terms(con, sku, supplier)["pack_size"])
    qty = int(lots["quantity"].iloc[0]) + pack
    _cli("review", "override", "--db", str(db), sku, "--quantity", str(qty))
    listed = _cli("review", "list", "--db", str(db), "--status", "overridden")
    header, row = listed.splitlines()[1:3]
    assert "decided qty" in header and "decided value" in header
    assert row.split()[0] == sku and f"{qty:,}" in row.split()
    huge = CliRunner().invoke(
        main, ["review", "override", "--db", str(db), sku, "--quantity", "99999999999"]
    )
    assert huge.exit_code == 2
    assert "Invalid value for '--quantity': '99999999999' units is above 1,000,000,000" in (
        huge.output
    )
    _cli("review", "approve", "--db", str(db), "--all")
    assert "no pending lots to approve" in _cli("review", "approve", "--db", str(db), "--all")


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("10.5", "'10.5' is not a whole number: a quantity is whole units (10 or 11?)"),
        ("ten", "'ten' is not a number: a quantity is whole units, e.g. 10"),
        ("1,000", "'1,000' is not a number: a quantity is whole units, e.g. 10 (write 1000, "),
        ("1.000", "'1.000': write 1000 for 1,000 units, without a thousands separator, or 1; "),
    ],
)
def test_cli_override_says_a_quantity_is_whole_units(db: Path, typed: str, said: str) -> None:
    """`--quantity 10.5` said "'10.5' is not a valid integer range"; '1.000' (a thousand, '.'
    grouping thousands in a German locale) is refused rather than read as one unit."""
    sku = _pending(db)["sku"].iloc[0]
    out = CliRunner().invoke(main, ["review", "override", "--db", str(db), sku, "--quantity",
                                    typed])  # fmt: skip
    assert out.exit_code == 2, out.output
    assert f"Invalid value for '--quantity': {said}" in " ".join(out.output.split())
    with warehouse.connect(db) as con:
        assert warehouse.decision_history(con).empty  # nothing recorded


@pytest.mark.parametrize(
    ("quantity", "said"),
    [
        (10.5, "10.5 is not a whole number: a quantity is whole units (10 or 11?)"),
        (1e20, "1e+20 units is above 1,000,000,000: a typo?"),
    ],
)
def test_review_form_says_a_quantity_is_whole_units(quantity: float, said: str) -> None:
    """The form's quantity 10.5 was refused in pydantic's words ('Input should be a valid
    integer, got a number with a fractional part'), 1e20 as 'Unable to parse input string as
    an integer, exceeded maximum size'; the terminal says why in the planner's words."""
    from pydantic import ValidationError

    from flows.review import LotInput, ReviewInput

    with pytest.raises(ValidationError) as error:
        ReviewInput(planner="dora", lots=[{"sku": "A", "action": "override", "quantity": quantity}])
    assert [e["msg"] for e in error.value.errors()] == [said]
    assert LotInput(sku="A", action="override", quantity=10.0).quantity == 10


def test_review_form_refuses_an_override_to_zero_units_naming_reject() -> None:
    """The form's override to 0 units was refused in the server's words ('0 is less than or
    equal to the minimum of 0'), naming no way to order nothing; a reject's 0 is taken."""
    from pydantic import ValidationError

    from flows.review import LotInput, ReviewInput

    for action in ("override", "approve"):
        with pytest.raises(ValidationError) as error:
            ReviewInput(planner="dora", lots=[{"sku": "A", "action": action, "quantity": 0}])
        assert [e["msg"] for e in error.value.errors()] == [
            "0 units orders nothing: to order nothing, set the action to reject"
        ]
    assert LotInput(sku="A", action="reject", quantity=0).quantity is None
    schema = ReviewInput.model_json_schema()["$defs"]["LotInput"]["properties"]["quantity"]
    assert {"type": "number", "minimum": 0} in schema["anyOf"]  # the server lets 0 through


def test_review_flow_refuses_a_quantity_of_part_units_in_the_terminals_words(db: Path) -> None:
    """Through the form (a real Prefect server), 10.5 was refused as '10.5 is not valid under
    any of the given schemas' (the server's check of the form's JSON schema), 1e20 passed it
    and failed the run with pydantic's raw message, 0 as '0 is less than or equal to the
    minimum of 0'. All are refused as an answer that breaks a rule, in the terminal's words,
    and the flow waits again."""
    sku = _pending(db)["sku"].iloc[0]
    with _paused_review(db, attempts=4) as (run_id, result):
        for quantity in (10.5, 1e20, 0):
            lot = {"sku": sku, "action": "override", "quantity": quantity}
            resume_flow_run(run_id, run_input={"planner": "dora", "lots": [lot]})
            assert _paused_run(db, time.monotonic() + 60) == run_id  # waits again
        reject = {"sku": sku, "action": "reject"}
        resume_flow_run(run_id, run_input={"planner": "dora", "lots": [reject]})
    assert result["status"] == "decided" and result["recorded"] == 1
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[REFUSED_KEY])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])),
        )
    refusals = sorted(str(a.data) for a in found)
    assert refusals == [
        "# Review answer refused\n\nrefused, nothing recorded: lots[0].quantity: 0 units orders "
        "nothing: to order nothing, set the action to reject",
        "# Review answer refused\n\nrefused, nothing recorded: lots[0].quantity: 10.5 is not "
        "a whole number: a quantity is whole units (10 or 11?)",
        "# Review answer refused\n\nrefused, nothing recorded: lots[0].quantity: 1e+20 units "
        "is above 1,000,000,000: a typo?",
    ]


def test_a_review_answered_after_a_refusal_shows_the_recorded_answer(db: Path) -> None:
    """A run whose first answer was refused and whose second was recorded showed the artifacts
    pending-lots and review-refused only: its refusal looked like the last word (the recorded
    decisions were in the log alone)."""
    pending = _pending(db)
    sku, run_key = pending["sku"].iloc[0], pending["run_key"].iloc[0]
    with _paused_review(db, attempts=2) as (run_id, result):
        lot = {"sku": sku, "action": "override", "quantity": 10.5}
        resume_flow_run(run_id, run_input={"planner": "dora", "lots": [lot]})
        assert _paused_run(db, time.monotonic() + 60) == run_id  # waits again
        reject = {"sku": sku, "action": "reject"}
        resume_flow_run(run_id, run_input={"planner": "dora", "lots": [reject]})
    assert result["status"] == "decided"
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[DECIDED_KEY])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])),
        )
    assert [str(a.data) for a in found] == [
        f"# Review answer recorded\n\n1 decision on run {run_key} recorded by dora (1 reject); "
        f"{len(pending) - 1} lots left pending. An earlier answer was refused (artifact "
        "review-refused): nothing of it was recorded."
    ]


def _decided_on_another_run(tmp_path: Path, *skus: str) -> Path:
    """A warehouse whose night has two runs: `skus` approved by anna on run night-1, then
    night-1-budget published with its lots pending."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db = tmp_path / "wh.duckdb"
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)
        decided = [warehouse.Decision(sku, "approve") for sku in skus]
        warehouse.record_decisions(con, decided, decided_by="anna")
        _publish(con, AS_OF, "night-1-budget", 150.0)
    return db


def test_review_list_names_the_decisions_on_another_run_of_the_night(tmp_path: Path) -> None:
    """A rerun with a budget is published with its lots pending; the planner's approvals on
    the first run of the night still count, and the list says where they are."""
    db = _decided_on_another_run(tmp_path, "A")
    out = CliRunner().invoke(main, ["review", "list", "--db", str(db)], catch_exceptions=False)
    assert "2 pending lots of run night-1-budget" in out.output
    assert "note: 1 lot of this night was decided on run night-1 (another run" in out.output
    assert (
        "note: A: approved 200 from S1 on run night-1 (another run of this night), which counts "
        "for the night; `--all` leaves this lot alone: name the sku to decide it on this run"
    ) in out.output
    # `approve --all` on the rerun approved A again: the ERP then carried both proposals
    out = CliRunner().invoke(main, ["review", "approve", "--db", str(db), "--all"],
                             catch_exceptions=False)  # fmt: skip
    assert out.output.splitlines() == [
        "left alone: 1 lot whose item was decided on another run of this night (A); name a sku "
        "to decide it on this run",
        "B: approve (20 from S1) by " + out.output.splitlines()[1].rsplit(" by ", 1)[1],
    ]
    with warehouse.connect(db) as con:
        assert warehouse.approved_lots(con)[["po_id", "quantity"]].values.tolist() == [
            ["RV-night-1-A", 200], ["RV-night-1-budget-B", 20]]  # fmt: skip


def test_export_names_a_lot_decided_again_after_the_erp_took_the_nights_first_one(
    tmp_path: Path,
) -> None:
    """A approved (200) on run night-1 and ordered (the ERP carries RV-night-1-A); then the
    planner approved A on the budget rerun (150). The export wrote RV-night-1-budget-A without
    a word, while no later plan counts it: placed as well, A had two orders (350)."""
    from tests.warehouse.conftest import AS_OF, write_folder

    db = _decided_on_another_run(tmp_path, "A")
    _cli("review", "approve", "--db", str(db), "A")
    erp = "po_id,sku,supplier_id,quantity,due_date\nRV-night-1-A,A,S1,200,2024-04-15\n"
    with warehouse.connect(db) as con:
        folder = write_folder(tmp_path / "next", open_orders__csv=erp)
        warehouse.load_folder(con, folder, AS_OF + timedelta(days=1))
    exported = _cli("export", "--db", str(db), "--out", str(tmp_path / "out"))
    assert (
        "note: A: the ERP carries RV-night-1-A (200), a lot of another run of this night; "
        "RV-night-1-budget-A (150 from S1) was decided after and no plan counts it as an open "
        "order: change the ERP's order rather than placing a second one"
    ) in exported.splitlines()
    assert "note: A:" not in _cli("export", "--db", str(db), "--out", str(tmp_path / "o2"),
                                  "--supplier", "S2")  # fmt: skip


def _approved_after_plan(tmp_path: Path) -> Path:
    """A warehouse whose night-2 (A 180, B 20 from S1) is published, pending, and whose
    night-1 A (200) anna then approved: a review form answered late, which night-2's plan
    does not count."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db = tmp_path / "wh.duckdb"
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF + timedelta(days=1))
        _publish(con, AS_OF + timedelta(days=1), "night-2", 180.0)
        warehouse.record_decisions(con, [warehouse.Decision("A", "approve")],
                                   decided_by="anna", run_key="night-1")  # fmt: skip
    return db


def test_review_list_names_a_lot_an_earlier_night_approved_after_this_plan_was_made(
    tmp_path: Path,
) -> None:
    """Night-1's review form answered after night-2 was published approved A (200); night-2's
    plan had not counted it, and `review list` showed night-2's A (180) pending without a
    word: approved as well, A had two orders."""
    from tests.warehouse.conftest import AS_OF

    db = _approved_after_plan(tmp_path)
    note = (
        f"note: A: 200 from S1 was approved on the night of {AS_OF} (RV-night-1-A) after this "
        "plan was made, which does not count it: approving this lot (180 from S1) as well "
        "orders the item twice; reject it, or rerun the night to plan with that lot"
    )
    assert note in _cli("review", "list", "--db", str(db)).splitlines()
    assert note not in _cli("review", "list", "--db", str(db), "--sku", "B").splitlines()


def test_approve_all_leaves_alone_a_lot_an_earlier_night_approved_after_this_plan_was_made(
    tmp_path: Path,
) -> None:
    """`review list` warned that night-2's A (180) orders the item twice beside night-1's A
    (200), approved after night-2's plan was made, but `approve --all` approved it without a
    word: two orders. It now leaves A pending, says why and how to approve it by name."""
    db = _approved_after_plan(tmp_path)
    out = _cli("review", "approve", "--db", str(db), "--all", "--by", "ben")
    command = warehouse.command_line("reorder", "review", "approve", "--db", db.resolve(), "A")
    assert out.splitlines()[0] == (
        "left alone: 1 lot whose item an earlier night approved after this plan was made (A): "
        "approving it as well orders the item twice; reject it, or approve by name to order "
        f"both: {command}"
    )
    with warehouse.connect(db) as con:
        status = warehouse.review_lots(con, status=None).set_index("sku")["status"]
    assert status.to_dict() == {"A": "pending", "B": "approved"}
    # the same with --supplier; by name, it is approved as the planner chose
    again = _cli("review", "approve", "--db", str(db), "--all", "--supplier", "S1")
    assert again.startswith("left alone: 1 lot") and len(again.splitlines()) == 1
    assert "A: approve (180 from S1)" in _cli("review", "approve", "--db", str(db), "A")


def test_review_flow_shows_and_leaves_alone_a_lot_approved_after_this_plan_was_made(
    tmp_path: Path, caplog
) -> None:
    """The review flow's pending-lots artifact showed night-2's A (180) without the warning
    `review list` gives, and the form's approve all approved it beside night-1's A (200),
    approved after night-2's plan was made: two orders. Now the artifact and the log warn,
    and approve all leaves A pending, saying so."""
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.review import PENDING_KEY

    db = _approved_after_plan(tmp_path)
    with _paused_review(db) as (run_id, result):
        resume_flow_run(run_id, run_input={"planner": "dora", "approve_all": True})
    assert result["status"] == "decided" and result["recorded"] == 1
    assert [note.split(" after")[0] for note in result["late"]] == [
        "A: 200 from S1 was approved on the night of 2024-03-31 (RV-night-1-A)"
    ]
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[PENDING_KEY]))
        )
    newest = max(found, key=lambda a: a.created)
    assert (
        "## Approved on an earlier night after this plan was made (approve all leaves them)\n\n"
        "- A: 200 from S1 was approved on the night of 2024-03-31"
    ) in str(newest.data)
    assert (
        "left alone: 1 lot whose item an earlier night approved after this plan was made (A): "
        "approving it as well orders the item twice; reject it, or list it in the form with "
        "action approve to order both"
    ) in caplog.text
    # the review-decided artifact says why a lot stayed pending (it was in the log alone)
    with get_client(sync_client=True) as client:
        decided = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[DECIDED_KEY])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])),
        )
    assert "1 lot left pending.\n\n## Notes\n\n- left alone: 1 lot whose item an earlier " in (
        str(decided[0].data)
    )
    with warehouse.connect(db, read_only=True) as con:
        lots = warehouse.review_lots(con, status=None).set_index("sku")
    assert lots.loc["A", "status"] == "pending" and lots.loc["B", "status"] == "approved"


def test_override_to_zero_units_points_to_reject(tmp_path: Path) -> None:
    """`override --quantity 0` said only 'quantity 0 must be a positive whole number': the
    way to order nothing, a reject, was not named."""
    db = _approved_after_plan(tmp_path)
    bad = CliRunner().invoke(main, ["review", "override", "--db", str(db), "A", "--quantity", "0"])
    command = warehouse.command_line("reorder", "review", "reject", "--db", db.resolve(), "A")
    assert bad.exit_code == 1 and bad.output == (
        "Error: sku A: an override of 0 units orders nothing; to order nothing, reject the "
        f"lot: {command}\n"
    )
    with warehouse.connect(db) as con:
        assert warehouse.decision_history(con)["run_key"].tolist() == ["night-1"]


def test_review_list_of_a_supplier_names_the_decisions_on_another_run_of_its_items_only(
    tmp_path: Path,
) -> None:
    """`review list --supplier S2` said "2 lots of this night were decided on run night-1"
    when one of them was an item of S2's lots (and, for a supplier without lots, both): the
    note counts and names the items of the supplier's lots, as `--sku` does."""
    db = _decided_on_another_run(tmp_path, "A", "B")
    _cli("review", "override", "--db", str(db), "A", "--supplier", "S2", "--quantity", "100")
    everything = _cli("review", "list", "--db", str(db), "--status", "all")
    assert "note: 2 lots of this night were decided on run night-1 (another run" in everything
    of_s2 = _cli("review", "list", "--db", str(db), "--status", "all", "--supplier", "S2")
    assert of_s2.startswith("1 lot of supplier S2 of run night-1-budget:")
    notes = [line for line in of_s2.splitlines() if "decided on run night-1 " in line]
    assert notes == [
        "note: 1 lot of these items (A) was decided on run night-1 (another run of the same "
        "night); the newest decision per sku counts as an open order and is in `reorder export`"
    ]
    of_s1 = _cli("review", "list", "--db", str(db), "--supplier", "S1")
    assert "note: 1 lot of these items (B) was decided on run night-1 " in of_s1
    # a supplier's list with a sku of another supplier's lot: nothing of that item
    none = _cli("review", "list", "--db", str(db), "--supplier", "S1", "--sku", "A")
    assert none.startswith("no pending lots of supplier S1 of sku A")
    assert "decided on run night-1 " not in none


def test_the_review_form_leaves_lots_decided_on_another_run_of_the_night_alone() -> None:
    from flows.review import ReviewInput, decisions_from_input

    pending = pd.DataFrame({
        "sku": ["A", "B", "C"], "supplier_id": ["S1", "S1", "S2"], "run_key": "night-1-budget",
        "quantity": [200.0, 20.0, 5.0], "unit_price": 1.0, "order_value": [200.0, 20.0, 5.0],
        "reason": "r", "other_run_key": ["night-1", None, None],
        "other_action": ["approve", None, None], "other_quantity": [200.0, None, None],
        "other_supplier_id": ["S1", None, None],
    })  # fmt: skip
    every = decisions_from_input(pending, ReviewInput(planner="p", approve_all=True))
    by_supplier = decisions_from_input(pending, ReviewInput(planner="p", approve_suppliers=["S1"]))
    named = ReviewInput(planner="p", lots=[{"sku": "A", "action": "reject"}], approve_all=True)
    assert [d.sku for d in every] == ["B", "C"] and [d.sku for d in by_supplier] == ["B"]
    assert [(d.sku, d.action) for d in decisions_from_input(pending, named)] == [
        ("A", "reject"), ("B", "approve"), ("C", "approve")]  # fmt: skip
    form = pending_markdown(pending, "wh.duckdb")
    # the lots left to decide head the table (after a what-if rerun of a decided night the
    # decided ones filled it), and the form shows only the first `limit`
    rows = [line.split(" | ")[0] for line in form.splitlines() if line.startswith("| ")]
    assert rows[-3:] == ["| B", "| C", "| A"]
    assert "| A |" not in pending_markdown(pending.assign(run_id="r"), "wh.duckdb", limit=2)
    # the form has no --all: it said "`--all` leaves this lot alone: name the sku"
    assert (
        "- A: approved 200 from S1 on run night-1 (another run of this night), which counts for "
        "the night; approve all leaves this lot alone: list its sku under lots to decide it on "
        "this run"
    ) in form
    assert "--all" not in form


def test_a_run_names_the_decisions_on_another_run_of_its_night(tmp_path: Path) -> None:
    """`reorder run` prints the same note under its summary (the flow's summary
    `decision_notes`): its own lots start pending."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db = tmp_path / "wh.duckdb"
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)
    assert _decision_notes(db, "night-1") == []
    with warehouse.connect(db) as con:
        warehouse.record_decisions(con, [warehouse.Decision("A", "approve")], decided_by="anna")
        _publish(con, AS_OF, "night-1-budget", 150.0)
    assert _decision_notes(db, "night-1-budget")[0].startswith(
        "1 lot of this night was decided on run night-1 (another run of the same night)"
    )


def test_a_note_of_decisions_on_another_run_says_how_it_planned_when_its_periods_differ(
    tmp_path: Path,
) -> None:
    """After a monthly rerun replaced the weekly plan the planner had decided on, the note read
    '1 lot of this night was decided on run night-1 (another run of the same night)': nothing
    said that run planned weekly (its lots differ a lot from monthly ones)."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db = tmp_path / "wh.duckdb"
    weekly, monthly = {"freq": "W", "horizon": 13}, {"freq": "M", "horizon": 13}
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        _publish(con, AS_OF, "night-1", 200.0, parameters=weekly)
        warehouse.record_decisions(con, [warehouse.Decision("A", "approve")], decided_by="anna")
        _publish(con, AS_OF, "night-1-budget", 150.0, parameters={**weekly, "budget": 900.0})
        _publish(con, AS_OF, "night-1-monthly", 290.0, parameters=monthly)
    note = (
        "1 lot of this night was decided on run night-1 (another run of the same night, planned "
        "weekly, horizon 13 weeks); the newest decision per sku counts as an open order"
    )
    assert f"note: {note}" in _cli("review", "list", "--db", str(db))
    assert _decision_notes(db, "night-1-monthly")[0].startswith(note)
    # a run in the same periods (a budget what-if): the note as before
    assert _decision_notes(db, "night-1-budget")[0].startswith(
        "1 lot of this night was decided on run night-1 (another run of the same night); the newest"
    )


def _decision_notes(db: Path, run_key: str, published: bool = True) -> list[str]:
    """The notes a run of run_key shows on its night's decisions (`reorder run`, the run
    summary artifact, the report)."""
    from flows.console import decision_notes

    with warehouse.connect(db, read_only=True) as con:
        return decision_notes(con, run_key, published)


def _rerun_after_decisions(tmp_path: Path, action_b: str, rerun_a: float) -> Path:
    """A warehouse whose night-1 recommended A 200 and B 20, A approved and B decided with
    `action_b`, then rerun (same run_key) with A at `rerun_a` units."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db = tmp_path / "wh.duckdb"
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)
        decisions = [warehouse.Decision("A", "approve"), warehouse.Decision("B", action_b)]
        warehouse.record_decisions(con, decisions, decided_by="anna")
        _publish(con, AS_OF, "night-1", rerun_a)
    return db


def test_a_rerun_that_changes_a_decided_lot_says_so_in_run_list_and_export(tmp_path: Path) -> None:
    """A rerun of the night (corrected stock) no longer recommends the approved lot: the
    approval still counts (nothing a planner decided is dropped), and the run, the list and
    the export say which decision was made on another recommendation (a probe exported 780.00
    for a lot the plan no longer wanted, labelled as an approval, without a word)."""

    db = _rerun_after_decisions(tmp_path, "reject", 0.0)  # no order of A any more
    note = (
        "A: approved 200 from S1; the latest run of the night recommends no order; it still "
        "counts as an open order and is in `reorder export`: decide again with `reorder review` "
        "if it should change"
    )
    assert _decision_notes(db, "night-1", published=True) == [note]  # B is unchanged: no note
    # a run that is not the published one (an earlier night): review and export cannot act
    assert _decision_notes(db, "night-1", published=False) == [
        "A: approved 200 from S1; the latest run of the night recommends no order; it still "
        "counts as an open order: `reorder review` and `export` act on the published plan, not "
        "on this night"
    ]
    listed = _cli("review", "list", "--db", str(db), "--status", "all")
    assert f"note: {note}" in listed and listed.startswith("2 lots of run ")  # not "2 all lots"
    exported = _cli("export", "--db", str(db), "--out", str(tmp_path / "out"))
    assert "1 lot, 1 supplier, order value 400.00" in exported and f"note: {note}" in exported


def test_changed_notes_word_rejections_overrides_and_items_left_out_of_the_plan() -> None:
    from flows.console import changed_notes

    changed = pd.DataFrame(
        {
            "sku": ["K", "M"],
            "action": ["reject", "override"],
            "supplier_id": [None, "S2"],
            "quantity": [0.0, 400.0],
            "recommended_supplier_id": ["S1", "S1"],
            "recommended_quantity": [109192.0, 500.0],
            "supplier_id_now": ["S1", None],
            "quantity_now": [200.0, None],
        }
    )
    k, m = changed_notes(changed)
    assert k.startswith(
        "K: rejected 109,192 from S1; the latest run of the night recommends 200 from S1; "
        "the rejection still holds: decide again"
    )
    assert m.startswith(
        "M: overridden to 400 from S2 (500 from S1 recommended); the latest run of the night "
        "recommends no lot (the item is not in the plan); it still counts as an open order"
    )
    # a rerun of an old night whose lot the ERP took: its order counts, and changes there
    (carried,) = changed_notes(changed.iloc[[1]].assign(erp_quantity=160.0), published=False)
    assert carried == (
        "M: overridden to 400 from S2 (500 from S1 recommended); the latest run of the night "
        "recommends no lot (the item is not in the plan); the ERP carries it (160 open), which "
        "counts as the open order: change it in the ERP if it should change"
    )


def test_review_flow_names_decisions_a_rerun_no_longer_recommends(tmp_path: Path) -> None:
    """Nothing is pending after the planner decided every lot, but a rerun changed one: the
    flow says so (its result and a warning) instead of only "nothing to review"."""

    db = _rerun_after_decisions(tmp_path, "approve", 300.0)
    result = review(db_path=str(db), wait="pause", timeout_seconds=5)
    assert result["status"] == "nothing to review"
    assert [n.split(";")[:2] for n in result["changed"]] == [
        ["A: approved 200 from S1", " the latest run of the night recommends 300 from S1"]
    ]


def _rejected_then_recommended_again(tmp_path: Path) -> Path:
    """A warehouse whose night 1 recommended B 20, rejected ('phase out'), and whose night 2
    recommends B 30 again, pending."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db = tmp_path / "wh.duckdb"
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)
        rejected = warehouse.Decision("B", "reject", comment="phase out")
        warehouse.record_decisions(con, [rejected], decided_by="anna")
        _publish(con, AS_OF + timedelta(days=1), "night-2", 200.0, qty_b=30.0)
    return db


def test_a_lot_rejected_on_an_earlier_night_is_named_when_recommended_again(tmp_path: Path) -> None:
    """A planner rejected a 330-unit lot on night 1; night 2 recommended it again, pending,
    and neither `review list` nor the run said it had been rejected."""
    from tests.warehouse.conftest import AS_OF

    db = _rejected_then_recommended_again(tmp_path)
    note = (
        f"B: 20 from S1 was rejected on the night of {AS_OF:%Y-%m-%d} (by anna: 'phase out'); "
        "tonight's plan recommends 30 from S1"
    )
    assert f"note: {note}\n" in _cli("review", "list", "--db", str(db))
    assert _decision_notes(db, "night-2") == [note]
    markdown = pending_markdown(_pending(db), str(db), rejected=[note])
    assert markdown.endswith(f"## Rejected on an earlier night, recommended again\n\n- {note}")


def test_review_flow_shows_lots_rejected_on_an_earlier_night(tmp_path: Path) -> None:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.review import PENDING_KEY
    from tests.warehouse.conftest import AS_OF

    db = _rejected_then_recommended_again(tmp_path)
    result = review(db_path=str(db), wait="pause", timeout_seconds=2, poll_seconds=1)
    assert result["status"] == "timed out" and result["pending"] == 2
    assert [n.split(" (by")[0] for n in result["rejected"]] == [
        f"B: 20 from S1 was rejected on the night of {AS_OF:%Y-%m-%d}"
    ]
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[PENDING_KEY]))
        )
    newest = max(found, key=lambda a: a.created)
    assert "## Rejected on an earlier night, recommended again\n\n- B: 20 from S1 was rejected" in (
        str(newest.data)
    )


def test_the_review_flow_says_which_lots_approve_all_left_alone(tmp_path: Path, caplog) -> None:
    """The form's approve all left the lots decided on another run of the night pending and
    logged only '0 decisions recorded ..., 1 lots left pending'; it now says why, as
    `review approve --all` does (README, Reviewing lots)."""
    db = _decided_on_another_run(tmp_path, "A")
    with _paused_review(db) as (run_id, result):
        resume_flow_run(run_id, run_input={"planner": "dora", "approve_all": True})
    assert result["status"] == "decided" and result["recorded"] == 1
    assert (
        "left alone: 1 lot whose item was decided on another run of this night (A); name a sku "
        "to decide it on this run"
    ) in caplog.text
    with warehouse.connect(db, read_only=True) as con:
        lots = warehouse.review_lots(con).set_index("sku")
    assert lots.loc["A", "status"] == "pending" and lots.loc["B", "status"] == "approved"


def _with_order_costs(tmp_path: Path) -> Path:
    """The small warehouse of test_decisions (lots A and B from S1; S2 offers A) with S1's
    order_cost 120 and S2's 80: the plan put A and B on S1's purchase order."""
    from tests.warehouse.conftest import AS_OF, write_folder
    from tests.warehouse.test_decisions import _publish

    db = tmp_path / "wh.duckdb"
    with warehouse.connect(db) as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        con.execute("UPDATE suppliers SET order_cost = CASE supplier_id WHEN 'S1' THEN 120 "
                    "ELSE 80 END")  # fmt: skip
        _publish(con, AS_OF, "night-1", 200.0)
    return db


def test_a_decision_that_adds_or_empties_a_purchase_order_says_so(tmp_path: Path) -> None:
    """Overriding A to S2 added S2's order_cost 80 to the night and rejecting B emptied S1's
    order (120 not paid): `review override` / `reject` printed only the decision, and the
    export gave the order value alone; each now says what it does to the purchase orders,
    and the export counts each order_cost once, on its supplier's sheet too."""
    db = _with_order_costs(tmp_path)
    out = _cli("review", "override", "--db", str(db), "A", "--supplier", "S2", "--quantity", "55")
    assert out.splitlines()[1:] == [
        "note: B is now the only lot on S1's purchase order tonight and pays its order_cost "
        "120.00 alone (the plan shared it among 2 lots: A, B)",
        "note: A: this adds a purchase order with S2 (order_cost 80.00) that no other approved "
        "or pending lot of tonight shares (the plan placed none with S2)",
    ]
    out = _cli("review", "reject", "--db", str(db), "B")
    assert out.splitlines()[1:] == [
        "note: S1's purchase order tonight now has no lot: its order_cost 120.00 is not paid "
        "(the plan put A, B on it)"
    ]
    listed = _cli("review", "list", "--db", str(db), "--status", "all", "--supplier", "S2")
    assert "note: A: this adds a purchase order with S2 (order_cost 80.00)" in listed
    out = _cli("export", "--db", str(db), "--out", str(tmp_path / "out"))
    assert (
        "1 lot, 1 supplier, order value 121.00, order costs 80.00 of 1 supplier (once per "
        "purchase order, apart from the order value)"
    ) in out
    assert "note: S1's purchase order tonight now has no lot" in out
    sheet = load_workbook(next((tmp_path / "out").glob("*.xlsx")))["S2"]
    assert sheet["A3"].value == (
        "Order cost 80.00 once for this purchase order (suppliers.csv order_cost), not in the "
        "order values or the total"
    )
    assert "order_cost" not in pd.read_csv(next((tmp_path / "out").glob("*.csv"))).columns


def test_the_review_form_logs_what_its_decisions_do_to_the_purchase_orders(
    tmp_path: Path, caplog
) -> None:
    """The form records decisions by the same code as the terminal: rejecting both lots of
    S1's purchase order logs that its order_cost is not paid."""
    db = _with_order_costs(tmp_path)
    with _paused_review(db) as (run_id, result):
        lots = [{"sku": sku, "action": "reject"} for sku in ("A", "B")]
        resume_flow_run(run_id, run_input={"planner": "dora", "lots": lots})
    assert result["status"] == "decided" and result["recorded"] == 2
    assert (
        "S1's purchase order tonight now has no lot: its order_cost 120.00 is not paid (the plan "
        "put A, B on it)"
    ) in caplog.text


def test_an_override_to_a_slower_supplier_says_how_much_later_the_lot_comes(tmp_path: Path) -> None:
    """Overriding A from S1 (14 days) to S2 (60 days here) printed only the decision: a lot
    46 days later than the one the plan's stock and stockout risk assumed went by without a
    word. An override to a supplier no slower says nothing."""
    db = _with_order_costs(tmp_path)
    with warehouse.connect(db) as con:
        con.execute("UPDATE suppliers SET lead_time = 60 WHERE supplier_id = 'S2'")
        s1 = warehouse.supplier_terms(con, "A", "S1")["lead_time"]
    out = _cli("review", "override", "--db", str(db), "A", "--supplier", "S2", "--quantity", "55")
    with warehouse.connect(db, read_only=True) as con:
        due = warehouse.decision_history(con)["due_date"].iloc[0]
    assert (
        f"note: A: S2 delivers in 60 days (due {due:%Y-%m-%d}), {60 - s1:,.0f} days after S1's "
        f"recommended lot ({s1:,.0f} days): the plan's stockout risk assumed S1's"
    ) in out.splitlines()
    with warehouse.connect(db) as con:
        con.execute("UPDATE suppliers SET lead_time = ? WHERE supplier_id = 'S2'", [s1])
    again = _cli("review", "override", "--db", str(db), "A", "--supplier", "S2", "--quantity", "60")
    assert "delivers in" not in again


def test_a_slower_supplier_note_compares_with_the_lead_time_the_plan_used(tmp_path: Path) -> None:
    """The plan recommended A from S1 at 14 days; a later load of suppliers.csv (S1 50 days,
    S2 44) made the override to S2 say nothing (44 is not above 50), though S2's lot comes 30
    days after the one the plan's stockout risk assumed. The note compares with the 14 days
    the run planned with; S2's 44 are its offer's now, which the due date counts."""
    from tests.warehouse import conftest

    db = _with_order_costs(tmp_path)
    slower = "supplier_id,name,lead_time,fixed_cost\nS1,Acme,50,50\nS2,Brix,44,30\n"
    with warehouse.connect(db) as con:
        folder = conftest.write_folder(tmp_path / "in", suppliers__csv=slower)
        warehouse.load_folder(con, folder, conftest.AS_OF + timedelta(days=1))
        assert warehouse.supplier_terms(con, "A", "S1")["lead_time"] == 50.0
    out = _cli("review", "override", "--db", str(db), "A", "--supplier", "S2", "--quantity", "55")
    with warehouse.connect(db, read_only=True) as con:
        due = warehouse.decision_history(con)["due_date"].iloc[0]
    assert (
        f"note: A: S2 delivers in 44 days (due {due:%Y-%m-%d}), 30 days after S1's recommended "
        "lot (14 days): the plan's stockout risk assumed S1's"
    ) in out.splitlines()


def _artifact_texts(run_id: str, key: str) -> list[str]:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])),
        )
    return [str(a.data) for a in found]


def test_the_review_form_marks_a_one_off_its_pending_lots_rest_on(
    demo_dir: Path, tmp_path: Path, caplog
) -> None:
    """A lot resting on one recent demand named the terminal's `reorder review one-off` in its
    reason: a planner reviewing in the Prefect UI could not mark the day. The pending-lots
    artifact now says how to list it under one_offs; the form marks it with the planner as
    marked_by, beside the decisions, and the decided artifact says what it marked. The same
    answer again keeps one mark."""
    caplog.set_level(logging.INFO, logger="prefect.flow_runs")
    db = tmp_path / "reorder.duckdb"
    nightly(as_of=AS_OF, data_dir=str(_spiked_folder(demo_dir, tmp_path)), db_path=str(db),
            horizon=8, scenarios=60)  # fmt: skip
    reason = _pending(db).set_index("sku").loc["SPIKE-1", "reason"]
    assert reason.endswith(f"reorder review one-off --db {db} SPIKE-1 2026-06-24")
    hint = (
        "SPIKE-1: if the 161 units ordered on 2026-06-24 are a one-off, list them under one_offs "
        "in this form (sku SPIKE-1, order_date 2026-06-24): from the next run on the forecast "
        "leaves them out; this run's lot was planned with them, approve all approves it as it is"
    )
    answer = {
        "planner": "erik",
        "lots": [{"sku": "SPIKE-1", "action": "reject", "comment": "project order"}],
        "one_offs": [{"sku": "SPIKE-1", "order_date": "2026-06-24", "note": "project order"}],
    }
    with _paused_review(db) as (run_id, result):
        (pending_text,) = _artifact_texts(run_id, PENDING_KEY)
        assert f"## Resting on one recent demand: a one-off?\n\n- {hint}" in pending_text
        assert reason in pending_text  # the stored reason is shown as it is
        resume_flow_run(run_id, run_input=answer)
    assert result["status"] == "decided" and result["recorded"] == 1
    assert f"one recent demand: {hint}" in caplog.text
    marked = (
        "SPIKE-1 2026-06-24: marked as a one-off (1 order line, 161 units): the next run's "
        "forecast leaves them out"
    )
    (decided,) = _artifact_texts(run_id, DECIDED_KEY)
    assert f"## One-offs\n\n- {marked}" in decided
    assert marked in caplog.text
    with warehouse.connect(db, read_only=True) as con:
        marks = warehouse.one_offs(con)
        history = warehouse.decision_history(con)
    assert marks[["sku", "order_date", "units", "note", "marked_by"]].to_dict("records") == [
        {"sku": "SPIKE-1", "order_date": pd.Timestamp("2026-06-24"), "units": 161.0,
         "note": "project order", "marked_by": "erik"}
    ]  # fmt: skip
    assert history[["sku", "action", "decided_by"]].values.tolist() == [
        ["SPIKE-1", "reject", "erik"]
    ]
    with _paused_review(db) as (run_id, result):  # the same answer on a second review
        assert "a one-off?" not in _artifact_texts(run_id, PENDING_KEY)[0]  # marked: no hint
        resume_flow_run(run_id, run_input=answer)
    assert result["status"] == "decided"
    with warehouse.connect(db, read_only=True) as con:
        assert len(warehouse.one_offs(con)) == 1
    assert (
        "SPIKE-1 2026-06-24: already marked as a one-off (1 order line, 161 units), note kept"
    ) in _artifact_texts(run_id, DECIDED_KEY)[0]


def _order_day(db: Path) -> tuple[str, str, float]:
    """An item's latest order day in `db`: sku, day (YYYY-MM-DD), units."""
    with warehouse.connect(db, read_only=True) as con:
        sku, day, units = con.execute(
            "SELECT sku, order_date, sum(quantity) FROM order_lines GROUP BY ALL "
            "ORDER BY order_date DESC, sku LIMIT 1"
        ).fetchone()
    return sku, f"{day:%Y-%m-%d}", float(units)


def test_a_review_form_with_a_bad_one_off_day_is_refused_whole_naming_it(db: Path) -> None:
    """A one-off on a day without the item's order lines refuses the whole answer, its
    approve all and its good one-off with it, naming the day beside a lot refused (log and
    artifact review-refused); the flow waits again, and an answer without them is recorded."""
    pending = _pending(db)
    sku, day, units = _order_day(db)
    good = {"sku": sku, "order_date": day, "note": "typo"}
    bad = {"sku": sku, "order_date": "2020-01-01"}
    answer = {"planner": "erik", "approve_all": True, "one_offs": [good]}
    with _paused_review(db, attempts=2) as (run_id, result):
        nope = {"sku": "NOPE-1", "action": "reject"}
        resume_flow_run(run_id, run_input={**answer, "lots": [nope], "one_offs": [good, bad]})
        assert _paused_run(db, time.monotonic() + 60) == run_id  # waits again
        with warehouse.connect(db, read_only=True) as con:
            assert warehouse.one_offs(con).empty and warehouse.decision_history(con).empty
        (refused,) = _artifact_texts(run_id, REFUSED_KEY)
        assert refused == (
            "# Review answer refused\n\nrefused, nothing recorded: sku NOPE-1: not among the "
            f"lots of this run; one_offs: sku {sku}: no order line on 2020-01-01 (none within a "
            "week of it either)"
        )
        resume_flow_run(run_id, run_input=answer)
    assert result["status"] == "decided" and result["recorded"] == len(pending)
    with warehouse.connect(db, read_only=True) as con:
        marks = warehouse.one_offs(con)
    assert marks[["sku", "units", "marked_by"]].values.tolist() == [[sku, units, "erik"]]


def test_a_lot_approved_with_the_one_off_the_same_answer_marks_gets_a_note() -> None:
    """Approve all beside a one-off of the lot's item approved the lot planned with it, and
    said nothing; a reject or another item's lot gets no note."""
    recorded = pd.DataFrame({"sku": ["P-84518", "P-1", "P-2"], "quantity": [79.0, 5.0, 0.0],
                             "action": ["approve", "approve", "reject"]})  # fmt: skip
    marked = [warehouse.Marked("P-84518", date(2026, 12, 1), 1, 161.0, True),
              warehouse.Marked("P-2", date(2026, 12, 2), 1, 40.0, True)]  # fmt: skip
    assert approved_one_off_notes(recorded, marked) == [
        "P-84518: its lot of 79 units, approved, was planned with the 161 units of 2026-12-01 "
        "just marked as a one-off: the next run plans without them; reject or override the lot "
        "if it is too large"
    ]
