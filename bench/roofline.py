#!/usr/bin/env python3
"""Roofline of autorec's kernels on this machine, from one run of bench_kernels.

Measures, in one invocation: the STREAM triad's bandwidth from L3 (arrays of 6 MiB in all) and
from memory (768 MiB), the same-binary Eigen GEMM rate (the compute roof), and each kernel's
GFLOP/s and modelled bytes (bench_kernels' cost models: a sparse product reads one k-vector of
4 k bytes per nonzero per product, the decoder's fused sweep two for its three products; the
optimizers 28 bytes a parameter). Prints the table and writes the SVG figure.
Run: bench/roofline.py [--build build] [--svg docs/roofline.svg]
"""
import argparse
import json
import math
import subprocess

KERNELS = [
    ("BM_SparseEncoderForward", "encoder forward V X"),
    ("BM_SparseEncoderGradient", "encoder gradient dZ X^T"),
    ("BM_ObservedDecoderLossBackward", "decoder at observed entries (3 products)"),
    ("BM_LossAndGradientML1MReal/bf16:0", "whole pass, real ML-1M"),
    ("BM_AdamStep", "Adam step"),
    ("BM_RPropStep", "RProp step"),
    ("BM_DenseForwardBackward/in:6040/batch:3706", "dense layer 6040 x 500, batch 3706"),
]


def run(build):
    pattern = "StreamTriad|SparseEncoder|ObservedDecoder|ML1MReal|AdamStep|RPropStep|Dense.*in:6040/batch:3706"
    out = subprocess.run([f"{build}/bench/bench_kernels", f"--benchmark_filter={pattern}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    return {b["name"].replace("/real_time", ""): b for b in json.loads(out)["benchmarks"]}


def svg(path, peak, l3, dram, points):
    w, h, left, right, top, bottom = 760, 500, 70, 250, 20, 50
    x0, x1, y0, y1 = 0.02, 200.0, 0.5, 1000.0
    X = lambda v: left + (math.log10(v) - math.log10(x0)) / (math.log10(x1) - math.log10(x0)) * (w - left - right)
    Y = lambda v: h - bottom - (math.log10(v) - math.log10(y0)) / (math.log10(y1) - math.log10(y0)) * (h - top - bottom)
    e = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
         f'<rect width="{w}" height="{h}" fill="white"/>']
    for v in [0.1, 1, 10, 100]:
        e.append(f'<line x1="{X(v):.1f}" y1="{top}" x2="{X(v):.1f}" y2="{h - bottom}" stroke="#ddd"/>')
        e.append(f'<text x="{X(v):.1f}" y="{h - bottom + 15}" text-anchor="middle">{v:g}</text>')
    for v in [1, 10, 100, 1000]:
        e.append(f'<line x1="{left}" y1="{Y(v):.1f}" x2="{w - right}" y2="{Y(v):.1f}" stroke="#ddd"/>')
        e.append(f'<text x="{left - 5}" y="{Y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    e.append(f'<text x="{(left + w - right) / 2}" y="{h - 12}" text-anchor="middle">arithmetic intensity (flop / modelled byte)</text>')
    e.append(f'<text x="15" y="{(top + h - bottom) / 2}" transform="rotate(-90 15 {(top + h - bottom) / 2})" '
             f'text-anchor="middle">GFLOP/s (2 cores)</text>')
    for bw, colour, name in [(l3, "#1f77b4", f"L3 triad {l3:.0f} GB/s"), (dram, "#ff7f0e", f"memory triad {dram:.0f} GB/s")]:
        knee = peak / bw
        xs = [x0, min(knee, x1), x1]
        pts = " ".join(f"{X(x):.1f},{Y(min(peak, bw * x)):.1f}" for x in xs)
        e.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        e.append(f'<text x="{X(x0 * 1.1):.1f}" y="{Y(bw * x0 * 1.1) - 6:.1f}" fill="{colour}">{name}</text>')
    e.append(f'<text x="{X(20):.1f}" y="{Y(peak) - 6:.1f}" text-anchor="middle">GEMM {peak:.0f} GFLOP/s</text>')
    for i, (label, intensity, gflops) in enumerate(points):
        e.append(f'<circle cx="{X(intensity):.1f}" cy="{Y(gflops):.1f}" r="4" fill="#d62728"/>')
        e.append(f'<text x="{X(intensity) + 6:.1f}" y="{Y(gflops) + 4:.1f}">{i + 1}</text>')
        e.append(f'<text x="{w - right + 10}" y="{top + 14 * (i + 1)}">{i + 1}: {label}</text>')
    e.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(e) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build")
    p.add_argument("--svg", default="docs/roofline.svg")
    a = p.parse_args()
    b = run(a.build)
    l3, l3b, dram = (b[f"BM_StreamTriad/MiB:{m}"]["GB/s"] for m in (6, 24, 768))
    dense = b["BM_DenseForwardBackward/in:6040/batch:3706"]
    peak = dense["gemm_GFLOP/s"]
    print(f"STREAM triad: {l3:.1f} GB/s (6 MiB, L3), {l3b:.1f} GB/s (24 MiB), {dram:.1f} GB/s (768 MiB, memory); "
          f"GEMM {peak:.0f} GFLOP/s")
    print("| kernel | GFLOP/s | modelled GB/s | flop/byte | L3 roof there | of it | memory roof there | of it |")
    print("|---|---|---|---|---|---|---|---|")
    points = []
    for name, label in KERNELS:
        if name not in b or "GFLOP/s" not in b[name]:
            print(f"| {label} | skipped ({b.get(name, {}).get('error_message', 'not run')}) | | | | | | |")
            continue
        gflops, gbs = b[name]["GFLOP/s"], b[name]["GB/s"]
        intensity = gflops / gbs
        roof, memory_roof = min(peak, l3 * intensity), min(peak, dram * intensity)
        points.append((label, intensity, gflops))
        print(f"| {label} | {gflops:.1f} | {gbs:.1f} | {intensity:.2f} | {roof:.1f} | {gflops / roof:.0%} "
              f"| {memory_roof:.1f} | {gflops / memory_roof:.0%} |")
    svg(a.svg, peak, l3, dram, points)
    print(f"wrote {a.svg}")


if __name__ == "__main__":
    main()
