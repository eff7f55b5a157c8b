"""Text formatting and CSV writing: explicit formats keep the files byte-identical."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd


def _text(values: pd.Series) -> list[str]:
    """Column as written: ISO dates, shortest float repr, "" for missing."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return list(values.dt.strftime("%Y-%m-%d"))
    if pd.api.types.is_float_dtype(values):
        return ["" if math.isnan(v) else repr(float(v)) for v in values]
    return [str(v) for v in values]


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: _text(frame[c]) for c in frame.columns})


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
