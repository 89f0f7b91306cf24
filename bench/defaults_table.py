#!/usr/bin/python3
"""autorec-train with default settings against a straightforward PyTorch I-AutoRec that picks
lambda on validation, on the same random 90/10 split of a ratings file (docs/results.md,
"Defaults on other data").

The reference is what a careful user writes in an afternoon: a dense I-AutoRec (k = 500,
sigmoid, identity output, PyTorch's default initialisation), full-batch torch.optim.Rprop
with its defaults, the masked squared error plus lambda/2 (|W|^2 + |V|^2). It holds out 10%
of the training ratings, trains one network per lambda of the paper's grid with early
stopping (patience 30, at most 500 epochs), keeps the lambda and epoch count with the best
validation RMSE, refits on all training ratings for that many epochs, and predicts the test
ratings clipped to the training range, with the training mean for cold users and items.

    /usr/bin/python3 bench/defaults_table.py --data ML1M_RATINGS
    /usr/bin/python3 bench/defaults_table.py --data examples/data/ml-latest-small/ratings.csv --scale 20

ML1M_RATINGS: the ML-1M ratings file, a user-item-rating file (grouplens.org).

--scale multiplies every rating (20 turns ml-latest-small's 0.5-5 into 10-100). Prints the
test RMSE of each and the relative difference. PyTorch comes from Debian's python3-torch; the
script skips with a message when it is absent. OpenBLAS is told the CPU type before torch
loads (Debian's OpenBLAS misdetects this CPU and would run 2.5-4x slower).
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

import compare_pytorch  # also tells OpenBLAS the CPU type before torch loads

GRID = [0.1, 1, 10, 30, 100, 300, 1000]


def read_ratings(path, scale):
    """(user, item, rating times scale) of each line, as compare_pytorch.py parses it."""
    users, items, values = compare_pytorch.read_ratings(path)
    return [(user, item, value * scale) for user, item, value in zip(users, items, values)]


def write_ratings(path, ratings):
    with open(path, "w") as f:
        f.write("user,item,rating\n")
        for user, item, value in ratings:
            f.write(f"{user},{item},{value:g}\n")


def reference_rmse(train, test, threads, seed):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    users = {u: i for i, u in enumerate(sorted({u for u, _, _ in train}))}
    items = {m: i for i, m in enumerate(sorted({m for _, m, _ in train}))}
    low = min(v for _, _, v in train)
    high = max(v for _, _, v in train)
    mean = sum(v for _, _, v in train) / len(train)

    def dense(ratings):
        r = torch.zeros(len(items), len(users))
        m = torch.zeros(len(items), len(users))
        for u, i, v in ratings:
            r[items[i], users[u]] = v
            m[items[i], users[u]] = 1
        return r, m

    def indexed(pairs, r):
        """Row and column of each pair, and whether both have ratings in r (else: cold)."""
        rows = torch.tensor([items.get(i, 0) for _, i, _ in pairs])
        cols = torch.tensor([users.get(u, 0) for u, _, _ in pairs])
        known = torch.tensor([u in users and i in items for u, i, _ in pairs])
        warm = known & (r != 0).any(dim=0)[cols] & (r != 0).any(dim=1)[rows]
        truth = torch.tensor([v for _, _, v in pairs], dtype=torch.float64)
        return rows, cols, warm, truth

    def rmse(enc, dec, r, pairs):
        rows, cols, warm, truth = pairs
        with torch.no_grad():
            out = dec(torch.sigmoid(enc(r)))
        predictions = torch.where(warm, out[rows, cols].clamp(low, high).double(), torch.tensor(mean, dtype=torch.float64))
        return ((predictions - truth) ** 2).mean().sqrt().item()

    def fit(r, m, lam, epochs, validation=None):
        torch.manual_seed(seed)
        enc = torch.nn.Linear(len(users), 500)
        dec = torch.nn.Linear(500, len(users))
        optimizer = torch.optim.Rprop(list(enc.parameters()) + list(dec.parameters()))
        best, best_epoch, since = float("inf"), 0, 0
        for epoch in range(1, epochs + 1):
            optimizer.zero_grad()
            out = dec(torch.sigmoid(enc(r)))
            loss = (((out - r) * m) ** 2).sum() + lam / 2 * (enc.weight.pow(2).sum() + dec.weight.pow(2).sum())
            loss.backward()
            optimizer.step()
            if validation is not None:
                error = rmse(enc, dec, r, validation)
                if error < best:
                    best, best_epoch, since = error, epoch, 0
                else:
                    since += 1
                    if since >= 30:
                        break
        return enc, dec, best, best_epoch

    shuffled = list(train)
    random.Random(seed).shuffle(shuffled)
    cut = len(shuffled) // 10
    validation, fit_part = shuffled[:cut], shuffled[cut:]
    r_fit, m_fit = dense(fit_part)
    validation = indexed(validation, r_fit)
    results = []
    for lam in GRID:
        _, _, error, epoch = fit(r_fit, m_fit, lam, 500, validation)
        print(f"  reference lambda {lam:g}: validation RMSE {error:.4f} at epoch {epoch}", flush=True)
        results.append((error, lam, epoch))
    _, lam, epochs = min(results)
    r, m = dense(train)
    enc, dec, _, _ = fit(r, m, lam, epochs)
    return rmse(enc, dec, r, indexed(test, r)), lam, epochs


def autorec_rmse(binary, train_path, test_path, seed):
    run = subprocess.run([binary, "--train", train_path, "--test", test_path, "--seed", str(seed)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"defaults_table: autorec-train failed:\n{run.stderr}")
    for line in run.stdout.splitlines():
        if line.startswith("lambda") or "chose" in line:
            print("  autorec: " + line)
    return float(re.search(r"test RMSE ([0-9.eE+-]+)", run.stdout).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="ratings file (user item rating ...)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every rating by this")
    parser.add_argument("--autorec", default="build/examples/autorec-train", help="autorec-train binary")
    parser.add_argument("--skip-reference", action="store_true", help="run autorec-train only")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not os.path.exists(args.data):
        print(f"defaults_table: skipped, no ratings file at {args.data}")
        return
    ratings = read_ratings(args.data, args.scale)
    random.Random(args.seed).shuffle(ratings)
    cut = len(ratings) // 10
    test, train = ratings[:cut], ratings[cut:]
    with tempfile.TemporaryDirectory() as directory:
        train_path, test_path = os.path.join(directory, "train.csv"), os.path.join(directory, "test.csv")
        write_ratings(train_path, train)
        write_ratings(test_path, test)
        ours = autorec_rmse(args.autorec, train_path, test_path, args.seed)
    print(f"autorec-train defaults: test RMSE {ours:.4f}", flush=True)
    if args.skip_reference:
        return
    try:
        import torch  # noqa: F401
    except ImportError:
        print("defaults_table: reference skipped, PyTorch is not installed (apt-get install python3-torch)")
        return
    reference, lam, epochs = reference_rmse(train, test, args.threads, args.seed)
    print(f"reference (lambda {lam:g}, {epochs} epochs): test RMSE {reference:.4f}")
    print(f"autorec / reference: {ours / reference:.4f} ({(ours / reference - 1) * 100:+.2f}%)")


if __name__ == "__main__":
    main()
