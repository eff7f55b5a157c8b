"""Run parameters: typed, validated before any work starts, hashed into the run key."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from optimize.explain import share
from optimize.plan import KEEP_LOT_MARGIN
from optimize.solve import DEFAULT_GAP
from warehouse.validate import HISTORY_YEARS

#: Parameters that do not change a run's results and so stay out of its run key.
_NOT_IN_RUN_KEY = frozenset(
    {
        "db_path",
        "reports_dir",
        "time_limit",
        "task_runner",
        "dask_address",
        "chunk_size",
        "lock_wait",
    }
)
#: Parameters added after runs were stored: in the run key only when they differ from their
#: default, so a rerun of a night with the default keeps the key its first run had (and
#: replaces its results instead of adding a what-if beside them).
_IN_RUN_KEY_WHEN_SET = frozenset({"keep_margin"})

# Constrained types shared by RunParameters and the flow signature: Prefect turns the flow's
# annotations into the deployment's parameter schema, so the server refuses an out-of-range
# value when a run is created (before it starts), naming the parameter.
MAX_HORIZON = 104  # periods: the longest horizon a run takes
Horizon = Annotated[
    int, Field(ge=1, le=MAX_HORIZON, description="periods of freq to forecast and plan")
]
Scenarios = Annotated[int, Field(ge=10, le=5000, description="demand sample paths per item")]
Seed = Annotated[int, Field(ge=0, description="seed of the scenario sampling")]
ServiceLevel = Annotated[float, Field(gt=0.0, lt=1.0, description="soft service target")]
MinServiceLevel = Annotated[
    float,
    Field(
        gt=0.0,
        lt=1.0,
        description="hard fill rate per item; empty means none (see README: relaxed plans)",
    ),
]
Limit = Annotated[
    float, Field(ge=0.0, allow_inf_nan=False, description="shared limit; empty means none")
]
MaxOrders = Annotated[int, Field(ge=0, description="most lots in the run; empty means none")]
TimeLimit = Annotated[float, Field(gt=0.0, le=3600.0, description="solver time limit (seconds)")]
Gap = Annotated[
    float,
    Field(
        ge=0.0,
        le=0.5,
        description="relative optimality gap of the solver, of the cost the lots can avoid",
    ),
]
MAX_KEEP_MARGIN = 0.05  # a lot 5% dearer is not "nearly as good": news, not noise
KeepMargin = Annotated[
    float,
    Field(
        ge=0.0,
        le=MAX_KEEP_MARGIN,
        allow_inf_nan=False,
        description="share of an item's least expected cost its lot of the night before may "
        "cost more and still be kept (0: follow every change)",
    ),
]
ChunkSize = Annotated[int, Field(ge=1, le=5000, description="items per forecast task")]
LockWait = Annotated[float, Field(ge=0, le=1440, allow_inf_nan=False, description="minutes")]
TaskRunner = Literal["threads", "dask"]


def _iso_date(value: object) -> object:
    """A date typed as text, parsed as YYYY-MM-DD (or as pydantic takes a date: a datetime at
    midnight, 2026-06-30T00:00:00Z), with a message that names the form: pydantic's own said
    'invalid character in year' of 06/30/2026."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
        try:
            return _DATE.validate_python(value)
        except ValidationError:
            raise ValueError(f"as_of {value!r} is not a date of the form YYYY-MM-DD") from None
    return value


_DATE = TypeAdapter(date)


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
# The flow's signature's as_of (empty: yesterday): Prefect validates the signature before the
# flow starts, and the server's schema check lets any text through as a `format: date`
# (2026-13-45, 06/30/2026).
AsOf = Annotated[date | None, BeforeValidator(_iso_date)]

# `scenarios` left empty: SCENARIO_BUDGET / items paths per item, within AUTO_SCENARIOS. Lots
# steady with more paths (300-item demo: 61 / 40 of 300 lots differ between two seeds at 200 /
# 2,000, 5 / 0 flip between ordering and not) for 5.6 s more optimizing there; memory grows
# with items x paths, and this budget is what 3,000 items at 200 take (1.25 GB; bench/README).
SCENARIO_BUDGET = 600_000
AUTO_SCENARIOS = (200, 2000)


# IANA time zone of "today" (the nightly schedule's: prefect.yaml's work pool and `reorder
# serve` set it); unset: the machine's local date. A worker on UTC with the schedule at 01:30
# in Berlin ran at 23:30 UTC in summer and planned the day before yesterday.
TIMEZONE_ENV = "REORDER_TIMEZONE"


def timezone_name() -> str:
    """REORDER_TIMEZONE ("" when not set)."""
    return os.environ.get(TIMEZONE_ENV, "").strip()


def today() -> date:
    """Today's date in REORDER_TIMEZONE, else the machine's local date."""
    name = timezone_name()
    if not name:
        return date.today()
    try:
        return datetime.now(ZoneInfo(name)).date()
    except (ZoneInfoNotFoundError, ValueError, OSError):  # 'Europe' is a folder of zones
        raise ValueError(
            f"{TIMEZONE_ENV}={name!r} is not an IANA time zone (e.g. Europe/Berlin)"
        ) from None


def default_as_of() -> date:
    """Yesterday (`today`): the last complete day when the nightly run starts after midnight."""
    return today() - timedelta(days=1)


PERIOD_WORDS = {"W": "week", "M": "month"}  # a run's freq, as messages name its periods


def periods_text(freq: str, horizon: int | None) -> str:
    """'weekly, horizon 13 weeks' (horizon None: 'weekly'), how a run plans, for messages."""
    word = PERIOD_WORDS[freq]
    return f"{word}ly" + ("" if horizon is None else f", horizon {horizon} {word}s")


class RunParameters(BaseModel):
    """Everything a nightly run or a rerun can be told.

    Units: horizon in periods of `freq`; budget in currency; capacity in litres;
    time_limit in seconds; keep_margin a share of an item's least expected cost (the night
    before's pending lot is kept while it costs at most that much more, `optimize.plan`).
    service_level prices stockouts (a soft target); min_service_level is a hard target per
    item: when the limits cannot meet it the run says why and plans with a relaxed model
    (runs.relaxed, runs.infeasible_reason). task_runner, dask_address and
    chunk_size say where the forecast chunks run (threads, a local Dask cluster or a Dask
    scheduler); they never change results.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: IsoDate = Field(default_factory=default_as_of)
    data_dir: Path = Path("demo/data")
    db_path: Path = Path("demo/reorder.duckdb")
    reports_dir: Path | None = None
    config: Path | None = None
    items: tuple[str, ...] | None = None
    category: str | None = None
    freq: Literal["W", "M"] = "W"
    horizon: Horizon = 13
    scenarios: Scenarios | None = None
    seed: Seed = 0
    service_level: ServiceLevel = 0.95
    min_service_level: MinServiceLevel | None = None
    budget: Limit | None = None
    capacity: Limit | None = None
    max_orders: MaxOrders | None = None
    solver: Literal["highs", "cbc"] = "highs"
    time_limit: TimeLimit = 60.0
    gap: Gap = DEFAULT_GAP
    keep_margin: KeepMargin = KEEP_LOT_MARGIN
    task_runner: TaskRunner = "threads"
    dask_address: str | None = None
    chunk_size: ChunkSize = 100
    lock_wait: LockWait = 0.0

    @field_validator("data_dir", "db_path", mode="before")
    @classmethod
    def _path_given(cls, value: object) -> object:
        """An empty data_dir read the working folder and failed the run after it started
        (marked failed until the next night); an empty db_path failed deep in the run lock."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("must name a folder (data_dir) or a .duckdb file (db_path), not ''")
        return value

    @field_validator("reports_dir", "config", "category", "dask_address", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        """An empty text box of the UI form means none, as the descriptions say: config ""
        became Path('.') and failed the run with "Is a directory: '.'"."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _dask_address_needs_dask(self) -> RunParameters:
        """A Dask scheduler given with the thread runner went unused without a word."""
        if self.dask_address and self.task_runner != "dask":
            raise ValueError(
                f"dask_address {self.dask_address!r} is only used with task_runner 'dask' "
                f"(it is {self.task_runner!r})"
            )
        return self

    @field_validator("items", mode="before")
    @classmethod
    def _split_items(cls, value: object) -> object:
        """Accept "A,B" from a CLI or UI text box as well as a list."""
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list | tuple) and not value:
            return None
        return value

    @field_validator("as_of")
    @classmethod
    def _not_ahead(cls, value: date) -> date:
        """A night is planned once its day is over: a later as_of (a typo such as 2026-12-16
        for 2026-12-06) would count the days to come as days without demand and, as the
        latest night, replace the published plan. Today is REORDER_TIMEZONE's (`today`);
        without it the machine's date may be a day behind the planner's, so one day of slack
        (with it, tomorrow got published and the next scheduled night was only a rerun)."""
        now = today()
        zone = timezone_name()
        if value > now + timedelta(days=0 if zone else 1):
            where = f" in {zone}" if zone else ""
            raise ValueError(
                f"as_of {value.isoformat()} is after today ({now.isoformat()}{where}): a night "
                "is planned once its day is over, its order lines known"
            )
        oldest = now - timedelta(days=round(365.25 * HISTORY_YEARS))
        if value < oldest:  # 1899-12-31 quarantined every order line as future-dated
            raise ValueError(
                f"as_of {value.isoformat()} is more than {HISTORY_YEARS} years before today "
                f"({now.isoformat()}): a typo? Every order line would be after it"
            )
        return value

    @property
    def period_days(self) -> float:
        """Length of one period in days (a month counts as 365.25 / 12 days)."""
        return 7.0 if self.freq == "W" else 365.25 / 12

    @property
    def period_word(self) -> str:
        """'week' or 'month', for messages."""
        return PERIOD_WORDS[self.freq]

    @property
    def some_items(self) -> bool:
        """Whether the run plans some items only (`items` or `category`): a what-if, whose
        notes and counts are of its items, not of the whole night."""
        return self.items is not None or self.category is not None

    def fill_target(self) -> float:
        """The fill rate a lot is judged by in summaries: min_service_level when set (the
        hard target), else service_level."""
        return self.service_level if self.min_service_level is None else self.min_service_level

    def settings_text(self) -> str:
        """The settings a planner needs beside the numbers, e.g. 'weekly, horizon 13 weeks,
        service level 95%, min service level 90%, budget 15,000.00'."""
        parts = [
            periods_text(self.freq, self.horizon),
            f"service level {share(self.service_level)}",
        ]
        if self.min_service_level is not None:
            parts.append(f"min service level {share(self.min_service_level)}")
        for name, fmt in (("budget", "{:,.2f}"), ("capacity", "{:,.0f} l"), ("max_orders", "{}")):
            if (value := getattr(self, name)) is not None:
                parts.append(f"{name} {fmt.format(value)}")
        return ", ".join(parts)

    def scenario_count(self, items: int) -> int:
        """Demand sample paths per item for a run of `items` items: `scenarios`, or when it is
        empty SCENARIO_BUDGET / items within AUTO_SCENARIOS (300 items: 2,000; 1,000: 600;
        3,000 or more: 200)."""
        if self.scenarios is not None:
            return self.scenarios
        low, high = AUTO_SCENARIOS
        return int(min(high, max(low, SCENARIO_BUDGET // max(items, 1))))

    def run_key(self) -> str:
        """as_of plus a hash of every parameter that changes results: the same night
        rerun with the same parameters gets the same key and replaces its results. A
        parameter of _IN_RUN_KEY_WHEN_SET is hashed only when it is not its default, so the
        keys of runs stored before it existed stay the same."""
        defaults = type(self).model_fields
        unset = {n for n in _IN_RUN_KEY_WHEN_SET if getattr(self, n) == defaults[n].default}
        payload = self.model_dump(mode="json", exclude=set(_NOT_IN_RUN_KEY) | unset)
        payload["data_dir"] = str(Path(payload["data_dir"]).resolve())
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        return f"{self.as_of.isoformat()}-{digest[:10]}"


def changed_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """Of a run's stored parameters (`model_dump(mode="json")`), those in its run key that
    differ from the defaults, as_of and data_dir aside: what made a run a what-if."""
    defaults = RunParameters().model_dump(mode="json")
    keyed = set(RunParameters.model_fields) - _NOT_IN_RUN_KEY - {"as_of", "data_dir"}
    return {
        name: parameters[name]
        for name in RunParameters.model_fields
        if name in keyed and name in parameters and parameters[name] != defaults[name]
    }


def parse_parameters(**values: object) -> RunParameters:
    """Validate run parameters; raise ValueError naming each bad parameter."""
    try:
        return RunParameters(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) + ': ' if e['loc'] else ''}"
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in err.errors()
        )
        raise ValueError(f"invalid run parameters: {problems}") from None
