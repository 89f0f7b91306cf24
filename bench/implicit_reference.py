#!/usr/bin/python3
"""Reference implementations for the implicit-feedback protocol, on the same split files.

Reads a strong-generalisation split folder (train.csv, validation_tr.csv, validation_te.csv,
test_tr.csv, test_te.csv, header uid,sid: as the Mult-VAE authors' preprocessing writes them,
and as `autorec-train --feedback implicit --write-split DIR` does), and scores on the test
users, with lambda chosen on the validation users:
  - popularity (items ranked by their number of training users);
  - EASE (Steck, WWW 2019) in numpy, float64: P = (X^T X + lambda I)^-1, B = -P / diag(P),
    diag(B) = 0.
The metrics follow the Mult-VAE paper: folded-in items are never ranked; NDCG@100 with binary
relevance; Recall@K = hits in the top K / min(K, targets); averaged over users with targets.

    autorec-train --feedback implicit --data ML1M_RATINGS --heldout-users 600 --write-split /tmp/split
    python3 bench/implicit_reference.py /tmp/split --ease-lambdas 170,330,660,1300,2700

Needs only numpy. OpenBLAS is told the CPU type before numpy loads (Debian's OpenBLAS does
not recognise these EPYCs); set OPENBLAS_CORETYPE=Haswell on a machine without AVX-512.
"""
import argparse
import csv
import os
import sys
import time

os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.pop("OPENBLAS_L2_SIZE", None)

import numpy as np  # noqa: E402


def read_pairs(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if rows and rows[0][:2] == ["uid", "sid"]:
        rows = rows[1:]
    return [(r[0], r[1]) for r in rows if len(r) >= 2]


def load_split(folder):
    """The catalogue (train items in order of first appearance), X_train, and per held-out
    part the fold-in and target matrices over the same users."""
    train = read_pairs(os.path.join(folder, "train.csv"))
    items, users = {}, {}
    for u, i in train:
        items.setdefault(i, len(items))
        users.setdefault(u, len(users))
    x = np.zeros((len(users), len(items)), dtype=np.float64)
    for u, i in train:
        x[users[u], items[i]] = 1
    parts = {}
    for name in ("validation", "test"):
        fold_in = read_pairs(os.path.join(folder, name + "_tr.csv"))
        targets = read_pairs(os.path.join(folder, name + "_te.csv"))
        held = {}
        for u, _ in fold_in + targets:
            held.setdefault(u, len(held))
        f = np.zeros((len(held), len(items)), dtype=np.float64)
        t = np.zeros((len(held), len(items)), dtype=bool)
        for u, i in fold_in:
            if i in items:
                f[held[u], items[i]] = 1
        for u, i in targets:
            if i in items:
                t[held[u], items[i]] = True
        parts[name] = (f, t)
    return x, parts


def metrics(scores, fold_in, targets):
    """NDCG@100, Recall@20, Recall@50 over the users with a target."""
    scores = np.array(scores, dtype=np.float64)
    scores[fold_in > 0] = -np.inf
    keep = targets.sum(axis=1) > 0
    scores, targets = scores[keep], targets[keep]
    n = scores.shape[0]
    k = 100
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.argsort(-scores[np.arange(n)[:, None], top], axis=1, kind="stable")
    top = top[np.arange(n)[:, None], order]
    hit = targets[np.arange(n)[:, None], top]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    count = targets.sum(axis=1)
    ideal = np.array([discount[: min(c, k)].sum() for c in count])
    ndcg = (hit * discount).sum(axis=1) / ideal
    recall = [hit[:, :c].sum(axis=1) / np.minimum(c, count) for c in (20, 50)]
    return ndcg.mean(), recall[0].mean(), recall[1].mean()


def line(name, m):
    return "%sNDCG@100 %.4f Recall@20 %.4f Recall@50 %.4f" % (name, m[0], m[1], m[2])


def ease_weights(gram, lam):
    g = gram.copy()
    g[np.diag_indices_from(g)] += lam
    p = np.linalg.inv(g)
    b = p / -np.diag(p)
    b[np.diag_indices_from(b)] = 0
    return b


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("split", help="folder of the five split files")
    parser.add_argument("--ease-lambdas", default="", help="comma-separated lambdas to choose from on validation")
    args = parser.parse_args()
    x, parts = load_split(args.split)
    print("reference: %d training users, %d items, %d validation and %d test users"
          % (x.shape[0], x.shape[1], parts["validation"][0].shape[0], parts["test"][0].shape[0]))
    popularity = x.sum(axis=0)
    for name in ("validation", "test"):
        f, t = parts[name]
        print(line("reference popularity %s " % name, metrics(np.tile(popularity, (f.shape[0], 1)), f, t)))
    if not args.ease_lambdas:
        return
    start = time.time()
    gram = x.T @ x
    best = None
    for lam in [float(v) for v in args.ease_lambdas.split(",")]:
        t0 = time.time()
        b = ease_weights(gram, lam)
        f, t = parts["validation"]
        m = metrics(f @ b, f, t)
        print(line("reference EASE lambda %g: validation " % lam, m) + " (%.1f s)" % (time.time() - t0))
        if best is None or m[0] > best[0]:
            best = (m[0], lam, b)
    f, t = parts["test"]
    print("reference EASE chose lambda %g (%.1f s in all)" % (best[1], time.time() - start))
    print(line("reference EASE test ", metrics(f @ best[2], f, t)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
