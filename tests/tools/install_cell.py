"""The first code cell of every notebook: it installs bpcode where bpcode is missing.

In a hosted notebook (Colab, or a Jupyter server without this repository) ``import bpcode``
would fail, so the cell installs the release of bpcode that the book was written with, from
the repository at the matching tag. In the book's own environment (``make``, Binder, CI)
bpcode is installed and the cell does nothing. ``BPCODE_SOURCE`` may point pip elsewhere
(a wheel file): tests/book/test_install.py uses that to test the path offline.

    python tests/tools/install_cell.py    # put (or update) the cell in every TOC notebook

The cell carries the tag ``remove-cell``: the HTML book does not show it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.toc import REPO, read_toc_notebooks  # noqa: E402

TAG = "remove-cell"


def version() -> str:
    """The package's version, from pyproject.toml (the one number the book pins)."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version = "([^"]+)"', text, re.MULTILINE).group(1)


CELL = """\
# In a hosted notebook (Colab, ...) bpcode is missing: install the version this book
# was written with, and what the notebooks use besides it. Where bpcode is installed,
# as in the book's own environment, this does nothing.
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("bpcode") is None:
    source = os.environ.get(
        "BPCODE_SOURCE",
        "bpcode[book] @ git+https://github.com/bpcode-book/backprop-book@vPINNED",
    )
    pip = [sys.executable, "-m", "pip", "install", "--quiet", source]
    done = subprocess.run(pip, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("installing bpcode failed:\\n" + done.stdout + done.stderr)"""


def install_cell_source(pinned: str | None = None) -> str:
    """The source of the install cell for version ``pinned`` (default: the package's)."""
    return CELL.replace("PINNED", pinned or version())


def main() -> None:
    source = install_cell_source()
    for path in read_toc_notebooks():
        nb = nbformat.read(path, as_version=4)
        index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        cell = nb.cells[index]
        if TAG in cell.metadata.get("tags", []) and "BPCODE_SOURCE" in cell.source:
            cell.source, what = source, "updated"
        else:  # before the first code cell, after the page's title
            nb.cells.insert(
                index, nbformat.v4.new_code_cell(source, metadata={"tags": [TAG]})
            )
            what = "added"
        nbformat.write(nb, path)
        print(f"{path.relative_to(REPO)}: install cell {what}")


if __name__ == "__main__":
    main()
