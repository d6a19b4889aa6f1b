"""Cheap checks of the book's sources (no build needed)."""

from __future__ import annotations

import inspect
import json
import math
import pkgutil
import re

import bpcode

from tools.toc import REPO, read_toc_files


def test_every_book_page_is_in_the_toc():
    """`only_build_toc_files` silently skips pages missing from _toc.yml: never tested,
    never published."""
    listed = set(read_toc_files())
    pages = {
        p
        for ext in ("*.md", "*.ipynb")
        for p in (REPO / "book").rglob(ext)
        if not any(part.startswith((".", "_")) for part in p.relative_to(REPO).parts)
    }
    missing = sorted(p.relative_to(REPO).as_posix() for p in pages - listed)
    assert not missing, f"pages not listed in _toc.yml: {missing}"


def test_api_page_documents_every_public_module():
    api = (REPO / "book" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\.\. automodule:: (bpcode\.\w+)", api, re.MULTILINE))
    modules = {
        f"bpcode.{m.name}"
        for m in pkgutil.iter_modules(bpcode.__path__)
        if not m.name.startswith("_")
    }
    assert sorted(modules - documented) == [], "add these modules to book/api.md"
    assert sorted(documented - modules) == [], "book/api.md documents missing modules"


def _page_text(path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(cell["source"]) for cell in cells)
    return path.read_text(encoding="utf-8")


def test_the_book_states_bpcodes_finite_difference_step_correctly():
    """Prose such as "ε = 10^{-5} by default" or "bpcode's default h = 1e-5" must name
    the step that numerical_gradient and gradient_check really use."""
    defaults = {
        inspect.signature(f).parameters["eps"].default
        for f in (bpcode.numerical_gradient, bpcode.gradient_check)
    }
    assert len(defaults) == 1, f"the two functions disagree: {defaults}"
    exponent = str(round(-math.log10(defaults.pop())))
    power = r"(?:10\^\{-(\d+)\}|1e-(\d+))"
    patterns = [
        re.compile(
            r"default(?: step)?(?: of)?(?: \$?\\varepsilon| h)?(?: =)? \$?" + power
        ),
        re.compile(power + r"\$? by default"),
    ]
    wrong, found = [], 0
    for path in [*read_toc_files(), REPO / "README.md"]:
        text = _page_text(path)
        for pattern in patterns:
            for match in pattern.finditer(text):
                found += 1
                if (match.group(1) or match.group(2)) != exponent:
                    wrong.append(f"{path.relative_to(REPO)}: {match.group(0)!r}")
    assert found >= 3, "the pattern no longer finds the statements it was written for"
    assert not wrong, f"the default step is 1e-{exponent}, but the book says: {wrong}"


def _docstrings():
    """(name, docstring) of every module, class, function and method of bpcode."""
    for info in pkgutil.walk_packages(bpcode.__path__, "bpcode."):
        module = __import__(info.name, fromlist=["_"])
        for name, obj in [(info.name, module)] + inspect.getmembers(module):
            members = [obj] + (
                [m for _, m in inspect.getmembers(obj)] if inspect.isclass(obj) else []
            )
            for member in members:
                doc = getattr(member, "__doc__", None) or ""
                if isinstance(doc, str):
                    yield f"{info.name}.{name}", doc


def test_docstrings_hold_no_control_characters():
    """A ``\\a`` or ``\\b`` in a non-raw docstring (``\\approx``, ``\\beta``) becomes a control
    character, and the formula on the API page fails to typeset."""
    bad = [
        name for name, doc in _docstrings() if re.search(r"[\x00-\x08\x0b-\x1f]", doc)
    ]
    assert not bad, f'docstrings with control characters (use r"""): {sorted(set(bad))}'


def test_docstrings_hold_no_rest_substitutions():
    """``|z|`` in a docstring is a reST substitution reference: the API page build fails
    ("Undefined substitution referenced") and leaves a broken link. Write abs(z), or put
    the formula in a :math: role."""
    bad = []
    for name, doc in _docstrings():
        text = re.sub(r":math:`[^`]*`", "", doc)  # formulas may use |x|
        text = re.sub(r"\.\. math::.*?(\n\s*\n|\Z)", "", text, flags=re.S)
        if re.search(r"(?<![|\w])\|[^\s|`][^|`\n]*\|(?![|\w])", text):
            bad.append(name)
    assert not bad, f"docstrings with |...| outside :math: roles: {sorted(set(bad))}"


def test_pyproject_and_requirements_promise_the_same_floors():
    """The oldest versions the README promises, stated once in each file, the same."""
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    requirements = (REPO / "requirements.txt").read_text(encoding="utf-8")
    for package in ("numpy", "matplotlib"):
        in_pyproject = re.search(rf'"{package}>=([\d.]+)"', pyproject).group(1)
        in_requirements = re.search(
            rf"^{package}>=([\d.]+)$", requirements, re.M
        ).group(1)
        assert in_pyproject == in_requirements, (package, in_pyproject, in_requirements)
        assert in_pyproject in (REPO / "README.md").read_text(encoding="utf-8")


def _markdown_text(path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join(
            "".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"
        )
    return path.read_text(encoding="utf-8")


def _macros() -> dict[str, str | list]:
    import yaml

    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    return config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]


def test_pages_write_symbols_with_the_notation_macros():
    """book/notation.md: the macros are the only way to write its symbols. A page that types
    a macro's expansion (`\\mathbf{W}`, `\\mathcal{L}`, `^{\\top}`, a first-order
    `\\frac{\\partial a}{\\partial b}`) would drift from the notation when a macro changes."""
    spelled = {
        name: re.escape(expansion)
        for name, expansion in _macros().items()
        if isinstance(expansion, str)
    }
    spelled["pd"] = r"\\frac\{\\partial(?![\^ ]*\^)"
    offending = []
    for path in read_toc_files():
        if path.name == "notation.md":
            continue
        text = _markdown_text(path)
        for name, pattern in spelled.items():
            for hit in re.finditer(
                pattern + (r"(?![A-Za-z])" if name != "T" else ""), text
            ):
                line = text.count("\n", 0, hit.start()) + 1
                offending.append(f"{path.relative_to(REPO)} line {line}: \\{name}")
    assert not offending, "write these with the macro:\n" + "\n".join(offending)


def test_teaching_plan_sessions_fit_90_minutes():
    """book/teaching.md states each session's reading time, estimated from its pages
    (tests/tools/reading.py), and its lab time; the two fit one 90-minute session, and the
    stated reading time follows the pages when they grow or shrink."""
    from tools.reading import reading_minutes

    plan = (REPO / "book" / "teaching.md").read_text(encoding="utf-8")
    header = re.search(r"^\| # \| Pages \|(.*)$", plan, re.MULTILINE)
    assert header, "teaching.md: no session table"
    columns = [c.strip() for c in header.group(0).strip("|").split("|")]
    reading_col, lab_col = columns.index("Reading (min)"), columns.index("Lab (min)")
    rows = re.findall(r"^\| \d+ \|.*$", plan, re.MULTILINE)
    assert len(rows) >= 10
    taught = set()
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        pages = re.findall(r"\{doc\}`([\w-]+)`", cells[1])
        assert pages, f"teaching.md: session {cells[0]} names no page"
        taught.update(pages)
        estimate = sum(reading_minutes(REPO / "book" / f"{p}.ipynb") for p in pages)
        stated, lab = int(cells[reading_col]), int(cells[lab_col])
        assert abs(stated - estimate) <= 3, (
            f"teaching.md session {cells[0]}: reading {stated} min stated, "
            f"{estimate:.0f} min estimated from {pages}"
        )
        assert stated + lab <= 90, f"teaching.md session {cells[0]}: {stated + lab} min"
    chapters = {p.stem for p in read_toc_files() if p.suffix == ".ipynb"} - {
        "00_quickstart"
    }
    assert sorted(chapters - taught) == [], "pages no session teaches"


def test_no_prose_line_starts_with_a_plus():
    """A wrapped line that starts with "+ " turns the rest of its paragraph into a list
    item (the book writes lists with "-"); inside display maths it is harmless."""
    offending = []
    for path in read_toc_files():
        in_math = in_fence = False
        for number, line in enumerate(_markdown_text(path).splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("```"):
                in_fence = not in_fence
            if stripped.count("$$") == 1:  # opens or closes display maths
                in_math = not in_math
            if not in_math and not in_fence and re.match(r"\s*\+ ", line):
                offending.append(
                    f"{path.relative_to(REPO)} line {number}: {stripped[:50]}"
                )
    assert not offending, "\n".join(offending)
