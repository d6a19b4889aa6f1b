"""The book as listed in ``_toc.yml`` (jb-book format)."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _toc_entries(node) -> list[str]:
    """All ``root:`` / ``file:`` entries of a jb-book TOC, in reading order."""
    out: list[str] = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if key in node:
                out.append(str(node[key]))
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []) or []:
                out.extend(_toc_entries(child))
    elif isinstance(node, list):
        for child in node:
            out.extend(_toc_entries(child))
    return out


def read_toc_files(repo: Path = REPO) -> list[Path]:
    """Source file of every TOC entry (``.ipynb`` or ``.md``), in reading order."""
    toc = yaml.safe_load((repo / "_toc.yml").read_text(encoding="utf-8"))
    files = []
    for entry in _toc_entries(toc):
        base = repo / entry
        if base.suffix in (".ipynb", ".md"):
            candidates = [base]
        else:
            candidates = [base.with_name(base.name + ext) for ext in (".ipynb", ".md")]
        found = [c for c in candidates if c.is_file()]
        if not found:
            raise FileNotFoundError(
                f"_toc.yml lists {entry!r} but no .ipynb/.md file exists"
            )
        files.append(found[0])
    return files


def read_toc_notebooks(repo: Path = REPO) -> list[Path]:
    return [p for p in read_toc_files(repo) if p.suffix == ".ipynb"]


def docname(path: Path, repo: Path = REPO) -> str:
    """``book/intro.md`` -> ``book/intro``: the Sphinx docname and the HTML page path."""
    return path.relative_to(repo).with_suffix("").as_posix()


if __name__ == "__main__":  # used by `make notebooks`
    for nb in read_toc_notebooks():
        print(nb.relative_to(REPO).as_posix())
