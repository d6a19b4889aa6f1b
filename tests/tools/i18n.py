"""The Chinese edition's message catalogues, ``locale/zh_CN/LC_MESSAGES/book/*.po``.

Sphinx's gettext builder extracts every paragraph, heading, table cell, caption and glossary
entry of the book as a message; a translator fills in its ``msgstr``. What a translation must
keep unchanged is what the reader's browser or the build resolves, not words: inline maths,
inline code, the targets of cross-references and citations, and link URLs.
``kept_tokens`` lists them, and a translation is faithful when its list equals the source's.

    python tests/tools/i18n.py extract OUT   # the current messages, as OUT/<page>.pot

``make translations`` merges what ``extract`` writes into the catalogues; the tests compare
the catalogues with it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import toc  # noqa: E402
from tools.bookconfig import venv_script, write_config  # noqa: E402
from tools.toc import REPO  # noqa: E402

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
    """``locale/.../book/intro.po`` -> ``book/intro``: the page a catalogue translates."""
    return toc.docname(path, repo=CATALOGUES)


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def extract(out: Path) -> Path:
    """Extract the messages of the current English pages (Sphinx's gettext builder) into
    ``out``; return the folder of the ``.pot`` files, without the untranslated pages."""
    config = write_config(out, execute="off")
    command = [venv_script("jupyter-book"), "build", str(REPO), "--config", str(config)]
    command += ["--path-output", str(out), "--builder", "custom"]
    command += ["--custom-builder", "gettext", "--all"]
    proc = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=900
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"gettext extraction failed:\n{proc.stdout[-3000:]}{proc.stderr}"
        )
    pots = out / "_build" / "gettext"
    for page in UNTRANSLATED_PAGES:
        (pots / f"{page}.pot").unlink(missing_ok=True)
    return pots


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "extract":
        sys.exit("usage: python tests/tools/i18n.py extract OUT")
    print(extract(Path(sys.argv[2]).resolve()))
