# newsbot: `make run` sets everything up and runs the main job on seeds/; `make test` runs the tests.
# Both are idempotent: the virtualenv, the compiled llama-cpp-python and the models are reused.

PY ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
NEWSBOT := $(BIN)/newsbot
STAMP := $(VENV)/.installed-stamp
INDEX ?= index
JOBS := $(shell nproc 2>/dev/null || echo 2)
QUESTION ?= Which officials were sanctioned?
DATA ?= ../shared/data

.PHONY: run install models test test-fast eval bench clean-index

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newsbot needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip wheel
	CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) $(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

models: install
	$(NEWSBOT) models pull

run: models
	$(NEWSBOT) ingest seeds/ --index $(INDEX)
	$(NEWSBOT) ask "$(QUESTION)" --index $(INDEX)
	$(NEWSBOT) doctor --index $(INDEX)

test: models
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow"

eval: models
	$(NEWSBOT) ingest seeds/ --index eval-out/index
	$(NEWSBOT) ingest $(DATA)/lee_background --source ABC --index eval-out/index
	$(NEWSBOT) eval $(DATA)/dev_qa.jsonl --index eval-out/index -o eval-out/answers.jsonl --report eval-out/report.md --summary-json eval-out/summary.json

clean-index:
	rm -rf $(INDEX)/* eval-out
