# The two commands: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
# Links in emails printed by the worker point at this server.
SITE_URL ?= http://127.0.0.1:$(PORT)
export SITE_URL

.PHONY: install run serve test lint chromium bench clean lock
# The browser tests drive Debian's Chromium (never a downloaded browser).
CHROMIUM ?= $(or $(shell command -v chromium 2>/dev/null),/usr/bin/chromium)
export CHROMIUM

$(BIN)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.12 is needed: install it and/or set PYTHON=/path/to/python3.12" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/.installed

# The embedded PostgreSQL (var/postgres; none if DATABASE_URL is set), then `serve` beside it;
# Ctrl-C stops everything, the database last.
run: install
	@$(BIN)/python -m clinic.local_postgres $(MAKE) --no-print-directory serve

# Migrate, seed, then web, Celery worker and beat in the foreground, and the URL and the demo
# logins printed last (manage.py demo_ready); Ctrl-C stops them all.
# make run runs it with its database up; on its own it needs DATABASE_URL.
serve: export DJANGO_SETTINGS_MODULE = clinic.settings.local
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --demo-followups
	$(BIN)/honcho -f Procfile.dev start

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The whole suite against real PostgreSQL and Redis (see .ci/run to start them).
test: export DJANGO_SETTINGS_MODULE = clinic.settings.test
test: lint chromium
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

chromium:
	@test -x "$(CHROMIUM)" || { echo "The browser tests need Chromium and none was found at $(CHROMIUM)." >&2; \
	  echo "Install Debian's: sudo apt-get install chromium   (or set CHROMIUM=/path/to/chromium)" >&2; exit 2; }

# Benchmarks against real PostgreSQL, Redis and gunicorn; each prints ratios to a baseline.
bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/dispatch.py

# requirements.lock: every runtime dependency (pyproject.toml's, not dev) pinned with the hashes
# of its files; the Docker image installs exactly that with --require-hashes. Run after changing
# a dependency (tests/test_deployment.py fails while the two disagree).
lock: install
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.12 --universal \
	  --quiet -o requirements.lock

clean:
	rm -rf $(VENV) var
