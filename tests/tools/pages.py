"""Static analysis of built HTML pages: links, anchors, math nodes, scripts."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# (tag, attribute) pairs that point at another resource
LINK_ATTRS = {
    ("a", "href"),
    ("link", "href"),
    ("img", "src"),
    ("script", "src"),
    ("source", "src"),
    ("iframe", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("img", "srcset"),
    ("source", "srcset"),
}
REMOTE_PREFIXES = ("http://", "https://", "//")
NON_FILE_SCHEMES = ("mailto:", "data:", "javascript:", "tel:")


@dataclass
class PageInfo:
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # tag, attr, value
    math_nodes: int = 0  # Sphinx math elements: <span|div class="math ...">
    scripts: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.info = PageInfo()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.info.ids.add(attrs[key])
        classes = (attrs.get("class") or "").split()
        if tag in ("span", "div") and "math" in classes:
            self.info.math_nodes += 1
        if tag == "script" and attrs.get("src"):
            self.info.scripts.append(attrs["src"])
        for attr in ("href", "src", "data", "srcset"):
            value = attrs.get(attr)
            if value is None or (tag, attr) not in LINK_ATTRS:
                continue
            if attr == "srcset":
                for part in value.split(","):
                    if part.strip():
                        self.info.links.append((tag, attr, part.strip().split()[0]))
            else:
                self.info.links.append((tag, attr, value.strip()))


def parse_html(text: str) -> PageInfo:
    parser = _Parser()
    parser.feed(text)
    parser.close()
    return parser.info


def is_remote(url: str) -> bool:
    return url.lower().startswith(REMOTE_PREFIXES)


def broken_local_links(
    page: Path, root: Path, cache: dict[Path, PageInfo]
) -> list[str]:
    """Local links of ``page`` whose file (or ``#anchor`` on that file) does not exist."""

    def info_of(path: Path) -> PageInfo:
        if path not in cache:
            cache[path] = parse_html(path.read_text(encoding="utf-8", errors="replace"))
        return cache[path]

    problems = []
    root = root.resolve()
    for tag, attr, url in info_of(page).links:
        if not url or is_remote(url) or url.lower().startswith(NON_FILE_SCHEMES):
            continue
        parts = urlsplit(url)
        if parts.scheme:  # some other scheme: not a local file
            continue
        target = (
            page
            if not parts.path
            else (
                (root / unquote(parts.path).lstrip("/"))
                if parts.path.startswith("/")
                else (page.parent / unquote(parts.path))
            )
        )
        target = target.resolve()
        if target.is_dir():
            target = target / "index.html"
        if root not in (target, *target.parents):
            problems.append(f"<{tag} {attr}={url!r}> points outside the built book")
            continue
        if not target.is_file():
            problems.append(
                f"<{tag} {attr}={url!r}>: {target.relative_to(root)} does not exist"
            )
            continue
        fragment = unquote(parts.fragment)
        if (
            fragment
            and target.suffix == ".html"
            and fragment not in info_of(target).ids
        ):
            problems.append(
                f"<{tag} {attr}={url!r}>: no id {fragment!r} on {target.relative_to(root)}"
            )
    return problems
