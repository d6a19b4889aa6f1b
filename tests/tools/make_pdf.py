"""Print the single-page HTML build of the book to PDF with headless Chromium.

    python tests/tools/make_pdf.py _build/pdf-src/_build/singlehtml _build/pdf/backprop-book.pdf

The HTML is served on 127.0.0.1 (MathJax does not load from file:// URLs) and printed after
MathJax has typeset every formula, so no TeX installation is needed. Used by ``make pdf``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # make `tools` importable

from tools.browser import INSTALL_HINT, dump_dom, find_chromium, run_chromium, serve  # noqa: E402

BUDGET_MS = 60000  # virtual time for MathJax on the whole book in one page
PRINT_PAGE = "_print.html"
# Hide the web chrome (navigation bars, search, buttons) on paper.
PRINT_CSS = """<style>@media print {
  .skip-link, .bd-header, .bd-header-article, .header-article, .bd-sidebar-primary,
  .bd-sidebar-secondary, .bd-footer, .bd-footer-article, .bd-footer-content,
  .prev-next-area, .search-button, .search-button-field, .theme-switch-button,
  .primary-toggle, .secondary-toggle, .sidebar-toggle, #pst-back-to-top,
  .headerlink { display: none !important; }
  .bd-main .bd-content .bd-article-container { max-width: 100% !important; }
  .bd-page-width { max-width: 100% !important; }
  pre { white-space: pre-wrap !important; overflow: visible !important; }
}</style>"""


def print_page(html: Path) -> Path:
    """The single page, placed at the root of the build.

    With the book's root document in ``book/``, Jupyter Book's singlehtml build writes
    ``book/intro.html`` (and an ``index.html`` that redirects to it) but gives it links
    relative to the build root, so it is copied there before printing.
    """
    index = (html / "index.html").read_text(encoding="utf-8")
    match = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', index)
    page = html / match.group(1) if match else html / "index.html"
    text = page.read_text(encoding="utf-8").replace("</head>", PRINT_CSS + "</head>", 1)
    target = html / PRINT_PAGE
    target.write_text(text, encoding="utf-8")
    return target


def main(html_dir: str, pdf_path: str) -> int:
    html = Path(html_dir).resolve()
    pdf = Path(pdf_path).resolve()
    if not (html / "index.html").is_file():
        print(f"error: {html / 'index.html'} not found; build the single-page HTML first")
        return 1
    exe = find_chromium()
    if exe is None:
        print(f"error: {INSTALL_HINT}")
        return 1
    if shutil.which("fc-list") and not subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip():
        print("warning: no Chinese font installed, the PDF will show boxes for 中文 "
              "(apt-get install fonts-noto-cjk)")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.unlink(missing_ok=True)
    page = print_page(html)
    with serve(html) as server:
        url = f"{server.base_url}/{page.name}"
        dom = dump_dom(exe, url, budget_ms=BUDGET_MS)
        errors = dom.count("<mjx-merror")
        if dom.count("<mjx-container") < dom.count('class="math'):
            print("error: MathJax did not typeset every formula (is _static/mathjax there?)")
            return 1
        if errors:
            print(f"error: {errors} formula(s) failed to typeset; fix them before printing")
            return 1
        proc = run_chromium(exe, url, f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                            budget_ms=BUDGET_MS, timeout=600)
    if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        print(f"error: chromium could not print the PDF:\n{proc.stderr[-2000:]}")
        return 1
    summary = f"{pdf.stat().st_size / 1e6:.1f} MB"
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = [line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")]
        summary += f", {pages[0]} pages" if pages else ""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                              text=True).stdout
        if "Backpropagation" not in text:
            print("error: the PDF has no extractable text with the book's title")
            return 1
    print(f"PDF written: {pdf} ({summary})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
