#!/usr/bin/python3
"""The kernel recipe (examples/recipes/ml1m-kernel.toml: Sparse FC's 500-500 I-AutoRec with every
layer kernelised, full-batch L-BFGS) trained by a dense PyTorch reference and by autorec, one after
the other, in one run.

Both get the same ratings and random 90/10 split (written to files that autorec-train reads with
--train/--test), the same architecture, lambda, lambda_s, L-BFGS history and number of iterations,
with no validation and no early stopping. PyTorch runs torch.optim.LBFGS with its strong Wolfe
line search on the dense masked rating matrix, as the Sparse FC authors' TensorFlow code does.
Prints seconds per iteration of each (and objective evaluations per iteration), their ratio, and
both test RMSEs.

    python3 bench/compare_pytorch_kernel.py --data ML1M_RATINGS \
        --autorec build/examples/autorec-train --iterations 10

ML1M_RATINGS: the ML-1M ratings file, a user-item-rating file (grouplens.org).

PyTorch comes from Debian's python3-torch; the script skips with a message when it is absent.
OpenBLAS is told the CPU type (bench/openblas_env.py: SkylakeX with AVX-512, Haswell without)
before torch loads, replacing one the shell set: Debian's OpenBLAS does not recognise these CPUs
and would otherwise run 2.5-4x slower.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import openblas_env

# whatever the shell set (some machines here set Haswell and an L2 size for older OpenBLAS builds)
openblas_env.set_coretype(override=True)
os.environ.pop("OPENBLAS_L2_SIZE", None)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from compare_pytorch import split_to_files  # noqa: E402  (the same split, after the environment)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="ratings file (user item rating ...)")
    parser.add_argument("--autorec", default="build/examples/autorec-train", help="autorec-train binary")
    parser.add_argument("--hidden", type=int, default=500, help="both hidden widths")
    parser.add_argument("--dims", type=int, default=5, help="kernel embedding size")
    parser.add_argument("--lambda", dest="lam", type=float, default=120.0, help="autorec's lambda (2 lambda_2)")
    parser.add_argument("--kernel-lambda", type=float, default=0.026, help="autorec's lambda_s (2 x the paper's)")
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--history", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    if not os.path.exists(args.data):
        print(f"compare_pytorch_kernel: skipped, no ratings file at {args.data}")
        return 0
    try:
        import numpy as np
        import torch
    except ImportError as error:
        print(f"compare_pytorch_kernel: skipped, PyTorch is not installed ({error}); apt-get install python3-torch")
        return 0

    with tempfile.TemporaryDirectory() as folder:
        users, items, values, train_idx, test_idx, train_path, test_path = split_to_files(args.data, args.seed, folder)

        # ---- PyTorch: dense masked I-AutoRec, one row per item, every layer kernelised ----
        torch.set_num_threads(args.threads)
        torch.manual_seed(args.seed)
        user_index = {u: n for n, u in enumerate(dict.fromkeys(users[i] for i in sorted(train_idx)))}
        item_index = {t: n for n, t in enumerate(dict.fromkeys(items[i] for i in sorted(train_idx)))}
        d, n_items = len(user_index), len(item_index)
        R = torch.zeros(n_items, d)
        M = torch.zeros(n_items, d)
        for i in train_idx:
            R[item_index[items[i]], user_index[users[i]]] = values[i]
            M[item_index[items[i]], user_index[users[i]]] = 1

        def layer(n_in, n_out):
            W = (torch.randn(n_in, n_out) / n_in ** 0.5).requires_grad_()
            u = (1e-3 * torch.randn(n_in, 1, args.dims).clamp(-2, 2)).requires_grad_()
            v = (1e-3 * torch.randn(1, n_out, args.dims).clamp(-2, 2)).requires_grad_()
            b = torch.zeros(n_out).requires_grad_()
            return [W, u, v, b]

        k = args.hidden
        layers = [layer(d, k), layer(k, k), layer(k, d)]
        parameters = [p for group in layers for p in group]

        def forward():
            y, penalty = R, 0.0
            for n, (W, u, v, b) in enumerate(layers):
                K = torch.clamp(1 - ((u - v) ** 2).sum(dim=2), min=0)
                y = y @ (W * K) + b
                if n < 2:
                    y = torch.sigmoid(y)
                penalty = penalty + args.lam / 2 * (W ** 2).sum() + args.kernel_lambda / 2 * (K ** 2).sum()
            return y, penalty

        evaluations = 0

        def closure():
            nonlocal evaluations
            evaluations += 1
            optimizer.zero_grad()
            output, penalty = forward()
            loss = (((output - R) * M) ** 2).sum() + penalty  # autorec's objective
            loss.backward()
            return loss

        optimizer = torch.optim.LBFGS(parameters, lr=1, max_iter=args.iterations, history_size=args.history,
                                      line_search_fn="strong_wolfe", tolerance_grad=0, tolerance_change=0)
        start = time.perf_counter()
        optimizer.step(closure)
        torch_seconds = (time.perf_counter() - start) / args.iterations
        with torch.no_grad():
            output = forward()[0].clamp(1, 5)
        squared = 0.0
        for i in test_idx:
            u, t = user_index.get(users[i]), item_index.get(items[i])
            predicted = 3.0 if u is None or t is None else float(output[t, u])
            squared += (predicted - values[i]) ** 2
        torch_rmse = (squared / len(test_idx)) ** 0.5
        print(f"pytorch: {torch_seconds:.3f} s/iteration ({evaluations / args.iterations:.2f} evaluations each), "
              f"test RMSE {torch_rmse:.4f} ({args.iterations} L-BFGS iterations, {args.threads} threads, "
              f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']})", flush=True)

        # ---- autorec, same split and settings, no validation ----
        command = [args.autorec, "--train", train_path, "--test", test_path, "--format", "tsv",
                   "--hidden", f"{k},{k}", "--kernel-dims", str(args.dims), "--kernel-lambda", str(args.kernel_lambda),
                   "--lambda", str(args.lam), "--optimizer", "lbfgs", "--lbfgs-history", str(args.history),
                   "--epochs", str(args.iterations), "--patience", "0", "--validation-fraction", "0",
                   "--threads", str(args.threads), "--seed", str(args.seed)]
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
        epoch_seconds = [float(m) for m in re.findall(r"^epoch .* ([0-9.]+) s", result.stdout, re.M)]
        autorec_seconds = sum(epoch_seconds) / len(epoch_seconds)
        autorec_rmse = float(re.search(r"test RMSE ([0-9.]+)", result.stdout).group(1))
        print(f"autorec: {autorec_seconds:.3f} s/iteration, test RMSE {autorec_rmse:.4f} "
              f"({len(epoch_seconds)} iterations; the whole program {wall:.1f} s)")
        print(f"speed-up: {torch_seconds / autorec_seconds:.1f}x (PyTorch seconds per iteration / autorec's)",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
