"""The built book works in a real (headless, offline) browser.

Every page of the table of contents is served from 127.0.0.1 and opened in headless
Chromium, two pages at a time, with every other host unresolvable. After MathJax has run:
the page loaded, every formula typeset (one ``<mjx-container>`` per Sphinx math element)
with no TeX error (``<mjx-merror>``), no display formula is wider than the text column of a
desktop window, no script came from the network, and nothing the browser requested was
missing. Independently of the browser, every local link, image,
script and stylesheet of every built page exists, including ``#anchors``.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tools.browser import INSTALL_HINT, dump_dom, find_chromium, serve
from tools.pages import broken_local_links, is_remote, parse_html
from tools.toc import docname, read_toc_files

pytestmark = pytest.mark.book

# Every page of both editions: English at the root, the Chinese edition in zh/.
PAGES = [docname(p) for p in read_toc_files()]
PAGES += [f"zh/{page}" for page in PAGES]
SKIP_DIRS = {"_static", "_sources", "_images"}
SKIP_PAGES = {"genindex.html", "search.html", "py-modindex.html"}


def _html(built_book):
    if not (built_book.html / "index.html").is_file():
        pytest.fail(f"the book build produced no HTML:\n{built_book.log[-3000:]}")
    return built_book.html


# A desktop browser window. After MathJax has typeset the page, this script marks every
# display formula that is wider than the text column (it would need a horizontal scroll bar).
WINDOW = "1280,900"
MEASURE_DISPLAY_MATH = """<script>
window.addEventListener("load", () => {
  const measure = () => {
    document.querySelectorAll('mjx-container[display="true"]').forEach((c) => {
      const excess = c.scrollWidth - c.clientWidth;
      if (excess > 2) c.setAttribute("data-overflow-px", String(excess));
    });
    document.body.setAttribute("data-math-measured", "yes");
  };
  const ready = window.MathJax && MathJax.startup && MathJax.startup.promise;
  ready ? MathJax.startup.promise.then(() => setTimeout(measure, 200)) : setTimeout(measure, 2000);
});
</script>"""


@pytest.fixture(scope="module")
def browser(built_book):
    """DOM of every TOC page after scripts ran, and the log of what Chromium requested."""
    html = _html(built_book)
    exe = find_chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail(f"{INSTALL_HINT} (browser tests may not be skipped in CI)")
        pytest.skip(INSTALL_HINT)
    with serve(html, inject=MEASURE_DISPLAY_MATH) as server:
        urls = [f"{server.base_url}/{page}.html" for page in PAGES]
        with ThreadPoolExecutor(max_workers=2) as pool:
            doms = dict(
                zip(
                    PAGES,
                    pool.map(
                        lambda url: dump_dom(
                            exe, url, 20000, f"--window-size={WINDOW}"
                        ),
                        urls,
                    ),
                )
            )
    return doms, server


@pytest.mark.parametrize("page", PAGES)
def test_page_loads(browser, page):
    doms, _ = browser
    dom = doms[page]
    assert "</html>" in dom and "<main" in dom, (
        f"{page}.html did not load:\n{dom[:500]}"
    )
    assert "<article" in dom and "bd-article" in dom, f"{page}.html has no article body"


@pytest.mark.parametrize("page", PAGES)
def test_math_typesets(browser, built_book, page):
    doms, _ = browser
    dom = doms[page]
    expected = parse_html(
        (built_book.html / f"{page}.html").read_text(encoding="utf-8")
    ).math_nodes
    typeset = dom.count("<mjx-container")
    errors = dom.count("<mjx-merror")
    assert errors == 0, (
        f"{page}.html: {errors} formula(s) failed to typeset (<mjx-merror>); "
        f"MathJax said: {_merror_texts(dom)}"
    )
    assert typeset >= expected, (
        f"{page}.html: {expected} math elements but only {typeset} typeset by MathJax"
    )


@pytest.mark.parametrize("page", PAGES)
def test_display_math_fits_the_text_column(browser, page):
    """At a desktop window width no display formula needs a horizontal scroll bar (split
    long ones over lines with \\begin{gathered} ... \\\\ ... \\end{gathered})."""
    doms, _ = browser
    dom = doms[page]
    assert 'data-math-measured="yes"' in dom, (
        f"{page}.html: the measuring script did not run"
    )
    too_wide = [int(px) for px in re.findall(r'data-overflow-px="(\d+)"', dom)]
    assert not too_wide, (
        f"{page}.html: {len(too_wide)} display formula(s) wider than the text column at a "
        f"{WINDOW.split(',')[0]} px window, by {too_wide} px; split them over lines"
    )


def _merror_texts(dom: str) -> list[str]:
    return re.findall(r'<mjx-merror[^>]*data-mjx-error="([^"]*)"', dom)[:5]


@pytest.mark.parametrize("page", PAGES)
def test_no_remote_scripts(browser, built_book, page):
    doms, server = browser
    static = parse_html((built_book.html / f"{page}.html").read_text(encoding="utf-8"))
    live = parse_html(doms[page])

    def remote(url: str) -> bool:  # MathJax loads its extensions by absolute local URL
        return is_remote(url) and not url.startswith(server.base_url + "/")

    scripts = sorted({s for s in static.scripts + live.scripts if remote(s)})
    assert not scripts, f"{page}.html loads remote scripts: {scripts}"
    remote_css = sorted(
        {
            v
            for t, a, v in static.links + live.links
            if t == "link"
            and a == "href"
            and remote(v)
            and v.split("?")[0].endswith((".css", ".woff", ".woff2", ".js"))
        }
    )
    assert not remote_css, f"{page}.html loads remote resources: {remote_css}"
    if static.math_nodes:
        assert any("_static/mathjax/" in s for s in static.scripts), (
            f"{page}.html has math but does not load MathJax from _static/"
        )


def test_browser_found_every_resource(browser):
    _, server = browser
    # /favicon.ico: Chromium asks for it by itself; the book declares no favicon
    failed = [r for r in server.failed() if r[0] != "/favicon.ico"]
    assert server.requests, "the browser requested nothing"
    assert not failed, "requests that failed (path, status, referer):\n" + "\n".join(
        map(str, failed[:30])
    )


def built_pages(root):
    for path in sorted(root.rglob("*.html")):
        rel = path.relative_to(root)
        if rel.parts[0] == "zh":  # the Chinese edition has the same layout
            rel = rel.relative_to("zh")
        if rel.parts[0] in SKIP_DIRS or rel.as_posix() in SKIP_PAGES:
            continue
        yield path


def test_local_links_resolve(built_book):
    root = _html(built_book)
    cache: dict = {}
    problems = {}
    pages = list(built_pages(root))
    assert len(pages) >= len(PAGES)
    for page in pages:
        broken = broken_local_links(page, root, cache)
        if broken:
            problems[page.relative_to(root).as_posix()] = broken
    assert not problems, "broken local links:\n" + "\n".join(
        f"{page}: {msg}" for page, msgs in problems.items() for msg in msgs[:10]
    )


def _fake_browser(tmp_path, crashes: int) -> str:
    """A stand-in for Chromium that segfaults on its first ``crashes`` runs, then prints."""
    counter = tmp_path / "runs"
    counter.write_text("0")
    exe = tmp_path / "fake-chromium"
    exe.write_text(
        "#!/bin/sh\n"
        f'n=$(cat "{counter}"); echo $((n + 1)) > "{counter}"\n'
        f'if [ "$n" -lt {crashes} ]; then kill -SEGV $$; fi\n'
        "echo '<html>page</html>'\n"
    )
    exe.chmod(0o755)
    return str(exe)


def test_a_chromium_crash_is_retried(tmp_path):
    exe = _fake_browser(tmp_path, crashes=2)
    assert dump_dom(exe, "http://127.0.0.1:1/x.html").strip() == "<html>page</html>"
    assert (tmp_path / "runs").read_text().strip() == "3"


def test_a_persistent_chromium_crash_fails(tmp_path):
    exe = _fake_browser(tmp_path, crashes=5)
    with pytest.raises(RuntimeError, match=r"exit -11"):
        dump_dom(exe, "http://127.0.0.1:1/x.html")
    assert (tmp_path / "runs").read_text().strip() == "3"
