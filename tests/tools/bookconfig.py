"""Derived Jupyter Book configurations: ``_config.yml`` with a few keys changed.

The book has one configuration, ``_config.yml``. The test build (execution off), the
Chinese edition (language zh_CN) and the message extraction for translators need small
variations of it; this module writes them into a build folder, with the paths that Jupyter
Book would otherwise resolve against that folder made absolute.

    python tests/tools/bookconfig.py OUT [--execute MODE] [--language LANG]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.toc import REPO  # noqa: E402


def book_title(language: str | None = None) -> str:
    """The book's title in an edition: ``_config.yml``'s, or its translation in the
    catalogue of the root page (where the title is also the first heading)."""
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    title = config["title"]
    if language is None or language == "en":
        return title
    root = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))["root"]
    path = REPO / "locale" / language / "LC_MESSAGES" / f"{root}.po"
    with path.open("rb") as f:
        message = read_po(f).get(title)
    if message is None or not message.string:
        raise ValueError(f"the title {title!r} has no translation in {path}")
    return message.string


def venv_script(name: str) -> str:
    """A console script installed next to the running interpreter (the venv's bin/)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def write_config(
    out: Path, execute: str | None = None, language: str | None = None
) -> Path:
    """Write ``out/_config.yml`` and return its path."""
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    if execute is not None:
        config.setdefault("execute", {})["execute_notebooks"] = execute
    sphinx = config.setdefault("sphinx", {})
    local_extensions = sphinx.get("local_extensions") or {}
    for name, path in local_extensions.items():
        local_extensions[name] = str((REPO / path).resolve())
    options = sphinx.setdefault("config", {})
    options["locale_dirs"] = [
        str((REPO / d).resolve()) for d in options.get("locale_dirs", [])
    ]
    if language is not None:
        options["language"] = language
        config["title"] = book_title(language)
    out.mkdir(parents=True, exist_ok=True)
    config_file = out / "_config.yml"
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return config_file


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--execute", choices=["off", "force", "auto", "cache"])
    parser.add_argument("--language")
    args = parser.parse_args()
    print(write_config(args.out.resolve(), args.execute, args.language))
