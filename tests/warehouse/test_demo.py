"""The demo data set: deterministic, valid except for the recorded bad rows, realistic shapes.

The validity rules are re-implemented here with pandas from the Quarantine section of
docs/design.md, independently of the generator.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.warehouse.conftest import quarantined
from warehouse import load_folder, table_counts
from warehouse.demo import (
    PATTERNS,
    REASON_BAD_DATE,
    REASON_FUTURE_DATE,
    REASON_MISSING,
    REASON_PACK_SIZE,
    REASON_PRICE_RISES,
    REASON_RATE,
    REASON_STAGE,
    REASON_UNKNOWN_SKU,
    STAGE_OF_PATTERN,
    TABLES,
    DemoSummary,
    write_demo_data,
    write_erp_example,
)

AS_OF = date(2026, 6, 30)
YEARS = 2.5
OTHER = "other rule"  # any rule the generator never breaks on purpose


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    """The default demo data set (300 items, 2.5 years)."""
    return write_demo_data(tmp_path_factory.mktemp("demo"), AS_OF)


@pytest.fixture(scope="module")
def raw(summary: DemoSummary) -> dict[str, pd.DataFrame]:
    """Every file as text, exactly as written ("" = empty)."""
    return {t: _read_text(summary.paths[t]) for t in TABLES}


@pytest.fixture(scope="module")
def good(raw: dict[str, pd.DataFrame], summary: DemoSummary) -> dict[str, pd.DataFrame]:
    """The rows the rules accept, typed."""
    bad = _invalid_rows(raw, AS_OF)
    frames = {}
    for table, frame in raw.items():
        keep = [(table, i + 1) not in {(t, r) for t, r, _ in bad} for i in range(len(frame))]
        frames[table] = frame[keep].reset_index(drop=True)
    lines = frames["order_lines"]
    lines["order_date"] = pd.to_datetime(lines.order_date, format="%Y-%m-%d")
    lines["quantity"] = lines.quantity.astype(int)
    lines["line"] = lines.line.astype(int)
    lines["unit_price"] = lines.unit_price.astype(float)
    lines["pattern"] = lines.sku.map(summary.patterns)
    return frames


def _read_text(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# ---------------------------------------------------------------- the rules, in pandas


def _number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.where(values != ""), errors="coerce")


def _date(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.where(values != ""), format="%Y-%m-%d", errors="coerce")


def _flag(found: set, table: str, mask: pd.Series | np.ndarray, reason: str) -> None:
    found.update((table, int(i) + 1, reason) for i in np.flatnonzero(np.asarray(mask)))


def _number_rules(found: set, table: str, frame: pd.DataFrame, rules: dict[str, str]) -> None:
    """rules: column -> ">=0" | ">0" | "!=0" | "0..1"; empty cells are checked elsewhere."""
    for column, rule in rules.items():
        value = _number(frame[column])
        given = frame[column] != ""
        ok = {
            ">=0": value >= 0,
            ">0": value > 0,
            "!=0": value != 0,
            "0..1": value.between(0, 1),
        }[rule]
        reason = REASON_RATE if rule == "0..1" else OTHER
        _flag(found, table, given & ~ok, reason)


def _required(found: set, table: str, frame: pd.DataFrame, columns: list[str], reason: str):
    for column in columns:
        _flag(found, table, frame[column] == "", reason)


def _valid(frame: pd.DataFrame, table: str, found: set, key: list[str]) -> pd.DataFrame:
    bad = {r for t, r, _ in found if t == table}
    return frame[[i + 1 not in bad for i in range(len(frame))]][key]


def _invalid_rows(raw: dict[str, pd.DataFrame], as_of: date) -> set[tuple[str, int, str]]:
    """(table, row_number, reason) of every row the Quarantine rules reject."""
    found: set[tuple[str, int, str]] = set()
    items = raw["items"]
    _required(found, "items", items, ["sku", "unit_volume", "holding_cost_rate"], OTHER)
    _flag(found, "items", ~items.lifecycle_stage.isin(set(STAGE_OF_PATTERN.values())), REASON_STAGE)
    rules = {"unit_volume": ">=0", "holding_cost_rate": ">=0", "salvage_value": ">=0"}
    _number_rules(found, "items", items, rules | {"stockout_cost": ">0"})
    _flag(found, "items", (items.end_of_life != "") & _date(items.end_of_life).isna(), OTHER)
    _flag(found, "items", items.sku.duplicated(), OTHER)
    skus = set(_valid(items, "items", found, ["sku"]).sku)

    suppliers = raw["suppliers"]
    _required(found, "suppliers", suppliers, ["supplier_id", "lead_time", "fixed_cost"], OTHER)
    rules = {"lead_time": ">=0", "fixed_cost": ">=0", "on_time_rate": "0..1", "reject_rate": "0..1"}
    _number_rules(found, "suppliers", suppliers, rules)
    _flag(found, "suppliers", suppliers.supplier_id.duplicated(), OTHER)
    supplier_ids = set(_valid(suppliers, "suppliers", found, ["supplier_id"]).supplier_id)

    offers = raw["supplier_items"]
    _number_rules(found, "supplier_items", offers, {"moq": ">0"})
    pack_ok = _number(offers.pack_size) > 0
    _flag(found, "supplier_items", ~pack_ok, REASON_PACK_SIZE)
    _flag(found, "supplier_items", ~offers.discount_type.isin(["all_units", "incremental"]), OTHER)
    _flag(found, "supplier_items", ~offers.sku.isin(skus), OTHER)
    _flag(found, "supplier_items", ~offers.supplier_id.isin(supplier_ids), OTHER)
    _flag(found, "supplier_items", offers[["supplier_id", "sku"]].duplicated(), OTHER)
    offer_keys = set(
        _valid(offers, "supplier_items", found, ["supplier_id", "sku"]).itertuples(index=False)
    )

    breaks = raw["price_breaks"]
    _number_rules(found, "price_breaks", breaks, {"min_qty": ">0", "unit_price": ">0"})
    known = [k in offer_keys for k in breaks[["supplier_id", "sku"]].itertuples(index=False)]
    _flag(found, "price_breaks", ~np.array(known), OTHER)
    _flag(found, "price_breaks", breaks[["supplier_id", "sku", "min_qty"]].duplicated(), OTHER)
    _flag(found, "price_breaks", _rising(breaks), REASON_PRICE_RISES)
    priced = set(
        _valid(breaks, "price_breaks", found, ["supplier_id", "sku"]).itertuples(index=False)
    )
    unpriced = [
        k in offer_keys and k not in priced
        for k in offers[["supplier_id", "sku"]].itertuples(index=False)
    ]
    _flag(found, "supplier_items", np.array(unpriced), OTHER)

    stock = raw["stock"]
    _flag(found, "stock", ~stock.sku.isin(skus) | stock.sku.duplicated(), OTHER)
    _number_rules(found, "stock", stock, {"on_hand": ">=0"})

    orders = raw["open_orders"]
    _flag(
        found, "open_orders", ~orders.sku.isin(skus) | ~orders.supplier_id.isin(supplier_ids), OTHER
    )
    _number_rules(found, "open_orders", orders, {"quantity": ">0"})
    _flag(found, "open_orders", _date(orders.due_date).isna() | orders.po_id.duplicated(), OTHER)

    required_units = raw["requirements"]
    due = _date(required_units.due_date)
    end_of_life = _date(
        required_units.sku.map(dict(zip(items.sku, items.end_of_life, strict=True)))
    )
    _flag(found, "requirements", ~required_units.sku.isin(skus) | due.isna(), OTHER)
    _flag(found, "requirements", due > end_of_life, OTHER)
    units = _number(required_units.quantity)
    _flag(found, "requirements", ~((units > 0) & (units == units.round())), OTHER)
    _flag(found, "requirements", required_units[["requirement_id", "sku"]].duplicated(), OTHER)

    lines = raw["order_lines"]
    required = ["order_id", "line", "order_date", "sku", "quantity"]
    _required(found, "order_lines", lines, required, REASON_MISSING)
    day = _date(lines.order_date)
    _flag(found, "order_lines", (lines.order_date != "") & day.isna(), REASON_BAD_DATE)
    _flag(found, "order_lines", day > pd.Timestamp(as_of), REASON_FUTURE_DATE)
    _flag(found, "order_lines", (lines.sku != "") & ~lines.sku.isin(skus), REASON_UNKNOWN_SKU)
    _number_rules(
        found, "order_lines", lines, {"quantity": "!=0", "unit_price": ">=0", "line": ">0"}
    )
    _flag(found, "order_lines", lines[["order_id", "line"]].duplicated(), OTHER)
    return found


def _rising(breaks: pd.DataFrame) -> np.ndarray:
    """Rows whose unit price is not below the previous tier's (same supplier and sku)."""
    typed = breaks.assign(q=_number(breaks.min_qty), p=_number(breaks.unit_price))
    typed = typed.sort_values(["supplier_id", "sku", "q"], kind="stable")
    previous = typed.groupby(["supplier_id", "sku"]).p.shift()
    return (typed.p >= previous).reindex(breaks.index).to_numpy()


# ---------------------------------------------------------------- weekly demand


def _weekly(lines: pd.DataFrame, skus: list[str]) -> pd.DataFrame:
    """Units per full Monday week of the history (skus x weeks), credits left out."""
    start = pd.Timestamp(AS_OF) - pd.Timedelta(days=round(YEARS * 365.25) - 1)
    first = start + pd.Timedelta(days=(7 - start.day_of_week) % 7)
    last = pd.Timestamp(AS_OF) - pd.Timedelta(days=pd.Timestamp(AS_OF).day_of_week + 7)
    weeks = pd.date_range(first, last, freq="W-MON")
    sales = lines[lines.quantity > 0]
    week = sales.order_date - pd.to_timedelta(sales.order_date.dt.day_of_week, unit="D")
    table = sales.assign(week=week).pivot_table(
        index="sku", columns="week", values="quantity", aggfunc="sum"
    )
    return table.reindex(index=skus, columns=weeks).fillna(0.0)


def _skus(summary: DemoSummary, pattern: str) -> list[str]:
    return [sku for sku, p in summary.patterns.items() if p == pattern]


# ---------------------------------------------------------------- tests


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    first = write_demo_data(tmp_path / "a", AS_OF, seed=3, n_items=60, years=1.0)
    second = write_demo_data(tmp_path / "b", AS_OF, seed=3, n_items=60, years=1.0)
    other = write_demo_data(tmp_path / "c", AS_OF, seed=4, n_items=60, years=1.0)
    for table in TABLES:
        assert first.paths[table].read_bytes() == second.paths[table].read_bytes(), table
    assert first.paths["order_lines"].read_bytes() != other.paths["order_lines"].read_bytes()
    assert first.bad_rows == second.bad_rows


def test_small_data_set_still_has_every_pattern(tmp_path: Path) -> None:
    made = write_demo_data(tmp_path, AS_OF, seed=3, n_items=60, years=1.0)
    assert set(made.patterns.values()) == set(PATTERNS)
    assert not _invalid_rows({t: _read_text(made.paths[t]) for t in TABLES}, AS_OF) - {
        (b.table, b.row_number, b.reason) for b in made.bad_rows
    }


def test_bad_rows_are_exactly_the_rows_the_rules_reject(
    summary: DemoSummary, raw: dict[str, pd.DataFrame]
) -> None:
    recorded = {(b.table, b.row_number, b.reason) for b in summary.bad_rows}
    assert 5 <= len(summary.bad_rows) <= 8
    assert _invalid_rows(raw, AS_OF) == recorded
    reasons = {b.reason for b in summary.bad_rows}
    assert {REASON_UNKNOWN_SKU, REASON_BAD_DATE, REASON_PRICE_RISES, REASON_PACK_SIZE} <= reasons
    assert REASON_FUTURE_DATE in reasons
    for bad in summary.bad_rows:
        assert raw[bad.table][bad.column].iloc[bad.row_number - 1] == bad.value


def test_without_bad_rows_every_row_is_valid(tmp_path: Path) -> None:
    made = write_demo_data(tmp_path, AS_OF, seed=5, n_items=40, years=1.0, bad_rows=False)
    assert made.bad_rows == ()
    assert _invalid_rows({t: _read_text(made.paths[t]) for t in TABLES}, AS_OF) == set()


def test_summary_counts_match_the_files(
    summary: DemoSummary, raw: dict[str, pd.DataFrame], good: dict[str, pd.DataFrame]
) -> None:
    assert {t: len(f) for t, f in raw.items()} == summary.rows
    assert summary.items == len(good["items"]) == len(summary.patterns) == 300
    assert summary.suppliers == len(good["suppliers"])
    assert summary.order_lines == len(good["order_lines"])
    assert summary.orders == good["order_lines"].order_id.nunique()
    assert summary.credit_lines == int((good["order_lines"].quantity < 0).sum())


def test_lifecycle_stage_follows_the_demand_pattern(
    summary: DemoSummary, good: dict[str, pd.DataFrame]
) -> None:
    items = good["items"]
    assert list(items.lifecycle_stage) == [STAGE_OF_PATTERN[summary.patterns[s]] for s in items.sku]
    counts = pd.Series(summary.patterns).value_counts()
    assert set(counts.index) == set(PATTERNS)
    assert 0.03 <= counts["new"] / len(items) <= 0.07
    assert items.sku.str.fullmatch(r"P-\d{5}").all()
    assert items.category.nunique() == 6


def test_new_and_pilot_items_have_short_or_no_history(
    summary: DemoSummary, good: dict[str, pd.DataFrame]
) -> None:
    lines = good["order_lines"]
    assert not lines.sku.isin(_skus(summary, "new")).any()
    pilot = lines[lines.pattern == "pilot"]
    first = pilot.groupby("sku").order_date.min()
    assert set(first.index) == set(_skus(summary, "pilot"))
    assert (first >= pd.Timestamp(AS_OF - timedelta(days=183))).all()
    series = lines[lines.sku.isin(_skus(summary, "smooth")) & (lines.quantity > 0)]
    assert pilot.quantity.median() <= 5 < series.quantity.median() * 2


def test_ramp_up_items_sell_more_now_than_when_they_started(
    summary: DemoSummary, good: dict[str, pd.DataFrame]
) -> None:
    weekly = _weekly(good["order_lines"], _skus(summary, "ramp_up"))
    started = weekly.apply(lambda row: row[row.cumsum() > 0].iloc[:13].sum(), axis=1)
    recent = weekly.iloc[:, -13:].sum(axis=1)
    assert (recent > started).mean() >= 0.9
    assert recent.sum() > 2 * started.sum()


def test_phase_out_items_decay_and_dead_items_stopped(
    summary: DemoSummary, good: dict[str, pd.DataFrame]
) -> None:
    lines = good["order_lines"]
    weekly = _weekly(lines, _skus(summary, "phase_out") + _skus(summary, "dead"))
    first_year = weekly.iloc[:, :52].mean(axis=1)
    last_quarter = weekly.iloc[:, -13:].mean(axis=1)
    assert (last_quarter < first_year).all()
    assert last_quarter.sum() < 0.5 * first_year.sum()
    dead = lines[lines.sku.isin(_skus(summary, "dead")) & (lines.quantity > 0)]
    assert dead.order_date.max() < pd.Timestamp(AS_OF - timedelta(days=59))
    items = good["items"]
    ending = items[items.end_of_life != ""]
    assert len(ending) > 0
    assert (ending.lifecycle_stage == "phase_out").all()
    assert (pd.to_datetime(ending.end_of_life) > pd.Timestamp(AS_OF)).all()


def test_lumpy_items_have_mostly_zero_weeks_and_smooth_items_few(
    summary: DemoSummary, good: dict[str, pd.DataFrame]
) -> None:
    lines = good["order_lines"]
    lumpy = _weekly(lines, _skus(summary, "lumpy"))
    zero_share = (lumpy == 0).mean(axis=1)
    assert 0.8 <= zero_share.median() <= 0.95
    assert (zero_share >= 0.7).all()
    sizes = lines[(lines.pattern == "lumpy") & (lines.quantity > 0)].quantity
    assert sizes.quantile(0.95) >= 3 * sizes.median()
    smooth = _weekly(lines, _skus(summary, "smooth"))
    erratic = _weekly(lines, _skus(summary, "erratic"))
    assert (smooth == 0).mean(axis=1).median() < 0.1
    assert 10 <= smooth.mean(axis=1).median() <= 200  # tens of units a week

    def cv(weekly: pd.DataFrame) -> float:
        return float((weekly.std(axis=1) / weekly.mean(axis=1)).median())

    assert cv(smooth) < cv(erratic)


def test_order_lines_look_like_an_order_book(good: dict[str, pd.DataFrame]) -> None:
    lines = good["order_lines"]
    assert lines.order_id.str.fullmatch(r"SO-20\d\d-\d{6}").all()
    assert (lines.order_date <= pd.Timestamp(AS_OF)).all()
    assert lines.order_date.min() <= pd.Timestamp(AS_OF) - pd.Timedelta(days=900)
    assert lines.order_date.dt.day_of_week.lt(5).mean() > 0.98
    sales = lines[lines.quantity > 0]
    per_order = sales.groupby("order_id")
    assert per_order.size().between(1, 4).all()
    assert per_order.size().max() == 4
    assert not sales.duplicated(["order_id", "sku"]).any()
    numbered = per_order.line.apply(lambda x: sorted(x) == list(range(1, len(x) + 1)))
    assert numbered.all()
    assert per_order.customer.nunique().eq(1).all()
    assert lines.customer.str.fullmatch(r"C-\d{4}").all()
    assert 0.005 <= (lines.quantity < 0).mean() <= 0.015


def test_sale_prices_are_a_markup_on_purchase_prices(good: dict[str, pd.DataFrame]) -> None:
    breaks = good["price_breaks"].assign(unit_price=lambda f: f.unit_price.astype(float))
    purchase = breaks.groupby("sku").unit_price.max()
    lines = good["order_lines"]
    recent = lines[lines.order_date >= pd.Timestamp(AS_OF) - pd.Timedelta(days=90)]
    sale = recent.groupby("sku").unit_price.median()
    ratio = (sale / purchase.reindex(sale.index)).dropna()
    assert 1.15 <= ratio.median() <= 2.0
    assert ratio.between(1.0, 2.5).mean() > 0.95


def test_credit_lines_return_part_of_an_earlier_line_of_the_same_order(
    good: dict[str, pd.DataFrame],
) -> None:
    lines = good["order_lines"]
    credits = lines[lines.quantity < 0]
    sales = lines[lines.quantity > 0]
    matched = credits.merge(sales, on=["order_id", "sku", "customer"], suffixes=("", "_sale"))
    assert len(matched) == len(credits)
    assert (matched.order_date > matched.order_date_sale).all()
    assert (-matched.quantity <= matched.quantity_sale).all()
    assert (matched.line > matched.line_sale).all()


def test_suppliers_and_offers_are_in_realistic_ranges(good: dict[str, pd.DataFrame]) -> None:
    suppliers = good["suppliers"].astype({c: float for c in ["lead_time", "fixed_cost"]})
    assert 8 <= len(suppliers) <= 15
    assert suppliers.lead_time.between(5, 90).all()
    assert suppliers.fixed_cost.between(20, 150).all()
    assert suppliers.on_time_rate.astype(float).between(0.7, 0.99).all()
    assert suppliers.reject_rate.astype(float).between(0, 0.05).all()
    offers = good["supplier_items"].astype({"moq": int, "pack_size": int})
    assert offers.groupby("sku").size().between(1, 3).all()
    assert set(offers.sku) == set(good["items"].sku)
    assert set(offers.pack_size) <= {1, 5, 10, 25, 50, 100}
    assert (offers.moq % offers.pack_size == 0).mean() > 0.8
    assert 0.6 <= (offers.discount_type == "all_units").mean() <= 0.8


def test_price_breaks_fall_with_quantity_from_one_or_the_moq(
    good: dict[str, pd.DataFrame],
) -> None:
    breaks = good["price_breaks"].astype({"min_qty": int, "unit_price": float})
    offers = good["supplier_items"].astype({"moq": int})
    tiers = breaks.merge(offers, on=["supplier_id", "sku"])
    groups = tiers.sort_values("min_qty").groupby(["supplier_id", "sku"])
    first = groups.first()
    assert ((first.min_qty == 1) | (first.min_qty == first.moq)).all()
    assert groups.size().between(1, 4).all() and groups.size().max() == 4
    assert groups.unit_price.apply(lambda p: bool(np.all(np.diff(p.to_numpy()) < 0))).all()
    assert first.unit_price.between(0.5, 400).all()
    several = groups.size() > 1
    discount = 1 - groups.unit_price.last() / first.unit_price
    assert discount[several].between(0.005, 0.26).all()
    assert discount[several].max() > 0.15


def test_item_costs_are_in_realistic_ranges(good: dict[str, pd.DataFrame]) -> None:
    items = good["items"]
    assert items.holding_cost_rate.astype(float).between(0.15, 0.30).all()
    assert items.unit_volume.astype(float).between(0.01, 20).all()
    price = good["price_breaks"].assign(p=lambda f: f.unit_price.astype(float))
    top_price = price.groupby("sku").p.max().reindex(items.sku).to_numpy()
    assert (items.salvage_value.astype(float).to_numpy() <= 0.34 * top_price).all()


def test_stock_and_open_orders_cover_part_of_the_items(good: dict[str, pd.DataFrame]) -> None:
    n_items = len(good["items"])
    stock = good["stock"].astype({"on_hand": int})
    assert 0.85 <= len(stock) / n_items <= 1.0
    assert 0.03 <= (stock.on_hand == 0).mean() <= 0.2
    orders = good["open_orders"]
    assert 0.08 <= orders.sku.nunique() / n_items <= 0.12
    due = pd.to_datetime(orders.due_date)
    assert (due < pd.Timestamp(AS_OF)).sum() == 2
    window = pd.Timestamp(AS_OF - timedelta(days=14)), pd.Timestamp(AS_OF + timedelta(weeks=8))
    assert due.between(*window).all()
    offered = good["supplier_items"][["supplier_id", "sku"]].merge(
        orders, on=["supplier_id", "sku"]
    )
    assert len(offered) == len(orders)


def test_erp_example_reads_with_its_config_and_uses_demo_skus(
    tmp_path: Path, summary: DemoSummary
) -> None:
    erp = write_erp_example(tmp_path / "erp", AS_OF, seed=7, n_items=300)
    config = tomllib.loads(erp.config.read_text(encoding="utf-8"))["order_lines"]
    assert erp.export.match(config["files"][0])
    frame = pd.read_csv(
        erp.export,
        sep=config["delimiter"],
        decimal=config["decimal"],
        encoding=config["encoding"],
        dtype={config["columns"]["sku"]: str, config["columns"]["customer"]: str},
    )
    assert erp.export.read_bytes().count(b"\r\n") == erp.rows + 1
    ours = frame.rename(columns={v: k for k, v in config["columns"].items()})
    assert set(config["columns"]) == {"order_id", "line", "order_date", "sku"} | {
        "quantity",
        "unit_price",
        "customer",
    }
    assert len(ours) == erp.rows
    dates = pd.to_datetime(ours.order_date, format=config["date_format"])
    assert dates.max() <= pd.Timestamp(AS_OF)
    assert ours.unit_price.dtype == float and (ours.unit_price > 0).all()
    cancelled = ours[config["cancelled_column"]].isin(config["cancelled_values"])
    excluded = ours.sku.isin(config["exclude_skus"])
    assert cancelled.sum() == erp.cancelled_rows > 0
    assert ours[cancelled].order_id.nunique() == 1
    assert excluded.sum() == erp.excluded_rows == 1
    assert (ours.quantity < 0).sum() == erp.credit_rows == 1
    assert set(ours.sku[~excluded]) <= set(summary.patterns)
    assert not ours.duplicated(["order_id", "line"]).any()


def test_erp_config_is_accepted_by_the_loader_config(tmp_path: Path) -> None:
    from warehouse.config import load_config

    erp = write_erp_example(tmp_path, AS_OF, seed=3, n_items=60)
    config = load_config(erp.config)
    assert config.delimiter == ";" and config.decimal == ","
    assert config.source_column("sku") == "Artikelnr"


@pytest.mark.parametrize("n_items", [300, 20, 1])
def test_requirements_show_a_pilot_build_an_overdue_campaign_and_one_after_the_horizon(
    con, tmp_path: Path, n_items: int
) -> None:
    made = write_demo_data(tmp_path / "in", AS_OF, n_items=n_items, years=1.0)
    load_folder(con, made.folder, AS_OF)
    assert quarantined(con, "requirements") == []
    assert table_counts(con)["requirements"] == made.rows["requirements"] == 3
    required = _read_text(made.paths["requirements"]).set_index("note")
    days = (pd.to_datetime(required.due_date) - pd.Timestamp(AS_OF)).dt.days
    assert 40 <= days["pilot build"] <= 44 and -6 <= days["service campaign"] <= -3
    assert days["series start"] > 13 * 7  # after the default horizon
    assert required.sku["pilot build"] == required.sku["series start"]
    if n_items > 1:
        assert required.sku["service campaign"] != required.sku["pilot build"]
