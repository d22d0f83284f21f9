# Two commands for a newcomer: `make run` and `make test`. Each installs what it needs.
VENV := .venv
PY := $(VENV)/bin/python
DIST := frontend/static/gridroom/dist/sheet.js

.PHONY: run test lint jstest unit unit-services deploy-test e2e stack bench frontend system-run system-test clean

run: system-run $(VENV)/.run-installed $(DIST)
	scripts/run_embedded.bash

test: system-test $(VENV)/.dev-installed $(DIST) lint jstest unit unit-services deploy-test e2e

system-run:
	@scripts/install_system_deps.bash run

system-test:
	@scripts/install_system_deps.bash test

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.run-installed: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

$(DIST): frontend/node_modules/.installed frontend/build.mjs $(wildcard frontend/src/*.js)
	cd frontend && npm run build

frontend: $(DIST)

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The client modules; the convergence test drives them against the real server (no bundle needed).
jstest: frontend/node_modules/.installed $(VENV)/.dev-installed
	cd frontend && node --test test/*.test.js

# SQLite + the in-memory channel layer.
unit: $(VENV)/.dev-installed
	$(PY) -m pytest -q

# The same tests against throwaway PostgreSQL and Redis instances.
unit-services: $(VENV)/.dev-installed
	scripts/with_services.bash $(PY) -m pytest -q

# deploy/install.sh in staging mode, twice; nginx -t of what it renders.
deploy-test: $(VENV)/.dev-installed
	$(PY) -m pytest -q deploy/tests

# The production shape on this machine from the shipped configs, until Ctrl-C.
stack: system-test $(VENV)/.dev-installed $(DIST)
	$(PY) deploy/stack.py

# Edit -> other-tab latency through the stack, beside a bare relay.
bench: system-test $(VENV)/.dev-installed $(DIST)
	$(PY) bench/latency.py

# Real browsers against the app started the way `make run` starts it.
e2e: $(VENV)/.dev-installed $(DIST)
	$(PY) -m pytest -q -o timeout=300 e2e

clean:
	rm -rf $(VENV) frontend/node_modules frontend/static/gridroom/dist var
