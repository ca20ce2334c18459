# Two commands set everything up on a fresh machine with Python 3.11+ and make:
#   make run   - create .venv, install, open the shell on SQLite with ./app.yaml
#   make test  - install the test extra, run ruff, mypy, the import contracts and the tests
# Both install the exact, hash-checked versions of requirements/ (see `make lock`).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The lock: every dependency of pyproject.toml with the test extra, and the runtime subset of
# it (the same versions) that `make run` installs.
LOCK := requirements/lock.txt
RUN_LOCK := requirements/lock-run.txt
UV := uv==0.13.9
COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --quiet --custom-compile-command 'make lock' $(LOCK_ARGS)

.PHONY: run test lint lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The project itself with --no-deps: the lock has installed every dependency.
$(VENV)/.installed: pyproject.toml $(RUN_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(RUN_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/network-bot shell

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Re-resolves the lock after a change to pyproject.toml's dependencies, keeping every other
# version it holds; `make lock LOCK_ARGS=--upgrade` moves everything to the newest allowed
# (`LOCK_ARGS='--upgrade-package NAME'` one package).
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet '$(UV)'
	$(COMPILE) --extra test -o $(LOCK)
	$(COMPILE) -c $(LOCK) -o $(RUN_LOCK)

clean:
	rm -rf $(VENV) network.db network.db-wal network.db-shm
