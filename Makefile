# Youth proposal tracker: one-command setup, run, test and checks (GNU make).
#
#   make run     web + Celery worker + beat on the embedded defaults (SQLite, file-system broker, mails in var/mail/)
#   make test    the test suite (PYTEST_ARGS="-k workflow -x" passes extra arguments)
#   make check   migrations up to date, `check --deploy` with production settings
#   make lint    ruff check + ruff format --check
#   make lock    regenerate requirements/constraints.txt from pyproject.toml (LOCK_ARGS=--upgrade: newest allowed)
#   make bench-quick  the benchmarks at 10k proposals (PostgreSQL and SQLite, about two minutes; docs/performance.md)
#   make bench   the benchmarks at 10k, 100k and 1M (generates the data once: about an hour the first time)
#   make offline-bundle  dist/offline-bundle/ (+ .tar.gz): every wheel to install on a machine with no network
#   make clean   remove the virtualenv, caches and collected static files (keeps var/ data; see clean-var)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONSTRAINTS := requirements/constraints.txt

HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
LOCK_ARGS ?=

# `make check` runs `check --deploy` with production settings. The URLs only have to parse (the check does not
# connect); they default to this machine's services unless the environment already names some.
CHECK_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/tracker)
CHECK_BROKER_URL ?= $(or $(CELERY_BROKER_URL),redis://127.0.0.1:6379/0)

.PHONY: help python-version venv run test lint check lock bench bench-quick offline-bundle clean clean-var

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

python-version:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
		echo "error: '$(PYTHON)' was not found on PATH. Install Python 3.11 or newer (or run: make PYTHON=/path/to/python3.11 ...)." >&2; \
		exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "error: Python 3.11 or newer is required, but '$(PYTHON)' is $$($(PYTHON) -c 'import platform; print(platform.python_version())'). Install a newer Python or run: make PYTHON=/path/to/python3.11 ..." >&2; \
		exit 1; }

# Re-installs only when pyproject.toml or the lock changes (or the virtualenv is missing or broken).
$(STAMP): pyproject.toml $(CONSTRAINTS) | python-version
	@if ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
		echo "Creating $(VENV) with $$(command -v $(PYTHON))"; \
		rm -rf $(VENV); \
		$(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'"
	@$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]' || { \
		echo "error: installing failed. If you changed the dependencies in pyproject.toml, run 'make lock' first." >&2; \
		exit 1; }
	@touch $@

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/run_dev.py --host $(HOST) --port $(PORT)

# pytest's exit code 5 means that no test ran: that fails too, with a word on why.
test: $(STAMP)
	@echo "$(BIN)/pytest $(PYTEST_ARGS)"
	@$(BIN)/pytest $(PYTEST_ARGS) || { status=$$?; \
		if [ $$status -eq 5 ]; then echo "error: pytest collected no tests." >&2; fi; \
		exit $$status; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run
	TRACKER_ENV=production \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=example.org \
	DATABASE_URL='$(CHECK_DATABASE_URL)' \
	CELERY_BROKER_URL='$(CHECK_BROKER_URL)' \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# The benchmarks need the PostgreSQL server of BENCH_POSTGRES_URL (default: this machine's, user postgres) and
# Redis; they make their own databases (tracker_bench_*) and print one table (bench/results/latest.json).
BENCH_ARGS ?=

bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

# The offline bundle (docs/operations.md): the project's wheel and the wheels of its run-time dependencies at the
# lock's versions (not the dev tools), the lock, deploy/ and .env.example (as env.example), and a tarball. The wheels
# are for the virtualenv's Python release and architecture (python-version.txt names them): build the bundle with
# the server's own, e.g. Debian 12's /usr/bin/python3 (3.11.2) in a fresh clone, `make offline-bundle PYTHON=...`.
OFFLINE_BUNDLE ?= dist/offline-bundle

offline-bundle: $(STAMP)
	rm -rf '$(OFFLINE_BUNDLE)' '$(OFFLINE_BUNDLE).tar.gz'
	mkdir -p '$(OFFLINE_BUNDLE)/wheels'
	$(BIN)/python -m pip wheel --quiet --wheel-dir '$(OFFLINE_BUNDLE)/wheels' -c $(CONSTRAINTS) .
	cp $(CONSTRAINTS) '$(OFFLINE_BUNDLE)/constraints.txt'
	mkdir -p '$(OFFLINE_BUNDLE)/deploy'
	cp -r deploy/nginx deploy/systemd deploy/make-self-signed-cert.sh '$(OFFLINE_BUNDLE)/deploy/'
	cp .env.example '$(OFFLINE_BUNDLE)/env.example'
	if [[ -f docs/operations.md ]]; then cp docs/operations.md '$(OFFLINE_BUNDLE)/'; fi
	$(BIN)/python -c 'import platform; print(platform.python_version(), platform.machine())' \
		> '$(OFFLINE_BUNDLE)/python-version.txt'
	printf '%s\n' \
		'Youth proposal tracker, offline bundle: install on a machine with no network (docs: operations.md)' \
		"Built with Python $$(cat '$(OFFLINE_BUNDLE)/python-version.txt'): the server's python3 must be that same" \
		'release (some dependencies differ by patch release: redis needs async-timeout below 3.11.3).' \
		'  /usr/bin/python3 -m venv /opt/tracker/venv' \
		'  /opt/tracker/venv/bin/pip install --no-index --find-links wheels -c constraints.txt youth-proposal-tracker' \
		> '$(OFFLINE_BUNDLE)/INSTALL.txt'
	tar -czf '$(OFFLINE_BUNDLE).tar.gz' -C '$(dir $(OFFLINE_BUNDLE))' '$(notdir $(OFFLINE_BUNDLE))'
	@echo "Wrote $(OFFLINE_BUNDLE)/ ($$(ls '$(OFFLINE_BUNDLE)/wheels' | wc -l) wheels, for Python $$(cat '$(OFFLINE_BUNDLE)/python-version.txt')) and $(OFFLINE_BUNDLE).tar.gz"

# pip-tools lives in a throwaway virtualenv so it never mixes with the project's own.
lock: | python-version
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --upgrade pip 'pip-tools>=7.4,<8'; \
	CUSTOM_COMPILE_COMMAND="make lock" "$$tmp/venv/bin/pip-compile" --quiet $(LOCK_ARGS) \
		--extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
		-o $(CONSTRAINTS) pyproject.toml
	@echo "Wrote $(CONSTRAINTS); run 'make venv' to install it."

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build dist *.egg-info var/static
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

# Removes the demo database, the broker queue and the written mails: the next `make run` starts afresh.
clean-var:
	rm -rf var
