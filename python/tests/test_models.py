"""Training, scoring, files and threads of the Python package."""

import signal
import subprocess
import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp

import autorec
from conftest import EMBEDDED, SMALL_NETWORK, program


# ---- the same results as the C++ programs ---------------------------------------------------------


def test_the_same_seed_gives_autorec_trains_model_file_byte_for_byte(main_job_model, tmp_path):
    ratings = autorec.load_ratings(EMBEDDED)
    train, _ = autorec.split_ratings(ratings, test_fraction=0.1, seed=1)
    path = tmp_path / "python.bin"
    autorec.AutoRec(seed=1).fit(train).save(path)
    assert path.read_bytes() == main_job_model.read_bytes()


def test_fold_in_recommends_what_the_cpp_scorer_recommends(main_job_model, tmp_path):
    new_user = {"1": 5.0, "50": 4.0, "260": 5.0, "1196": 4.5, "2571": 2.0}
    ratings_file = tmp_path / "new.csv"
    ratings_file.write_text("".join(f"{item},{value}\n" for item, value in new_user.items()))
    shown = subprocess.run([program("autorec-recommend"), "--model", str(main_job_model), "--new-user",
                            str(ratings_file), "--top", "5"], check=True, capture_output=True, text=True).stdout
    expected = [(line.split()[-1], float(line.split()[1])) for line in shown.splitlines()[1:]]

    model = autorec.load(main_job_model)
    items = [model.item_index(item) for item in new_user]
    row = sp.csr_matrix((list(new_user.values()), ([0] * len(items), items)), shape=(1, len(model.item_ids)))
    ids, scores = model.recommend(0, row, N=5, recalculate_user=True)
    assert [model.item_ids[i] for i in ids] == [item for item, _ in expected]
    assert np.allclose(scores, [score for _, score in expected], atol=0.005)


def test_evaluate_gives_the_main_jobs_test_rmse(main_job_model):
    ratings = autorec.load_ratings(EMBEDDED)
    _, test = autorec.split_ratings(ratings, test_fraction=0.1, seed=1)
    printed = subprocess.run([program("autorec-train"), "--data", str(EMBEDDED)], check=True, capture_output=True,
                             text=True).stdout
    rmse = float(printed.split("test RMSE ")[1].split()[0])
    assert autorec.evaluate(autorec.load(main_job_model), test)["rmse"] == pytest.approx(rmse, abs=5e-7)


# ---- training ---------------------------------------------------------------------------------------


def test_fit_with_the_same_seed_gives_the_same_predictions(ratings, small_model):
    again = autorec.AutoRec(**SMALL_NETWORK).fit(ratings)
    assert np.array_equal(again.score(7), small_model.score(7))


def test_the_callback_gets_every_epochs_figures(ratings):
    seen = []
    autorec.AutoRec(**SMALL_NETWORK).fit(ratings, callback=lambda report: seen.append(report) and False)
    assert [r["epoch"] for r in seen if r["stage"] == "member"] == list(range(1, 16))
    assert all(np.isfinite(r["train_rmse"]) for r in seen)
    assert any(np.isfinite(r["validation_rmse"]) for r in seen if r["stage"] == "trial")


def test_a_callback_returning_true_stops_that_network():
    ratings = autorec.load_ratings(EMBEDDED)
    seen = []
    model = autorec.AutoRec(**dict(SMALL_NETWORK, refit=False, epochs=50))
    model.fit(ratings, callback=lambda report: seen.append(report["epoch"]) or report["epoch"] == 3)
    assert seen == [1, 2, 3]


def test_ctrl_c_raises_keyboard_interrupt_and_leaves_the_estimator_unfitted(ratings):
    model = autorec.AutoRec(**dict(SMALL_NETWORK, epochs=200))
    epochs = []

    def interrupt_at_epoch_two(report):
        epochs.append(report["epoch"])
        if report["epoch"] == 2:
            signal.raise_signal(signal.SIGINT)
        return False

    with pytest.raises(KeyboardInterrupt):
        model.fit(ratings, callback=interrupt_at_epoch_two)
    assert len(epochs) <= 3
    with pytest.raises(RuntimeError, match="not fitted"):
        model.predict([0], [0])


def test_given_validation_ratings_choose_the_epochs(ratings):
    train, validation = autorec.split_ratings(ratings, 0.2, seed=2)
    model = autorec.AutoRec(**SMALL_NETWORK).fit(train, validation=validation)
    assert model.fit_report["refit_epochs"] == model.fit_report["best_epoch"] > 0


def test_a_deeper_network_trains_from_keywords(ratings):
    model = autorec.Network(hidden=[12, 6, 12], activation="elu", lam=1.0, epochs=5, seed=1).fit(ratings)
    assert "12-6-12" in model.description or "12" in model.description
    assert np.all(np.isfinite(model.score(0)))


def test_an_unknown_option_is_refused_naming_it():
    with pytest.raises(TypeError, match="hiden"):
        autorec.AutoRec(hiden=20)


def test_a_bad_option_value_raises_the_libraries_message(ratings):
    with pytest.raises(ValueError, match="activation|unknown"):
        autorec.AutoRec(**dict(SMALL_NETWORK, activation="sigmiod")).fit(ratings)


# ---- scoring ------------------------------------------------------------------------------------------


def test_predict_gives_ratings_in_the_training_range(small_model):
    predictions = small_model.predict([0, 1, 2], [3, 4, 5])
    assert predictions.shape == (3,)
    assert np.all((predictions >= 1) & (predictions <= 5))


def test_recommend_for_an_array_of_users_gives_one_row_each(small_model):
    ids, scores = small_model.recommend(np.arange(10), N=4)
    assert ids.shape == scores.shape == (10, 4)
    single_ids, _ = small_model.recommend(3, N=4)
    assert np.array_equal(single_ids, ids[3])


def test_recommend_leaves_out_the_users_training_items(small_model):
    ids, _ = small_model.recommend(5, N=40)
    listed = set(ids[ids >= 0])
    assert listed.isdisjoint(small_model.rated_items(5))
    assert len(listed) == 40 - len(small_model.rated_items(5))


def test_a_short_list_is_padded_with_minus_one_and_nan(small_model):
    ids, scores = small_model.recommend(0, N=50)
    assert ids[-1] == -1 and np.isnan(scores[-1])


def test_recommend_ranks_only_the_given_items(small_model):
    candidates = [i for i in range(40) if i not in small_model.rated_items(2)][:5]
    ids, _ = small_model.recommend(2, N=3, items=candidates)
    assert set(ids) <= set(candidates)


def test_user_items_of_the_wrong_width_are_refused_as_transposed(small_model):
    rows = sp.csr_matrix(np.ones((40, 1), np.float32))
    with pytest.raises(ValueError, match="transposed"):
        small_model.recommend(0, rows, recalculate_user=True)


def test_an_unknown_user_raises_index_error_with_the_libraries_message(small_model):
    with pytest.raises(IndexError, match="user"):
        small_model.predict([1000], [0])


def test_evaluate_reports_recbole_named_ranking_metrics(ratings, small_model):
    _, test = autorec.split_ratings(ratings, 0.2, seed=4)
    result = autorec.evaluate(small_model, test, k=5)
    assert {"rmse", "mae", "precision@5", "recall@5", "ndcg@5", "map@5", "hit@5", "itemcoverage@5"} <= set(result)
    assert 0 <= result["ndcg@5"] <= 1


# ---- files ----------------------------------------------------------------------------------------------


def test_a_saved_model_loads_and_scores_the_same(small_model, tmp_path):
    path = tmp_path / "m.bin"
    small_model.save(path)
    loaded = autorec.load(path)
    assert np.array_equal(loaded.score(4), small_model.score(4))
    loaded.save(tmp_path / "again.bin")
    assert (tmp_path / "again.bin").read_bytes() == path.read_bytes()


def test_loading_a_file_that_is_not_a_model_raises_with_its_path(tmp_path):
    path = tmp_path / "not-a-model.bin"
    path.write_bytes(b"hello world, not a model")
    with pytest.raises(Exception, match="not-a-model.bin"):
        autorec.load(path)


# ---- threads ----------------------------------------------------------------------------------------------


def test_scoring_releases_the_gil_so_python_threads_run_meanwhile():
    ratings = autorec.load_ratings(EMBEDDED)
    model = autorec.AutoRec(lam=30.0, epochs=2, seed=1).fit(ratings)
    users = np.arange(ratings.shape[0])
    calls, started = [], threading.Event()

    def score_many():
        started.set()
        for _ in range(3):
            begin = time.perf_counter()
            model.recommend(users, N=10)
            calls.append((begin, time.perf_counter()))

    worker = threading.Thread(target=score_many)
    worker.start()
    started.wait()
    spins = []
    while worker.is_alive():
        spins.append(time.perf_counter())
    worker.join()
    # With the GIL held through a call, this thread could not run Python during it.
    during = sum(1 for t in spins if any(begin < t < end for begin, end in calls))
    assert during > 100


# ---- misuse a host application met (each a regression test) -----------------------------------------------


def test_a_candidate_outside_the_catalogue_raises_index_error_not_an_abort(small_model):
    with pytest.raises(IndexError, match="item index 99"):
        small_model.recommend([0, 1], N=2, items=[99])
    with pytest.raises(IndexError):
        small_model.recommend(0, N=2, filter_items=[-1])


@pytest.mark.parametrize("bad", [0, -5, 2.5, True])
def test_n_must_be_a_positive_int(small_model, bad):
    with pytest.raises(ValueError, match="N must be a positive int"):
        small_model.recommend(0, N=bad)


def test_n_above_the_catalogue_gives_at_most_the_catalogue(small_model):
    ids, _ = small_model.recommend(0, N=10**12)
    assert ids.shape == (40,)


def test_no_users_give_empty_results(small_model):
    ids, scores = small_model.recommend([], N=3)
    assert ids.shape == scores.shape == (0, 3)


def test_an_empty_row_to_fold_in_is_refused(small_model):
    with pytest.raises(ValueError, match="row 0 of user_items is empty"):
        small_model.recommend(0, sp.csr_matrix((1, 40), dtype=np.float32), recalculate_user=True)


def test_evaluate_refuses_test_ratings_of_another_shape(small_model):
    with pytest.raises(ValueError, match="over the model's users and items"):
        autorec.evaluate(small_model, sp.csr_matrix(([4.0], ([0], [0])), shape=(60, 45)))


def test_evaluate_refuses_an_empty_test_set_instead_of_reporting_nan(small_model):
    with pytest.raises(ValueError, match="no ratings"):
        autorec.evaluate(small_model, sp.csr_matrix((60, 40), dtype=np.float32))


def test_evaluate_refuses_ranking_metrics_no_user_can_have(small_model):
    low = sp.csr_matrix(([1.0], ([0], [1])), shape=(60, 40))
    with pytest.raises(ValueError, match="no test user has a relevant item"):
        autorec.evaluate(small_model, low, k=5)


def test_a_model_pickles_and_copies_through_its_model_file(small_model):
    import copy
    import pickle

    for clone in (pickle.loads(pickle.dumps(small_model)), copy.deepcopy(small_model)):
        assert np.array_equal(clone.score(2), small_model.score(2))
        assert clone.get_params() == small_model.get_params()
        assert clone.fit_report["lambda"] == small_model.fit_report["lambda"]


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        autorec.load_ratings(tmp_path / "nope.csv")
    with pytest.raises(FileNotFoundError):
        autorec.load(tmp_path / "nope.bin")


def test_an_events_file_read_as_ratings_says_how_to_read_it(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("1,10\n1,20\n")
    with pytest.raises(ValueError, match="require_ratings=False"):
        autorec.load_ratings(path)


def test_events_trained_as_ratings_are_refused_pointing_to_implicit_models():
    events = sp.csr_matrix(np.ones((20, 10), np.float32))
    with pytest.raises(ValueError, match="implicit feedback"):
        autorec.AutoRec(**SMALL_NETWORK).fit(events)


def test_validation_ratings_no_prediction_reaches_are_refused():
    # user 2 and item 2 have no training rating: the network's predictions never reach (2, 2)
    train = sp.csr_matrix(([5.0, 3.0, 4.0, 1.0], ([0, 0, 1, 1], [0, 1, 0, 1])), shape=(3, 3))
    validation = sp.csr_matrix(([2.0], ([2], [2])), shape=(3, 3))
    with pytest.raises(ValueError, match="never reach them"):
        autorec.AutoRec(hidden=5, lam=0.01, seed=1).fit(train, validation=validation)


def test_a_negative_thread_count_is_refused(ratings):
    with pytest.raises(ValueError, match="threads"):
        autorec.AutoRec(**dict(SMALL_NETWORK, threads=-1)).fit(ratings)


def test_an_index_beyond_int32_is_refused_not_wrapped_onto_another_user(small_model):
    with pytest.raises(IndexError, match="outside"):
        small_model.predict([2**32], [0])
    with pytest.raises(IndexError, match="outside"):
        small_model.recommend(np.array([2**32 + 1]), N=3)


def test_empty_candidates_rank_nothing(small_model):
    ids, scores = small_model.recommend(0, N=3, items=[])
    assert list(ids) == [-1, -1, -1] and np.all(np.isnan(scores))


def test_a_callback_may_return_any_python_value(ratings):
    model = autorec.AutoRec(**SMALL_NETWORK).fit(ratings, callback=lambda report: [])
    assert np.all(np.isfinite(model.score(0)))


def test_threads_apply_to_one_fit_and_are_restored(ratings):
    before = autorec._core.thread_count()
    autorec.AutoRec(**dict(SMALL_NETWORK, threads=1)).fit(ratings)
    assert autorec._core.thread_count() == before


def test_a_repr_shows_numpy_options():
    assert "hidden=" in repr(autorec.Network(hidden=np.array([8, 4, 8])))
