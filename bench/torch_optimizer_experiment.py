#!/usr/bin/python3
"""Does the optimizer explain the gap to the paper? Dense PyTorch I-AutoRec on ML-1M trained
full batch with L-BFGS (strong Wolfe line search, what the authors' code used) or iRprop- (what
the paper reports), printing validation and test RMSE every 5 iterations and the best.

    bench/torch_optimizer_experiment.py --data ML1M_RATINGS --optimizer lbfgs --lambda 200 --iterations 300
    bench/torch_optimizer_experiment.py --data ML1M_RATINGS --optimizer rprop --lambda 200 --iterations 160

ML1M_RATINGS: the ML-1M ratings file, as user<TAB>item<TAB>rating lines with ids from 1 (from
grouplens.org); --data may be left out when the environment variable AUTOREC_ML1M names it.

Split: numpy seed 1 for 90/10, seed 2 for 10% of the training part as validation; the
test predictions use the whole training part as input, clipped to [1, 5], 3 for cold start.
Needs Debian's python3-torch; skips with a message without it or without the data. OpenBLAS is
told the CPU type before torch loads (bench/openblas_env.py: SkylakeX with AVX-512, Haswell
without; an OPENBLAS_CORETYPE already set wins).
"""
import argparse
import os
import sys

import openblas_env

openblas_env.set_coretype()
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("AUTOREC_ML1M"),
                        help="the ML-1M ratings file, user<TAB>item<TAB>rating, ids from 1 (default: $AUTOREC_ML1M)")
    parser.add_argument("--optimizer", choices=["lbfgs", "rprop"], default="lbfgs")
    parser.add_argument("--lambda", dest="lam", type=float, default=200.0)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not args.data:
        parser.error("--data: give the ML-1M ratings file (a user-item-rating file from grouplens.org, "
                     "not part of this repository), or set AUTOREC_ML1M to it")
    if not os.path.exists(args.data):
        print(f"skipped: no ratings file at {args.data}")
        return 0
    try:
        import numpy as np
        import torch
    except ImportError as error:
        print(f"skipped: PyTorch is not installed ({error}); apt-get install python3-torch")
        return 0

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    data = np.loadtxt(args.data, dtype=np.int64)
    u, i, r = data[:, 0] - 1, data[:, 1] - 1, data[:, 2].astype(np.float32)
    users, items = int(u.max()) + 1, int(i.max()) + 1
    order = np.random.RandomState(1).permutation(len(r))
    test, train = order[: int(round(0.1 * len(r)))], order[int(round(0.1 * len(r))):]
    inner = np.random.RandomState(2).permutation(len(train))
    validation, fit = train[inner[: int(round(0.1 * len(train)))]], train[inner[int(round(0.1 * len(train))):]]

    def matrix(idx):
        R = torch.zeros(users, items)
        R[u[idx], i[idx]] = torch.from_numpy(r[idx])
        return R

    R, R_train = matrix(fit), matrix(train)
    M = (R != 0).float()
    k = 500
    V = (0.01 * torch.randn(k, users)).requires_grad_()
    mu = (0.001 * torch.randn(k, 1)).requires_grad_()
    W = (0.01 * torch.randn(users, k)).requires_grad_()
    b = (0.001 * torch.randn(users, 1)).requires_grad_()
    if args.optimizer == "lbfgs":
        optimizer = torch.optim.LBFGS([V, mu, W, b], lr=1, max_iter=1, history_size=10, line_search_fn="strong_wolfe")
    else:
        optimizer = torch.optim.Rprop([V, mu, W, b], lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-6, 1.0))

    def rmse(idx, R_input):
        with torch.no_grad():
            O = (W @ torch.sigmoid(V @ R_input + mu) + b).clamp(1, 5)
            pred = O[u[idx], i[idx]]
            cold = ~((R_input != 0).any(1)[u[idx]] & (R_input != 0).any(0)[i[idx]])
            pred[cold] = 3
            return float(((pred - torch.from_numpy(r[idx])) ** 2).mean().sqrt())

    def closure():
        optimizer.zero_grad()
        O = W @ torch.sigmoid(V @ R + mu) + b
        loss = (((O - R) * M) ** 2).sum() + args.lam / 2 * ((W ** 2).sum() + (V ** 2).sum())
        loss.backward()
        return loss

    best = (float("inf"), 0, 0.0)
    for iteration in range(1, args.iterations + 1):
        optimizer.step(closure)
        if iteration % 5 == 0:
            v, t = rmse(validation, R), rmse(test, R_train)
            best = min(best, (v, iteration, t))
            print(f"{iteration} validation RMSE {v:.5f} test RMSE {t:.5f}", flush=True)
    print(f"{args.optimizer}: best validation RMSE {best[0]:.4f} at iteration {best[1]}, test RMSE {best[2]:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
