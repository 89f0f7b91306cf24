"""Mult-DAE and Mult-VAE from Python: fit on interactions, early stopping on held-out users,
files, callbacks."""

import subprocess

import numpy as np
import pytest
import scipy.sparse as sp

import autorec
from conftest import program
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


def test_a_blend_written_by_autorec_train_loads_and_ranks_as_autorec_recommend(tmp_path):
    # events of 120 users in 3 taste groups of 10 items, each user with 6 of their group's
    rng = np.random.default_rng(4)
    lines = ["user,item"]
    for u in range(120):
        for i in rng.choice(10, 6, replace=False):
            lines.append(f"u{u},i{(u % 3) * 10 + i}")
    events = tmp_path / "events.csv"
    events.write_text("\n".join(lines) + "\n")
    blend = tmp_path / "blend.bin"
    subprocess.run([program("autorec-train"), "--feedback", "implicit", "--model", "ease+mult-dae", "--data",
                    str(events), "--heldout-users", "10", "--hidden", "8", "--epochs", "5", "--batch", "20",
                    "--save", str(blend)], check=True, capture_output=True, text=True)
    model = autorec.load(blend)
    assert not model.predicts_ratings
    printed = subprocess.run([program("autorec-recommend"), "--model", str(blend), "--user",
                              str(model.user_ids[0]), "--top", "3"],
                             check=True, capture_output=True, text=True).stdout
    expected = [line.split()[-1] for line in printed.splitlines()[1:]]
    ids, _ = model.recommend(0, N=3)
    assert [str(model.item_ids[i]) for i in ids] == expected
    group = int(expected[0][1:]) // 10
    folded, _ = model.recommend(0, sp.csr_matrix(([1.0, 1.0], ([0, 0], [group * 10, group * 10 + 1])),
                                                 shape=(1, model.n_items)), N=3, recalculate_user=True)
    assert all(int(str(model.item_ids[i])[1:]) // 10 == group for i in folded)
