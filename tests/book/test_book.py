"""The whole book builds cleanly: Jupyter Book with warnings as errors, nitpicky (-n).

The build runs once per session (``built_book`` in conftest.py) and its HTML is reused by
``test_browser.py``. See conftest.py for why the test build renders stored outputs.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tools.toc import REPO, docname, read_toc_files, read_toc_notebooks

pytestmark = pytest.mark.book

PROBLEM = re.compile(
    r"\b(WARNING|ERROR|CRITICAL|SEVERE)\b|Traceback \(most recent call last\)"
)
# Not about the book: ipykernel's notice on every kernel start (only when executing).
NOISE = re.compile(
    r"^\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption"
)


EDITIONS = ["en", "zh_CN"]


@pytest.mark.parametrize("edition", EDITIONS)
def test_build_succeeds(built_books, edition):
    returncode, log = built_books[edition].returncode, built_books[edition].log
    assert returncode == 0, (
        f"jupyter-book build ({edition}) failed (exit {returncode}):\n{log[-6000:]}"
    )


@pytest.mark.parametrize("edition", EDITIONS)
def test_build_has_no_warnings(built_books, edition):
    problems = [
        line
        for line in built_books[edition].log.splitlines()
        if PROBLEM.search(line) and not NOISE.search(line)
    ]
    assert not problems, f"the {edition} build reported:\n" + "\n".join(problems[:50])


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("path", read_toc_files(), ids=docname)
def test_every_toc_page_is_built(built_books, edition, path):
    page = built_books[edition].html / f"{docname(path)}.html"
    assert page.is_file(), f"{page.name} missing from the {edition} book"


EDITION_LINK = re.compile(
    r'<p class="edition-link"><a href="([^"]+)" hreflang="([^"]+)"'
)
HTML_LANG = re.compile(r'<html[^>]*\blang="([^"]+)"')


@pytest.mark.parametrize("path", read_toc_files(), ids=docname)
def test_every_page_links_to_its_twin_in_the_other_edition(built_book, path):
    """English book/x.html links to zh/book/x.html, which is Chinese and links back."""
    english = built_book.html / f"{docname(path)}.html"
    link = EDITION_LINK.search(english.read_text(encoding="utf-8"))
    assert link and link.group(2) == "zh-CN", f"{english.name}: no link to the 中文版"
    chinese = (english.parent / link.group(1)).resolve()
    assert chinese == (built_book.html / "zh" / f"{docname(path)}.html").resolve()
    text = chinese.read_text(encoding="utf-8")
    assert HTML_LANG.search(text).group(1) == "zh-CN", f"{chinese} is not Chinese"
    back = EDITION_LINK.search(text)
    assert back and (chinese.parent / back.group(1)).resolve() == english.resolve()


def test_mathjax_is_served_locally(built_book):
    mathjax = built_book.html / "_static" / "mathjax" / "tex-chtml.js"
    assert mathjax.is_file(), (
        "MathJax was not copied into _static/ (sphinx-mathjax-offline)"
    )
    assert 'VERSION="3.' in mathjax.read_text(encoding="utf-8", errors="replace"), (
        "the bundled MathJax is not version 3, which mathjax3_config in _config.yml needs"
    )


def test_download_button_offers_the_notebook(built_book):
    notebooks = [p for p in read_toc_files() if p.suffix == ".ipynb"]
    for nb in notebooks:
        html = (built_book.html / f"{docname(nb)}.html").read_text(encoding="utf-8")
        assert f"_sources/{docname(nb)}.ipynb" in html, (
            f"{nb.name}: no .ipynb download link"
        )


def test_every_notebook_page_has_binder_and_colab_links(built_book):
    """The launch buttons point at this notebook, in this repository, on this branch."""
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    org, repo = config["repository"]["url"].rstrip("/").split("/")[-2:]
    branch = config["repository"].get("branch", "master")
    buttons = config["launch_buttons"]
    ui = {"jupyterlab": "lab/tree", "classic": "tree"}[buttons["notebook_interface"]]
    for notebook in read_toc_notebooks():
        path = notebook.relative_to(REPO).as_posix()
        html = (built_book.html / (docname(notebook) + ".html")).read_text(
            encoding="utf-8"
        )
        binder = f"{buttons['binderhub_url']}/v2/gh/{org}/{repo}/{branch}?urlpath={ui}/{path}"
        colab = f"{buttons['colab_url']}/github/{org}/{repo}/blob/{branch}/{path}"
        for name, url in (("Binder", binder), ("Colab", colab)):
            assert f'href="{url}"' in html, f"{path}: no {name} link to {url}"


def test_chinese_edition_search_segments_chinese_words(built_books):
    """Sphinx's Chinese search splits text into words with jieba: the index must hold
    Chinese words of two or more characters (whitespace splitting would give sentences)."""
    text = (built_books["zh_CN"].html / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    words = [w for w in index["terms"] if re.fullmatch(r"[\u4e00-\u9fff]{2,8}", w)]
    assert {"梯度", "损失", "反向"} <= set(words), (
        "Chinese search index lacks 梯度/损失"
    )
    assert len(words) > 1000, f"only {len(words)} Chinese words in the search index"
