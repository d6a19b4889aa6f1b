"""Print the single-page HTML build of the book to PDF with headless Chromium.

    python tests/tools/make_pdf.py _build/pdf-src/_build/singlehtml _build/pdf/backprop-book.pdf

The HTML is served on 127.0.0.1 (MathJax does not load from file:// URLs) and printed after
MathJax has typeset every formula, so no TeX installation is needed. Used by ``make pdf``
and ``tests/book/test_pdf.py``. Chinese titles need a CJK font (``fonts-noto-cjk``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # make `tools` importable

from tools.browser import INSTALL_HINT, dump_dom, find_chromium, run_chromium, serve

BUDGET_MS = 60000  # virtual time for MathJax on the whole book in one page
PRINT_PAGE = "_print.html"
# MathJax's SVG output instead of CHTML: an SVG formula scales down to the page width
# (see PRINT_CSS), where a CHTML formula wider than the page would be cut off.
MATHJAX_HTML, MATHJAX_SVG = "_static/mathjax/tex-chtml.js", "_static/mathjax/tex-svg.js"
# Print styles: no web chrome (navigation, search, buttons, scroll bars); each chapter and
# each chapter's exercises start a new page; exercise solutions are printed expanded
# (sphinx-togglebutton opens them on print, the rule below makes sure); cells hidden
# in the HTML (checks, not text) stay out; code wraps, and code blocks, outputs and
# display math may break across pages and are never clipped to a scroll box.
PRINT_CSS = """<style>
@page { margin: 14mm 12mm; }
@media print {
  .skip-link, .bd-header, .bd-header-article, .header-article, .bd-sidebar-primary,
  .bd-sidebar-secondary, .bd-footer, .bd-footer-article, .bd-footer-content,
  .prev-next-area, .prev-next-footer, .search-button, .search-button-field,
  .theme-switch-button, .primary-toggle, .secondary-toggle, .sidebar-toggle,
  #pst-back-to-top, .headerlink, button.toggle-button, button.copybtn,
  details.hide { display: none !important; }
  ::-webkit-scrollbar { display: none; }
  .bd-main .bd-content { margin-left: 0 !important; }
  .bd-main .bd-content .bd-article-container, .bd-page-width {
    max-width: 100% !important; overflow: visible !important; }
  span[id^="document-"] + section, section#exercises { break-before: page; }
  .admonition.toggle-hidden .admonition-title ~ * {
    height: auto !important; opacity: 1 !important; visibility: visible !important; }
  div.highlight, div[class*="highlight-"], div.cell_input, div.cell_output {
    break-inside: auto !important; }
  pre { white-space: pre-wrap !important; overflow-wrap: anywhere;
        overflow: visible !important; orphans: 3; widows: 3; }
  div.cell_output .output, div.math, div.math mjx-container, mjx-container[display="true"],
  .pst-scrollable-table-container { overflow: visible !important; }
  figure, img, tr { break-inside: avoid; }
  mjx-container[jax="SVG"][display="true"] > svg { max-width: 100%; height: auto; }
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
    if (html / MATHJAX_SVG).is_file():
        text = text.replace(MATHJAX_HTML, MATHJAX_SVG)
    target = html / PRINT_PAGE
    target.write_text(text, encoding="utf-8")
    return target


def main(html_dir: str, pdf_path: str) -> int:
    html = Path(html_dir).resolve()
    pdf = Path(pdf_path).resolve()
    if not (html / "index.html").is_file():
        print(
            f"error: {html / 'index.html'} not found; build the single-page HTML first"
        )
        return 1
    exe = find_chromium()
    if exe is None:
        print(f"error: {INSTALL_HINT}")
        return 1
    if (
        shutil.which("fc-list")
        and not subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True
        ).stdout.strip()
    ):
        print(
            "warning: no Chinese font installed, the PDF will show boxes for 中文 "
            "(apt-get install fonts-noto-cjk)"
        )
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.unlink(missing_ok=True)
    page = print_page(html)
    with serve(html) as server:
        url = f"{server.base_url}/{page.name}"
        dom = dump_dom(exe, url, budget_ms=BUDGET_MS)
        # a TeX error is <mjx-merror> in CHTML output, <g data-mml-node="merror"> in SVG
        errors = re.findall(
            r'<mjx-merror[^>]*>|<g [^>]*data-mml-node="merror"[^>]*>', dom
        )
        if dom.count("<mjx-container") < dom.count('class="math'):
            print(
                "error: MathJax did not typeset every formula (is _static/mathjax there?)"
            )
            return 1
        if errors:
            said = re.findall(r'data-mjx-error="([^"]*)"', " ".join(errors))[:5]
            print(
                f"error: {len(errors)} formula(s) failed to typeset; fix them before "
                f"printing. MathJax said: {said}"
            )
            return 1
        proc = run_chromium(
            exe,
            url,
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
            budget_ms=BUDGET_MS,
            timeout=600,
        )
    if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        print(f"error: chromium could not print the PDF:\n{proc.stderr[-2000:]}")
        return 1
    summary = f"{pdf.stat().st_size / 1e6:.1f} MB"
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True
        ).stdout
        pages = [
            line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")
        ]
        summary += f", {pages[0]} pages" if pages else ""
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True
        ).stdout
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
