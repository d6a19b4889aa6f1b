"""Every notebook in ``_toc.yml`` is stored executed, top to bottom, with clean outputs.

Strict nbval compares fresh outputs with the stored ones, and a cell stored without outputs
is not compared at all, so these checks are what give the nbval run its teeth. They also
keep machine-specific noise (memory addresses, absolute paths, SVG ids, NumPy scalar reprs
that differ between NumPy versions) out of the published notebooks.
Refresh the stored outputs with ``make notebooks``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from tools.install_cell import TAG, install_cell_source, version
from tools.toc import REPO, docname, read_toc_notebooks

NOTEBOOKS = read_toc_notebooks()

ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b|<[\w.]+ (?:object )?at 0x")
# Absolute paths of this machine or of any typical one (home, repo, temp, interpreter).
_HERE = sorted(
    {str(REPO), os.path.expanduser("~"), str(Path(sys.prefix))}, key=len, reverse=True
)
ABS_PATH = re.compile(
    "|".join(re.escape(p) for p in _HERE if len(p) > 1)
    + r"|(?<![\w.~])/(?:home|root|work|tmp|Users|usr/lib|usr/local|opt|var/folders|private)/"
    + r"|\b[A-Za-z]:\\\\(?:Users|Windows|Program)"
    + r"|site-packages"
)
NUMPY_SCALAR_REPR = re.compile(r"\bnp\.(?:float|int|uint|complex|bool_|str_)\w*\(")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def output_texts(output) -> list[str]:
    """The text a reader sees in one output (streams, text/* data, tracebacks)."""
    texts = []
    if output.output_type == "stream":
        texts.append(output.text)
    elif output.output_type in ("execute_result", "display_data"):
        for mime, value in output.get("data", {}).items():
            if mime.startswith("text/") or mime.endswith("json"):
                texts.append(value if isinstance(value, str) else str(value))
    elif output.output_type == "error":
        texts.append(f"{output.ename}: {output.evalue}")
        texts.extend(ANSI.sub("", line) for line in output.get("traceback", []))
    return texts


def code_cells(nb):
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def where(path: Path, index: int) -> str:
    return f"{path.relative_to(REPO)} cell {index}"


@pytest.fixture(params=NOTEBOOKS, ids=[docname(p) for p in NOTEBOOKS])
def notebook(request):
    path = request.param
    nb = nbformat.read(path, as_version=4)
    return path, nb


def test_notebook_is_valid_nbformat(notebook):
    path, nb = notebook
    nbformat.validate(nb)


def test_kernelspec_is_python3(notebook):
    path, nb = notebook
    spec = nb.metadata.get("kernelspec", {})
    assert spec.get("name") == "python3", (
        f"{path.relative_to(REPO)}: kernelspec is {spec!r}; expected name 'python3' "
        f"(re-run `make notebooks`)"
    )
    assert nb.metadata.get("language_info", {}).get("name") == "python"


def test_executed_top_to_bottom(notebook):
    path, nb = notebook
    counts = [(i, c.execution_count) for i, c in code_cells(nb) if c.source.strip()]
    assert counts, f"{path.relative_to(REPO)} has no code cells"
    never_run = [i for i, n in counts if n is None]
    assert not never_run, (
        f"{path.relative_to(REPO)}: cells {never_run} were never executed; "
        "store the notebook executed (`make notebooks`)"
    )
    got = [n for _, n in counts]
    expected = list(range(1, len(counts) + 1))
    assert got == expected, (
        f"{path.relative_to(REPO)}: execution counts {got} are not 1..{len(counts)} in "
        "order; re-execute it top to bottom in a fresh kernel (`make notebooks`)"
    )
    for i, cell in code_cells(nb):
        if not cell.source.strip():
            assert cell.execution_count is None and not cell.outputs, where(path, i)


def test_has_outputs(notebook):
    path, nb = notebook
    n_outputs = sum(len(c.outputs) for _, c in code_cells(nb))
    assert n_outputs > 0, (
        f"{path.relative_to(REPO)} is stored without outputs: strict nbval would compare "
        "nothing. Run `make notebooks`."
    )


def test_no_unexpected_errors(notebook):
    path, nb = notebook
    for i, cell in code_cells(nb):
        tags = cell.metadata.get("tags", [])
        for out in cell.outputs:
            if out.output_type == "error":
                assert "raises-exception" in tags, (
                    f"{where(path, i)} stores an error ({out.ename}: {out.evalue}) but is "
                    "not tagged `raises-exception`"
                )
        if "raises-exception" in tags:
            assert any(o.output_type == "error" for o in cell.outputs), (
                f"{where(path, i)} is tagged `raises-exception` but stores no error"
            )


def test_outputs_have_no_machine_noise(notebook):
    path, nb = notebook
    for i, cell in code_cells(nb):
        for out in cell.outputs:
            for text in output_texts(out):
                m = ADDRESS.search(text)
                assert not m, (
                    f"{where(path, i)}: output contains a memory address {m.group(0)!r} "
                    "(assign the result, e.g. `_ = plt.plot(...)`, or print something stable)"
                )
                m = ABS_PATH.search(text)
                assert not m, (
                    f"{where(path, i)}: output contains an absolute path {m.group(0)!r} "
                    "(print relative paths; for an expected error raised inside a package, "
                    "catch it and print the message or use `%xmode Minimal`)"
                )
                m = NUMPY_SCALAR_REPR.search(text)
                assert not m, (
                    f"{where(path, i)}: output shows a NumPy scalar repr {m.group(0)!r}...; "
                    "print numbers with an explicit format, e.g. f'{x:.4f}'"
                )


def test_images_are_png(notebook):
    path, nb = notebook
    for i, cell in code_cells(nb):
        for out in cell.outputs:
            for mime in out.get("data", {}):
                if mime.startswith("image/"):
                    assert mime == "image/png", (
                        f"{where(path, i)}: image output is {mime}; figures must be PNG "
                        "(call bpcode.plotting.use_book_style() in the second code cell)"
                    )


def test_every_figure_has_caption_and_alt_text(notebook):
    """Accessibility: each figure a cell draws is captioned and described for screen readers."""
    path, nb = notebook
    bare = []
    for i, cell in code_cells(nb):
        if not any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            continue
        meta = cell.metadata.get("mystnb", {})
        caption = meta.get("figure", {}).get("caption", "").strip()
        alt = meta.get("image", {}).get("alt", "").strip()
        if not caption or not alt:
            bare.append(where(path, i))
    assert not bare, (
        "figures without a caption or alt text (set mystnb.figure.caption and "
        f"mystnb.image.alt in the cell metadata): {bare}"
    )


# ------------------------------------------------------------------ chapter structure
CHAPTERS = sorted(
    {p.name[:2] for p in NOTEBOOKS if p.name[:2].isdigit() and p.name[:2] != "00"}
)
HAN = re.compile(r"[\u4e00-\u9fff]")


def chapter_markdown(number: str) -> tuple[str, str]:
    """(first page's markdown, markdown of all of the chapter's pages)."""
    pages = sorted(p for p in NOTEBOOKS if p.name.startswith(number))
    texts = [
        "\n".join(
            c.source
            for c in nbformat.read(p, as_version=4).cells
            if c.cell_type == "markdown"
        )
        for p in pages
    ]
    return texts[0], "\n".join(texts)


@pytest.mark.parametrize("number", CHAPTERS)
def test_chapter_structure(number):
    """Title with the article's Chinese section title, what you will learn, summary, exercises."""
    first, text = chapter_markdown(number)
    title = re.search(r"^# (.+)$", first, re.MULTILINE)
    assert title, f"chapter {number}: no '# ' title on its first page"
    assert HAN.search(title.group(1)), (
        f"chapter {number}: title lacks the Chinese section title"
    )
    assert re.search(r"what you will learn", first, re.IGNORECASE), (
        f"chapter {number}: no 'What you will learn'"
    )
    assert re.search(r"^## Summary", text, re.MULTILINE), (
        f"chapter {number}: no Summary"
    )
    assert re.search(r"^## Exercises", text, re.MULTILINE), (
        f"chapter {number}: no Exercises"
    )


@pytest.mark.parametrize("number", CHAPTERS)
def test_every_exercise_has_a_solution(number):
    _, text = chapter_markdown(number)
    exercises = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", text)
    solutions = set(re.findall(r"```\{solution(?:-start)?\} (\S+)", text))
    assert len(exercises) >= 3, (
        f"chapter {number}: {len(exercises)} exercises, expected 3-5 or more"
    )
    missing = [e for e in exercises if e not in solutions]
    assert not missing, f"chapter {number}: exercises without a solution: {missing}"
    folded = re.findall(r"```\{solution(?:-start)?\} \S+\n(?::[^\n]*\n)*", text)
    assert all(":class: dropdown" in block for block in folded), (
        f"chapter {number}: every solution must be collapsed (:class: dropdown)"
    )


def test_first_code_cell_installs_bpcode_where_it_is_missing(notebook):
    """The same install cell opens every notebook (see tests/tools/install_cell.py), hidden
    in the HTML book, pinned to the package's version."""
    path, nb = notebook
    first = next(c for _, c in code_cells(nb))
    assert first.source == install_cell_source(), (
        f"{path.relative_to(REPO)}: the first code cell must be the install cell; "
        "run python tests/tools/install_cell.py"
    )
    assert TAG in first.metadata.get("tags", []), (
        f"{path.relative_to(REPO)}: tag it {TAG}"
    )
    assert not first.get("outputs"), (
        f"{path.relative_to(REPO)}: the install cell printed"
    )


def test_second_code_cell_applies_the_book_style(notebook):
    """One look for every figure: colour-blind-safe palette, font sizes, PNG output."""
    path, nb = notebook
    cells = [c for _, c in code_cells(nb) if c.source.strip()]
    assert len(cells) > 1 and "use_book_style()" in cells[1].source, (
        f"{path.relative_to(REPO)}: call bpcode.plotting.use_book_style() in the code cell "
        "after the install cell"
    )


def test_one_version_number_for_the_package_and_the_book():
    import bpcode

    assert bpcode.__version__ == version(), (
        "bpcode.__version__ differs from pyproject.toml"
    )
    assert f"@v{version()}" in install_cell_source()
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    repository = config["repository"]["url"].removeprefix("https://")
    assert f"git+https://{repository}@v{version()}" in install_cell_source()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"git+https://{repository}@v{version()}" in readme, (
        "README: pip install a release"
    )


TIMING = re.compile(r"\btime\.(?:perf_counter|process_time|time|monotonic)\b")


def test_cells_whose_output_is_not_compared_say_why(notebook):
    """`nbval-ignore-output` switches the comparison off, so it is kept for cells that time
    something or that say, in a comment at the top, why their digits differ between
    machines (and then assert the claims the text makes)."""
    path, nb = notebook
    for i, cell in code_cells(nb):
        if "nbval-ignore-output" not in cell.metadata.get("tags", []):
            continue
        if TIMING.search(cell.source):
            continue
        first = cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""
        assert first.startswith("#"), (
            f"{where(path, i)}: tagged nbval-ignore-output without timing anything; start the "
            "cell with a comment saying why its output differs between machines"
        )


EQUATION_LABEL = re.compile(r"\$\$\s*\((eq-[\w-]+)\)")
# Labelled equations that only introduce notation: nothing numeric to check (label: reason).
DEFINITIONS_ONLY: dict[str, str] = {}


def test_every_labelled_equation_is_checked_by_a_code_cell(notebook):
    """The book's rule: a derived formula that is not checked is not finished. Each labelled
    equation must be named (e.g. `# (eq-ch2-mse)`) in a code cell of its notebook that checks
    it numerically, so that a reader, a reviewer and this test can find the check."""
    path, nb = notebook
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    unchecked = [
        label
        for label in EQUATION_LABEL.findall(markdown)
        if not re.search(re.escape(label) + r"(?![\w-])", code)
        and label not in DEFINITIONS_ONLY
    ]
    assert not unchecked, (
        f"{path.relative_to(REPO)}: no code cell names the check of {unchecked}; add the label "
        "as a comment on the assert that checks the equation"
    )
