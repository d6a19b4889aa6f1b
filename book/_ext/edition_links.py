"""Sphinx extension for the two editions (English and 中文).

- Every page links to the same page in the other edition. The English edition is published
  at the site's root and the Chinese one (``make book-zh``, language ``zh_CN``) in ``zh/``
  beside it, with the same page names, so ``book/x.html`` links to ``zh/book/x.html`` and
  back. The link is added at the top of the page body, in the HTML builder only (a PDF is
  one language).
- The part captions of the table of contents ("Start here", ...) are translated too.
  sphinx-external-toc inserts its toctrees after Sphinx has translated the page, so their
  captions are looked up in the root page's catalogue here.
"""

from __future__ import annotations

from os import path

from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

SUBFOLDER = "zh"  # where the Chinese edition lives, relative to the English one
LINK = '<p class="edition-link"><a href="{href}" hreflang="{lang}" lang="{lang}">{text}</a></p>\n'


def _is_chinese(app) -> bool:
    return (app.config.language or "en").lower().startswith("zh")


def _add_link(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.name != "html" or doctree is None or "body" not in context:
        return
    up = "../" * pagename.count("/")
    if _is_chinese(app):
        href, lang, text = f"{up}../{pagename}.html", "en", "English edition"
    else:
        href, lang, text = f"{up}{SUBFOLDER}/{pagename}.html", "zh-CN", "中文版"
    context["body"] = LINK.format(href=href, lang=lang, text=text) + context["body"]


class TranslateTocCaptions(SphinxTransform):
    default_priority = 101  # right after sphinx-external-toc's InsertToctrees (100)

    def apply(self, **kwargs) -> None:
        if not _is_chinese(self.app):
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [path.join(self.env.srcdir, d) for d in self.config.locale_dirs]
        catalog, found = init_locale(dirs, self.config.language, domain)
        if not found:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = catalog.gettext(toctree["caption"])


def setup(app):
    app.connect("html-page-context", _add_link)
    app.add_transform(TranslateTocCaptions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
