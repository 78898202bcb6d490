# One command for each job; each does its own set-up (a virtualenv in .venv).
#   make demo   - the whole experiment offline on synthetic data (tiny model, ~10 min on 2 cores)
#   make test   - the linter, then the test suite
#   make install-check - a fresh virtualenv, `pip install .` (no extras), then docs/python-api.md runs
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_OUT ?= demo-out

.PHONY: setup demo test lint browser bcftools install-check clean

setup: $(VENV)/.installed

# torch is pinned in requirements.txt: the pinned CPU build installs in seconds where it lies on disk,
# an open range would download a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

demo: setup
	$(BIN)/enhancerlm demo --out $(DEMO_OUT)

# The report test opens report.html in headless Chromium; without one it skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || scripts/install-chromium.sh || echo "no chromium: the browser test will skip"

# The annotated-VCF test reads variants.vcf.gz back with bcftools; without it, with pysam's htslib (and says so).
bcftools:
	@command -v bcftools >/dev/null 2>&1 || scripts/install-bcftools.sh || echo "no bcftools: the VCF test reads back with pysam"

# Layout, pyflakes-level errors, import order and types (settings in pyproject.toml); part of the test command.
# `ruff format src tests benchmarks experiments` fixes the layout.
lint: setup
	$(BIN)/ruff format --check src tests benchmarks experiments
	$(BIN)/ruff check src tests benchmarks experiments
	$(BIN)/mypy

test: setup browser bcftools lint
	$(BIN)/python -m pytest -q

# What a new user does: a fresh virtualenv, the pinned CPU torch first, then `pip install .` (not editable,
# no extras), then the Python walk-through (docs/python-api.md) runs top to bottom against the installed
# package (tests/test_docs.py, run from a copy of the tests outside the checkout, so src/ is not importable).
CHECK_DIR ?= /tmp/enhancerlm-install-check
install-check:
	rm -rf $(CHECK_DIR) && $(PYTHON) -m venv $(CHECK_DIR)/venv
	$(CHECK_DIR)/venv/bin/python -m pip install --quiet torch==2.13.0
	$(CHECK_DIR)/venv/bin/python -m pip install --quiet . pytest
	mkdir -p $(CHECK_DIR)/repo && cp -r tests docs pyproject.toml $(CHECK_DIR)/repo/
	cd $(CHECK_DIR)/repo && venv=$(CHECK_DIR)/venv/bin && \
		$$venv/python -c "import enhancerlm; print('installed:', enhancerlm.__file__)" && \
		$$venv/python -m pytest -q -p no:cacheprovider tests/test_docs.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .hypothesis
