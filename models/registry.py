"""The forecasters `forecast(model=...)` can name; a new model plugs in with one line here."""

from __future__ import annotations

from typing import Any

from models.aggregate import ADIDA
from models.base import Forecaster
from models.blend import Blend
from models.empirical import Empirical
from models.ets import ETS
from models.global_rate import GlobalRate
from models.intermittent import SBA, TSB, Croston
from models.latent import LatentRate

FORECASTERS: dict[str, type[Forecaster]] = {
    cls.name: cls
    for cls in (Croston, SBA, TSB, Empirical, LatentRate, GlobalRate, Blend, ADIDA, ETS)
}


def make_forecaster(model: str | Forecaster, **params: Any) -> Forecaster:
    """A fresh, unfitted forecaster: by registry name, or a clone of the instance given."""
    if isinstance(model, Forecaster):
        return type(model)(**{**model.get_params(), **params})
    if model not in FORECASTERS:
        raise ValueError(f"unknown model {model!r}; known: {sorted(FORECASTERS)}")
    return FORECASTERS[model](**params)
