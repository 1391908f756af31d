# The two commands a newcomer needs: `make run` and `make test`. Both build their own venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
INDEX ?= indexes
export HF_HUB_OFFLINE := 1

.PHONY: install install-test run index test lint bench clean

# torch goes in first, pinned: its CPU build lies on this machine's disk, while a bare
# requirement (or one pulled in by sentence-transformers) would fetch a multi-GB CUDA build.
# The `export` extra (sentence-transformers: torch, transformers) exports the model to ONNX
# once; `pip install .` alone serves and builds from an exported model.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[export]'
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[export,test,browser,onnx,redis,ray]'
	touch $@

install: $(BIN)/.installed
install-test: $(BIN)/.installed-test

# Scrape the bundled sample blog and build the index once; `scripts/rebuild-index` redoes it.
$(INDEX)/CURRENT: | $(BIN)/.installed
	$(BIN)/relatedposts scrape corpus/site --prune
	$(BIN)/relatedposts build --index $(INDEX)

index: $(INDEX)/CURRENT

# The try-out turns /demo on (a plain `serve` leaves it off: a clinic's site has no demo page).
run: $(BIN)/.installed $(INDEX)/CURRENT
	RELATEDPOSTS_DEMO_PAGE=$${RELATEDPOSTS_DEMO_PAGE:-true} $(BIN)/relatedposts serve --index $(INDEX) --host $(HOST) --port $(PORT)

# axe-core for the accessibility tests (tests/scenarios/test_a11y_browser.py), pinned by
# tests/a11y/package-lock.json. Without npm the tests say what is missing (CI=true: they fail).
AXE_STAMP := tests/a11y/node_modules/.installed
$(AXE_STAMP): tests/a11y/package.json tests/a11y/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "warning: npm not found; run: npm ci --prefix tests/a11y" >&2; fi

test: $(BIN)/.installed-test $(AXE_STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy src
	$(BIN)/pytest -q -rs

lint: $(BIN)/.installed-test
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy src

$(BIN)/.installed-bench: $(BIN)/.installed-test pyproject.toml
	$(BIN)/pip install --quiet -e '.[export,test,browser,onnx,redis,ray,bench]'
	touch $@

bench: $(BIN)/.installed-bench
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(INDEX)/versions $(INDEX)/CURRENT corpus/articles
