"""What changed in the lots since the night before: two real nights of the demo (real Prefect,
DuckDB and HiGHS), the second with stock and prices moved so that known items change."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import warehouse
from flows.artifacts import summary_markdown
from flows.change_text import SAME_DRIVERS, change_drivers, changes_headline, since_texts
from flows.cli import main
from flows.console import limits_unlike
from tests.flows.conftest import AS_OF

NIGHT_1, NIGHT_2 = AS_OF - timedelta(days=1), AS_OF
HELD = 100_000  # units on hand: no lot for this item


def _cli(*args: str) -> str:
    out = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert out.exit_code == 0, out.output
    return out.output


def _run(data: Path, db: Path, night: date, *options: str) -> str:
    """`reorder run` of the night, small (8 weeks, 60 scenarios), with `options`: what it
    printed."""
    return _cli("run", "--data-dir", str(data), "--db", str(db), "--as-of", str(night),
                "--horizon", "8", "--scenarios", "60", *options)  # fmt: skip


def _new_item(data: Path) -> str:
    """The item without stock that sold most in the 8 weeks before night 1: planned with
    nothing on hand, it gets a lot."""
    stock = pd.read_csv(data / "stock.csv")
    lines = pd.read_csv(data / "order_lines.csv")  # its broken rows: no date, no number
    dates = pd.to_datetime(lines["order_date"], errors="coerce", format="%Y-%m-%d")
    lines["quantity"] = pd.to_numeric(lines["quantity"], errors="coerce")
    recent = lines[dates > pd.Timestamp(NIGHT_1 - timedelta(weeks=8))]
    sold = recent.groupby("sku")["quantity"].sum()
    empty = stock.loc[stock["on_hand"] == 0, "sku"]
    return str(sold.reindex(empty).sort_values(ascending=False).index[0])


def _pick(lots: pd.DataFrame, offers: pd.DataFrame) -> dict[str, str]:
    """Of night 1's lots (largest order value first), the items whose inputs night 2 moves:
    'other supplier' (its supplier's prices tripled; another offer as fast at most half as
    dear again), 'more' (its stock gone), 'fewer' (half its lot on hand more), 'dropped' (a
    large stock). `offers`: sku, supplier_id, moq, pack_size, lead_time (days), price (its
    lowest unit price)."""
    per_item = offers.groupby("sku")
    picked: dict[str, str] = {}

    def first(rule: object) -> str:
        sku = next(r.sku for r in lots.itertuples() if r.sku not in picked.values() and rule(r))
        return str(sku)

    def other_offer(r: object) -> bool:
        mine = per_item.get_group(r.sku)
        days = mine.loc[mine["supplier_id"] == r.supplier_id, "lead_time"].iloc[0]
        others = mine[(mine["supplier_id"] != r.supplier_id) & (mine["lead_time"] <= days)]
        return bool(((others["price"] <= 1.5 * r.unit_price) & (others["moq"] <= r.quantity)).any())

    picked["other supplier"] = first(other_offer)
    picked["more"] = first(lambda r: r.on_hand > 0)
    small = offers.groupby("sku")[["moq", "pack_size"]].max().max(axis=1)
    picked["fewer"] = first(lambda r: r.quantity >= 4 * small.get(r.sku, 1) and r.quantity >= 8)
    picked["dropped"] = first(lambda r: True)
    return picked


_OFFERS = """SELECT i.sku, i.supplier_id, i.moq, i.pack_size,
    coalesce(i.lead_time, s.lead_time) AS lead_time,
    (SELECT min(p.unit_price) FROM price_breaks AS p
     WHERE p.sku = i.sku AND p.supplier_id = i.supplier_id) AS price
FROM supplier_items AS i JOIN suppliers AS s USING (supplier_id)"""


@pytest.fixture(scope="module")
def nights(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Night 1 with one item held back by a large stock, then night 2 with its stock back and
    other items' stock and prices moved; what `run` and `changes` printed after each."""
    folder = tmp_path_factory.mktemp("changes")
    data, db = folder / "data", folder / "reorder.duckdb"
    shutil.copytree(demo_dir, data)
    stock = pd.read_csv(data / "stock.csv")
    new = _new_item(data)
    stock.assign(on_hand=stock["on_hand"].where(stock["sku"] != new, HELD)).to_csv(
        data / "stock.csv", index=False
    )
    run_1 = _run(data, db, NIGHT_1)
    first = _cli("changes", "--db", str(db))
    review_1 = _cli("review", "list", "--db", str(db))
    with warehouse.connect(db, read_only=True) as con:
        lots = warehouse.current_recommendations(con)
        offers = con.execute(_OFFERS).df()
    lots = lots[lots["quantity"] > 0].sort_values("order_value", ascending=False)
    lots["on_hand"] = lots["sku"].map(dict(zip(stock["sku"], stock["on_hand"], strict=True)))
    picked = {"new": new, **_pick(lots, offers)}
    quantity = dict(zip(lots["sku"], lots["quantity"], strict=True))
    moved = {picked["more"]: 0, picked["dropped"]: HELD}
    fewer = picked["fewer"]
    moved[fewer] = float(stock.set_index("sku").at[fewer, "on_hand"]) + quantity[fewer] // 2
    stock.assign(on_hand=[moved.get(s, h) for s, h in zip(stock["sku"], stock["on_hand"],
                                                          strict=True)]).to_csv(
        data / "stock.csv", index=False
    )  # fmt: skip
    breaks = pd.read_csv(data / "price_breaks.csv")
    supplier = lots.set_index("sku").at[picked["other supplier"], "supplier_id"]
    dear = (breaks["sku"] == picked["other supplier"]) & (breaks["supplier_id"] == supplier)
    breaks.loc[dear, "unit_price"] *= 3
    breaks.to_csv(data / "price_breaks.csv", index=False)
    run_2 = _run(data, db, NIGHT_2)
    return {"db": db, "picked": picked, "run_1": run_1, "first": first, "run_2": run_2,
            "changes": _cli("changes", "--db", str(db)), "review_1": review_1}  # fmt: skip


def _changes(db: Path, **kwargs: object) -> warehouse.LotChanges:
    with warehouse.connect(db, read_only=True) as con:
        return warehouse.lot_changes(con, **kwargs)


def test_each_kind_of_change_is_found_with_the_driver_that_moved(nights: dict) -> None:
    """Nothing said what changed since yesterday's plan: a planner compared two printouts.
    Each moved input gives its kind of change, with both nights' figures."""
    found = _changes(nights["db"])
    assert (found.night, found.previous_night) == (NIGHT_2, NIGHT_1)
    lots = found.lots.set_index("sku")
    picked = nights["picked"]
    assert {kind: lots.at[sku, "kind"] for kind, sku in picked.items()} == {
        kind: kind for kind in picked
    }
    new, dropped = lots.loc[picked["new"]], lots.loc[picked["dropped"]]
    assert (new["on_hand_before"], new["on_hand_after"]) == (HELD, 0)
    assert new["quantity_before"] == 0 and new["quantity_after"] > 0
    assert pd.isna(new["supplier_id_before"]) and new["value_change"] == new["order_value_after"]
    assert (dropped["on_hand_after"], dropped["quantity_after"]) == (HELD, 0)
    assert dropped["value_change"] == -dropped["order_value_before"]
    more, fewer = lots.loc[picked["more"]], lots.loc[picked["fewer"]]
    assert more["on_hand_before"] > 0 and more["on_hand_after"] == 0
    assert fewer["on_hand_after"] > fewer["on_hand_before"]
    other = lots.loc[picked["other supplier"]]
    assert other["supplier_id_after"] != other["supplier_id_before"]
    # the drivers stored per run: forecast over the horizon, lead times of the lots
    assert found.lots["forecast_after"].notna().all() and (found.lots["forecast_after"] > 0).any()
    assert lots.loc[picked["more"], ["lead_time_before", "lead_time_after"]].notna().all()
    # counts: every kind, unchanged lots counted, not listed, largest change first
    assert sum(found.counts.values()) == len(found.lots)
    assert all(found.counts[k] >= 1 for k in warehouse.CHANGE_KINDS)
    assert "unchanged" not in set(found.changed["kind"])
    sizes = found.changed["value_change"].abs().tolist()
    assert sizes == sorted(sizes, reverse=True)


def test_changes_prints_the_counts_and_each_change_with_its_drivers(nights: dict) -> None:
    out, picked = nights["changes"], nights["picked"]
    found = _changes(nights["db"])
    counts = found.counts
    assert out.startswith(
        f"Lots of night {NIGHT_2} since the night of {NIGHT_1}: {counts['new']} new "
        f"lot{'' if counts['new'] == 1 else 's'}, {counts['dropped']} dropped, "
        f"{counts['more']} more, {counts['fewer']} fewer, {counts['other supplier']} other "
        f"supplier; {counts['unchanged']} unchanged ({found.kept} kept over a lot up to 0.2% "
        "cheaper)\n"
    )
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("P-")}
    assert set(rows) == set(found.changed["sku"])
    assert f"on hand {HELD:,} -> 0" in rows[picked["new"]]
    assert f" -> {HELD:,}" in rows[picked["dropped"]].split("on hand ")[1]
    assert "-> 0" in rows[picked["more"]].split("on hand ")[1]
    assert "price " in rows[picked["other supplier"]]
    assert " no order " in rows[picked["new"]] and " no order " in rows[picked["dropped"]]
    order = [line.split()[0] for line in out.splitlines() if line.startswith("P-")]
    assert order == found.changed["sku"].tolist()
    # --sku: the items asked for, an unchanged one too, and one without a lot on either night
    same = found.lots[found.lots["kind"] == "unchanged"]  # one whose drivers did not move
    same = same[[change_drivers(r).startswith(SAME_DRIVERS) for r in same.to_dict("records")]]
    unchanged = same["sku"].iloc[0]
    with warehouse.connect(nights["db"], read_only=True) as con:
        items = con.execute("SELECT sku FROM items ORDER BY sku").df()["sku"]
    idle = next(s for s in items if s not in set(found.lots["sku"]))
    some = _cli("changes", "--db", str(nights["db"]), "--sku", picked["new"], "--sku", unchanged,
                "--sku", idle)  # fmt: skip
    shown = [line.split()[0] for line in some.splitlines() if line.startswith("P-")]
    assert sorted(shown) == sorted([picked["new"], unchanged])
    assert "drivers the same (forecast " in some
    assert f"  {idle}: no lot on either night" in some


def test_the_run_prints_the_changes_line_and_its_summary_a_section(nights: dict) -> None:
    found = _changes(nights["db"])
    (line,) = [x for x in nights["run_2"].splitlines() if x.startswith("changes:")]
    assert line.startswith(f"changes:      since the night of {NIGHT_1}: ")
    assert line.endswith(f" (reorder changes --db {nights['db']})")
    (report,) = [x for x in nights["run_2"].splitlines() if x.startswith("report:")]
    html = Path(report.split()[1]).read_text(encoding="utf-8")
    assert "<h2>Changes since the night before</h2>" in html
    assert f"<td>{found.changed['sku'].iloc[0]}</td>" in html
    with warehouse.connect(nights["db"], read_only=True) as con:
        run_id = warehouse.latest_run(con)[0]
    changes = {"since": str(NIGHT_1), "counts": found.counts,
               "largest": [{"sku": "P-1", "change": "new", "before": "no order",
                            "after": "5 from S-1", "order value": "+10.00",
                            "why": "on hand 9 -> 0; not planned then: a|b"}]}  # fmt: skip
    markdown = summary_markdown(_summary(run_id, nights["db"], changes))
    assert "\n## Changes since the night before\n\nsince the night of " in markdown
    assert (
        "| P-1 | new | no order | 5 from S-1 | +10.00 | on hand 9 -> 0; not planned then: a\\|b |"
        in markdown
    )
    assert f"`reorder changes --db {nights['db']}`" in markdown


def _summary(run_id: str, db: Path, changes: dict) -> dict:
    """A run summary with `changes` and the least else `summary_markdown` reads."""
    return {"as_of": str(NIGHT_2), "run_id": run_id, "run_key": "k", "db_path": str(db),
            "optimal": True, "stage_seconds": {}, "lots": 1, "items_planned": 1, "spend": 0.0,
            "savings": 0.0, "expected_leftover_units": 0.0, "items_at_risk": 0,
            "items_held_back": 0, "items_unplannable": 0, "rows_quarantined": 0,
            "solver": "highs", "solver_status": "Optimal", "solver_gap": 0.0,
            "changes": changes}  # fmt: skip


def test_a_night_without_an_earlier_one_says_so(nights: dict) -> None:
    """The first night has nothing to compare with: said, no error."""
    assert nights["first"].strip() == (
        f"the night of {NIGHT_1} has no earlier night with a plan of all items to compare "
        "its lots with"
    )
    (line,) = [x for x in nights["run_1"].splitlines() if x.startswith("changes:")]
    assert line == (
        "changes:      none to show: no earlier night has a plan of all items to compare with"
    )
    first = _changes(nights["db"], run_key=_changes(nights["db"]).previous_run_key)
    assert first.previous_night is None and first.lots.empty and first.counts["new"] == 0


def test_since_names_the_night_compared_with_and_refuses_one_without_a_plan(
    nights: dict,
) -> None:
    found = _changes(nights["db"], since=NIGHT_1)
    assert found.previous_night == NIGHT_1
    for night, said in ((AS_OF - timedelta(days=30), "has no succeeded run"),
                        (NIGHT_2, "is not before the night compared")):  # fmt: skip
        out = CliRunner().invoke(main, ["changes", "--db", str(nights["db"]), "--since",
                                        str(night)])  # fmt: skip
        assert out.exit_code == 2 and said in out.output, out.output


def test_a_night_before_planned_with_other_limits_is_named(nights: dict, tmp_path: Path) -> None:
    """After a --budget what-if of the night before, `changes` compares with lots cut to fit
    the budget: it says so (helper h152's walk: the lots moved, no driver said why)."""
    folder = nights["db"].parent
    data, db = tmp_path / "data", tmp_path / "reorder.duckdb"
    shutil.copytree(folder / "data", data)
    shutil.copy(nights["db"], db)
    _cli("run", "--data-dir", str(data), "--db", str(db), "--as-of", str(NIGHT_1),
         "--horizon", "8", "--scenarios", "60", "--budget", "10000")  # fmt: skip
    assert "note: the night of" not in nights["changes"]
    out = _cli("changes", "--db", str(db))
    assert (
        f"note: the night of {NIGHT_1} was planned with budget 10,000 (this night: none): lots "
        "also move with the limits"
    ) in out, out
    summary = {"since": str(NIGHT_1), "counts": _changes(db).counts, "kept": 0,
               "limits": "budget 10,000 (this night: none)"}  # fmt: skip
    assert changes_headline(summary).startswith(
        f"since the night of {NIGHT_1} (planned with budget 10,000 (this night: none)): "
    )


def test_limits_unlike_names_each_limit_that_differs() -> None:
    this = {"budget": None, "capacity": 500.0, "service_level": 0.95, "max_orders": None}
    assert limits_unlike(dict(this), this) == ""
    assert limits_unlike({}, this) == ""  # parameters not stored
    assert limits_unlike({"budget": None}, this) == ""  # ... or only some of them
    other = this | {"budget": 150000.0, "service_level": 0.9}
    assert limits_unlike(other, this) == (
        "budget 150,000 (this night: none); service_level 0.9 (this night: 0.95)"
    )
    # a night planned with another keep_margin keeps other lots: named too
    assert limits_unlike({"keep_margin": 0.0}, {"keep_margin": 0.002}) == (
        "keep_margin 0 (this night: 0.002)"
    )


def _lots(db: Path, night: date) -> pd.DataFrame:
    with warehouse.connect(db, read_only=True) as con:
        run_id, _, _ = warehouse.night_run(con, night)
        lots = warehouse.run_recommendations(con, run_id)
    return lots[["sku", "supplier_id", "quantity", "expected_cost", "reason"]]


def test_a_night_keeps_the_pending_lots_of_the_night_before_and_a_rerun_the_same(
    nights: dict, tmp_path: Path
) -> None:
    """Lots jumped between nights for a fraction of a percent of expected cost (the demo: 34
    of 101 in one week with the same files). Night 2 plans with night 1's pending lots; a lot
    it keeps over a cheaper one is night 1's; a rerun of night 2 reads the same lots and plans
    the same; a lot decided on is no longer pending."""
    db = nights["db"]
    with warehouse.connect(db, read_only=True) as con:
        previous = warehouse.previous_lots(con, NIGHT_2, "W", 8)
        run_key_1 = warehouse.night_run(con, NIGHT_1)[1]
    first = _lots(db, NIGHT_1)
    assert previous == {
        r.sku: (r.supplier_id if r.quantity else None, int(r.quantity)) for r in first.itertuples()
    }
    second = _lots(db, NIGHT_2)
    kept = second[second["reason"].str.contains("kept from the night before", case=False)]
    for lot in kept.itertuples():
        assert previous[lot.sku] == (lot.supplier_id if lot.quantity else None, lot.quantity)
    _run(db.parent / "data", db, NIGHT_2)
    assert _lots(db, NIGHT_2).equals(second)
    copy = tmp_path / "decided.duckdb"
    shutil.copy(db, copy)
    sku = first.loc[first["quantity"] > 0, "sku"].iloc[0]
    with warehouse.connect(copy) as con:
        warehouse.record_decisions(con, [warehouse.Decision(sku, "reject")], "test",
                                   run_key=run_key_1)  # fmt: skip
        assert sku not in warehouse.previous_lots(con, NIGHT_2, "W", 8)


def test_lots_decided_the_night_before_are_compared_as_decided_and_kept_lots_named(
    nights: dict, tmp_path: Path
) -> None:
    """A lot approved the night before is on order tonight: changes called it 'dropped' (or
    'fewer' when tonight adds a smaller lot beside it: the item gets both), and the
    approvals filled the top of the list; a rejected lot recommended again was 'unchanged',
    not listed; a kept lot looked like any unchanged one. Now: ordered (counted, not listed),
    new beside an approved or rejected lot (its whole order value), the decision in 'before',
    the kept lots counted and explained."""
    db = tmp_path / "decided.duckdb"
    shutil.copy(nights["db"], db)
    found = _changes(db)
    lots = found.lots.set_index("sku")
    dropped = lots.index[lots["kind"] == "dropped"][0]
    both = lots.index[lots["quantity_before"].gt(0) & lots["quantity_after"].gt(0)]
    approved, rejected, overridden = both[0], both[1], dropped
    plus = lots.at[overridden, "quantity_before"] + 100  # a multiple of any pack size
    decisions = [warehouse.Decision(approved, "approve"), warehouse.Decision(rejected, "reject")]
    price = float(lots.at[overridden, "unit_price_before"])
    decisions.append(warehouse.Decision(overridden, "override", quantity=plus, unit_price=price))
    with warehouse.connect(db) as con:
        run_key_1 = warehouse.night_run(con, NIGHT_1)[1]
        warehouse.record_decisions(con, decisions, "anna", run_key=run_key_1)
    decided = _changes(db)
    kinds = decided.lots.set_index("sku")["kind"]
    assert (kinds[approved], kinds[rejected], kinds[overridden]) == ("new", "new", "ordered")
    rows = decided.lots.set_index("sku")
    assert rows.at[approved, "value_change"] == rows.at[approved, "order_value_after"]
    assert decided.counts["ordered"] == 1 and overridden not in set(decided.changed["sku"])
    since = since_texts(decided)  # review list's column beside a lot decided the night before
    assert since[approved] == f"new ({lots.at[approved, 'quantity_before']:,.0f} approved)"
    assert since[rejected] == f"new ({lots.at[rejected, 'quantity_before']:,.0f} rejected)"
    out = _cli("changes", "--db", str(db), "--sku", approved, "--sku", rejected,
               "--sku", overridden)  # fmt: skip
    assert "; 1 ordered the night before\n" in out.splitlines(keepends=True)[0]
    line = {x.split()[0]: x for x in out.splitlines() if x.startswith("P-")}
    assert f" {lots.at[approved, 'quantity_before']:,.0f} from " in line[approved]
    assert " approved " in line[approved] and " rejected " in line[rejected]
    supplier = lots.at[overridden, "supplier_id_before"]
    assert f"{plus:,.0f} from {supplier} overridden (" in line[overridden]
    assert " ordered " in line[overridden]
    # kept lots: counted in the headline, and --sku says what was kept over what
    assert found.kept >= 1
    kept = found.lots.loc[found.lots["kept_after"].notna(), "sku"].iloc[0]
    one = _cli("changes", "--db", str(db), "--sku", kept)
    assert f" unchanged ({found.kept} kept over a lot up to 0.2% cheaper)" in one
    assert "; kept from the night before: " in one and " would cost " in one


def test_the_forecast_compared_is_over_the_horizon_whatever_the_night_s_weekday(
    nights: dict,
) -> None:
    """A night inside a week forecasts one week more than the horizon (the running one): the
    forecast driver took the last period, so on the demo every item's forecast fell 8% from a
    Saturday to a Sunday night and rose 8% to the Monday (P-31953: 269 -> 256 -> 278; at 13
    weeks 248 -> 256 -> 256). It is the mean over the horizon's periods (8 here)."""
    found = _changes(nights["db"])
    with warehouse.connect(nights["db"], read_only=True) as con:
        at = con.execute(
            "SELECT run_key, sku, periods, mean FROM cumulative_forecasts WHERE run_key IN (?, ?)",
            [found.run_key, found.previous_run_key],
        ).df()
    assert at["periods"].max() == 9  # the nights fall inside a week: horizon 8 + 1
    horizon = at[at["periods"] == 8].set_index(["run_key", "sku"])["mean"]
    lots = found.lots.set_index("sku")
    for sku in lots.index[lots["forecast_after"].notna()]:
        assert lots.at[sku, "forecast_after"] == horizon[(found.run_key, sku)]
        assert lots.at[sku, "forecast_before"] == horizon[(found.previous_run_key, sku)]


def _table(out: str) -> tuple[str, dict[str, str]]:
    """The header line of `review list`'s table and its rows by sku."""
    lines = out.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("sku "))
    return header, {x.split()[0]: x for x in lines if x.startswith("P-") and ": " not in x}


def test_review_list_says_how_each_lot_relates_to_the_night_before(nights: dict) -> None:
    """`review list` (and the form) showed tonight's lots with nothing of the night before: a
    planner saw 120 units, not that yesterday's plan had 67. Its `since` column says it."""
    found = _changes(nights["db"])
    lots, picked = found.lots.set_index("sku"), nights["picked"]
    out = _cli("review", "list", "--db", str(nights["db"]))
    header, rows = _table(out)
    assert header.split()[-2:] == ["status", "since"], header
    assert max(len(line) for line in out.splitlines() if line.startswith("P-")) <= 110
    for kind in ("more", "fewer"):
        was = f"{lots.at[picked[kind], 'quantity_before']:,.0f}"
        assert rows[picked[kind]].rstrip().endswith(f" {kind} (was {was})"), out
    assert rows[picked["new"]].split("pending")[1].strip() == "new"
    other = lots.loc[picked["other supplier"]]
    was = f"{other['quantity_before']:,.0f} from {other['supplier_id_before']}"
    assert rows[picked["other supplier"]].rstrip().endswith(f" was {was}")
    unchanged = lots[lots["kind"] == "unchanged"]["kept_after"].notna()
    for kept, same in ((True, "same (kept)"), (False, "same")):
        assert rows[unchanged.index[unchanged == kept][0]].split("pending")[1].strip() == same
    # the first night has none before it: the column is there, empty
    header, rows = _table(nights["review_1"])
    assert header.split()[-2:] == ["status", "since"]
    assert rows and all(row.rstrip().endswith(" pending") for row in rows.values())


def test_the_review_form_says_how_each_lot_relates_to_the_night_before(nights: dict) -> None:
    """The review flow's pending-lots artifact: its table's `since` column, as review list."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.review import PENDING_KEY, review

    found = _changes(nights["db"])
    lots, more = found.lots.set_index("sku"), nights["picked"]["more"]
    result = review(db_path=str(nights["db"]), wait="pause", timeout_seconds=2, poll_seconds=1)
    assert result["status"] == "timed out"
    with get_client(sync_client=True) as client:
        found_artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[PENDING_KEY]))
        )
    table = str(max(found_artifacts, key=lambda a: a.created).data)
    assert "| sku | supplier | quantity | unit price | order value | since | reason |" in table
    (row,) = [line for line in table.splitlines() if line.startswith(f"| {more} |")]
    assert f" | more (was {lots.at[more, 'quantity_before']:,.0f}) | " in row


def test_a_night_planned_with_keep_margin_0_follows_every_change_and_a_wider_one_keeps_more(
    nights: dict, tmp_path: Path
) -> None:
    """The keep margin was a library constant (0.2%): a planner could neither turn the rule
    off nor widen it for a run. Night 2 again with --keep-margin 0: no lot kept, each lot the
    default kept over a cheaper one moves to that one; with 0.05: at least those kept, the
    reasons and the counts naming 5%; each a what-if of its own run key."""
    db = tmp_path / "margins.duckdb"
    shutil.copy(nights["db"], db)
    data = nights["db"].parent / "data"
    default = _changes(db)
    kept = default.lots[default.lots["kept_after"].notna()].set_index("sku")
    assert len(kept) >= 1
    runs = {}
    for margin in ("0", "0.05"):
        printed = _run(data, db, NIGHT_2, "--keep-margin", margin)
        with warehouse.connect(db, read_only=True) as con:
            run_id, run_key = warehouse.run_history(con, 1).iloc[0][["run_id", "run_key"]]
            lots = warehouse.run_recommendations(con, run_id).set_index("sku")
            runs[margin] = (printed, run_key, lots, warehouse.lot_changes(con, run_key))
    keys = {run_key for _, run_key, _, _ in runs.values()} | {default.run_key}
    assert len(keys) == 3
    printed, _, lots, changes = runs["0"]
    assert not lots["reason"].str.contains("kept from the night before", case=False).any()
    assert changes.kept == 0 and " kept over a lot " not in printed
    for sku, row in kept.iterrows():  # tonight's cheaper lot, not the night before's
        other = json.loads(row["kept_after"])
        assert (lots.at[sku, "supplier_id"], lots.at[sku, "quantity"]) == (
            other["supplier_id"], other["quantity"])  # fmt: skip
    printed, _, lots, changes = runs["0.05"]
    wide = lots[lots["reason"].str.contains("kept from the night before", case=False)]
    assert set(kept.index) <= set(wide.index) and changes.kept >= len(kept)
    assert wide["reason"].str.contains("within 5% of the item's expected cost").all()
    assert f" ({changes.kept} kept over a lot up to 5% cheaper)" in printed
    assert f" ({changes.kept} kept over a lot up to 5% cheaper)" in _cli("changes", "--db", str(db))
    assert "keep_margin 0.05" in _cli("runs", "--db", str(db))


def _row(**after: object) -> dict:
    """A changed lot's row (`warehouse.LotChanges.lots`): P-84518's forecast 7.3 -> 139,
    nothing else moved; `after` replaces fields."""
    figures = {"forecast": (7.3, 139.0), "on_hand": (0.0, 0.0), "on_order": (0.0, 0.0),
               "unit_price": (None, 4.2), "lead_time": (None, 14.0), "quantity": (0, 79),
               "spike": (None, None), "not_planned": (None, None),
               "kept": (None, None)}  # fmt: skip
    row = {"sku": "P-84518", "kind": "new", "left_out": None, "back_in": None}
    for column, (before, now) in figures.items():
        row |= {f"{column}_before": before, f"{column}_after": now}
    return row | after


SPIKE = json.dumps({"period_start": "2026-11-30", "quantity": 161.0, "usual": 4.5,
                    "other_demands": 20, "order_date": "2026-12-01", "day_units": 161.0,
                    "period": "week"})  # fmt: skip


def test_a_moved_forecast_names_the_new_spike_or_the_one_off_left_out_behind_it() -> None:
    """P-84518's why read 'forecast 7.3 -> 139' the night of a spike and 'forecast 139 ->
    6.8' after a planner marked it a one-off, without saying why. The forecast driver now
    names the spike tonight's lot rests on, or the one-off the demand left out since."""
    assert change_drivers(_row(spike_after=SPIKE)) == (
        "forecast 7.3 -> 139 (one week of 161 units, 36x usual)"
    )
    assert change_drivers(_row()) == "forecast 7.3 -> 139"
    # the same spike the night before: not what moved it
    assert change_drivers(_row(spike_before=SPIKE, spike_after=SPIKE)) == "forecast 7.3 -> 139"
    marked = _row(forecast_before=139.0, forecast_after=6.8, quantity_before=79, quantity_after=0,
                  spike_before=SPIKE, left_out=[(date(2026, 12, 1), 161.0)])  # fmt: skip
    assert change_drivers(marked) == (
        "forecast 139 -> 6.8 (161 units of 2026-12-01 left out as a one-off)"
    )
    two = marked | {"left_out": [(date(2026, 11, 3), 40.0), (date(2026, 12, 1), 161.0)]}
    assert change_drivers(two) == ("forecast 139 -> 6.8 (40 units of 2026-11-03, 161 units of "
                                   "2026-12-01 left out as one-offs)")  # fmt: skip
    # a mark removed since: the units the forecast took back in
    removed = _row(forecast_before=6.8, back_in=[(date(2026, 12, 1), 161.0)])
    assert change_drivers(removed) == (
        "forecast 6.8 -> 139 (161 units of 2026-12-01 back in: one-off mark removed)"
    )
    assert change_drivers(two | {"left_out": None, "back_in": two["left_out"]}) == (
        "forecast 139 -> 6.8 (40 units of 2026-11-03, 161 units of 2026-12-01 back in: "
        "one-off marks removed)"
    )
    # a forecast that did not move says nothing of them
    still = _row(forecast_before=139.0, spike_after=SPIKE, on_hand_after=5.0)
    assert change_drivers(still) == "on hand 0 -> 5"


def test_the_changes_carry_tonight_s_new_spike_and_the_one_offs_marked_between_the_nights(
    nights: dict, tmp_path: Path
) -> None:
    """Of the stored runs: a lot's recent_spike per night, and the one-offs tonight's demand
    left out that the night before's counted (marked between the two runs' starts, on a day of
    tonight's complete weeks); a mark older than the night before, or a day tonight did not
    count yet, is no change."""
    db = tmp_path / "marked.duckdb"
    shutil.copy(nights["db"], db)
    found = _changes(db)
    sku = str(found.changed["sku"].iloc[0])
    assert found.lots["spike_after"].isna().all() and found.lots["left_out"].isna().all()
    with warehouse.connect(db) as con:
        start = dict(con.execute("SELECT run_key, max(started_at) FROM runs GROUP BY run_key")
                     .fetchall())  # fmt: skip
        between = (
            start[found.previous_run_key]
            + (start[found.run_key] - start[found.previous_run_key]) / 2
        )
        days = [d for (d,) in con.execute(
            "SELECT DISTINCT order_date FROM order_lines WHERE sku = ? AND quantity > 0 "
            "ORDER BY order_date DESC", [sku]).fetchall()]  # fmt: skip
        late = [d for d in days if d >= date(2026, 6, 29)]  # the week tonight has not counted
        counted = [d for d in days if d < date(2026, 6, 29)]
        warehouse.mark_one_off(con, sku, counted[0], now=between)
        warehouse.mark_one_off(con, sku, counted[1], now=start[found.previous_run_key]
                               - timedelta(hours=1))  # fmt: skip
        for day in late:
            warehouse.mark_one_off(con, sku, day, now=between)
        units = con.execute("SELECT sum(quantity) FROM order_lines WHERE sku = ? AND "
                            "order_date = ?", [sku, counted[0]]).fetchone()[0]  # fmt: skip
        con.execute(
            "UPDATE recommendations SET explanation = json_merge_patch(explanation, "
            "json_object('recent_spike', json(?))) WHERE run_key = ? AND sku = ?",
            [SPIKE, found.run_key, sku],
        )
    lots = _changes(db).lots.set_index("sku")
    assert lots.at[sku, "left_out"] == [(counted[0], float(units))]
    assert json.loads(lots.at[sku, "spike_after"])["day_units"] == 161
    assert json.loads(lots.at[sku, "spike_after"])["period"] == "week"
    assert pd.isna(lots.at[sku, "spike_before"])
    assert lots.drop(index=sku)["left_out"].isna().all()
    assert lots["back_in"].isna().all()


def test_a_one_off_on_a_day_the_night_before_did_not_count_is_not_left_out(
    nights: dict, tmp_path: Path
) -> None:
    """With the night before a week earlier (its night set to Sunday 2026-06-21: complete weeks
    up to 06-15..06-21), a day of 06-22..06-28 marked between the runs was said 'left out as a
    one-off', though the night before's demand never held it: nothing was left out relative to
    it. Only a day of both nights' complete weeks is; the same for one unmarked between them."""
    db = tmp_path / "week.duckdb"
    shutil.copy(nights["db"], db)
    found = _changes(db)
    sku = str(found.changed["sku"].iloc[0])
    with warehouse.connect(db) as con:
        con.execute("UPDATE runs SET as_of = ? WHERE run_key = ?",
                    [date(2026, 6, 21), found.previous_run_key])  # fmt: skip
        start = dict(con.execute("SELECT run_key, max(started_at) FROM runs GROUP BY run_key")
                     .fetchall())  # fmt: skip
        before, after = start[found.previous_run_key], start[found.run_key]
        between = before + (after - before) / 2
        days = [
            d
            for (d,) in con.execute(
                "SELECT DISTINCT order_date FROM order_lines WHERE sku = ? AND quantity > 0 "
                "AND order_date < ? ORDER BY order_date DESC",
                [sku, date(2026, 6, 29)],
            ).fetchall()
        ]
        late = [d for d in days if d >= date(2026, 6, 22)]  # only tonight's weeks hold these
        both = [d for d in days if d < date(2026, 6, 22)]
        assert late and len(both) >= 3
        for day in [*late, both[0]]:
            warehouse.mark_one_off(con, sku, day, now=between)
        for day in both[1:3]:
            warehouse.mark_one_off(con, sku, day, now=before - timedelta(hours=2))
        warehouse.unmark_one_off(con, sku, both[1], "anna", now=between)
        units = dict(con.execute("SELECT order_date, sum(quantity) FROM order_lines WHERE "
                                 "sku = ? GROUP BY ALL", [sku]).fetchall())  # fmt: skip
    lots = _changes(db).lots.set_index("sku")
    assert lots.at[sku, "left_out"] == [(both[0], float(units[both[0]]))]
    assert lots.at[sku, "back_in"] == [(both[1], float(units[both[1]]))]


def test_the_changes_carry_the_one_offs_unmarked_between_the_nights(
    nights: dict, tmp_path: Path
) -> None:
    """A mark removed between the two runs' starts (`reorder review one-off --remove`) was
    deleted: tonight's forecast took its units back in and the lot moved without a why. The
    removed mark is kept, and the changes name the units back in; a mark removed before the
    night before's run, or removed and marked again between the runs, is no change."""
    db = tmp_path / "unmarked.duckdb"
    shutil.copy(nights["db"], db)
    found = _changes(db)
    sku = str(found.changed["sku"].iloc[0])
    with warehouse.connect(db) as con:
        start = dict(con.execute("SELECT run_key, max(started_at) FROM runs GROUP BY run_key")
                     .fetchall())  # fmt: skip
        before, after = start[found.previous_run_key], start[found.run_key]
        between = before + (after - before) / 2
        days = [d for (d,) in con.execute(
            "SELECT DISTINCT order_date FROM order_lines WHERE sku = ? AND quantity > 0 "
            "AND order_date < ? ORDER BY order_date DESC", [sku, date(2026, 6, 22)]
        ).fetchall()]  # fmt: skip
        early = before - timedelta(hours=2)
        for day in days[:3]:
            warehouse.mark_one_off(con, sku, day, now=early)
        warehouse.unmark_one_off(con, sku, days[0], "anna", now=between)
        warehouse.unmark_one_off(con, sku, days[1], "anna", now=before - timedelta(hours=1))
        warehouse.unmark_one_off(con, sku, days[2], "anna", now=between)
        warehouse.mark_one_off(con, sku, days[2], now=between + timedelta(seconds=1))
        units = con.execute("SELECT sum(quantity) FROM order_lines WHERE sku = ? AND "
                            "order_date = ?", [sku, days[0]]).fetchone()[0]  # fmt: skip
    lots = _changes(db).lots.set_index("sku")
    assert lots.at[sku, "back_in"] == [(days[0], float(units))]
    assert lots["left_out"].isna().all()
    assert lots.drop(index=sku)["back_in"].isna().all()
