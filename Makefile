# Two commands do all the set-up on a fresh machine with Python 3.11+ and make:
#   make demo   - virtualenv, dependencies, migrations, demo data, server on http://127.0.0.1:8000
#   make test   - virtualenv, dependencies, the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: demo demo-reset test venv lock lint check bench messages clean

# Dependencies come from the hash-pinned locks (requirements*.lock, made by `make lock` from
# requirements*.txt). Stamp files make repeat runs instant until a lock changes:
#   $(VENV)/.installed          requirements-dev.lock (run time + tests, lint, pip-tools): venv, test, CI
#   $(VENV)/.installed-runtime  requirements.lock (run time only): demo
# The dev lock pins every run-time package at its requirements.lock version, so it satisfies both.
venv: $(VENV)/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.lock requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.installed-runtime

$(VENV)/.installed-runtime: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

# Regenerate both locks after editing requirements.txt or requirements-dev.txt; pins that still
# satisfy the ranges are kept. `make lock UPGRADE=1` moves everything to the newest allowed.
PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)
lock: $(VENV)/.installed
	$(PIP_COMPILE) --output-file requirements.lock requirements.txt
	$(PIP_COMPILE) --output-file requirements-dev.lock requirements-dev.txt

demo: $(VENV)/.installed-runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Open http://127.0.0.1:$(PORT)/ and log in with one of the demo users above (password: tracker-demo)."
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Throw the demo away (the default SQLite database and media/ in this folder) and start afresh.
demo-reset:
	@if [ -n "$$DATABASE_URL$$DJANGO_MEDIA_ROOT" ]; then \
	  echo "demo-reset deletes only the default db.sqlite3 and media/: unset DATABASE_URL and DJANGO_MEDIA_ROOT." >&2; \
	  exit 1; fi
	rm -f db.sqlite3 db.sqlite3-wal db.sqlite3-shm
	rm -rf media
	$(MAKE) demo

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: venv
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: venv
	$(BIN)/python manage.py bench --quick

# Regenerate translations (needs GNU gettext; the compiled .mo files are committed).
messages: venv
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=tests
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) test_db*.sqlite3* staticfiles
