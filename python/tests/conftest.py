"""Fixtures of the Python package's tests: small synthetic ratings made in code, and the
embedded MovieLens file with the autorec programs when the build tree has them
(AUTOREC_BIN: the folder of autorec-train; CTest and scripts/test.sh set it)."""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import autorec

SOURCE = Path(os.environ.get("AUTOREC_SOURCE", Path(__file__).resolve().parents[2]))
EMBEDDED = SOURCE / "examples" / "data" / "ml-latest-small" / "ratings.csv"


def synthetic_ratings(users=60, items=40, per_user=12, seed=0):
    """Ratings 1-5 of a low-rank taste model, each user rating `per_user` random items."""
    rng = np.random.default_rng(seed)
    taste = rng.normal(size=(users, 3)) @ rng.normal(size=(3, items))
    rows, cols, values = [], [], []
    for u in range(users):
        for i in rng.choice(items, per_user, replace=False):
            rows.append(u)
            cols.append(i)
            values.append(float(np.clip(np.round(3 + taste[u, i]), 1, 5)))
    return sp.csr_matrix((np.array(values, np.float32), (rows, cols)), shape=(users, items))


SMALL_NETWORK = dict(hidden=16, lam=1.0, epochs=15, seed=3, threads=1)


@pytest.fixture(scope="session")
def ratings():
    return synthetic_ratings()


@pytest.fixture(scope="session")
def small_model(ratings):
    return autorec.AutoRec(**SMALL_NETWORK).fit(ratings)


def program(name):
    folder = os.environ.get("AUTOREC_BIN")
    path = Path(folder) / name if folder else None
    if path is None or not path.exists():
        found = shutil.which(name)
        if not found:
            pytest.skip(f"{name} not found: set AUTOREC_BIN to the build's examples folder")
        return found
    return str(path)


@pytest.fixture(scope="session")
def main_job_model(tmp_path_factory):
    """The main job's model file: autorec-train on the embedded data, saved."""
    train = program("autorec-train")
    path = tmp_path_factory.mktemp("main") / "model.bin"
    subprocess.run([train, "--data", str(EMBEDDED), "--save", str(path)], check=True, capture_output=True)
    return path
