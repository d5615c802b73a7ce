# ndr — make demo | make test | make bench | make lint
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck unit bench venv clean golden native

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ndr needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	NDR_PURE=1 $(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## native: compile the analyzer with mypyc (C extensions beside the .py files, ~1.3x faster); only when
##         missing or older than a source. NDR_PURE=1 make ...: remove them and run pure Python instead
native: $(STAMP)
	@$(PY) -m ndr.native

## demo: set up, generate a 30-day bounce mailbox, scan it into a fresh store, write every report to demo-out/
demo: native
	$(VENV)/bin/ndr demo --out demo-out

## test: set up, then lint, type-check and run the whole test suite
test: lint typecheck unit

lint: $(STAMP)
	$(VENV)/bin/ruff check analyzer connectors reports ndr tests bench setup.py

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: native
	$(PY) -m pytest -q

## golden: rewrite the expected JSON of the golden samples (review the diff!)
golden: native
	$(PY) -m pytest -q tests/test_golden.py --update-golden

## bench: speed and memory figures for the corpus and a generated mbox, side by side, as ratios
##        against baselines measured in the same run (BENCH_MESSAGES=20000 for a quicker run)
BENCH_MESSAGES ?= 100000
bench: native
	NDR_PURE=1 $(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) bench/bench.py --messages $(BENCH_MESSAGES)

clean:
	rm -rf $(VENV) demo-out .mypy_cache .ruff_cache .pytest_cache build
	find analyzer -name '*.so' -delete
