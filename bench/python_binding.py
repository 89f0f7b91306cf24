"""What the Python binding costs over the C++ it calls, measured in one invocation:

  fit        load + split + fit of I-AutoRec from Python (autorec.load_ratings,
             split_ratings, AutoRec(...).fit, evaluate) against autorec-train doing the same
             on the same file with the same options, wall time of each, the best of --repeats,
             run alternately (goal: within 2%)
  recommend  model.recommend() for the first 1,000 users, top-10, against the C++ Scorer's
             recommend() for the same users of the same model file (bench_serving's
             BM_top10_for_1000_users_of_model_file), the best of --repeats (goal: within 10%)

    python bench/python_binding.py [--ratings FILE] [--lam 29 --epochs 43] [--build build]

Run it with the Python that has the package installed (scripts/python-package.sh makes
build-python/venv). The thread count is the machine's for both sides.
"""

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import autorec

ROOT = Path(__file__).resolve().parents[1]


def python_fit(path, options):
    begin = time.perf_counter()
    ratings = autorec.load_ratings(path)
    train, test = autorec.split_ratings(ratings, test_fraction=0.1, seed=1)
    model = autorec.AutoRec(**options).fit(train)
    rmse = autorec.evaluate(model, test)["rmse"]
    return time.perf_counter() - begin, model, rmse


def program_fit(build, path, options):
    command = [str(build / "examples" / "autorec-train"), "--data", str(path), "--seed", "1",
               "--lambda", str(options["lam"]), "--epochs", str(options["epochs"])]
    begin = time.perf_counter()
    printed = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - begin
    return seconds, float(printed.split("test RMSE ")[1].split()[0])


def cpp_recommend_ms(build, model_file):
    env = dict(os.environ, AUTOREC_MODEL=str(model_file))
    out = subprocess.run([str(build / "bench" / "bench_serving"), "--benchmark_filter=BM_top10_for_1000_users_of_model_file",
                          "--benchmark_format=json", "--benchmark_repetitions=5"],
                         check=True, capture_output=True, text=True, env=env).stdout
    runs = [b for b in json.loads(out)["benchmarks"] if b.get("run_type") == "iteration"]
    return min(b["real_time"] for b in runs)


def python_recommend_ms(model, repeats):
    users = np.arange(min(1000, len(model.user_ids)))
    best = float("inf")
    for _ in range(repeats):
        begin = time.perf_counter()
        model.recommend(users, N=10)
        best = min(best, time.perf_counter() - begin)
    return best * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ratings", default=ROOT / "examples/data/ml-latest-small/ratings.csv")
    parser.add_argument("--lam", type=float, default=29)
    parser.add_argument("--epochs", type=int, default=43)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    args = parser.parse_args()
    options = dict(lam=args.lam, epochs=args.epochs, seed=1)
    python_times, program_times = [], []
    for _ in range(args.repeats):
        seconds, model, python_rmse = python_fit(args.ratings, options)
        python_times.append(seconds)
        seconds, program_rmse = program_fit(args.build, args.ratings, options)
        program_times.append(seconds)
    print(f"fit ({args.ratings}, lambda {args.lam}, {args.epochs} epochs, {autorec._core.thread_count()} threads): "
          f"Python {min(python_times):.3f} s, autorec-train {min(program_times):.3f} s, "
          f"ratio {min(python_times) / min(program_times):.3f} (test RMSE {python_rmse:.6f} vs {program_rmse:.6f})")
    with tempfile.TemporaryDirectory() as folder:
        model_file = Path(folder) / "model.bin"
        model.save(model_file)
        python_ms = python_recommend_ms(model, max(args.repeats, 5))
        cpp_ms = cpp_recommend_ms(args.build, model_file)
    print(f"recommend top-10 for {min(1000, len(model.user_ids))} users: Python {python_ms:.2f} ms, "
          f"C++ Scorer {cpp_ms:.2f} ms, ratio {python_ms / cpp_ms:.3f}")


if __name__ == "__main__":
    main()
