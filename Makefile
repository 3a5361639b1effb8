# feedsvc — the two entry points are `make run` and `make test`; each creates the venv it needs.
#   make test                  system packages (scripts/install-system-deps.sh), .venv, ruff, mypy, pytest
#   make test PY=python3.13    the same on another Python, in its own venv (.venv-3.13)
#   make lock                  regenerate the lock files from pyproject.toml (uv pip compile --universal)
PY ?= python3.11
VENV ?= $(if $(filter python3.11,$(notdir $(PY))),.venv,.venv-$(subst python,,$(notdir $(PY))))
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.8
LOCK := requirements-dev.lock
PROD_LOCK := requirements.lock
COMPILE = $(UV) pip compile --quiet --universal --python-version 3.11 --no-header --annotation-style line pyproject.toml
UV = $(BIN)/uv

.PHONY: run test lint typecheck pytest bench clean venv lock system-deps

venv: $(STAMP)

# The venv: uv (pinned) from PyPI, then the project and its dev tools at the lock's exact versions.
# The lock is a constraint: a dependency added to pyproject.toml but not yet locked still installs.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || "$$(UV_VERSION=$(UV_VERSION) scripts/find-python.sh $(PY))" -m venv $(VENV)
	test -x $(UV) || $(BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(UV) pip install --quiet --python $(BIN)/python -c $(LOCK) -e '.[dev]'
	touch $(STAMP)

lock: $(STAMP)
	$(COMPILE) --extra dev -o $(LOCK)
	$(COMPILE) -o $(PROD_LOCK)

system-deps:
	scripts/install-system-deps.sh

run: $(STAMP)
	bash scripts/run-sample.sh

test: system-deps $(STAMP)
	$(BIN)/ruff check feedsvc tests benchmarks
	$(BIN)/ruff format --check feedsvc tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf .venv .venv-3.* var feeds
