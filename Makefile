# One entry point for everything CI runs. `make demo` and `make test` work on a fresh machine with Python ≥ 3.11
# and Node.js; PostgreSQL tests need Debian's postgresql package (CI installs it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install demo test test-sqlite test-postgres lint format check bench bench-small messages walkthrough clean

$(STAMP): pyproject.toml requirements/constraints.txt package.json package-lock.json
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "jingzhun needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[dev,postgres,duckdb]'
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/jingzhun demo

test: install lint bench-small test-sqlite test-postgres

test-sqlite: install
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test-postgres: install
	$(BIN)/python scripts/pgcluster.py -- $(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: test

bench: install
	$(BIN)/python bench/synth.py
	$(BIN)/python bench/check.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/campaign.py

# The benchmarks at small size: CI runs them so they keep working (figures at full size: `make bench`).
bench-small: install
	$(BIN)/python bench/synth.py --small
	$(BIN)/python bench/check.py --small
	$(BIN)/python bench/ledger.py --small
	$(BIN)/python bench/import.py --small
	$(BIN)/python bench/campaign.py --small

# A verification campaign walked through the demo county in Chromium; refreshes docs/screenshots/campaign-*.png.
walkthrough: install
	$(BIN)/python scripts/walkthrough.py

messages: install
	cd src/jingzhun && JINGZHUN_ENV=development ../../$(BIN)/jingzhun makemessages -l zh_Hans --no-obsolete && JINGZHUN_ENV=development ../../$(BIN)/jingzhun compilemessages

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache
