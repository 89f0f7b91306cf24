"""EASE from Python: fit on interactions, top-N, files, and what it refuses."""

import numpy as np
import pytest
import scipy.sparse as sp

import autorec


def co_watched(users=80, items=30, seed=0):
    """Interactions where item 2i+1 goes with item 2i: users who have one mostly have the other."""
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for u in range(users):
        for pair in rng.choice(items // 2, 4, replace=False):
            rows += [u, u]
            cols += [2 * pair, 2 * pair + 1]
    return sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(users, items))


def test_ease_recommends_the_item_that_goes_with_a_new_users_item():
    model = autorec.EASE(lam=10.0).fit(co_watched())
    new_user = sp.csr_matrix(([1.0], ([0], [6])), shape=(1, 30))
    ids, _ = model.recommend(0, new_user, N=1, recalculate_user=True)
    assert ids[0] == 7


def test_ease_leaves_out_the_users_items_and_ranks_without_ratings():
    interactions = co_watched()
    model = autorec.EASE().fit(interactions)
    ids, _ = model.recommend(0, N=5)
    assert set(ids).isdisjoint(interactions[0].indices)
    assert not model.predicts_ratings
    assert model.fit_report["lambda"] > 0


def test_an_ease_model_file_loads_and_ranks_the_same(tmp_path):
    model = autorec.EASE(lam=10.0).fit(co_watched())
    model.save(tmp_path / "ease.bin")
    loaded = autorec.load(tmp_path / "ease.bin")
    assert np.array_equal(loaded.recommend(np.arange(5), N=4)[0], model.recommend(np.arange(5), N=4)[0])


def test_evaluate_gives_ranking_metrics_and_no_rmse_for_ease():
    train, test = autorec.split_ratings(co_watched(), 0.2, seed=1)
    result = autorec.evaluate(autorec.EASE(lam=10.0).fit(train), test, k=5)
    assert "rmse" not in result
    assert result["ndcg@5"] > 0.3  # the pairs are easy to find


def test_ease_with_no_interactions_is_refused():
    with pytest.raises(ValueError, match="no interactions"):
        autorec.EASE().fit(sp.csr_matrix((5, 4), dtype=np.float32))


def test_an_events_file_without_ratings_loads_as_ones(tmp_path):
    path = tmp_path / "events.tsv"
    path.write_text("user\titem\nu1\ta\nu1\tb\nu2\ta\n")
    events = autorec.load_ratings(path, require_ratings=False)
    assert events.shape == (2, 2) and list(events.data) == [1, 1, 1]


def test_ease_with_validation_users_chooses_lambda_by_their_ndcg():
    interactions = co_watched(users=120)
    model = autorec.EASE().fit(interactions[:100], validation=interactions[100:])
    trials = model.fit_report["trials"]
    assert len(trials) >= 5
    assert model.fit_report["lambda"] == max(trials, key=lambda t: t[1])[0]


def test_ease_without_validation_users_takes_the_grids_centre():
    model = autorec.EASE().fit(co_watched())
    assert model.fit_report["trials"] == []
    assert model.fit_report["lambda"] > 0


def test_fold_in_of_an_implicit_model_reads_only_entries_above_zero():
    model = autorec.EASE(lam=10.0).fit(co_watched())
    with_zeros = sp.csr_matrix(([1.0, 0.0, 0.0], ([0, 0, 0], [2, 5, 7])), shape=(1, 30))
    only = sp.csr_matrix(([1.0], ([0], [2])), shape=(1, 30))
    assert np.allclose(model.score(0, with_zeros, recalculate_user=True), model.score(0, only, recalculate_user=True))


def test_ease_refuses_a_target_fraction_outside_zero_to_one():
    interactions = co_watched(users=100)
    with pytest.raises(ValueError, match="target_fraction"):
        autorec.EASE(target_fraction=1.5).fit(interactions[:80], validation=interactions[80:])


def test_evaluate_asks_for_k_for_an_implicit_model():
    model = autorec.EASE(lam=10.0).fit(co_watched())
    with pytest.raises(ValueError, match="give k"):
        autorec.evaluate(model, co_watched(seed=1))
