# Cutflow: `make run` starts the app with the embedded defaults, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
# One pytest worker more than the cores: about half of the suite's wall time is waiting (fake
# provider latencies, subprocesses, the browser), so a third worker on 2 cores keeps them busy.
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print((os.cpu_count() or 1) + 1)")

.PHONY: run test install lint format bench demo migrate

$(STAMP): pyproject.toml
	@echo "==> Installing Cutflow's Python packages into $(VENV) (only when pyproject.toml changes)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: export DEBUG ?= 1
run: install
	@echo "==> Loading Django to prepare the database and the demo"
	@$(PY) manage.py prepare
	@echo "==> Cutflow is starting at http://127.0.0.1:$(PORT) (Ctrl-C stops the web server and the worker)"
	@$(PY) -m cutflow.devserver --checked 127.0.0.1:$(PORT)

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest --numprocesses $(TEST_WORKERS) --dist worksteal

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m tests.perf
