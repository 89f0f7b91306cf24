#!/usr/bin/python3
"""The same I-AutoRec trained by a dense PyTorch reference and by autorec, one after the other.

Both get the same ratings, the same random 90/10 split (written to files that autorec-train
reads with --train/--test), k hidden units, lambda, full-batch iRprop- with the same step
settings and initialisation scale, and the same number of iterations with no early stopping.
Prints seconds per iteration of each, their ratio, and both test RMSEs. autorec runs twice: as
PyTorch does (no validation), and as a user runs it, with 10% of the training ratings held out
and scored every epoch (so it trains on 90% of them).

    python3 bench/compare_pytorch.py --data ML1M_RATINGS \
        --autorec build/examples/autorec-train --iterations 30

ML1M_RATINGS: the ML-1M ratings file, a user-item-rating file (grouplens.org).

PyTorch comes from Debian's python3-torch; the script skips with a message when it is absent.
OpenBLAS is told the CPU type before torch loads (bench/openblas_env.py: SkylakeX with AVX-512,
Haswell without; an OPENBLAS_CORETYPE already set wins): Debian's OpenBLAS does not recognise
these CPUs and would otherwise run 2.5-4x slower.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import openblas_env

openblas_env.set_coretype()
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def read_ratings(path):
    users, items, values = [], [], []
    with open(path) as f:
        for line in f:
            fields = re.split(r"::|\t|,| +", line.strip())
            if len(fields) < 3:
                continue
            try:
                rating = float(fields[2])
            except ValueError:
                continue  # header
            users.append(fields[0])
            items.append(fields[1])
            values.append(rating)
    return users, items, values


def split_to_files(path, seed, folder):
    """Reads the ratings file, splits it 90/10 at random (seed) and writes the parts to
    folder/train.tsv and folder/test.tsv for autorec-train's --train and --test. Returns
    (users, items, values, train indices, test indices, train path, test path)."""
    import numpy as np
    users, items, values = read_ratings(path)
    order = np.random.RandomState(seed).permutation(len(values))
    test_count = int(round(0.1 * len(values)))
    test_idx, train_idx = order[:test_count], order[test_count:]
    train_path, test_path = os.path.join(folder, "train.tsv"), os.path.join(folder, "test.tsv")
    for part, idx in ((train_path, train_idx), (test_path, test_idx)):
        with open(part, "w") as f:
            f.writelines(f"{users[i]}\t{items[i]}\t{values[i]}\n" for i in sorted(idx))
    return users, items, values, train_idx, test_idx, train_path, test_path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="ratings file (user item rating ...)")
    parser.add_argument("--autorec", default="build/examples/autorec-train", help="autorec-train binary")
    parser.add_argument("--hidden", type=int, default=500)
    parser.add_argument("--lambda", dest="lam", type=float, default=200.0)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--rprop-step", type=float, default=0.01)
    parser.add_argument("--rprop-grow", type=float, default=1.1)
    parser.add_argument("--rprop-max-step", type=float, default=0.01)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--autorec-flag", action="append", default=[],
                        help="an extra autorec-train flag for both of its runs (repeatable), e.g. --autorec-flag=--bf16-weights")
    args = parser.parse_args()

    if not os.path.exists(args.data):
        print(f"compare_pytorch: skipped, no ratings file at {args.data}")
        return 0
    try:
        import numpy as np
        import torch
    except ImportError as error:
        print(f"compare_pytorch: skipped, PyTorch is not installed ({error}); apt-get install python3-torch")
        return 0

    with tempfile.TemporaryDirectory() as folder:
        users, items, values, train_idx, test_idx, train_path, test_path = split_to_files(args.data, args.seed, folder)

        # ---- PyTorch: dense masked I-AutoRec, one column per item ----
        torch.set_num_threads(args.threads)
        torch.manual_seed(args.seed)
        user_index = {u: n for n, u in enumerate(dict.fromkeys(users[i] for i in sorted(train_idx)))}
        item_index = {t: n for n, t in enumerate(dict.fromkeys(items[i] for i in sorted(train_idx)))}
        d, n_items = len(user_index), len(item_index)
        R = torch.zeros(d, n_items)
        M = torch.zeros(d, n_items)
        for i in train_idx:
            R[user_index[users[i]], item_index[items[i]]] = values[i]
            M[user_index[users[i]], item_index[items[i]]] = 1
        k = args.hidden
        V = (0.01 * torch.randn(k, d)).requires_grad_()
        mu = (0.001 * torch.randn(k, 1)).requires_grad_()
        W = (0.01 * torch.randn(d, k)).requires_grad_()
        b = (0.001 * torch.randn(d, 1)).requires_grad_()
        optimizer = torch.optim.Rprop([V, mu, W, b], lr=args.rprop_step, etas=(0.5, args.rprop_grow),
                                    step_sizes=(1e-6, args.rprop_max_step))
        start = time.perf_counter()
        for _ in range(args.iterations):
            optimizer.zero_grad()
            output = W @ torch.sigmoid(V @ R + mu) + b
            loss = (((output - R) * M) ** 2).sum() + args.lam / 2 * ((W ** 2).sum() + (V ** 2).sum())
            loss.backward()
            optimizer.step()
        torch_seconds = (time.perf_counter() - start) / args.iterations
        with torch.no_grad():
            output = (W @ torch.sigmoid(V @ R + mu) + b).clamp(min(values[i] for i in train_idx),
                                                              max(values[i] for i in train_idx))
        squared = 0.0
        for i in test_idx:
            u, t = user_index.get(users[i]), item_index.get(items[i])
            predicted = 3.0 if u is None or t is None else float(output[u, t])
            squared += (predicted - values[i]) ** 2
        torch_rmse = (squared / len(test_idx)) ** 0.5
        print(f"pytorch: {torch_seconds:.4f} s/iteration, test RMSE {torch_rmse:.4f} "
              f"({args.iterations} full-batch RProp iterations, {args.threads} threads)", flush=True)

        # ---- autorec, same split and settings; then with its validation every epoch ----
        command = [args.autorec, "--train", train_path, "--test", test_path, "--format", "tsv",
                   "--hidden", str(k), "--lambda", str(args.lam), "--optimizer", "rprop",
                   "--rprop-step", str(args.rprop_step), "--rprop-grow", str(args.rprop_grow),
                   "--rprop-max-step", str(args.rprop_max_step), "--epochs", str(args.iterations), "--patience", "0",
                   "--threads", str(args.threads), "--seed", str(args.seed)] + args.autorec_flag
        for validation in ("0", "0.1"):
            # with validation: trained on 90% and stopped early, without the protocol's refit
            extra = ["--no-refit"] if validation != "0" else []
            result = subprocess.run(command + ["--validation-fraction", validation] + extra, capture_output=True,
                                    text=True, check=True)
            # An epoch's time may include the next epoch's pass (validation reads its codes),
            # so the mean over all epochs is the figure, not any one epoch's.
            epoch_seconds = [float(m) for m in re.findall(r"^epoch .* ([0-9.]+) s", result.stdout, re.M)]
            autorec_seconds = sum(epoch_seconds) / len(epoch_seconds)
            autorec_rmse = float(re.search(r"test RMSE ([0-9.]+)", result.stdout).group(1))
            what = "no validation" if validation == "0" else "validating 10% every epoch"
            print(f"autorec ({what}): {autorec_seconds:.4f} s/iteration, test RMSE {autorec_rmse:.4f}")
            print(f"speed-up: {torch_seconds / autorec_seconds:.1f}x (PyTorch seconds per iteration / autorec's)",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
