# Two commands on a fresh machine: `make demo` (the main job) and `make test`.
# Each creates/refreshes the local virtualenv first. torch is pinned to the CPU wheel.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint clean

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[agent,arc,sudoku,text,dev]"
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
