# One-command entry points. Everything installs itself into .venv.
SHELL := /bin/bash
PY312 := $(shell command -v python3.12 2>/dev/null && python3.12 --version >/dev/null 2>&1 && echo ok)
ifeq ($(PY312),)
PYTHON312 := $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12))
else
PYTHON312 := python3.12
endif
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test bench calibration venv venv-test browser-deps clean

$(BIN)/python:
	@test -n "$(PYTHON312)" || { echo "python3.12 not found (Mesa 3.5 needs Python 3.12)"; exit 2; }
	$(PYTHON312) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -e ".[test,viz]"
	$(PIP) install --no-deps "solara-assets==1.58.2"
	@touch $@

venv: $(VENV)/.installed
venv-test: $(VENV)/.installed-test

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

demo: venv
	$(BIN)/libya-sim demo

test: venv-test browser-deps
	$(BIN)/python -m pytest -q

bench: venv
	$(BIN)/python bench/bench.py $(if $(AGAINST),--against $(AGAINST))

calibration: venv
	$(BIN)/python bench/calibration.py

clean:
	rm -rf $(VENV) .pytest_cache
