"""The PDF handout (``make pdf``): the whole book in one PDF, printed by headless Chromium.

Both editions are printed, English and Chinese (``make pdf-zh``). The single-page HTML
build (Sphinx ``singlehtml``, built like the HTML book of the test session, with execution
off; see ``build_book`` in conftest.py) is printed by
``tests/tools/make_pdf.py`` into a temporary directory. The PDF must exist, have a
sensible number of pages, and its text (``pdftotext -raw``) must contain the book's title
and the title of every page of the table of contents, including the Chinese part of the
chapter titles, and no MathJax error. Needs Chromium, poppler-utils and a CJK font:
skipped locally without them, never in CI.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.bookconfig import book_title
from tools.browser import INSTALL_HINT, find_chromium
from tools.i18n import CATALOGUES, UNTRANSLATED_PAGES, read_catalogue
from tools.make_pdf import main as make_pdf
from tools.toc import REPO, docname, read_toc_files

pytestmark = pytest.mark.book

TOC_FILES = read_toc_files()
# chapters are long (derivations, code, figures); a page is never empty
MIN_PAGES_PER_TOC_PAGE, MAX_PAGES_PER_TOC_PAGE = 2, 40
# MathJax's messages for TeX it cannot typeset (printed in place of the formula)
MATHJAX_ERRORS = (
    "Undefined control sequence",
    "Math input error",
    "Missing argument for",
    "Missing close brace",
    "Extra close brace",
    "Misplaced &",
    "Extra open brace",
    "Unknown environment",
)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def _require(ok: bool, reason: str) -> None:
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (the PDF test may not be skipped in CI)")
        pytest.skip(reason)


def page_title(path: Path) -> str:
    """The first ``# `` heading of a page (.md) or of a notebook's Markdown cells."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        lines = [
            line
            for cell in cells
            if cell["cell_type"] == "markdown"
            for line in "".join(cell["source"]).splitlines()
        ]
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        if line.startswith("# "):
            return line[2:].strip()
    raise AssertionError(f"{path.relative_to(REPO)} has no '# ' title")


def comparable(text: str) -> str:
    """Text as pdftotext gives it back, for comparison: NFKC (ligatures, full-width
    punctuation), straight quotes (Sphinx prints ’ for '), and no whitespace at all
    (pdftotext breaks and spaces lines of a title as the layout has them)."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(
        str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    )
    return re.sub(r"\s+", "", text)


def printed_fragments(title: str) -> list[str]:
    """The parts of a Markdown title that print as text: no markup, no ``$math$`` (MathJax
    draws formulas as SVG paths, which have no text in the PDF)."""
    title = re.sub(r"\{[\w:-]+\}`([^`]*)`", r"\1", title)  # {role}`text`
    title = re.sub(r"[`*]", "", title)  # code, emphasis
    return [
        comparable(part) for part in re.split(r"\$[^$]*\$", title) if comparable(part)
    ]


@dataclass
class PrintedBook:
    language: str
    pdf: Path
    returncode: int  # of make_pdf.main
    output: str  # what make_pdf printed
    text: str = ""  # pdftotext output
    pages: int = 0  # pdfinfo "Pages:"

    def __repr__(self) -> str:  # keep pytest's assertion messages short
        return f"PrintedBook(pdf={str(self.pdf)!r}, pages={self.pages})"


def translated_title(path: Path, language: str) -> str:
    """A page's title in an edition: the source title, or its translation in the page's
    message catalogue (locale/)."""
    title = page_title(path)
    if language == "en" or docname(path) in UNTRANSLATED_PAGES:
        return title
    catalogue = read_catalogue(CATALOGUES / f"{docname(path)}.po")
    translated = next(m.string for m in catalogue if m.id == title)
    # Markdown escapes: the title "1\. 背景" prints as "1. 背景"
    return re.sub(r"\\(.)", r"\1", translated)


@pytest.fixture(scope="module", params=["en", "zh_CN"])
def printed(book_builder, tmp_path_factory, request) -> PrintedBook:
    language = request.param
    _require(find_chromium() is not None, INSTALL_HINT)
    _require(
        bool(shutil.which("pdftotext") and shutil.which("pdfinfo")),
        "pdftotext/pdfinfo not found: apt-get install -y poppler-utils",
    )
    book = book_builder(
        tmp_path_factory.mktemp("pdf"),
        builder="singlehtml",
        language=None if language == "en" else language,
    )
    if book.returncode != 0:
        pytest.fail(
            f"the single-page HTML build failed (exit {book.returncode}):\n"
            f"{book.log[-4000:]}"
        )
    pdf = book.html.parents[1] / "backprop-book.pdf"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        returncode = make_pdf(str(book.html), str(pdf))
    printed = PrintedBook(language, pdf, returncode, out.getvalue())
    if not pdf.is_file():
        pytest.fail(f"make_pdf.py wrote no PDF (exit {returncode}):\n{printed.output}")
    # -raw: the order in which Chromium drew the text. pdftotext's default reading-order
    # analysis moves the Chinese part of a title (another font) away from the rest.
    printed.text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    printed.pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    return printed


def test_pdf_is_printed(printed):
    assert printed.returncode == 0, f"make_pdf.py failed:\n{printed.output}"
    assert printed.pdf.read_bytes()[:5] == b"%PDF-", f"{printed.pdf.name} is not a PDF"


def test_page_count_is_sensible(printed):
    n = len(TOC_FILES)
    low, high = MIN_PAGES_PER_TOC_PAGE * n, MAX_PAGES_PER_TOC_PAGE * n
    assert low < printed.pages < high, (
        f"{printed.pages} pages for {n} pages of the table of contents: expected more than "
        f"{low} (is the book's content missing?) and fewer than {high} (is the print "
        f"layout broken, e.g. one line per page?)"
    )


def test_pdf_has_the_book_title(printed):
    title = book_title(printed.language)
    assert comparable(title) in comparable(printed.text), f"{title!r} not in the PDF"


@pytest.mark.parametrize("path", TOC_FILES, ids=docname)
def test_pdf_has_every_page_title(printed, path):
    title = translated_title(path, printed.language)
    text = comparable(printed.text)
    missing = [part for part in printed_fragments(title) if part not in text]
    assert not missing, (
        f"title {title!r} of {docname(path)} not in the PDF text: {missing}"
    )


def test_chinese_titles_have_a_font():
    """pdftotext finds Chinese text even where it printed as empty boxes: check the font."""
    if not any(CJK.search(page_title(p)) for p in TOC_FILES):
        pytest.skip("no Chinese in the titles")
    fonts = (
        subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
        if shutil.which("fc-list")
        else ""
    )
    _require(
        bool(fonts.strip()),
        "no Chinese font: the PDF shows boxes for 中文 "
        "(apt-get install fonts-noto-cjk)",
    )


def test_pdf_has_no_mathjax_error(printed):
    found = [message for message in MATHJAX_ERRORS if message in printed.text]
    assert not found, f"MathJax errors printed in the PDF: {found}"
