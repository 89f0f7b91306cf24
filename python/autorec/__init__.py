"""autorec: autoencoder recommenders (AutoRec and deeper networks) with numpy and scipy.sparse.

Ratings are a users x items ``scipy.sparse.csr_matrix``: each stored entry is one rating
(explicit zeros included), the rows users and the columns items, as in the ``implicit``
package. ``load_ratings`` reads a ratings file into one, with the raw ids::

    import autorec
    ratings = autorec.load_ratings("ratings.csv")
    train, test = autorec.split_ratings(ratings, test_fraction=0.1, seed=1)
    model = autorec.AutoRec().fit(train)
    print(autorec.evaluate(model, test, k=10))
    ids, scores = model.recommend([0, 1, 2], N=10)

Training and scoring run in C++ with the GIL released; Ctrl-C stops a network's training at
the end of the epoch under way (KeyboardInterrupt; EASE's one solve cannot be interrupted).
Errors of the C++ library arrive with its message as ValueError (bad input), IndexError
(an index or id outside the model: UnknownId) or RuntimeError (a file that cannot be read
or written); a missing file is FileNotFoundError.

Stored order matters once: a split (``split_ratings``, and the validation slice ``fit``
holds out) draws positions in the matrix's stored order. ``load_ratings`` keeps each user's
ratings in file order, so for a file grouped by user (MovieLens files are) the same seed
gives the same split, and the same model file, as the ``autorec-train`` program.
"""

import numbers
import os
import tempfile

import numpy as np
import scipy.sparse as sp

from . import _core
from ._core import RatingFileError, UnknownId

UnknownId.__doc__ = "A user or item index, or a raw id, that the model does not have (an IndexError)."
RatingFileError.__doc__ = "A ratings file's line that cannot be read, with the file and line (a ValueError)."

__all__ = [
    "AutoRec",
    "EASE",
    "Model",
    "MultDAE",
    "MultVAE",
    "Network",
    "RatingFileError",
    "UnknownId",
    "evaluate",
    "load",
    "load_ratings",
    "ratings_matrix",
    "split_ratings",
]

_ID_ATTRIBUTES = ("user_ids", "item_ids", "fingerprint")


# ---- ratings ------------------------------------------------------------------------------


def _decode(raw_ids):
    # A file's ids are bytes; ids that are not UTF-8 keep their bytes (surrogateescape).
    return np.array([raw.decode("utf-8", "surrogateescape") for raw in raw_ids], dtype=object)


def _encode(ids):
    return [str(value).encode("utf-8", "surrogateescape") for value in ids]


def ratings_matrix(users, items, values, shape, user_ids=None, item_ids=None):
    """A users x items CSR matrix of ratings given as parallel arrays, keeping each user's
    ratings in the order given (its column indices are then not sorted)."""
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    values = np.asarray(values, dtype=np.float32)
    for name, index, count in (("user", users, shape[0]), ("item", items, shape[1])):
        if index.size and (index.min() < 0 or index.max() >= count):
            raise ValueError(f"a {name} index ({index.min()} to {index.max()}) is outside the {shape[0]} x "
                             f"{shape[1]} matrix")
    items = items.astype(np.int32)
    order = np.argsort(users, kind="stable")
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(users, minlength=shape[0]), out=indptr[1:])
    matrix = sp.csr_matrix((values[order], items[order], indptr), shape=shape)
    if user_ids is not None:
        matrix.user_ids = np.asarray(user_ids, dtype=object)
    if item_ids is not None:
        matrix.item_ids = np.asarray(item_ids, dtype=object)
    return matrix


def load_ratings(path, format="auto", keep_last_duplicate=False, require_ratings=True):
    """Reads a ratings file (MovieLens .dat/.data, CSV or TSV with a header or not) into a
    users x items ``scipy.sparse.csr_matrix`` of float32 ratings.

    Users and items are numbered in order of first appearance; the matrix carries their raw
    ids as ``matrix.user_ids`` and ``matrix.item_ids`` (arrays of str), and
    ``matrix.fingerprint``, the file's fingerprint, which model files record. Each user's
    ratings keep their file order. A bad line, or a repeated (user, item) pair unless
    ``keep_last_duplicate``, raises RatingFileError (a ValueError) naming the file and line.
    ``format`` is one of "auto", "ml100k", "ml1m", "csv", "tsv". With
    ``require_ratings=False``, lines of two fields (``user item``: an events file) are read
    as events of value 1.
    """
    path = _existing_file(path)
    try:
        raw = _core.load_ratings(path, format, keep_last_duplicate, require_ratings)
    except ValueError as error:
        if require_ratings and "at least 3 fields" in str(error):
            raise ValueError(f"{error} (an events file of user item lines: load_ratings(path, "
                             "require_ratings=False))") from None
        raise
    user_ids, item_ids = _decode(raw["user_ids"]), _decode(raw["item_ids"])
    matrix = ratings_matrix(raw["users"], raw["items"], raw["values"], (len(user_ids), len(item_ids)),
                            user_ids, item_ids)
    matrix.fingerprint = raw["fingerprint"]
    return matrix


def _existing_file(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path}: a directory, not a file")
    return path


def _copy_ids(source, target):
    for name in _ID_ATTRIBUTES:
        if hasattr(source, name):
            setattr(target, name, getattr(source, name))
    return target


def _as_ratings(matrix, what="ratings"):
    """The CSR matrix a function was given, or one converted from any scipy.sparse format;
    anything else is refused with what to pass."""
    if isinstance(matrix, np.ndarray) or not sp.issparse(matrix):
        raise TypeError(
            f"{what}: expected a users x items scipy.sparse.csr_matrix, got {type(matrix).__name__} "
            "(a dense array cannot say which ratings are missing: pass scipy.sparse.csr_matrix(array) "
            "only if every zero is a missing rating)")
    if matrix.ndim != 2:
        raise ValueError(f"{what}: expected a 2-D users x items matrix")
    if not sp.isspmatrix_csr(matrix):
        coo = sp.coo_matrix(matrix)
        pairs = coo.row.astype(np.int64) * coo.shape[1] + coo.col
        if len(np.unique(pairs)) != len(pairs):
            raise ValueError(f"{what}: the {type(matrix).__name__} holds a (user, item) pair twice; "
                             "sum or drop the duplicates first")
        matrix = _copy_ids(matrix, ratings_matrix(coo.row, coo.col, coo.data, coo.shape))
    if not np.all(np.isfinite(matrix.data)):
        row = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        bad = int(np.flatnonzero(~np.isfinite(matrix.data))[0])
        raise ValueError(f"{what}: the rating of user {row[bad]} for item {matrix.indices[bad]} is "
                         f"{matrix.data[bad]}: ratings must be finite numbers")
    return matrix


def _entries(matrix):
    """(users, items, values) of a CSR matrix's stored entries, in stored order."""
    users = np.repeat(np.arange(matrix.shape[0], dtype=np.int32), np.diff(matrix.indptr))
    return users, np.asarray(matrix.indices, dtype=np.int32), np.asarray(matrix.data, dtype=np.float32)


def split_ratings(ratings, test_fraction=0.1, seed=1):
    """Splits the ratings at random into (train, test) matrices of the same shape:
    round(test_fraction * nnz) ratings, drawn with ``seed`` over the stored entries in order,
    go to test. The same seed gives autorec-train's split of the same file (--data,
    --test-fraction, --seed) when the file is grouped by user."""
    ratings = _as_ratings(ratings)
    users, items, values = _entries(ratings)
    in_test = _core.held_out(len(values), float(test_fraction), int(seed))
    parts = []
    for keep in (~in_test, in_test):
        part = ratings_matrix(users[keep], items[keep], values[keep], ratings.shape)
        parts.append(_copy_ids(ratings, part))
    return parts[0], parts[1]


# ---- fitted models ----------------------------------------------------------------------------


def _index_array(values, what):
    array = np.asarray(values)
    if array.size == 0:
        return np.zeros(0, np.int32)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{what}: expected integer indices, got an array of {array.dtype}")
    if array.min() < 0 or array.max() > np.iinfo(np.int32).max:  # never wrapped into another index
        bad = array.min() if array.min() < 0 else array.max()
        raise UnknownId(f"{what}: index {bad} is outside the model")
    return np.ascontiguousarray(array, dtype=np.int32).reshape(-1)


class Model:
    """A trained model: what ``fit`` builds and ``autorec.load`` reads. I-AutoRec and
    U-AutoRec, deeper networks, ensembles, EASE and the implicit-feedback networks alike.

    Users and items are indices into ``user_ids`` and ``item_ids`` (the training matrix's
    rows and columns); ``user_index(id)`` and ``item_index(id)`` find them by raw id.
    """

    def __init__(self, core):
        self._model = core

    def __repr__(self):
        model = getattr(self, "_model", None)
        if model is None:
            return f"<autorec.{type(self).__name__}, not fitted>"
        return (f"<autorec.{type(self).__name__}: {model.description}, {len(model.user_ids)} users x "
                f"{len(model.item_ids)} items>")

    # -- pickling (copy, joblib, multiprocessing): the model file's bytes, never a pickle of C++
    def __getstate__(self):
        state = dict(self.__dict__)
        model = state.pop("_model", None)
        if model is not None:
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "model.bin")
                model.save(path)
                with open(path, "rb") as file:
                    state["_model_file"] = file.read()
            state["_fit_report"] = dict(model.fit_report)
        return state

    def __setstate__(self, state):
        state = dict(state)
        data, report = state.pop("_model_file", None), state.pop("_fit_report", None)
        self.__dict__.update(state)
        self._model = None
        if data is not None:
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "model.bin")
                with open(path, "wb") as file:
                    file.write(data)
                self._model = _core.load(path)
            self._model.fit_report = report

    # -- what the model is
    @property
    def _core_model(self):
        model = getattr(self, "_model", None)
        if model is None:
            raise RuntimeError(f"this {type(self).__name__} is not fitted: call fit(ratings) first")
        return model

    @property
    def user_ids(self):
        return _decode(self._core_model.user_ids)

    @property
    def item_ids(self):
        return _decode(self._core_model.item_ids)

    @property
    def n_users(self):
        return len(self._core_model.user_ids)

    @property
    def n_items(self):
        return len(self._core_model.item_ids)

    @property
    def predicts_ratings(self):
        """True for a model of ratings, False for one of implicit feedback (scores rank only)."""
        return self._core_model.predicts_ratings

    @property
    def variant(self):
        return self._core_model.variant

    @property
    def description(self):
        return self._core_model.description

    def user_index(self, user_id):
        return self._index(self._core_model.user_ids, user_id, "user")

    def item_index(self, item_id):
        return self._index(self._core_model.item_ids, item_id, "item")

    @staticmethod
    def _index(raw_ids, wanted, what):
        key = str(wanted).encode("utf-8", "surrogateescape")
        try:
            return raw_ids.index(key)
        except ValueError:
            raise UnknownId(f"no {what} with id '{wanted}' in the model") from None

    # -- scoring
    def predict(self, users, items):
        """Predicted ratings of the pairs (users[k], items[k]), clipped to the rating range;
        pairs without training ratings get the model's fallback (a bias model)."""
        return self._core_model.predict(_index_array(users, "users"), _index_array(items, "items"))

    def score(self, userid, user_items=None, recalculate_user=False):
        """Every item's predicted score for ``userid`` (an index, or an array of them: one row
        each). With ``recalculate_user``, the users are new: their ratings are the rows of
        ``user_items`` (one per user), folded in without retraining."""
        users, single, user_items = self._users(userid, user_items, recalculate_user)
        if recalculate_user:
            rows = [self._core_model.scores_new(*self._row(user_items, k)) for k in range(len(users))]
        else:
            rows = [self._core_model.scores(int(u)) for u in users]
        result = np.vstack(rows) if rows else np.zeros((0, len(self._core_model.item_ids)), np.float32)
        return result[0] if single else result

    def recommend(self, userid, user_items=None, N=10, filter_already_liked_items=True,
                  recalculate_user=False, items=None, filter_items=None):
        """The ``N`` best items for ``userid`` as ``(ids, scores)``: item indices and their
        predicted ratings (scores for implicit feedback), best first.

        ``userid`` is an index or an array of them (then both results are 2-D, one row per
        user). A list shorter than N (too few eligible items) is padded with id -1 and score
        NaN. ``filter_already_liked_items`` leaves out the user's training items and the
        items in their row of ``user_items`` (a users x items CSR matrix, one row per
        ``userid``). ``recalculate_user=True`` folds the users in from ``user_items`` (new
        users: ``userid`` only sets the shape). ``items`` ranks only those items;
        ``filter_items`` never returns those.
        """
        if isinstance(N, bool) or not isinstance(N, numbers.Integral) or N < 1:
            raise ValueError(f"N must be a positive int, got {N!r}")
        N = int(min(N, len(self._core_model.item_ids)))  # as implicit does: at most the catalogue
        users, single, user_items = self._users(userid, user_items, recalculate_user)
        candidates = None if items is None else _index_array(items, "items")
        excluded = None if filter_items is None else _index_array(filter_items, "filter_items")
        if candidates is not None and candidates.size == 0:  # nothing to rank
            ids, scores = np.full((len(users), N), -1, np.int32), np.full((len(users), N), np.nan, np.float32)
        elif user_items is None:
            ids, scores = self._core_model.recommend(users, N, filter_already_liked_items, candidates, excluded)
        else:
            rows = [self._recommend_row(users, user_items, k, N, filter_already_liked_items, recalculate_user,
                                        candidates, excluded) for k in range(len(users))]
            ids = np.vstack([r[0] for r in rows]) if rows else np.zeros((0, N), np.int32)
            scores = np.vstack([r[1] for r in rows]) if rows else np.zeros((0, N), np.float32)
        return (ids[0], scores[0]) if single else (ids, scores)

    def _recommend_row(self, users, user_items, k, N, filter_liked, recalculate_user, candidates, excluded):
        row_items, row_values = self._row(user_items, k, fold_in=recalculate_user)
        exclude = excluded
        if filter_liked:
            exclude = row_items if exclude is None else np.concatenate([exclude, row_items])
        if recalculate_user:
            return self._core_model.recommend_new(row_items, row_values, N, filter_liked, candidates, exclude)
        return self._core_model.recommend(users[k:k + 1], N, filter_liked, candidates, exclude)

    def rated_items(self, user):
        """The items ``user`` rated in training, sorted."""
        return np.array(self._core_model.rated_items(int(user)), dtype=np.int32)

    def _users(self, userid, user_items, recalculate_user):
        single = np.ndim(userid) == 0
        if np.ndim(userid) > 1:
            raise ValueError(f"userid: an index or a 1-D array of them, got a {np.ndim(userid)}-D array")
        users = _index_array(np.atleast_1d(userid), "userid")
        if recalculate_user and user_items is None:
            raise ValueError("recalculate_user=True folds users in from their ratings: pass user_items, "
                             "one row per user")
        if user_items is not None:
            user_items = _as_ratings(user_items, "user_items")
            item_count = len(self._core_model.item_ids)
            if user_items.shape[1] != item_count:
                hint = " (it looks transposed: pass user_items.T.tocsr())" if user_items.shape[0] == item_count else ""
                raise ValueError(f"user_items has {user_items.shape[1]} columns and the model {item_count} items"
                                 f"{hint}")
            if user_items.shape[0] != len(users):
                raise ValueError(f"user_items has {user_items.shape[0]} rows for {len(users)} users: pass "
                                 "one row per user, user_items[userid]")
        return users, single, user_items

    def _row(self, user_items, k, fold_in=True):
        """Row k's items and values; for a model of implicit feedback its entries above 0 (the
        interactions, as fit reads them). A row to fold in may not be empty."""
        start, end = user_items.indptr[k], user_items.indptr[k + 1]
        items = np.ascontiguousarray(user_items.indices[start:end], dtype=np.int32)
        values = np.ascontiguousarray(user_items.data[start:end], dtype=np.float32)
        if not self._core_model.predicts_ratings:
            items, values = items[values > 0], values[values > 0]
        if fold_in and items.size == 0:
            raise ValueError(f"row {k} of user_items is empty: a new user needs at least one item to fold in")
        return items, values

    # -- files
    def save(self, path):
        """Writes the model file (the format autorec-recommend and autorec-serve read; never a
        pickle). Written beside and renamed, so a failure leaves no partial file."""
        self._core_model.save(os.fspath(path))


def load(path):
    """The model in a model file written by ``save`` or by the autorec programs."""
    return Model(_core.load(_existing_file(path)))


# ---- estimators ---------------------------------------------------------------------------------------


def _raw_ids(ratings):
    """The matrix's raw ids as bytes (its user_ids/item_ids, else "0", "1", ...), checked
    against its shape."""
    user_ids = getattr(ratings, "user_ids", None)
    item_ids = getattr(ratings, "item_ids", None)
    for name, ids, count in (("user_ids", user_ids, ratings.shape[0]), ("item_ids", item_ids, ratings.shape[1])):
        if ids is not None and len(ids) != count:
            raise ValueError(f"the matrix has {count} {'rows' if name == 'user_ids' else 'columns'} and "
                             f"{len(ids)} {name}: is it transposed? ratings are users x items")
    return (_encode(range(ratings.shape[0]) if user_ids is None else user_ids),
            _encode(range(ratings.shape[1]) if item_ids is None else item_ids))


class _Estimator(Model):
    """Keyword options with defaults (``_defaults``), as scikit-learn estimators hold them."""

    _defaults = {}

    def __init__(self, **options):
        self._model = None
        self._params = dict(self._defaults)
        self.set_params(**options)

    def get_params(self, deep=True):
        """The options, as scikit-learn estimators give them."""
        return dict(self._params)

    def set_params(self, **options):
        unknown = sorted(set(options) - set(self._defaults))
        if unknown:
            raise TypeError(f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                            f"the options are {', '.join(sorted(self._defaults))}")
        self._params.update(options)
        return self

    def __repr__(self):
        def same(value, default):
            try:
                return bool(np.all(np.asarray(value, dtype=object) == np.asarray(default, dtype=object)))
            except ValueError:  # shapes that do not compare
                return False

        changed = {k: v for k, v in self._params.items() if not same(v, self._defaults[k])}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def _core_options(self):
        options = dict(self._params)
        hidden = options.get("hidden")
        if hidden is not None:
            options["hidden"] = [int(hidden)] if np.ndim(hidden) == 0 else [int(h) for h in hidden]
        lam = options.pop("lam")
        if isinstance(lam, str):
            if lam != "auto":
                raise ValueError(f"lam must be a number or 'auto', got {lam!r}")
            lam = None
        options["lam"] = lam
        return options

    @property
    def fit_report(self):
        """What fitting chose and measured (a dict)."""
        return self._core_model.fit_report


class Network(_Estimator):
    """An autoencoder over each item's (or user's) rating vector, of any depth, trained by the
    library's protocol: lambda (``lam="auto"``: chosen on a validation slice from a grid scaled
    to the data) and the epoch count chosen on validation, then the network(s) refit on all
    training ratings for that many epochs.

    Options (all keywords, as autorec-train's flags): ``variant`` "item" or "user";
    ``hidden`` widths, encoder first ([500]: AutoRec; [500, 250, 500] deeper);
    ``activation``, ``output_activation``; ``dropout``, ``input_dropout``; ``weight_scale``;
    ``kernel_dims`` and ``kernel_lambda`` (Sparse FC's local kernel); ``bf16_weights``;
    ``ensemble`` (networks averaged); ``lam`` ("auto" or a number); ``refit``;
    ``validation_fraction``; ``default_rating`` (None: a bias model); ``optimizer`` "rprop",
    "adam" or "lbfgs"; ``epochs`` (None: the variant's default); ``patience``;
    ``learning_rate`` and ``batch`` (Adam); ``lbfgs_history``; ``rprop_step``,
    ``rprop_grow``, ``rprop_max_step``, ``rprop_first_max_step``, ``rprop_max_step_epochs``;
    ``seed``; ``threads`` (0: all cores; for this fit only).
    """

    _defaults = dict(
        variant="item", hidden=(500,), activation="sigmoid", output_activation="identity", dropout=0.0,
        input_dropout=0.0, weight_scale=0.01, kernel_dims=0, kernel_lambda=0.0, bf16_weights=False, ensemble=1,
        lam="auto", refit=True, validation_fraction=0.1, default_rating=None, optimizer="rprop", epochs=None,
        patience=30, learning_rate=1e-3, batch=32, lbfgs_history=10, rprop_step=None, rprop_grow=None,
        rprop_max_step=None, rprop_first_max_step=None, rprop_max_step_epochs=None, seed=1, threads=0)


    def fit(self, ratings, validation=None, callback=None):
        """Trains on ``ratings`` (users x items CSR) and returns self.

        ``validation`` (same shape): the ratings that choose lambda and the epoch count,
        instead of a random ``validation_fraction`` of ``ratings``; the refit then trains on
        both. ``callback(report)`` is called after every epoch of every network with a dict
        (stage "trial" or "member", lambda, member, epoch, train_rmse, validation_rmse,
        seconds, best; a refit member has no validation: its validation_rmse is NaN);
        returning True stops that network at its best epoch so far. Afterwards
        ``fit_report`` holds lambda, refit_epochs (0 without a refit), seconds, and the
        chosen trial's best_epoch, best_validation_rmse and epochs.
        The raw ids are the matrix's ``user_ids``/``item_ids`` when it has them (as
        load_ratings gives), else "0", "1", ...
        """
        ratings = _as_ratings(ratings)
        users, items, values = _entries(ratings)
        extra = [None, None, None]
        if validation is not None:
            validation = _as_ratings(validation, "validation")
            if validation.shape != ratings.shape:
                raise ValueError(f"validation is {validation.shape[0]} x {validation.shape[1]} and the ratings "
                                 f"{ratings.shape[0]} x {ratings.shape[1]}: give both over the same users and items")
            extra = list(_entries(validation))
        user_ids, item_ids = _raw_ids(ratings)
        self._model = _core.fit_autorec(users, items, values, *extra, user_ids, item_ids,
                                        getattr(ratings, "fingerprint", None), self._core_options(), callback)
        return self


class AutoRec(Network):
    """AutoRec (Sedhain et al., WWW 2015): one hidden layer of 500 sigmoid units, I-AutoRec
    (``variant="item"``) or U-AutoRec (``"user"``), trained as autorec-train trains it.
    Any Network option may be given."""

    def __init__(self, variant="item", hidden=500, activation="sigmoid", lam="auto", optimizer="rprop",
                 epochs=None, seed=1, threads=0, **options):
        super().__init__(variant=variant, hidden=hidden, activation=activation, lam=lam, optimizer=optimizer,
                         epochs=epochs, seed=seed, threads=threads, **options)


def _validation_users(validation, user_items):
    """The held-out validation users' entries and row count (None, None, None and 0 without)."""
    if validation is None:
        return [None, None, None], 0
    validation = _as_ratings(validation, "validation")
    if validation.shape[1] != user_items.shape[1]:
        raise ValueError(f"validation has {validation.shape[1]} items and user_items {user_items.shape[1]}: "
                         "give the validation users' rows over the same items")
    return list(_entries(validation)), validation.shape[0]


class EASE(_Estimator):
    """EASE (Steck, WWW 2019): a closed-form item-item model of implicit feedback, for top-N.

    ``fit(user_items, validation=None)`` takes a users x items CSR matrix whose entries above
    0 are interactions (ratings or counts: their size is not used). ``lam`` None: with
    ``validation`` (other users' rows over the same items, each split into fold-in items and
    ``target_fraction`` targets) chosen by their NDCG@100 from a grid scaled to the data, as
    autorec-train --model ease does; without it, that grid's centre. It holds an items x items
    matrix, 4 bytes x items^2, refused up front when the memory is not there; its solve
    cannot be interrupted. Scores rank items; ``evaluate`` gives no RMSE for it.
    """

    _defaults = dict(lam=None, target_fraction=0.2, seed=1)

    def fit(self, user_items, validation=None):
        """Fits on ``user_items`` and returns self; ``fit_report`` holds lambda and the trials
        (lambda, validation NDCG@100)."""
        user_items = _as_ratings(user_items, "user_items")
        users, items, values = _entries(user_items)
        extra, rows = _validation_users(validation, user_items)
        user_ids, item_ids = _raw_ids(user_items)
        lam = self._params["lam"]
        self._model = _core.fit_ease(users, items, values, *extra, rows, user_ids, item_ids,
                                     None if lam is None else float(lam), float(self._params["target_fraction"]),
                                     int(self._params["seed"]), getattr(user_items, "fingerprint", None))
        return self


class MultDAE(_Estimator):
    """Mult-DAE (Liang et al., WWW 2018): a denoising autoencoder of each user's items with a
    softmax over the catalogue and the multinomial log-likelihood, for top-N from implicit
    feedback. Options left None take the paper's values (train/mult_recipe.hpp): ``hidden``
    [200], ``activation`` "tanh", ``input_dropout`` 0.5, ``lam`` 2 (0.01 / 500) x users,
    ``weight_scale`` Glorot's; Adam (``learning_rate``), ``batch`` 500 users, ``epochs`` 200,
    ``patience`` 50.

    ``fit(user_items, validation=None, callback=None)``: ``user_items`` is users x items
    (entries above 0 are interactions). ``validation``, other users' rows over the same items,
    are held-out users: each row's items are split into fold-in items and ``target_fraction``
    targets, and training keeps the epoch of the best NDCG@100 on them (stopping after
    ``patience`` epochs without a better one); without it all epochs run and the last is
    kept. ``callback(report)`` gets each epoch (train_loss, ndcg@100, recall@20, recall@50,
    beta, seconds, best); returning True stops there.
    """

    _variational = False
    _defaults = dict(hidden=None, activation=None, input_dropout=None, lam=None, weight_scale=None,
                     optimizer="adam", learning_rate=1e-3, batch=500, epochs=200, patience=50,
                     target_fraction=0.2, seed=1, threads=0)

    def _core_options(self):
        options = super()._core_options()
        options["variational"] = self._variational
        return options

    def fit(self, user_items, validation=None, callback=None):
        """Trains on ``user_items`` and returns self."""
        user_items = _as_ratings(user_items, "user_items")
        users, items, values = _entries(user_items)
        extra, rows = _validation_users(validation, user_items)
        user_ids, item_ids = _raw_ids(user_items)
        self._model = _core.fit_mult(users, items, values, *extra, rows, user_ids, item_ids,
                                     getattr(user_items, "fingerprint", None), self._core_options(), callback)
        return self


class MultVAE(MultDAE):
    """Mult-VAE (Liang et al., WWW 2018): Mult-DAE's network with a Gaussian code of
    ``latent`` (200) units between encoder and decoder, its KL term weighted by beta, which
    rises linearly to ``beta_cap`` (0.2) over ``anneal_steps`` batches (0: the whole
    training); ``hidden`` [600], ``lam`` 0. Otherwise as MultDAE."""

    _variational = True
    _defaults = dict(MultDAE._defaults, latent=200, beta_cap=0.2, anneal_steps=0)


def evaluate(model, test, k=None, threshold=None):
    """Scores ``model`` on the ``test`` ratings (users x items CSR over the model's users and
    items): RMSE, MAE and their count for a model of ratings; with ``k``, precision, recall,
    NDCG, MAP, hit rate and item coverage at k of its top-k lists (training items left out),
    under RecBole's names ("ndcg@10", ...). A test rating is relevant at or above
    ``threshold`` (default: three quarters up the rating range; every test event for
    implicit feedback)."""
    test = _as_ratings(test, "test")
    core = model._core_model
    if test.shape != (len(core.user_ids), len(core.item_ids)):
        raise ValueError(f"test is {test.shape[0]} x {test.shape[1]} and the model has {len(core.user_ids)} users "
                         f"x {len(core.item_ids)} items: give the test ratings over the model's users and items")
    for name in ("user_ids", "item_ids"):
        ids = getattr(test, name, None)
        if ids is not None and list(ids) != list(getattr(model, name)):
            raise ValueError(f"test's {name} are not the model's: split the test ratings from the same matrix")
    if test.nnz == 0:
        raise ValueError("test holds no ratings to score")
    if k is None and not core.predicts_ratings:
        raise ValueError("a model of implicit feedback has no RMSE: give k for its ranking metrics")
    users, items, values = _entries(test)
    result = core.evaluate(users, items, values, k, threshold)
    if k is not None and result["ranked_users"] == 0:
        raise ValueError(f"no test user has a relevant item (at or above {result['threshold']}) the model can rank: "
                         "the ranking metrics would be NaN; lower threshold or give more test ratings")
    if not np.isfinite(result.get("threshold", 0)):
        del result["threshold"]
    return result
