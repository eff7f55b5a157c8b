"""The HTML report of a real nightly run: written, complete, recorded, linked."""

from __future__ import annotations

import html
import re
import shutil
from datetime import timedelta
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

import optimize
import warehouse
from flows.artifacts import REPORT_KEY
from flows.nightly import nightly
from flows.report import MAX_ITEMS, _readable, cost_curves, default_path
from tests.flows.conftest import AS_OF


@pytest.fixture(scope="module")
def run(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    db_path = tmp_path_factory.mktemp("report") / "reorder.duckdb"
    summary = nightly(
        as_of=AS_OF, data_dir=str(demo_dir), db_path=str(db_path), horizon=8, scenarios=60
    )
    return db_path, summary


def test_report_is_written_next_to_the_db_and_recorded(run) -> None:
    db_path, summary = run
    path = default_path(db_path, summary["run_key"])
    assert summary["report"] == str(path) and path.exists()
    assert path.parent == db_path.parent / "reports"
    with warehouse.connect(db_path, read_only=True) as con:
        assert warehouse.report_path(con) == str(path)


def test_report_has_the_sections_and_one_pair_of_charts_per_shown_item(run) -> None:
    _, summary = run
    text = Path(summary["report"]).read_text(encoding="utf-8")
    for section in ("Key figures", "Portfolio", "Lots in detail", f"All lots ({summary['lots']})"):
        assert section in text
    shown = min(summary["lots"], MAX_ITEMS)
    items = re.findall(r'<section class="item" id="item-([^"]+)">(.*?)</section>', text, re.S)
    assert len(items) == shown
    # fan chart, cost curve and projected stock
    assert all(body.count('<img alt="') == 3 for _, body in items)
    assert all(
        "data:image/png;base64," in body for _, body in items
    )  # stands alone: no external files
    assert text.count('alt="portfolio chart"') == 3
    assert "How earlier forecasts did" not in text  # the first night: nothing to score yet
    if summary["lots"] > MAX_ITEMS:
        assert f"Other lots ({summary['lots'] - MAX_ITEMS:,}" in text
    spend = f"{summary['spend']:,.2f}"
    assert spend in text  # money formatted for a buyer
    at_risk = (
        "serves less than 95% of the demand it decides</th>"
        f"<td class=num>{summary['items_at_risk']:,}</td>"
    )
    assert at_risk in text  # the same count as the run summary's


def test_key_figures_count_the_fill_below_the_runs_service_level(run) -> None:
    import json

    import pandas as pd

    from flows.report import ReportData, _header

    db_path, _ = run
    with warehouse.connect(db_path, read_only=True) as con:
        lots = warehouse.current_recommendations(con)
    fills = [json.loads(e)["fill_rate_decided"] for e in lots["explanation"]]
    empty = pd.DataFrame()
    data = ReportData("k", "r", "2026-01-01", "W", lots, {}, empty, empty, {}, service_level=0.8)
    text = _header(data, lots[lots["quantity"] > 0])
    expected = sum(f < 0.8 for f in fills)
    assert 0 < expected < len(fills)  # the count can tell lots apart
    label = "serves less than 80% of the demand it decides"
    assert f"{label}</th><td class=num>{expected:,}</td>" in text


def test_key_figures_say_what_share_of_scenarios_counts_an_item_as_short(run) -> None:
    """On a planner's RAF catalogue the key figures read 'items likely short before any lot can
    arrive: 4,896' of 4,999, while the count is of items short in more than 5% of scenarios
    (1 - service level) and only 739 were short in more than half: the label says the share,
    in the report and in the run-summary artifact."""
    import json

    import pandas as pd

    from flows.artifacts import summary_markdown
    from flows.report import ReportData, _header

    db_path, summary = run
    with warehouse.connect(db_path, read_only=True) as con:
        lots = warehouse.current_recommendations(con)
    risks = [json.loads(e).get("stockout_risk_unavoidable", 0) for e in lots["explanation"]]
    empty = pd.DataFrame()
    data = ReportData("k", "r", "2026-01-01", "W", lots, {}, empty, empty, {}, service_level=0.8)
    text = _header(data, lots[lots["quantity"] > 0])
    expected = sum(r > 0.2 for r in risks)
    assert 0 < expected < len(risks)
    label = "items short before any lot can arrive in more than 20% of scenarios"
    assert f"{label}</th><td class=num>{expected:,}</td>" in text
    short = summary["items_short_before_arrival"]
    assert (
        f"| items short before any lot can arrive in more than 5% of scenarios | {short} |"
        in summary_markdown(summary)
    )


def test_a_rerun_that_replaced_the_nights_plan_names_it_in_the_header(
    run, demo_dir: Path, tmp_path: Path
) -> None:
    """A monthly rerun of a weekly night said 'Published, replacing run ... (planned weekly,
    horizon 8 weeks).' in `reorder run` and its summary artifact, but its report's header
    only how it planned itself: a planner opening the report saw nothing of the weekly plan
    it took over. The first run of the night says nothing."""
    db_path, weekly = run
    copy = tmp_path / "reorder.duckdb"
    shutil.copyfile(db_path, copy)  # the night's weekly run, planned again monthly
    monthly = nightly(
        as_of=AS_OF, data_dir=str(demo_dir), db_path=str(copy), freq="M", horizon=4,
        scenarios=60,
    )  # fmt: skip
    header = Path(monthly["report"]).read_text(encoding="utf-8").split("<h2>")[0]
    assert (
        "<p class=meta>monthly, horizon 4 months, service level 95%</p>"
        f"<p class=meta>Published, replacing run {weekly['run_key']} of this night (planned "
        "weekly, horizon 8 weeks).</p>"
    ) in header
    assert "replacing" not in Path(weekly["report"]).read_text(encoding="utf-8")


def test_link_artifact_points_to_the_report(run) -> None:
    _, summary = run
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[REPORT_KEY]))
        )
    assert any(Path(summary["report"]).as_uri() in str(a.data) for a in found)


def test_reason_numbers_get_thousands_separators_but_skus_stay() -> None:
    assert _readable("P-99047: 7913.77 cheaper (1513.76), 12000 units") == (
        "P-99047: 7,913.77 cheaper (1,513.76), 12,000 units"
    )


def test_dates_in_a_reason_keep_their_year_whole() -> None:
    """'200 units required by PB-17 on 2027-01-20' read 'on 2,027-01-20' in the report."""
    text = "12000 units required by PB-17 on 2027-01-20 (pilot build), end of life 2026-12-31."
    assert _readable(text) == (
        "12,000 units required by PB-17 on 2027-01-20 (pilot build), end of life 2026-12-31."
    )


def _item(scenarios: list[list[int]], *offers: optimize.Offer) -> optimize.ItemProblem:
    """Item A of the cost-chart tests: no stock, weekly periods."""
    return optimize.ItemProblem(
        sku="A",
        scenarios=scenarios,
        on_hand=0,
        open_orders=(),
        offers=offers,
        holding_cost_rate=0.2,
        period_years=7 / 365.25,
        salvage_value=0.0,
        obsolescence=0.1,
        stockout_cost=20.0,
        unit_volume=1.0,
    )


def test_cost_curve_is_optimizes_own_evaluation_of_feasible_lots() -> None:
    item = _item(
        [[1, 0, 2, 1]] * 5,
        optimize.Offer(
            supplier_id="S",
            moq=2,
            pack_size=2,
            discount_type="all_units",
            price_breaks=(optimize.PriceBreak(1, 5.0), optimize.PriceBreak(10, 4.0)),
            fixed_cost=10.0,
            lead_time=1,
        ),
    )
    curves, none = cost_curves(item, upto=20)
    qty, cost = curves["S"]
    assert qty.tolist() == list(range(2, 21, 2))  # feasible lots: moq 2, pack_size 2
    assert cost[qty.tolist().index(10)] == pytest.approx(
        optimize.evaluate_plan(item, "S", 10).expected_cost
    )
    assert none == pytest.approx(optimize.evaluate_plan(item, None, 0).expected_cost)


def test_cost_chart_spans_the_lot_and_its_suppliers_next_break_not_anothers_far_one() -> None:
    from flows.report import cost_range

    def offer(supplier_id: str, *breaks: int) -> optimize.Offer:
        tiers = tuple(optimize.PriceBreak(q, 10.0 - i) for i, q in enumerate(breaks))
        return optimize.Offer(
            supplier_id=supplier_id,
            moq=1,
            pack_size=1,
            lead_time=1,
            discount_type="all_units",
            price_breaks=tiers,
            fixed_cost=10.0,
        )

    item = _item([[20, 30, 25, 30]] * 5, offer("S-105", 1, 4000), offer("S-106", 1, 40, 200, 1000))
    assert cost_range(item, "S-106", 85) == 260  # its next break 200, by 30%: not 5,200
    assert cost_range(item, "S-106", 1000) == 2500  # past its last break: 2.5 times the lot
    assert cost_range(item, "S-106", 100) == 260


def test_reports_dir_parameter_moves_the_report(tmp_path: Path) -> None:
    db_path = tmp_path / "wh" / "reorder.duckdb"
    assert default_path(db_path, "2026-06-30-abc") == (
        tmp_path / "wh" / "reports" / "2026-06-30-abc.html"
    )
    assert default_path(db_path, "k", tmp_path / "shared" / "reports") == (
        tmp_path / "shared" / "reports" / "k.html"
    )
    # two warehouses in one folder planning one night overwrote each other's report
    assert default_path(tmp_path / "wh" / "test.duckdb", "2026-06-30-abc") == (
        tmp_path / "wh" / "reports" / "test-2026-06-30-abc.html"
    )


def test_the_leftover_chart_shows_the_value_the_reason_gives(run) -> None:
    """The chart multiplied leftover units by the lot's unit price: 237.50 where the lot's
    reason said 217.62 (the book value counts what the units cost, fixed cost included)."""
    from flows.report import leftover_values
    from optimize.explain import money

    db_path, _ = run
    with warehouse.connect(db_path, read_only=True) as con:
        lots = warehouse.current_recommendations(con)
    ordered = lots[lots["quantity"] > 0]
    values = leftover_values(ordered)
    assert values["sku"].tolist() == ordered["sku"].tolist()
    for value, reason in zip(values["value"], ordered["reason"], strict=True):
        assert f"({money(value)} at cost" in reason
    # the unit price alone differs (fixed cost): the chart would not match the reasons
    by_price = (ordered["expected_leftover"] * ordered["unit_price"]).to_numpy()
    assert (abs(by_price - values["value"].to_numpy()) > 0.005).any()


@pytest.fixture(scope="module")
def new_items_run(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The demo with three new items of a series item's category and offers, no stock:
    NEW-C sold 12 units in its one week (category_prior), NEW-L has a planner's
    launch_forecast of 40 a week and NEW-A is the only item of a new category and sold 12
    in its one week (all items' prior)."""
    import shutil

    import pandas as pd

    folder = tmp_path_factory.mktemp("new_items") / "data"
    shutil.copytree(demo_dir, folder)
    items = pd.read_csv(folder / "items.csv", dtype=str)
    template = items[items["lifecycle_stage"] == "series"].iloc[0]
    new = pd.DataFrame([template] * 3).assign(sku=["NEW-C", "NEW-L", "NEW-A"], end_of_life=None)
    new["launch_forecast"] = [None, "40", None]
    new.loc[new["sku"] == "NEW-A", "category"] = "brand-new line"
    pd.concat([items, new]).to_csv(folder / "items.csv", index=False)
    for name in ("supplier_items.csv", "price_breaks.csv"):
        table = pd.read_csv(folder / name, dtype=str)
        rows = table[table["sku"] == template["sku"]]
        more = [rows.assign(sku=sku) for sku in new["sku"]]
        pd.concat([table, *more]).to_csv(folder / name, index=False)
    lines = pd.DataFrame({"order_id": ["X-1", "X-2"], "line": 1, "sku": ["NEW-C", "NEW-A"],
                          "order_date": "2026-06-24", "quantity": 12})  # fmt: skip
    lines.to_csv(folder / "order_lines_new.csv", index=False)
    db_path = folder.parent / "reorder.duckdb"
    summary = nightly(
        as_of=AS_OF, data_dir=str(folder), db_path=str(db_path), horizon=8, scenarios=60
    )
    return db_path, summary


def _new_items(db_path: Path) -> tuple:
    """The published lots and forecast models of the new items (they all got a lot)."""
    with warehouse.connect(db_path, read_only=True) as con:
        lots = warehouse.current_recommendations(con)
        models = warehouse.run_forecast_models(con, [lots["run_id"].iloc[0]])
    new = lots[lots["sku"].str.startswith("NEW-")].set_index("sku")
    assert (new["quantity"] > 0).all(), new["reason"].to_dict()
    chosen = models.set_index("sku").loc[["NEW-C", "NEW-L", "NEW-A"]]
    assert chosen["model"].tolist() == ["category_prior", "launch_forecast", "category_prior"]
    assert chosen["group"].iloc[2] == "(all items)"
    return lots, models


def test_a_lot_sized_on_a_category_prior_or_launch_forecast_says_so_in_the_report(
    new_items_run,
) -> None:
    """An item with one week of demand (12 units) got a lot sized on its category's typical
    item, and the report said 'order 189 units' with no hint: only `reorder lots` named where
    its forecast came from. The report names it in the lot's section, on its fan chart and in
    the table of all lots, with the words of `reorder lots`, and counts such lots in the
    header."""
    from flows.sources import prior_notes

    db_path, summary = new_items_run
    lots, models = _new_items(db_path)
    text = Path(summary["report"]).read_text(encoding="utf-8")
    notes = dict(note.split(": ", 1) for note in prior_notes(lots, models))
    assert notes["NEW-C"] == ("forecast from its category's typical item weighed with its own "
                              "demand (1 period with demand): check the lot")  # fmt: skip
    assert (
        notes["NEW-L"] == "forecast from its launch_forecast (items file), no demand of its own yet"
    )
    assert notes["NEW-A"].startswith("forecast from all items' typical item (no item of its ")
    sections = dict(
        re.findall(r'<section class="item" id="item-([^"]+)">(.*?)</section>', text, re.S)
    )
    ordered = lots[lots["quantity"] > 0].sort_values(
        ["order_value", "sku"], ascending=[False, True]
    )
    assert set(notes) <= set(ordered["sku"].head(MAX_ITEMS))  # 17 lots: all charted
    for sku, note in notes.items():
        said = html.escape(note[:1].upper() + note[1:])
        # under the lot's heading, on its fan chart (the note is drawn under it) and in its row
        assert f"</h3><p class=warning>{said}</p>" in sections[sku]
        assert f'alt="{html.escape(sku)} forecast: {html.escape(note)}"' in sections[sku]
        row = re.search(rf'<tr id="lot-{re.escape(sku)}">(.*?)</tr>', text).group(1)
        assert row.endswith(f"<td>{html.escape(SHORT[sku])}</td>"), row
    # lots sized on their item's own history carry none
    own = [s for s in sections if s not in notes]
    assert own and not any("<p class=warning>" in sections[s] for s in own)
    n = len(notes)
    assert n == summary["prior_lots"]["items"] >= 3
    headline = re.search(r"<b>Forecasts:</b> (.*?)</p>", text).group(1)
    assert headline.startswith(
        f"{n} lots sized on a category&#x27;s typical item, all items&#x27; typical item or a "
        "launch forecast: check them: <a href="
    )
    assert all(f">{sku}</a>" in headline for sku in notes)


SHORT = {"NEW-C": "category's typical item: check", "NEW-L": "launch_forecast (items file)",
         "NEW-A": "all items' typical item: check"}  # fmt: skip


def test_the_run_summary_and_the_lots_artifact_flag_lots_sized_on_a_prior(
    new_items_run, capsys: pytest.CaptureFixture[str]
) -> None:
    """The markdown summary counts the lots sized on a category's typical item or a launch
    forecast and names them, as `reorder run` prints it; the table artifact of lots has a
    short `forecast` column."""
    import json

    from flows.artifacts import LOTS_KEY, SUMMARY_KEY
    from flows.cli import _print_summary

    _, summary = new_items_run
    _print_summary(summary, Path("data"))
    printed = [x for x in capsys.readouterr().out.splitlines() if x.startswith("forecasts:")]
    assert printed == [
        "forecasts:    3 lots sized on a category's typical item, all items' typical item or a "
        "launch forecast: check them: NEW-C, NEW-L, NEW-A"
    ]
    with get_client(sync_client=True) as client:
        found = {
            a.key: a
            for a in client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[LOTS_KEY, SUMMARY_KEY])),
                sort="CREATED_DESC",
            )[::-1]
        }
    markdown = str(found[SUMMARY_KEY].data)
    assert summary["run_id"] in markdown  # this run's
    n = summary["prior_lots"]["items"]
    assert f"| lots sized on a forecast that is not their item's own history | {n} |" in markdown
    line = next(x for x in markdown.splitlines() if x.startswith("**Forecasts:** "))
    assert line.startswith(f"**Forecasts:** {n} lots sized on a category's typical item, ")
    assert all(sku in line for sku in SHORT)
    rows = found[LOTS_KEY].data
    rows = json.loads(rows) if isinstance(rows, str) else rows
    flagged = {r["sku"]: r["forecast"] for r in rows if r["forecast"]}
    assert {sku: flagged[sku] for sku in SHORT} == SHORT and len(flagged) == n


def test_a_lot_sized_on_a_prior_outside_the_top_lots_gets_its_charts_too(
    new_items_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the top lots by order value had charts, so a lot sized on a category's typical
    item outside them (the 300-item demo's one such lot) had only its table row: such lots get
    their section and charts as well, up to MAX_FLAGGED more, and a line names those beyond.
    Last in the file: its run's artifacts are the newest (the test above reads the newest)."""
    import flows.report
    from flows.sources import sources

    db_path, _ = new_items_run
    monkeypatch.setattr(flows.report, "MAX_ITEMS", 1)  # the 17 lots: most are beyond the top
    # the demo's pilot build lot has a section of its own (the test below): none here
    monkeypatch.setattr(flows.report, "MAX_REQUIRED", 0)
    with warehouse.connect(db_path, read_only=True) as con:
        lots = warehouse.current_recommendations(con)
        models = warehouse.run_forecast_models(con, [lots["run_id"].iloc[0]])
    ordered = lots[lots["quantity"] > 0].sort_values(
        ["order_value", "sku"], ascending=[False, True]
    )
    top = ordered["sku"].iloc[0]
    flagged = [s for s in sources(ordered, models)["sku"] if s != top]  # by order value
    assert len(flagged) >= 2
    monkeypatch.setattr(flows.report, "MAX_FLAGGED", len(flagged) - 1)  # one beyond the cap
    data_dir, db = db_path.parent / "data", tmp_path / "reorder.duckdb"
    summary = nightly(as_of=AS_OF, data_dir=str(data_dir), db_path=str(db), horizon=8, scenarios=60)
    text = Path(summary["report"]).read_text(encoding="utf-8")
    sections = dict(
        re.findall(r'<section class="item" id="item-([^"]+)">(.*?)</section>', text, re.S)
    )
    assert list(sections) == [top, *flagged[:-1]]  # the top lot, then the flagged ones
    assert all(body.count('<img alt="') == 3 for body in sections.values())
    for sku in flagged[:-1]:
        assert "</h3><p class=warning>" in sections[sku]  # where its forecast comes from
        assert f'<a href="#item-{sku}">{sku}</a>' in text  # the table's row links its section
    n = len(flagged) - 1
    assert f"<h2>More lots to check ({n}): lot{'' if n == 1 else 's'} outside the top " in text
    its = "its" if n == 1 else "their"
    assert f"sized on a forecast that is not {its} item's own history</h2>" in text
    last = flagged[-1]
    assert (
        f"1 more such lot is beyond these {n}, without charts (their forecast is named in the "
        f'table of all lots): <a href="#lot-{last}">{last}</a></p>'
    ) in text
    assert text.index("Lots in detail (top 1 ") < text.index("More lots to check")
    other = re.search(r"<h2>Other lots \(([\d,]+), without charts", text).group(1)
    assert int(other) == summary["lots"] - len(sections)
    with warehouse.connect(db, read_only=True) as con:
        shown = con.execute("SELECT items_shown FROM reports").fetchone()[0]
    assert shown == len(sections)


def test_spend_by_supplier_bars_are_after_the_supplier_wide_tier_like_the_key_figures() -> None:
    """The bars showed each supplier's order value before its supplier-wide tier discount, the
    key figures' spend was after it: two totals for one night."""
    import numpy as np
    import pandas as pd

    from flows import plots
    from flows.report import ReportData, _header, spend_bars, totals

    breaks = (optimize.PriceBreak(1, 5.0),)

    def item(sku: str, supplier_id: str) -> optimize.ItemProblem:
        offer = optimize.Offer(supplier_id, 10, 10, "all_units", breaks, 15.0, 1, sku=sku)
        demand = np.random.default_rng(len(sku)).poisson(4.0, (100, 6))
        return optimize.ItemProblem(
            sku, demand, 0, (), (offer,), 0.25, 7 / 365.25, 0.5, 0.1, 25.0, 2.0
        )

    items = (item("P-1", "S-03"), item("P-22", "S-03"), item("P-333", "S-07"))
    tier = optimize.SupplierTier("S-03", min_total=1.0, discount_rate=0.10)  # any purchase
    result = optimize.plan(optimize.Problem(items, optimize.Limits(supplier_tiers=(tier,))))
    lots = result.frame()
    ordered = lots[lots["quantity"] > 0]
    assert set(ordered["supplier_id"]) == {"S-03", "S-07"}
    value = ordered.groupby("supplier_id")["order_value"].sum()
    discount = result.supplier_discounts["S-03"]["discount"]
    assert discount == pytest.approx(0.10 * value["S-03"]) and discount > 0
    empty = pd.DataFrame()
    names = {"S-03": "Acme", "S-07": "S-07"}
    data = ReportData("k", "r", "2026-01-01", "W", lots, {}, empty, empty, names,
                      supplier_discounts=result.supplier_discounts)  # fmt: skip
    fig = plots.bars_figure(**spend_bars(data, ordered))
    ax = fig.axes[0]
    names = [label.get_text() for label in ax.get_yticklabels()]
    bars = {n: bar.get_width() for n, bar in zip(names, ax.containers[0], strict=True)}
    acme = f"Acme (S-03)\n10% tier: -{discount:,.2f}"
    assert bars == pytest.approx({acme: value["S-03"] - discount, "S-07": value["S-07"]})
    spend, savings = totals(ordered, data.supplier_discount)
    assert sum(bars.values()) == pytest.approx(spend)
    # each supplier's discount savings beside its spend: its lots' and its tier's
    saved = {n: bar.get_width() for n, bar in zip(names, ax.containers[1], strict=True)}
    lots_saved = ordered.groupby("supplier_id")["savings"].sum()
    assert saved == pytest.approx({acme: lots_saved["S-03"] + discount, "S-07": lots_saved["S-07"]})
    assert sum(saved.values()) == pytest.approx(savings)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["spend", "discount savings"]
    assert f"<th>spend</th><td class=num>{spend:,.2f}</td>" in _header(data, ordered)
    assert ax.get_xlabel() == (
        "spend, after supplier-wide tier discounts, and discount savings (currency)"
    )
    texts = [t.get_text() for t in ax.texts]
    assert f"{value['S-03'] - discount:,.2f}\n+ {lots_saved['S-03'] + discount:,.2f} saved" in texts
    fig.canvas.draw()  # the figures inside the axes, not cut at the chart's edge
    assert all(t.get_window_extent().x1 <= ax.get_window_extent().x1 for t in ax.texts)
    plt.close(fig)


def test_the_risk_chart_shows_each_lots_risk_and_leftover_as_its_reason_gives_them(run) -> None:
    """A dot per lot to order: the leftover at cost and the stockout risk its order decides,
    the figures of its reason, against the risk the run's service level allows."""
    import json

    import pandas as pd

    from flows import plots
    from flows.report import ReportData, risk_dots
    from optimize.explain import money

    db_path, _ = run
    with warehouse.connect(db_path, read_only=True) as con:
        lots = warehouse.current_recommendations(con)
    ordered = lots[lots["quantity"] > 0]
    empty = pd.DataFrame()
    data = ReportData("k", "r", "2026-01-01", "W", lots, {}, empty, empty, {},
                      service_level=0.9)  # fmt: skip
    dots = risk_dots(data, ordered)
    assert dots["skus"] == ordered["sku"].tolist() and dots["allowed"] == pytest.approx(0.1)
    for value, risk, row in zip(dots["leftover"], dots["risk"], ordered.itertuples(), strict=True):
        assert f"({money(value)} at cost" in row.reason
        assert risk == json.loads(row.explanation)["stockout_risk_decided"]
    fig = plots.risk_figure(**dots)
    assert len(fig.axes[0].collections[0].get_offsets()) == len(ordered)
    plt.close(fig)


def test_every_portfolio_chart_names_its_axes_with_their_units(run) -> None:
    """The leftover chart's axis read 'expected leftover at cost (as in the reasons)' with no
    unit, where the spend chart beside it said '(currency)'."""
    import pandas as pd

    from flows.report import ReportData, portfolio_figures

    db_path, _ = run
    with warehouse.connect(db_path, read_only=True) as con:
        lots = warehouse.current_recommendations(con)
    ordered = lots[lots["quantity"] > 0]
    empty = pd.DataFrame()
    data = ReportData("k", "r", "2026-01-01", "W", lots, {}, empty, empty, {})
    figures = portfolio_figures(data, ordered)
    assert len(figures) == 3
    for fig in figures:
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel().endswith("(currency)")
    assert figures[2].axes[0].get_ylabel() == "stockout risk the lot decides"
    plt.close("all")


def test_the_order_costs_key_figure_says_which_minimums_the_orders_reach():
    """optimize.Plan.orders with a supplier that has only a min_order_value (order_cost 0):
    no 0.00 order cost is listed; the minimum its order reaches is."""
    from flows.console import order_cost_text

    orders = {
        "S1": {"order_cost": 120.0, "lots": 2},
        "S2": {"order_cost": 0.0, "lots": 3, "min_order_value": 250.0, "purchase": 262.0},
    }
    assert order_cost_text(orders) == (
        "120.00 on 1 purchase order (S1 120.00 shared by 2 lots); "
        "min_order_value reached by 1 order, near it: S2 262.00 of 250.00"
    )
    far = {"S3": {"order_cost": 0.0, "lots": 9, "min_order_value": 250.0, "purchase": 9000.0}}
    assert order_cost_text({"S2": orders["S2"]} | far) == (
        "min_order_value reached by 2 orders, near it: S2 262.00 of 250.00"
    )
    assert order_cost_text(far) == "min_order_value reached by 1 order"  # none near: no list
    assert order_cost_text({}) is None


@pytest.fixture(scope="module")
def order_cost_plan(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """The demo with an order_cost and a min_order_value on every supplier, loaded, forecast,
    planned and published by the nightly flow's own tasks: (params, run_id, inputs, demand,
    fc, result)."""
    import pandas as pd
    from prefect import flow

    from flows import runner, tasks
    from flows.params import parse_parameters

    folder = tmp_path_factory.mktemp("order_costs") / "data"
    shutil.copytree(demo_dir, folder)
    suppliers = pd.read_csv(folder / "suppliers.csv")
    suppliers.assign(order_cost=100, min_order_value=250).to_csv(
        folder / "suppliers.csv", index=False
    )
    params = parse_parameters(as_of=AS_OF, data_dir=str(folder),
                              db_path=str(folder.parent / "reorder.duckdb"), horizon=8,
                              scenarios=60)  # fmt: skip

    @flow
    def planned() -> tuple:
        run_id = tasks.start_run(params, None)
        tasks.load(params, run_id)
        inputs = tasks.read_inputs(params)
        demand = tasks.bucket_demand(params, inputs["items"]["sku"].tolist())
        prepared = tasks.prepare_forecast(params, demand, inputs["items"])
        fc = runner.forecast_in_chunks(params, prepared)
        result, _ = tasks.plan_orders(params, inputs, fc)
        tasks.publish(params, run_id, demand, fc, result, prepared.selection())
        return run_id, inputs, demand, fc, result

    return (params, *planned())


def test_the_report_builds_the_problems_of_its_charted_items_alone(order_cost_plan) -> None:
    """The report rebuilt the whole problem (every item's scenarios again: the rise of the
    10,000-item run's memory after publish) to chart 30 lots. It builds the charted items'
    alone, their later orders paying the plan's shares of the order costs (which depend on
    all items), and renders byte for byte the report of the whole problem."""
    import dataclasses

    from flows import tasks
    from flows.report import charted_skus, render, report_data

    params, run_id, inputs, demand, fc, result = order_cost_plan
    assert result.order_cost_shares  # every supplier has an order_cost
    whole, _ = tasks.build_problem(params, inputs, fc)
    everything = {item.sku: item for item in whole.items}
    data = report_data(params, run_id, inputs, demand, fc, result)
    assert set(data.items) == set(charted_skus(data.lots, data.forecast_models))
    assert len(data.items) < len(everything)
    assert render(data) == render(dataclasses.replace(data, items=everything))
    # five charted lots: the shares of the items built alone would differ from the plan's
    skus = charted_skus(data.lots, data.forecast_models, max_items=5, max_flagged=0)
    some, _ = tasks.build_problem(params, inputs, fc, skus, result.order_cost_shares)
    alone, _ = tasks.build_problem(params, inputs, fc, skus)
    shares = {o.supplier_id: o.order_cost_share for i in some.items for o in i.offers}
    assert shares != {o.supplier_id: o.order_cost_share for i in alone.items for o in i.offers}
    assert shares == {s: result.order_cost_shares[s] for s in shares}
    five = dataclasses.replace(data, items={item.sku: item for item in some.items})
    whole_five = dataclasses.replace(data, items=everything)
    assert render(five, max_items=5, max_flagged=0) == render(
        whole_five, max_items=5, max_flagged=0
    )


@pytest.fixture(scope="module")
def marked_run(
    run, demo_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict, list]:
    """The night rerun after a planner marked the largest day of two items without a lot as
    a one-off (at most one charted in their section): the rerun's summary and the marks
    (sku, order_date, units), most units first."""
    db_path = tmp_path_factory.mktemp("one-offs") / "reorder.duckdb"
    shutil.copy(run[0], db_path)
    with warehouse.connect(db_path) as con:
        marks = con.execute(
            "SELECT l.sku, l.order_date, sum(l.quantity) AS units FROM order_lines AS l "
            "JOIN current_recommendations AS r ON r.sku = l.sku AND r.quantity = 0 "
            "WHERE l.order_date < ? GROUP BY l.sku, l.order_date HAVING units > 0 "
            "QUALIFY row_number() OVER (PARTITION BY l.sku ORDER BY units DESC) = 1 "
            "ORDER BY units DESC, l.sku LIMIT 2",
            [AS_OF - timedelta(days=8)],  # a day of the complete weeks
        ).fetchall()
        for sku, day, _ in marks:
            warehouse.mark_one_off(con, sku, day, "project order", "anna")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("flows.report.MAX_ONE_OFFS", 1)
        summary = nightly(
            as_of=AS_OF, data_dir=str(demo_dir), db_path=str(db_path), horizon=8, scenarios=60
        )
    return db_path, summary, marks


def test_a_one_off_of_an_item_without_a_lot_is_charted_in_the_report(marked_run) -> None:
    """The report drew a marked one-off on the demand charts of lots only: a planner who
    marked a day and saw the item's lot go had nothing to see why. Items without a chart
    above whose one-offs the run left out get a demand chart with the one-off drawn (up to
    MAX_ONE_OFFS, here 1); the rest are named."""
    _, summary, marks = marked_run
    text = Path(summary["report"]).read_text(encoding="utf-8")
    assert "<h2>One-offs left out of items without a chart above (2)</h2>" in text
    (first, day, units), (second, _, _) = marks
    sections = re.findall(r'<section class="one-off" id="one-off-([^"]+)">(.*?)</section>',
                          text, re.S)  # fmt: skip
    assert [sku for sku, _ in sections] == [first]
    body = sections[0][1]
    assert f"<h3>{first}: no order; {units:,.0f} units of {day:%Y-%m-%d} left out as" in body
    assert "<p>No order: " in body
    assert body.count('<img alt="') == 1 and "data:image/png;base64," in body
    assert f"1 more such item is beyond these 1, without charts: {second}</p>" in text
    assert f'id="item-{first}"' not in text and f'id="item-{second}"' not in text


def test_a_lot_whose_reason_names_a_requirement_is_charted_with_it(
    run, demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lot bought for a pilot build had no chart unless its order value put it in the top,
    and no chart showed the requirement: lots whose reason names one get their charts (up to
    MAX_REQUIRED, here 1; the rest named), the demand chart drawing it on the forecast. An
    item without a lot whose requirement its stock covers was not in the report at all: such
    items get a line with their reason (up to MAX_REQUIRED; the rest named)."""
    import flows.report

    with warehouse.connect(run[0], read_only=True) as con:
        lots = warehouse.current_recommendations(con)
    small = lots[lots["quantity"] > 0].sort_values(["order_value", "sku"])["sku"].head(2).tolist()
    folder = tmp_path / "data"
    shutil.copytree(demo_dir, folder)
    stock = pd.read_csv(folder / "stock.csv").set_index("sku")["on_hand"]
    held = sorted(s for s in lots.loc[lots["quantity"] == 0, "sku"] if stock.get(s, 0) >= 50)
    due = AS_OF + timedelta(days=20)
    (folder / "requirements.csv").write_text(
        "requirement_id,sku,due_date,quantity,note\n"
        f"PB-17,{small[0]},{due},5,pilot build\nPB-18,{small[1]},{due},5,\n"
        f"PB-19,{held[0]},{due},2,pilot build\nPB-20,{held[1]},{due},2,\n",
        encoding="utf-8",
    )
    for name, value in (("MAX_ITEMS", 1), ("MAX_FLAGGED", 0), ("MAX_REQUIRED", 1)):
        monkeypatch.setattr(flows.report, name, value)
    db = tmp_path / "reorder.duckdb"
    summary = nightly(as_of=AS_OF, data_dir=str(folder), db_path=str(db), horizon=8, scenarios=60)
    with warehouse.connect(db, read_only=True) as con:
        after = warehouse.current_recommendations(con)
    ordered = after[after["quantity"] > 0].sort_values(
        ["order_value", "sku"], ascending=[False, True]
    )
    first, second = [s for s in ordered["sku"] if s in small]  # by order value
    assert ordered["sku"].iloc[0] not in small  # neither is the top lot
    text = Path(summary["report"]).read_text(encoding="utf-8")
    sections = dict(
        re.findall(r'<section class="item" id="item-([^"]+)">(.*?)</section>', text, re.S)
    )
    assert list(sections) == [ordered["sku"].iloc[0], first]
    body = sections[first]
    name = "PB-17" if first == small[0] else "PB-18"
    assert f"5 units required by {name} on " in body  # its reason
    assert f'; requirement (planned on top of the forecast): {name} 5 units due {due}"' in body
    assert body.count('<img alt="') == 3
    assert "<h2>Lots for requirements (1): lot outside those above whose reason names a " in text
    assert f'1 more such lot is beyond these 1, without charts: <a href="#lot-{second}">' in text
    assert after.set_index("sku").loc[held[:2], "quantity"].tolist() == [0, 0]
    assert "<h2>Requirements of items without a lot tonight (1)</h2>" in text
    line = re.search(rf'<li id="required-{held[0]}"><b>{held[0]}:</b> (.*?)</li>', text)
    assert line and line[1].startswith("No order") and "2 units required by PB-19 on " in line[1]
    assert f"1 more such item is beyond these 1: {held[1]}</p>" in text
