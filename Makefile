# One command for each thing a developer or CI does. `make test` is what CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed-dev

.PHONY: install demo test test-fast stress-test lint clean completions docs fuzz bench test-map

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "clodura-cli needs Python 3.10 or newer ($(PYTHON) is older)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,xlsx]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/clodura search --sandbox --seniority CEO --seniority Founder --employees 51-200 \
		--limit 10 --format table

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

# Tests run on four workers: most of them wait on subprocesses and sockets, not on the CPU.
TEST_WORKERS ?= 4
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set (this machine and maybe CI's):
# without it each of the suite's hundreds of `clodura` processes compiles every module it
# imports from source again, and each worker the test files' rewritten asserts. An idle worker
# takes tests queued for a busy one (worksteal): 105 s against 118 s for the default split.
# Scratch files in memory where the machine has room there: the suite creates thousands of SQLite
# files (ledgers, sandbox state, page caches), and each costs 10-30 ms of fsync on a disk against
# 2-4 ms on tmpfs. A small /dev/shm (a container's 64 MB) is not used: under 1 GiB free, the
# system's temporary folder stays.
ifndef TEST_TMPDIR
TEST_TMPDIR := $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && \
	[ "$$(df -Pk /dev/shm 2>/dev/null | awk 'NR==2 {print $$4}')" -gt 1048576 ] 2>/dev/null && \
	echo /dev/shm)
endif
PYTEST = $(if $(TEST_TMPDIR),TMPDIR=$(TEST_TMPDIR) )PYTHONDONTWRITEBYTECODE= \
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

# Compiled once before the workers start: in a fresh clone the first `clodura` processes of
# every worker would each compile the whole package at once (0.2 s here, up to date: nothing).
COMPILE = $(BIN)/python -m compileall -q -j 0 clodura_cli

test: lint
	$(COMPILE)
	$(PYTEST)

# The inner loop: the tests that stay in this process. No loopback server, no terminal or other
# process, no fuzz, no hundreds of generated inputs, no exhaustive matrix (markers in
# pyproject.toml).
test-fast: $(STAMP)
	$(COMPILE)
	$(PYTEST) -m "not loopback and not fuzz and not slow"

# The suite must hold on a busy machine: three runs in a fresh clone beside two CPU burners.
stress-test:
	bench/stress-test

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

completions: $(STAMP)
	mkdir -p completions
	$(BIN)/clodura completion bash > completions/clodura.bash
	$(BIN)/clodura completion zsh > completions/_clodura
	$(BIN)/clodura completion fish > completions/clodura.fish

docs: $(STAMP)
	$(BIN)/python -m clodura_cli.cli.docs README.md

fuzz: $(STAMP)
	CLODURA_FUZZ_EXAMPLES=20000 $(BIN)/pytest tests/test_fuzz.py

# The README's module -> tests table: the suite under coverage, one context per test.
test-map: $(STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS) -q -rf --cov=clodura_cli --cov-context=test --cov-report= \
		> .test-map.log 2>&1 || { tail -n 30 .test-map.log; exit 1; }
	$(BIN)/python bench/test_map.py

bench: $(STAMP)
	$(BIN)/python bench/run.py
