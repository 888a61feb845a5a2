# Công Dân Số — `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: setup setup-dev run test checks test-sqlite test-postgres lint typecheck contracts translations-extract translations-update db-check bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# The app's own requirements (what production installs).
$(VENV)/.requirements: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	cp requirements.txt $@

# Test and development tools, on top.
$(VENV)/.requirements-dev: requirements-dev.txt $(VENV)/.requirements
	$(BIN)/pip install --quiet -r requirements-dev.txt
	cp requirements-dev.txt $@

app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po $(VENV)/.requirements
	$(BIN)/pybabel compile --use-fuzzy -f -d app/translations -l $*

translations: app/translations/vi/LC_MESSAGES/messages.mo app/translations/en/LC_MESSAGES/messages.mo

setup: $(VENV)/.requirements translations
	mkdir -p instance

setup-dev: setup $(VENV)/.requirements-dev node_modules/.package-lock.json

# axe-core for the accessibility walk (tests/e2e/test_accessibility.py), pinned in package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The static checks first (ruff, mypy, the import contracts), then the suite twice: on SQLite
# without Redis, then on PostgreSQL with Redis.
test: setup-dev
	$(MAKE) --no-print-directory checks
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

checks: lint typecheck contracts

test-sqlite: setup-dev
	TEST_DATABASE_URL= TEST_REDIS_URL= $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-postgres: setup-dev
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/ruff check app tests bench config.py

typecheck: setup-dev
	$(BIN)/mypy app

contracts: setup-dev
	$(BIN)/lint-imports

db-check: setup
	$(BIN)/flask db check

translations-extract: $(VENV)/.requirements
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -o app/translations/messages.pot --no-location --sort-output .

translations-update: translations-extract
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

bench: setup-dev
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) instance/*.db
