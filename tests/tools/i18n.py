"""The Chinese edition's message catalogues, ``locale/zh_CN/LC_MESSAGES/book/*.po``.

Sphinx's gettext builder extracts every paragraph, heading, table cell, caption and glossary
entry of the book as a message; a translator fills in its ``msgstr``. What a translation must
keep unchanged is what the reader's browser or the build resolves, not words: inline maths,
inline code, the targets of cross-references and citations, and link URLs.
``kept_tokens`` lists them, and a translation is faithful when its list equals the source's.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tools.toc import REPO

LOCALE = REPO / "locale"
LANGUAGE = "zh_CN"
CATALOGUES = LOCALE / LANGUAGE / "LC_MESSAGES"
# Pages whose catalogue is not translated: the API reference is bpcode's docstrings, part
# of the code, which both editions show as it is.
UNTRANSLATED_PAGES = {"book/api"}

MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+?\$", re.DOTALL)
# {role}`text` and {role}`text <target>`; term targets may become the Chinese term (both
# are glossary entries), so {term} is left to the build's reference check.
ROLE = re.compile(r"\{(eq|ref|numref|doc|download|cite(?::[a-z]+)?)\}`([^`]*)`")
CODE = re.compile(r"(?<![`}])`([^`]+)`(?!`)")
URL = re.compile(r"https?://[^\s)>\]`]+")


def _role_targets(role: str, text: str) -> list[str]:
    target = re.search(r"<([^<>]+)>\s*$", text)
    target = target.group(1) if target else text
    if role.startswith("cite"):
        return [f"cite:{key.strip()}" for key in target.split(",")]
    return [f"{role}:{target.strip()}"]


def kept_tokens(message: str) -> Counter:
    """Maths, inline code, reference targets and URLs of a message, with multiplicity."""
    tokens: Counter = Counter()
    without_math = MATH.sub(" ", message)
    tokens.update(f"math:{m}" for m in MATH.findall(message))
    for role, text in ROLE.findall(without_math):
        tokens.update(_role_targets(role, text))
    without_roles = ROLE.sub(" ", without_math)
    without_roles = re.sub(r"\{term\}`[^`]*`", " ", without_roles)
    tokens.update(f"code:{c}" for c in CODE.findall(without_roles))
    tokens.update(f"url:{u}" for u in URL.findall(without_roles))
    return tokens


def catalogue_paths() -> list[Path]:
    return sorted(CATALOGUES.rglob("*.po"))


def docname(path: Path) -> str:
    return path.relative_to(CATALOGUES).with_suffix("").as_posix()


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)
