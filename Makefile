# One command to run the demo, one to pass the tests; both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_test

.PHONY: run run-postgres demo-data test test-slow test-sqlite test-postgres lint bench bench-growth install install-dev fonts browser postgres clean

$(BIN)/motcua: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

install: $(BIN)/motcua

$(VENV)/.dev: $(BIN)/motcua
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install-dev: $(VENV)/.dev

## run: set up, migrate, seed the demo data (SQLite) and serve on http://127.0.0.1:8000, with
## the outbox worker beside it (notifications, hand-over between the members of a group, offers)
run: install fonts demo-data
	$(BIN)/motcua worker & worker=$$!; \
	  trap "kill $$worker" EXIT INT TERM; \
	  $(BIN)/motcua serve --host 127.0.0.1 --port 8000

## run-postgres: the same demo on the local PostgreSQL (database motcua_demo), served as in
## production: two web worker processes and the outbox worker beside them
PG_DEMO_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_demo
run-postgres: install fonts postgres
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'motcua_demo'" \
	  | grep -q 1 || createdb -h 127.0.0.1 -U postgres motcua_demo
	MOTCUA_DATABASE_URL=$(PG_DEMO_URL) $(MAKE) --no-print-directory demo-data
	MOTCUA_DATABASE_URL=$(PG_DEMO_URL) $(BIN)/motcua worker & worker=$$!; \
	  trap "kill $$worker" EXIT INT TERM; \
	  MOTCUA_DATABASE_URL=$(PG_DEMO_URL) $(BIN)/motcua serve --host 127.0.0.1 --port 8000 --workers 2

demo-data: install
	$(BIN)/motcua seed
	$(BIN)/motcua monitoring simulate --days 60
	$(BIN)/motcua monitoring scenario seed-2025-07-07 --if-absent
	$(BIN)/motcua monitoring scenario seed-2025-07-31 --if-absent
	$(BIN)/motcua stats demo
	$(BIN)/motcua legacy demo
	$(BIN)/motcua offers demo
	$(BIN)/motcua assisted demo
	$(BIN)/motcua workflow practice --with-officers

APT_INSTALL = if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(1) >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $(1) >/dev/null; fi

## fonts: Debian's DejaVu fonts, for Vietnamese in PDF receipts
fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || { $(call APT_INSTALL,fonts-dejavu-core); }

## browser: Debian's Chromium for the page tests (nothing downloads a browser of its own), with
## its Vietnamese interface strings (file pickers, date fields) as a person's browser shows them
browser: fonts
	@command -v chromium >/dev/null 2>&1 || { $(call APT_INSTALL,chromium); }
	@test -f /usr/lib/chromium/locales/vi.pak || { $(call APT_INSTALL,chromium-l10n); }

## postgres: make sure the local PostgreSQL answers
postgres:
	@pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && exit 0; sleep 1; done; echo "PostgreSQL did not start" >&2; exit 1

## test: lint, type-check, then the whole suite on SQLite and again on PostgreSQL
test: install-dev browser postgres lint test-sqlite test-postgres

lint: install-dev
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

test-sqlite: install-dev
	MOTCUA_TEST_DATABASE_URL= $(BIN)/pytest -q

test-postgres: install-dev postgres
	MOTCUA_TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q

## test-slow: faults against the platform served as in production (motcua serve --workers 2 on
## PostgreSQL, a fresh database per run, 127.0.0.1 only): SIGKILLs under load, PostgreSQL
## restarted under load, the worker killed mid-delivery, backup and restore (docs/reliability.md)
## (the servers' and workers' logs stay in SLOW_TMP after a run)
SLOW_TMP ?= /tmp/motcua-test-slow
test-slow: install-dev postgres
	$(BIN)/pytest -q -s -p no:cacheprovider --basetemp=$(SLOW_TMP) tests/slow

## bench: every benchmark (catalog, exchange, submission, monitoring, queue, statistics at
## 5,000,000 dossiers, roll-up worker, whole journeys over HTTP) -> docs/benchmarks.md, one
## after the other (their arguments: src/motcua/bench/steps.py); each step's wall time, the
## install's included, and the machine's load are printed and written at the top of that file
## (the load generator is installed first, so a missing package stops the run at once).
## BENCH_ARGS="--suffix _mine" runs on private databases.
BENCH_ARGS ?=
bench:
	@began=$$(date +%s); \
	  $(MAKE) --no-print-directory install postgres && \
	  $(BIN)/pip install --quiet -e '.[bench]' && \
	  $(BIN)/motcua bench all --began $$began $(BENCH_ARGS)

## bench-growth: the data doubles (dossiers 1M -> 2M -> 4M with history and access log,
## reports x 2) and the main reads are timed at each size; a long run (docs/benchmarks.md says
## what fitted): SIZES=100000,200000,400000 for a shorter one
SIZES ?= 1000000,2000000,4000000
bench-growth: install postgres
	$(BIN)/motcua bench growth --sizes $(SIZES) --samples 50

clean:
	rm -rf $(VENV) *.db *.db-shm *.db-wal .pytest_cache .mypy_cache .ruff_cache
