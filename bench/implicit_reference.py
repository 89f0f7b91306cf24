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
    batch's mean multinomial negative log-likelihood + lam |W|^2 (lam 0.01 / 500, the
    authors' notebook's 0.01 / batch size), Glorot-uniform
    weights and N(0, 0.001^2) biases, Adam (lr 1e-3), batch 500; the epoch with the best
    validation NDCG@100 is kept. Prints seconds per epoch.
  - Mult-VAE, the same with [I-600-(2x200)] encoder, a Gaussian code of 200 (reparameterised
    in training, its mean in prediction), [200-600-I] decoder, and beta KL with beta rising
    linearly from 0 to 0.2 over the training's steps (the authors reach 0.2 after 200,000
    steps, which ML-1M's 10 steps an epoch never near); lam 0, as the authors' notebook.
The metrics follow the Mult-VAE paper: folded-in items are never ranked; NDCG@100 with binary
relevance; Recall@K = hits in the top K / min(K, targets); averaged over users with targets.

    autorec-train --feedback implicit --data ML1M_RATINGS --heldout-users 600 --write-split /tmp/split
    python3 bench/implicit_reference.py /tmp/split --ease-lambdas 170,330,660,1300,2700
    python3 bench/implicit_reference.py /tmp/split --mult-dae-epochs 200
    python3 bench/implicit_reference.py /tmp/split --mult-vae-epochs 200
    python3 bench/implicit_reference.py /tmp/split --mult-vae-epochs 20 --autorec build/examples/autorec-train

With --autorec, autorec-train trains the same model on the same split files for the same
epochs right after the reference, and the script prints both median epoch times and their
ratio (autorec's epoch includes scoring the validation users; the reference's does not).

Needs numpy, and python3-torch for Mult-DAE (skipped with a message without it). OpenBLAS is told the CPU type before numpy loads
(bench/openblas_env.py: SkylakeX with AVX-512, Haswell without; an OPENBLAS_CORETYPE already
set wins), as Debian's OpenBLAS does not recognise these CPUs.
"""
import argparse
import csv
import os
import re
import subprocess
import sys
import time

import openblas_env

openblas_env.set_coretype()
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


def mult_network(x, parts, epochs, threads, variational, seed=1):
    name = "Mult-VAE" if variational else "Mult-DAE"
    try:
        import torch
    except ImportError:
        print("reference %s: skipped, no PyTorch (python3-torch)" % name)
        return
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    n, d = x.shape
    batch, cap = 500, 0.2
    lam = 0.0 if variational else 0.01 / batch
    shapes = [(d, 600), (600, 400), (200, 600), (600, d)] if variational else [(d, 200), (200, d)]
    layers = [torch.nn.Linear(a, b) for a, b in shapes]
    for layer in layers:
        torch.nn.init.xavier_uniform_(layer.weight)
        torch.nn.init.trunc_normal_(layer.bias, std=0.001)
    parameters = [p for layer in layers for p in layer.parameters()]
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    data = torch.tensor(x, dtype=torch.float32)
    state = {"kl": 0.0}

    def forward(rows, train):
        h = torch.nn.functional.normalize(rows, dim=1)
        h = torch.nn.functional.dropout(h, 0.5, training=train)
        if not variational:
            return layers[1](torch.tanh(layers[0](h)))
        q = layers[1](torch.tanh(layers[0](h)))
        mean, log_variance = q[:, :200], q[:, 200:]
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_variance) if train else mean
        state["kl"] = 0.5 * (torch.exp(log_variance) + mean ** 2 - 1 - log_variance).sum(dim=1).mean()
        return layers[3](torch.tanh(layers[2](z)))

    def scores(f):
        with torch.no_grad():
            return forward(torch.tensor(f, dtype=torch.float32), False).numpy()

    best, seconds, step = None, [], 0
    total_steps = epochs * ((n + batch - 1) // batch)
    for epoch in range(1, epochs + 1):
        start = time.time()
        order = torch.randperm(n)
        for first in range(0, n, batch):
            rows = data[order[first:first + batch]]
            logits = forward(rows, True)
            nll = -(torch.log_softmax(logits, dim=1) * rows).sum(dim=1).mean()
            loss = nll + lam * sum(layer.weight.pow(2).sum() for layer in layers)
            if variational:
                loss = loss + cap * min(1.0, step / total_steps) * state["kl"]
            step += 1
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds.append(time.time() - start)
        f, t = parts["validation"]
        m = metrics(scores(f), f, t)
        if best is None or m[0] > best[0]:
            best = (m[0], epoch, metrics(scores(parts["test"][0]), *parts["test"]))
        if epoch % 10 == 0 or epoch == epochs:
            print(line("reference %s epoch %d: validation " % (name, epoch), m) + " (%.3f s an epoch)" % seconds[-1])
            sys.stdout.flush()
    print("reference %s kept epoch %d (validation NDCG@100 %.4f); %.3f s an epoch (median), %d threads"
          % (name, best[1], best[0], sorted(seconds)[len(seconds) // 2], threads))
    print(line("reference %s test " % name, best[2]))
    return sorted(seconds)[len(seconds) // 2]


def autorec_epoch_seconds(binary, split, model, epochs):
    """Median epoch seconds of autorec-train on the same split, and its test line."""
    command = [binary, "--feedback", "implicit", "--model", model, "--heldout-split", split,
               "--epochs", str(epochs), "--patience", "0"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    seconds = [float(m) for m in re.findall(r"^epoch .*  ([0-9.]+) s", output, re.M)]
    test = [l for l in output.splitlines() if l.startswith("test NDCG@100")]
    print("autorec %s: %s" % (model, test[-1] if test else "no test line"))
    return sorted(seconds)[len(seconds) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("split", help="folder of the five split files")
    parser.add_argument("--ease-lambdas", default="", help="comma-separated lambdas to choose from on validation")
    parser.add_argument("--mult-dae-epochs", type=int, default=0, help="train Mult-DAE for this many epochs")
    parser.add_argument("--mult-vae-epochs", type=int, default=0, help="train Mult-VAE for this many epochs")
    parser.add_argument("--threads", type=int, default=2, help="PyTorch threads")
    parser.add_argument("--autorec", default="", help="autorec-train to time on the same split and epochs")
    args = parser.parse_args()
    x, parts = load_split(args.split)
    print("reference: %d training users, %d items, %d validation and %d test users"
          % (x.shape[0], x.shape[1], parts["validation"][0].shape[0], parts["test"][0].shape[0]))
    popularity = x.sum(axis=0)
    for name in ("validation", "test"):
        f, t = parts[name]
        print(line("reference popularity %s " % name, metrics(np.tile(popularity, (f.shape[0], 1)), f, t)))
    for model, epochs in (("mult-dae", args.mult_dae_epochs), ("mult-vae", args.mult_vae_epochs)):
        if not epochs:
            continue
        reference = mult_network(x, parts, epochs, args.threads, model == "mult-vae")
        if args.autorec and reference:
            ours = autorec_epoch_seconds(args.autorec, args.split, model, epochs)
            print("%s epoch: autorec %.3f s, PyTorch %.3f s: autorec %.2fx faster"
                  % (model, ours, reference, reference / ours))
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
