"""Ratings in and out of the package: load_ratings, split_ratings and the checks on input."""

import numpy as np
import pytest
import scipy.sparse as sp

import autorec
from conftest import EMBEDDED, SMALL_NETWORK


def test_load_ratings_gives_a_users_by_items_csr_matrix_with_the_raw_ids(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("userId,movieId,rating\n7,100,4\n7,200,3.5\n9,200,5\n")
    matrix = autorec.load_ratings(path)
    assert sp.isspmatrix_csr(matrix)
    assert matrix.shape == (2, 2)
    assert list(matrix.user_ids) == ["7", "9"]
    assert list(matrix.item_ids) == ["100", "200"]
    assert matrix[0, 1] == pytest.approx(3.5)
    assert matrix[1, 1] == pytest.approx(5)


def test_load_ratings_keeps_each_users_ratings_in_file_order(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("1,10,1\n2,20,2\n1,20,3\n1,30,4\n2,10,5\n")
    matrix = autorec.load_ratings(path)
    assert list(matrix.data) == [1, 3, 4, 2, 5]
    assert list(matrix.indices) == [0, 1, 2, 1, 0]


def test_a_broken_ratings_file_raises_an_error_that_names_file_and_line(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("1,10,4\n1,20,four\n")
    with pytest.raises(Exception, match=r"broken\.csv.*2|line 2"):
        autorec.load_ratings(path)


def test_a_missing_ratings_file_raises_an_error_that_names_it(tmp_path):
    with pytest.raises(Exception, match="nothing-here.csv"):
        autorec.load_ratings(tmp_path / "nothing-here.csv")


def test_split_ratings_holds_out_the_fraction_and_keeps_the_shape_and_ids():
    matrix = autorec.load_ratings(EMBEDDED)
    train, test = autorec.split_ratings(matrix, 0.1, seed=1)
    assert train.shape == test.shape == matrix.shape
    assert test.nnz == round(0.1 * matrix.nnz)
    assert train.nnz + test.nnz == matrix.nnz
    assert list(train.item_ids[:3]) == list(matrix.item_ids[:3])
    assert abs((train + test) - matrix).max() == 0


def test_split_ratings_with_the_same_seed_gives_the_same_split(ratings):
    first = autorec.split_ratings(ratings, 0.2, seed=5)[1]
    again = autorec.split_ratings(ratings, 0.2, seed=5)[1]
    other = autorec.split_ratings(ratings, 0.2, seed=6)[1]
    assert (first != again).nnz == 0
    assert (first != other).nnz > 0


def test_a_dense_array_is_refused_with_what_to_pass(ratings):
    with pytest.raises(TypeError, match="csr_matrix"):
        autorec.AutoRec(**SMALL_NETWORK).fit(ratings.toarray())


def test_nan_ratings_are_refused_naming_the_entry(ratings):
    broken = ratings.copy()
    broken.data[5] = np.nan
    with pytest.raises(ValueError, match="user 0 .*must be finite"):
        autorec.AutoRec(**SMALL_NETWORK).fit(broken)


def test_other_sparse_formats_are_converted(ratings):
    from_csc = autorec.AutoRec(**SMALL_NETWORK).fit(ratings.tocsc())
    from_csr = autorec.AutoRec(**SMALL_NETWORK).fit(ratings)
    assert np.array_equal(from_csc.score(3), from_csr.score(3))


def test_a_coo_matrix_with_a_repeated_pair_is_refused(ratings):
    coo = ratings.tocoo()
    repeated = sp.coo_matrix((np.r_[coo.data, 4.0], (np.r_[coo.row, coo.row[0]], np.r_[coo.col, coo.col[0]])),
                             shape=coo.shape)
    with pytest.raises(ValueError, match="twice"):
        autorec.AutoRec(**SMALL_NETWORK).fit(repeated)


def test_ids_that_do_not_match_the_shape_are_reported_as_a_transposed_matrix():
    matrix = autorec.load_ratings(EMBEDDED)
    transposed = matrix.T.tocsr()
    transposed.user_ids, transposed.item_ids = matrix.user_ids, matrix.item_ids
    with pytest.raises(ValueError, match="transposed"):
        autorec.AutoRec(**SMALL_NETWORK).fit(transposed)
