# Two commands do all set-up on a fresh machine: `make run` and `make test`.
# Each creates .venv when missing and installs the project (editable) into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help run test lint typecheck pytest goldens build clean bench bench-load browser-deps

$(BIN)/python:
	@echo "make: creating $(VENV), the project's virtual environment"
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "make: installing the project and its dependencies into $(VENV) (about a minute)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,server]'
	touch $(STAMP)

## make help: list the targets, each with the first line of what this Makefile says of it.
help:
	@awk '/^## make [a-z-]+:/ { sub(/^## make /, ""); name = $$0; sub(/:.*/, "", name); \
	  sub(/^[a-z-]+: */, ""); printf "make %-13s %s\n", name, $$0 }' $(firstword $(MAKEFILE_LIST))

## make run: build, validate and export the graph into dist/, then print a summary.
run: $(STAMP)
	@echo "make: building the graph into dist/ (kg build: load, validate, export; about a minute)"
	$(BIN)/kg build --out dist

## make test: lint, type-check and run every test (pytest exit 5, no tests, fails too).
test: $(STAMP) browser-deps lint typecheck pytest

## make browser-deps: Debian's chromium and chromium-driver, for tests/test_browser.py.
## Installed when missing if this is root with apt-get; otherwise the browser test skips, saying why.
browser-deps:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
	else echo "browser-deps: chromium/chromedriver missing and not installable (not root or no apt-get)" >&2; fi

## make lint: ruff's checks and its formatting, on kg, tests and bench.
lint: $(STAMP)
	$(BIN)/ruff check kg tests bench
	$(BIN)/ruff format --check kg tests bench

## make typecheck: mypy, strict, on kg.
typecheck: $(STAMP)
	$(BIN)/mypy kg

## make pytest: every test, without lint and type-check (about 18 minutes on 2 cores).
pytest: $(STAMP)
	$(BIN)/pytest

## make goldens: write the golden answers anew, after a change of data/ or of a query.
## The answers of every named query on the seed (tests/golden/queries/*.json), of the
## national-layer queries on the whole data (tests/golden/national/*.json) and the outputs of the
## README's examples (whole data); review them with `git diff tests/golden README.md` before
## committing. Behaviour tests run on the seed and on fixtures and need no regenerating.
goldens: $(STAMP)
	SAMARBEIDSGRAFEN_UPDATE_GOLDEN=1 $(BIN)/pytest -q -p no:cacheprovider tests/test_competency.py tests/test_national.py tests/test_readme.py
	@git diff --stat -- tests/golden README.md 2>/dev/null || true

## make bench: benchmark kg build and the queries into bench/REPORT.md (an hour or more).
## `kg build` against the plain rdflib + pySHACL pipeline (bench/baseline.py) at
## about 10k, 100k and 1M triples, 3 runs each, then every named query, `kg query --list` and
## `kg --help` as processes on the 1M store, into bench/REPORT.md and bench/results.json.
## An hour or more: the baseline dominates (measured here 107 s of CPU a run at 100k, pySHACL
## 87 s of it, about linear in the size), fewer runs of it: BENCH_ARGS="--baseline-runs 1".
## Progress on stderr. Quick: make bench BENCH_ARGS="--sizes 10k --runs 1" (bench/run.py --help).
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## make bench-load: the endpoint under 16 clients on 127.0.0.1, into bench/load.md (2 minutes).
## Bare Oxigraph in the same run, for comparison. A benchmark, not a test.
bench-load: $(STAMP)
	$(BIN)/python bench/load.py

## make clean: remove .venv, dist/ and the caches of pytest, mypy and ruff.
clean:
	rm -rf $(VENV) dist .pytest_cache .mypy_cache .ruff_cache *.egg-info
