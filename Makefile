# Every target installs what it needs into .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint install clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)  ## the whole platform locally: embedded Postgres, Dagster webserver + daemon, API, demo tenants
	$(BIN)/hugdata dev

test: $(STAMP)  ## the test suite against real Postgres, Dagster and tenant databases
	$(BIN)/python -m pytest

bench: $(STAMP)  ## benchmarks; JSON results under .bench-results/
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check hugdata tests bench alembic

clean:
	rm -rf $(VENV) .hugdata .bench-results
