"""Planner review of recommended lots: from the terminal (`reorder review`) or the Prefect UI.

The `review` flow reads the pending lots of the published run (current_run), closes the DuckDB file,
and waits for a typed `ReviewInput` form. `wait="suspend"` (deployed overnight review) lets the
process exit and re-runs the flow from the top when resumed; `wait="pause"` (local run) keeps
the process and polls every `poll_seconds`. A timeout leaves the lots pending. Input that
breaks a rule (unknown sku, quantity below moq or the first price break or off the
pack_size, ...) is refused as a whole, the reasons go to the log and to an artifact, and the
flow waits again. The form also marks one-offs (`one_offs`: an item's order lines of one day
that later forecasts leave out, as `reorder review one-off` marks them), in the same write as
the decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from prefect import flow, get_run_logger, pause_flow_run, suspend_flow_run, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import FlowPauseTimeout
from prefect.input import RunInput, create_flow_run_input, read_flow_run_input
from prefect.runtime import flow_run
from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

import warehouse
from flows.change_text import since_texts
from flows.console import (
    BEFORE_TIERS,
    changed_notes,
    decided_suppliers,
    end_of_life_notes,
    late_left_alone,
    late_notes,
    left_alone,
    marked_text,
    order_notes,
    other_run_notes,
    rejected_notes,
    run_warnings,
    tier_notes,
    units_problem,
)
from flows.params import today
from optimize.data import Offer, PriceBreak
from optimize.explain import price
from optimize.pricing import average_unit_price

PENDING_KEY = "pending-lots"
SHOWN_KEY = "reviewed-run-key"  # flow run input: the run_key whose lots were shown
REFUSED_KEY = "review-refused"
DECIDED_KEY = "review-decided"
ZERO_UNITS = "0 units orders nothing: to order nothing, set the action to reject"


# The form's JSON schema takes any number >= 0 as a quantity: the server checks an answer
# against it before the flow sees it, in words of its own ('10.5 is not valid under any of the
# given schemas', '0 is less than or equal to the minimum of 0'); LotInput then refuses part
# units and an override to 0 in the terminal's words.
_QUANTITY_SCHEMA = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}]}


class LotInput(BaseModel):
    """The decision on one lot, as typed in the Prefect UI form."""

    sku: str = Field(description="Item of the lot")
    action: Literal["approve", "override", "reject"]
    quantity: Annotated[int | None, WithJsonSchema(_QUANTITY_SCHEMA)] = Field(
        None, ge=0, description="override: new quantity in whole units (10, not 10.5)"
    )
    supplier_id: str | None = Field(None, description="override: another supplier")
    comment: str = ""

    @field_validator("quantity", mode="before")
    @classmethod
    def _whole_units(cls, value: Any) -> Any:
        """10.5 (or 1e20) is refused as `reorder review override --quantity` refuses it."""
        if isinstance(value, float) and (problem := units_problem(value, value)):
            raise PydanticCustomError("whole_units", problem)
        return value

    @field_validator("quantity")
    @classmethod
    def _not_zero(cls, value: int | None, info: ValidationInfo) -> int | None:
        """0 units orders nothing: a reject says so (a reject's 0 is taken as it); the form
        refused 0 in the server's words, naming no way to order nothing."""
        if value != 0 or info.data.get("action") == "reject":
            return None if value == 0 else value
        raise PydanticCustomError("zero_units", ZERO_UNITS)


class OneOffInput(BaseModel):
    """An item's order lines of one day to leave out of later forecasts, as typed in the form
    (`reorder review one-off SKU DATE --note` in the terminal)."""

    sku: str = Field(description="Item whose order lines of the day are a one-off")
    order_date: date = Field(description="Day of those order lines (YYYY-MM-DD)")
    note: str = Field("", description="Why: a project order, a typo the ERP let through, ...")


class ReviewInput(RunInput):
    """What a planner answers: approve all pending lots, and/or decide single lots, and/or
    mark one-offs."""

    planner: str = Field(min_length=1, description="Who decides (stored with each decision)")
    approve_all: bool = Field(False, description="Approve every pending lot not listed below")
    approve_suppliers: list[str] = Field(
        default_factory=list,
        description="Approve every pending lot of these suppliers not listed below",
    )
    comment: str = Field("", description="Comment for lots without their own comment")
    lots: list[LotInput] = Field(default_factory=list)
    one_offs: list[OneOffInput] = Field(
        default_factory=list,
        description="Order lines of one day that the next runs' forecasts leave out (a lot "
        "resting on one recent demand names its day: artifact pending-lots)",
    )


def unit_price(terms: dict, sku: str, supplier_id: str, quantity: int) -> float:
    """Average unit price (currency per unit) of `quantity` units under the supplier's breaks,
    priced by optimize's own pricing (all_units or incremental)."""
    offer = Offer(
        supplier_id=supplier_id,
        moq=int(terms["moq"]),
        pack_size=int(terms["pack_size"]),
        discount_type=terms["discount_type"],
        price_breaks=tuple(PriceBreak(int(m), float(p)) for m, p in terms["price_breaks"]),
        fixed_cost=float(terms["fixed_cost"]),
        lead_time=0,
        sku=sku,
    )
    return round(float(average_unit_price(offer, int(quantity))), 6)


def decide(
    con: Any,
    decisions: list[warehouse.Decision],
    decided_by: str,
    channel: str = "cli",
    run_key: str | None = None,
) -> pd.DataFrame:
    """Price the overrides and record all decisions in one transaction (or none:
    warehouse.DecisionError names each sku, supplier and rule that refused); due dates count
    the lead time from today in REORDER_TIMEZONE (`flows.params.today`)."""
    lots = warehouse.review_lots(con, run_key, with_zero=True).set_index("sku")
    priced = [_priced(con, d, lots) for d in decisions]
    return warehouse.record_decisions(con, priced, decided_by, channel, run_key, day=today())


def _priced(con: Any, decision: warehouse.Decision, lots: pd.DataFrame) -> warehouse.Decision:
    if decision.action != "override" or decision.sku not in lots.index:
        return decision
    lot = lots.loc[decision.sku]
    supplier_id = decision.supplier_id or lot["supplier_id"]
    quantity = lot["quantity"] if decision.quantity is None else decision.quantity
    if supplier_id is None or pd.isna(supplier_id) or not quantity or quantity != int(quantity):
        return decision  # record_decisions refuses it with the reason
    terms = warehouse.supplier_terms(con, decision.sku, str(supplier_id))
    if terms is None or not terms["price_breaks"]:
        return decision
    price = unit_price(terms, decision.sku, str(supplier_id), int(quantity))
    return warehouse.Decision(
        decision.sku, "override", str(supplier_id), float(quantity), decision.comment, price
    )


def slower_notes(con: Any, rows: pd.DataFrame) -> list[str]:
    """One note per override to a supplier with a longer lead time than the recommended one
    (`warehouse.record_decisions`' rows): the lot comes that much later than the plan's stock
    and stockout risk assumed. 'P-26720: S-112 delivers in 44 days (due 2027-01-20), 31 days
    after S-106's recommended lot (13 days): the plan's stockout risk assumed S-106's'. The
    decided supplier's lead time is its offer's now (the due date's); the recommended one's
    is the one the run planned with (`warehouse.planned_lead_time`), not a later load's."""
    notes = []
    for r in rows.itertuples(index=False):
        new, old = r.supplier_id, r.recommended_supplier_id
        if r.action != "override" or pd.isna(new) or pd.isna(old) or new == old:
            continue
        now = warehouse.supplier_terms(con, r.sku, str(new))
        then = warehouse.planned_lead_time(con, r.run_key, r.sku)
        if now is None or then is None or now["lead_time"] <= then:
            continue
        due = f" (due {pd.Timestamp(r.due_date):%Y-%m-%d})" if pd.notna(r.due_date) else ""
        notes.append(
            f"{r.sku}: {new} delivers in {now['lead_time']:,.0f} days{due}, "
            f"{now['lead_time'] - then:,.0f} days after {old}'s recommended lot "
            f"({then:,.0f} days): the plan's stockout risk assumed {old}'s"
        )
    return notes


def decisions_from_input(
    pending: pd.DataFrame, answer: ReviewInput, late: Sequence[str] = ()
) -> list[warehouse.Decision]:
    """Listed lots as decided; with approve_all every other pending lot is approved, with
    approve_suppliers every other pending lot recommended from one of them; neither touches
    a lot whose item was decided on another run of the night (that decision counts) nor one
    of the `late` skus, whose item an earlier night approved after this plan was made
    (`warehouse.approved_after_plan`: approved as well, the item is ordered twice)."""
    listed = [
        warehouse.Decision(
            lot.sku, lot.action, lot.supplier_id, lot.quantity, lot.comment or answer.comment
        )
        for lot in answer.lots
    ]
    named = {lot.sku for lot in answer.lots}
    chosen = pending["supplier_id"].isin(answer.approve_suppliers) | answer.approve_all
    chosen &= pending["other_run_key"].isna()  # decided on another run of the night: it counts
    chosen &= ~pending["sku"].isin(late)
    listed += [
        warehouse.Decision(sku, "approve", comment=answer.comment)
        for sku in pending.loc[chosen, "sku"]
        if sku not in named
    ]
    return listed


def left_alone_notes(
    pending: pd.DataFrame, answer: ReviewInput, late: Sequence[str] = ()
) -> list[str]:
    """What approve_all / approve_suppliers left alone, worded as `review approve --all` says
    it: the lots they chose whose item was decided on another run of the night, and those of
    the `late` skus (`decisions_from_input`)."""
    named = {lot.sku for lot in answer.lots}
    chosen = pending["supplier_id"].isin(answer.approve_suppliers) | answer.approve_all
    chosen &= ~pending["sku"].isin(named)
    elsewhere = pending.loc[chosen & pending["other_run_key"].notna(), "sku"]
    notes = [] if elsewhere.empty else [left_alone(elsewhere)]
    late_skus = pending.loc[chosen & pending["other_run_key"].isna() & pending["sku"].isin(late)]
    if not late_skus.empty:
        how = "list it in the form with action approve to order both"
        notes.append(late_left_alone(late_skus["sku"], how))
    return notes


@task(name="read-pending-lots", cache_policy=NO_CACHE)
def read_pending(db_path: str, run_key: str | None = None) -> pd.DataFrame:
    """Pending lots of the run_key (None: of the published run, current_run); the connection
    is closed on return."""
    with warehouse.connect(db_path, create=False) as con:
        return warehouse.review_lots(con, run_key, status="pending")


@task(name="read-changed-decisions", cache_policy=NO_CACHE)
def read_changed(db_path: str, run_key: str | None = None) -> list[str]:
    """Notes on the decisions a rerun of the night no longer recommends (they still count)."""
    with warehouse.connect(db_path, create=False) as con:
        return changed_notes(warehouse.changed_decisions(con, run_key))


@task(name="read-failed-runs", cache_policy=NO_CACHE)
def read_failed(db_path: str) -> list[str]:
    """Warnings on the runs that failed, were killed or still run since the published one
    (its lots are not the newest night's, or not the latest attempt)."""
    with warehouse.connect(db_path, create=False) as con:
        return run_warnings(con, db_path)


@task(name="read-earlier-rejections", cache_policy=NO_CACHE)
def read_rejected(db_path: str, run_key: str | None = None) -> list[str]:
    """Notes on the lots recommended again after an earlier night rejected them."""
    with warehouse.connect(db_path, create=False) as con:
        return rejected_notes(warehouse.earlier_rejections(con, run_key))


@task(name="read-approved-after-plan", cache_policy=NO_CACHE)
def read_late(db_path: str, run_key: str | None = None) -> list[str]:
    """Notes on the pending lots whose item an earlier night approved after this plan was
    made (`warehouse.approved_after_plan`): approved as well, the item is ordered twice."""
    with warehouse.connect(db_path, create=False) as con:
        return late_notes(warehouse.approved_after_plan(con, run_key))


@task(name="read-reached-tiers", cache_policy=NO_CACHE)
def read_reached(db_path: str, run_key: str) -> pd.DataFrame:
    """The supplier-wide tiers the run_key's lots reach (`warehouse.reached_supplier_tiers`)."""
    with warehouse.connect(db_path, create=False) as con:
        return warehouse.reached_supplier_tiers(con, run_key)


@task(name="read-lot-changes", cache_policy=NO_CACHE)
def read_since(db_path: str, run_key: str) -> dict[str, str]:
    """Per sku how the run_key's lot relates to the night before (`change_text.since_texts`)."""
    with warehouse.connect(db_path, create=False) as con:
        return since_texts(warehouse.lot_changes(con, run_key))


@task(name="read-spike-days", cache_policy=NO_CACHE)
def read_spike_days(db_path: str, run_key: str) -> list[str]:
    """How to mark, in the form, the days of the run_key's pending lots resting on one recent
    demand that are not marked yet (`one_off_hints`)."""
    with warehouse.connect(db_path, create=False) as con:
        spikes = warehouse.spike_days(con, run_key)
        pending = warehouse.review_lots(con, run_key, status="pending")["sku"]
    return one_off_hints(spikes[spikes["sku"].isin(pending)])


def one_off_hints(spikes: pd.DataFrame) -> list[str]:
    """Per lot resting on one recent demand (`warehouse.spike_days`), how a planner in the UI
    marks its day: its reason ends with the terminal's command ('P-84518: if the 161 units
    ordered on 2026-12-01 are a one-off, list them under one_offs in this form (sku P-84518,
    order_date 2026-12-01): from the next run on the forecast leaves them out; this run's
    lot was planned with them, approve all approves it as it is')."""
    return [
        f"{r.sku}: if the {r.units:,.0f} units ordered on {r.order_date:%Y-%m-%d} are a "
        f"one-off, list them under one_offs in this form (sku {r.sku}, order_date "
        f"{r.order_date:%Y-%m-%d}): from the next run on the forecast leaves them out; this "
        "run's lot was planned with them, approve all approves it as it is"
        for r in spikes.itertuples(index=False)
    ]


@task(name="record-decisions", cache_policy=NO_CACHE)
def record_answer(
    db_path: str, run_key: str, answer: ReviewInput
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Record a planner's answer for the run_key (all decisions and one-offs or none); (the
    decisions recorded, the notes on them, each also logged as a warning: lots approve all
    left alone, past end of life, a slower supplier, tiers missed, purchase orders emptied or
    added, a lot approved as planned with a one-off just marked; what each one-off mark
    did)."""
    with warehouse.connect(db_path, create=False) as con:
        if unknown := warehouse.unknown_suppliers_text(con, answer.approve_suppliers):
            raise warehouse.DecisionError(f"approve_suppliers: {unknown}")
        pending = warehouse.review_lots(con, run_key, status="pending")
        late = warehouse.approved_after_plan(con, run_key)["sku"].tolist()
        decisions = decisions_from_input(pending, answer, late)
        recorded, marked = decide_and_mark(con, decisions, answer, run_key)
        notes = left_alone_notes(pending, answer, late)  # once the answer is recorded
        notes += approved_one_off_notes(recorded, marked)
        notes += end_of_life_notes(warehouse.past_end_of_life(con, recorded))
        notes += slower_notes(con, recorded)
        notes += decided_tier_notes(con, run_key, db_path)
        orders = warehouse.decided_purchase_orders(con, run_key)
        notes += order_notes(orders, decided_suppliers(recorded))
    for note in notes:
        get_run_logger().warning(note)
    return recorded, notes, [marked_text(m) for m in marked]


def decide_and_mark(
    con: Any, decisions: list[warehouse.Decision], answer: ReviewInput, run_key: str
) -> tuple[pd.DataFrame, list[warehouse.Marked]]:
    """The answer's decisions (`decide`) and one-offs (`warehouse.mark_one_offs`, marked_by
    the planner) in one transaction: all recorded, or none (DecisionError naming every lot
    and one-off refused: 'refused, nothing recorded: one_offs: sku P-1: no order line on
    ...')."""
    marks = [(m.sku, m.order_date, m.note) for m in answer.one_offs]
    with warehouse.transaction(con):
        try:
            marked, refused = warehouse.mark_one_offs(con, marks, answer.planner), ""
        except warehouse.OneOffError as error:
            marked, refused = [], f"one_offs: {error}"
        try:
            recorded = decide(con, decisions, answer.planner, "prefect", run_key)
        except warehouse.DecisionError as error:
            raise warehouse.DecisionError("; ".join(filter(None, [str(error), refused]))) from None
        if refused:
            raise warehouse.DecisionError(f"refused, nothing recorded: {refused}")
    return recorded, marked


def approved_one_off_notes(recorded: pd.DataFrame, marked: Sequence[warehouse.Marked]) -> list[str]:
    """One note per lot the answer approved whose item's one-off it marked: the lot was
    planned with those units ('P-84518: its lot of 79 units, approved, was planned with the 161
    units of 2026-12-01 just marked as a one-off: the next run plans without them; reject or
    override the lot if it is too large')."""
    days = {m.sku: m for m in marked}
    notes = []
    for r in recorded[recorded["action"] == "approve"].itertuples(index=False):
        if (mark := days.get(r.sku)) is not None:
            notes.append(
                f"{r.sku}: its lot of {r.quantity:,.0f} units, approved, was planned with the "
                f"{mark.units:,.0f} units of {mark.order_date:%Y-%m-%d} just marked as a "
                "one-off: the next run plans without them; reject or override the lot if it "
                "is too large"
            )
    return notes


def decided_tier_notes(con: Any, run_key: str, db_path: str) -> list[str]:
    """The supplier-wide tiers the run_key's lots as decided miss (`console.tier_notes`): of a
    form answered after a later run was published, they name the form's night and run, not
    `reorder review list`, which lists the published run's lots."""
    missed = warehouse.missed_supplier_tiers(con, run_key)
    latest = warehouse.latest_run(con)
    if missed.empty or (latest is not None and latest[1] == run_key):
        return tier_notes(missed, db_path)
    run_id = warehouse.review_lots(con, run_key, with_zero=True)["run_id"].iloc[0]
    night = warehouse.run_status(con, str(run_id))[3]
    return tier_notes(missed, db_path, night, of=f"run {run_key}, decided by this review form")


# At least 1 in the flow's signature: the deployment's parameter schema then refuses 0 when
# the run is created, naming the parameter, as it does the nightly's (not when it starts).
AtLeastOne = Annotated[int, Field(ge=1)]


@flow(name="review", log_prints=True)
def review(
    db_path: str = "demo/reorder.duckdb",
    wait: Literal["pause", "suspend"] = "suspend",
    timeout_seconds: AtLeastOne = 12 * 3600,
    poll_seconds: AtLeastOne = 10,
    attempts: AtLeastOne = 3,
) -> dict:
    """Wait for a planner's decisions on the pending lots of the published run (current_run).

    (Google-style Args: Prefect shows each line in the UI's run form.)

    Args:
        db_path: The DuckDB warehouse file (an existing one: a misspelled path is refused; relative to the flow's working folder, named absolute in the commands the form prints).
        wait: suspend = the process exits while the planner decides (deployments); pause = it stays (local runs).
        timeout_seconds: Seconds to wait for an answer; then the lots stay pending (at least 1).
        poll_seconds: How often a paused run (wait = pause) looks for the answer, seconds (at least 1).
        attempts: Refused answers to take before giving up; the lots then stay pending (at least 1).
    """  # noqa: E501
    logger = get_run_logger()
    # the commands the form and its notes print name the warehouse: from the planner's
    # terminal, in any folder, not the flow's working folder (a deployment's REORDER_HOME)
    db_path = str(Path(db_path).resolve())
    # A suspended run starts again from the top when resumed: the run_key shown the first time
    # is kept with the flow run, so the answer goes to the lots the planner saw even if another
    # run (a rerun, the next night) has been published meanwhile.
    shown = read_flow_run_input(SHOWN_KEY)
    pending = read_pending(db_path, shown)  # no DuckDB connection is open while waiting
    notes = _logged_notes(db_path, shown)
    if pending.empty:
        logger.info("no pending lots to review")
        return {"status": "nothing to review", "pending": 0, "recorded": 0} | notes
    run_key = str(pending["run_key"].iloc[0])
    if shown is None:
        create_flow_run_input(SHOWN_KEY, run_key)
        reached, since = read_reached(db_path, run_key), read_since(db_path, run_key)
        hints = read_spike_days(db_path, run_key)
        create_markdown_artifact(
            markdown=pending_markdown(
                pending, db_path, **notes, reached=reached, since=since, one_offs=hints
            ),
            key=PENDING_KEY,
        )
        for hint in hints:
            logger.warning("one recent demand: %s", hint)
        logger.info(waiting_note(len(pending), run_key, timeout_seconds))
    for attempt in range(attempts):
        key = f"review-{attempt}"
        if read_flow_run_input(f"{key}-refused") is not None:
            continue  # refused before this (suspended) run started again from the top
        try:
            answer = _wait(wait, timeout_seconds, poll_seconds, key)
            recorded, decided_notes, marks = record_answer(db_path, run_key, answer)
        except FlowPauseTimeout:
            logger.warning(
                "no answer within %s s: %s lots stay pending", timeout_seconds, len(pending)
            )
            return {"status": "timed out", "pending": len(pending), "recorded": 0} | notes
        except (warehouse.DecisionError, ValidationError) as refused:
            error = refused if isinstance(refused, warehouse.DecisionError) else form_error(refused)
            left = attempts - attempt - 1
            again = f"; answer again ({left} more answer{'s' if left > 1 else ''} taken)"
            logger.error("answer refused: %s%s", error, again if left else "")
            create_markdown_artifact(
                markdown=f"# Review answer refused\n\n{error}", key=REFUSED_KEY
            )
            # a suspended run reads its earlier answers again when resumed: this one is done
            create_flow_run_input(f"{key}-refused", str(error))
            continue
        left = len(set(pending["sku"]) - set(recorded["sku"]))
        logger.info("%s decisions recorded by %s, %s lots left pending", len(recorded),
                    answer.planner, left)  # fmt: skip
        for mark in marks:
            logger.info(mark)
        create_markdown_artifact(
            markdown=decided_markdown(
                recorded, run_key, answer.planner, left, attempt, decided_notes, marks
            ),
            key=DECIDED_KEY,
        )
        return {"status": "decided", "pending": len(pending), "recorded": len(recorded)} | notes
    logger.error("giving up after %s refused answers (attempts): %s lots stay pending; start "
                 "the review again to answer", attempts, len(pending))  # fmt: skip
    return {"status": "refused", "pending": len(pending), "recorded": 0} | notes


def _logged_notes(db_path: str, shown: str | None) -> dict[str, list[str]]:
    """The notes on lots of the run shown (`shown`: its run_key, None: the published run's)
    that a planner reads before answering, each logged: decided on another recommendation,
    rejected or approved late on an earlier night, runs that failed, were killed or still run
    since the published one (`read_failed`)."""
    logger = get_run_logger()
    notes = {
        "changed": read_changed(db_path, shown),
        "rejected": read_rejected(db_path, shown),
        "failed": read_failed(db_path),
        "late": read_late(db_path, shown),
    }
    for note in notes["changed"]:
        logger.warning("decided on another recommendation: %s", note)
    for note in notes["rejected"]:
        logger.info("rejected on an earlier night: %s", note)
    for note in notes["late"]:
        logger.warning("approved on an earlier night after this plan was made: %s", note)
    for note in notes["failed"]:
        logger.warning(note)
    return notes


def decided_markdown(
    recorded: pd.DataFrame,
    run_key: str,
    planner: str,
    left: int,
    refused: int,
    notes: Sequence[str] = (),
    marks: Sequence[str] = (),
) -> str:
    """The artifact of a recorded answer: beside a refused one (`refused` answers before it)
    the run's artifacts showed the refusal as its last word; `notes` (`record_answer`'s) were
    in the log alone, where a planner answering in the UI does not look; `marks`: what each
    of its one-offs did (`console.marked_text`)."""
    counts = recorded["action"].value_counts()
    actions = ", ".join(
        f"{counts[a]} {a}" for a in ("approve", "override", "reject") if a in counts
    )
    n = len(recorded)
    text = (
        f"# Review answer recorded\n\n{n} decision{'s' * (n != 1)} on run {run_key} recorded "
        f"by {planner} ({actions or 'none'}); {left} lot{'s' * (left != 1)} left pending."
    )
    if refused:
        earlier = "An earlier answer was" if refused == 1 else f"{refused} earlier answers were"
        text += f" {earlier} refused (artifact {REFUSED_KEY}): nothing of it was recorded."
    if marks:
        text += "\n\n## One-offs\n\n" + "\n".join(f"- {mark}" for mark in marks)
    if notes:
        text += "\n\n## Notes\n\n" + "\n".join(f"- {note}" for note in notes)
    return text


def waiting_note(count: int, run_key: str, timeout_seconds: int) -> str:
    """What the run waits for, said once when it first waits: Prefect's own log says only
    "Suspending flow run", and 3.8.8 has no `prefect flow-run resume`."""
    hours = f"{timeout_seconds / 3600:.3g} h" if timeout_seconds >= 3600 else f"{timeout_seconds} s"
    return (
        f"{count} lots of run {run_key} wait for review (artifact {PENDING_KEY}): answer with "
        f"this run's form (Resume in the UI; from Python: prefect.flow_runs.resume_flow_run("
        f"'{flow_run.get_id()}', run_input={{'planner': 'anna', 'approve_all': True}})) within "
        f"{hours}, else they stay pending"
    )


def form_error(error: ValidationError) -> warehouse.DecisionError:
    """An answer the form's schema let through and ReviewInput refuses (a quantity of 10.5),
    refused as one that breaks a rule: 'refused, nothing recorded: lots[0].quantity: 10.5 is
    not a whole number: ...' (the field named as the server names it)."""
    problems = []
    for e in error.errors():
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"])
        problems.append(f"{field.lstrip('.')}: {e['msg']}")
    return warehouse.DecisionError("refused, nothing recorded: " + "; ".join(problems))


def _wait(wait: str, timeout: int, poll: int, key: str) -> ReviewInput:
    if wait == "suspend":
        return suspend_flow_run(wait_for_input=ReviewInput, timeout=timeout, key=key)
    return pause_flow_run(wait_for_input=ReviewInput, timeout=timeout, poll_interval=poll, key=key)


def pending_markdown(
    pending: pd.DataFrame,
    db_path: str,
    changed: Sequence[str] = (),
    rejected: Sequence[str] = (),
    failed: Sequence[str] = (),
    limit: int = 100,
    reached: pd.DataFrame | None = None,
    late: Sequence[str] = (),
    since: dict[str, str] | None = None,
    one_offs: Sequence[str] = (),
) -> str:
    """The pending lots as a markdown table for the planner who fills in the form (below the
    runs that `failed` since they were published; the order value per supplier, labelled
    before supplier-wide tier discounts when a supplier's lots reach one (`reached`:
    `warehouse.reached_supplier_tiers`; the discount comes off the invoice, and the report's
    spend by supplier is after it); the first `limit` lots, then where the others are), then
    the decisions made on a lot the night's latest run no longer recommends (`changed`) and
    the lots recommended again after an earlier night rejected them (`rejected`) and those
    whose item an earlier night approved after this plan was made (`late`: approve all and
    approve suppliers leave them); `since`: per sku how its lot relates to the night before
    (`change_text.since_texts`; none: the column is empty); `one_offs`: how to mark in the form
    the day a lot rests on (`one_off_hints`: its reason names the terminal's command)."""
    since = since or {}
    by_supplier = (
        pending.groupby("supplier_id")["order_value"]
        .agg(["size", "sum"])
        .sort_values("sum", ascending=False)
    )
    reached = pd.DataFrame(columns=["supplier_id"]) if reached is None else reached
    rates = {r.supplier_id: r.discount_rate for r in reached.itertuples(index=False)
             if r.supplier_id in by_supplier.index}  # fmt: skip
    lines = [
        f"# {len(pending)} lots waiting for review (run {pending['run_key'].iloc[0]})",
        "",
        *(f"> **Warning:** {note}\n" for note in failed),
        f"| supplier | lots | {BEFORE_TIERS if rates else 'order value'} |",
        "|---|--:|--:|",
        *(
            f"| {s}{f' ({rates[s]:.0%} tier)' if s in rates else ''} | {n} | {v:,.2f} |"
            for s, n, v in by_supplier.itertuples()
        ),
        "",
        "| sku | supplier | quantity | unit price | order value | since | reason |",
        "|---|---|--:|--:|--:|---|---|",
    ]
    for lot in _to_decide_first(pending).head(limit).itertuples():
        lines.append(
            f"| {lot.sku} | {lot.supplier_id} | {lot.quantity:,.0f} | {price(lot.unit_price)} "
            f"| {lot.order_value:,.2f} | {since.get(lot.sku, '')} | {lot.reason} |"
        )
    if len(pending) > limit:
        lines.append(f"\n... and {len(pending) - limit} more: {rest_pointer(pending, db_path)}")
    other = other_run_notes(pending, form=True) if "other_run_key" in pending else []
    if other:
        lines += ["", "## Decided on another run of this night (approve all leaves them)", ""]
        lines += [f"- {note}" for note in other]
    if changed:
        lines += ["", "## Decided on another recommendation (still counts)", ""]
        lines += [f"- {note}" for note in changed]
    if rejected:
        lines += ["", "## Rejected on an earlier night, recommended again", ""]
        lines += [f"- {note}" for note in rejected]
    if late:
        lines += ["", "## Approved on an earlier night after this plan was made (approve all "
                  "leaves them)", ""]  # fmt: skip
        lines += [f"- {note}" for note in late]
    if one_offs:
        lines += ["", "## Resting on one recent demand: a one-off?", ""]
        lines += [f"- {hint}" for hint in one_offs]
    return "\n".join(lines)


def _to_decide_first(pending: pd.DataFrame) -> pd.DataFrame:
    """The lots in their order, those whose item was decided on another run of the night last:
    after a what-if rerun of a decided night they filled the form's table (90 of 92 lots)
    ahead of the few left to decide."""
    if "other_run_key" not in pending:
        return pending
    return pending.sort_values("other_run_key", key=lambda s: s.notna(), kind="stable")


def rest_pointer(pending: pd.DataFrame, db_path: str) -> str:
    """Where the lots the form's table leaves out are: the form's run by its run_id, since
    `reorder review list` lists the published run's, which is another run once a later plan is
    published while the form is open; both commands name the warehouse, `db_path` (the
    terminal has no default one: without --db a copied command stopped at "Missing option
    '--db'")."""
    run_key, run_id = pending["run_key"].iloc[0], pending["run_id"].iloc[0]
    lots = warehouse.command_line("reorder", "lots", "--db", db_path, "--run-id", run_id)
    review = warehouse.command_line("reorder", "review", "list", "--db", db_path)
    return (
        f"the lots of run {run_key}, `{lots}` (`{review}` lists the pending lots of the "
        "published run, this one until a later plan is published)"
    )
