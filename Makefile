# Two entry points: `make demo` and `make test`. Each creates the virtual environment it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck unit bench examples clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Stamps re-run the install when pyproject.toml changes.
$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev,validate,export-check,dask,vision,report]"
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/lossadvisor profile examples/insurance_claims.csv --target claims
	$(BIN)/lossadvisor recommend examples/insurance_claims.csv --target claims
	@echo "lossadvisor is installed at $(CURDIR)/$(BIN)/lossadvisor;" \
		"run '. $(BIN)/activate' to put it on PATH (README: Running it)."

test: $(VENV)/.test-installed lint typecheck unit

lint: $(VENV)/.test-installed
	$(BIN)/ruff check lossadvisor tests benchmarks examples
typecheck: $(VENV)/.test-installed
	$(BIN)/mypy
unit: $(VENV)/.test-installed
	$(BIN)/pytest -n 2 -p no:cacheprovider

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/profile_speed.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/rules_load.py
	$(BIN)/python benchmarks/validate_speed.py
	$(BIN)/python benchmarks/vision_speed.py

examples: $(VENV)/.test-installed
	$(BIN)/python examples/make_examples.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist
