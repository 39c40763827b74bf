# The two commands of SPEC §11: `make run` and `make test`. Each does its own set-up on a
# fresh clone of a fresh machine (Debian 12 here): virtual environment, Python and npm
# packages, system packages via apt when missing, translations, database.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q
export DJANGO_SETTINGS_MODULE ?= hedong_union.settings.dev
# pytest-xdist processes for `make test` (each with its own test database and Redis db).
TEST_WORKERS ?= 2

.PHONY: run test bench security-figures install messages system-deps-run system-deps-test lint clean

## run: install, migrate, seed demo data and serve on http://127.0.0.1:8000 with Celery
run: install messages
	mkdir -p var/celery/queue var/celery/processed var/celery/results
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo "Portal: http://127.0.0.1:8000  (Ctrl-C stops the web server, worker and beat)"
	$(BIN)/honcho start -f Procfile.dev

## test: install, start a throwaway PostgreSQL and Redis, run the whole suite on them
test: install messages system-deps-test
	DJANGO_SETTINGS_MODULE=hedong_union.settings.test scripts/with-test-services $(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## bench: every benchmark, each bench/bench_*.py on its own throwaway PostgreSQL (fsync
## on, as in production) and Redis; they print their tables (copied into docs/benchmarks.md)
bench: install messages system-deps-test $(VENV)/.bench-installed
	@for script in bench/bench_*.py; do \
	  echo "== $$script"; \
	  TEST_PG_FSYNC=on DJANGO_SETTINGS_MODULE=hedong_union.settings.test scripts/with-test-services \
	    $(BIN)/python $$script || exit 1; \
	done

$(VENV)/.bench-installed: $(VENV)/.installed requirements-bench.txt
	$(BIN)/python -m pip install -q -r requirements-bench.txt
	touch $@

# The figures of docs/security.md, re-measured on this machine and written into it.
security-figures: install messages system-deps-test
	SECURITY_FIGURES_WRITE=1 DJANGO_SETTINGS_MODULE=hedong_union.settings.test \
	  scripts/with-test-services $(BIN)/python -m pytest tests/security/figures.py -q -s -p no:logging

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

# Bootstrap and the other front-end assets come from npm and are served locally.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## messages: compile the translation catalogues (GNU gettext's msgfmt)
messages: install system-deps-run
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

system-deps-run:
	@command -v msgfmt >/dev/null || { $(SUDO) apt-get update -q && $(APT_INSTALL) gettext; }

system-deps-test: system-deps-run
	@command -v redis-server >/dev/null && command -v chromium >/dev/null \
	  && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  && fc-list :lang=zh | grep -q . \
	  && command -v soffice >/dev/null && /usr/bin/python3 -c "import uno" 2>/dev/null \
	  || { $(SUDO) apt-get update -q && $(APT_INSTALL) redis-server chromium chromium-driver postgresql fonts-wqy-zenhei libreoffice-calc python3-uno; }

clean:
	rm -rf $(VENV) node_modules staticfiles var
