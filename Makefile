# yoloop: `make demo` sets everything up and runs the pipeline; `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
DVC_REMOTE ?= $(HOME)/.cache/yoloop/dvc-remote
# dvc.yaml runs `python -m flows.<stage>`: the project's interpreter comes first.
export PATH := $(BIN):$(PATH)

.PHONY: setup demo test lint docs browser labelstudio

setup: $(VENV)/.installed .dvc/config.local

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,cluster]'
	touch $@

# A local DVC remote, configured for this checkout only (.dvc/config.local is not committed).
.dvc/config.local: | $(VENV)/.installed
	test -d .dvc || $(BIN)/dvc init --quiet
	mkdir -p $(DVC_REMOTE)
	$(BIN)/dvc remote add --local --default --force localremote $(DVC_REMOTE)

# `yoloop repro`: `dvc repro` with one Prefect server for all the stages (not one started by each stage).
demo: setup
	$(BIN)/yoloop repro
	$(BIN)/dvc push
	@echo "Done: metrics/ and reports/ hold the results; 'dvc metrics show' prints them."

# The FiftyOne App test drives Debian's chromium headless (tests/stages/test_mine.py).
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  $(SUDO) apt-get install -y chromium || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

# Label Studio in a venv of its own (its pins clash with the project's); tests/stages/test_labelstudio.py starts it.
LS_VENV := .venv-labelstudio
labelstudio: $(LS_VENV)/.installed
$(LS_VENV)/.installed: requirements-labelstudio.txt constraints-labelstudio.txt
	$(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LS_VENV)/bin/python -m pip install --quiet -c constraints-labelstudio.txt -r requirements-labelstudio.txt
	touch $@

test: $(VENV)/.installed $(LS_VENV)/.installed browser
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check cli flows tasks testkit tests benchmarks docs
	$(BIN)/ruff format --check cli flows tasks testkit tests benchmarks docs

# The manual (docs/, mkdocs.yml) into site/; `mkdocs serve` shows it on http://127.0.0.1:8000 while you edit.
docs: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
