"""Strict nbval over every notebook listed in ``_toc.yml``.

This module has no Python tests: ``tests/conftest.py`` collects it as the notebooks of the
table of contents, each re-executed top to bottom in a fresh kernel (working directory:
the notebook's folder, as in the book build) with every cell's outputs compared against
the stored ones (``--nbval`` strict; ``tests/nbval_sanitize.cfg`` masks unavoidable noise).

    pytest tests/book/test_notebooks_nbval.py            # all notebooks
    pytest tests/book/test_notebooks_nbval.py -n 2 --dist loadfile

Cell tags: ``nbval-ignore-output`` (e.g. timings), ``nbval-skip``, ``raises-exception``.
"""
