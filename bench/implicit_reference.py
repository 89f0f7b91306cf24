#!/usr/bin/python3
"""Reference implementations for the implicit-feedback protocol, on the same split files.

Reads a strong-generalisation split folder (train.csv, validation_tr.csv, validation_te.csv,
test_tr.csv, test_te.csv, header uid,sid: as the Mult-VAE authors' preprocessing writes them,
and as `autorec-train --feedback implicit --write-split DIR` does), and scores on the test
users, with lambda chosen on the validation users:
  - popularity (items ranked by their number of training users);
  - EASE (Steck, WWW 2019) in numpy, float64: P = (X^T X + lambda I)^-1, B = -P / diag(P),
    diag(B) = 0;
  - Mult-DAE (Liang et al., WWW 2018) in PyTorch, as the paper specifies it: the user's row
    L2-normalised, dropout 0.5, [I-200-I] with tanh, log-softmax over all items, loss the
    batch's mean multinomial negative log-likelihood + lam |W|^2 (lam 0.01), Glorot-uniform
    weights and N(0, 0.001^2) biases, Adam (lr 1e-3), batch 500; the epoch with the best
    validation NDCG@100 is kept. Prints seconds per epoch.
The metrics follow the Mult-VAE paper: folded-in items are never ranked; NDCG@100 with binary
relevance; Recall@K = hits in the top K / min(K, targets); averaged over users with targets.

    autorec-train --feedback implicit --data ML1M_RATINGS --heldout-users 600 --write-split /tmp/split
    python3 bench/implicit_reference.py /tmp/split --ease-lambdas 170,330,660,1300,2700
    python3 bench/implicit_reference.py /tmp/split --mult-dae-epochs 200

Needs numpy, and python3-torch for Mult-DAE (skipped with a message without it). OpenBLAS is told the CPU type before numpy loads (Debian's OpenBLAS does
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


def mult_dae(x, parts, epochs, threads, seed=1):
    try:
        import torch
    except ImportError:
        print("reference Mult-DAE: skipped, no PyTorch (python3-torch)")
        return
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    n, d = x.shape
    k, lam, batch = 200, 0.01, 500
    encoder, decoder = torch.nn.Linear(d, k), torch.nn.Linear(k, d)
    for layer in (encoder, decoder):
        torch.nn.init.xavier_uniform_(layer.weight)
        torch.nn.init.trunc_normal_(layer.bias, std=0.001)
    parameters = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    data = torch.tensor(x, dtype=torch.float32)

    def forward(rows, train):
        h = torch.nn.functional.normalize(rows, dim=1)
        h = torch.nn.functional.dropout(h, 0.5, training=train)
        return decoder(torch.tanh(encoder(h)))

    def scores(f):
        with torch.no_grad():
            return forward(torch.tensor(f, dtype=torch.float32), False).numpy()

    best, seconds = None, []
    for epoch in range(1, epochs + 1):
        start = time.time()
        order = torch.randperm(n)
        for first in range(0, n, batch):
            rows = data[order[first:first + batch]]
            logits = forward(rows, True)
            nll = -(torch.log_softmax(logits, dim=1) * rows).sum(dim=1).mean()
            loss = nll + lam * (encoder.weight.pow(2).sum() + decoder.weight.pow(2).sum())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds.append(time.time() - start)
        f, t = parts["validation"]
        m = metrics(scores(f), f, t)
        if best is None or m[0] > best[0]:
            best = (m[0], epoch, metrics(scores(parts["test"][0]), *parts["test"]))
        if epoch % 10 == 0 or epoch == epochs:
            print(line("reference Mult-DAE epoch %d: validation " % epoch, m) + " (%.3f s an epoch)" % seconds[-1])
            sys.stdout.flush()
    print("reference Mult-DAE kept epoch %d (validation NDCG@100 %.4f); %.3f s an epoch (median), %d threads"
          % (best[1], best[0], sorted(seconds)[len(seconds) // 2], threads))
    print(line("reference Mult-DAE test ", best[2]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("split", help="folder of the five split files")
    parser.add_argument("--ease-lambdas", default="", help="comma-separated lambdas to choose from on validation")
    parser.add_argument("--mult-dae-epochs", type=int, default=0, help="train Mult-DAE for this many epochs")
    parser.add_argument("--threads", type=int, default=2, help="PyTorch threads")
    args = parser.parse_args()
    x, parts = load_split(args.split)
    print("reference: %d training users, %d items, %d validation and %d test users"
          % (x.shape[0], x.shape[1], parts["validation"][0].shape[0], parts["test"][0].shape[0]))
    popularity = x.sum(axis=0)
    for name in ("validation", "test"):
        f, t = parts[name]
        print(line("reference popularity %s " % name, metrics(np.tile(popularity, (f.shape[0], 1)), f, t)))
    if args.mult_dae_epochs:
        mult_dae(x, parts, args.mult_dae_epochs, args.threads)
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
