# Two commands for everyone: `make lab` (run the course) and `make test` (run the test suite).
# Both create .venv on first use and reinstall only when pyproject.toml or the pins change.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONSTRAINTS := requirements/constraints.txt
LAB_PORT ?= 8888
LAB_ARGS ?=
PYTEST_ARGS ?=
# run as root (containers, CI): jupyter refuses to start without --allow-root
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)
# nbgrader and jupyter call helpers (alembic, jupyter-*) by name: the venv's bin must come first
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: lab test lint format clean install release-check benchmark hub hub-teardown

install: $(STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else "brinkmanship needs Python 3.11 or newer; found %d.%d. Try: make PYTHON=python3.11" % v[:2])'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml $(CONSTRAINTS) jupyterlab-overrides.json | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c $(CONSTRAINTS) -e ".[test,postgres]"
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@cp jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)
	@echo "brinkmanship installed in $(VENV)"

lab: $(STAMP)
	@echo "Starting JupyterLab on the course: the lessons' index opens at http://127.0.0.1:$(LAB_PORT)/lab/tree/lessons/README.md"
	@echo "(the full URL with its login token is printed below; stop with Ctrl-C)"
	@# students' JupyterLab: no nbgrader "Create Assignment" sidebar, no Validate button (they use brinkmanship check)
	@mkdir -p $(VENV)/etc/jupyter/labconfig
	@cp jupyterlab-page-config.json $(VENV)/etc/jupyter/labconfig/page_config.json
	@# jupyter_server_config.py: the terminal keeps the venv on PATH even though it is a login shell
	@# nbgrader's exchange: the course's own exchange/ folder (git-ignored) unless BRINKMANSHIP_EXCHANGE names a
	@# shared one, so formgrader's release and collect work on one machine instead of warning that the
	@# system-wide /srv/nbgrader/exchange is missing
	@mkdir -p "$${BRINKMANSHIP_EXCHANGE:-$(CURDIR)/exchange}"
	BRINKMANSHIP_EXCHANGE="$${BRINKMANSHIP_EXCHANGE:-$(CURDIR)/exchange}" $(BIN)/jupyter lab --ip=127.0.0.1 --port=$(LAB_PORT) --ServerApp.port_retries=0 $(ROOT_FLAG) \
	  --config="$(CURDIR)/jupyter_server_config.py" \
	  --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/lessons/README.md $(LAB_ARGS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format src tests benchmarks

# A class on one machine (deploy/hub/): JupyterHub, the nbgrader exchange, PostgreSQL, demo accounts.
# Needs root; installs into /opt/brinkmanship and /srv/brinkmanship, serves http://127.0.0.1:8000 (Ctrl-C stops).
hub:
	@[ "$$(id -u)" = "0" ] || { echo "make hub needs root: it creates Unix accounts and runs JupyterHub, which starts each user's server as that user"; exit 2; }
	$(PYTHON) deploy/hub/hubctl.py dry-run

hub-teardown:
	$(PYTHON) deploy/hub/hubctl.py teardown

release-check: $(STAMP)
	$(BIN)/brinkmanship release --check

benchmark: $(STAMP)
	$(BIN)/python benchmarks/widgets.py
	$(BIN)/python benchmarks/browser.py
	$(BIN)/python benchmarks/grading.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache gradebook.db submitted autograded feedback exchange exports test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
