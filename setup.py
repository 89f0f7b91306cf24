"""Builds and installs the Python package autorec: the .py files under python/autorec and the
module autorec._core, which CMake builds from the same headers as the programs.

    python3 -m venv --system-site-packages .venv     # sees Debian's numpy, scipy, pybind11
    .venv/bin/pip install --no-build-isolation .

The CMake build lives in build-python/ and is reused by the next install. The module is
compiled for the CPU that builds it (-march=native), as the programs are.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(autorec VERSION ([0-9.]+)", text).group(1)


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    """Configures the project with only the Python module on, and builds it into the package."""

    def build_extension(self, ext):
        output = Path(self.get_ext_fullpath(ext.name)).resolve().parent
        build_dir = ROOT / "build-python" / f"cmake-py{sys.version_info[0]}.{sys.version_info[1]}"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
            "-DAUTOREC_PYTHON=ON", f"-DPython_EXECUTABLE={sys.executable}", f"-DAUTOREC_PYTHON_OUTPUT={output}",
            "-DAUTOREC_BUILD_TESTS=OFF", "-DAUTOREC_BUILD_BENCHMARKS=OFF", "-DAUTOREC_BUILD_EXAMPLES=OFF",
            "-DAUTOREC_INSTALL=OFF",
        ]
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "autorec_python", "-j", jobs], check=True)


setup(
    name="autorec",
    version=project_version(),
    description="Autoencoder recommenders (AutoRec and deeper networks) in C++, for numpy and scipy.sparse",
    packages=["autorec"],
    package_dir={"": "python"},
    package_data={"autorec": ["__init__.pyi", "py.typed"]},
    ext_modules=[CMakeExtension("autorec._core")],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    install_requires=["numpy", "scipy"],
    zip_safe=False,
)
