# SalesOps: `make run` starts everything, `make test` runs the whole suite (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
VENDOR := static/vendor/.installed

.PHONY: run test check install vendor browsers migrate seed lint format migrations-check messages backup restore stop ping clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): requirements.txt $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR): node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
	   node_modules/htmx.org/dist/htmx.min.js node_modules/chart.js/dist/chart.umd.min.js \
	   node_modules/chart.js/dist/chart.umd.min.js.map node_modules/leaflet/dist/leaflet.js \
	   node_modules/leaflet/dist/leaflet.js.map node_modules/leaflet/dist/leaflet.css static/vendor/
	cp -r node_modules/leaflet/dist/images static/vendor/
	cp node_modules/idb-keyval/dist/umd.js static/vendor/idb-keyval.js
	touch $@

install: $(INSTALLED) $(VENDOR)

vendor: $(VENDOR)

# Debian's Chromium, its languages (a Chinese phone's own controls: 年/月/日 in a date field) and CJK fonts for the
# browser tests (Playwright drives the system Chromium).
browsers:
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-noto-cjk chromium-l10n >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo -n ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-l10n fonts-noto-cjk >/dev/null; \
	fi

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: migrate
	$(BIN)/python -m salesops.launcher

# Two pytest-xdist workers, each with a test database and a Redis database of its own; a file's tests stay together.
# Without DATABASE_URL / REDIS_URL the tests start embedded servers of their own (data and sockets under
# TEST_VAR_DIR) and stop only those, so a `make run` beside them keeps its servers.
TEST_WORKERS ?= 2
TEST_VAR_DIR ?= $(CURDIR)/var/test
test: install browsers
	SALESOPS_VAR_DIR=$(TEST_VAR_DIR) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS); status=$$?; \
	  [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ] || SALESOPS_VAR_DIR=$(TEST_VAR_DIR) $(BIN)/python -m salesops.embedded stop; \
	  exit $$status

# Lint, format, migrations, import contracts and types: what CI runs before the tests (.ci/run). The migrations
# check reads the settings, which start embedded servers (under TEST_VAR_DIR, stopped after) without
# DATABASE_URL / REDIS_URL; mypy only imports the settings, so it gets addresses it never connects to.
MYPY_ENV := DATABASE_URL=postgres://unused@127.0.0.1:1/unused REDIS_URL=redis://127.0.0.1:1/0
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SALESOPS_VAR_DIR=$(TEST_VAR_DIR) $(BIN)/python manage.py makemigrations --check --dry-run; status=$$?; \
	  [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ] || SALESOPS_VAR_DIR=$(TEST_VAR_DIR) $(BIN)/python -m salesops.embedded stop; \
	  exit $$status
	$(BIN)/lint-imports
	$(MYPY_ENV) $(BIN)/mypy

ping: install
	$(BIN)/celery -A salesops inspect ping

stop:
	$(BIN)/python -m salesops.embedded stop

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

messages: install
	cd $(CURDIR) && for domain in django djangojs; do \
	  $(BIN)/python manage.py makemessages -d $$domain -l zh_Hans -l en --no-obsolete \
	    --ignore=.venv --ignore=node_modules --ignore=var --ignore=static/vendor --ignore=staticfiles || exit 1; \
	done
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules

BACKUP ?= var/backup.dump
backup: install
	$(BIN)/python manage.py dbbackup --output $(BACKUP)

restore: install
	$(BIN)/python manage.py dbrestore --input $(BACKUP)

clean: stop
	rm -rf $(VENV) node_modules static/vendor staticfiles
