# Công Dân Số — `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: setup run test test-sqlite test-postgres lint translations-extract translations-update db-check bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.requirements: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	cp requirements.txt $@

app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po $(VENV)/.requirements
	$(BIN)/pybabel compile --use-fuzzy -f -d app/translations -l $*

translations: app/translations/vi/LC_MESSAGES/messages.mo app/translations/en/LC_MESSAGES/messages.mo

setup: $(VENV)/.requirements translations
	mkdir -p instance

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The suite runs twice: on SQLite without Redis, then on PostgreSQL with Redis.
test: setup
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	TEST_DATABASE_URL= TEST_REDIS_URL= $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-postgres:
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check app tests bench config.py

db-check: setup
	$(BIN)/flask db check

translations-extract: $(VENV)/.requirements
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -o app/translations/messages.pot --no-location --sort-output .

translations-update: translations-extract
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

bench: setup
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) instance/*.db
