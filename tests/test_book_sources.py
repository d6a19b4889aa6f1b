"""Cheap checks of the book's sources (no build needed)."""

from __future__ import annotations

import pkgutil
import re

import bpcode

from tools.toc import REPO, read_toc_files


def test_every_book_page_is_in_the_toc():
    """`only_build_toc_files` silently skips pages missing from _toc.yml: never tested,
    never published."""
    listed = set(read_toc_files())
    pages = {p for ext in ("*.md", "*.ipynb") for p in (REPO / "book").rglob(ext)
             if not any(part.startswith((".", "_")) for part in p.relative_to(REPO).parts)}
    missing = sorted(p.relative_to(REPO).as_posix() for p in pages - listed)
    assert not missing, f"pages not listed in _toc.yml: {missing}"


def test_api_page_documents_every_public_module():
    api = (REPO / "book" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\.\. automodule:: (bpcode\.\w+)", api, re.MULTILINE))
    modules = {f"bpcode.{m.name}" for m in pkgutil.iter_modules(bpcode.__path__)
               if not m.name.startswith("_")}
    assert sorted(modules - documented) == [], "add these modules to book/api.md"
    assert sorted(documented - modules) == [], "book/api.md documents missing modules"
