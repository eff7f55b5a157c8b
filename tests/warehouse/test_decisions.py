"""Decisions on lots: stored with who/when/what, survive reruns, become open orders later."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import warehouse
from tests.warehouse.conftest import AS_OF, BASE, write_folder
from warehouse import Decision, DecisionError
from warehouse.runs import QUANTILES

SOLVER = {"solver_status": "Optimal", "solver_gap": 0.0, "objective": 1.0}
NOON = datetime(2024, 4, 1, 12, 0)


def _publish(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    run_key: str,
    qty_a: float,
    qty_b: float = 20.0,
    parameters: dict | None = None,
) -> str:
    """Publish a run with lots A (S1) and B (S1) and a no-order row for nothing else;
    `parameters`: the run's stored parameters (None: none)."""
    run_id = warehouse.start_run(con, run_key, as_of, parameters or {})
    recs = pd.DataFrame(
        {
            "sku": ["A", "B"],
            "supplier_id": ["S1", "S1"],
            "quantity": [qty_a, qty_b],
            "unit_price": [2.0, 4.0],
            "order_value": [2.0 * qty_a, 4.0 * qty_b],
            "tier_min_qty": [100.0, 10.0],
            "expected_cost": [1.0, 1.0],
            "savings": [0.0, 0.0],
            "expected_leftover": [1.0, 1.0],
            "stockout_risk": [0.1, 0.1],
            "reason": ["r", "r"],
            "explanation": ["{}", "{}"],
        }
    )
    demand = pd.DataFrame(columns=["unique_id", "ds", "y"])
    fc = pd.DataFrame(columns=["unique_id", "ds", "model", "mean", *QUANTILES])
    warehouse.publish_run(con, run_id, run_key, demand, fc, recs, SOLVER)
    return run_id


@pytest.fixture
def con(tmp_path: Path):
    with warehouse.connect(tmp_path / "wh.duckdb") as connection:
        warehouse.load_folder(connection, write_folder(tmp_path / "in"), AS_OF)
        _publish(connection, AS_OF, "night-1", 200.0)
        yield connection


def test_new_lots_are_pending(con) -> None:
    lots = warehouse.review_lots(con)
    assert lots["sku"].tolist() == ["A", "B"]  # biggest order value first
    assert set(lots["status"]) == {"pending"}


def test_decisions_store_who_when_what_was_recommended_and_decided(con) -> None:
    warehouse.record_decisions(
        con,
        [
            Decision(
                "A", "override", supplier_id="S2", quantity=55, comment="S2 faster", unit_price=2.2
            ),
            Decision("B", "reject", comment="phase out"),
        ],
        decided_by="anna",
        now=NOON,
    )
    rows = warehouse.decision_history(con).set_index("sku")
    a, b = rows.loc["A"], rows.loc["B"]
    assert (a["action"], a["recommended_supplier_id"], a["recommended_quantity"]) == (
        "override",
        "S1",
        200,
    )
    assert (a["supplier_id"], a["quantity"], a["order_value"]) == ("S2", 55, 121.0)
    assert a["decided_by"] == "anna" and a["decided_at"] == pd.Timestamp(NOON)
    assert a["comment"] == "S2 faster" and a["channel"] == "cli"
    assert a["due_date"] == pd.Timestamp(NOON.date() + timedelta(days=7))  # S2 lead_time 7 days
    assert (b["action"], b["quantity"], b["comment"]) == ("reject", 0, "phase out")
    status = warehouse.review_lots(con).set_index("sku")["status"]
    assert status.to_dict() == {"A": "overridden", "B": "rejected"}


def test_lots_filter_by_supplier_recommended_or_decided_and_by_sku(con) -> None:
    def skus(**filters) -> list[str]:
        return warehouse.review_lots(con, **filters)["sku"].tolist()

    assert skus(suppliers=["S1"]) == ["A", "B"] and skus(suppliers=["S2"]) == []
    assert skus(skus=["B"]) == ["B"] and skus(skus=["B", "Z"]) == ["B"]
    warehouse.record_decisions(
        con,
        [Decision("A", "override", supplier_id="S2", quantity=55, unit_price=2.2)],
        decided_by="anna",
        now=NOON,
    )
    assert skus(suppliers=["S2"]) == ["A"]  # decided for S2, recommended from S1
    assert skus(suppliers=["S1"]) == ["B"]  # the override moved A to S2
    assert skus(suppliers=["S1"], status="pending") == ["B"]
    assert skus(suppliers=["S1", "S2"], skus=["A"]) == ["A"]
    assert warehouse.approved_lots(con, suppliers=["S2"])["sku"].tolist() == ["A"]
    assert warehouse.approved_lots(con, suppliers=["S1"]).empty
    assert warehouse.unknown_suppliers(con, ["S2", "S9", "s1"]) == ["S9", "s1"]
    assert warehouse.unknown_suppliers(con, []) == []
    assert warehouse.suppliers_in_other_case(con, ["S2", "S9", "s1"]) == {"s1": ["S1"]}
    assert warehouse.suppliers_in_other_case(con, []) == {}


def test_failed_runs_since_the_published_one_are_listed_newest_first(con) -> None:
    def failed(as_of: date, key: str, parameters: dict | None = None) -> None:
        warehouse.fail_run(con, warehouse.start_run(con, key, as_of, parameters or {}), "Boom")

    assert warehouse.failed_since_published(con).empty  # night-1 is published
    failed(AS_OF - timedelta(days=7), "earlier-night")  # a replan of an earlier night
    failed(AS_OF + timedelta(days=1), "some-items", {"items": ["A"]})  # never published
    assert warehouse.failed_since_published(con).empty
    failed(AS_OF, "night-1")  # a rerun of the published night
    failed(AS_OF + timedelta(days=1), "night-2")
    found = warehouse.failed_since_published(con)
    assert found["run_key"].tolist() == ["night-2", "night-1"]
    assert found["error"].tolist() == ["Boom", "Boom"]
    # a rerun of the published night succeeds: night-2 still has no plan
    _publish(con, AS_OF, "night-1", 100.0)
    assert warehouse.failed_since_published(con)["run_key"].tolist() == ["night-2"]
    _publish(con, AS_OF + timedelta(days=1), "night-2", 100.0)  # the next attempt succeeds
    assert warehouse.failed_since_published(con).empty


def test_lots_due_after_their_items_end_of_life_are_found(con) -> None:
    """A planner's override of a phase_out part was due 4 days after its end of life, and
    nothing said so."""
    from flows.console import end_of_life_notes

    late = datetime(2026, 12, 25, 12)  # B: end_of_life 2026-12-31, S1's lead time 14 days
    rows = warehouse.record_decisions(
        con, [Decision("A", "approve"), Decision("B", "approve")], decided_by="anna", now=late
    )
    found = warehouse.past_end_of_life(con, rows)
    assert found.values.tolist() == [["B", pd.Timestamp("2027-01-08"), pd.Timestamp("2026-12-31")]]
    assert end_of_life_notes(found) == [
        "B: the lot is due 2027-01-08, after the item's end of life 2026-12-31 (the plan "
        "expects no demand after it)"
    ]
    rejected = warehouse.record_decisions(con, [Decision("B", "reject")], decided_by="anna")
    assert warehouse.past_end_of_life(con, rejected).empty


@pytest.mark.parametrize(
    ("decision", "rule"),
    [
        (
            Decision("A", "override", quantity=105, unit_price=2.0),
            "not a multiple of the pack_size 10",
        ),
        (Decision("A", "override", quantity=90, unit_price=2.0), "below the moq 100"),
        (
            Decision("B", "override", supplier_id="S2", quantity=20, unit_price=4.0),
            "does not offer",
        ),
        (Decision("Z", "approve"), "not among the lots"),
    ],
)
def test_a_bad_decision_is_refused_naming_sku_supplier_and_rule(con, decision, rule) -> None:
    with pytest.raises(DecisionError, match=rule) as error:
        warehouse.record_decisions(con, [Decision("B", "approve"), decision], decided_by="anna")
    assert f"sku {decision.sku}" in str(error.value)
    if decision.sku != "Z":
        assert f"supplier {decision.supplier_id or 'S1'}" in str(error.value)
    assert warehouse.decision_history(con).empty  # all or nothing: B was not approved either


def test_skus_decided_twice_in_one_batch_are_named_in_the_singular_or_plural(con) -> None:
    """'sku(s) decided twice in one batch: B' for one sku: now 'sku B decided twice in one
    batch', and 'skus A, B ...' for two."""
    twice = [Decision("B", "approve"), Decision("B", "reject")]
    with pytest.raises(DecisionError, match=r": sku B decided twice in one batch$"):
        warehouse.record_decisions(con, twice, decided_by="anna")
    twice += [Decision("A", "approve"), Decision("A", "approve")]
    with pytest.raises(DecisionError, match=r": skus A, B decided twice in one batch$"):
        warehouse.record_decisions(con, twice, decided_by="anna")
    assert warehouse.decision_history(con).empty


def test_an_override_below_the_first_price_break_is_refused(con) -> None:
    """With moq 1 and the first break at 10, an override of 5 was priced at 4.00 a unit."""
    con.execute("UPDATE supplier_items SET moq = 1 WHERE sku = 'B' AND supplier_id = 'S1'")
    with pytest.raises(DecisionError, match=r"sku B, supplier S1: quantity 5 is below the first "
                       r"price break \(10 units\)"):  # fmt: skip
        warehouse.record_decisions(
            con, [Decision("B", "override", quantity=5, unit_price=4.0)], decided_by="anna"
        )


def test_rerun_keeps_decisions_and_a_new_decision_supersedes_but_keeps_history(con) -> None:
    warehouse.record_decisions(con, [Decision("A", "approve")], decided_by="anna", now=NOON)
    _publish(con, AS_OF, "night-1", 300.0)  # rerun of the same night: new recommendation
    status = warehouse.review_lots(con).set_index("sku")
    assert status.loc["A", "status"] == "approved" and status.loc["B", "status"] == "pending"
    assert status.loc["A", "quantity"] == 300 and status.loc["A", "decided_quantity"] == 200
    later = NOON + timedelta(hours=1)
    warehouse.record_decisions(con, [Decision("A", "reject")], decided_by="ben", now=later)
    assert warehouse.review_lots(con).set_index("sku").loc["A", "status"] == "rejected"
    assert len(warehouse.decision_history(con)) == 2


def test_decisions_on_a_lot_a_rerun_no_longer_recommends_are_listed(con) -> None:
    decisions = [Decision("A", "approve"), Decision("B", "reject")]
    warehouse.record_decisions(con, decisions, decided_by="anna", now=NOON)
    assert warehouse.changed_decisions(con).empty  # decided on what is recommended
    _publish(con, AS_OF, "night-1", 300.0)  # rerun: A 200 -> 300, B unchanged
    changed = warehouse.changed_decisions(con)
    assert changed.pop("erp_quantity").isna().all()  # the ERP does not carry it
    assert changed.to_dict("records") == [
        {
            "sku": "A", "action": "approve", "supplier_id": "S1", "quantity": 200.0,
            "recommended_supplier_id": "S1", "recommended_quantity": 200.0,
            "supplier_id_now": "S1", "quantity_now": 300.0,
        }
    ]  # fmt: skip
    # the approval still counts: its 200 units are in the export
    assert warehouse.approved_lots(con)["quantity"].tolist() == [200.0]
    warehouse.record_decisions(
        con, [Decision("A", "approve")], decided_by="anna", now=NOON + timedelta(hours=1)
    )
    assert warehouse.changed_decisions(con).empty


def test_approved_lots_become_open_orders_of_later_nights_only(con, tmp_path: Path) -> None:
    warehouse.record_decisions(
        con,
        [Decision("A", "approve"), Decision("B", "reject")],
        decided_by="anna",
        now=NOON,
    )
    next_night = AS_OF + timedelta(days=1)
    same = warehouse.read_planning_inputs(con, as_of=AS_OF)["open_orders"]
    later = warehouse.read_planning_inputs(con, as_of=next_night)["open_orders"]
    assert same["source"].tolist() == ["erp"]  # a rerun of the decided night does not count it
    planned = later[later["source"] == "approved"]
    assert planned[["sku", "supplier_id", "quantity"]].values.tolist() == [["A", "S1", 200]]
    assert pd.Timestamp(planned["due_date"].iloc[0]) == pd.Timestamp("2024-04-15")  # +14 days
    # a reload of the open_orders snapshot from files does not wipe it
    write_folder(tmp_path / "in", open_orders__csv="po_id,sku,supplier_id,quantity,due_date\n")
    warehouse.load_folder(con, tmp_path / "in", next_night)
    reloaded = warehouse.read_planning_inputs(con, as_of=next_night)["open_orders"]
    assert reloaded["po_id"].tolist() == planned["po_id"].tolist()
    # once the ERP carries the proposal's po_id, the ERP's row counts and ours does not
    po_id = planned["po_id"].iloc[0]
    erp = f"po_id,sku,supplier_id,quantity,due_date\n{po_id},A,S1,200,2024-04-15\n"
    write_folder(tmp_path / "in", open_orders__csv=erp)
    warehouse.load_folder(con, tmp_path / "in", next_night)
    both = warehouse.read_planning_inputs(con, as_of=next_night)["open_orders"]
    assert both["source"].tolist() == ["erp"] and both["po_id"].tolist() == [po_id]
    # received (or cancelled) early: the ERP drops the row; the proposal must not come back
    write_folder(tmp_path / "in", open_orders__csv="po_id,sku,supplier_id,quantity,due_date\n")
    warehouse.load_folder(con, tmp_path / "in", next_night)
    gone = warehouse.read_planning_inputs(con, as_of=next_night)["open_orders"]
    assert gone.empty


def test_the_erp_carrying_a_proposal_in_upper_case_counts_it_once(con, tmp_path: Path) -> None:
    """Many ERPs upper-case their order references: RV-NIGHT-1-A counted as well as the
    approved RV-night-1-A (the plan under-ordered by the whole lot, with no warning)."""
    warehouse.record_decisions(con, [Decision("A", "approve")], decided_by="anna", now=NOON)
    next_night = AS_OF + timedelta(days=1)
    erp = "po_id,sku,supplier_id,quantity,due_date\nRV-NIGHT-1-A,A,S1,200,2024-04-15\n"
    report = warehouse.load_folder(con, write_folder(tmp_path / "in", open_orders__csv=erp),
                                   next_night)  # fmt: skip
    orders = warehouse.read_planning_inputs(con, as_of=next_night)["open_orders"]
    assert orders[["po_id", "source", "quantity"]].values.tolist() == [["RV-NIGHT-1-A", "erp", 200]]
    assert not [n for n in report.notes if "approved lot" in n]


def test_skus_that_differ_only_in_case_keep_their_own_proposals(tmp_path: Path) -> None:
    """Items A and a: the ERP carrying RV-night-1-A made a's approved lot stop counting too
    once the ids were compared in any case."""
    items = BASE["items.csv"] + "a,Bolt m8 (other part),fasteners,series,0.1,0.25,,0,\n"
    extra = {"supplier_items__csv": BASE["supplier_items.csv"] + "S1,a,10,1,all_units\n",
             "price_breaks__csv": BASE["price_breaks.csv"] + "S1,a,10,2.00\n"}  # fmt: skip
    with warehouse.connect(tmp_path / "wh.duckdb") as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in", items__csv=items, **extra), AS_OF)
        run_id = warehouse.start_run(con, "night-1", AS_OF, {})
        recs = pd.DataFrame({
            "sku": ["A", "a"], "supplier_id": ["S1", "S1"], "quantity": [200.0, 30.0],
            "unit_price": [2.0, 2.0], "order_value": [400.0, 60.0],
            "tier_min_qty": [100.0, 10.0], "expected_cost": [1.0, 1.0], "savings": [0.0, 0.0],
            "expected_leftover": [1.0, 1.0], "stockout_risk": [0.1, 0.1], "reason": ["r", "r"],
            "explanation": ["{}", "{}"],
        })  # fmt: skip
        demand = pd.DataFrame(columns=["unique_id", "ds", "y"])
        fc = pd.DataFrame(columns=["unique_id", "ds", "model", "mean", *QUANTILES])
        warehouse.publish_run(con, run_id, "night-1", demand, fc, recs, SOLVER)
        warehouse.record_decisions(con, [Decision("A", "approve"), Decision("a", "approve")],
                                   decided_by="anna", now=NOON)  # fmt: skip
        nxt = AS_OF + timedelta(days=1)
        erp = "po_id,sku,supplier_id,quantity,due_date\nRV-night-1-A,A,S1,200,2024-04-15\n"
        folder = write_folder(tmp_path / "in", items__csv=items, open_orders__csv=erp, **extra)
        warehouse.load_folder(con, folder, nxt)
        counted = warehouse.planned_orders(con, nxt)[["po_id", "quantity"]].values.tolist()
    assert counted == [["RV-night-1-a", 30]]


def test_an_erp_order_under_its_own_po_id_like_an_approved_lot_is_noted(con, tmp_path: Path):
    """The ERP ordered the approved lot under its own number: both count, and only a note can
    tell the planner (the probe's part got no order for three nights)."""
    warehouse.record_decisions(con, [Decision("A", "approve")], decided_by="anna", now=NOON)
    next_night = AS_OF + timedelta(days=1)
    erp = "po_id,sku,supplier_id,quantity,due_date\n"
    erp += "PO-2001,A,S1,200,2024-04-20\nPO-7,A,S1,5,2024-04-09\n"
    report = warehouse.load_folder(con, write_folder(tmp_path / "in", open_orders__csv=erp),
                                   next_night)  # fmt: skip
    orders = warehouse.read_planning_inputs(con, as_of=next_night)["open_orders"]
    assert sorted(orders["source"]) == ["approved", "erp", "erp"]
    assert [n for n in report.notes if "approved lot" in n] == [
        "open order PO-2001 (A from S1, 200) has the supplier and quantity of the approved "
        "lot RV-night-1-A: both count as open orders; if they are one order, put the lot's "
        "po_id on the ERP's order so that only it counts"
    ]
    # noted on every load, not only when the file changed
    again = warehouse.load_folder(con, tmp_path / "in", next_night)
    assert [n for n in again.notes if "approved lot" in n] != []


def test_approved_lots_lists_the_effective_approvals_with_supplier_names(con) -> None:
    warehouse.record_decisions(
        con,
        [Decision("A", "override", quantity=500, unit_price=1.8), Decision("B", "approve")],
        decided_by="anna",
    )
    lots = warehouse.approved_lots(con)
    assert lots[["sku", "supplier_name", "quantity", "order_value"]].values.tolist() == [
        ["A", "Acme", 500, 900.0],
        ["B", "Acme", 20, 80.0],
    ]


def test_report_path_is_recorded_once_per_run_key(con) -> None:
    run_id = warehouse.latest_run(con)[0]
    warehouse.record_report(con, "night-1", run_id, "/x/a.html", 2)
    warehouse.record_report(con, "night-1", run_id, "/x/b.html", 2)
    assert warehouse.report_path(con) == "/x/b.html"
    assert warehouse.table_counts(con)["reports"] == 1


def test_a_lot_approved_on_two_runs_of_one_night_counts_once(con) -> None:
    """A rerun with other parameters is a new run_key: its own decisions start pending. The
    planner approves A again there (and B only on the first run): the next night counts the
    newest decision per sku of that night, once; a later reject withdraws it."""
    warehouse.record_decisions(con, [Decision("A", "approve"), Decision("B", "approve")],
                               decided_by="anna", now=NOON)  # fmt: skip
    _publish(con, AS_OF, "night-1-budget", 250.0)
    later = NOON + timedelta(hours=1)
    warehouse.record_decisions(con, [Decision("A", "approve")], decided_by="anna", now=later)

    def planned() -> list:
        frame = warehouse.planned_orders(con, AS_OF + timedelta(days=1))
        return frame[["po_id", "quantity"]].values.tolist()

    assert planned() == [["RV-night-1-budget-A", 250], ["RV-night-1-B", 20]]
    # the export of the published run's night holds the same lots (it once held only A)
    exported = warehouse.approved_lots(con)
    assert exported[["po_id", "quantity"]].values.tolist() == planned()
    # the published rerun shows its own lots; the night's decisions on the first run are named
    elsewhere = warehouse.decided_elsewhere(con)
    assert elsewhere[["run_key", "lots"]].values.tolist() == [["night-1", 2]]
    assert list(elsewhere["skus"].iloc[0]) == ["A", "B"]
    # of some items (a what-if of B, `review list --sku B`): the decisions of those items only
    of_b = warehouse.decided_elsewhere(con, skus=["B"])
    assert of_b[["run_key", "lots"]].values.tolist() == [["night-1", 1]]
    assert warehouse.decided_elsewhere(con, skus=["C"]).empty
    warehouse.record_decisions(con, [Decision("A", "reject")], decided_by="ben",
                               now=later + timedelta(hours=1))  # fmt: skip
    assert planned() == [["RV-night-1-B", 20]]


def test_a_lot_the_erp_carries_from_one_run_of_a_night_does_not_count_again(con, tmp_path):
    """A approved (200) on night-1 and ordered; on the budget rerun of the night, published
    later, A showed as plain pending and `approve --all` approved it again (100). Once the
    ERP carried RV-night-1-A, the next night counted its 200 and the rerun's 100 as well."""
    warehouse.record_decisions(con, [Decision("A", "approve")], decided_by="anna", now=NOON)
    _publish(con, AS_OF, "night-1-budget", 100.0)
    lots = warehouse.review_lots(con).set_index("sku")
    other = ["status", "other_run_key", "other_action", "other_quantity"]
    assert lots.loc["A", other].tolist() == ["pending", "night-1", "approve", 200.0]
    assert lots.loc["B", ["status", "other_run_key"]].isna().tolist() == [False, True]
    later = NOON + timedelta(hours=1)
    warehouse.record_decisions(con, [Decision("A", "approve")], decided_by="anna", now=later)
    assert pd.isna(warehouse.review_lots(con).set_index("sku").loc["A", "other_run_key"])
    next_night = AS_OF + timedelta(days=1)
    erp = "po_id,sku,supplier_id,quantity,due_date\nRV-night-1-A,A,S1,200,2024-04-15\n"
    warehouse.load_folder(con, write_folder(tmp_path / "in", open_orders__csv=erp), next_night)
    orders = warehouse.read_planning_inputs(con, as_of=next_night)["open_orders"]
    assert orders[["po_id", "source", "quantity"]].values.tolist() == [["RV-night-1-A", "erp", 200]]


def test_a_decision_superseded_on_another_run_of_the_night_is_not_a_changed_one(con) -> None:
    """A approved on night-1, then rejected on night-1-budget (newer): the approval no longer
    counts, so a rerun of night-1 must not list it as "still counts ... in export"."""
    warehouse.record_decisions(con, [Decision("A", "approve")], decided_by="anna", now=NOON)
    _publish(con, AS_OF, "night-1-budget", 200.0)
    later = NOON + timedelta(hours=1)
    warehouse.record_decisions(con, [Decision("A", "reject")], decided_by="bob", now=later)
    _publish(con, AS_OF, "night-1", 300.0)  # rerun of night-1, published again
    assert warehouse.latest_run(con)[1] == "night-1"
    assert warehouse.approved_lots(con).empty
    assert warehouse.changed_decisions(con).empty


def test_a_rejection_of_a_lot_the_rerun_no_longer_recommends_is_not_a_changed_one(con) -> None:
    """B rejected, the rerun recommends no order of B: nothing to decide again."""
    warehouse.record_decisions(con, [Decision("B", "reject")], decided_by="anna", now=NOON)
    _publish(con, AS_OF, "night-1", 200.0, qty_b=0.0)
    assert warehouse.changed_decisions(con).empty
    _publish(con, AS_OF, "night-1", 200.0, qty_b=30.0)
    assert warehouse.changed_decisions(con)["sku"].tolist() == ["B"]


def test_a_lot_recommended_again_after_a_rejection_on_an_earlier_night_is_listed(con) -> None:
    """A planner's RAF-4008 (330 units) was rejected on night 1 and recommended again,
    unchanged and pending, on night 2 with nothing to say it had been rejected."""
    warehouse.record_decisions(
        con, [Decision("A", "approve"), Decision("B", "reject", comment="phase out")],
        decided_by="anna", now=NOON,
    )  # fmt: skip
    assert warehouse.earlier_rejections(con).empty  # decided tonight
    night_2 = AS_OF + timedelta(days=1)
    _publish(con, night_2, "night-2", 200.0, qty_b=30.0)
    assert warehouse.earlier_rejections(con).to_dict("records") == [
        {
            "sku": "B", "rejected_as_of": pd.Timestamp(AS_OF), "recommended_supplier_id": "S1",
            "recommended_quantity": 20.0, "decided_by": "anna", "comment": "phase out",
            "supplier_id_now": "S1", "quantity_now": 30.0,
        }
    ]  # fmt: skip
    # no note where tonight's plan orders nothing of the rejected item
    _publish(con, night_2, "night-2b", 200.0, qty_b=0.0)
    assert warehouse.earlier_rejections(con, "night-2b").empty
    # decided again on night 2: nothing left to point out
    warehouse.record_decisions(
        con, [Decision("B", "approve")], decided_by="ben", now=NOON + timedelta(days=1),
        run_key="night-2",
    )  # fmt: skip
    assert warehouse.earlier_rejections(con, "night-2").empty
    # a later night's newest earlier decision is night 2's approval, not night 1's rejection
    _publish(con, night_2 + timedelta(days=1), "night-3", 200.0, qty_b=30.0)
    assert warehouse.earlier_rejections(con).empty


def test_a_supplier_wide_tier_the_decisions_no_longer_reach_is_named(con) -> None:
    """A's 200 from S1 helped reach S1's 2% on a spend of 450 (A 400 + B 80); moving A to S2
    left 80 with S1, and approve, override and export said nothing."""
    from flows.console import tier_notes

    con.execute("INSERT INTO supplier_tiers VALUES ('S1', 'spend', 450, 0.02), "
                "('S1', 'spend', 100, 0.01), ('S2', 'units', 10, 0.05)")  # fmt: skip
    _publish(con, AS_OF, "night-1", 200.0)  # a rerun of the night plans with them
    warehouse.record_decisions(con, [Decision("B", "approve")], decided_by="anna")
    assert warehouse.missed_supplier_tiers(con).empty  # as recommended: 480 reach 450
    warehouse.record_decisions(
        con, [Decision("A", "override", supplier_id="S2", quantity=55, unit_price=2.2)], "anna"
    )
    missed = warehouse.missed_supplier_tiers(con)
    # S1 keeps B's 80: below both of its tiers, the better one is named; S2 gains a tier
    assert missed.values.tolist() == [["S1", "spend", 450.0, 0.02, 480.0, 80.0]]
    assert tier_notes(missed, "wh.duckdb") == [
        "S1: the lots as decided total 80.00, below the 450.00 its supplier-wide discount of 2% "
        "needs; the plan reached it with 480.00 and may have sized lots for it: review S1's "
        "lots (`reorder review list --db wh.duckdb --status all --supplier S1`)"
    ]
    warehouse.record_decisions(con, [Decision("A", "approve")], decided_by="anna")
    assert warehouse.missed_supplier_tiers(con).empty  # the newest decision counts
    warehouse.record_decisions(con, [Decision("A", "reject")], decided_by="anna")
    assert warehouse.missed_supplier_tiers(con)["now"].tolist() == [80.0]  # rejected: nothing


def test_a_refused_decision_says_what_the_planner_can_do_instead(tmp_path: Path) -> None:
    """`review override p-55347` said only 'not among the lots of this run' (the lot is
    P-55347's), an override of an item without a recommended order 'an override needs a
    supplier' (which supplier offers it?), and a supplier id not in suppliers.csv that the
    supplier 'does not offer this item'."""
    with warehouse.connect(tmp_path / "wh.duckdb") as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in"), AS_OF)
        _publish(con, AS_OF, "night-1", 0.0)
        con.execute("UPDATE recommendations SET supplier_id = NULL, unit_price = NULL "
                    "WHERE sku = 'A'")  # fmt: skip
        refused = {
            Decision("b", "approve"): "sku b: not among the lots of this run (B is)",
            Decision("A", "override", quantity=100, unit_price=2.0): (
                "sku A: no order was recommended, so an override needs a supplier "
                "(offered by S1, S2)"
            ),
            Decision("B", "override", supplier_id="S9", quantity=20, unit_price=4.0): (
                "sku B: unknown supplier S9 (not among the suppliers loaded from suppliers.csv)"
            ),
            # as `review --supplier s1` names the supplier loaded in another case
            Decision("B", "override", supplier_id="s2", quantity=20, unit_price=4.0): (
                "sku B: unknown supplier s2 (not among the suppliers loaded from "
                "suppliers.csv; S2 is)"
            ),
        }
        for decision, message in refused.items():
            with pytest.raises(DecisionError) as error:
                warehouse.record_decisions(con, [decision], decided_by="anna")
            assert str(error.value) == f"refused, nothing recorded: {message}"


def test_a_decision_on_an_item_the_run_could_not_plan_gives_the_run_s_reason(
    tmp_path: Path,
) -> None:
    """`review approve C` of an item in items that the run left unplanned (its only offer's
    supplier row in quarantine, its stock unknown) said only 'not among the lots of this
    run': the planner looked for a typo. The refusal gives the run's reason from not_planned;
    an item the run did not name still gets 'not among the lots'."""
    items = BASE["items.csv"] + "C,Washer M8,fasteners,series,0.01,0.2,,0,\n"
    items += "D,Washer M6,fasteners,series,0.01,0.2,,0,\n"
    with warehouse.connect(tmp_path / "wh.duckdb") as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in", items__csv=items), AS_OF)
        run_id = warehouse.start_run(con, "night-1", AS_OF, {})
        no_offer = "no usable offer: suppliers.csv row 4 is in quarantine (lead_time '' ...)"
        not_planned = pd.DataFrame({
            "sku": ["C", "D", "D", "A"],
            "reason": [no_offer, "stock unknown: stock.csv has no row",
                       "open orders unknown: open_orders.csv row 2 is in quarantine",
                       "offer left out: supplier_items.csv row 9 is in quarantine"],
            "planned": [False, False, False, True],
        })  # fmt: skip
        lots = pd.DataFrame({
            "sku": ["A"], "supplier_id": ["S1"], "quantity": [100.0], "unit_price": [2.0],
            "order_value": [200.0], "tier_min_qty": [100.0], "expected_cost": [1.0],
            "savings": [0.0], "expected_leftover": [1.0], "stockout_risk": [0.1],
            "reason": ["r"], "explanation": ["{}"],
        })  # fmt: skip
        empty = pd.DataFrame(columns=["unique_id", "ds", "y"])
        forecasts = pd.DataFrame(columns=["unique_id", "ds", "model", "mean", *QUANTILES])
        warehouse.publish_run(con, run_id, "night-1", empty, forecasts, lots, SOLVER,
                              not_planned=not_planned)  # fmt: skip
        refused = {
            Decision("C", "approve"): (
                f"sku C: not planned by this run: {no_offer} (nothing to approve)"
            ),
            Decision("D", "override", supplier_id="S1", quantity=100, unit_price=2.0): (
                "sku D: not planned by this run: open orders unknown: open_orders.csv row 2 is "
                "in quarantine; stock unknown: stock.csv has no row (nothing to override)"
            ),
            Decision("C", "reject"): (
                f"sku C: not planned by this run: {no_offer} (nothing to reject)"
            ),
            Decision("B", "approve"): "sku B: not among the lots of this run",
        }
        for decision, message in refused.items():
            with pytest.raises(DecisionError) as error:
                warehouse.record_decisions(con, [decision], decided_by="anna")
            assert str(error.value) == f"refused, nothing recorded: {message}"
        assert warehouse.decision_history(con).empty


def test_a_lot_decided_again_after_the_erp_took_another_run_of_the_night_is_named(con, tmp_path):
    """A approved (200) on night-1 and ordered as RV-night-1-A; the planner then approved
    A on the budget rerun of the night (250). The export of the night held RV-night-1-budget-A
    like any other lot, though no later plan counts it while the ERP carries RV-night-1-A:
    ordered as well, A would have two orders. Now it is named, with the ERP's order."""
    warehouse.record_decisions(con, [Decision("A", "approve")], decided_by="anna", now=NOON)
    _publish(con, AS_OF, "night-1-budget", 250.0)
    warehouse.record_decisions(con, [Decision("A", "approve"), Decision("B", "approve")],
                               decided_by="anna", now=NOON + timedelta(hours=1))  # fmt: skip
    assert warehouse.taken_over_elsewhere(con).empty  # the ERP carries nothing yet
    next_night = AS_OF + timedelta(days=1)
    erp = "po_id,sku,supplier_id,quantity,due_date\nRV-night-1-A,A,S1,200,2024-04-15\n"
    warehouse.load_folder(con, write_folder(tmp_path / "in", open_orders__csv=erp), next_night)
    exported = warehouse.approved_lots(con)["po_id"].tolist()
    assert exported == ["RV-night-1-budget-A", "RV-night-1-budget-B"]
    taken = warehouse.taken_over_elsewhere(con)
    columns = ["sku", "po_id", "quantity", "erp_po_id", "erp_quantity"]
    assert taken[columns].values.tolist() == [
        ["A", "RV-night-1-budget-A", 250, "RV-night-1-A", 200]
    ]
    # received since: the ERP's row left the file, the lot still counts nowhere
    warehouse.load_folder(con, write_folder(tmp_path / "in2"), next_night + timedelta(days=1))
    taken = warehouse.taken_over_elsewhere(con)
    assert taken["erp_po_id"].tolist() == ["RV-night-1-A"] and taken["erp_quantity"].isna().all()


def test_a_rerun_of_a_night_whose_lot_the_erp_took_says_what_the_erp_holds(con, tmp_path):
    """Night-1's A (200) and B (20) approved; the ERP carried both, received B in full and
    40 of A. Replanning night-1 from today's files (a rerun of an old night) recommends other
    lots, and its notes said of both 'it still counts as an open order': B no longer counts
    at all (received), and of A the ERP's 160 open count, not the 200 approved. B has no note
    now; A's names the ERP's quantity."""
    decisions = [Decision("A", "approve"), Decision("B", "approve")]
    warehouse.record_decisions(con, decisions, decided_by="anna", now=NOON)
    erp = "po_id,sku,supplier_id,quantity,due_date\n"
    carried = erp + "RV-night-1-A,A,S1,200,2024-04-15\nRV-night-1-B,B,S1,20,2024-04-15\n"
    next_night = AS_OF + timedelta(days=1)
    warehouse.load_folder(con, write_folder(tmp_path / "in", open_orders__csv=carried), next_night)
    partly = erp + "RV-night-1-A,A,S1,160,2024-04-15\n"
    warehouse.load_folder(con, write_folder(tmp_path / "in2", open_orders__csv=partly), AS_OF)
    _publish(con, AS_OF, "night-1", 0.0, qty_b=0.0)  # the rerun counts the ERP's orders
    changed = warehouse.changed_decisions(con)
    assert changed[["sku", "quantity_now", "erp_quantity"]].values.tolist() == [["A", 0, 160]]


def test_a_lot_approved_after_a_later_nights_plan_was_made_is_named_on_that_plan(con, tmp_path):
    """Night-1's review form answered after night-2 was published: A approved (200) on night-1,
    which night-2's plan did not count, and night-2's A (180) stood pending without a word;
    approved as well, A had two orders. Now night-2's pending A names the earlier lot."""
    next_night = AS_OF + timedelta(days=1)
    warehouse.load_folder(con, write_folder(tmp_path / "in"), next_night)
    _publish(con, next_night, "night-2", 180.0)
    assert warehouse.approved_after_plan(con).empty
    warehouse.record_decisions(con, [Decision("A", "approve")], decided_by="anna",
                               run_key="night-1")  # fmt: skip
    late = warehouse.approved_after_plan(con)
    columns = ["sku", "po_id", "quantity", "supplier_id_now", "quantity_now"]
    assert late[columns].values.tolist() == [["A", "RV-night-1-A", 200, "S1", 180]]
    assert late["night"].tolist() == [pd.Timestamp(AS_OF)]
    # once night-2 decides on A (here: rejects it), nothing is left to warn about
    warehouse.record_decisions(con, [Decision("A", "reject")], decided_by="anna")
    assert warehouse.approved_after_plan(con).empty


def test_an_approved_lot_is_due_after_its_supplier_items_lead_time(tmp_path: Path) -> None:
    """S1 delivers A in 14 days (suppliers.csv) but B in 90 (B's own supplier_items
    lead_time): an approved lot of B was due 14 days after approval, counted as arriving
    weeks early by the next nights."""
    offers = BASE["supplier_items.csv"].replace("\n", ",\n").replace("type,", "type,lead_time")
    offers = offers.replace("S1,B,10,1,all_units,", "S1,B,10,1,all_units,90")
    with warehouse.connect(tmp_path / "wh.duckdb") as con:
        warehouse.load_folder(con, write_folder(tmp_path / "in", supplier_items__csv=offers), AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)
        decided = [Decision("A", "approve"), Decision("B", "approve")]
        warehouse.record_decisions(con, decided, decided_by="anna", now=NOON)
        due = warehouse.decision_history(con).set_index("sku")["due_date"]
    assert due["A"] == pd.Timestamp(NOON.date() + timedelta(days=14))  # S1's lead_time
    assert due["B"] == pd.Timestamp(NOON.date() + timedelta(days=90))  # B's own with S1


ORDER_KEYS = ["supplier_id", "order_cost", "planned", "now"]


def test_purchase_orders_as_decided_name_an_order_emptied_added_or_left_to_one_lot(con) -> None:
    """A and B share S1's purchase order (order_cost 120); moving A to S2 (order_cost 80,
    no lot of the plan) and rejecting B changed what the night pays for purchase orders, and
    approve, override and reject said nothing about it."""
    from flows.console import order_notes

    con.execute("UPDATE suppliers SET order_cost = CASE supplier_id WHEN 'S1' THEN 120 "
                "ELSE 80 END")  # fmt: skip
    _publish(con, AS_OF, "night-1", 200.0)  # a rerun of the night plans with them
    orders = warehouse.decided_purchase_orders(con)
    assert orders[ORDER_KEYS].values.tolist() == [["S1", 120.0, ["A", "B"], ["A", "B"]]]
    assert order_notes(orders) == []  # pending lots count as recommended
    warehouse.record_decisions(
        con, [Decision("A", "override", supplier_id="S2", quantity=55, unit_price=2.2)], "anna"
    )
    orders = warehouse.decided_purchase_orders(con)
    assert orders[ORDER_KEYS].values.tolist() == [
        ["S1", 120.0, ["A", "B"], ["B"]],
        ["S2", 80.0, [], ["A"]],
    ]
    assert order_notes(orders) == [
        "B is now the only lot on S1's purchase order tonight and pays its order_cost 120.00 "
        "alone (the plan shared it among 2 lots: A, B)",
        "A: this adds a purchase order with S2 (order_cost 80.00) that no other approved or "
        "pending lot of tonight shares (the plan placed none with S2)",
    ]
    assert order_notes(orders, {"S2"}) == order_notes(orders)[1:]
    warehouse.record_decisions(con, [Decision("B", "reject")], decided_by="anna")
    assert order_notes(warehouse.decided_purchase_orders(con), {"S1"}) == [
        "S1's purchase order tonight now has no lot: its order_cost 120.00 is not paid (the "
        "plan put A, B on it)"
    ]
    # an order the plan did not place that two lots share now; back as planned: no note
    warehouse.record_decisions(con, [Decision("A", "approve"), Decision("B", "approve")], "anna")
    orders = warehouse.decided_purchase_orders(con)
    assert orders[ORDER_KEYS].values.tolist() == [["S1", 120.0, ["A", "B"], ["A", "B"]]]
    assert order_notes(orders) == []
    con.execute("UPDATE suppliers SET order_cost = 0 WHERE supplier_id = 'S1'")
    _publish(con, AS_OF, "night-1", 200.0)  # a rerun planned without an order_cost
    assert warehouse.decided_purchase_orders(con).empty
    shared = pd.DataFrame([["S3", 60.0, [], ["A", "B"], 0.0, 300.0]], columns=orders.columns)
    assert order_notes(shared) == [
        "S3: the plan placed no purchase order with it tonight; A, B now share one "
        "(order_cost 60.00)"
    ]


def test_lots_as_decided_below_a_suppliers_min_order_value_are_named(con) -> None:
    """S1 refuses orders below 450 (min_order_value): the plan's A and B (480 together) reach
    it; rejecting B left A alone below it and nothing said so; now the note names the order,
    its value as decided and the lots on it."""
    from flows.console import order_notes

    con.execute("UPDATE suppliers SET min_order_value = 450 WHERE supplier_id = 'S1'")
    _publish(con, AS_OF, "night-1", 200.0)  # a rerun of the night plans with it
    orders = warehouse.decided_purchase_orders(con)
    assert orders.values.tolist() == [["S1", 0.0, ["A", "B"], ["A", "B"], 450.0, 480.0]]
    assert order_notes(orders) == []
    warehouse.record_decisions(con, [Decision("B", "reject")], decided_by="anna")
    orders = warehouse.decided_purchase_orders(con)
    assert orders["value"].tolist() == [400.0]
    assert order_notes(orders) == [
        "S1's lots as decided tonight add up to 400.00, below its min_order_value 450.00 per "
        "purchase order: it may refuse the order (A); add to it or reject them"
    ]
    warehouse.record_decisions(con, [Decision("A", "reject")], decided_by="anna")
    assert order_notes(warehouse.decided_purchase_orders(con)) == []  # no order: no minimum


def _suppliers(s1: str, s2: str = "0,0") -> str:
    """suppliers.csv of BASE with order_cost,min_order_value `s1` for S1 and `s2` for S2."""
    return (
        "supplier_id,name,lead_time,fixed_cost,on_time_rate,reject_rate,order_cost,"
        f"min_order_value\nS1,Acme,14,50,0.95,0.01,{s1}\nS2,Brix,7,30,,,{s2}\n"
    )


def test_review_and_export_use_the_order_terms_the_run_planned_with(tmp_path: Path) -> None:
    """Night 1 planned with S1's order_cost 120 and min_order_value 450; a later load of
    suppliers.csv (200 and 100) changed what review and export said of that plan: the notes
    named order_cost 200.00, no minimum note, and the export's order costs 200.00, none of
    which the plan weighed. They keep the terms the run planned with."""
    from flows.console import order_notes
    from flows.review_cli import exported_order_costs

    folder = tmp_path / "in"
    with warehouse.connect(tmp_path / "wh.duckdb") as con:
        write_folder(folder, suppliers__csv=_suppliers("120,450"))
        warehouse.load_folder(con, folder, AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)  # S1: A 400.00 + B 80.00
        write_folder(folder, suppliers__csv=_suppliers("200,100", "80,0"))
        warehouse.load_folder(con, folder, AS_OF + timedelta(days=1))  # not planned yet
        now = "SELECT order_cost FROM suppliers ORDER BY supplier_id"
        assert con.execute(now).fetchall() == [(200.0,), (80.0,)]
        warehouse.record_decisions(con, [Decision("B", "reject")], decided_by="anna")
        orders = warehouse.decided_purchase_orders(con)
        assert orders.values.tolist() == [["S1", 120.0, ["A", "B"], ["A"], 450.0, 400.0]]
        assert order_notes(orders) == [
            "S1's lots as decided tonight add up to 400.00, below its min_order_value 450.00 "
            "per purchase order: it may refuse the order (A); add to it or reject them",
            "A is now the only lot on S1's purchase order tonight and pays its order_cost 120.00 "
            "alone (the plan shared it among 2 lots: A, B)",
        ]
        warehouse.record_decisions(con, [Decision("A", "approve")], decided_by="anna")
        lots = warehouse.approved_lots(con)
        assert lots[["sku", "supplier_name", "order_cost"]].values.tolist() == [
            ["A", "Acme", 120.0]]  # fmt: skip
        assert exported_order_costs(lots).startswith(", order costs 120.00 of 1 supplier ")
        # S2 (80 now, 0 then): the plan paid no order_cost there, an override there adds none
        warehouse.record_decisions(
            con, [Decision("A", "override", supplier_id="S2", quantity=55, unit_price=2.2)], "anna"
        )
        assert warehouse.decided_purchase_orders(con)["supplier_id"].tolist() == ["S1"]
        assert warehouse.approved_lots(con)["order_cost"].tolist() == [0.0]


def test_a_rerun_of_the_night_replaces_the_terms_it_planned_with(tmp_path: Path) -> None:
    """A rerun of the same run_key stores its own terms in place of the earlier attempt's:
    one row per supplier, not one per attempt."""
    folder = tmp_path / "in"
    with warehouse.connect(tmp_path / "wh.duckdb") as con:
        write_folder(folder, suppliers__csv=_suppliers("120,450"))
        warehouse.load_folder(con, folder, AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)
        _publish(con, AS_OF, "night-1", 200.0)
        stored = "SELECT run_key, supplier_id, order_cost, min_order_value FROM run_suppliers "
        assert con.execute(stored + "ORDER BY ALL").fetchall() == [
            ("night-1", "S1", 120.0, 450.0), ("night-1", "S2", 0.0, 0.0)]  # fmt: skip
        write_folder(folder, suppliers__csv=_suppliers("200,100"))
        warehouse.load_folder(con, folder, AS_OF)
        run_id = _publish(con, AS_OF, "night-1", 200.0)
        assert con.execute(stored + "ORDER BY ALL").fetchall() == [
            ("night-1", "S1", 200.0, 100.0), ("night-1", "S2", 0.0, 0.0)]  # fmt: skip
        assert con.execute("SELECT DISTINCT run_id FROM run_suppliers").fetchall() == [(run_id,)]
        assert warehouse.decided_purchase_orders(con)["order_cost"].tolist() == [200.0]


def test_tiers_reached_and_missed_are_those_the_run_planned_with(tmp_path: Path) -> None:
    """Night 1 planned with S1's 2% from a spend of 450 (A 400 + B 80 reach it); a later load
    of supplier_tiers.csv (5% from 1,000; S2 2% from 10 units) made `lots` and the review form
    say no tier was reached, and review and export no longer named the tier a rejection of B
    misses. A supplier the run planned with keeps its tiers then, none included."""
    folder = tmp_path / "in"
    tiers = "supplier_id,basis,min_total,discount_rate\n"
    with warehouse.connect(tmp_path / "wh.duckdb") as con:
        write_folder(folder, supplier_tiers__csv=tiers + "S1,spend,450,0.02\n")
        warehouse.load_folder(con, folder, AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)
        write_folder(folder, supplier_tiers__csv=tiers + "S1,spend,1000,0.05\nS2,units,10,0.02\n")
        warehouse.load_folder(con, folder, AS_OF + timedelta(days=1))
        reached = warehouse.reached_supplier_tiers(con)
        assert reached.values.tolist() == [["S1", "spend", 450.0, 0.02, 480.0, 9.6]]
        warehouse.record_decisions(con, [Decision("B", "reject")], decided_by="anna")
        missed = warehouse.missed_supplier_tiers(con)
        assert missed.values.tolist() == [["S1", "spend", 450.0, 0.02, 480.0, 400.0]]
        # S2 had no tier when the run planned: 55 units of A there reach none
        warehouse.record_decisions(
            con, [Decision("A", "override", supplier_id="S2", quantity=55, unit_price=2.2)], "anna"
        )
        assert warehouse.missed_supplier_tiers(con)["now"].tolist() == [0.0]
        stored = con.execute("SELECT supplier_id, min_total FROM run_supplier_tiers").fetchall()
        assert stored == [("S1", 450.0)]
        _publish(con, AS_OF, "night-1", 200.0)  # a rerun plans with the tiers loaded now
        assert con.execute("SELECT supplier_id, min_total FROM run_supplier_tiers "
                           "ORDER BY ALL").fetchall() == [("S1", 1000.0), ("S2", 10.0)]  # fmt: skip
        assert warehouse.reached_supplier_tiers(con).empty


def test_a_run_published_before_terms_were_stored_reads_the_suppliers_table(
    tmp_path: Path,
) -> None:
    """A warehouse of b1acff6 (no run_suppliers) with a published run: its review and export
    keep working, on the suppliers' terms and tiers as loaded now (the only ones there are)."""
    path = tmp_path / "old.duckdb"
    schema = Path(__file__).parent / "data/schemas/2026-12-07_b1acff6.sql"
    with duckdb.connect(str(path)) as old:
        old.execute(schema.read_text())
        old.execute("INSERT INTO suppliers VALUES ('S1', 'Acme', 14, 50, 1, 0, 120, 450), "
                    "('S2', 'Brix', 7, 30, 1, 0, 0, 0)")  # fmt: skip
        old.execute("INSERT INTO supplier_items VALUES ('S1', 'A', 100, 10, 'all_units', NULL), "
                    "('S1', 'B', 10, 1, 'all_units', NULL)")  # fmt: skip
        old.execute("INSERT INTO price_breaks VALUES ('S1', 'A', 100, 2), ('S1', 'B', 10, 4)")
        old.execute("INSERT INTO supplier_tiers VALUES ('S1', 'spend', 450, 0.02)")
        old.execute("INSERT INTO runs (run_id, run_key, as_of, parameters, status, started_at, "
                    "ended_at) VALUES ('r-1', 'night-1', ?, '{}', 'succeeded', ?, ?)",
                    [AS_OF, NOON, NOON])  # fmt: skip
        old.execute("INSERT INTO recommendations (run_key, run_id, sku, supplier_id, quantity, "
                    "unit_price, order_value) VALUES ('night-1', 'r-1', 'A', 'S1', 200, 2, 400), "
                    "('night-1', 'r-1', 'B', 'S1', 20, 4, 80)")  # fmt: skip
    with warehouse.connect(path) as con:
        warehouse.record_decisions(con, [Decision("B", "reject"), Decision("A", "approve")],
                                   decided_by="anna")  # fmt: skip
        orders = warehouse.decided_purchase_orders(con)
        assert orders.values.tolist() == [["S1", 120.0, ["A", "B"], ["A"], 450.0, 400.0]]
        assert warehouse.approved_lots(con)["order_cost"].tolist() == [120.0]
        assert warehouse.reached_supplier_tiers(con)["min_total"].tolist() == [450.0]
        assert warehouse.missed_supplier_tiers(con)["now"].tolist() == [400.0]
        con.execute("UPDATE suppliers SET order_cost = 200 WHERE supplier_id = 'S1'")
        assert warehouse.decided_purchase_orders(con)["order_cost"].tolist() == [200.0]
        assert warehouse.approved_lots(con)["order_cost"].tolist() == [200.0]


def test_a_run_keeps_the_lead_times_it_planned_its_lots_with(tmp_path: Path) -> None:
    """Publish stores each recommended lot's lead time (A: S1's own 20 days for the item in
    supplier_items, B: S1's 14): a later load (A's own gone, S1 at 50) leaves them, a rerun
    of the night replaces them with those it planned with, and an item the plan ordered
    nothing of has none."""
    items = "supplier_id,sku,moq,pack_size,discount_type,lead_time\nS1,A,100,10,all_units,20\n"
    items += "S2,A,50,5,incremental,\nS1,B,10,1,all_units,\n"
    later = BASE["suppliers.csv"].replace("S1,Acme,14,", "S1,Acme,50,")
    folder = tmp_path / "in"
    with warehouse.connect(tmp_path / "wh.duckdb") as con:
        warehouse.load_folder(con, write_folder(folder, supplier_items__csv=items), AS_OF)
        _publish(con, AS_OF, "night-1", 200.0)
        warehouse.load_folder(con, write_folder(folder, suppliers__csv=later), AS_OF)
        assert warehouse.supplier_terms(con, "A", "S1")["lead_time"] == 50.0
        lead_times = [warehouse.planned_lead_time(con, "night-1", s) for s in ("A", "B", "C")]
        assert lead_times == [20.0, 14.0, None]
        _publish(con, AS_OF, "night-1", 200.0)
        stored = "SELECT sku, supplier_id, lead_time FROM run_lead_times ORDER BY ALL"
        assert con.execute(stored).fetchall() == [("A", "S1", 50.0), ("B", "S1", 50.0)]


def test_a_run_published_before_lead_times_were_stored_reads_the_offers_now(
    tmp_path: Path,
) -> None:
    """A warehouse of f059346 (no run_lead_times) with a published run: the recommended
    lot's lead time is its offer's as loaded now (the only one there is), none for an offer
    gone since."""
    path = tmp_path / "old.duckdb"
    schema = Path(__file__).parent / "data/schemas/2026-12-07_f059346.sql"
    with duckdb.connect(str(path)) as old:
        old.execute(schema.read_text())
        old.execute("INSERT INTO suppliers VALUES ('S1', 'Acme', 14, 50, 1, 0, 0, 0)")
        old.execute("INSERT INTO supplier_items VALUES ('S1', 'A', 100, 10, 'all_units', 20)")
        old.execute("INSERT INTO runs (run_id, run_key, as_of, parameters, status, started_at, "
                    "ended_at) VALUES ('r-1', 'night-1', ?, '{}', 'succeeded', ?, ?)",
                    [AS_OF, NOON, NOON])  # fmt: skip
        old.execute("INSERT INTO recommendations (run_key, run_id, sku, supplier_id, quantity) "
                    "VALUES ('night-1', 'r-1', 'A', 'S1', 200), ('night-1', 'r-1', 'B', 'S1', "
                    "20)")  # fmt: skip
    with warehouse.connect(path) as con:
        assert warehouse.planned_lead_time(con, "night-1", "A") == 20.0
        assert warehouse.planned_lead_time(con, "night-1", "B") is None
