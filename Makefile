# The two commands in the README: `make up` (the main job) and `make test` (the whole suite).
# Each does its own set-up, idempotently: venv + pinned Python deps, the Pulumi CLI (built from
# the Go module proxy into ~/.cache/wechat-iac on first use), and npm deps.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEPS_STAMP := $(VENV)/.deps-installed
# `npm ci` wipes node_modules each time, so a stamp keeps the set-up idempotent
NODE_STAMP := node_modules/.installed-from-lock

.PHONY: setup pulumi-cli up preview refresh destroy init test lint typecheck pytest clean plan adopt doctor

# The stack `up`, `preview`, `refresh` and `destroy` act on; the dev stack also gets its emulator
# started (at its baseUrl). Any other stack must exist first: `make init STACK=prod`.
STACK ?= dev

setup: $(DEPS_STAMP) $(NODE_STAMP) pulumi-cli

$(DEPS_STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --prefer-offline --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

pulumi-cli:
	@bash scripts/ensure-pulumi.sh >/dev/null

up preview refresh destroy: setup
	$(PY) -m runner $@ --stack $(STACK) $(if $(filter dev,$(STACK)),--start-emulator)

# A stack for real WeChat: a passphrase (or INIT_ARGS='--secrets-provider awskms://...') and the
# secrets the specs name, from prompts or KEY=VALUE lines on stdin. See README, "Going to production".
init: setup
	@test "$(STACK)" != dev || { echo "usage: make init STACK=prod [INIT_ARGS='--base-url URL --specs GLOB']"; exit 2; }
	$(PY) -m runner init $(STACK) $(INIT_ARGS)

# The reviewers' plan as Markdown (default plan.md) and a one-line summary; see runner/plan.py.
PLAN_STACK ?= dev
PLAN_OUT ?= plan.md
plan: setup
	$(PY) -m runner plan --stack $(PLAN_STACK) --out $(PLAN_OUT) $(if $(filter dev,$(PLAN_STACK)),--start-emulator) $(PLAN_ARGS)

# Every preflight check of the stack, read-only, as a table; exit 1 when something would stop `up`.
doctor: setup
	$(PY) -m runner doctor --stack $(STACK) $(if $(filter dev,$(STACK)),--start-emulator)

# Write a spec from a live mini-program: make adopt APPID=wx... MODE=platform|owner NAME=shop ADOPT_ARGS='--component-appid
# wx... --component-secret-config KEY --verify-ticket-config KEY --refresh-token-config KEY' (or --app-secret-config KEY)
ADOPT_STACK ?= dev
adopt: setup
	@test -n "$(APPID)" -a -n "$(MODE)" || { echo "usage: make adopt APPID=wx... MODE=platform|owner NAME=name ADOPT_ARGS='...'"; exit 2; }
	$(PY) -m runner adopt --appid $(APPID) --mode $(MODE) --out specs/$(or $(NAME),$(APPID)).yaml \
		--stack $(ADOPT_STACK) $(if $(filter dev,$(ADOPT_STACK)),--start-emulator) $(ADOPT_ARGS)

test: setup lint typecheck pytest

lint:
	$(VENV)/bin/ruff check .

typecheck:
	$(VENV)/bin/mypy

pytest:
	$(VENV)/bin/pytest

# Stops only the emulators `python -m runner` started from this checkout (their pid records are
# in .state/), then deletes .state/: the dev stack's local state and the emulator's database.
clean:
	@if [ -x $(PY) ]; then $(PY) -m runner emulator stop; fi
	rm -rf .state
