# The two set-up commands of the README call these targets. They create .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: samples test lint install system-packages clean live-llm fuzz
PORT ?= 8089
FUZZ_CASES ?= 50000
FUZZ_OUT ?= runs/fuzz

$(BIN)/extractor: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,ray]'
	touch $(BIN)/extractor

install: $(BIN)/extractor

# The main job on the bundled samples, embedded default (parser + checker, no LLM).
samples: install
	$(BIN)/extractor extract evals/samples/*.txt --flat --out out/samples
	@echo "results in out/samples/"

# LibreOffice, Chromium and CJK fonts (extractor/tools.py) via apt-get when run as root or with
# sudo; otherwise the tests and eval sets that need them are skipped, one loud line each.
system-packages: install
	@PY=$(BIN)/python sh scripts/system_packages.sh

# ruff and mypy, configured in pyproject.toml
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# the eval gate (accuracy and silent-error thresholds of evals/thresholds.json), lint, then pytest
# (last, so its summary closes the run). The gate extracts in two processes, the reference machine's
# two cores.
test: install system-packages
	$(BIN)/extractor eval evals/samples evals/synthetic evals/real evals/pdf_native evals/scanned evals/office --workers 2 --out runs/ci
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# The long fuzz search for silent errors (tests/test_fuzz.py; `make test` runs its 2,000-case default).
# The summary line the test writes is printed last whether the test passed or not, and the target exits
# with the test's status. A stale summary is removed first, so a crashed run cannot show an old one.
fuzz: install
	@rm -f $(FUZZ_OUT)/summary.txt
	@status=0; FUZZ_CASES=$(FUZZ_CASES) FUZZ_OUT=$(FUZZ_OUT) $(BIN)/python -m pytest -q tests/test_fuzz.py || status=$$?; \
	if [ -f $(FUZZ_OUT)/summary.txt ]; then cat $(FUZZ_OUT)/summary.txt; \
	else echo "fuzz: no summary written (the test stopped before the end; see above)"; fi; \
	exit $$status

# Live LLM check, not in CI: a local llama.cpp server with Gemma 3 270M, `--llm always` on the samples.
live-llm: install
	PY=$(BIN)/python scripts/live_llm.sh $(PORT)

clean:
	rm -rf $(VENV) out build dist
