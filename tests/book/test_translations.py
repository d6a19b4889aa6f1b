"""The Chinese edition (中文版) is complete and faithful to the English source.

Every page's messages (paragraphs, headings, list items, table cells, captions, exercise
texts, glossary definitions) live in ``locale/zh_CN/LC_MESSAGES/book/<page>.po``. The tests
extract the messages of the current English pages again (Sphinx's gettext builder, as
``make translations`` does) and require:

- the catalogues hold exactly the current messages: English text changed without
  ``make translations`` fails here;
- every message is translated and none is fuzzy (a fuzzy message is one whose English
  changed since it was translated);
- a translation keeps the source's inline maths, inline code, reference and citation
  targets and URLs (tests/tools/i18n.py), copies display formulas and glossary terms
  unchanged, and is Chinese wherever the source is prose.

The Chinese build itself (zero warnings, every page, the browser and PDF checks) runs with
the English one in test_book.py, test_browser.py and test_pdf.py.
"""

from __future__ import annotations

import re

import pytest

from tools import toc
from tools.i18n import (
    CATALOGUES,
    MATH,
    catalogue_paths,
    docname,
    extract,
    kept_tokens,
    read_catalogue,
)
from tools.toc import REPO

pytestmark = pytest.mark.book

PATHS = catalogue_paths()
CJK = re.compile(r"[\u3400-\u9fff]")
ENGLISH_WORD = re.compile(r"\b[A-Za-z]{2,}\b")


def _messages(path):
    return [m for m in read_catalogue(path) if m.id]


def _glossary_terms() -> set[str]:
    """The term lines of the glossary directive (English and Chinese names): link targets."""
    text = (REPO / "book" / "glossary.md").read_text(encoding="utf-8")
    body = text.split("```{glossary}", 1)[1].split("\n```", 1)[0]
    terms = {
        line.strip()
        for line in body.splitlines()
        if line.strip() and not line.startswith((" ", ":"))
    }
    table = set(re.findall(r"^\| (.+?) \| (\{term\}`.+?`) \|$", text, re.MULTILINE))
    return terms | {cell for row in table for cell in row}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, set[str]]:
    """The messages of the current English pages, by page, as ``make translations``
    extracts them."""
    pots = extract(tmp_path_factory.mktemp("gettext"))
    return {
        toc.docname(pot, repo=pots): {m.id for m in read_catalogue(pot) if m.id}
        for pot in sorted(pots.rglob("*.pot"))
    }


def test_every_page_has_a_catalogue(extracted):
    have = {docname(p) for p in PATHS}
    assert sorted(set(extracted) - have) == [], "run `make translations`"
    assert sorted(have - set(extracted)) == [], "catalogues of pages that do not exist"


@pytest.mark.parametrize("path", PATHS, ids=docname)
def test_catalogue_holds_the_current_messages(extracted, path):
    have = {m.id for m in _messages(path)}
    want = extracted[docname(path)]
    new, gone = sorted(want - have), sorted(have - want)
    assert not new and not gone, (
        f"{path.relative_to(REPO)} is out of date: run `make translations`, then translate "
        f"{len(new)} new or changed messages (first: {new[:2]}); {len(gone)} are obsolete"
    )


@pytest.mark.parametrize("path", PATHS, ids=docname)
def test_every_message_is_translated(path):
    messages = _messages(path)
    untranslated = [m.id[:60] for m in messages if not m.string]
    fuzzy = [m.id[:60] for m in messages if m.string and "fuzzy" in m.flags]
    assert not untranslated and not fuzzy, (
        f"{path.relative_to(REPO)}: {len(untranslated)} untranslated, {len(fuzzy)} fuzzy "
        f"of {len(messages)}: {(untranslated + fuzzy)[:3]}"
    )


@pytest.mark.parametrize("path", PATHS, ids=docname)
def test_translations_keep_maths_code_references_and_urls(path):
    changed = []
    for m in _messages(path):
        if m.string and kept_tokens(m.id) != kept_tokens(m.string):
            lost = kept_tokens(m.id) - kept_tokens(m.string)
            added = kept_tokens(m.string) - kept_tokens(m.id)
            changed.append(f"{m.id[:50]!r}: lost {sorted(lost)}, added {sorted(added)}")
    assert not changed, f"{path.relative_to(REPO)}:\n" + "\n".join(changed[:10])


@pytest.mark.parametrize("path", PATHS, ids=docname)
def test_formulas_and_terms_are_copied_and_prose_is_chinese(path):
    terms = _glossary_terms() if docname(path) == "book/glossary" else set()
    problems = []
    for m in _messages(path):
        if not m.string:
            continue
        verbatim = m.id.startswith("\n") or m.id in terms
        if verbatim and m.string != m.id:
            problems.append(f"must be copied unchanged: {m.id[:60]!r}")
        words = re.sub(
            r"(\{[\w:]+\})?`[^`]*`", " ", MATH.sub(" ", m.id)
        )  # no code, roles
        prose = ENGLISH_WORD.findall(words)
        if not verbatim and len(prose) >= 3 and not CJK.search(m.string):
            problems.append(f"not translated into Chinese: {m.string[:60]!r}")
    assert not problems, f"{path.relative_to(REPO)}:\n" + "\n".join(problems[:10])


def test_catalogues_are_where_the_build_reads_them():
    assert CATALOGUES.is_dir() and PATHS, "no catalogues under locale/zh_CN/LC_MESSAGES"
