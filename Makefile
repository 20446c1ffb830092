# Two commands do all the set-up on a fresh machine with Python 3.11+ and make:
#   make demo   - virtualenv, dependencies, migrations, demo data, server on http://127.0.0.1:8000
#   make test   - virtualenv, dependencies, the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: demo test venv lint check bench messages clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

demo: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Open http://127.0.0.1:$(PORT)/ and log in with one of the demo users above (password: tracker-demo)."
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

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
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=staticfiles
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) test_db*.sqlite3* staticfiles
