# Backpropagation, explained and tested: build, run and test the book.
# `make help` lists the targets. Everything runs inside ./.venv, created on first use.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PY      := $(BIN)/python
JB      := $(BIN)/jupyter-book
STAMP   := $(VENV)/.installed
BUILD   := _build
JB_FLAGS := -W -n --keep-going --all
# pytest-xdist: 2 workers; each notebook, the book build + browser checks, and the PDF
# (tests/book/test_pdf.py) are single units of work (see tests/conftest.py).
PYTEST_FLAGS ?= -n 2 --dist loadfile

.PHONY: help book book-zh translations test check notebooks lab bench pdf pdf-zh clean distclean venv

help:  ## show this help
	@echo "Backpropagation, explained and tested"
	@echo
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z]+):.*## /  make \1\t/' | expand -t 20

# The virtual environment. The stamp is rebuilt only when requirements.txt,
# pyproject.toml or the kernel configuration change, so a second `make` does not reinstall
# anything. etc/ipython/ipython_kernel_config.py goes to .venv/etc/ipython/, where the
# venv's IPython kernels read it (it explains itself).
KERNEL_CONFIG := etc/ipython/ipython_kernel_config.py

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt pyproject.toml $(KERNEL_CONFIG) | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	mkdir -p $(VENV)/etc/ipython
	cp $(KERNEL_CONFIG) $(VENV)/etc/ipython/
	touch $(STAMP)

venv: $(STAMP)  ## create .venv and install requirements.txt (done by every target)

# `make book` re-executes every notebook (execute_notebooks: force in _config.yml) and
# re-reads every page (--all), so the published HTML can never show stale outputs, and
# fails on any warning, broken reference or notebook error.
# The English edition; its pages link to the Chinese edition in _build/html/zh (make book-zh).
book: $(STAMP)  ## build the HTML book into _build/html (executes every notebook)
	$(JB) build . --path-output . $(JB_FLAGS)
	@echo
	@echo "Book built: open $(CURDIR)/$(BUILD)/html/index.html"

# Two pytest workers share the two cores, so each keeps BLAS to one thread: no
# oversubscription, and the same reduction order in every run.
# The stored outputs come from `make notebooks` with the BLAS kernels OpenBLAS picks for
# this CPU; the tests re-execute the notebooks with another kernel (AVX2 "Haswell", on any
# CPU that has AVX2), so a printed number that depends on the CPU's order of summation
# fails here rather than on a reader's computer.
OTHER_BLAS_KERNEL := $(if $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo yes),OPENBLAS_CORETYPE=Haswell)

test: $(STAMP)  ## run all tests: bpcode, stored notebooks, strict nbval, book build, browser, PDF, ruff
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(OTHER_BLAS_KERNEL) \
	  $(PY) -m pytest $(PYTEST_FLAGS)

# The unit tests of bpcode alone (tests/unit): seconds, no notebook, no book build.
# `make check CHECK_PY=/path/to/python` runs them in another environment instead, e.g. one
# with the oldest supported versions (as the workflow's "oldest-versions" job does).
CHECK_PY ?=
check: $(if $(CHECK_PY),,$(STAMP))  ## run the unit tests of bpcode only (seconds)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	  $(or $(CHECK_PY),$(PY)) -m pytest -q -p no:xdist tests/unit

# Re-execute every notebook of the table of contents in place, in a fresh python3 kernel
# with the notebook's folder (book/) as working directory, as the book build does:
# execution counts become 1..k and the outputs are stored for nbval to compare against.
notebooks: $(STAMP)  ## re-execute every TOC notebook in place and store its outputs
	@set -e; for nb in $$($(PY) tests/tools/toc.py); do \
	  echo "executing $$nb"; \
	  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=300 \
	    --log-level=WARN "$$nb"; \
	done

lab: $(STAMP)  ## open the notebooks in JupyterLab
	$(BIN)/jupyter lab book/

bench: $(STAMP)  ## run the performance benchmarks (training loop; structured layers vs PyTorch)
	@status=0; $(PY) benchmarks/run.py || status=1; \
	  $(PY) benchmarks/structured.py || status=1; exit $$status

# The whole book as one HTML page, printed by headless Chromium (math typeset by MathJax,
# no TeX needed). Needs chromium (poppler-utils for the text check, fonts-noto-cjk for the
# Chinese in the titles). tests/book/test_pdf.py prints the same PDF (from stored outputs).
pdf: $(STAMP)  ## build _build/pdf/backprop-book.pdf (needs chromium)
	rm -rf $(BUILD)/pdf-src
	$(JB) build . --builder singlehtml --path-output $(BUILD)/pdf-src $(JB_FLAGS)
	$(PY) tests/tools/make_pdf.py $(BUILD)/pdf-src/_build/singlehtml $(BUILD)/pdf/backprop-book.pdf

# The Chinese edition (中文版): the same notebooks and stored outputs, every message replaced
# by its translation in locale/zh_CN (see _config.yml). Nothing is executed: the stored
# outputs are the ones strict nbval proves in `make test`. The result goes next to the
# English edition, into _build/html/zh/, and every page links to its twin.
ZH_SRC := $(BUILD)/zh-src
book-zh: $(STAMP)  ## build the Chinese edition into _build/html/zh (no execution)
	rm -rf $(ZH_SRC) $(BUILD)/html/zh
	$(PY) tests/tools/bookconfig.py $(ZH_SRC) --execute off --language zh_CN
	$(JB) build . --config $(ZH_SRC)/_config.yml --path-output $(ZH_SRC) $(JB_FLAGS)
	mkdir -p $(BUILD)/html && cp -r $(ZH_SRC)/_build/html $(BUILD)/html/zh
	@echo
	@echo "Chinese edition built: open $(CURDIR)/$(BUILD)/html/zh/index.html"

pdf-zh: $(STAMP)  ## build _build/pdf/backprop-book.zh.pdf (needs chromium)
	rm -rf $(BUILD)/pdf-zh-src
	$(PY) tests/tools/bookconfig.py $(BUILD)/pdf-zh-src --execute off --language zh_CN
	$(JB) build . --builder singlehtml --config $(BUILD)/pdf-zh-src/_config.yml \
	  --path-output $(BUILD)/pdf-zh-src $(JB_FLAGS)
	$(PY) tests/tools/make_pdf.py $(BUILD)/pdf-zh-src/_build/singlehtml $(BUILD)/pdf/backprop-book.zh.pdf

# After changing English text: extract every message again and merge it into the
# catalogues. New messages arrive untranslated, changed ones fuzzy (with the old
# translation kept as a hint); the tests fail until someone translates them.
GETTEXT_SRC := $(BUILD)/gettext-src
translations: $(STAMP)  ## update the Chinese catalogues in locale/ after English text changed
	rm -rf $(GETTEXT_SRC)
	$(PY) tests/tools/i18n.py extract $(GETTEXT_SRC)
	$(BIN)/sphinx-intl update -p $(GETTEXT_SRC)/_build/gettext -l zh_CN -d locale -w 79

clean:  ## remove build outputs and caches (keeps .venv)
	rm -rf $(BUILD) .pytest_cache .hypothesis .jupyter_cache .ruff_cache
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) \
	  -type d -print0 | xargs -0 rm -rf

distclean: clean  ## also remove .venv and the package metadata
	rm -rf $(VENV) *.egg-info
