"""Mult-DAE and Mult-VAE from Python: fit on interactions, early stopping on held-out users,
files, callbacks."""

import numpy as np
import pytest
import scipy.sparse as sp

import autorec
from test_ease import co_watched

SMALL = dict(hidden=16, batch=20, epochs=6, seed=2, threads=1)


def test_mult_dae_learns_which_items_go_together():
    model = autorec.MultDAE(**dict(SMALL, epochs=60, learning_rate=0.01)).fit(co_watched())
    new_user = sp.csr_matrix(([1.0, 1.0], ([0, 0], [6, 12])), shape=(1, 30))
    ids, _ = model.recommend(0, new_user, N=2, recalculate_user=True)
    assert set(ids) == {7, 13}


def test_without_validation_users_every_epoch_runs_and_the_last_is_kept():
    seen = []
    model = autorec.MultDAE(**SMALL).fit(co_watched(), callback=lambda r: seen.append(r) and False)
    assert [r["epoch"] for r in seen] == list(range(1, 7))
    assert model.fit_report["best_epoch"] == 6
    assert all(np.isnan(r["ndcg@100"]) for r in seen)


def test_validation_users_score_each_epoch_and_choose_the_kept_one():
    interactions = co_watched(users=100)
    train, validation = interactions[:80], interactions[80:]
    seen = []
    model = autorec.MultVAE(**SMALL).fit(train, validation=validation, callback=lambda r: seen.append(r) and False)
    best = max(seen, key=lambda r: r["ndcg@100"])
    assert model.fit_report["best_epoch"] == best["epoch"]
    assert all(0 <= r["ndcg@100"] <= 1 for r in seen)


def test_a_mult_vae_model_file_loads_and_ranks_the_same(tmp_path):
    model = autorec.MultVAE(**SMALL).fit(co_watched())
    model.save(tmp_path / "vae.bin")
    loaded = autorec.load(tmp_path / "vae.bin")
    assert not loaded.predicts_ratings
    assert np.array_equal(loaded.recommend(np.arange(4), N=3)[0], model.recommend(np.arange(4), N=3)[0])


def test_the_same_seed_gives_the_same_mult_dae():
    first = autorec.MultDAE(**SMALL).fit(co_watched())
    again = autorec.MultDAE(**SMALL).fit(co_watched())
    assert np.array_equal(first.score(3), again.score(3))


def test_a_full_batch_optimizer_is_refused_with_the_libraries_message():
    with pytest.raises(ValueError, match="adam"):
        autorec.MultDAE(**dict(SMALL, optimizer="rprop")).fit(co_watched())
