"""Shared fixtures and collection hooks for the book's tests.

* ``repo_root``, ``toc_files`` and ``toc_notebooks``: the book as listed in ``_toc.yml``.
* ``built_books``: ONE build of each edition per test session (session scope), the Chinese
  one in the English one's ``zh/`` folder, shared by ``test_book.py`` (builds are clean)
  and ``test_browser.py`` (built HTML works in Chromium); ``built_book`` is the English one.
  ``book_builder`` (``build_book``) builds the same way with another Sphinx builder:
  ``test_pdf.py`` prints the single-page build to PDF.
* ``tests/book/test_notebooks_nbval.py`` is collected as strict nbval tests of every notebook in
  the table of contents (see ``TocNotebooks`` below), so a single ``pytest`` run covers
  everything and pytest-xdist can run notebooks in parallel.

``make test`` runs pytest-xdist with ``--dist loadfile``: a notebook's cells share one
kernel, so each notebook is one unit of work, and ``pytest_xdist_make_scheduler`` below
makes test_book.py + test_browser.py one unit too, so each edition is built only once.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.bookconfig import venv_script, write_config
from tools.toc import REPO, read_toc_files, read_toc_notebooks

TESTS = REPO / "tests"
SANITIZE_CFG = TESTS / "nbval_sanitize.cfg"
# test files that share the session's book build: scheduled together by xdist
BOOK_TEST_FILES = ("tests/book/test_book.py", "tests/book/test_browser.py")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def toc_files() -> list[Path]:
    return read_toc_files()


@pytest.fixture(scope="session")
def toc_notebooks() -> list[Path]:
    return read_toc_notebooks()


# ------------------------------------------------------------------------- nbval
def pytest_configure(config):
    # Strict nbval options, set here so that any pytest invocation (from any working
    # directory, with or without xdist) uses the same ones.
    if hasattr(config.option, "nbval_sanitize_with"):
        if config.option.nbval_sanitize_with is None:
            config.option.nbval_sanitize_with = str(SANITIZE_CFG)
        if not config.option.nbval_kernel_name:
            # the kernel of the Python running pytest, i.e. the project's venv
            config.option.nbval_current_env = True


def pytest_pycollect_makemodule(module_path, parent):
    if module_path == TESTS / "book" / "test_notebooks_nbval.py":
        return TocNotebooks.from_parent(parent, path=module_path)
    return None


class TocNotebooks(pytest.File):
    """Collects every notebook in ``_toc.yml`` as an nbval (strict) test file."""

    def collect(self):
        from nbval.plugin import IPyNbFile

        if self.config.option.nbval_lax:
            raise pytest.UsageError(
                "the book's notebooks are tested with strict nbval only"
            )
        for nb in read_toc_notebooks():
            nbfile = IPyNbFile.from_parent(self, path=nb)
            nbfile.add_marker(pytest.mark.notebooks)
            yield nbfile


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, with the book build and browser test files as ONE unit.

    (``--dist loadgroup`` with ``xdist_group`` marks would express this, but xdist 3.8 sets
    the group on ``item._nodeid``, which pytest 9 no longer reads.)
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class BookAwareLoadFileScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return "book build and browser" if scope in BOOK_TEST_FILES else scope

    return BookAwareLoadFileScheduling(config, log)


# ------------------------------------------------------------------- book build
@dataclass
class BuiltBook:
    returncode: int
    log: str  # stdout + stderr of the build
    html: Path  # <tmp>/_build/<builder>: the built HTML
    execute_mode: str

    def __repr__(self) -> str:  # keep pytest tracebacks short: the log is in build.log
        return f"BuiltBook(returncode={self.returncode}, html={str(self.html)!r})"


def build_book(
    out: Path, builder: str = "html", language: str | None = None
) -> BuiltBook:
    """Build the whole book into ``out`` with warnings as errors, nitpicky (``-n``).

    Execution mode: ``off`` by default (the stored outputs are rendered), because strict
    nbval in the same test run re-executes every notebook and fails unless execution
    reproduces the stored outputs exactly; executing them again here would double the
    cost of ``make test``. ``BOOK_EXECUTE=force`` makes this build execute too (as
    ``make book`` always does). The mode is set in a copy of ``_config.yml`` written to
    ``out`` (tests/tools/bookconfig.py); ``language="zh_CN"`` builds the Chinese edition,
    which never executes (as ``make book-zh``): its code and outputs are the English ones.
    """
    mode = os.environ.get("BOOK_EXECUTE", "off") if language is None else "off"
    config_file = write_config(out, execute=mode, language=language)
    cmd = [
        venv_script("jupyter-book"),
        "build",
        str(REPO),
        "--builder",
        builder,
        "--path-output",
        str(out),
        "--config",
        str(config_file),
        "-W",
        "-n",
        "--keep-going",
        "--all",
    ]
    proc = subprocess.run(
        cmd,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    log = ANSI.sub("", proc.stdout + "\n" + proc.stderr)
    (out / "build.log").write_text(log, encoding="utf-8")
    return BuiltBook(proc.returncode, log, out / "_build" / builder, mode)


@pytest.fixture(scope="session")
def built_books(tmp_path_factory) -> dict[str, BuiltBook]:
    """Both editions, built once per session (see ``build_book``) and laid out as they are
    published: the Chinese edition in the ``zh/`` folder of the English one."""
    english = build_book(tmp_path_factory.mktemp("book"))
    chinese = build_book(tmp_path_factory.mktemp("book-zh"), language="zh_CN")
    if english.html.is_dir() and chinese.html.is_dir():
        shutil.copytree(chinese.html, english.html / "zh")
    return {
        "en": english,
        "zh_CN": BuiltBook(
            chinese.returncode, chinese.log, english.html / "zh", chinese.execute_mode
        ),
    }


@pytest.fixture(scope="session")
def built_book(built_books) -> BuiltBook:
    """The English HTML book, with the Chinese edition in its ``zh/`` folder."""
    return built_books["en"]


@pytest.fixture(scope="session")
def book_builder():
    """``build_book`` itself, for a build with another builder (``test_pdf.py``)."""
    return build_book
