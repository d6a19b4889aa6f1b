"""A notebook runs where bpcode is not installed: its first cell installs it.

In a fresh virtual environment with bpcode's runtime dependencies only (numpy, matplotlib,
from the package index: the test needs the index, not the repository's host), a locally
built wheel stands in for the release that a hosted notebook would install
(``BPCODE_SOURCE`` points the install cell at it), and the notebook runs in an empty
folder, as on a hosted service. The quick start then runs top to bottom as a plain
script, and bpcode comes from the wheel, with its data file inside.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from tools.toc import REPO

pytestmark = pytest.mark.book


def _run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kwargs)
    assert proc.returncode == 0, (
        f"{' '.join(map(str, cmd))} failed:\n{proc.stdout}\n{proc.stderr}"
    )
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """A wheel built from a copy of the package's files (a build inside the checkout
    would leave a build/ folder there)."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    shutil.copytree(
        REPO / "bpcode", source / "bpcode", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, source / name)
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out)]
    _run([*pip, str(source)])
    (path,) = out.glob("bpcode-*.whl")
    return path


def test_the_wheel_carries_the_package_and_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "bpcode/__init__.py" in names and "bpcode/conv.py" in names
    assert any(n.startswith("bpcode/data/") and n.endswith(".txt") for n in names), (
        names
    )


def test_a_notebook_installs_bpcode_and_runs_in_a_fresh_environment(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", "numpy", "matplotlib"])
    check = [
        str(python),
        "-c",
        "import importlib.util as u; print(u.find_spec('bpcode'))",
    ]
    assert _run(check, cwd=tmp_path).stdout.strip() == "None"  # bpcode is not there yet

    cells = json.loads(
        (REPO / "book" / "00_quickstart.ipynb").read_text(encoding="utf-8")
    )
    code = [
        "".join(c["source"]) for c in cells["cells"] if c["cell_type"] == "code"
    ] + [
        "import bpcode\n"
        "print('bpcode from', bpcode.__file__)\n"
        "assert len(bpcode.datasets.load_corpus()) > 10_000  # the package's data file"
    ]
    script = tmp_path / "quickstart.py"
    script.write_text("\n\n".join(code), encoding="utf-8")
    env = {**os.environ, "BPCODE_SOURCE": str(wheel), "MPLBACKEND": "Agg"}
    env.pop("PYTHONPATH", None)
    proc = _run([str(python), str(script)], cwd=tmp_path, env=env)  # no checkout here
    assert f"bpcode from {venv}" in proc.stdout, proc.stdout
