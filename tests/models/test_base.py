"""ForecastArrays and path quantiles: the shared output of every model."""

from __future__ import annotations

import numpy as np
import pytest

from models import ForecastArrays, path_quantiles
from models.base import check_number


def _arrays(values: list[int], h: int = 1) -> ForecastArrays:
    paths = np.array(values, dtype=np.int32)[None, :, None].repeat(h, axis=2)
    return ForecastArrays(mean=np.full((1, h), np.mean(values)), paths=paths)


def test_quantiles_are_the_inverted_empirical_cdf():
    # 10 paths 0..9: level q picks the ceil(10 q)-th smallest value:
    # 0.1 -> 1st = 0, 0.5 -> 5th = 4, 0.9 -> 9th = 8, 0.95 -> 10th = 9.
    fc = _arrays(list(range(10))[::-1])
    np.testing.assert_array_equal(fc.quantiles([0.1, 0.5, 0.9, 0.95])[0, :, 0], [0, 4, 8, 9])


def test_total_quantiles_use_the_sum_over_the_horizon():
    # paths constant over 3 periods: totals 0, 3, ..., 27; the median is the 5th: 12.
    fc = _arrays(list(range(10)), h=3)
    assert fc.total_quantiles([0.5])[0, 0] == 12
    np.testing.assert_array_equal(fc.totals()[0], np.arange(10) * 3)


def test_quantiles_of_large_panels_are_chunked_consistently():
    rng = np.random.default_rng(0)
    paths = rng.poisson(2.0, (700, 1000, 6)).astype(np.int32)  # 2 chunks of 666 series
    got = path_quantiles(paths, [0.25, 0.75])
    want = np.quantile(paths, [0.25, 0.75], axis=1, method="inverted_cdf").transpose(1, 0, 2)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("levels", [[0.5, 0.1], [0.0, 0.5], [1.0], []])
def test_bad_levels_raise(levels):
    with pytest.raises(ValueError, match="levels"):
        _arrays([1, 2]).quantiles(levels)


def test_forecast_arrays_validate():
    with pytest.raises(ValueError, match=">= 0"):
        ForecastArrays(mean=np.zeros((1, 2)), paths=-np.ones((1, 3, 2), dtype=np.int32))
    with pytest.raises(ValueError, match="integers"):
        ForecastArrays(mean=np.zeros((1, 2)), paths=np.ones((1, 3, 2)))
    with pytest.raises(ValueError, match="disagree"):
        ForecastArrays(mean=np.zeros((1, 2)), paths=np.ones((1, 3, 4), dtype=np.int32))
    fc = ForecastArrays(mean=np.zeros((1, 2)), paths=np.ones((1, 3, 2), dtype=np.int64))
    assert fc.paths.dtype == np.int32


@pytest.mark.parametrize(
    ("value", "bounds", "message"),
    [
        (0.0, {"low": 0, "open_low": True}, "x must be a number > 0, got 0.0"),
        (-1, {"low": 0}, "x must be a number >= 0, got -1"),
        (1.5, {"low": 0, "high": 1}, r"x must be a number in \[0, 1\], got 1.5"),
        (float("nan"), {"low": 0, "high": 1, "open_low": True}, r"in \(0, 1\], got nan"),
        (True, {"low": 0}, "got True"),
        ("2", {"low": 0}, "got '2'"),
    ],
)
def test_check_number_names_the_parameter_and_its_range(value, bounds, message):
    with pytest.raises(ValueError, match=message):
        check_number(value, "x", **bounds)


def test_check_number_accepts_the_ends_it_includes():
    assert check_number(1, "x", 0, 1) == 1.0
    assert check_number(np.float32(0.5), "x", 0, 1, open_low=True) == 0.5
