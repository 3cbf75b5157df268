# sdgcities — fresh machine: `make demo` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
PORT ?= 8000
ARGS ?=
# the environment is re-synced whenever the lock, pyproject.toml or the installer changes
STAMP := $(VENV)/.installed-$(shell cat $(LOCK) pyproject.toml scripts/setup-python.sh 2>/dev/null | sha1sum | cut -c1-12)

.PHONY: setup demo test lint typecheck serve bench clean assets browser catalogues lock

setup: $(STAMP) catalogues assets browser  ## create .venv, install exactly the lock, build artefacts (idempotent)

$(STAMP): $(LOCK) pyproject.toml scripts/setup-python.sh
	@rm -f $(VENV)/.installed-*
	@bash scripts/setup-python.sh $(PYTHON)
	@touch $@

catalogues: $(STAMP)  ## compile every locale/<lang>/LC_MESSAGES/*.po to .mo (built here, never committed)
	@$(BIN)/python -m sdgcities.web.i18n compile

assets:  ## JS/CSS for the web pages, from the npm registry (package-lock.json), served by the package itself
	@bash scripts/vendor-assets.sh

browser:  ## Debian's Chromium and poppler-utils for the tests (installed when missing)
	@bash scripts/install-system-tools.sh

lock:  ## re-resolve requirements.lock from pyproject.toml (keeps pins that still fit; UPGRADE=1 takes the newest)
	@bash scripts/setup-python.sh --uv-only $(PYTHON)
	$(BIN)/uv pip compile pyproject.toml requirements-tools.in --extra test --universal \
	  --python-version 3.11 --generate-hashes --custom-compile-command "make lock" --quiet \
	  $(if $(UPGRADE),--upgrade) -o $(LOCK)
	@echo "$(LOCK) written; \`make setup\` installs it"

demo: setup  ## set up a store with real bundled data and serve the platform (make demo PORT=8010)
	$(BIN)/sdgcities demo --port $(PORT)

test: setup  ## lint, type-check and run the whole suite on SQLite and PostgreSQL (make test ARGS="tests/web -x")
	@bash scripts/run-tests.sh $(ARGS)

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck:
	$(BIN)/mypy

serve: setup
	$(BIN)/sdgcities serve --port $(PORT)

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules src/sdgcities/web/static/vendor .pytest_cache .mypy_cache
	find src/sdgcities/locale -name '*.mo' -delete
