"""How long a page takes to read: the estimate behind the teaching plan's session times.

A reader reads about 200 words of prose a minute and works through about 10 lines of visible
code a minute (reading, running, looking at the output). Visible code is every code cell not
collapsed or removed in the HTML book (tags ``hide-input``, ``hide-cell``, ``remove-input``,
``remove-cell``); maths between dollar signs is not counted as words.

Run ``python tests/tools/reading.py`` to print the estimate of every page of the TOC.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.toc import REPO, read_toc_files  # noqa: E402

WORDS_PER_MINUTE = 200
CODE_LINES_PER_MINUTE = 10
HIDDEN = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
WORD = re.compile(r"[A-Za-z\u4e00-\u9fff]+")
INLINE_MATH = re.compile(r"\$[^$]*\$")


def reading_load(path: Path) -> tuple[int, int]:
    """(prose words, visible code lines) of a notebook; (words, 0) of a Markdown page."""
    if path.suffix != ".ipynb":
        return len(
            WORD.findall(INLINE_MATH.sub(" ", path.read_text(encoding="utf-8")))
        ), 0
    words = code = 0
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            words += len(WORD.findall(INLINE_MATH.sub(" ", cell.source)))
        elif cell.cell_type == "code" and not HIDDEN & set(
            cell.metadata.get("tags", [])
        ):
            code += sum(1 for line in cell.source.splitlines() if line.strip())
    return words, code


def reading_minutes(path: Path) -> float:
    words, code = reading_load(path)
    return words / WORDS_PER_MINUTE + code / CODE_LINES_PER_MINUTE


if __name__ == "__main__":
    for page in read_toc_files():
        words, code = reading_load(page)
        print(
            f"{page.relative_to(REPO).as_posix():45s} {words:6d} words {code:5d} code lines "
            f"{reading_minutes(page):5.0f} min"
        )
