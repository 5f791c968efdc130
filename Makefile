# Two commands: `make run` and `make test`. Everything else here serves them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The registry mirrors on these machines print a warning per package; keep errors only.
PIP_QUIET := grep -v "is ignored: it is neither a file nor a directory" || true

.PHONY: run test setup browser postgres lint check-content bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 2>&1 | $(PIP_QUIET)
	# torch is pinned to 2.13.0: the machine's local CPU wheel (no CUDA download).
	$(BIN)/pip install -q -e '.[dev]' 2>&1 | $(PIP_QUIET)
	$(BIN)/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')"
	touch $(STAMP)

setup: $(STAMP)

# Browser tests drive Debian's Chromium (with fonts for text and the ❓🔧🧠 icons);
# install them when missing.
BROWSER_PACKAGES := chromium fonts-dejavu-core fonts-noto-color-emoji
browser:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "noto color emoji"; then \
	  echo "Installing Debian's $(BROWSER_PACKAGES) for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	fi

# The suite also runs on PostgreSQL: pytest starts a throwaway server from Debian's
# binaries (tests/postgres.py); install them when missing.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "Installing Debian's postgresql for the tests on PostgreSQL..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

run: setup
	$(BIN)/quiz serve --host 127.0.0.1 --port 8000

lint: setup
	$(BIN)/ruff check app tests bench alembic
	$(BIN)/ruff format --check app tests bench alembic
	$(BIN)/mypy
	$(BIN)/lint-imports

test: setup browser postgres lint
	QUIZ_TEST_POSTGRES=required $(BIN)/python -m pytest

bench: setup postgres
	$(BIN)/python bench/sandbox.py
	$(BIN)/python bench/web.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
