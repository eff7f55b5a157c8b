"""One conformance suite run over every registered Forecaster (scikit-learn's check_estimator
idea): a new model joins `models.FORECASTERS` and must pass all of it unchanged."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest

from models import FORECASTERS, QUANTILES, Forecaster, NotFittedError

MODELS = sorted(FORECASTERS.values(), key=lambda cls: cls.name)


@pytest.fixture(params=MODELS, ids=lambda cls: cls.name)
def model(request) -> Forecaster:
    return request.param()


def test_registry_names_match_classes():
    assert set(FORECASTERS) == {
        "croston",
        "sba",
        "tsb",
        "empirical",
        "latent",
        "global",
        "blend",
        "adida",
        "ets",
    }
    assert all(FORECASTERS[name].name == name for name in FORECASTERS)


def test_init_stores_params_only(model):
    names = [p for p in inspect.signature(type(model).__init__).parameters if p != "self"]
    assert vars(model) == model.get_params()
    assert list(model.get_params()) == names
    assert all(not name.endswith("_") for name in names)


def test_fit_returns_self_and_keeps_params(model, panel_y):
    params = model.get_params()
    assert model.fit(panel_y) is model
    assert model.get_params() == params
    learned = set(vars(model)) - set(params)
    assert learned and all(name.endswith("_") for name in learned)


def test_fit_does_not_modify_input(model, panel_y):
    before = panel_y.copy()
    model.fit(panel_y)
    np.testing.assert_array_equal(panel_y, before)


def test_predict_before_fit_raises(model):
    with pytest.raises(NotFittedError, match="fit"):
        model.predict(3)


def test_invalid_params_raise_in_fit(model, panel_y):
    model.set_params(**{name: -1 for name in model.get_params()})
    with pytest.raises(ValueError, match="must be"):
        model.fit(panel_y)


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.array([1.0, 2.0]), "2-D"),
        (np.array([[1.0, 2.0], [1.0, -1.0]]), "series 1: negative"),
        (np.array([[1.0, np.nan, 2.0]]), "series 0: NaN at period 1"),
        (np.array([[1.0, np.inf]]), "series 0: infinite"),
    ],
)
def test_fit_rejects_bad_demand(model, y, message):
    with pytest.raises(ValueError, match=message):
        model.fit(y)


def test_shapes_dtypes_and_no_nan(model, panel_y):
    fc = model.fit(panel_y).predict(5, n_paths=40, seed=1)
    assert fc.mean.shape == (8, 5) and fc.paths.shape == (8, 40, 5)
    assert fc.paths.dtype == np.int32
    assert np.isfinite(fc.mean).all() and (fc.mean >= 0).all()
    assert (fc.paths >= 0).all()
    assert fc.quantiles(QUANTILES).shape == (8, len(QUANTILES), 5)
    assert fc.total_quantiles(QUANTILES).shape == (8, len(QUANTILES))


def test_quantiles_never_cross(model, panel_y):
    fc = model.fit(panel_y).predict(6, n_paths=101, seed=2)
    assert (np.diff(fc.quantiles(QUANTILES), axis=1) >= 0).all()
    assert (np.diff(fc.total_quantiles(QUANTILES), axis=1) >= 0).all()


def test_paths_mean_matches_mean(model, panel_y):
    """Sampling is unbiased: the paths' average is the mean forecast, within 5 std errors."""
    fc = model.fit(panel_y).predict(4, n_paths=4000, seed=3)
    avg = fc.paths.mean(axis=(1, 2))
    se = fc.paths.std(axis=(1, 2)) / np.sqrt(fc.paths.shape[1] * fc.paths.shape[2])
    assert (np.abs(avg - fc.mean[:, 0]) <= 5 * se + 1e-9).all()
    assert fc.mean[1, 0] > 1  # the smooth Poisson(5) series is forecast well above zero


def test_same_seed_same_paths_different_seed_different(model, panel_y):
    model.fit(panel_y)
    a = model.predict(6, n_paths=50, seed=11)
    b = model.predict(6, n_paths=50, seed=11)
    c = model.predict(6, n_paths=50, seed=12)
    np.testing.assert_array_equal(a.paths, b.paths)
    assert not np.array_equal(a.paths[1], c.paths[1])


def test_pickle_round_trip(model, panel_y):
    model.fit(panel_y)
    clone = pickle.loads(pickle.dumps(model))
    a, b = model.predict(4, 30, seed=5), clone.predict(4, 30, seed=5)
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.paths, b.paths)


def test_fit_twice_equals_fit_once(model, panel_y):
    other = np.nan_to_num(panel_y[::-1, :20]) * 2 + 1  # a different, unpadded panel
    once = type(model)(**model.get_params()).fit(panel_y).predict(4, 30, seed=5)
    twice = model.fit(other).fit(panel_y).predict(4, 30, seed=5)
    np.testing.assert_array_equal(once.mean, twice.mean)
    np.testing.assert_array_equal(once.paths, twice.paths)


def test_all_zero_series_forecasts_zero(model, panel_y):
    fc = model.fit(panel_y).predict(5, 50, seed=0)
    assert (fc.mean[2] == 0).all() and (fc.paths[2] == 0).all()


def test_single_observation_series(model, panel_y):
    fc = model.fit(panel_y).predict(5, 200, seed=0)
    assert (fc.mean[3] > 0).all() and fc.mean[3, 0] <= 4.0
    assert np.median(fc.paths[3]) <= 8 and fc.paths[3].max() > 0


def test_left_padding_is_ignored(model, panel_y):
    """A padded series forecasts like the same series without its padding."""
    padded = model.fit(panel_y[4:5]).predict(5, 100, seed=9)
    alone = type(model)(**model.get_params()).fit(panel_y[4:5, 12:]).predict(5, 100, seed=9)
    np.testing.assert_allclose(padded.mean, alone.mean)
    np.testing.assert_array_equal(padded.paths, alone.paths)


def test_single_period_and_all_nan_rows(model):
    y = np.array([[2.0], [np.nan], [0.0]])
    fc = model.fit(y).predict(3, 20, seed=0)
    assert (fc.mean[1:] == 0).all() and (fc.paths[1:] == 0).all()
    assert (fc.mean[0] > 0).all()
