#!/usr/bin/python3
"""The test ratings a model cannot reconstruct (their user or item has no training rating) and
the error of each candidate default for them, on random 90/10 splits (docs/results.md,
"Defaults on other data"): the paper's constant 3, the training mean, and a bias model
(mean + damped user bias + damped item bias, each bias a mean residual shrunk by 10 ratings).

    python3 bench/cold_start_defaults.py --data examples/data/ml-latest-small/ratings.csv --scale 20
"""
import argparse
import random
from collections import defaultdict

from defaults_table import read_ratings


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    ratings = read_ratings(args.data, args.scale)
    totals = defaultdict(float)
    count = 0
    for seed in range(1, args.seeds + 1):
        shuffled = list(ratings)
        random.Random(seed).shuffle(shuffled)
        cut = len(shuffled) // 10
        test, train = shuffled[:cut], shuffled[cut:]
        mean = sum(v for _, _, v in train) / len(train)
        item_sum, item_n = defaultdict(float), defaultdict(int)
        for _, i, v in train:
            item_sum[i] += v - mean
            item_n[i] += 1
        item_bias = {i: item_sum[i] / (item_n[i] + 10) for i in item_n}
        user_sum, user_n = defaultdict(float), defaultdict(int)
        for u, i, v in train:
            user_sum[u] += v - mean - item_bias[i]
            user_n[u] += 1
        user_bias = {u: user_sum[u] / (user_n[u] + 10) for u in user_n}
        for u, i, v in test:
            if u in user_n and i in item_n:
                continue
            count += 1
            totals["3 (the paper)"] += (3 - v) ** 2
            totals["training mean"] += (mean - v) ** 2
            totals["bias model"] += (mean + user_bias.get(u, 0) + item_bias.get(i, 0) - v) ** 2
    print(f"{args.data} x {args.scale:g}: {count / args.seeds:.0f} cold test ratings per split "
          f"({count / args.seeds / (len(ratings) // 10) * 100:.2f}% of the test set), over {args.seeds} splits")
    for name, total in totals.items():
        print(f"  {name:>14}: RMSE on them {(total / count) ** 0.5:.4f}")


if __name__ == "__main__":
    main()
