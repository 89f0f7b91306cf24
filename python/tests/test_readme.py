"""The README's Python example runs as printed, on the embedded data."""

import contextlib
import io
import re

from conftest import EMBEDDED, SOURCE


def test_the_readmes_python_example_runs_and_prints_the_metrics(tmp_path, monkeypatch):
    readme = (SOURCE / "README.md").read_text()
    section = readme[readme.index("## Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) < 10  # from install to top-10 lists in under ten lines
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code.replace("examples/data/ml-latest-small/ratings.csv", str(EMBEDDED)), {})
    assert "'rmse': 0.82" in printed.getvalue() and "ndcg@10" in printed.getvalue()
    assert (tmp_path / "model.bin").exists()
