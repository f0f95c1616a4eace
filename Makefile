# GymIoT: the whole product on the Firebase Local Emulator Suite.
#   make run    everything in the foreground (Ctrl-C stops all of it)
#   make test   the whole test suite (starts the emulators it needs, stops them after)
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .local/stamps

.PHONY: setup run up down status test unit lint seed sim bench clean

setup: $(STAMPS)/venv $(STAMPS)/functions-venv $(STAMPS)/node $(STAMPS)/workflows-venv

$(STAMPS)/venv: requirements-dev.txt
	@mkdir -p $(STAMPS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

$(STAMPS)/functions-venv: functions/requirements.txt
	@mkdir -p $(STAMPS)
	test -x functions/venv/bin/python || $(PYTHON) -m venv functions/venv
	functions/venv/bin/python -m pip install --quiet --upgrade pip
	functions/venv/bin/python -m pip install --quiet -r functions/requirements.txt
	@touch $@

# The Workflows emulator's interpreter (workflows-emulator) pins an old fastapi: own venv.
$(STAMPS)/workflows-venv: emulators/workflows/requirements.txt
	@mkdir -p $(STAMPS)
	test -x .venv-workflows/bin/python || $(PYTHON) -m venv .venv-workflows
	.venv-workflows/bin/python -m pip install --quiet --upgrade pip
	.venv-workflows/bin/python -m pip install --quiet -r emulators/workflows/requirements.txt
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: setup
	$(PY) -m emulators run

up: setup
	$(PY) -m emulators up

down:
	$(PY) -m emulators down

status:
	$(PY) -m emulators status

seed: setup
	$(PY) -m emulators.seed

sim: setup
	$(PY) -m device_sim machines --customers 5 --rate 2 --duration 120 --fault-rate 0.1 --pace 30

test: setup lint
	$(PY) -m pytest

unit: setup
	$(PY) -m pytest -m "not emulators"

lint: $(STAMPS)/venv
	$(PY) -m ruff check .

bench: setup
	$(PY) -m bench.pipeline

clean: down
	rm -rf .local
