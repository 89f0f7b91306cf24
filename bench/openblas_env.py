#!/usr/bin/python3
"""Tells OpenBLAS the CPU type before numpy or torch loads it.

Debian's OpenBLAS does not recognise the CPUs of these machines and falls back to slow generic
kernels (2.5-4x slower) unless OPENBLAS_CORETYPE names one. SkylakeX uses AVX-512 and dies with
an illegal instruction on a CPU without it, so the type comes from /proc/cpuinfo's flags:
SkylakeX with avx512f, Haswell (AVX2) otherwise.

    import openblas_env
    openblas_env.set_coretype()               # a value already in the environment wins
    openblas_env.set_coretype(override=True)  # replaces one the shell set

Import it, and call set_coretype, before numpy or torch. `python3 bench/openblas_env.py`
prints the type this machine gets.
"""
import os


def cpu_type(cpuinfo="/proc/cpuinfo"):
    """SkylakeX when the CPU has AVX-512 (the avx512f flag), Haswell otherwise or unknown."""
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith("flags"):
                    return "SkylakeX" if "avx512f" in line.split() else "Haswell"
    except OSError:
        pass
    return "Haswell"


def set_coretype(override=False):
    """Sets OPENBLAS_CORETYPE to cpu_type(), keeping a value the user set unless override;
    returns the value in effect."""
    if override:
        os.environ["OPENBLAS_CORETYPE"] = cpu_type()
    else:
        os.environ.setdefault("OPENBLAS_CORETYPE", cpu_type())
    return os.environ["OPENBLAS_CORETYPE"]


if __name__ == "__main__":
    given = os.environ.get("OPENBLAS_CORETYPE")
    print(f"cpu_type: {cpu_type()}")
    print(f"OPENBLAS_CORETYPE: {set_coretype()}" + (" (set in the environment)" if given else ""))
