"""ADIDA and ETS: point forecasts against hand-computed and statsmodels values."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tsa.holtwinters import SimpleExpSmoothing

from models import FORECASTERS
from models.aggregate import ADIDA, aggregate, bucket_sizes
from models.ets import ETS


def test_adida_aggregates_by_the_mean_interval_and_disaggregates_evenly():
    """[0,2,0,0,4,0]: ADI 3, buckets 2 and 4; SES with start-up gain 1/2 -> 3 per bucket,
    1 per period; demand in 1 of 3 periods of each bucket -> probability 1/3."""
    y = np.array([[0.0, 2.0, 0.0, 0.0, 4.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]])
    model = ADIDA(alpha=0.1).fit(y)
    np.testing.assert_array_equal(model.bucket_, [3, 1])
    np.testing.assert_allclose(model.mean_, [1.0, 1.0])
    np.testing.assert_allclose(model.prob_, [1 / 3, 1.0])


def test_aggregate_aligns_to_the_end_and_skips_padded_buckets():
    x = np.array([[np.nan, 1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_array_equal(aggregate(x, 2), [[3.0, 7.0]])
    np.testing.assert_array_equal(aggregate(np.array([[np.nan, 1.0]]), 2), [[np.nan]])
    np.testing.assert_array_equal(bucket_sizes(np.array([[0.0, 0.0], [0.0, 5.0]])), [1, 2])


def test_ets_fits_smooth_series_with_statsmodels_and_pools_alpha_for_the_rest():
    rng = np.random.default_rng(3)
    smooth = rng.poisson(6.0, (3, 36)).astype(float)
    sparse = np.zeros((1, 36))
    sparse[0, ::9] = 3.0
    y = np.vstack([smooth, sparse])
    model = ETS(pool_fits=1).fit(y)
    res = SimpleExpSmoothing(y[0], initialization_method="estimated").fit()
    assert model.mean_[0] == pytest.approx(float(res.forecast(1)[0]), rel=1e-6)
    assert model.alpha_[0] == pytest.approx(float(res.params["smoothing_level"]), abs=1e-3)
    # the sparse series (4 demands < min_demands) gets the median of the fitted constants
    assert model.alpha_[3] == pytest.approx(np.median(model.alpha_[:3]))
    assert 0 < model.mean_[3] < 3.0


def test_both_are_registered():
    assert FORECASTERS["adida"] is ADIDA and FORECASTERS["ets"] is ETS
