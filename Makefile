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

.PHONY: demo test bench calibration calibration-docs calibration-defaults venv venv-test browser-deps clean mutation

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

# Rewrites the generated tables of docs/calibration.md (the patterns and places of 100 runs, and the report of
# the calibration the defaults come from); a test checks they are up to date.
calibration-docs: venv
	$(BIN)/python bench/calibration.py --write-docs

# The Libya defaults from the latest posterior: the weighted median of the parameter sets that also pass the
# patron check (bench/choose_defaults.py); writes defaults.yaml beside the posterior, about 17 minutes.
calibration-defaults: venv
	$(BIN)/python bench/choose_defaults.py

# Mutation testing (docs/testing.md): one module at a time, at low priority, on one core.
#   make mutation                      # MODULE=mechanisms (sim/mechanisms/)
#   make mutation MODULE=compare       # the statistics of sim/compare.py (not the report writing)
#   make mutation MODULE=analyze       # the statistics of sim/sweep/analyze.py (not the plots and files)
MODULE ?= mechanisms
MUTANTS_mechanisms := 'sim.mechanisms.*'
MUTANTS_compare := $(foreach f,bootstrap_mean_ci wilson_interval metrics_from_summaries comparison_rows \
	divergence_week headline_metric_names headline_table _fmt_value _fmt_diff,'sim.compare.x_$(f)__mutmut_*')
MUTANTS_analyze := $(foreach f,point_means _sobol _morris _categorical sensitivity_table _check_complete _usable \
	_sobol_rows _correlation_rows,'sim.sweep.analyze.x_$(f)__mutmut_*')
MUTATION_CHILDREN ?= 1

mutation: venv-test
	$(PIP) install "mutmut>=3.8,<4"
	@test -n "$(MUTANTS_$(MODULE))" || { echo "MODULE must be mechanisms, compare or analyze"; exit 2; }
	nice -n 15 $(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTANTS_$(MODULE)) > /dev/null || true
	@$(BIN)/python -c 'import fnmatch, subprocess, sys; \
	pats = sys.argv[1:]; \
	out = subprocess.run(["$(BIN)/mutmut", "results", "--all", "true"], capture_output=True, text=True).stdout; \
	rows = [l.strip().rsplit(": ", 1) for l in out.splitlines() if ": " in l]; \
	rows = [(n, s) for n, s in rows if any(fnmatch.fnmatch(n, p) for p in pats)]; \
	done = [r for r in rows if r[1] not in ("not checked", "skipped")]; \
	killed = sum(s in ("killed", "timeout") for _, s in done); \
	print(f"$(MODULE): {killed} of {len(done)} mutants killed ({100 * killed / max(1, len(done)):.1f}%)"); \
	[print(f"  {s}: {n}") for n, s in done if s not in ("killed", "timeout")]' $(MUTANTS_$(MODULE))

clean:
	rm -rf $(VENV) .pytest_cache mutants
