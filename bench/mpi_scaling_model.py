#!/usr/bin/env python3
"""Time per training pass of autorec-train-mpi on N machines: a model built from measured rates.

compute(N) = 10 nnz k / (N R)           R: one machine's measured pass rate (GFLOP/s)
comm(N)    = sums x bytes_received(N) / W  W: the network's bandwidth per machine (GB/s)
  fixed-order sum (what autorec-train-mpi does, bit-identical for any N): an all-gather of
  the shards' k x B partials; with one shard per machine a machine receives (N - 1) k B 4 bytes
  per sum, growing with N.
  all-reduce (ring; the order then depends on N, results agree to rounding only): a machine
  sends and receives 2 (N - 1) / N k B 4 bytes per sum, about constant in N.
Two sums per pass (the encoder's k x B sums, the decoder's k x B input gradients). Memory per
machine: 16 bytes per parameter (parameters, gradient, two optimizer vectors) / N.

Defaults: R = 18.9 GFLOP/s, the Netflix-shaped pass on the 2-core machine (502 GFLOP in 26.6 s,
docs/performance.md); W = 12.5 GB/s (100 Gb/s Ethernet) and the loopback all-gather rate
measured by bench/mpi_collectives (5.4 GB/s at 16 MiB on 2 ranks).
Run: bench/mpi_scaling_model.py [--rate 18.9] [--bandwidth 12.5]
"""
import argparse

SHAPES = [
    # name, inputs d (users, I-AutoRec), vectors per step B, ratings nnz, steps per epoch
    ("Netflix, full batch", 480_189, 17_770, 100_480_507, 1),
    ("50 M users x 1 M items, 5 G ratings, batches of 4,096 items", 50_000_000, 4_096, 5_000_000_000, 245),
]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=18.9, help="one machine's pass rate, GFLOP/s")
    p.add_argument("--bandwidth", type=float, nargs="+", default=[12.5, 5.4], help="GB/s per machine")
    p.add_argument("--k", type=int, default=500)
    a = p.parse_args()
    for name, d, batch, nnz, steps in SHAPES:
        params = 2 * d * a.k + d + a.k
        flops = 10 * nnz * a.k
        print(f"\n{name}: d = {d:,}, k = {a.k}, {params / 1e9:.2f} G parameters "
              f"({16 * params / 2**30:,.0f} GiB of training state), {flops / 1e12:,.1f} TFLOP per epoch, "
              f"{steps} step(s) per epoch, k x B = {a.k * batch * 4 / 2**20:.1f} MiB per sum")
        for bandwidth in a.bandwidth:
            print(f"  network {bandwidth} GB/s per machine; seconds per epoch (compute + communication)")
            print(f"  {'N':>6} {'GiB/machine':>12} {'compute':>10} {'fixed-order':>12} {'all-reduce':>11} "
                  f"{'fixed speedup':>14} {'all-reduce speedup':>19}")
            base = flops / (a.rate * 1e9)
            for n in [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096]:
                compute = base / n
                sum_bytes = a.k * batch * 4
                gather = steps * 2 * (n - 1) * sum_bytes / (bandwidth * 1e9)
                reduce = steps * 2 * 2 * (n - 1) / n * sum_bytes / (bandwidth * 1e9)
                print(f"  {n:>6} {16 * params / n / 2**30:>12,.1f} {compute:>10.3f} {compute + gather:>12.3f} "
                      f"{compute + reduce:>11.3f} {base / (compute + gather):>14.1f} {base / (compute + reduce):>19.1f}")


if __name__ == "__main__":
    main()
