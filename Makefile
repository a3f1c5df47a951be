# Two commands do all set-up on a fresh machine:
#   make run    build the warehouse and every output for the bundled study (data/raw/*)
#   make test   run the test suite (installs Chromium for the UI tests and the PostgreSQL server for
#               the production-profile tests when it can)
SHELL := /bin/bash
VENV := .venv
# uv from PATH, else the one pip installs into the machine's Python
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: setup run test ui browser postgres bench clean

setup: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --all-groups --compile-bytecode
	@# pay the first-run costs at install time: the project's bytecode and the parsed dbt manifest
	$(VENV)/bin/python -m compileall -q orchestration safety_warehouse safety_reports expectations benchmarks
	$(VENV)/bin/python -c "from orchestration.lib.dbt.project import dbt_project; dbt_project()"
	@touch $@

run: setup
	$(VENV)/bin/safety-warehouse run

ui: setup
	$(VENV)/bin/safety-warehouse ui

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium: the browser tests will be skipped"; \
	  else echo "chromium not found and not root: the browser tests will be skipped"; fi; }

# PostgreSQL server binaries (Debian: /usr/lib/postgresql/<version>/bin) for tests/ops; .ci/run starts a
# throwaway server and exports SAFETY_PG_* for them, which skip when no server is reachable
postgres:
	@{ command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; } || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	      || echo "could not install postgresql: the PostgreSQL tests will be skipped"; \
	  else echo "PostgreSQL server not found and not root: the PostgreSQL tests will be skipped"; fi; }

test: setup browser postgres
	$(VENV)/bin/pytest

# speed and memory against a plain-DuckDB floor at 1x, 10x and 100x the pilot (not part of the tests):
# writes benchmarks/results/<date>.json and .md
bench: setup
	$(VENV)/bin/python -m benchmarks.bench $(BENCH_ARGS)

clean:
	rm -rf warehouse outputs .dagster_home dbt_project/target
