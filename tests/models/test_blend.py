"""Blend: a path mixture of GlobalRate and LatentRate with the matching mean."""

from __future__ import annotations

import numpy as np
import pytest

from models import Blend, GlobalRate, LatentRate, item_rng


def test_mean_is_weighted_mean_of_members_and_paths_split(panel_y):
    blend = Blend(weight=0.25, alpha=0.1, latent_shape=2.0, global_shape=4.0, horizon=6)
    fc = blend.fit(panel_y).predict(6, n_paths=200, seed=3)
    glob = GlobalRate(horizon=6, shape=4.0).fit(panel_y).predict(6, 50, seed=0).mean
    latent = LatentRate(alpha=0.1, shape=2.0).fit(panel_y).predict(6, 150, seed=0).mean
    np.testing.assert_allclose(fc.mean, 0.25 * glob + 0.75 * latent)
    assert fc.paths.shape == (panel_y.shape[0], 200, 6)


@pytest.mark.parametrize("weight", [0.0, 1.0])
def test_pure_weights_reproduce_one_member(panel_y, weight):
    """weight 1 (0) gives exactly GlobalRate's (LatentRate's) paths from the same streams."""
    blend = Blend(weight=weight, alpha=0.1, latent_shape=1.0, global_shape=2.0, horizon=4)
    member = GlobalRate(horizon=4, shape=2.0) if weight else LatentRate(alpha=0.1, shape=1.0)
    n = panel_y.shape[0]
    rngs = [item_rng(0, str(i)) for i in range(n)]
    same = [item_rng(0, str(i)) for i in range(n)]
    got = blend.fit(panel_y).predict(4, 30, rngs).paths
    want = member.fit(panel_y).predict(4, 30, same).paths
    np.testing.assert_array_equal(got, want)


def test_take_restricts_both_members_and_keeps_item_paths(panel_y):
    blend = Blend().fit(panel_y)
    rows = [4, 1]
    whole = blend.predict(5, 40, [item_rng(1, str(i)) for i in range(panel_y.shape[0])])
    part = blend.take(rows).predict(5, 40, [item_rng(1, str(i)) for i in rows])
    np.testing.assert_array_equal(part.paths, whole.paths[rows])
    np.testing.assert_allclose(part.mean, whole.mean[rows])


def test_invalid_weight_raises(panel_y):
    with pytest.raises(ValueError, match="weight must be"):
        Blend(weight=1.5).fit(panel_y)


def test_law_is_passed_to_both_members(panel_y):
    blend = Blend(law="lognormal").fit(panel_y)
    assert blend.global_.law == blend.latent_.law == "lognormal"
    with pytest.raises(ValueError, match="law must be one of"):
        Blend(law="cauchy").fit(panel_y)
