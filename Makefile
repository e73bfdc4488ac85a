# Every target installs what it needs into .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint helm-lint install web clean

# uv installs the pinned set (pip when uv cannot); installer output goes to build/install.log.
$(STAMP): pyproject.toml constraints.txt tools/install_venv.py
	@$(PYTHON) tools/install_venv.py --venv $(VENV) --log build/install.log
	@touch $(STAMP)

install: $(STAMP)

web: $(STAMP)  ## build the dashboard (web/ -> web/dist) with the venv's Node; skipped when nothing changed
	@$(BIN)/hugdata web build

run: web  ## the whole platform locally: embedded Postgres, Dagster webserver + daemon, API, demo tenants
	@$(BIN)/hugdata dev

test: web  ## the test suite against real Postgres, Dagster and tenant databases (and the dashboard in Chromium)
	$(BIN)/python -m pytest

bench: $(STAMP)  ## benchmarks; JSON results under .bench-results/
	$(BIN)/python -m bench

helm-lint: $(STAMP)  ## lint helm/hugdata with --strict, render it, validate every object for Kubernetes 1.29 and 1.37
	$(BIN)/python -m pytest -q tests/k8s/test_chart.py

lint: $(STAMP)
	$(BIN)/ruff check hugdata tests bench alembic tools

clean:
	rm -rf $(VENV) .hugdata .bench-results build web/node_modules web/dist .test-artifacts
