# sdgcities — fresh machine: `make demo` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml package.json 2>/dev/null | sha1sum | cut -c1-12)

.PHONY: setup demo test lint typecheck serve bench clean assets browser

setup: $(STAMP) assets browser  ## create .venv and install everything (idempotent)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@rm -f $(VENV)/.installed-*; touch $@

assets:  ## JS/CSS for the web pages, from the npm registry, served by the package itself
	@bash scripts/vendor-assets.sh

browser:  ## Debian's Chromium for the browser tests (installed when missing)
	@bash scripts/install-chromium.sh

demo: setup  ## set up a store with real bundled data and serve the platform
	$(BIN)/sdgcities demo

test: setup  ## lint, type-check and run the whole suite on SQLite and PostgreSQL
	@bash scripts/run-tests.sh

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck:
	$(BIN)/mypy

serve: setup
	$(BIN)/sdgcities serve

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules src/sdgcities/web/static/vendor .pytest_cache .mypy_cache
