# Everything a newcomer needs: `make demo` runs the main job, `make test` the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-data

.PHONY: install lock demo test check lint typecheck unit fast bench clean dfe-validators

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt tools/azurite/package-lock.json
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# constraints.txt pins every version: pip's resolver needs no search.
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@# Azurite (Azure Blob emulator) for the object-storage tests; npm's registry.
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tools/azurite --no-audit --no-fund --ignore-scripts --loglevel=error; \
	else echo "npm not found: the Azure Blob tests will be skipped (.ci/run installs it)"; fi
	touch $(STAMP)

# Pin every package again after a change to pyproject.toml's dependencies (uv
# resolves in seconds where pip searches for minutes; the pins hold on any platform).
lock: install
	$(BIN)/python -m pip install --quiet uv
	{ sed -n '1,3p' constraints.txt; $(BIN)/uv pip compile pyproject.toml --extra dev \
		--universal --python-version 3.11 --no-header --quiet; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

demo: install
	$(BIN)/cld demo --out $(DEMO_DIR) --serve

# The DfE's own validators (SSDA903 and CIN census), in a virtual environment of
# their own for the differential tests only (tests/differential: skipped without it,
# except in CI, which builds it). Their pins (pandas 1.5, numpy 1.24) want Python 3.11.
DFE_VENV := .venv-dfe
DFE_STAMP := $(DFE_VENV)/.installed

dfe-validators: $(DFE_STAMP)

$(DFE_STAMP): tools/dfe-validators/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "the DfE validators need Python 3.11 (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(DFE_VENV)/bin/python || $(PYTHON) -m venv $(DFE_VENV)
	$(DFE_VENV)/bin/python -m pip install --quiet --no-deps \
		-r tools/dfe-validators/requirements.txt
	touch $(DFE_STAMP)

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# Every test, on as many processes as the machine has cores (pytest-xdist).
unit: install
	$(BIN)/pytest --numprocesses=auto --dist=worksteal --cov=cld --cov-branch \
		--cov-report=term:skip-covered --cov-fail-under=94

# The inner loop: unit and spec tests, nothing slow or end to end (under 3 minutes).
fast: install
	$(BIN)/pytest --numprocesses=auto --dist=worksteal tests/unit tests/spec \
		-m "not slow and not functional"

test: lint typecheck unit

check: lint typecheck fast

bench: install
	$(BIN)/cld bench

clean:
	rm -rf $(VENV) $(DFE_VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache tools/azurite/node_modules
