"""Sphinx extension: the single-page HTML builder renders every node the HTML builder does.

Sphinx looks up an extension's node handlers under the builder's name and only falls back
to its format (``html``) when NO handler is registered under that name
(sphinx-doc/sphinx#9160). sphinx-exercise registers handlers for ``singlehtml``, so every
node that other extensions register for ``html`` only (myst-nb's hidden code cells,
sphinx-design, sphinx-togglebutton, ...) would be unknown to the ``singlehtml`` build that
``make pdf`` prints. This copies the missing ``html`` handlers to the builder in use.
"""

from __future__ import annotations


def _inherit_format_handlers(app) -> None:
    builder = app.builder
    handlers = app.registry.translation_handlers
    if builder.name == builder.format or builder.name not in handlers:
        return  # Sphinx's own fallback to the format's handlers applies
    own = handlers[builder.name]
    for node, visit_depart in handlers.get(builder.format, {}).items():
        own.setdefault(node, visit_depart)


def setup(app):
    # late priority: after every other extension has registered its nodes
    app.connect("builder-inited", _inherit_format_handlers, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
